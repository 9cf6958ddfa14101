//! What a person and a pipeline get out of a run (issue 15): the exit code and the line that
//! says why, the findings' stable IDs, the CSV export against formula injection, typed
//! evidence, `findings.parquet` with every field of `findings.jsonl`, and
//! `--summary-format json`.

use crate::common::{RunResult, TrailguardCmd, duckdb, parquet, read_summary};
use serde_json::Value;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const GOOD: &str = "tests/fixtures/good";
const SAMPLES: &str = "data-samples";
const EXIT_ERROR: i32 = 1;
const EXIT_PARTIAL: i32 = 3;
const EXIT_FINDINGS: i32 = 4;
const EXIT_NO_EVENTS: i32 = 5;

fn run(args: &[&str]) -> RunResult {
    let mut cmd = TrailguardCmd::new().args(args);
    cmd.cmd.current_dir(ROOT);
    cmd.run_with_timeout(std::time::Duration::from_secs(60))
}

fn scan(source: &str, out: &Path, extra: &[&str]) -> RunResult {
    let out = out.display().to_string();
    let mut args = vec!["scan", source, "--out", &out];
    args.extend_from_slice(extra);
    run(&args)
}

fn findings(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("findings.jsonl"))
        .expect("findings.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_run_that_counts_no_event_exits_5_and_says_why() {
    // An empty folder, a --regions that filters out everything, a --since after the data.
    let empty = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, Vec<&str>, &str); 3] = [
        (
            empty.path().to_str().expect("utf-8"),
            vec![],
            "nothing found under",
        ),
        (
            GOOD,
            vec!["--regions", "ap-south-2"],
            "filtered by --accounts/--regions",
        ),
        (
            GOOD,
            vec!["--since", "2030-01-01"],
            "outside --since/--until",
        ),
    ];
    for (source, extra, why) in cases {
        let out = tempfile::tempdir().expect("temp dir");
        let r = scan(source, out.path(), &extra);
        r.assert_code(EXIT_NO_EVENTS);
        let s = read_summary(out.path());
        assert_eq!(s["events"], 0);
        assert_eq!(s["exit_code"], EXIT_NO_EVENTS);
        let reason = s["exit_reasons"][0].as_str().expect("a reason");
        assert!(reason.starts_with("no events counted: "), "{reason}");
        assert!(reason.contains(why), "{source} {extra:?}: {reason}");
        // The line naming it ends stdout (wrapped to the screen).
        let tail: Vec<&str> = r.stdout.lines().rev().take(3).collect();
        assert!(
            tail.iter()
                .any(|l| l.starts_with("exit 5: no events counted: ")),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn inventory_only_runs_are_not_zero_event_failures() {
    let out = tempfile::tempdir().expect("temp dir");
    let r = run(&[
        "scan",
        "--iam-details",
        "tests/fixtures/rules/least-privilege/details.json",
        "--out",
        &out.path().display().to_string(),
    ]);
    r.assert_code(0);
    assert_eq!(
        read_summary(out.path())["exit_reasons"],
        serde_json::json!([])
    );
}

#[test]
fn fail_on_and_a_partial_read_are_both_reported_partial_first() {
    // --fail-on alone: exit 4 and a line naming the threshold and the count.
    let out = tempfile::tempdir().expect("temp dir");
    let r = scan(GOOD, out.path(), &["--fail-on", "high"]);
    r.assert_code(EXIT_FINDINGS);
    let s = read_summary(out.path());
    let n = findings(out.path())
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        .count();
    assert!(n > 0);
    assert_eq!(
        s["exit_reasons"],
        serde_json::json!([format!("--fail-on high: {n} finding(s) at high or above")])
    );
    assert!(
        r.stdout
            .contains(&format!("exit 4: --fail-on high: {n} finding(s)"))
    );

    // A corrupt object beside the good ones: partial (3) decides, --fail-on is still named.
    let tree = tempfile::tempdir().expect("temp dir");
    copy_tree(&Path::new(ROOT).join(GOOD), tree.path());
    std::fs::write(
        tree.path().join("broken.json.gz"),
        b"\x1f\x8b\x08\x00not gzip",
    )
    .unwrap();
    let out = tempfile::tempdir().expect("temp dir");
    let r = scan(
        tree.path().to_str().unwrap(),
        out.path(),
        &["--fail-on", "high"],
    );
    r.assert_code(EXIT_PARTIAL);
    let s = read_summary(out.path());
    let reasons: Vec<&str> = s["exit_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("partial read: 1 input(s)"),
        "{reasons:?}"
    );
    assert!(reasons[1].starts_with("--fail-on high: "), "{reasons:?}");
    assert!(r.stdout.contains("exit 3: partial read"), "{}", r.stdout);
    assert!(r.stdout.contains("  also: --fail-on high"), "{}", r.stdout);

    // Nothing readable at all stays an error.
    let bad = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        bad.path().join("broken.json.gz"),
        b"\x1f\x8b\x08\x00not gzip",
    )
    .unwrap();
    let out = tempfile::tempdir().expect("temp dir");
    scan(bad.path().to_str().unwrap(), out.path(), &[]).assert_code(EXIT_ERROR);
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn finding_ids_are_distinct_and_the_same_in_every_run_and_format() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scan(SAMPLES, a.path(), &["--threads", "1"]).assert_code(0);
    scan(SAMPLES, b.path(), &["--threads", "2"]).assert_code(0);
    let ids = |out: &Path| -> Vec<String> {
        findings(out)
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (ia, ib) = (ids(a.path()), ids(b.path()));
    assert!(ia.len() >= 10);
    assert_eq!(ia, ib, "IDs differ between runs");
    let distinct: std::collections::BTreeSet<&String> = ia.iter().collect();
    assert_eq!(distinct.len(), ia.len(), "{ia:?}");
    for id in &ia {
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|c| c.is_ascii_hexdigit()), "{id}");
    }
    // The two tampering-free root sign-ins of two accounts differ; two keys of one user
    // differ by their target.
    let fs = findings(a.path());
    let keys: Vec<&Value> = fs
        .iter()
        .filter(|f| {
            f["rule"] == "long-term-key-without-mfa"
                && f["principal"] == "arn:aws:iam::136651530598:user/ci-deploy"
        })
        .collect();
    assert!(!keys.is_empty());
    for k in &keys {
        assert_eq!(k["target"], k["access_key_id"], "{k}");
    }
    // Parquet and CSV carry the same IDs in the same order.
    let pq = duckdb(&format!(
        "select id from {}",
        parquet(&a.path().join("findings.parquet"))
    ));
    let pq: Vec<String> = pq
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pq, ia);
    let mut csv = csv::Reader::from_path(a.path().join("findings.csv")).unwrap();
    let from_csv: Vec<String> = csv.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(from_csv, ia);
}

