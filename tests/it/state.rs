//! `--state DIR` (the nightly job): runs that read only new objects, merge their usage with
//! the earlier runs', age it out of the window, and survive being killed.
//!
//! The binary runs with the repository root as its working folder. Parquet files are read back
//! with DuckDB, an engine independent of the writer.

use crate::common::{RunResult, SeaweedFs, TrailguardCmd, duckdb, num, parquet, read_summary};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SAMPLES: &str = "data-samples/AWSLogs";
const LP: &str = "tests/fixtures/rules/least-privilege";

type Row = Map<String, Value>;

/// `trailguard ARGS...` from the repository root.
fn tg<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> RunResult {
    let mut cmd = TrailguardCmd::new().args(args);
    cmd.cmd.current_dir(ROOT);
    cmd.run_with_timeout(Duration::from_secs(120))
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `trailguard <verb> SOURCES... --out OUT --threads 2 [--state STATE] EXTRA...`, asserting
/// exit 0; returns the summary.
#[track_caller]
fn run(verb: &str, sources: &[String], out: &Path, state: Option<&Path>, extra: &[&str]) -> Value {
    let mut args: Vec<String> = vec![verb.into()];
    args.extend(sources.iter().cloned());
    args.extend(["--out".into(), s(out), "--threads".into(), "2".into()]);
    args.extend(["--quiet".into()]);
    if let Some(st) = state {
        args.extend(["--state".into(), s(st)]);
    }
    args.extend(extra.iter().map(|x| x.to_string()));
    tg(&args).assert_code(0);
    read_summary(out)
}

/// The generation `DIR/CURRENT` names.
fn current_gen(state: &Path) -> PathBuf {
    let text = std::fs::read_to_string(state.join("CURRENT")).expect("CURRENT");
    state.join(text.trim())
}

/// `usage.parquet` of the current generation, sorted, timestamps as text.
fn usage_rows(state: &Path) -> Vec<Row> {
    duckdb(&format!(
        "select * from {} order by principal, action",
        parquet(&current_gen(state).join("usage.parquet"))
    ))
}

/// `permissions.parquet`, sorted.
fn permission_rows(out: &Path) -> Vec<Row> {
    duckdb(&format!(
        "select account, principal, principal_type, action, granted, conditional, used, \
         observable, use_count, denied_count, first_used, last_used, list_sort(granted_by) as by \
         from {} order by principal, action",
        parquet(&out.join("permissions.parquet"))
    ))
}

/// Every file under `out/policies/`, by relative path.
fn policies(out: &Path) -> BTreeMap<String, String> {
    let root = out.join("policies");
    let mut m = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("policies folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root).expect("under root");
                m.insert(s(rel), std::fs::read_to_string(&p).expect("policy file"));
            }
        }
    }
    m
}

/// Asserts two row lists are equal, showing only the rows that differ.
#[track_caller]
fn assert_rows_eq(got: &[Row], want: &[Row], what: &str) {
    if got == want {
        return;
    }
    let key = |r: &Row| format!("{} {}", r["principal"], r["action"]);
    let g: BTreeMap<String, &Row> = got.iter().map(|r| (key(r), r)).collect();
    let w: BTreeMap<String, &Row> = want.iter().map(|r| (key(r), r)).collect();
    let mut diff = Vec::new();
    for k in g
        .keys()
        .chain(w.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if g.get(k) != w.get(k) {
            diff.push(format!(
                "{k}:\n  got  {:?}\n  want {:?}",
                g.get(k),
                w.get(k)
            ));
        }
    }
    diff.truncate(8);
    panic!(
        "{what}: {} rows vs {}; first differences:\n{}",
        got.len(),
        want.len(),
        diff.join("\n")
    );
}

fn copy_file(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, to).expect("copy");
}

/// Files under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn skipped(summary: &Value, reason: &str) -> u64 {
    summary["objects_skipped"][reason].as_u64().unwrap_or(0)
}

