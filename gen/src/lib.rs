//! trailguard-gen: deterministic synthetic AWS CloudTrail corpus (organization-trail layout).
//!
//! Same arguments => byte-identical files, whatever `--threads` is: every file is rendered from
//! its own seed, derived from the master seed and the file's position in a plan that is built
//! sequentially before any file is written.

mod cast;
mod catalog;
mod event;
mod extra;
mod params;
mod plan;
pub mod sign;
mod util;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use rayon::prelude::*;
use serde_json::{Value, json};

use cast::{IP_ATTACKER, UA_ATTACKER};
use catalog::{APIS, api};
use event::{Ev, Fail, Scratch, write_event};
use plan::{LogFile, Plan, Script, build_plan, script_len, scripted};
use util::*;

/// Bumped whenever the output for given arguments changes (invalidates `--reuse`).
const FORMAT_VERSION: u64 = 2;
/// Average uncompressed bytes per record, used to turn `--target-bytes` into an event count.
const AVG_EVENT_BYTES: u64 = 1600;
const DEFAULT_DAYS: u64 = 14;
const DEFAULT_TARGET: u64 = 1_500_000_000;
const GZIP_LEVEL: u32 = 6;

const EXAMPLES: &str = "\
Examples:
  # ~1.5 GB uncompressed (default), 4 accounts x 4 regions x 14 days
  trailguard-gen --out /tmp/trailguard-corpus
  # small sample: 2 accounts, 3 regions, 2 days, ~3,000 events
  trailguard-gen --out data-samples --seed 7 --accounts 2 --regions 3 --days 2 \\
      --events-per-day 1500 --events-per-file 100 --start 2024-01-01 --force
  # RSS scaling check: same events/day, twice the days
  trailguard-gen --out /tmp/c7 --days 7 --events-per-day 60000
  trailguard-gen --out /tmp/c14 --days 14 --events-per-day 60000
  # regenerate only if MANIFEST.txt does not already match these arguments
  trailguard-gen --out /tmp/trailguard-bench --target-bytes 1.5G --reuse

Sizes are decimal (1.5G = 1,500,000,000 bytes of uncompressed event JSON).
Without --days/--events-per-day, --target-bytes is spread over 14 days.
Output is byte-identical for identical arguments (any --threads).";

#[derive(Parser, Debug)]
#[command(
    name = "trailguard-gen",
    version,
    about = "Generate a deterministic synthetic AWS CloudTrail corpus (organization trail layout)",
    after_help = EXAMPLES
)]
struct Cli {
    /// Output directory (AWSLogs/ and MANIFEST.txt are written inside it).
    #[arg(long)]
    out: PathBuf,
    /// Master seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Approximate uncompressed size of the event log files, e.g. 1.5G, 200M (default 1.5G).
    #[arg(long, value_parser = parse_size)]
    target_bytes: Option<u64>,
    /// Number of days of activity.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3660))]
    days: Option<u64>,
    /// Events per day over the whole organization (instead of --target-bytes).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    events_per_day: Option<u64>,
    /// Number of member accounts (the first is the management account).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=100))]
    accounts: u64,
    /// Number of regions (the first is always us-east-1).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=16))]
    regions: u64,
    /// First day (UTC), YYYY-MM-DD.
    #[arg(long, default_value = "2024-01-01")]
    start: String,
    /// Average number of records per log file.
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    events_per_file: u64,
    /// Worker threads (default: all cores). Does not affect the output.
    #[arg(long)]
    threads: Option<usize>,
    /// Delete an existing OUT/AWSLogs before writing.
    #[arg(long)]
    force: bool,
    /// Do nothing if OUT/MANIFEST.txt was produced with the same arguments (otherwise
    /// regenerate, replacing OUT/AWSLogs).
    #[arg(long)]
    reuse: bool,
    /// The RSA key (PKCS#8 DER) that signs the digest files; created if missing. Default:
    /// OUT/SIGNING-KEY.pk8, so a regenerated corpus has the same signatures. Its public half
    /// goes to OUT/PUBLIC-KEYS.txt (`aws cloudtrail list-public-keys` JSON).
    #[arg(long, value_name = "FILE")]
    digest_key: Option<PathBuf>,
    /// Also write each digest's signature in a sidecar (`<digest>.metadata`, the S3 metadata
    /// of the digest object), as `trailguard verify --download` keeps it.
    #[arg(long)]
    digest_sidecars: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().trim_end_matches(['B', 'b']);
    let (num, mul) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?} (examples: 1.5G, 200M)"))?;
    if v.is_nan() || v <= 0.0 {
        return Err(format!("size must be positive: {s}"));
    }
    Ok((v * mul).round() as u64)
}

