//! Hostile input (issue 9): regression tests for defects found by feeding trailguard damaged,
//! forged or adversarial inputs. Each test names the failure it guards ("issue 9, failure N").
//! Many of them failed on the code they were written against (4e3f87c); they state the
//! contract the fixes meet, not how the fixes work.
//!
//! Inputs are built by code into temporary folders (the bytes are described where they are
//! made); the real samples are read from `../shared/cloudtrail-samples/`, never copied. Every run
//! of the binary has a time limit, so a hang fails the test instead of stalling the suite.
//!
//! * [`decode`]: damaged objects and values (failures 1, 2, 8, 12);
//! * [`window`]: forged event times (failure 3);
//! * [`inventory`]: hostile IAM inventory and credential-report text (failures 4, 6, 11);
//! * [`state`]: a hostile `--state` folder (failure 5);
//! * [`files`]: special files, file names, and the run's own outputs (failures 7, 9, 10).

mod decode;
mod files;
mod inventory;
mod state;
mod window;

use crate::common::{RunResult, TrailguardCmd, duckdb, parquet, read_summary};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The Invictus IR sample set (account 123837392027).
pub const INVICTUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/cloudtrail-samples/invictus-ir-aws-dataset"
);
/// One Invictus file (51 events).
pub const INVICTUS_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/cloudtrail-samples/invictus-ir-aws-dataset/CloudTrail/",
    "218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json"
);
/// The authorization details written for the Invictus account (bert-jan, AdministratorAccess).
pub const INVICTUS_DETAILS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/rules/least-privilege/invictus-details.json"
);

/// Exit codes (`src/outcome.rs`).
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_PARTIAL: i32 = 3;

/// Time limit of one run: every input here is small, so anything longer is a hang.
pub const LIMIT: Duration = Duration::from_secs(20);

/// `p` as a string argument.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `trailguard ARGS...` with the working folder `cwd`, killed after [`LIMIT`].
pub fn tg_in<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S]) -> RunResult {
    let mut cmd = TrailguardCmd::new().args(args);
    cmd.cmd.current_dir(cwd);
    cmd.run_with_timeout(LIMIT)
}

/// `trailguard scan SOURCES... --out OUT --threads N EXTRA...` from the repository root.
pub fn scan_run(sources: &[String], out: &Path, threads: usize, extra: &[&str]) -> RunResult {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(sources.iter().cloned());
    args.extend([
        "--out".into(),
        s(out),
        "--threads".into(),
        threads.to_string(),
    ]);
    args.extend(extra.iter().map(|x| x.to_string()));
    tg_in(Path::new(ROOT), &args)
}

/// The first `n` characters of `text` (error messages can hold 10,000-character names).
pub fn head(text: &str, n: usize) -> String {
    let mut t: String = text.chars().take(n).collect();
    if t.len() < text.len() {
        t.push_str("...");
    }
    t
}

/// The exit code, panicking with both streams if the run was killed at its time limit or
/// died from a signal.
#[track_caller]
pub fn exit_code(run: &RunResult) -> i32 {
    match run.status {
        None => panic!(
            "trailguard did not finish within {LIMIT:?} (hang)\n--- stderr\n{}",
            head(&run.stderr, 4000)
        ),
        Some(st) => st.code().unwrap_or_else(|| {
            panic!(
                "trailguard was killed by a signal ({st})\n--- stderr\n{}",
                head(&run.stderr, 4000)
            )
        }),
    }
}

/// Asserts the exit code is one of `codes`.
#[track_caller]
pub fn assert_code_in(run: &RunResult, codes: &[i32]) -> i32 {
    let c = exit_code(run);
    assert!(
        codes.contains(&c),
        "exit code {c}, expected one of {codes:?}\n--- stdout\n{}\n--- stderr\n{}",
        head(&run.stdout, 4000),
        head(&run.stderr, 4000)
    );
    c
}

/// `summary.json` of `out`, with the streams in the panic message when it is missing.
#[track_caller]
pub fn summary_of(out: &Path, run: &RunResult) -> Value {
    assert!(
        out.join("summary.json").is_file(),
        "no summary.json in {} (exit {:?})\n--- stderr\n{}",
        out.display(),
        run.status,
        head(&run.stderr, 4000)
    );
    read_summary(out)
}

