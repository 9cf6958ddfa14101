//! The credential and unused-identity rules (`root-access-key-present`, `root-mfa-disabled`,
//! `user-without-mfa`, `access-key-not-rotated`, `unused-access-key`, `unused-user`,
//! `unused-role`, `unused-password`) on the IAM fixtures (`tests/fixtures/iam/`, described in
//! its README) and `tests/fixtures/rules/posture-cloudtrail.json`.
//!
//! The CloudTrail fixture's newest event is 2024-06-30T10:00:00Z, so the default 90-day window
//! is 2024-04-01T10:00:00Z .. 2024-06-30T10:00:00Z. Account 111122223333 has a credential
//! report; 444455556666 has none, and its access keys are known only from `CreateAccessKey`,
//! `UpdateAccessKey` and `DeleteAccessKey` events.

use super::*;

const CT: &str = "tests/fixtures/rules/posture-cloudtrail.json";
const REPORT_CSV: &str = "tests/fixtures/iam/credential-report.csv";
const REPORT_JSON: &str = "tests/fixtures/iam/credential-report.json";
const DETAILS_A: &str = "tests/fixtures/iam/auth-details-cli.json";
const DETAILS_B: &str = "tests/fixtures/iam/auth-details-concatenated.json";
const A: &str = "111122223333";

fn user(acct: &str, path_name: &str) -> String {
    format!("arn:aws:iam::{acct}:user/{path_name}")
}

