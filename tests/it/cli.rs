//! The `trailguard` binary on hand-written fixtures (`tests/fixtures/`, described in its
//! README) and on the real samples in `../shared/cloudtrail-samples/`.
//!
//! * Golden files (`tests/golden/`): the human summary on stdout and `summary.json` with the
//!   timing-dependent parts masked, and the activity rows as read back by DuckDB. Rewrite them
//!   with `UPDATE_GOLDEN=1 cargo test --profile ci --test it cli::`, then review the diff by hand.
//! * Per-quirk assertions on the activity rows (so that a golden update cannot silently accept a
//!   wrong attribution or mapping).
//! * Bad inputs, filters, usage errors and exit codes.
//!
//! The binary runs with the repository root as its working folder and relative source paths,
//! so that paths in its output do not depend on where the repository is checked out.

use crate::common::{
    RunResult, TrailguardCmd, check_activity, duckdb, golden, num, parquet, read_summary,
};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const GOOD: &str = "tests/fixtures/good";
const BAD: &str = "tests/fixtures/bad";
const INVICTUS: &str = "../shared/cloudtrail-samples/invictus-ir-aws-dataset";
const STRATUS: &str = "../shared/cloudtrail-samples/stratus-red-team-detonation-logs";

const ACCT: &str = "111122223333";
const ACCT_B: &str = "444455556666";
const GOV: &str = "777788889999";
const CN: &str = "555566667777";
const SSO_ROLE: &str = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// Exit codes (`src/cli.rs`).
const EXIT_OK: i32 = 0;
const EXIT_ERROR: i32 = 1;
const EXIT_USAGE: i32 = 2;
const EXIT_PARTIAL: i32 = 3;

type Row = Map<String, Value>;

/// `trailguard ARGS...` run from the repository root.
fn trailguard<I, S>(args: I) -> RunResult
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = TrailguardCmd::new().args(args);
    cmd.cmd.current_dir(ROOT);
    cmd.run_with_timeout(std::time::Duration::from_secs(60))
}

/// A finished scan: its output folder (kept alive), streams and summary.
struct Scan {
    out: tempfile::TempDir,
    run: RunResult,
    summary: Value,
}

/// `trailguard scan SOURCES... --out <temp> --threads 2 EXTRA...`, asserting the exit code.
#[track_caller]
fn scan(sources: &[&str], extra: &[&str], code: i32) -> Scan {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(sources.iter().map(|s| s.to_string()));
    args.extend(["--out".into(), out.path().display().to_string()]);
    args.extend(["--threads".into(), "2".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = trailguard(&args);
    run.assert_code(code);
    let summary = read_summary(out.path());
    Scan { out, run, summary }
}

const COLUMNS: [&str; 14] = [
    "account",
    "principal",
    "principal_type",
    "event_source",
    "event_name",
    "iam_action",
    "region",
    "day",
    "events",
    "errors",
    "denied",
    "first_seen",
    "last_seen",
    "mapping",
];

/// Every row of `activity.parquet`, read by DuckDB, in a total order.
fn activity_rows(out: &Path) -> Vec<Row> {
    duckdb(&format!(
        "select account, principal, principal_type, event_source, event_name, iam_action, region, \
         strftime(day, '%Y-%m-%d') as day, events, errors, denied, \
         strftime(first_seen, '%Y-%m-%dT%H:%M:%SZ') as first_seen, \
         strftime(last_seen, '%Y-%m-%dT%H:%M:%SZ') as last_seen, mapping \
         from {} order by all",
        parquet(&out.join("activity.parquet"))
    ))
}

/// The good fixtures scanned once, shared by the tests of this binary.
struct GoodRun {
    scan: Scan,
    rows: Vec<Row>,
}

fn good() -> &'static GoodRun {
    static RUN: OnceLock<GoodRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let scan = scan(&[GOOD], &[], EXIT_OK);
        let rows = activity_rows(scan.out.path());
        GoodRun { scan, rows }
    })
}

fn s<'a>(r: &'a Row, k: &str) -> Option<&'a str> {
    r.get(k).and_then(Value::as_str)
}

fn n(r: &Row, k: &str) -> u64 {
    r[k].as_u64()
        .unwrap_or_else(|| panic!("{k} is not a count: {r:?}"))
}

/// Rows of the good run whose `event_name` is `name`.
fn rows_named(name: &str) -> Vec<&'static Row> {
    good()
        .rows
        .iter()
        .filter(|r| s(r, "event_name") == Some(name))
        .collect()
}

/// The only row of the good run named `name` for `principal`.
#[track_caller]
fn one_row(principal: &str, name: &str) -> &'static Row {
    let v: Vec<_> = rows_named(name)
        .into_iter()
        .filter(|r| s(r, "principal") == Some(principal))
        .collect();
    assert_eq!(
        v.len(),
        1,
        "expected one {name} row for {principal}, got {v:#?}"
    );
    v[0]
}

fn events_of(rows: &[&Row]) -> u64 {
    rows.iter().map(|r| n(r, "events")).sum()
}

// ---- golden files ---------------------------------------------------------------------------