#[test]
fn findings_parquet_has_every_field_of_findings_jsonl() {
    let out = tempfile::tempdir().unwrap();
    scan(SAMPLES, out.path(), &[]).assert_code(0);
    let fs = findings(out.path());
    let json_fields: std::collections::BTreeSet<String> =
        fs[0].as_object().unwrap().keys().cloned().collect();
    let cols = duckdb(&format!(
        "describe select * from {}",
        parquet(&out.path().join("findings.parquet"))
    ));
    let pq_fields: std::collections::BTreeSet<String> = cols
        .iter()
        .map(|r| r["column_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(json_fields, pq_fields);
    // Truncation agrees, and a finding without event IDs is never truncated.
    let rows = duckdb(&format!(
        "select id, event_ids_truncated, len(event_ids) as n, count from {}",
        parquet(&out.path().join("findings.parquet"))
    ));
    for (f, r) in fs.iter().zip(&rows) {
        assert_eq!(f["event_ids_truncated"], r["event_ids_truncated"]);
        if f["event_ids"].as_array().unwrap().is_empty() {
            assert_eq!(f["event_ids_truncated"], false, "{f}");
        }
    }
}

#[test]
fn evidence_values_are_typed() {
    let out = tempfile::tempdir().unwrap();
    run(&[
        "scan",
        "tests/fixtures/rules/least-privilege/app-writer-cloudtrail.json",
        "--iam-details",
        "tests/fixtures/rules/least-privilege/details.json",
        "--out",
        &out.path().display().to_string(),
    ])
    .assert_code(0);
    let fs = findings(out.path());
    let up = fs
        .iter()
        .find(|f| f["rule"] == "unused-permissions")
        .expect("an unused-permissions finding");
    assert!(up["evidence"]["granted_actions"][0].is_u64(), "{up}");
    assert!(up["evidence"]["used_actions"][0].is_u64(), "{up}");
    assert_eq!(up["count_unit"], "actions used");
    // Root sign-in: a boolean.
    let out = tempfile::tempdir().unwrap();
    scan(SAMPLES, out.path(), &[]).assert_code(0);
    let root = findings(out.path())
        .into_iter()
        .find(|f| f["rule"] == "root-console-login")
        .unwrap();
    assert_eq!(root["evidence"]["mfa_used"], serde_json::json!([false]));
    // The account ID stays a string.
    assert!(root["account"].is_string());
}

/// A successful console sign-in without MFA by IAM user `user` from `ip` (event `n`), and a
/// folder holding `records` of them as one CloudTrail file.
fn login(n: u32, user: &str, ip: &str) -> Value {
    serde_json::json!({
        "eventVersion": "1.08",
        "eventID": format!("3a5f1d7e-0000-4000-8000-{n:012}"),
        "eventTime": "2024-05-01T10:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "accountId": "111122223333",
            "arn": format!("arn:aws:iam::111122223333:user/{user}"),
            "principalId": "AIDAEXAMPLE", "userName": user},
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MFAUsed": "No"}
    })
}

fn logins_folder(records: Vec<Value>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("logins.json"),
        serde_json::json!({"Records": records}).to_string(),
    )
    .unwrap();
    dir
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralized() {
    // A user name chosen by an attacker: `=HYPERLINK(...)` as an IAM user in a console login
    // without MFA, from a source "IP" that starts with `@`.
    let dir = logins_folder(vec![login(1, "=HYPERLINK(\"http://x\")", "@203.0.113.7")]);
    let out = tempfile::tempdir().unwrap();
    scan(dir.path().to_str().unwrap(), out.path(), &[]).assert_code(0);
    let mut rd = csv::Reader::from_path(out.path().join("findings.csv")).unwrap();
    let headers = rd.headers().unwrap().clone();
    let mut seen = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        for (h, cell) in headers.iter().zip(rec.iter()) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{h}: {cell}"
            );
        }
        if rec[2] == *"console-login-without-mfa" {
            seen += 1;
            let title = &rec[3];
            assert!(title.contains("=HYPERLINK"), "{title}");
            assert_eq!(&rec[13], "'@203.0.113.7");
        }
    }
    assert_eq!(seen, 1);
}