/// (1) + (2): a tree that grows between two runs, then a run on the same input again.
#[test]
fn growing_tree_reads_only_new_objects_and_matches_one_run_over_everything() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let src = Path::new(ROOT).join(SAMPLES);
    let tree = tmp.path().join("tree/AWSLogs");
    // First night: day 1 and every other object of day 2; the rest comes later.
    let all = files(&src);
    let mut later = Vec::new();
    let mut day2 = 0;
    for f in &all {
        let rel = f.strip_prefix(&src).expect("under src");
        let r = s(rel);
        let is_log = r.contains("/CloudTrail/");
        let first_night = if is_log && r.contains("/2024/01/02/") {
            day2 += 1;
            day2 % 2 == 1
        } else {
            !(is_log && r.contains("/2024/01/03/"))
        };
        if first_night {
            copy_file(f, &tree.join(rel));
        } else {
            later.push((f.clone(), tree.join(rel)));
        }
    }
    assert!(later.len() >= 5, "the second night brings objects");
    let state = tmp.path().join("state");
    let sources = vec![s(&tmp.path().join("tree"))];
    let first = run(
        "scan",
        &sources,
        &tmp.path().join("out1"),
        Some(&state),
        &[],
    );
    for (from, to) in &later {
        copy_file(from, to);
    }
    let second = run(
        "recommend",
        &sources,
        &tmp.path().join("out2"),
        Some(&state),
        &[],
    );
    // One run over everything: with a state of its own, and a plain scan.
    let one = run(
        "scan",
        &sources,
        &tmp.path().join("one"),
        Some(&tmp.path().join("one-state")),
        &[],
    );
    let plain = run("scan", &sources, &tmp.path().join("plain"), None, &[]);

    let read1 = num(&first, "objects_read");
    assert_eq!(num(&second, "objects_read"), later.len() as u64);
    assert_eq!(skipped(&second, "already_processed"), read1);
    assert_eq!(read1 + later.len() as u64, num(&one, "objects_read"));
    assert_eq!(
        num(&first, "events") + num(&second, "events"),
        num(&plain, "events"),
        "events split over two nights add up to one run's (copies across nights count once)"
    );
    assert_eq!(num(&one, "events"), num(&plain, "events"));
    assert_eq!(second["state"]["loaded_generation"], 1);
    assert_eq!(second["state"]["written_generation"], 2);

    let merged = usage_rows(&state);
    assert!(merged.len() > 100, "usage.parquet holds the run's actions");
    assert_rows_eq(
        &merged,
        &usage_rows(&tmp.path().join("one-state")),
        "usage.parquet after two nights vs one run",
    );
    let perms = permission_rows(&tmp.path().join("out2"));
    assert_rows_eq(
        &perms,
        &permission_rows(&tmp.path().join("one")),
        "permissions.parquet after two nights vs one run with a state",
    );
    assert_rows_eq(
        &perms,
        &permission_rows(&tmp.path().join("plain")),
        "permissions.parquet after two nights vs a plain scan",
    );

    // (2) The same input again: nothing is read and no count changes.
    let third = run(
        "recommend",
        &sources,
        &tmp.path().join("out3"),
        Some(&state),
        &[],
    );
    assert_eq!(num(&third, "objects_read"), 0);
    assert_eq!(num(&third, "events"), 0);
    assert_eq!(
        skipped(&third, "already_processed"),
        num(&one, "objects_read")
    );
    assert_rows_eq(&usage_rows(&state), &merged, "usage.parquet after a re-run");
    assert_rows_eq(
        &permission_rows(&tmp.path().join("out3")),
        &perms,
        "permissions.parquet after a re-run",
    );
    assert_eq!(
        third["state"]["ledger_objects"],
        second["state"]["ledger_objects"]
    );
    assert_eq!(third["state"]["event_ids"], second["state"]["event_ids"]);
    // The same tree under another spelling of its path is the same objects.
    let dotted = vec![format!("{}/./tree", s(tmp.path()))];
    let fourth = run("scan", &dotted, &tmp.path().join("out4"), Some(&state), &[]);
    assert_eq!(num(&fourth, "objects_read"), 0);
    assert_eq!(usage_rows(&state), merged);
    // Only the current generation is left.
    let gens: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    assert_eq!(gens, ["gen-4"]);
}