/// The entries of `summary.failed` whose path ends with `suffix`.
pub fn failures_ending<'a>(summary: &'a Value, suffix: &str) -> Vec<&'a Value> {
    summary["failed"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter(|f| f["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
                .collect()
        })
        .unwrap_or_default()
}

/// `findings.jsonl` of `out`, one value per line.
pub fn findings_of(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out.join("findings.jsonl")).unwrap_or_else(|e| {
        panic!("cannot read {}/findings.jsonl: {e}", out.display());
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a findings.jsonl line is JSON"))
        .collect()
}

/// `activity.parquet` of `out` read by DuckDB: events per grouping key
/// (account, principal, type, source, name, action, region, day).
pub fn activity_events(out: &Path) -> BTreeMap<String, u64> {
    duckdb(&format!(
        "select concat_ws('|', account, principal, principal_type, event_source, event_name, \
         coalesce(iam_action, ''), region, strftime(day, '%Y-%m-%d')) as k, \
         sum(events)::BIGINT as n from {} group by all",
        parquet(&out.join("activity.parquet"))
    ))
    .into_iter()
    .map(|r| {
        (
            r["k"].as_str().unwrap_or_default().to_string(),
            r["n"].as_u64().unwrap_or(0),
        )
    })
    .collect()
}

/// Asserts that every activity row of `reference` is in `got` with at least as many events:
/// no event of the reference inputs was lost.
#[track_caller]
pub fn assert_activity_covers(got: &BTreeMap<String, u64>, reference: &BTreeMap<String, u64>) {
    let lost: Vec<String> = reference
        .iter()
        .filter(|(k, n)| got.get(*k).copied().unwrap_or(0) < **n)
        .map(|(k, n)| format!("{k}: {n} -> {}", got.get(k).copied().unwrap_or(0)))
        .take(10)
        .collect();
    assert!(
        lost.is_empty(),
        "good events were lost (activity key: good alone -> with the hostile input):\n{}",
        lost.join("\n")
    );
}

/// Every file and folder under `dir` (relative paths, sorted; symlinks not followed).
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap_or(&p).to_path_buf());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// gzip of `bytes` as one member.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// A plausible CloudTrail management event by IAM user `user` of `account`: an EC2
/// `DescribeInstances` at `time`, with `eventID` `id`. `extra` is spliced raw into
/// `requestParameters` (after `"maxResults":5`), `agent_extra` raw into the `userAgent` string.
pub fn event_bytes(
    account: &str,
    user: &str,
    time: &str,
    id: &str,
    extra: &[u8],
    agent_extra: &[u8],
) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(
        format!(
            "{{\"eventVersion\":\"1.08\",\"userIdentity\":{{\"type\":\"IAMUser\",\
             \"principalId\":\"AIDAHOSTILE00000001\",\"arn\":\"arn:aws:iam::{account}:user/{user}\",\
             \"accountId\":\"{account}\",\"accessKeyId\":\"AKIAHOSTILE000000001\",\
             \"userName\":\"{user}\"}},\"eventTime\":\"{time}\",\
             \"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"DescribeInstances\",\
             \"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\",\
             \"userAgent\":\"aws-cli/2.15.0"
        )
        .as_bytes(),
    );
    v.extend_from_slice(agent_extra);
    v.extend_from_slice(b"\",\"requestParameters\":{\"maxResults\":5");
    v.extend_from_slice(extra);
    v.extend_from_slice(
        format!(
            "}},\"responseElements\":null,\"requestID\":\"{id}\",\"eventID\":\"{id}\",\
             \"readOnly\":true,\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\
             \"recipientAccountId\":\"{account}\",\"eventCategory\":\"Management\"}}"
        )
        .as_bytes(),
    );
    v
}

/// `{"Records":[e1,e2,...]}`.
pub fn records_doc(events: &[Vec<u8>]) -> Vec<u8> {
    let mut v = b"{\"Records\":[".to_vec();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            v.push(b',');
        }
        v.extend_from_slice(e);
    }
    v.extend_from_slice(b"]}");
    v
}
