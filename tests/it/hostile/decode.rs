//! Damaged objects and values (issue 9, failures 1, 2, 8 and 12): what one object or one value
//! can cost.

use super::{
    EXIT_OK, EXIT_PARTIAL, INVICTUS_FILE, activity_events, assert_activity_covers, assert_code_in,
    event_bytes, exit_code, failures_ending, gzip, records_doc, s, scan_run, summary_of,
};
use crate::common::{RunResult, TrailguardCmd, clean_command, num};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

// ---- failure 1: a damaged object cannot erase good records -----------------------------------

/// The planted object: a gzip of two members. Member 1 is a valid `{"Records":[...]}` whose
/// records are only `{"eventID", "eventTime"}` pairs copied from the good file (no principal,
/// no eventSource: not real events); member 2 is `second`, damaged.
fn planted(good_file: &Path, second: &[u8]) -> Vec<u8> {
    let good: Value =
        serde_json::from_slice(&std::fs::read(good_file).expect("read the good file")).unwrap();
    let pairs: Vec<Value> = good["Records"]
        .as_array()
        .expect("Records")
        .iter()
        .map(|r| serde_json::json!({"eventID": r["eventID"], "eventTime": r["eventTime"]}))
        .collect();
    let first = serde_json::to_vec(&serde_json::json!({ "Records": pairs })).unwrap();
    let mut bytes = gzip(&first);
    bytes.extend_from_slice(second);
    bytes
}

/// Scans the good file alone, then the planted object (named first, so that with one thread it
/// is read first) with the good file, with `--threads 1` once and `--threads 2` twice. Every
/// run must count all of the good file's events under their own keys (the planted pairs must
/// not make them duplicates) and name the planted object in `failed`.
fn damaged_object_keeps_good_events(second: &[u8]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plant = tmp.path().join("000-planted.json.gz");
    std::fs::write(&plant, planted(Path::new(INVICTUS_FILE), second)).unwrap();
    let ref_out = tmp.path().join("good-alone");
    let run = scan_run(&[INVICTUS_FILE.to_string()], &ref_out, 1, &["--quiet"]);
    assert_code_in(&run, &[EXIT_OK]);
    let reference = summary_of(&ref_out, &run);
    let good_events = num(&reference, "events");
    assert!(good_events >= 50, "{reference:#}");
    let good_rows = activity_events(&ref_out);
    for (i, threads) in [1, 2, 2].into_iter().enumerate() {
        let out = tmp.path().join(format!("out-{i}"));
        let run = scan_run(
            &[s(&plant), INVICTUS_FILE.to_string()],
            &out,
            threads,
            &["--quiet"],
        );
        assert_code_in(&run, &[EXIT_PARTIAL]);
        let sm = summary_of(&out, &run);
        assert!(
            num(&sm, "events") >= good_events,
            "--threads {threads}: {} events with the planted object, {good_events} without \
             ({} duplicates): the damaged object erased good events",
            num(&sm, "events"),
            num(&sm, "duplicates")
        );
        assert_activity_covers(&activity_events(&out), &good_rows);
        assert_eq!(
            failures_ending(&sm, "000-planted.json.gz").len(),
            1,
            "the planted object is not in failed: {:#}",
            sm["failed"]
        );
    }
}

/// Issue 9, failure 1: a damaged object erased good records. A two-member gzip whose first
/// member holds the good file's event IDs and whose second member has corrupt deflate data
/// (a gzip header, then a block of the reserved type 3) must not make the good file's events
/// duplicates.
#[test]
fn hostile_damaged_gzip_member_cannot_erase_good_events() {
    let mut second = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    second.extend_from_slice(&[0xff; 64]);
    damaged_object_keeps_good_events(&second);
}

