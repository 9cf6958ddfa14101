//! `unattached-policy` on the IAM fixtures (`tests/fixtures/iam/`) and
//! `tests/fixtures/rules/iam-details-posture.json`.

use super::*;

const RULE: &str = "unattached-policy";

fn found(sc: &Scan) -> Vec<(&str, &str)> {
    sc.of(RULE)
        .iter()
        .map(|f| {
            (
                f["principal"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn cli_details_boundary_is_not_unattached() {
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
    // Not DeveloperBoundary (a permissions boundary), DeveloperAccess (attached), AWS managed.
    assert_eq!(
        found(&sc),
        [(
            "arn:aws:iam::111122223333:policy/legacy/LegacyBilling",
            "low"
        )]
    );
    let f = &sc.of(RULE)[0];
    assert_eq!(
        f["title"],
        "Customer managed policy LegacyBilling is attached to nothing"
    );
    assert_eq!(f["principal_type"], "ManagedPolicy");
    assert_eq!(f["account"], "111122223333");
    assert_eq!(f["anti_pattern"], "5");
    let ev = &f["evidence"];
    assert_eq!(strs(&ev["versions"]), ["v1 (default)"]);
    assert_eq!(strs(&ev["created"]), ["2019-07-01T12:00:00Z"]);
    assert_eq!(strs(&ev["updated"]), ["2019-07-01T12:00:00Z"]);
    assert_eq!(strs(&ev["default_version_allows_everything"]), ["no"]);
    assert_eq!(
        strs(&ev["attachments"]),
        ["AttachmentCount 0, PermissionsBoundaryUsageCount 0"]
    );
    assert_eq!(
        f["remediation"],
        "Confirm nothing needs LegacyBilling (search your infrastructure code for its name), then delete it: `aws iam delete-policy --policy-arn arn:aws:iam::111122223333:policy/legacy/LegacyBilling`."
    );
}

#[test]
fn posture_fixture_loaded_gun() {
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
    // Not: BoundaryS3 (boundary only), NoCounts (no AttachmentCount in the input), Billing
    // (AWS managed, attached to nothing), AdminPolicy and ReportsRead (attached).
    assert_eq!(
        found(&sc),
        [("arn:aws:iam::222233334444:policy/UnusedAdmin", "medium")]
    );
    let f = &sc.of(RULE)[0];
    assert_eq!(
        f["title"],
        "Customer managed policy UnusedAdmin allows * on * and is attached to nothing"
    );
    let ev = &f["evidence"];
    assert_eq!(
        strs(&ev["default_version_allows_everything"]),
        ["yes: Statement[0] allows * on *"]
    );
    assert_eq!(
        strs(&ev["versions"]),
        ["v1 (created 2021-02-02T10:00:00Z)", "v2 (default)"]
    );
    assert_eq!(
        strs(&ev["attachments"]),
        ["AttachmentCount 0, PermissionsBoundaryUsageCount absent"]
    );
    assert_eq!(
        f["remediation"],
        "Confirm nothing needs UnusedAdmin (search your infrastructure code for its name), then delete it, non-default versions first: `aws iam delete-policy-version --policy-arn arn:aws:iam::222233334444:policy/UnusedAdmin --version-id v1`; `aws iam delete-policy --policy-arn arn:aws:iam::222233334444:policy/UnusedAdmin`."
    );
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
    // OpsTooling is attached and a boundary.
    assert_eq!(
        found(&sc),
        [("arn:aws:iam::444455556666:policy/OldOpsTooling", "low")]
    );
}