#[test]
fn summary_format_json_prints_summary_json() {
    let out = tempfile::tempdir().unwrap();
    let r = scan(GOOD, out.path(), &["--summary-format", "json"]);
    r.assert_code(0);
    let printed: Value = serde_json::from_str(&r.stdout).expect("stdout is one JSON document");
    let written = read_summary(out.path());
    assert_eq!(printed["events"], written["events"]);
    assert_eq!(printed["findings_by_rule"], written["findings_by_rule"]);
    assert_eq!(printed["exit_code"], 0);
}

#[test]
fn colour_follows_color_and_no_color() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().display().to_string();
    let plain = run(&["scan", SAMPLES, "--out", &o]);
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "not a terminal: no colour"
    );
    let always = run(&["scan", SAMPLES, "--out", &o, "--color", "always"]);
    assert!(always.stdout.contains("\u{1b}["), "--color always");
    let mut cmd = TrailguardCmd::new()
        .args(["scan", SAMPLES, "--out", &o, "--color", "never"])
        .env("NO_COLOR", "1");
    cmd.cmd.current_dir(ROOT);
    assert!(!cmd.run().stdout.contains('\u{1b}'));
}

#[test]
fn the_summary_leads_with_findings_and_says_what_was_written() {
    let out = tempfile::tempdir().unwrap();
    let r = scan(SAMPLES, out.path(), &[]);
    r.assert_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.starts_with("findings: 14 (2 critical, 4 high, 8 medium)"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    // The first finding is critical; the rules that could not run are one wrapped line before.
    assert!(lines[head + 1].starts_with("  critical  "), "{}", r.stdout);
    let not_run: Vec<&&str> = lines.iter().filter(|l| l.contains("not run:")).collect();
    assert_eq!(not_run.len(), 1, "{}", r.stdout);
    assert!(
        lines
            .iter()
            .take(head)
            .any(|l| l.contains("need --iam-details"))
    );
    // Every line fits 100 columns.
    for l in &lines {
        assert!(l.chars().count() <= 100, "{l}");
    }
    // The distinguishing target of the two keys of one user.
    assert!(r.stdout.contains("[AKIA"), "{}", r.stdout);
    let wrote = lines
        .iter()
        .find(|l| l.starts_with("wrote "))
        .expect("a wrote line");
    assert!(wrote.contains("(10 files)"), "{wrote}");
    for f in [
        "findings.jsonl",
        "findings.csv",
        "summary.json",
        "report.html",
    ] {
        assert!(out.path().join(f).is_file(), "{f}");
    }
    assert!(r.stdout.contains("next: open "), "{}", r.stdout);
    assert!(r.stdout.contains("trailguard rules root-console-login"));
}

/// `tests/tools/validate_findings.py` on the OCSF and ASFF exports of `out`.
fn validate_exports(out: &Path) {
    let mut args: Vec<String> = vec![
        format!("{ROOT}/tests/tools/validate_findings.py"),
        "--ocsf".into(),
        out.join("findings.ocsf.jsonl").display().to_string(),
    ];
    let asff = out.join("asff");
    let mut batches: Vec<_> = std::fs::read_dir(&asff)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    batches.sort();
    assert!(!batches.is_empty(), "no ASFF batch in {}", asff.display());
    for b in &batches {
        args.push("--asff".into());
        args.push(b.display().to_string());
    }
    let r = std::process::Command::new("python3")
        .args(&args)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&r.stdout).to_string() + &String::from_utf8_lossy(&r.stderr);
    assert!(
        r.status.success(),
        "the exports fail their published schemas (pip install -r requirements-test.txt):\n{text}"
    );
    assert!(text.contains("0 problems"), "{text}");
}