/// The least-privilege policy after two nights equals the one of a single run over both.
#[test]
fn policies_after_two_runs_equal_one_run_over_both_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(Path::new(ROOT).join(LP).join("app-writer-cloudtrail.json"))
        .expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let records = doc["Records"].as_array().expect("Records").clone();
    assert!(records.len() >= 4);
    let (a, b) = records.split_at(records.len() / 2);
    let (fa, fb) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    std::fs::write(&fa, serde_json::json!({ "Records": a }).to_string()).unwrap();
    std::fs::write(&fb, serde_json::json!({ "Records": b }).to_string()).unwrap();
    let details = format!("{LP}/details.json");
    let extra = ["--iam-details", details.as_str()];
    let state = tmp.path().join("state");
    run(
        "recommend",
        &[s(&fa)],
        &tmp.path().join("n1"),
        Some(&state),
        &extra,
    );
    let second = run(
        "recommend",
        &[s(&fa), s(&fb)],
        &tmp.path().join("n2"),
        Some(&state),
        &extra,
    );
    assert_eq!(num(&second, "objects_read"), 1);
    assert_eq!(skipped(&second, "already_processed"), 1);
    let single = run(
        "scan",
        &[format!("{LP}/app-writer-cloudtrail.json")],
        &tmp.path().join("single"),
        None,
        &extra,
    );
    let got = policies(&tmp.path().join("n2"));
    assert!(
        got.keys().any(|k| k.ends_with(".json")),
        "a policy was suggested: {got:?}"
    );
    assert_eq!(got, policies(&tmp.path().join("single")));
    assert_eq!(
        permission_rows(&tmp.path().join("n2")),
        permission_rows(&tmp.path().join("single"))
    );
    assert_eq!(
        second["findings_by_rule"]["unused-permissions"],
        single["findings_by_rule"]["unused-permissions"]
    );
    // Again on the same input: the same policies.
    let third = run(
        "recommend",
        &[s(&fa), s(&fb)],
        &tmp.path().join("n3"),
        Some(&state),
        &extra,
    );
    assert_eq!(num(&third, "objects_read"), 0);
    assert_eq!(policies(&tmp.path().join("n3")), got);
}

/// Objects that fail are not in the ledger (read again next run); a JSON Lines file read in
/// part is (its good lines were counted and would count twice).
#[test]
fn failed_objects_are_retried_and_counted_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    let sources = ["tests/fixtures/good", "tests/fixtures/bad"];
    let go = |out: &str| {
        let mut args: Vec<String> = vec!["scan".into()];
        args.extend(sources.iter().map(|x| x.to_string()));
        args.extend(["--out".into(), s(&tmp.path().join(out))]);
        args.extend(["--state".into(), s(&state), "--quiet".into()]);
        tg(&args).assert_code(3);
        read_summary(&tmp.path().join(out))
    };
    let first = go("o1");
    let failed = |v: &Value, partial: bool| {
        v["failed"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["partial"] == partial)
            .count() as u64
    };
    assert!(failed(&first, true) >= 1, "a JSON Lines file read in part");
    let whole = failed(&first, false);
    assert!(whole >= 5);
    assert_eq!(first["state"]["objects_not_recorded"], whole);
    let second = go("o2");
    assert_eq!(num(&second, "objects_read"), 0);
    assert_eq!(num(&second, "events"), 0);
    assert_eq!(
        failed(&second, false),
        whole,
        "failed objects are read again"
    );
    assert_eq!(failed(&second, true), 0, "the partly read file is not");
    assert_eq!(
        skipped(&second, "already_processed"),
        num(&first, "objects_read")
    );
    assert_eq!(second["state"]["written_generation"], 2);
    assert_rows_eq(
        &permission_rows(&tmp.path().join("o2")),
        &permission_rows(&tmp.path().join("o1")),
        "permissions.parquet after a run that read nothing new",
    );
}

