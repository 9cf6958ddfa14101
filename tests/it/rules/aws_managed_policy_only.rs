//! `aws-managed-policy-only` on the IAM fixtures (`tests/fixtures/iam/`) and
//! `tests/fixtures/rules/iam-details-posture.json`.

use super::*;

const RULE: &str = "aws-managed-policy-only";

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
    // Not the service-linked support role (AWS managed only, but AWS owns it); not ec2-app
    // (customer managed).
    assert_eq!(
        found(&sc),
        [
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
            "arn:aws:iam::111122223333:user/carol-admin",
        ]
    );
    let carol = sc.one(RULE, "arn:aws:iam::111122223333:user/carol-admin");
    assert_eq!(
        carol["title"],
        "User carol-admin has only AWS managed policies (AdministratorAccess)"
    );
    assert_eq!(carol["anti_pattern"], "4");
    assert_eq!(
        carol["evidence"]["aws_managed_policies"][0],
        "AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess"
    );
    assert!(carol["evidence"].get("documents_not_in_details").is_none());
    assert!(carol["remediation"].as_str().unwrap().ends_with(
        "Then detach the AWS managed policies: `aws iam detach-user-policy --user-name carol-admin --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`."
    ));
    let sso = sc.one(
        RULE,
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
    );
    assert!(
        sso["remediation"]
            .as_str()
            .unwrap()
            .contains("in permission set AdministratorAccess")
    );
}

#[test]
fn posture_fixture_groups_and_mixed() {
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
    // Not: mixed (AWS + customer managed), broken-policy (AWS managed + inline), ops-member
    // (customer managed through a group).
    assert_eq!(
        found(&sc),
        [
            "arn:aws:iam::222233334444:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_fedcba9876543210",
            "arn:aws:iam::222233334444:user/bounded-admin",
            "arn:aws:iam::222233334444:user/reader",
        ]
    );
    let reader = sc.one(RULE, "arn:aws:iam::222233334444:user/reader");
    assert_eq!(
        reader["evidence"]["aws_managed_policies"][0],
        "group readers: AWS managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert!(reader["remediation"].as_str().unwrap().contains(
        "`aws iam remove-user-from-group --group-name readers --user-name reader (or, for every member of readers: aws iam detach-group-policy --group-name readers --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess)`"
    ));
}

#[test]
fn api_pages_documents_unknown() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            "tests/fixtures/iam/auth-details-api-page1.json",
            "--iam-details",
            "tests/fixtures/iam/auth-details-api-page2.json",
            "--rules",
            RULE,
        ],
        EXIT_OK,
    );
    assert_eq!(
        found(&sc),
        [
            "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
            "arn:aws:iam::444455556666:role/okta-readonly",
            "arn:aws:iam::444455556666:user/grace",
        ]
    );
    let grace = sc.one(RULE, "arn:aws:iam::444455556666:user/grace");
    assert_eq!(
        grace["evidence"]["documents_not_in_details"][0],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
}
