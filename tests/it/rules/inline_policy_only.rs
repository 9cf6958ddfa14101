//! `inline-policy-only` on the IAM fixtures (`tests/fixtures/iam/`) and
//! `tests/fixtures/rules/iam-details-posture.json`.

use super::*;

const RULE: &str = "inline-policy-only";

fn found(sc: &Scan) -> Vec<&str> {
    sc.of(RULE)
        .iter()
        .map(|f| {
            assert_eq!(f["severity"], "low", "{f}");
            f["principal"].as_str().unwrap()
        })
        .collect()
}

#[test]
fn cli_details() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            "tests/fixtures/iam/auth-details-cli.json",
            "--rules",
            RULE,
        ],
        EXIT_OK,
    );
    // Not: alice and dave (developers has a managed policy too), erin (no policy at all),
    // carol-admin and ec2-app (managed), the service-linked support role.
    assert_eq!(
        found(&sc),
        [
            "arn:aws:iam::111122223333:role/legacy-deploy",
            "arn:aws:iam::111122223333:role/partner-audit",
            "arn:aws:iam::111122223333:role/public-assume",
            "arn:aws:iam::111122223333:user/ci/bob",
        ]
    );
    let bob = sc.one(RULE, "arn:aws:iam::111122223333:user/ci/bob");
    assert_eq!(
        bob["title"],
        "User bob gets its permissions only from inline policies (inline policy bob-ci-deploy), no managed policy"
    );
    assert_eq!(bob["principal_type"], "IAMUser");
    assert_eq!(bob["anti_pattern"], "4, 5");
    assert_eq!(
        bob["evidence"]["inline_policies"][0],
        "inline policy bob-ci-deploy"
    );
    assert_eq!(
        bob["remediation"],
        "Make inline policy bob-ci-deploy a customer managed policy and attach it instead: `aws iam get-user-policy --user-name bob --policy-name bob-ci-deploy --query PolicyDocument > bob-ci-deploy.json`; `aws iam create-policy --policy-name bob-ci-deploy --policy-document file://bob-ci-deploy.json`; `aws iam attach-user-policy --user-name bob --policy-arn arn:aws:iam::111122223333:policy/bob-ci-deploy`; `aws iam delete-user-policy --user-name bob --policy-name bob-ci-deploy`."
    );
}

#[test]
fn posture_fixture_group_only_and_skips() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            &fixture("iam-details-posture.json"),
            "--rules",
            RULE,
        ],
        EXIT_OK,
    );
    // Not: AWSServiceRoleForECS (inline only, but service-linked), the trust-only roles (no
    // policy at all), quarantined (inline + customer managed).
    assert_eq!(
        found(&sc),
        [
            "arn:aws:iam::222233334444:user/mfa-admin",
            "arn:aws:iam::222233334444:user/power-user",
            "arn:aws:iam::222233334444:user/script-runner",
        ]
    );
    let runner = sc.one(RULE, "arn:aws:iam::222233334444:user/script-runner");
    assert_eq!(
        runner["title"],
        "User script-runner gets its permissions only from inline policies (inline policy run-jobs of group scripts), no managed policy"
    );
    assert_eq!(runner["evidence"]["groups"][0], "scripts");
    assert_eq!(
        runner["evidence"]["inline_policies"][0],
        "group scripts: inline policy run-jobs"
    );
    assert!(runner["remediation"].as_str().unwrap().contains(
        "`aws iam attach-group-policy --group-name scripts --policy-arn arn:aws:iam::222233334444:policy/run-jobs`"
    ));
}

#[test]
fn api_pages() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            "tests/fixtures/iam/auth-details-concatenated.json",
            "--rules",
            RULE,
        ],
        EXIT_OK,
    );
    // frank has all four kinds; batch-worker's boundary grants nothing.
    assert_eq!(
        found(&sc),
        ["arn:aws:iam::444455556666:role/service-role/batch-worker"]
    );
}