/// Issue 9, failure 1 (the variant that erased events on 4e3f87c): the second member is a
/// valid gzip of a balanced but invalid JSON document (`{"Records":[{"eventID":nul}]}`). The
/// first document's IDs were entered into deduplication, then the whole object failed, and the
/// good file's events counted as duplicates of records that were never kept.
#[test]
fn hostile_invalid_second_document_cannot_erase_good_events() {
    damaged_object_keeps_good_events(&gzip(br#"{"Records":[{"eventID":nul}]}"#));
}

// ---- failure 2: one bad value costs at most that record ---------------------------------------

/// A Records file of 10 events by one user; event 5 (index 4) gets `extra` spliced into its
/// `requestParameters` and `agent` into its `userAgent` string. Scans it; returns the run, the
/// summary and the file name.
fn ten_events_one_bad(case: &str, extra: &[u8], agent: &[u8]) -> (RunResult, Value, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let events: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let (e, a): (&[u8], &[u8]) = if i == 4 { (extra, agent) } else { (b"", b"") };
            event_bytes(
                "111122223333",
                "alice",
                &format!("2024-05-01T10:0{i}:00Z"),
                &format!("0000000{i}-0000-4000-8000-00000000000{case}"),
                e,
                a,
            )
        })
        .collect();
    let name = format!("one-bad-value-{case}.json");
    let file = tmp.path().join(&name);
    std::fs::write(&file, records_doc(&events)).unwrap();
    let out = tmp.path().join("out");
    let run = scan_run(&[s(&file)], &out, 1, &["--quiet"]);
    exit_code(&run);
    let sm = summary_of(&out, &run);
    (run, sm, name)
}

/// For valid JSON: all 10 events count, exit 0, the object is not in `failed`.
#[track_caller]
fn all_ten_count(case: &str, extra: &[u8], agent: &[u8]) {
    let (run, sm, name) = ten_events_one_bad(case, extra, agent);
    assert_eq!(
        failures_ending(&sm, &name),
        Vec::<&Value>::new(),
        "a valid JSON document is in failed"
    );
    assert_eq!(num(&sm, "events"), 10, "events counted of 10");
    assert_code_in(&run, &[EXIT_OK]);
}

/// Issue 9, failure 2 (a): the number 18446744073709551616 (2^64, valid JSON) in one event's
/// `requestParameters` made the whole object fail (`InvalidNumber`): 0 of 10 events counted.
#[test]
fn hostile_number_above_u64_costs_nothing() {
    all_ten_count("a", b",\"count\":18446744073709551616", b"");
}

/// Issue 9, failure 2 (b): `1e400` (valid JSON, beyond f64) in one event made the whole object
/// fail.
#[test]
fn hostile_number_beyond_f64_costs_nothing() {
    all_ten_count("b", b",\"ratio\":1e400", b"");
}

/// Issue 9, failure 2 (c): a lone surrogate escape (`\ud800`, valid JSON syntax) in one
/// event's `userAgent` made the whole object fail (`InvalidUnicodeCodepoint`).
#[test]
fn hostile_lone_surrogate_escape_costs_nothing() {
    all_ten_count("c", b"", b"\\ud800");
}

/// Issue 9, failure 2 (d): one invalid UTF-8 byte (0xff) inside one event's `userAgent` made
/// the whole object fail (`InvalidUtf8`). At least the 9 other events count, the run is not an
/// error (exit 0 or 3), and the object is in `failed` as salvaged (`partial: true`).
#[test]
fn hostile_invalid_utf8_byte_costs_at_most_its_record() {
    let (run, sm, name) = ten_events_one_bad("d", b"", b"\xff");
    assert!(
        num(&sm, "events") >= 9,
        "{} of 10 events counted; failed: {:#}",
        num(&sm, "events"),
        sm["failed"]
    );
    assert_code_in(&run, &[EXIT_OK, EXIT_PARTIAL]);
    let f = failures_ending(&sm, &name);
    assert_eq!(
        f.len(),
        1,
        "the object is not in failed: {:#}",
        sm["failed"]
    );
    assert_eq!(f[0]["partial"], true, "{}", f[0]);
}

// ---- failure 8: gzip bombs cannot exhaust memory ----------------------------------------------

/// One gzip member of 1 GiB of spaces (JSON whitespace, so that only a size limit can refuse
/// it), compressed once per test process at the fast level from a streaming reader.
fn gib_member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..1024 {
            gz.write_all(&chunk).expect("compress");
        }
        gz.finish().expect("compress")
    })
}