/// Checks what a reader of the state relies on: `CURRENT` names a complete generation whose
/// files have the sizes its manifest says (or `none`).
fn assert_state_consistent(state: &Path, context: &str) {
    let Ok(text) = std::fs::read_to_string(state.join("CURRENT")) else {
        // Killed before the pointer was first written: nothing else may be there but the
        // lock and the pointer being written.
        let names: Vec<String> = std::fs::read_dir(state)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n != "LOCK" && n != "CURRENT.tmp")
                    .collect()
            })
            .unwrap_or_default();
        assert!(names.is_empty(), "{context}: no CURRENT but {names:?}");
        return;
    };
    let name = text.trim();
    if name == "none" {
        return;
    }
    let gen_dir = state.join(name);
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(gen_dir.join("COMPLETE"))
            .unwrap_or_else(|e| panic!("{context}: {name}/COMPLETE: {e}")),
    )
    .unwrap_or_else(|e| panic!("{context}: {name}/COMPLETE is not JSON: {e}"));
    for (file, size) in manifest["files"].as_object().expect("files") {
        let len = std::fs::metadata(gen_dir.join(file))
            .unwrap_or_else(|e| panic!("{context}: {name}/{file}: {e}"))
            .len();
        assert_eq!(Some(len), size.as_u64(), "{context}: {name}/{file}");
    }
}

/// (3) Runs killed at any moment leave a state the next run loads; a clean run then ends
/// where a single run ends.
#[test]
fn killed_runs_leave_a_usable_state() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let corpus = tmp.path().join("corpus");
    trailguard_gen::generate(
        &corpus,
        &[
            "--seed",
            "11",
            "--accounts",
            "2",
            "--regions",
            "2",
            "--days",
            "3",
            "--events-per-day",
            "20000",
            "--threads",
            "2",
        ],
    )
    .expect("trailguard-gen");
    let sources = vec![s(&corpus)];
    let started = Instant::now();
    let reference = run(
        "scan",
        &sources,
        &tmp.path().join("ref"),
        Some(&tmp.path().join("ref-state")),
        &[],
    );
    let clean_ms = started.elapsed().as_millis() as u64;
    assert!(num(&reference, "events") > 50_000);

    let state = tmp.path().join("state");
    let out = tmp.path().join("out");
    let mut delays: Vec<u64> = vec![0, 1, 5, 10, 20, 50, 100, 150, 200, 300];
    // And spread over the whole of a clean run, where the state is written.
    delays.extend((1..=12).map(|i| clean_ms * i / 10));
    let mut killed = 0;
    let mut completed = 0;
    for (i, d) in delays.iter().enumerate() {
        let mut cmd = TrailguardCmd::new().args(["scan"]).args(&sources).args([
            "--out",
            &s(&out),
            "--state",
            &s(&state),
            "--threads",
            "2",
            "--quiet",
        ]);
        cmd.cmd
            .current_dir(ROOT)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.cmd.spawn().expect("start trailguard");
        std::thread::sleep(Duration::from_millis(*d));
        let _ = child.kill(); // SIGKILL
        let o = child.wait_with_output().expect("wait");
        match o.status.code() {
            None => killed += 1,
            Some(0) => completed += 1,
            Some(c) => panic!(
                "run {i} (killed after {d} ms) exited {c}: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
        }
        assert_state_consistent(&state, &format!("after run {i} killed at {d} ms"));
    }
    assert!(
        killed >= 5,
        "{killed} runs were killed, {completed} completed"
    );
    // A clean run loads whatever is left and ends where one run ends.
    let last = run("scan", &sources, &out, Some(&state), &[]);
    assert_state_consistent(&state, "after the clean run");
    assert_eq!(
        usage_rows(&state),
        usage_rows(&tmp.path().join("ref-state"))
    );
    assert_eq!(
        permission_rows(&out),
        permission_rows(&tmp.path().join("ref"))
    );
    assert_eq!(
        last["state"]["ledger_objects"],
        reference["state"]["ledger_objects"]
    );
    let gens = std::fs::read_dir(&state)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            n.starts_with("gen-") || n == "CURRENT.tmp"
        })
        .count();
    assert_eq!(gens, 1, "leftovers of killed runs are removed");
}