/// The human summary without its timing-dependent figures.
fn normalize_stdout(stdout: &str, out: &Path) -> String {
    let out = format!("{}/", out.display());
    stdout
        .lines()
        .map(|l| {
            if l.starts_with("  time: ") {
                "  time: <TIMING>".to_string()
            } else {
                l.replace(&out, "<OUT>/")
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// `summary.json` without the fields that depend on timing, the machine or the paths given.
fn normalize_summary(summary: &Value) -> String {
    let mut v = summary.clone();
    let obj = v.as_object_mut().expect("summary is an object");
    for k in [
        "elapsed_seconds",
        "events_per_second",
        "uncompressed_mb_per_second",
        "peak_rss_bytes",
        "threads",
        "sources",
        "out_dir",
        // Not timing, but a version bump should not churn the goldens.
        "version",
    ] {
        assert!(obj.remove(k).is_some(), "summary.json has no field {k}");
    }
    serde_json::to_string_pretty(&v).expect("JSON") + "\n"
}

/// One JSON object per row, columns in schema order.
fn rows_as_jsonl(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let fields: Vec<String> = COLUMNS
            .iter()
            .map(|c| format!("{}:{}", Value::from(*c), r.get(*c).unwrap_or(&Value::Null)))
            .collect();
        out.push('{');
        out.push_str(&fields.join(","));
        out.push_str("}\n");
    }
    out
}

#[test]
fn golden_stdout_summary_and_activity_of_the_good_fixtures() {
    let g = good();
    golden(
        "good.stdout.txt",
        &normalize_stdout(&g.scan.run.stdout, g.scan.out.path()),
    );
    golden("good.summary.json", &normalize_summary(&g.scan.summary));
    golden("good.activity.jsonl", &rows_as_jsonl(&g.rows));
}

#[test]
fn coverage_parquet_adds_up_to_the_summary_per_account_region_and_hour() {
    let g = good();
    let sm = &g.scan.summary;
    let t = parquet(&g.scan.out.path().join("coverage.parquet"));
    let totals = duckdb(&format!(
        "select sum(objects) as objects, sum(records) as records, sum(events) as events, \
         sum(duplicates) as duplicates, count(*) as cells from {t}"
    ));
    assert_eq!(totals[0]["objects"].as_u64(), Some(num(sm, "objects_read")));
    assert_eq!(totals[0]["records"].as_u64(), Some(num(sm, "records_read")));
    assert_eq!(totals[0]["events"].as_u64(), Some(num(sm, "events")));
    assert_eq!(
        totals[0]["duplicates"].as_u64(),
        Some(num(sm, "duplicates"))
    );
    // Objects in the CloudTrail layout land in their account, region and delivery hour.
    let cells = duckdb(&format!(
        "select account, region, strftime(hour, '%Y-%m-%dT%H') as hour, objects from {t} \
         where account <> 'unknown' order by 1, 2, 3"
    ));
    assert!(!cells.is_empty());
    for c in &cells {
        assert_eq!(c["account"].as_str().unwrap().len(), 12, "{c:?}");
        assert!(c["hour"].is_string(), "{c:?}");
    }
}

#[test]
fn stdout_masking_keeps_everything_but_the_timings() {
    let out = Path::new("/tmp/x");
    let text = "trailguard: 2 objects read\n  time: 0.01 s (4 MB/s of JSON, 5,228 events/s)\nwrote /tmp/x/ (7 files)\n";
    assert_eq!(
        normalize_stdout(text, out),
        "trailguard: 2 objects read\n  time: <TIMING>\nwrote <OUT>/ (7 files)\n"
    );
}

// ---- counts and invariants ------------------------------------------------------------------

#[test]
fn good_fixtures_counts_add_up() {
    let g = good();
    let sm = &g.scan.summary;
    // 18 plain files + 4 gzipped CloudTrail objects; the digest and the insight file are skipped.
    assert_eq!(num(sm, "objects_read"), 22, "{sm:#}");
    assert_eq!(num(sm, "objects_listed"), 24);
    assert_eq!(
        sm["objects_skipped"],
        serde_json::json!({"digest": 1, "insight": 1})
    );
    assert_eq!(num(sm, "objects_failed"), 0);
    assert_eq!(sm["failed"], serde_json::json!([]));
    assert_eq!(
        sm["shapes"],
        serde_json::json!({"array": 1, "lines": 1, "records": 19, "single": 1})
    );
    // 53 records in plain files + 11 in the gzipped objects.
    assert_eq!(num(sm, "records_read"), 64);
    // 42, "not an event" and null in records-with-junk-elements.json.
    assert_eq!(num(sm, "invalid_records"), 3);
    assert_eq!(num(sm, "duplicates"), 2);
    assert_eq!(num(sm, "events"), 62);
    assert_eq!(
        num(sm, "events"),
        num(sm, "records_read")
            - num(sm, "duplicates")
            - num(sm, "events_outside_window")
            - num(sm, "events_filtered")
    );
    assert_eq!(num(sm, "late_events"), 0);
    assert_eq!(num(sm, "exit_code"), 0);
    // sum(events) over the Parquet file equals summary.json's events; keys are unique.
    let n_rows = check_activity(g.scan.out.path(), sm);
    assert_eq!(n_rows, num(sm, "activity_rows"));
    assert_eq!(n_rows as usize, g.rows.len());
    assert_eq!(g.rows.iter().map(|r| n(r, "events")).sum::<u64>(), 62);
    // Errors are events with an errorCode: lambda 1, s3 1, root 1, SAML 1, secretsmanager 1.
    assert_eq!(g.rows.iter().map(|r| n(r, "errors")).sum::<u64>(), 5);
    let by_status = &sm["mapping"]["events_by_status"];
    assert_eq!(
        by_status,
        &serde_json::json!({"mapped": 50, "no_iam_action": 5, "service_event": 5, "unmapped": 2})
    );
}

// ---- per-quirk assertions -------------------------------------------------------------------

#[test]
fn lambda_version_suffixed_names_map_to_their_actions() {
    let deployer = "arn:aws:iam::111122223333:role/deployer";
    let get = rows_named("GetFunction20150331v2");
    assert_eq!(get.len(), 2, "one row per day: {get:#?}");
    for r in &get {
        assert_eq!(s(r, "iam_action"), Some("lambda:GetFunction"));
        assert_eq!(s(r, "mapping"), Some("mapped"));
        assert_eq!(s(r, "principal"), Some(deployer));
        assert_eq!(s(r, "principal_type"), Some("Role"));
    }
    let days: Vec<_> = get.iter().map(|r| s(r, "day").unwrap()).collect();
    assert_eq!(days, ["2024-05-01", "2024-05-02"]);
    let upd = one_row(deployer, "UpdateFunctionCode20150331v2");
    assert_eq!(s(upd, "iam_action"), Some("lambda:UpdateFunctionCode"));
    assert_eq!((n(upd, "events"), n(upd, "errors")), (2, 1));
    assert_eq!(s(upd, "first_seen"), Some("2024-05-01T10:01:00Z"));
    assert_eq!(s(upd, "last_seen"), Some("2024-05-01T10:02:00Z"));
    let inv = one_row(deployer, "Invoke");
    assert_eq!(s(inv, "iam_action"), Some("lambda:InvokeFunction"));
}

#[test]
fn s3_object_events_map_to_s3_actions() {
    let get = one_row(ALICE, "GetObject");
    assert_eq!(s(get, "iam_action"), Some("s3:GetObject"));
    assert_eq!((n(get, "events"), n(get, "errors")), (2, 1));
    assert_eq!(s(get, "region"), Some("eu-west-1"));
    assert_eq!(
        s(one_row(ALICE, "PutObject"), "iam_action"),
        Some("s3:PutObject")
    );
    assert_eq!(
        s(one_row(ALICE, "ListObjects"), "iam_action"),
        Some("s3:ListBucket")
    );
    let copy: Vec<&str> = s(one_row(ALICE, "CopyObject"), "iam_action")
        .expect("CopyObject is mapped")
        .split(',')
        .collect();
    for a in ["s3:GetObject", "s3:PutObject"] {
        assert!(copy.contains(&a), "CopyObject needs {a}: {copy:?}");
    }
}

#[test]
fn duplicates_are_counted_once() {
    let g = good();
    // One extra copy across two files, one within a file.
    assert_eq!(num(&g.scan.summary, "duplicates"), 2);
    let across = one_row(ALICE, "DescribeInstances");
    assert_eq!(n(across, "events"), 1, "{across:?}");
    assert_eq!(n(one_row(ALICE, "StopInstances"), "events"), 1);
    assert_eq!(n(one_row(ALICE, "StartInstances"), "events"), 1);
    let within = one_row(ALICE, "DescribeVolumes");
    assert_eq!(n(within, "events"), 1, "{within:?}");
    // Events without an eventID (eventVersion 1.0) cannot be deduplicated: both count.
    let legacy = one_row("arn:aws:iam::111122223333:user/legacy", "DescribeInstances");
    assert_eq!(n(legacy, "events"), 2);
    assert_eq!(s(legacy, "day"), Some("2014-03-12"));
    assert_eq!(s(legacy, "iam_action"), Some("ec2:DescribeInstances"));
}

#[test]
fn govcloud_and_china_partitions_are_kept_in_principals() {
    let gov_root = format!("arn:aws-us-gov:iam::{GOV}:root");
    // One root event has no ARN (partition from the region), the other has one: same principal.
    let roots: Vec<_> = good()
        .rows
        .iter()
        .filter(|r| s(r, "principal") == Some(gov_root.as_str()))
        .collect();
    assert_eq!(events_of(&roots), 2, "{roots:#?}");
    for r in &roots {
        assert_eq!(s(r, "principal_type"), Some("Root"));
        assert_eq!(s(r, "account"), Some(GOV));
        assert_eq!(s(r, "region"), Some("us-gov-west-1"));
    }
    assert_eq!(
        s(
            one_row(
                "arn:aws-us-gov:iam::777788889999:role/gov-admin",
                "DescribeInstances"
            ),
            "iam_action"
        ),
        Some("ec2:DescribeInstances")
    );
    assert_eq!(
        s(
            one_row(&format!("arn:aws-cn:iam::{CN}:root"), "GetAccountSummary"),
            "account"
        ),
        Some(CN)
    );
    // An assumed role without sessionIssuer: the role ARN is rebuilt, partition included.
    one_row(
        "arn:aws-cn:iam::555566667777:role/cn-deployer",
        "DescribeStacks",
    );
    // An event without awsRegion takes the region of its key layout.
    let no_region = one_row("arn:aws-cn:iam::555566667777:user/ops", "DescribeRegions");
    assert_eq!(s(no_region, "region"), Some("cn-north-1"));
    // No principal of those accounts in the commercial partition.
    for r in &good().rows {
        let p = s(r, "principal").unwrap();
        assert!(
            !p.starts_with(&format!("arn:aws:iam::{GOV}"))
                && !p.starts_with(&format!("arn:aws:iam::{CN}")),
            "wrong partition: {r:?}"
        );
    }
}

#[test]
fn sso_role_sessions_count_for_the_reserved_role() {
    let rows: Vec<_> = good()
        .rows
        .iter()
        .filter(|r| s(r, "principal") == Some(SSO_ROLE))
        .collect();
    assert_eq!(events_of(&rows), 3, "{rows:#?}");
    for r in &rows {
        assert_eq!(s(r, "principal_type"), Some("Role"));
        assert_eq!(s(r, "account"), Some(ACCT_B));
    }
    // IAM is global: its event is in us-east-1 whatever the SSO region.
    assert_eq!(
        s(one_row(SSO_ROLE, "ListRoles"), "region"),
        Some("us-east-1")
    );
    assert_eq!(n(one_row(SSO_ROLE, "DescribeInstances"), "events"), 2);
    // The Identity Center sign-in (userIdentity type Unknown with a user name).
    for name in ["CredentialChallenge", "UserAuthentication"] {
        let r = one_row("alice@example.com", name);
        assert_eq!(s(r, "principal_type"), Some("Unknown"));
        assert_eq!(s(r, "mapping"), Some("service_event"));
        assert_eq!(s(r, "account"), Some(ACCT_B));
    }
    // The session itself is created by AssumeRoleWithSAML from the AWSSSO provider.
    let saml = one_row(
        "arn:aws:iam::444455556666:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE/alice@example.com",
        "AssumeRoleWithSAML",
    );
    assert_eq!(s(saml, "principal_type"), Some("SAMLUser"));
    // IdentityCenterUser portal calls land in rows (their attribution: see the ignored test).
    let portal: Vec<_> = good()
        .rows
        .iter()
        .filter(|r| s(r, "principal_type") == Some("IdentityCenterUser"))
        .collect();
    assert_eq!(events_of(&portal), 2, "{portal:#?}");
}

#[test]
fn identity_center_users_are_attributed_to_their_identity_store_user() {
    let portal: Vec<_> = good()
        .rows
        .iter()
        .filter(|r| s(r, "principal_type") == Some("IdentityCenterUser"))
        .collect();
    assert!(!portal.is_empty());
    for r in portal {
        let p = s(r, "principal").unwrap();
        assert!(
            p.contains("544894e8-80c1-707f-60e3-3ba6510dfac1"),
            "IdentityCenterUser attributed to {p:?}, not to onBehalfOf.userId"
        );
    }
}

#[test]
fn saml_users_are_attributed_to_provider_and_name() {
    let bob = one_row(
        "arn:aws:iam::111122223333:saml-provider/Okta/bob@example.com",
        "AssumeRoleWithSAML",
    );
    assert_eq!(s(bob, "principal_type"), Some("SAMLUser"));
    assert_eq!(s(bob, "iam_action"), Some("sts:AssumeRoleWithSAML"));
    // No accountId in a SAMLUser identity: the account is recipientAccountId.
    assert_eq!(s(bob, "account"), Some(ACCT));
    assert_eq!((n(bob, "events"), n(bob, "errors")), (2, 1));
    // What the federated session did counts for the role.
    one_row(
        "arn:aws:iam::111122223333:role/okta-readonly",
        "ListBuckets",
    );
}

#[test]
fn hidden_user_console_login_failures() {
    let r = one_row(
        "arn:aws:iam::111122223333:user/HIDDEN_DUE_TO_SECURITY_REASONS",
        "ConsoleLogin",
    );
    assert_eq!(n(r, "events"), 2);
    assert_eq!(s(r, "principal_type"), Some("IAMUser"));
    assert_eq!(s(r, "mapping"), Some("no_iam_action"));
    assert_eq!(r["iam_action"], Value::Null);
    // A failed console sign-in carries errorMessage and no errorCode: not an error.
    assert_eq!(n(r, "errors"), 0);
    assert_eq!(n(one_row(ALICE, "ConsoleLogin"), "events"), 1);
}

#[test]
fn root_events_are_attributed_to_the_account_root() {
    let root = format!("arn:aws:iam::{ACCT}:root");
    let rows: Vec<_> = good()
        .rows
        .iter()
        .filter(|r| s(r, "principal") == Some(root.as_str()))
        .collect();
    assert_eq!(events_of(&rows), 3, "{rows:#?}");
    assert!(rows.iter().all(|r| s(r, "principal_type") == Some("Root")));
    assert_eq!(
        s(one_row(&root, "CreateAccessKey"), "iam_action"),
        Some("iam:CreateAccessKey")
    );
    assert_eq!(
        s(one_row(&root, "ConsoleLogin"), "mapping"),
        Some("no_iam_action")
    );
}

#[test]
fn service_calls_are_attributed_to_the_service() {
    // AwsServiceEvent without userIdentity.
    let rotate = one_row("kms.amazonaws.com", "RotateKey");
    assert_eq!(s(rotate, "principal_type"), Some("AWSService"));
    assert_eq!(s(rotate, "mapping"), Some("service_event"));
    assert_eq!(rotate["iam_action"], Value::Null);
    // AwsServiceEvent with only invokedBy.
    let shared = one_row("AWS Internal", "SharedSnapshotVolumeCreated");
    assert_eq!(s(shared, "principal_type"), Some("AWSService"));
    // AWSService callers (invokedBy) of real API calls.
    let assume = one_row("lambda.amazonaws.com", "AssumeRole");
    assert_eq!(s(assume, "principal_type"), Some("AWSService"));
    assert_eq!(s(assume, "iam_action"), Some("sts:AssumeRole"));
    one_row("cloudtrail.amazonaws.com", "GetBucketAcl");
    // A role used by a service on its behalf (invokedBy on an AssumedRole) counts for the role.
    let cfn = one_row("arn:aws:iam::111122223333:role/cfn-exec", "CreateRole");
    assert_eq!(s(cfn, "principal_type"), Some("Role"));
    // Another account calling (AWSAccount): its root, in the account that received the event.
    let other = one_row("arn:aws:iam::444455556666:root", "GetObject");
    assert_eq!(s(other, "principal_type"), Some("AWSAccount"));
    assert_eq!(s(other, "account"), Some(ACCT));
}

#[test]
fn events_without_user_identity_land_in_a_row() {
    let r = one_row("unknown", "GetAccountSummary");
    assert_eq!(s(r, "principal_type"), Some("Unknown"));
    assert_eq!(s(r, "account"), Some(ACCT));
    assert_eq!(n(r, "events"), 1);
    // No userIdentity and no recipientAccountId: the account comes from the key layout.
    let r = one_row("kms.amazonaws.com", "DeleteExpiredKeyMaterial");
    assert_eq!(s(r, "account"), Some(ACCT));
    // null requestParameters/responseElements are harmless.
    assert_eq!(
        s(one_row(ALICE, "GetCallerIdentity"), "mapping"),
        Some("no_iam_action")
    );
    assert_eq!(
        s(one_row(ALICE, "ListAccountAliases"), "iam_action"),
        Some("iam:ListAccountAliases")
    );
}

#[test]
fn every_document_shape_is_read() {
    // JSON Lines (with a blank line), bare array, pretty-printed Records, single event.
    let analytics = "arn:aws:iam::444455556666:role/analytics";
    for name in [
        "StartQueryExecution",
        "GetQueryExecution",
        "GetQueryResults",
    ] {
        assert_eq!(s(one_row(analytics, name), "region"), Some("us-west-2"));
    }
    let bob = "arn:aws:iam::111122223333:user/bob";
    one_row(bob, "GetItem");
    one_row(bob, "PutItem");
    let secret = one_row(ALICE, "GetSecretValue");
    assert_eq!((n(secret, "events"), n(secret, "errors")), (2, 1));
    one_row(ALICE, "Publish");
    one_row(ALICE, "DescribeLogGroups");
}

#[test]
fn digests_and_insights_are_not_read_and_late_deliveries_count_for_their_day() {
    let g = good();
    // The insight file's records look like events (eventTime, eventID): none may be counted.
    assert!(
        !g.rows
            .iter()
            .any(|r| s(r, "event_name") == Some("DeleteUser")
                || s(r, "event_source") == Some("unknown")),
        "an insight or digest record was read"
    );
    // Delivered in the 2024/05/02 folder, the 23:58 event counts for 2024-05-01.
    let list = one_row(ALICE, "ListUsers");
    assert_eq!(s(list, "day"), Some("2024-05-01"));
    assert_eq!(n(list, "events"), 2);
    assert_eq!(s(list, "last_seen"), Some("2024-05-01T23:58:00Z"));
    assert_eq!(s(one_row(ALICE, "ListGroups"), "day"), Some("2024-05-02"));
}

// ---- bad inputs -----------------------------------------------------------------------------

/// Writes `mb` MB of spaces, gzipped, to `path` (about 1 KB per MB).
fn write_gzip_bomb(path: &Path, mb: usize) {
    let f = std::fs::File::create(path).expect("create bomb");
    let mut gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(f), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..mb {
        gz.write_all(&chunk).expect("write bomb");
    }
    gz.finish()
        .expect("finish bomb")
        .flush()
        .expect("flush bomb");
}

#[test]
fn bad_inputs_are_named_and_everything_readable_is_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let bomb = tmp.path().join("bomb.json.gz");
    write_gzip_bomb(&bomb, 200);
    let bomb_size = std::fs::metadata(&bomb).unwrap().len();
    assert!(bomb_size < 1_000_000, "bomb is {bomb_size} bytes");
    let bomb_str = bomb.display().to_string();
    let good_file = "tests/fixtures/good/lambda-versioned-names.json";
    let sc = scan(
        &[BAD, &bomb_str, good_file],
        &["--max-object-size", "10M"],
        EXIT_PARTIAL,
    );
    let sm = &sc.summary;
    let expected = [
        ("tests/fixtures/bad/truncated.json.gz", "gzip", false),
        ("tests/fixtures/bad/garbage.json.gz", "json", false),
        // Salvaged: its first record is whole and read, the broken one is lost.
        ("tests/fixtures/bad/broken.json", "json", true),
        ("tests/fixtures/bad/no-records.json", "no_records", false),
        (
            "tests/fixtures/bad/records-not-array.json",
            "records_not_array",
            false,
        ),
        ("tests/fixtures/bad/empty.json", "empty", false),
        ("tests/fixtures/bad/deep.json", "too_deep", false),
        (
            "tests/fixtures/bad/not-cloudtrail.json",
            "not_cloudtrail",
            false,
        ),
        ("tests/fixtures/bad/bad-lines.jsonl", "bad_lines", true),
        (bomb_str.as_str(), "too_large", false),
    ];
    let failed = sm["failed"].as_array().expect("failed is an array");
    assert_eq!(failed.len(), expected.len(), "{failed:#?}");
    for (path, kind, partial) in expected {
        let f = failed
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} is not in failed: {failed:#?}"));
        assert_eq!(f["kind"], kind, "{f}");
        assert_eq!(f["partial"], partial, "{f}");
        assert!(!f["error"].as_str().unwrap_or("").is_empty(), "{f}");
        assert!(
            sc.run.stderr.contains(path),
            "{path} is not named on stderr:\n{}",
            sc.run.stderr
        );
        assert!(sc.run.stdout.contains(path), "{path} is not on stdout");
    }
    assert_eq!(num(sm, "objects_failed"), 10);
    assert_eq!(num(sm, "exit_code"), EXIT_PARTIAL as u64);
    // The good file (5 events), 3 of the 4 lines of bad-lines.jsonl, and the whole first
    // record of broken.json (salvaged).
    assert_eq!(num(sm, "objects_read"), 3);
    assert_eq!(num(sm, "records_read"), 9);
    assert_eq!(num(sm, "events"), 9);
    let rows = activity_rows(sc.out.path());
    let alice_iam: Vec<&str> = rows
        .iter()
        .filter(|r| s(r, "principal") == Some(ALICE))
        .map(|r| s(r, "event_name").unwrap())
        .collect();
    assert_eq!(alice_iam, ["ListPolicies", "ListRoles", "ListUsers"]);
    assert_eq!(check_activity(sc.out.path(), sm), rows.len() as u64);
    // The bomb was refused at the cap, not inflated: the run stayed small.
    let rss = num(sm, "peak_rss_bytes");
    assert!(rss < 150 << 20, "peak RSS {rss} bytes");
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let sc = scan(
        &[
            "tests/fixtures/good/lambda-versioned-names.json",
            "tests/fixtures/good/single-event.json",
        ],
        &["--max-object-size", "1K"],
        EXIT_PARTIAL,
    );
    let failed = sc.summary["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(
        failed[0]["path"],
        "tests/fixtures/good/lambda-versioned-names.json"
    );
    assert_eq!(failed[0]["kind"], "too_large");
    assert_eq!(num(&sc.summary, "events"), 1);
}

// ---- filters --------------------------------------------------------------------------------

/// Events of the unfiltered good run matching `keep`.
fn good_events_where(keep: impl Fn(&Row) -> bool) -> u64 {
    good()
        .rows
        .iter()
        .filter(|r| keep(r))
        .map(|r| n(r, "events"))
        .sum()
}

#[test]
fn since_and_until_dates_select_whole_days_of_event_time() {
    let sc = scan(
        &[GOOD],
        &["--since", "2024-05-02", "--until", "2024-05-02"],
        EXIT_OK,
    );
    let sm = &sc.summary;
    assert_eq!(sm["since"], "2024-05-02T00:00:00Z");
    assert_eq!(sm["until"], "2024-05-02T23:59:59.999Z");
    // lambda 1, service events 3, SSO 8, SAML 3, Lake export 3, org trail 1, GovCloud 3, China 4.
    assert_eq!(num(sm, "events"), 26);
    assert_eq!(
        num(sm, "events"),
        good_events_where(|r| s(r, "day") == Some("2024-05-02"))
    );
    // The 2024/05/01 folder cannot hold 05-02 events; 05-02 folders are read (the late
    // 05-01 event in one of them is outside the window).
    assert_eq!(sm["objects_skipped"]["outside_window"], 1);
    assert_eq!(
        num(sm, "events"),
        num(sm, "records_read") - num(sm, "duplicates") - num(sm, "events_outside_window")
    );
    let rows = activity_rows(sc.out.path());
    assert!(rows.iter().all(|r| s(r, "day") == Some("2024-05-02")));
    check_activity(sc.out.path(), sm);
}

#[test]
fn since_and_until_times_are_inclusive() {
    let sc = scan(
        &[GOOD],
        &[
            "--since",
            "2024-05-01T10:01:00Z",
            "--until",
            "2024-05-01T11:00:00Z",
        ],
        EXIT_OK,
    );
    let sm = &sc.summary;
    assert_eq!(sm["since"], "2024-05-01T10:01:00Z");
    assert_eq!(sm["until"], "2024-05-01T11:00:00Z");
    let rows = activity_rows(sc.out.path());
    let mut got: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| (s(r, "event_name").unwrap(), n(r, "events")))
        .collect();
    got.sort();
    // 10:01 and 10:02 (UpdateFunctionCode), 10:03 (Invoke), 11:00:00 (GetObject); the
    // GetFunction at 10:00 and the GetObject at 11:00:30 are outside.
    assert_eq!(
        got,
        [
            ("GetObject", 1),
            ("Invoke", 1),
            ("UpdateFunctionCode20150331v2", 2)
        ]
    );
    assert_eq!(num(sm, "events"), 4);
}

#[test]
fn accounts_filter_keeps_one_account() {
    let sc = scan(&[GOOD], &["--accounts", ACCT_B], EXIT_OK);
    let sm = &sc.summary;
    // SSO 8 + Lake export 3.
    assert_eq!(num(sm, "events"), 11);
    assert_eq!(
        num(sm, "events"),
        good_events_where(|r| s(r, "account") == Some(ACCT_B))
    );
    // The org trail's two objects, GovCloud and China are pruned by their key layout.
    assert_eq!(sm["objects_skipped"]["filtered"], 4);
    // Every other record of the plain files is read, then filtered.
    assert_eq!(num(sm, "records_read"), 53);
    assert_eq!(num(sm, "events_filtered"), 42);
    let rows = activity_rows(sc.out.path());
    assert!(
        rows.iter().all(|r| s(r, "account") == Some(ACCT_B)),
        "{rows:#?}"
    );
    check_activity(sc.out.path(), sm);
}

#[test]
fn regions_filter_uses_event_region_and_key_layout() {
    let sc = scan(&[GOOD], &["--regions", "eu-west-1,cn-north-1"], EXIT_OK);
    let sm = &sc.summary;
    // S3 5 + SSO 7 (ListRoles is us-east-1) + China 4 (one only by its key layout).
    assert_eq!(num(sm, "events"), 16);
    assert_eq!(
        num(sm, "events"),
        good_events_where(|r| matches!(s(r, "region"), Some("eu-west-1" | "cn-north-1")))
    );
    assert_eq!(sm["objects_skipped"]["filtered"], 3);
    assert_eq!(num(sm, "events_filtered"), 41);
    let rows = activity_rows(sc.out.path());
    assert!(
        rows.iter()
            .all(|r| matches!(s(r, "region"), Some("eu-west-1" | "cn-north-1")))
    );
}

// ---- command line ---------------------------------------------------------------------------

#[test]
fn help_shows_examples() {
    let r = trailguard(["scan", "--help"]);
    r.assert_code(EXIT_OK);
    for needle in [
        "Examples:",
        "trailguard scan data-samples/ --out out/",
        "--since",
        "--max-object-size",
    ] {
        assert!(
            r.stdout.contains(needle),
            "{needle:?} not in --help:\n{}",
            r.stdout
        );
    }
    let r = trailguard(["--help"]);
    r.assert_code(EXIT_OK);
    assert!(r.stdout.contains("scan"));
    trailguard(["--version"]).assert_code(EXIT_OK);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["scan"],
        vec!["scan", GOOD],
        vec!["scan", GOOD, "--out", "x", "--no-such-flag"],
        vec!["scan", GOOD, "--out", "x", "--threads", "many"],
        vec!["frobnicate"],
        vec![],
    ] {
        let r = trailguard(&args);
        r.assert_code(EXIT_USAGE);
        assert!(
            r.stderr.contains("Usage:") || r.stderr.contains("--help"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
}

#[test]
fn invalid_values_exit_1_with_a_message() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().display().to_string();
    for (args, needle) in [
        (vec!["--accounts", "123"], "12-digit"),
        (vec!["--since", "soon"], "--since"),
        (
            vec!["--since", "2024-05-02", "--until", "2024-05-01"],
            "--since is after --until",
        ),
        (vec!["--max-object-size", "lots"], "--max-object-size"),
    ] {
        let mut full = vec!["scan", GOOD, "--out", &o];
        full.extend(&args);
        let r = trailguard(&full);
        r.assert_code(EXIT_ERROR);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn unwritable_output_exits_1_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    for out in [file.join("out"), file.clone()] {
        let o = out.display().to_string();
        let r = trailguard(["scan", GOOD, "--out", &o]);
        r.assert_code(EXIT_ERROR);
        assert!(
            r.stderr.contains("error:") && r.stderr.contains(&o),
            "the message should name {o}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

// ---- the real samples -----------------------------------------------------------------------

/// Records in `{"Records": [...]}` documents or bare arrays, counted with serde_json.
fn count_records(dir: &str) -> (u64, u64) {
    let (mut records, mut errors) = (0, 0);
    for e in walk(&Path::new(ROOT).join(dir)) {
        if e.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let v: Value = serde_json::from_slice(&std::fs::read(&e).unwrap()).unwrap();
        let arr = v.get("Records").unwrap_or(&v).as_array().unwrap().clone();
        records += arr.len() as u64;
        errors += arr.iter().filter(|r| r.get("errorCode").is_some()).count() as u64;
    }
    (records, errors)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn totals(out: &Path) -> Row {
    duckdb(&format!(
        "select count(*) as n_rows, sum(events)::BIGINT as events, sum(errors)::BIGINT as errors, \
         count(distinct (event_source, event_name)) as names, \
         count(distinct event_source) as sources, count(distinct account) as accounts, \
         count(*) filter (where day is null) as undated \
         from {}",
        parquet(&out.join("activity.parquet"))
    ))
    .remove(0)
}

#[test]
fn invictus_dataset_reads_completely() {
    let sc = scan(&[INVICTUS], &[], EXIT_OK);
    let sm = &sc.summary;
    assert_eq!(num(sm, "objects_read"), 55);
    assert_eq!(sm["shapes"], serde_json::json!({"records": 55}));
    assert_eq!(
        sm["objects_skipped"],
        serde_json::json!({"not_log_file": 1}),
        "LICENSE"
    );
    assert_eq!(num(sm, "objects_failed"), 0);
    assert_eq!(num(sm, "records_read"), 2_900);
    assert_eq!(num(sm, "events"), 2_900);
    assert_eq!(num(sm, "duplicates"), 0);
    assert_eq!(count_records(INVICTUS), (2_900, 300));
    let t = totals(sc.out.path());
    assert_eq!(n(&t, "events"), 2_900);
    assert_eq!(n(&t, "errors"), 300);
    assert_eq!(n(&t, "names"), 262);
    assert_eq!(n(&t, "sources"), 29);
    assert_eq!(n(&t, "accounts"), 1);
    assert_eq!(n(&t, "undated"), 0);
    assert_eq!(n(&t, "n_rows"), num(sm, "activity_rows"));
    assert_eq!(check_activity(sc.out.path(), sm), n(&t, "n_rows"));
}

#[test]
fn stratus_detonation_logs_read_completely() {
    let sc = scan(&[STRATUS], &[], EXIT_OK);
    let sm = &sc.summary;
    assert_eq!(num(sm, "objects_read"), 35);
    assert_eq!(sm["shapes"], serde_json::json!({"array": 35}));
    assert_eq!(num(sm, "objects_failed"), 0);
    assert_eq!(num(sm, "records_read"), 310);
    assert_eq!(num(sm, "events"), 310);
    assert_eq!(count_records(STRATUS), (310, 52));
    let t = totals(sc.out.path());
    assert_eq!(n(&t, "events"), 310);
    assert_eq!(n(&t, "errors"), 52);
    assert_eq!(n(&t, "undated"), 0);
    assert_eq!(n(&t, "n_rows"), num(sm, "activity_rows"));
    assert_eq!(check_activity(sc.out.path(), sm), n(&t, "n_rows"));
}

// ---- known bugs (inputs generated at test time) ---------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join(GOOD).join(name)).expect("fixture")
}

/// A fixture as one line (its events are written one per line, so joining keeps it JSON).
fn one_line(name: &str) -> Vec<u8> {
    let mut v: Vec<u8> = fixture(name).into_iter().filter(|&b| b != b'\n').collect();
    v.push(b'\n');
    v
}

fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn utf8_bom_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let bom = b"\xEF\xBB\xBF".to_vec();
    std::fs::write(
        tmp.path().join("bom.json"),
        [bom.clone(), fixture("duplicate-delivery-1.json")].concat(),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("bom.jsonl"),
        [bom, fixture("lake-export.jsonl")].concat(),
    )
    .unwrap();
    let dir = tmp.path().display().to_string();
    let sc = scan(&[&dir], &[], EXIT_OK);
    assert_eq!(num(&sc.summary, "events"), 5, "{:#}", sc.summary);
}

#[test]
fn json_lines_with_a_broken_first_line_keep_their_good_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(Path::new(ROOT).join(BAD).join("bad-lines.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The broken line (3) first, then the three good ones.
    let reordered = format!("{}\n{}\n{}\n{}\n", lines[2], lines[0], lines[1], lines[3]);
    let path = tmp.path().join("first-line-broken.jsonl");
    std::fs::write(&path, reordered).unwrap();
    let p = path.display().to_string();
    let sc = scan(&[&p], &[], EXIT_PARTIAL);
    assert_eq!(
        sc.summary["failed"][0]["kind"], "bad_lines",
        "{:#}",
        sc.summary
    );
    assert_eq!(num(&sc.summary, "events"), 3);
}

#[test]
fn records_documents_one_per_line_are_expanded() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("combined.json");
    std::fs::write(
        &path,
        [
            one_line("duplicate-delivery-1.json"),
            one_line("null-request-parameters.json"),
        ]
        .concat(),
    )
    .unwrap();
    let p = path.display().to_string();
    let sc = scan(&[&p], &[], EXIT_OK);
    let rows = activity_rows(sc.out.path());
    assert!(
        rows.iter().all(|r| s(r, "event_name") != Some("unknown")),
        "phantom events: {rows:#?}"
    );
    assert_eq!(num(&sc.summary, "events"), 4, "{:#}", sc.summary);
}

#[test]
fn concatenated_gzip_members_holding_whole_documents_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("concatenated.json.gz");
    std::fs::write(
        &path,
        [
            gz(&fixture("duplicate-delivery-1.json")),
            gz(&fixture("null-request-parameters.json")),
        ]
        .concat(),
    )
    .unwrap();
    let p = path.display().to_string();
    let sc = scan(&[&p], &[], EXIT_OK);
    assert_eq!(num(&sc.summary, "events"), 4, "{:#}", sc.summary);
}