#[derive(Default, Clone, Copy)]
struct Stats {
    events: u64,
    dups: u64,
    errors: u64,
    no_identity: u64,
    next_day: u64,
    raw: u64,
    gz: u64,
    /// SHA-256 of the decompressed file.
    sha256: [u8; 32],
}

struct Worker {
    json: String,
    gz: Vec<u8>,
    scratch: Scratch,
    deflate: Compress,
}

thread_local! {
    /// One reusable set of buffers and deflate state per worker thread.
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Random record `j` of log file `f` (also used to re-render duplicates).
fn random_event(plan: &Plan, f: usize, j: u64, w: &mut Worker, st: &mut Stats) {
    let lf = &plan.logs[f];
    let a = &plan.accounts[lf.acct];
    let mut rng = Rng::new(mix(lf.seed, j));
    let slot = ((lf.t1 - lf.t0) / lf.n.max(1) as i64).max(1);
    let t = lf.t0 + j as i64 * (lf.t1 - lf.t0) / lf.n.max(1) as i64 + rng.below(slot as u64) as i64;
    let class = usize::from(lf.region != 0);
    let hour = t.rem_euclid(86_400) / 3600;
    let night = usize::from(!(7..20).contains(&hour));
    let pi = a.pidx[class][night][pick_cum(&mut rng, &a.pcum[class][night])] as usize;
    let p = &a.principals[pi];
    let api = &APIS[p.apis[class][pick_cum(&mut rng, &p.cum[class])] as usize];
    let mut ev = Ev::new(a, p, api, t, plan.regions[lf.region]);
    if !api.svc_event() && rng.chance(300) {
        ev.fail = Some(if rng.chance(7000) {
            Fail::Denied
        } else {
            Fail::Throttled
        });
        st.errors += 1;
    }
    if api.svc_event() && rng.chance(3000) {
        ev.no_identity = true;
        st.no_identity += 1;
    }
    push_record(w, &ev, &mut rng, st, lf);
}

fn push_record(w: &mut Worker, ev: &Ev, rng: &mut Rng, st: &mut Stats, lf: &LogFile) {
    if !w.json.ends_with('[') {
        w.json.push(',');
    }
    write_event(&mut w.json, &mut w.scratch, ev, rng);
    st.events += 1;
    if ev.t.div_euclid(86_400) < lf.deliver.div_euclid(86_400) {
        st.next_day += 1;
    }
}

fn render_log(plan: &Plan, f: usize, w: &mut Worker) -> Stats {
    let lf = &plan.logs[f];
    let mut st = Stats::default();
    w.json.push_str("{\"Records\":[");
    if let Some(src) = lf.dup_from {
        let n_src = plan.logs[src].n;
        let mut rng = Rng::new(mix(lf.seed, u64::MAX));
        let mut picked: Vec<u64> = Vec::new();
        while (picked.len() as u64) < lf.dup_n {
            let j = rng.below(n_src);
            if !picked.contains(&j) {
                picked.push(j);
            }
        }
        picked.sort_unstable();
        for j in picked {
            // Re-render record j of the source file: same eventID, counted as a duplicate copy.
            let mut dst = Stats::default();
            random_event(plan, src, j, w, &mut dst);
            st.events += 1;
            st.dups += 1;
            st.errors += dst.errors;
            st.no_identity += dst.no_identity;
            st.next_day += dst.next_day;
        }
    }
    let a = &plan.accounts[lf.acct];
    for (si, &s) in lf.scripts.iter().enumerate() {
        for k in 0..script_len(s) as usize {
            let (label, spec, fail) = scripted(s, k);
            let p = &a.principals[a.find(label)];
            // Scenarios unfold over ~40 minutes, squeezed into short windows if need be.
            let offset = 120 + si as i64 * 600 + k as i64 * 37;
            let t = lf.t0 + offset * (lf.t1 - lf.t0).min(2_400) / 2_400;
            let mut rng = Rng::new(mix(lf.seed, 1 << 40 | (si as u64) << 8 | k as u64));
            let mut ev = Ev::new(a, p, &APIS[api(spec)], t, plan.regions[lf.region]);
            ev.fail = fail;
            match s {
                Script::FailedLogins if fail.is_some() => ev.hidden_user = true,
                Script::Incident => {
                    ev.ip = Some(IP_ATTACKER);
                    ev.ua = Some(UA_ATTACKER);
                    if k >= 5 {
                        ev.name = Some("svc-maint"); // the backdoor user it creates
                    }
                    ev.policy = Some("arn:aws:iam::aws:policy/AdministratorAccess");
                }
                Script::Root if k == 0 => {
                    ev.ua = Some(
                        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
                    )
                }
                _ => {}
            }
            if fail.is_some() {
                st.errors += 1;
            }
            push_record(w, &ev, &mut rng, &mut st, lf);
        }
    }
    for j in 0..lf.n {
        random_event(plan, f, j, w, &mut st);
    }
    w.json.push_str("]}");
    st
}

/// gzip (RFC 1952) with a reused deflate state: fixed header (mtime 0, OS 255, as flate2's
/// GzEncoder writes it), raw deflate at GZIP_LEVEL, CRC-32 and size trailer.
fn gzip_json(w: &mut Worker) -> Result<()> {
    let input = w.json.as_bytes();
    w.gz.clear();
    w.gz.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    w.deflate.reset();
    let mut consumed = 0;
    loop {
        if w.gz.capacity() - w.gz.len() < 64 * 1024 {
            w.gz.reserve(input.len() / 4 + 64 * 1024);
        }
        let before = w.deflate.total_in();
        let status =
            w.deflate
                .compress_vec(&input[consumed..], &mut w.gz, FlushCompress::Finish)?;
        consumed += (w.deflate.total_in() - before) as usize;
        if status == Status::StreamEnd {
            break;
        }
    }
    let mut crc = Crc::new();
    crc.update(input);
    w.gz.extend_from_slice(&crc.sum().to_le_bytes());
    w.gz.extend_from_slice(&(input.len() as u32).to_le_bytes());
    Ok(())
}

fn compress_and_write(out: &Path, key: &str, w: &mut Worker) -> Result<(u64, u64, [u8; 32])> {
    let path = out.join(key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    gzip_json(w)?;
    std::fs::write(&path, &w.gz).with_context(|| format!("writing {}", path.display()))?;
    use sha2::Digest as _;
    let sizes = (
        w.json.len() as u64,
        w.gz.len() as u64,
        sha2::Sha256::digest(w.json.as_bytes()).into(),
    );
    w.json.clear();
    Ok(sizes)
}

#[derive(Clone, Copy)]
enum Job {
    Log(usize),
    Insight(usize),
}

fn run_job(plan: &Plan, out: &Path, job: Job, w: &mut Worker) -> Result<Stats> {
    let (mut st, key) = match job {
        Job::Log(f) => {
            let st = render_log(plan, f, w);
            debug_assert!(st.events > 0, "empty log file");
            (st, &plan.logs[f].key)
        }
        Job::Insight(i) => {
            let x = &plan.insights[i];
            let a = &plan.accounts[x.acct];
            let mut rng = Rng::new(mix(x.t as u64, x.acct as u64 ^ 0x1a51));
            let arn = &a.principals[a.find("AppServerRole")].arn;
            let n = extra::write_insight(
                &mut w.json,
                &mut rng,
                &a.id,
                plan.regions[x.region],
                x.t,
                arn,
            );
            (
                Stats {
                    events: n,
                    ..Stats::default()
                },
                &x.key,
            )
        }
    };
    let (raw, gz, sha256) = compress_and_write(out, key, w)?;
    st.raw = raw;
    st.gz = gz;
    st.sha256 = sha256;
    Ok(st)
}

/// Writes the digest chains, after the log files (each digest states their hashes): chains in
/// parallel, each in order (a digest states the previous one's hash and signature). Returns
/// the stats of each digest, in plan order.
fn write_digests(
    plan: &Plan,
    out: &Path,
    logs: &[Stats],
    signer: &sign::Signer,
    sidecars: bool,
) -> Result<Vec<Stats>> {
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut chain_of: Vec<usize> = vec![usize::MAX; plan.digests.len()];
    for (i, d) in plan.digests.iter().enumerate() {
        let c = match d.prev {
            Some(p) => chain_of[p],
            None => {
                chains.push(Vec::new());
                chains.len() - 1
            }
        };
        chain_of[i] = c;
        chains[c].push(i);
    }
    let per_chain: Vec<Vec<(usize, Stats)>> = chains
        .par_iter()
        .map(|chain| -> Result<Vec<(usize, Stats)>> {
            let mut w = Worker {
                json: String::with_capacity(1 << 16),
                gz: Vec::with_capacity(1 << 14),
                scratch: Scratch::default(),
                deflate: Compress::new(Compression::new(GZIP_LEVEL), false),
            };
            let mut prev: Option<(usize, [u8; 32], String)> = None;
            let mut done = Vec::with_capacity(chain.len());
            for &i in chain {
                let d = &plan.digests[i];
                let a = &plan.accounts[d.acct];
                let refs: Vec<extra::LogRef> = d
                    .files
                    .iter()
                    .map(|&f| extra::LogRef {
                        key: &plan.logs[f].key,
                        oldest: plan.logs[f].t0,
                        newest: plan.logs[f].t1 - 1,
                        sha256: logs[f].sha256,
                    })
                    .collect();
                let p = prev.as_ref().map(|(j, sha, sig)| extra::PrevRef {
                    key: &plan.digests[*j].key,
                    sha256: *sha,
                    signature: sig,
                });
                extra::write_digest(
                    &mut w.json,
                    &a.id,
                    &plan.bucket,
                    &d.key,
                    &signer.fingerprint,
                    p.as_ref(),
                    d.start,
                    d.t,
                    &refs,
                );
                let mut end = String::new();
                push_time(&mut end, d.t);
                let (raw, gz, sha256) = compress_and_write(out, &d.key, &mut w)?;
                let message = sign::signing_string(
                    &end,
                    &plan.bucket,
                    &d.key,
                    &sha256,
                    prev.as_ref().map(|(_, _, s)| s.as_str()),
                );
                let signature = signer.sign_hex(message.as_bytes());
                if sidecars {
                    let path = out.join(format!("{}{}", d.key, ".metadata"));
                    std::fs::write(&path, sign::sidecar_json(&signature))
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                done.push((
                    i,
                    Stats {
                        raw,
                        gz,
                        sha256,
                        ..Stats::default()
                    },
                ));
                prev = Some((i, sha256, signature));
            }
            Ok(done)
        })
        .collect::<Result<_>>()?;
    let mut stats = vec![Stats::default(); plan.digests.len()];
    for (i, st) in per_chain.into_iter().flatten() {
        stats[i] = st;
    }
    Ok(stats)
}

/// Writes a corpus into `out` with the generator's other options (`["--seed", "5", ...]`), as
/// tests and benchmarks do.
pub fn generate(out: &Path, args: &[&str]) -> Result<()> {
    let mut argv: Vec<std::ffi::OsString> =
        vec!["trailguard-gen".into(), "--out".into(), out.into()];
    argv.extend(args.iter().map(std::ffi::OsString::from));
    run(argv)
}

/// The binary's exit: 0 after generating or after `--help`/`--version` (printed as clap prints
/// them), 2 for a usage error, 1 for any other failure (one line naming it).
pub fn exit_code(result: &Result<()>) -> std::process::ExitCode {
    use std::process::ExitCode;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<clap::Error>() {
            Some(c) => {
                let _ = c.print();
                ExitCode::from(if c.use_stderr() { 2 } else { 0 })
            }
            None => {
                eprintln!("trailguard-gen: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Runs the generator with command-line arguments (the first is the program name), as the
/// `trailguard-gen` binary does; tests and benchmarks call it in-process.
pub fn run<I, T>(args: I) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    let started = Instant::now();
    let start = chrono::NaiveDate::parse_from_str(&cli.start, "%Y-%m-%d")
        .with_context(|| format!("--start {:?}: expected YYYY-MM-DD", cli.start))?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let start_day = start.signed_duration_since(epoch).num_days();
    let (days, epd) = match (cli.target_bytes, cli.days, cli.events_per_day) {
        (Some(_), Some(_), Some(_)) => {
            bail!("give at most two of --target-bytes, --days, --events-per-day")
        }
        (t, Some(d), None) => {
            let total = t.map_or(DEFAULT_TARGET / AVG_EVENT_BYTES / DEFAULT_DAYS * d, |t| {
                t / AVG_EVENT_BYTES
            });
            (d, (total / d).max(1))
        }
        (None, Some(d), Some(e)) => (d, e),
        (Some(t), None, Some(e)) => ((t / AVG_EVENT_BYTES).div_ceil(e).max(1), e),
        (t, None, e) => (
            DEFAULT_DAYS,
            e.unwrap_or((t.unwrap_or(DEFAULT_TARGET) / AVG_EVENT_BYTES / DEFAULT_DAYS).max(1)),
        ),
    };
    let args = json!({
        "seed": cli.seed, "accounts": cli.accounts, "regions": cli.regions, "days": days,
        "events_per_day": epd, "events_per_file": cli.events_per_file, "start": start.to_string(),
        "format_version": FORMAT_VERSION,
    });
    let manifest_path = cli.out.join("MANIFEST.txt");
    if cli.reuse
        && let Ok(text) = std::fs::read_to_string(&manifest_path)
        && serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|old| old.get("args").cloned())
            == Some(args.clone())
    {
        eprintln!(
            "trailguard-gen: {} already matches these arguments; reusing it",
            manifest_path.display()
        );
        print!("{text}");
        return Ok(());
    }
    let logs_dir = cli.out.join("AWSLogs");
    if logs_dir.exists() {
        if !(cli.force || cli.reuse) {
            bail!("{} exists; pass --force to replace it", logs_dir.display());
        }
        std::fs::remove_dir_all(&logs_dir)
            .with_context(|| format!("removing {}", logs_dir.display()))?;
    }
    let _ = std::fs::remove_file(&manifest_path);
    std::fs::create_dir_all(&cli.out)?;

    let plan = build_plan(
        cli.seed,
        cli.accounts as usize,
        cli.regions as usize,
        start_day,
        days,
        epd,
        cli.events_per_file,
    );
    let key_path = cli
        .digest_key
        .clone()
        .unwrap_or_else(|| cli.out.join("SIGNING-KEY.pk8"));
    let signer = sign::Signer::load_or_create(&key_path)?;
    let mut jobs: Vec<Job> = (0..plan.logs.len()).map(Job::Log).collect();
    jobs.extend((0..plan.insights.len()).map(Job::Insight));
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cli.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build()?;
    let out = cli.out.as_path();
    let results: Vec<Stats> = pool.install(|| {
        jobs.par_iter()
            .map(|&job| {
                WORKER.with(|cell| {
                    let mut slot = cell.borrow_mut();
                    let w = slot.get_or_insert_with(|| Worker {
                        json: String::with_capacity(1 << 20),
                        gz: Vec::with_capacity(1 << 18),
                        scratch: Scratch::default(),
                        deflate: Compress::new(Compression::new(GZIP_LEVEL), false),
                    });
                    run_job(&plan, out, job, w)
                })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let digest_stats = pool.install(|| {
        write_digests(
            &plan,
            out,
            &results[..plan.logs.len()],
            &signer,
            cli.digest_sidecars,
        )
    })?;
    let first = plan
        .digests
        .iter()
        .map(|d| d.start)
        .min()
        .unwrap_or(start_day * 86_400);
    let last = plan
        .digests
        .iter()
        .map(|d| d.t)
        .max()
        .unwrap_or(start_day * 86_400);
    let keys_path = cli.out.join("PUBLIC-KEYS.txt");
    std::fs::write(
        &keys_path,
        signer.public_keys_json(first - 86_400, last + 86_400),
    )
    .with_context(|| format!("writing {}", keys_path.display()))?;

    let mut logs = Stats::default();
    let (mut other_raw, mut other_gz, mut insight_events) = (0, 0, 0);
    for (job, st) in jobs.iter().zip(&results) {
        match job {
            Job::Log(_) => {
                logs.events += st.events;
                logs.dups += st.dups;
                logs.errors += st.errors;
                logs.no_identity += st.no_identity;
                logs.next_day += st.next_day;
                logs.raw += st.raw;
                logs.gz += st.gz;
            }
            Job::Insight(_) => {
                insight_events += st.events;
                other_raw += st.raw;
                other_gz += st.gz;
            }
        }
    }
    for st in &digest_stats {
        other_raw += st.raw;
        other_gz += st.gz;
    }
    let cast: Vec<Value> = plan.accounts[0]
        .principals
        .iter()
        .map(|p| json!({"label": p.label, "kind": format!("{:?}", p.kind), "arn": p.arn}))
        .collect();
    let fields: Vec<(&str, Value)> = vec![
        ("generator", json!("trailguard-gen")),
        ("args", args),
        ("events_written", json!(logs.events)),
        ("duplicate_copies", json!(logs.dups)),
        ("unique_events", json!(logs.events - logs.dups)),
        ("events", json!(logs.events)),
        ("duplicates", json!(logs.dups)),
        (
            "files",
            json!({"logs": plan.logs.len(), "digest": plan.digests.len(), "insight": plan.insights.len(), "total": jobs.len() + plan.digests.len()}),
        ),
        ("log_uncompressed_bytes", json!(logs.raw)),
        ("log_compressed_bytes", json!(logs.gz)),
        ("uncompressed_bytes", json!(logs.raw + other_raw)),
        ("compressed_bytes", json!(logs.gz + other_gz)),
        (
            "compression_ratio",
            json!(format!("{:.2}", logs.raw as f64 / logs.gz.max(1) as f64)),
        ),
        ("error_events", json!(logs.errors)),
        ("events_without_user_identity", json!(logs.no_identity)),
        ("next_day_folder_events", json!(logs.next_day)),
        ("insight_events", json!(insight_events)),
        ("public_keys", json!("PUBLIC-KEYS.txt")),
        ("digest_key_fingerprint", json!(signer.fingerprint)),
        ("org_id", json!(plan.org)),
        ("bucket", json!(plan.bucket)),
        (
            "account_ids",
            json!(
                plan.accounts
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
            ),
        ),
        ("external_account_id", json!(plan.accounts[0].ext_id)),
        ("regions", json!(plan.regions)),
        ("first_day", json!(start.to_string())),
        ("days", json!(days)),
        ("planted", json!(plan.planted)),
        ("cast_per_account", json!(cast)),
        (
            "definitions",
            json!({
                "events_written": "records in CloudTrail/ log files, duplicate copies included (Digest and Insight files excluded)",
                "duplicate_copies": "extra copies of records already written (same eventID and content, re-delivered in a later file of the same account/region/day)",
                "unique_events": "events_written - duplicate_copies = number of distinct eventIDs in CloudTrail/ log files",
                "events / duplicates": "aliases of events_written / duplicate_copies",
                "files": "logs = CloudTrail/ event files, digest = CloudTrail-Digest/ files (no Records), insight = CloudTrail-Insight/ files",
                "log_uncompressed_bytes": "total decompressed size of the CloudTrail/ log files (what gzip -dc over them outputs)",
                "uncompressed_bytes / compressed_bytes": "all files (logs + digest + insight), decompressed / on disk",
                "next_day_folder_events": "records whose eventTime is on the day before the date folder of the file that holds them",
                "insight_events": "AwsCloudTrailInsight records in CloudTrail-Insight/ files (not in events_written)",
                "public_keys": "the digest signing key's public half, as `aws cloudtrail list-public-keys` prints it (for `trailguard verify --public-keys`); the private half is SIGNING-KEY.pk8 (or --digest-key), a throwaway key of this corpus",
                "digest": "one digest per account and region every 12 hours (CloudTrail: every hour), each naming the log files delivered in its period with their SHA-256, chained by the previous digest's hash and signature, signed RSA-SHA256",
                "planted": "scripted scenarios: Root = root ConsoleLogin without MFA + 2 API calls; FailedLogins = 4 failed ConsoleLogin as HIDDEN_DUE_TO_SECURITY_REASONS then bob.dev success without MFA; Incident = legacy-backup AKIA key from a new IP/user agent: recon, CreateUser/CreateAccessKey/AttachUserPolicy AdministratorAccess for svc-maint, denied StopLogging",
                "cast_per_account": "principals present in every account (ARNs shown for the first account); jane.doe@example.com (IAM Identity Center user) only in the management (first) account",
            }),
        ),
    ];
    let mut text = String::from("{\n");
    for (i, (k, v)) in fields.iter().enumerate() {
        let body = serde_json::to_string_pretty(v)?.replace('\n', "\n  ");
        let comma = if i + 1 < fields.len() { "," } else { "" };
        text.push_str(&format!("  \"{k}\": {body}{comma}\n"));
    }
    text.push_str("}\n");
    std::fs::write(&manifest_path, &text)?;
    print!("{text}");
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "trailguard-gen: {} files, {} events, {:.1} MB raw / {:.1} MB gz in {secs:.1}s ({:.0} MB/s raw)",
        jobs.len(),
        logs.events,
        (logs.raw + other_raw) as f64 / 1e6,
        (logs.gz + other_gz) as f64 / 1e6,
        (logs.raw + other_raw) as f64 / 1e6 / secs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_not_a_failure_and_usage_errors_are_told_apart() {
        use std::process::ExitCode;
        let code = |args: &[&str]| {
            exit_code(&run(
                std::iter::once("trailguard-gen").chain(args.iter().copied())
            ))
        };
        assert_eq!(code(&["--help"]), ExitCode::SUCCESS);
        assert_eq!(code(&["--version"]), ExitCode::SUCCESS);
        assert_eq!(code(&["--bogus"]), ExitCode::from(2));
        assert_eq!(
            code(&["--out", "/nonexistent/x", "--start", "nope"]),
            ExitCode::FAILURE
        );
    }

    fn worker() -> Worker {
        Worker {
            json: String::new(),
            gz: Vec::new(),
            scratch: Scratch::default(),
            deflate: Compress::new(Compression::new(GZIP_LEVEL), false),
        }
    }

    /// Renders every log file of a small plan; returns (records, duplicate copies, texts).
    fn render_all(seed: u64) -> (Vec<Value>, u64, Vec<String>) {
        let plan = build_plan(seed, 2, 3, 19_723, 2, 1_500, 100);
        let mut w = worker();
        let (mut records, mut dups, mut texts) = (Vec::new(), 0, Vec::new());
        for f in 0..plan.logs.len() {
            let st = render_log(&plan, f, &mut w);
            let doc: Value = serde_json::from_str(&w.json).expect("valid JSON");
            let recs = doc["Records"].as_array().expect("Records").clone();
            assert_eq!(recs.len() as u64, st.events);
            dups += st.dups;
            records.extend(recs);
            texts.push(std::mem::take(&mut w.json));
        }
        (records, dups, texts)
    }

    #[test]
    fn records_are_valid_and_deterministic() {
        let (records, dups, texts) = render_all(7);
        assert!(records.len() > 2_500);
        let mut ids: Vec<&str> = records
            .iter()
            .map(|r| r["eventID"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len() as u64, records.len() as u64 - dups);
        for r in &records {
            for field in [
                "eventVersion",
                "eventTime",
                "eventSource",
                "eventName",
                "awsRegion",
                "eventID",
                "eventType",
            ] {
                assert!(r[field].is_string(), "{field} missing in {r}");
            }
            assert!(r.get("requestParameters").is_some());
        }
        let logins = records
            .iter()
            .filter(|r| r["eventName"] == "ConsoleLogin")
            .count();
        assert!(logins >= 8);
        assert!(
            records
                .iter()
                .any(|r| r["userIdentity"]["userName"] == "HIDDEN_DUE_TO_SECURITY_REASONS")
        );
        assert_eq!(render_all(7).2, texts);
        assert_ne!(render_all(8).2, texts);
    }

    #[test]
    fn gzip_roundtrip() {
        let mut w = worker();
        w.json.push_str(&"{\"Records\":[]}".repeat(1000));
        gzip_json(&mut w).unwrap();
        assert_eq!(&w.gz[..3], &[0x1f, 0x8b, 8]);
        let body = &w.gz[10..w.gz.len() - 8];
        let mut out = Vec::with_capacity(w.json.len() + 64);
        let mut inflate = flate2::Decompress::new(false);
        inflate
            .decompress_vec(body, &mut out, flate2::FlushDecompress::Finish)
            .unwrap();
        assert_eq!(out, w.json.as_bytes());
        let mut crc = Crc::new();
        crc.update(&out);
        let trailer = &w.gz[w.gz.len() - 8..];
        assert_eq!(&trailer[..4], &crc.sum().to_le_bytes());
        assert_eq!(&trailer[4..], &(out.len() as u32).to_le_bytes());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1.5G"), Ok(1_500_000_000));
        assert_eq!(parse_size("200M"), Ok(200_000_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
    }
}