/// (4) A damaged state is a clear error naming the file; so is a locked one.
#[test]
fn damaged_or_locked_state_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    let sources = vec![format!("{SAMPLES}/o-6e0f31ec09/136651530598")];
    let out = tmp.path().join("out");
    run("scan", &sources, &out, Some(&state), &[]);
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(sources.iter().cloned());
    args.extend(["--out".into(), s(&out), "--state".into(), s(&state)]);

    std::fs::write(state.join("CURRENT"), b"gen-?\x07\n").unwrap();
    let r = tg(&args);
    r.assert_code(1);
    let cur = s(&state.join("CURRENT"));
    assert!(
        r.stderr.contains(&cur) && r.stderr.contains("garbled"),
        "{}",
        r.stderr
    );

    std::fs::write(state.join("CURRENT"), b"gen-1\n").unwrap();
    std::fs::remove_file(state.join("gen-1/COMPLETE")).unwrap();
    let r = tg(&args);
    r.assert_code(1);
    assert!(
        r.stderr.contains(&s(&state.join("gen-1/COMPLETE"))),
        "{}",
        r.stderr
    );

    // A file of the generation cut short.
    let fresh = tmp.path().join("fresh");
    run("scan", &sources, &out, Some(&fresh), &[]);
    let usage = fresh.join("gen-1/usage.parquet");
    let len = std::fs::metadata(&usage).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&usage)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let mut args2 = args.clone();
    let at = args2.iter().position(|a| *a == s(&state)).unwrap();
    args2[at] = s(&fresh);
    let r = tg(&args2);
    r.assert_code(1);
    assert!(r.stderr.contains(&s(&usage)), "{}", r.stderr);

    // Another run holds the lock.
    let other = tmp.path().join("other");
    run("scan", &sources, &out, Some(&other), &[]);
    let lock = std::fs::File::open(other.join("LOCK")).unwrap();
    lock.try_lock().expect("take the lock");
    args2[at] = s(&other);
    let r = tg(&args2);
    r.assert_code(1);
    assert!(
        r.stderr.contains(&s(&other.join("LOCK"))) && r.stderr.contains("another trailguard run"),
        "{}",
        r.stderr
    );
    drop(lock);
    tg(&args2).assert_code(0);

    // `recommend` without --state is a usage error.
    let r = tg(&["recommend", SAMPLES, "--out", &s(&out)]);
    r.assert_code(2);
}

/// (5) Usage whose last use is older than the window is dropped from usage.parquet.
#[test]
fn usage_older_than_the_window_ages_out() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sources = vec![SAMPLES.to_string()];
    let full = tmp.path().join("full");
    run("scan", &sources, &tmp.path().join("o1"), Some(&full), &[]);
    let aged = tmp.path().join("aged");
    // The data ends on 2024-01-02 (plus late deliveries); the window is 2024-01-02T06:00Z
    // to 2024-01-03T06:00Z.
    let summary = run(
        "recommend",
        &sources,
        &tmp.path().join("o2"),
        Some(&aged),
        &["--window", "1", "--until", "2024-01-03T06:00:00Z"],
    );
    assert_eq!(num(&summary, "events_outside_window"), 0);
    assert_eq!(summary["window"]["start"], "2024-01-02T06:00:00Z");
    let start = "timestamp '2024-01-02 06:00:00'";
    let expect = duckdb(&format!(
        "select * from {} where greatest(last, denied_last) >= {start} \
         order by principal, action",
        parquet(&current_gen(&full).join("usage.parquet"))
    ));
    let got = usage_rows(&aged);
    assert!(!got.is_empty());
    assert!(
        got.len() < usage_rows(&full).len(),
        "some usage ended before the window"
    );
    assert_eq!(got, expect);
    assert!(summary["state"]["aged_out"]["actions"].as_u64().unwrap() > 0);
    // permissions.parquet judges the aged usage: nothing used before the window is left.
    let old = duckdb(&format!(
        "select count(*) as n from {} where last_used < {start}",
        parquet(&tmp.path().join("o2").join("permissions.parquet"))
    ));
    assert_eq!(old[0]["n"], 0);
}