#[test]
fn ocsf_and_asff_exports_pass_the_published_schemas() {
    // Event rules (the bundled samples and the fixtures), inventory rules and least privilege,
    // and the integrity rules.
    let runs: [Vec<&str>; 3] = [
        vec![SAMPLES],
        vec![GOOD, "--verify"],
        vec![
            "tests/fixtures/rules/least-privilege/app-writer-cloudtrail.json",
            "--iam-details",
            "tests/fixtures/rules/least-privilege/details.json",
        ],
    ];
    for extra in runs {
        let out = tempfile::tempdir().unwrap();
        let o = out.path().display().to_string();
        let mut args = vec!["scan", "--out", &o];
        args.extend(extra.iter());
        let r = run(&args);
        assert!(matches!(r.code(), 0 | 3), "{}", r.stderr);
        let n = findings(out.path()).len();
        assert!(n > 0, "{extra:?}: no findings");
        let ocsf: Vec<Value> = std::fs::read_to_string(out.path().join("findings.ocsf.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(ocsf.len(), n);
        // The stable ID in every format.
        for (o, f) in ocsf.iter().zip(findings(out.path())) {
            assert_eq!(o["finding_info"]["uid"], f["id"]);
        }
        validate_exports(out.path());
    }
}

#[test]
fn asff_batches_hold_at_most_100_findings() {
    // 130 IAM users each signing in without MFA: 130 findings, two batches.
    let dir = logins_folder(
        (0..130)
            .map(|i| login(i, &format!("u{i}"), "203.0.113.7"))
            .collect(),
    );
    let out = tempfile::tempdir().unwrap();
    scan(dir.path().to_str().unwrap(), out.path(), &[]).assert_code(0);
    let b1: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("asff/batch-0001.json")).unwrap())
            .unwrap();
    let b2: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("asff/batch-0002.json")).unwrap())
            .unwrap();
    assert_eq!(b1["Findings"].as_array().unwrap().len(), 100);
    assert_eq!(b2["Findings"].as_array().unwrap().len(), 30);
    validate_exports(out.path());
    // A later run with fewer findings leaves no stale batch behind.
    scan(SAMPLES, out.path(), &[]).assert_code(0);
    assert!(!out.path().join("asff/batch-0002.json").exists());
}

