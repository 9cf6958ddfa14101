//! The CloudTrail event rules on `tests/fixtures/rules/event-rules.json` (one quirk per event,
//! positives and negatives; see tests/fixtures/rules/README.md) and on the shared samples.

use super::*;

const FIX: &str = "event-rules.json";
const INVICTUS: &str = "../shared/cloudtrail-samples/invictus-ir-aws-dataset";
const STRATUS: &str = "../shared/cloudtrail-samples/stratus-red-team-detonation-logs";

fn summary_line(f: &Value) -> String {
    format!(
        "{} {} {} {}{}",
        f["rule"].as_str().unwrap(),
        f["severity"].as_str().unwrap(),
        f["principal"].as_str().unwrap(),
        f["count"],
        f["access_key_id"]
            .as_str()
            .map(|k| format!(" {k}"))
            .unwrap_or_default()
    )
}

#[test]
fn every_event_rule_finds_exactly_its_cases() {
    let sc = scan(&[&fixture(FIX)], &[], EXIT_OK);
    let mut got: Vec<String> = sc.findings.iter().map(summary_line).collect();
    got.sort();
    let mut want = vec![
        // StopLogging by dan with a long-term key.
        "cloudtrail-tampering critical arn:aws:iam::111122223333:user/dan 1 AKIADAN0000000000001",
        // Only dan's successful sign-in without MFA: not eve (MFA), not dan's failed sign-in,
        // not the role, SAML or Identity Center sign-ins, not the HIDDEN user's failure.
        "console-login-without-mfa high arn:aws:iam::111122223333:user/dan 1",
        // Three calls (one delivered twice), two regions; not the ASIA key, not eve's MFA key.
        "long-term-key-without-mfa medium arn:aws:iam::111122223333:user/ci-bot 3 AKIACIBOT00000000001",
        "long-term-key-without-mfa medium arn:aws:iam::111122223333:user/dan 1 AKIADAN0000000000001",
        // Root's own key; root creating a key for bob is not a root key.
        "root-access-key-created critical arn:aws:iam::111122223333:root 1 AKIAROOTKEY000000001",
        // ListBuckets and the two CreateAccessKey calls; not the call made through
        // CloudFormation (invokedBy) nor the AwsServiceEvent.
        "root-api-call high arn:aws:iam::111122223333:root 3",
        // Without MFA critical, with MFA high; GovCloud and China keep their partitions.
        "root-console-login critical arn:aws-us-gov:iam::777788889999:root 1",
        "root-console-login critical arn:aws:iam::111122223333:root 1",
        "root-console-login high arn:aws-cn:iam::555566667777:root 1",
        "root-console-login high arn:aws:iam::111122223333:root 1",
        // Per source IP; the duplicated delivery counts once.
        "root-console-login-failed high arn:aws:iam::111122223333:root 1",
        "root-console-login-failed high arn:aws:iam::111122223333:root 3",
    ];
    want.sort();
    assert_eq!(got, want);

    let key = sc
        .of("long-term-key-without-mfa")
        .into_iter()
        .find(|f| f["access_key_id"] == "AKIACIBOT00000000001")
        .unwrap();
    assert_eq!(
        key["regions"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
    assert_eq!(
        key["evidence"]["services"],
        serde_json::json!(["ec2", "s3"])
    );
    assert_eq!(key["event_ids"].as_array().unwrap().len(), 3);
    assert_eq!(key["first_seen"], "2024-07-05T00:00:00Z");
    assert_eq!(key["last_seen"], "2024-07-05T02:00:00Z");

    let failed = sc
        .of("root-console-login-failed")
        .into_iter()
        .find(|f| f["count"] == 3)
        .unwrap();
    assert_eq!(failed["source_ips"], serde_json::json!(["203.0.113.66"]));
    assert_eq!(failed["event_ids"].as_array().unwrap().len(), 3);

    let api = sc.one("root-api-call", "arn:aws:iam::111122223333:root");
    assert_eq!(
        api["evidence"]["calls"],
        serde_json::json!(["iam:CreateAccessKey", "s3:ListBuckets"])
    );
    // Every finding says what to do.
    for f in &sc.findings {
        assert!(f["remediation"].as_str().unwrap().len() > 20, "{f}");
    }
}

#[test]
fn fail_on_exits_4_at_or_above_the_threshold() {
    let sc = scan(&[&fixture(FIX)], &["--fail-on", "critical"], EXIT_FINDINGS);
    assert_eq!(sc.summary["exit_code"], EXIT_FINDINGS);
    scan(
        &[&fixture(FIX)],
        &[
            "--fail-on",
            "critical",
            "--rules",
            "long-term-key-without-mfa",
        ],
        EXIT_OK,
    );
}

#[test]
fn invictus_has_exactly_one_console_login_without_mfa_and_two_keys() {
    let sc = scan(&[INVICTUS], &[], EXIT_OK);
    let logins = sc.of("console-login-without-mfa");
    assert_eq!(logins.len(), 1, "{logins:#?}");
    assert_eq!(logins[0]["count"], 1);
    let mut keys: Vec<(String, u64)> = sc
        .of("long-term-key-without-mfa")
        .iter()
        .map(|f| {
            (
                f["principal"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            ("arn:aws:iam::123837392027:user/benjamin".to_string(), 43),
            ("arn:aws:iam::123837392027:user/bert-jan".to_string(), 2104),
        ]
    );
    assert_eq!(sc.of("public-resource-policy").len(), 1);
}

#[test]
fn stratus_detonations() {
    let sc = scan(&[STRATUS], &[], EXIT_OK);
    assert_eq!(sc.of("public-resource-policy").len(), 1);
    // The console-login-without-mfa detonation.
    assert_eq!(sc.of("console-login-without-mfa").len(), 1);
    // Keys created by detonations in accounts whose logs stop long before the newest event
    // (of another account): CloudTrail cannot say they are still active or unused.
    assert_eq!(sc.of("access-key-not-rotated").len(), 0);
    assert_eq!(sc.of("unused-access-key").len(), 0);
}