/// Issue 9, failure 8: a gzip bomb inflated into memory up to --max-object-size (1 GiB by
/// default) per decoder thread. Two bombs of 10 members of 1 GiB each (10 GiB inflated) and a
/// good file, scanned with 2 threads under a 2 GiB address-space limit (`prlimit --as`): the
/// process ends normally with exit 3, both bombs are `too_large`, the good events count, and
/// the peak RSS stays under 600 MB.
#[test]
fn hostile_gzip_bombs_cannot_exhaust_memory() {
    crate::common::require_tool("prlimit", "(util-linux, not a pip package)");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let member = gib_member();
    assert!(
        member.len() < 20_000_000,
        "1 GiB member is {} bytes",
        member.len()
    );
    for name in ["bomb-1.json.gz", "bomb-2.json.gz"] {
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name)).unwrap());
        for _ in 0..10 {
            f.write_all(member).unwrap();
        }
        f.flush().unwrap();
    }
    let events: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            event_bytes(
                "111122223333",
                "alice",
                &format!("2024-05-01T11:0{i}:00Z"),
                &format!("b0b0b0b{i}-0000-4000-8000-000000000000"),
                b"",
                b"",
            )
        })
        .collect();
    std::fs::write(dir.join("good.json"), records_doc(&events)).unwrap();
    let out = tmp.path().join("out");
    let mut cmd = clean_command("prlimit");
    cmd.env("NO_COLOR", "1")
        .arg("--as=2147483648")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_trailguard"))
        .args([
            "scan",
            &s(&dir),
            "--out",
            &s(&out),
            "--threads",
            "2",
            "--quiet",
        ]);
    let run = TrailguardCmd { cmd }.run_with_timeout(Duration::from_secs(30));
    assert_code_in(&run, &[EXIT_PARTIAL]);
    let sm = summary_of(&out, &run);
    for name in ["bomb-1.json.gz", "bomb-2.json.gz"] {
        let f = failures_ending(&sm, name);
        assert_eq!(f.len(), 1, "{name} is not in failed: {:#}", sm["failed"]);
        assert_eq!(f[0]["kind"], "too_large", "{}", f[0]);
    }
    assert_eq!(num(&sm, "events"), 10, "{sm:#}");
    let rss = num(&sm, "peak_rss_bytes");
    assert!(rss > 0 && rss < 600_000_000, "peak RSS {rss} bytes");
}

// ---- failure 12: property: damaged copies never cost good events ------------------------------

/// Three small generated CloudTrail objects: (file name, gzip bytes, inflated JSON), and the
/// events a scan of them alone counts.
struct Corpus {
    objects: Vec<(String, Vec<u8>, Vec<u8>)>,
    good_events: u64,
}

/// Inflates one of our own generated objects (small, trusted: no size cap needed).
#[allow(clippy::disallowed_types)]
fn inflate(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .expect("inflate a generated object");
    out
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let gen_dir = tmp.path().join("gen");
        let args = [
            "trailguard-gen",
            "--out",
            &s(&gen_dir),
            "--seed",
            "9",
            "--accounts",
            "1",
            "--regions",
            "1",
            "--days",
            "1",
            "--events-per-day",
            "300",
            "--events-per-file",
            "100",
            "--threads",
            "1",
        ];
        trailguard_gen::run(args.map(std::ffi::OsString::from)).expect("trailguard-gen");
        let mut files: Vec<PathBuf> = walk(&gen_dir)
            .into_iter()
            .filter(|p| {
                p.components().any(|c| c.as_os_str() == "CloudTrail")
                    && p.to_string_lossy().ends_with(".json.gz")
            })
            .collect();
        files.sort();
        assert!(files.len() >= 3, "the generator wrote {files:?}");
        files.truncate(3);
        let objects: Vec<(String, Vec<u8>, Vec<u8>)> = files
            .iter()
            .map(|p| {
                let gz = std::fs::read(p).unwrap();
                let json = inflate(&gz);
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, gz, json)
            })
            .collect();
        let good = tmp.path().join("good");
        std::fs::create_dir(&good).unwrap();
        for (name, gz, _) in &objects {
            std::fs::write(good.join(name), gz).unwrap();
        }
        let out = tmp.path().join("out");
        let run = scan_run(&[s(&good)], &out, 1, &["--quiet"]);
        assert_code_in(&run, &[EXIT_OK]);
        let good_events = num(&summary_of(&out, &run), "events");
        assert!(
            good_events >= 200,
            "{good_events} events in the generated objects"
        );
        Corpus {
            objects,
            good_events,
        }
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    super::tree(dir).into_iter().map(|p| dir.join(p)).collect()
}

/// One damaged copy of the generated objects.
#[derive(Clone, Debug)]
enum Damage {
    /// The gzip bytes of `obj` cut at `at` (a fraction of the length).
    Truncate { obj: usize, at: f64 },
    /// Bytes of the gzip of `obj` XORed with nonzero masks at fractions of the length.
    FlipGzip { obj: usize, flips: Vec<(f64, u8)> },
    /// The gzip of `from` inserted into the gzip bytes of `into` at a fraction of its length.
    Splice { from: usize, into: usize, at: f64 },
    /// A gzip member of `first` followed by a valid gzip of the JSON of `second` with bytes
    /// replaced (broken JSON behind a good first member).
    BrokenSecondMember {
        first: usize,
        second: usize,
        replace: Vec<(f64, u8)>,
    },
}

