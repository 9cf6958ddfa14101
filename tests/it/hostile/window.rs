//! Forged event times (issue 9, failure 3): one event dated in the far future moved the end of
//! the "unused" window to it, so every real use fell out of the window: the least-privilege
//! policies were not written, and with `--state` the merged usage was aged out for good.

use super::{
    EXIT_OK, INVICTUS, INVICTUS_DETAILS, assert_code_in, findings_of, s, scan_run, summary_of,
};
use crate::common::{duckdb_scalar, num, parquet};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The forged event's ID.
const FORGED_ID: &str = "f0f0f0f0-0000-4000-8000-000000002099";

/// A file holding one plausible-looking event dated 2099-01-01: `GetCallerIdentity` (an API
/// call that needs no IAM action, so it adds no permission row whatever a fix does with it) by
/// an IAM user `mallory` of the Invictus account.
fn forged_file(dir: &Path) -> PathBuf {
    let ev = serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAFORGED000000001",
            "arn": "arn:aws:iam::123837392027:user/mallory",
            "accountId": "123837392027",
            "accessKeyId": "AKIAFORGED0000000001",
            "userName": "mallory"
        },
        "eventTime": "2099-01-01T00:00:00Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "GetCallerIdentity",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "f0f0f0f0-0000-4000-8000-000000000001",
        "eventID": FORGED_ID,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123837392027",
        "eventCategory": "Management"
    });
    let p = dir.join("123837392027_CloudTrail_us-east-1_20990101T0000Z_forged.json");
    std::fs::write(
        &p,
        serde_json::to_vec(&serde_json::json!({ "Records": [ev] })).unwrap(),
    )
    .unwrap();
    p
}

/// Every file under `out/policies/`, by relative path (empty when there is no folder).
fn policies(out: &Path) -> BTreeMap<String, String> {
    let root = out.join("policies");
    super::tree(&root)
        .into_iter()
        .filter(|rel| root.join(rel).is_file())
        .map(|rel| {
            let text = std::fs::read_to_string(root.join(&rel)).expect("policy file");
            (s(&rel), text)
        })
        .collect()
}

/// Rows of `permissions.parquet` whose action was used.
fn used_rows(out: &Path) -> u64 {
    duckdb_scalar(&format!(
        "select count(*) from {} where used",
        parquet(&out.join("permissions.parquet"))
    ))
    .as_u64()
    .expect("count")
}

fn scan_invictus(extra_sources: &[String], out: &Path, state: Option<&Path>) -> Value {
    let mut sources = vec![INVICTUS.to_string()];
    sources.extend(extra_sources.iter().cloned());
    let mut extra = vec!["--iam-details", INVICTUS_DETAILS, "--quiet"];
    let st;
    if let Some(p) = state {
        st = s(p);
        extra.extend(["--state", st.as_str()]);
    }
    let run = scan_run(&sources, out, 2, &extra);
    assert_code_in(&run, &[EXIT_OK]);
    summary_of(out, &run)
}

/// Issue 9, failure 3: a forged event dated 2099 moved `window.end` to 2099-01-01, so bert-jan's
/// 2023 use was outside the window and his five policy files were no longer written. With the
/// forged file added, the window, the permission rows and every file under `policies/` are the
/// same as without it; the summary counts the event under `implausible_time` (with an example
/// naming it) and findings.jsonl has an `implausible-event-time` finding.
#[test]
fn hostile_forged_future_event_cannot_move_the_window() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let forged = forged_file(tmp.path());
    let (clean_out, forged_out) = (tmp.path().join("clean"), tmp.path().join("forged"));
    let clean = scan_invictus(&[], &clean_out, None);
    let with_forged = scan_invictus(&[s(&forged)], &forged_out, None);
    assert_eq!(
        clean["implausible_time"]["events"].as_u64().unwrap_or(0),
        0,
        "the Invictus set has no implausible time: {:#}",
        clean["implausible_time"]
    );
    assert_eq!(
        with_forged["window"], clean["window"],
        "the forged event moved the window"
    );
    assert_eq!(
        num(&with_forged, "permission_rows"),
        num(&clean, "permission_rows")
    );
    let (p_clean, p_forged) = (policies(&clean_out), policies(&forged_out));
    assert!(!p_clean.is_empty(), "the clean run wrote no policy");
    assert_eq!(
        p_forged.keys().collect::<Vec<_>>(),
        p_clean.keys().collect::<Vec<_>>(),
        "policies/ differs"
    );
    assert!(p_forged == p_clean, "the policy documents differ");
    let it = &with_forged["implausible_time"];
    assert_eq!(it["events"].as_u64(), Some(1), "implausible_time: {it:#}");
    let examples = it["examples"].as_array().cloned().unwrap_or_default();
    assert!(
        examples.iter().any(|e| e["event_id"] == FORGED_ID
            && e["event_time"]
                .as_str()
                .is_some_and(|t| t.starts_with("2099-01-01"))
            && e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("_forged.json"))),
        "no example names the forged event: {it:#}"
    );
    let findings = findings_of(&forged_out);
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "implausible-event-time"),
        "no implausible-event-time finding among {} findings",
        findings.len()
    );
}

/// Issue 9, failure 3 with `--state`: after a run that read the forged event, the state's
/// window ended in 2099 and aged out all of the real usage, so the next clean run had no used
/// permission left (281 used rows -> 0). Runs: clean, forged, clean, on one state folder; the
/// last run has at least the permission rows and used rows of the first.
#[test]
fn hostile_forged_future_event_cannot_age_out_the_state() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let forged = forged_file(tmp.path());
    let state = tmp.path().join("state");
    let (o1, o2, o3) = (
        tmp.path().join("o1"),
        tmp.path().join("o2"),
        tmp.path().join("o3"),
    );
    let first = scan_invictus(&[], &o1, Some(&state));
    let used_first = used_rows(&o1);
    assert!(used_first > 100, "{used_first} used rows in the first run");
    scan_invictus(&[s(&forged)], &o2, Some(&state));
    let third = scan_invictus(&[], &o3, Some(&state));
    assert!(
        num(&third, "permission_rows") >= num(&first, "permission_rows"),
        "permission rows {} after the forged run, {} before",
        num(&third, "permission_rows"),
        num(&first, "permission_rows")
    );
    let used_third = used_rows(&o3);
    assert!(
        used_third >= used_first,
        "used permission rows {used_third} after the forged run, {used_first} before: the \
         state's usage was aged out"
    );
}