/// `tests/browser/check.mjs` on a report: headless Chromium, no console or page error, no
/// request leaving the file, the texts visible, the clicks made; returns its JSON verdict.
fn browser_check(report: &Path, shot: &Path, args: &[&str]) -> Value {
    let harness = Path::new(ROOT).join("tests/browser");
    assert!(
        harness
            .join("node_modules/playwright-core/package.json")
            .is_file(),
        "tests/browser is not installed: run `npm ci --prefix tests/browser` (as .ci/run does)"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "no Chromium at {chromium}: `apt-get install chromium` (as .ci/run does)"
    );
    let out = std::process::Command::new("node")
        .arg(harness.join("check.mjs"))
        .arg(report)
        .arg(shot)
        .args(args)
        .output()
        .expect("node");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check.mjs printed no verdict ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["ok"], true, "{v:#}");
    v
}

#[test]
fn the_html_report_opens_in_a_real_browser_without_errors() {
    // The bundled samples (findings, timeline), and the least-privilege fixture (suggested
    // policy with its copy button, the diff against today's).
    let out = tempfile::tempdir().unwrap();
    let extra = tempfile::tempdir().unwrap();
    let also = extra.path().join("elsewhere.html");
    scan(SAMPLES, out.path(), &["--report", also.to_str().unwrap()]).assert_code(0);
    let report = out.path().join("report.html");
    assert_eq!(
        std::fs::read(&report).unwrap(),
        std::fs::read(&also).unwrap()
    );
    let html = std::fs::read_to_string(&report).unwrap();
    // Nothing to fetch: no stylesheet, script or image from anywhere (URLs from the data,
    // such as a console sign-in's `login_to`, are text).
    for loads in ["<link", " src=", "@import", "url("] {
        assert!(!html.contains(loads), "the report loads something: {loads}");
    }
    let v = browser_check(
        &report,
        &out.path().join("report.png"),
        &[
            "--expect-text",
            "Root user of 136651530598 signed in to the console WITHOUT MFA",
            "--expect-text",
            "findings 1-14 of 14",
            "--expect-text",
            "Coverage per account",
            "--click",
            "#next",
            "--click",
            "#prev",
            "--click",
            "#findings-body details summary",
        ],
    );
    assert!(v["bytes"].as_u64().unwrap() > 10_000, "{v}");

    let lp = tempfile::tempdir().unwrap();
    run(&[
        "scan",
        "tests/fixtures/rules/least-privilege/app-writer-cloudtrail.json",
        "--iam-details",
        "tests/fixtures/rules/least-privilege/details.json",
        "--out",
        &lp.path().display().to_string(),
    ])
    .assert_code(0);
    browser_check(
        &lp.path().join("report.html"),
        &lp.path().join("report.png"),
        &[
            "--expect-text",
            "Least privilege",
            "--click",
            "details:has(#policy-0) > summary",
            "--click",
            "button[data-for=policy-0]",
            "--expect-text",
            "arn:aws:iam::111122223333:role/app-writer",
        ],
    );
}

#[test]
fn hostile_names_stay_text_in_the_report() {
    // A user name that is markup: it must show as text, never run.
    let name = "<img src=x onerror=alert(1)></script><script>alert(2)</script>";
    let dir = logins_folder(vec![login(9, name, "203.0.113.7")]);
    let out = tempfile::tempdir().unwrap();
    scan(dir.path().to_str().unwrap(), out.path(), &[]).assert_code(0);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        !html.contains("<img src=x"),
        "markup from the data in the report"
    );
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the report's own scripts"
    );
    // The browser shows it as text and no dialog opens.
    let v = browser_check(
        &out.path().join("report.html"),
        &out.path().join("report.png"),
        &["--expect-text", "onerror=alert(1)"],
    );
    assert_eq!(v["dialogs"], serde_json::json!([]), "{v:#}");
}

#[test]
fn rules_id_shows_one_rule_and_names_the_known_ones_otherwise() {
    let r = run(&["rules", "root-console-login"]);
    r.assert_code(0);
    assert!(
        r.stdout.starts_with("root-console-login [critical;"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  Fix:  "), "{}", r.stdout);
    assert!(r.stdout.contains("  Reads: CloudTrail"), "{}", r.stdout);
    assert_eq!(
        r.stdout.matches(" [").count(),
        1,
        "one rule only: {}",
        r.stdout
    );
    let j = run(&["rules", "unused-role", "--json"]);
    j.assert_code(0);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], "unused-role");
    let bad = run(&["rules", "no-such-rule"]);
    bad.assert_code(EXIT_ERROR);
    assert!(
        bad.stderr
            .contains("no rule `no-such-rule` (rules: root-console-login"),
        "{}",
        bad.stderr
    );
}