/// An evidence field's values as text (numbers and booleans as JSON writes them).
fn ev(f: &Value, k: &str) -> Vec<String> {
    f["evidence"][k]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn principals(sc: &Scan, rule: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = sc
        .of(rule)
        .iter()
        .map(|f| {
            (
                f["principal"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn full() -> Scan {
    scan(
        &[CT],
        &[
            "--credential-report",
            REPORT_JSON,
            "--iam-details",
            DETAILS_A,
            "--iam-details",
            DETAILS_B,
        ],
        EXIT_OK,
    )
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn window_ends_at_the_newest_event() {
    let sc = full();
    assert_eq!(sc.summary["window"]["end"], "2024-06-30T10:00:00Z");
    assert_eq!(sc.summary["window"]["start"], "2024-04-01T10:00:00Z");
    assert_eq!(sc.summary["window"]["end_from"], "newest-event");
    assert_eq!(sc.summary["rules_not_run"], serde_json::json!([]));
    // --until moves it; the wall clock never does.
    let sc = scan(
        &[CT],
        &[
            "--credential-report",
            REPORT_CSV,
            "--until",
            "2024-05-31",
            "--window",
            "30",
        ],
        EXIT_OK,
    );
    assert_eq!(sc.summary["window"]["end"], "2024-05-31T23:59:59.999Z");
    assert_eq!(sc.summary["window"]["days"], 30);
    assert_eq!(sc.summary["window"]["end_from"], "until");
}

#[test]
fn root_rules_read_the_credential_report() {
    for report in [REPORT_CSV, REPORT_JSON] {
        let sc = scan(&[CT], &["--credential-report", report], EXIT_OK);
        let root = format!("arn:aws:iam::{A}:root");
        // The root key was used on 2024-06-01, inside the window: critical.
        let k = sc.one("root-access-key-present", &root);
        assert_eq!(k["severity"], "critical");
        assert_eq!(k["last_seen"], "2024-06-01T09:30:00Z");
        assert!(ev(k, "keys")[0].starts_with("access_key_1: created/rotated 2019-04-10"));
        // Root signed in on 2024-05-02 without MFA: critical.
        let m = sc.one("root-mfa-disabled", &root);
        assert_eq!(m["severity"], "critical");
        assert_eq!(ev(m, "password_last_used"), ["2024-05-02T08:15:44Z"]);
    }
}

#[test]
fn users_without_mfa() {
    let sc = scan(&[CT], &["--credential-report", REPORT_CSV], EXIT_OK);
    // alice has MFA; carol and erin have no password.
    assert_eq!(
        principals(&sc, "user-without-mfa"),
        pairs(&[(&user(A, "ci/bob"), "medium"), (&user(A, "dave"), "medium")])
    );
}

#[test]
fn keys_not_rotated_from_the_report_and_from_cloudtrail() {
    let sc = full();
    let f = sc.of("access-key-not-rotated");
    let mut got: Vec<(String, String, String)> = f
        .iter()
        .map(|x| {
            (
                x["principal"].as_str().unwrap().to_string(),
                x["access_key_id"].as_str().unwrap_or("-").to_string(),
                format!(
                    "{} {}",
                    x["severity"].as_str().unwrap(),
                    ev(x, "age_days")[0]
                ),
            )
        })
        .collect();
    got.sort();
    let carol = user(A, "carol-admin");
    let b = |u: &str| user("444455556666", u);
    let mut want = vec![
        // Report: key 1 rotated 2022-06-30 (731 days > 4 x 90: high), key 2 on 2024-03-01.
        (carol.clone(), "-".to_string(), "high 731".to_string()),
        (carol.clone(), "-".to_string(), "medium 121".to_string()),
        // CloudTrail only (no report for 444455556666): created and never removed.
        (b("frank"), "AKIAFRANKOLD00000001".into(), "high 545".into()),
        (
            b("grace"),
            "AKIAGRACEOLD00000001".into(),
            "medium 166".into(),
        ),
        (b("ivan"), "AKIAIVANOLD000000001".into(), "high 425".into()),
    ];
    want.sort();
    assert_eq!(got, want);
    // The CloudTrail finding carries the CreateAccessKey event (delivered twice: one ID).
    let frank = f
        .iter()
        .find(|x| x["access_key_id"] == "AKIAFRANKOLD00000001")
        .unwrap();
    assert_eq!(frank["event_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        ev(frank, "created_by"),
        ["arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"]
    );
    // Root keys belong to root-access-key-present; heidi's key was deleted; ivan's was
    // deactivated and re-activated (active); frank's new key is 10 days old.
    assert!(
        f.iter()
            .all(|x| !x["principal"].as_str().unwrap().ends_with(":root"))
    );
    assert!(
        f.iter()
            .all(|x| x["access_key_id"] != "AKIAHEIDIOLD00000001")
    );
    assert!(
        f.iter()
            .all(|x| x["access_key_id"] != "AKIAFRANKNEW00000001")
    );
    // A shorter --max-key-age catches frank's new key too.
    let sc = scan(
        &[CT],
        &["--max-key-age", "5", "--rules", "access-key-not-rotated"],
        EXIT_OK,
    );
    assert!(
        sc.of("access-key-not-rotated")
            .iter()
            .any(|x| x["access_key_id"] == "AKIAFRANKNEW00000001")
    );
}

#[test]
fn unused_access_keys() {
    let sc = full();
    let f = sc.of("unused-access-key");
    let mut got: Vec<String> = f
        .iter()
        .map(|x| {
            format!(
                "{} {}",
                x["principal"].as_str().unwrap(),
                x["access_key_id"]
                    .as_str()
                    .unwrap_or(x["title"].as_str().unwrap())
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            // Report: carol's key 2 was never used (key 1 was, and CloudTrail saw one key).
            format!(
                "{} Access key 2 of IAM user carol-admin in {A} unused for 90+ days",
                user(A, "carol-admin")
            ),
            format!("{} AKIAFRANKOLD00000001", user("444455556666", "frank")),
            format!("{} AKIAIVANOLD000000001", user("444455556666", "ivan")),
        ]
    );
}

#[test]
fn unused_users_roles_and_passwords() {
    let sc = full();
    let b = |u: &str| user("444455556666", u);
    assert_eq!(
        principals(&sc, "unused-user"),
        pairs(&[
            (&user(A, "ci/bob"), "medium"),
            (&user(A, "dave"), "medium"),
            (&user(A, "erin"), "low"),
            // Known from the details only; CloudTrail covers 444455556666 since 2023-01-01.
            (&b("frank"), "low"),
        ])
    );
    let bob = sc.one("unused-user", &user(A, "ci/bob"));
    assert_eq!(ev(bob, "credentials"), ["console password"]);
    assert_eq!(bob["last_seen"], "2023-02-14T18:20:00Z");

    let role = |a: &str, r: &str| format!("arn:aws:iam::{a}:role/{r}");
    assert_eq!(
        principals(&sc, "unused-role"),
        pairs(&[
            (&role(A, "legacy-deploy"), "medium"),
            (&role(A, "partner-audit"), "medium"),
            (&role("444455556666", "okta-readonly"), "low"),
            (&role("444455556666", "service-role/batch-worker"), "low"),
        ])
    );
    let legacy = sc.one("unused-role", &role(A, "legacy-deploy"));
    assert_eq!(ev(legacy, "trusted_from_outside"), ["999988887777"]);
    // Trusting the partner makes the role merely unused.
    let sc2 = scan(
        &[CT],
        &[
            "--iam-details",
            DETAILS_A,
            "--trusted-accounts",
            "999988887777",
            "--rules",
            "unused-role",
        ],
        EXIT_OK,
    );
    assert_eq!(
        sc2.one("unused-role", &role(A, "legacy-deploy"))["severity"],
        "low"
    );

    // bob's password was last used in 2023; dave's never (no_information). Neither has MFA.
    assert_eq!(
        principals(&sc, "unused-password"),
        pairs(&[(&user(A, "ci/bob"), "high"), (&user(A, "dave"), "high")])
    );
}

#[test]
fn rules_without_their_inputs_say_why() {
    let sc = scan(&[CT], &[], EXIT_OK);
    let not_run: Vec<(String, String)> = sc.summary["rules_not_run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["rule"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let reason = |r: &str| {
        not_run
            .iter()
            .find(|(x, _)| x == r)
            .map(|(_, y)| y.as_str())
            .unwrap_or_else(|| panic!("{r} not in rules_not_run: {not_run:?}"))
    };
    assert!(reason("root-mfa-disabled").contains("--credential-report"));
    assert!(reason("unused-role").contains("--iam-details"));
    assert!(reason("unused-user").contains("--iam-details or --credential-report"));
    // Keys known from CloudTrail alone still run.
    assert!(!not_run.iter().any(|(r, _)| r == "access-key-not-rotated"));
    assert!(
        sc.run.stdout.contains("need --credential-report"),
        "{}",
        sc.run.stdout
    );
    // Without CloudTrail, only the inventory rules run, and the event rules say why not.
    let sc = scan(&[], &["--credential-report", REPORT_JSON], EXIT_OK);
    assert_eq!(sc.summary["window"]["end_from"], "credential-report");
    assert_eq!(sc.summary["window"]["end"], "2024-06-30T12:00:00Z");
    assert!(
        sc.summary["rules_not_run"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["rule"] == "root-console-login"
                && n["reason"].as_str().unwrap().contains("CloudTrail"))
    );
    assert!(!sc.of("root-mfa-disabled").is_empty());
    // A CSV has no generation time: with no event and no --until the window has no end, so
    // the rules that need one say so, and the others still run.
    let sc = scan(&[], &["--credential-report", REPORT_CSV], EXIT_OK);
    assert!(sc.summary["window"].is_null());
    assert!(
        sc.summary["rules_not_run"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["rule"] == "unused-password"
                && n["reason"].as_str().unwrap().contains("--until"))
    );
    assert!(!sc.of("root-mfa-disabled").is_empty());
}

#[test]
fn unusable_inventory_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("details.json");
    std::fs::write(&bad, "{\"UserDetailList\": [ {\"UserName\": 3} ]").unwrap();
    let mut cmd = TrailguardCmd::new().args([
        "scan",
        CT,
        "--out",
        &tmp.path().join("out").display().to_string(),
        "--iam-details",
        &bad.display().to_string(),
    ]);
    cmd.cmd.current_dir(ROOT);
    let run = cmd.run();
    run.assert_code(1);
    assert!(run.stderr.contains("details.json"), "{}", run.stderr);
    let bad = tmp.path().join("report.csv");
    std::fs::write(&bad, "user,arn\nx,y\n").unwrap();
    let mut cmd = TrailguardCmd::new().args([
        "scan",
        CT,
        "--out",
        &tmp.path().join("out").display().to_string(),
        "--credential-report",
        &bad.display().to_string(),
    ]);
    cmd.cmd.current_dir(ROOT);
    let run = cmd.run();
    run.assert_code(1);
    assert!(run.stderr.contains("report.csv"), "{}", run.stderr);
}