/// S3: objects are recognised by key, size and ETag; day folders older than the ledger keeps
/// are pruned without listing.
#[test]
fn s3_second_run_lists_and_reads_only_what_is_new() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let corpus = tmp.path().join("corpus");
    trailguard_gen::generate(
        &corpus,
        &[
            "--seed",
            "5",
            "--accounts",
            "1",
            "--regions",
            "1",
            "--days",
            "5",
            "--events-per-day",
            "300",
            "--events-per-file",
            "100",
            "--threads",
            "2",
        ],
    )
    .expect("trailguard-gen");
    let weed = SeaweedFs::start("trail");
    // Night one: the first four days.
    let first_days = tmp.path().join("first");
    let mut rest = Vec::new();
    for f in files(&corpus.join("AWSLogs")) {
        let rel = f.strip_prefix(&corpus).unwrap().to_path_buf();
        let r = s(&rel);
        if ["/2024/01/05/", "/2024/01/06/"]
            .iter()
            .any(|d| r.contains(d))
        {
            rest.push(rel);
        } else {
            copy_file(&f, &first_days.join(&rel));
        }
    }
    assert!(!rest.is_empty());
    weed.upload(&first_days, "");
    let state = tmp.path().join("state");
    let scan = |out: &str| {
        let r = weed
            .scan([
                format!("s3://{}/AWSLogs/", weed.bucket()),
                "--out".into(),
                s(&tmp.path().join(out)),
                "--state".into(),
                s(&state),
                "--threads".into(),
                "2".into(),
                "--quiet".into(),
            ])
            .run();
        r.assert_code(0);
        read_summary(&tmp.path().join(out))
    };
    let one = scan("o1");
    assert!(num(&one, "objects_read") > 0);
    // Night two: the last days arrive.
    let second_days = tmp.path().join("second");
    for rel in &rest {
        copy_file(&corpus.join(rel), &second_days.join(rel));
    }
    weed.upload(&second_days, "");
    let two = scan("o2");
    let new_logs = rest
        .iter()
        .filter(|r| s(r).contains("/CloudTrail/"))
        .count() as u64;
    assert_eq!(num(&two, "objects_read"), new_logs);
    assert!(skipped(&two, "already_processed") > 0);
    assert!(
        two["prefixes_skipped"]["before_ledger"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "day folders before the ledger's are not listed: {}",
        two["prefixes_skipped"]
    );
    // Same as one run over the whole bucket.
    let plain = weed
        .scan([
            format!("s3://{}/AWSLogs/", weed.bucket()),
            "--out".into(),
            s(&tmp.path().join("plain")),
            "--threads".into(),
            "2".into(),
            "--quiet".into(),
        ])
        .run();
    plain.assert_code(0);
    let plain = read_summary(&tmp.path().join("plain"));
    assert_eq!(
        num(&one, "events") + num(&two, "events"),
        num(&plain, "events")
    );
    assert_eq!(
        permission_rows(&tmp.path().join("o2")),
        permission_rows(&tmp.path().join("plain"))
    );
    // And again: nothing new.
    let three = scan("o3");
    assert_eq!(num(&three, "objects_read"), 0);
    assert_eq!(num(&three, "events"), 0);
}