fn at(len: usize, f: f64) -> usize {
    ((len as f64 * f) as usize).min(len.saturating_sub(1))
}

impl Damage {
    fn bytes(&self, c: &Corpus) -> Vec<u8> {
        match self {
            Damage::Truncate { obj, at: f } => {
                let gz = &c.objects[*obj].1;
                gz[..at(gz.len(), *f)].to_vec()
            }
            Damage::FlipGzip { obj, flips } => {
                let mut gz = c.objects[*obj].1.clone();
                let n = gz.len();
                for (f, mask) in flips {
                    gz[at(n, *f)] ^= mask | 1;
                }
                gz
            }
            Damage::Splice { from, into, at: f } => {
                let mut gz = c.objects[*into].1.clone();
                let i = at(gz.len(), *f);
                let ins = c.objects[*from].1.clone();
                gz.splice(i..i, ins);
                gz
            }
            Damage::BrokenSecondMember {
                first,
                second,
                replace,
            } => {
                let mut json = c.objects[*second].2.clone();
                let n = json.len();
                for (f, b) in replace {
                    json[at(n, *f)] = *b;
                }
                let mut gz = c.objects[*first].1.clone();
                gz.extend_from_slice(&gzip(&json));
                gz
            }
        }
    }
}

fn damage() -> impl Strategy<Value = Damage> {
    let flips = proptest::collection::vec((0.0..1.0f64, any::<u8>()), 1..4);
    // Replacements that break JSON without unbalancing brackets (most positions are inside
    // strings), or that do: a control byte, invalid UTF-8, a quote, a brace.
    let replace = proptest::collection::vec(
        (
            0.0..1.0f64,
            prop_oneof![
                Just(0x01u8),
                Just(0xffu8),
                Just(b'"'),
                Just(b'}'),
                Just(b'x')
            ],
        ),
        1..4,
    );
    prop_oneof![
        (0..3usize, 0.0..1.0f64).prop_map(|(obj, at)| Damage::Truncate { obj, at }),
        (0..3usize, flips).prop_map(|(obj, flips)| Damage::FlipGzip { obj, flips }),
        (0..3usize, 0..3usize, 0.0..1.0f64).prop_map(|(from, into, at)| Damage::Splice {
            from,
            into,
            at
        }),
        (0..3usize, 0..3usize, replace).prop_map(|(first, second, replace)| {
            Damage::BrokenSecondMember {
                first,
                second,
                replace,
            }
        }),
    ]
}

/// Issue 9, failure 12 (property): three good generated objects plus 1 to 4 damaged copies of
/// them (truncated, byte-flipped, one spliced into another, a good member followed by broken
/// JSON), the damaged ones named to be read first. The run never ends by a signal or a hang,
/// and counts at least the events of the good objects alone. 16 cases from a fixed seed
/// (deterministic), no persisted failures.
#[test]
fn hostile_property_damaged_copies_never_cost_good_events() {
    let c = corpus();
    let config = ProptestConfig {
        cases: 16,
        failure_persistence: None,
        max_shrink_iters: 24,
        ..ProptestConfig::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[9u8; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(
        &proptest::collection::vec(damage(), 1..=4),
        |damages: Vec<Damage>| {
            let tmp = tempfile::tempdir().expect("temp dir");
            let dir = tmp.path().join("in");
            std::fs::create_dir(&dir).unwrap();
            for (name, gz, _) in &c.objects {
                std::fs::write(dir.join(name), gz).unwrap();
            }
            for (i, d) in damages.iter().enumerate() {
                std::fs::write(dir.join(format!("00-damaged-{i}.json.gz")), d.bytes(c)).unwrap();
            }
            let out = tmp.path().join("out");
            let run = scan_run(&[s(&dir)], &out, 1, &["--quiet"]);
            let status = run.status;
            prop_assert!(
                status.is_some_and(|st| st.code().is_some()),
                "no normal exit: {status:?}\n{}",
                super::head(&run.stderr, 2000)
            );
            let sm = summary_of(&out, &run);
            prop_assert!(
                num(&sm, "events") >= c.good_events,
                "{} events, {} from the good objects alone ({} duplicates)",
                num(&sm, "events"),
                c.good_events,
                num(&sm, "duplicates")
            );
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
