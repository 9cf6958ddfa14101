//! `cross-account-trust` on the IAM fixtures (`tests/fixtures/iam/`) and
//! `tests/fixtures/rules/iam-details-posture.json`.

use super::*;

const RULE: &str = "cross-account-trust";
const CLI: &str = "tests/fixtures/iam/auth-details-cli.json";
const PAGE1: &str = "tests/fixtures/iam/auth-details-api-page1.json";
const PAGE2: &str = "tests/fixtures/iam/auth-details-api-page2.json";

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

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

#[test]
fn cli_details_trusts() {
    let sc = scan(&[], &["--iam-details", CLI, "--rules", RULE], EXIT_OK);
    // Not: the service-linked support role, ec2-app (ec2.amazonaws.com), the Identity Center
    // role (the account's own SAML provider).
    assert_eq!(
        found(&sc),
        [
            ("arn:aws:iam::111122223333:role/public-assume", "critical"),
            ("arn:aws:iam::111122223333:role/legacy-deploy", "high"),
            ("arn:aws:iam::111122223333:role/partner-audit", "medium"),
        ]
    );

    let public = sc.one(RULE, "arn:aws:iam::111122223333:role/public-assume");
    assert_eq!(
        public["title"],
        "Role public-assume can be assumed by any AWS account (Principal \"*\")"
    );
    assert_eq!(public["principal_type"], "Role");
    assert_eq!(public["anti_pattern"], "6");
    assert_eq!(
        strs(&public["evidence"]["trusted_principals"]),
        ["any AWS account (Principal \"*\") in Statement[0]: no restricting condition"]
    );
    assert_eq!(
        strs(&public["evidence"]["role_last_used"]),
        ["2024-06-28T22:01:09Z in us-east-2"]
    );
    assert_eq!(
        public["remediation"],
        "In Statement[0], replace the principal \"*\" with the account or role ARNs that need public-assume. Apply the edited trust policy: `aws iam get-role --role-name public-assume --query Role.AssumeRolePolicyDocument > trust.json`, edit trust.json, then `aws iam update-assume-role-policy --role-name public-assume --policy-document file://trust.json`."
    );

    let legacy = sc.one(RULE, "arn:aws:iam::111122223333:role/legacy-deploy");
    assert_eq!(
        legacy["title"],
        "Role legacy-deploy can be assumed from account 999988887777 without an external ID or other restricting condition"
    );
    assert_eq!(
        strs(&legacy["evidence"]["external_accounts"]),
        ["999988887777"]
    );
    assert_eq!(
        strs(&legacy["evidence"]["trusted_principals"]),
        [
            "account 999988887777 (arn:aws:iam::999988887777:role/ci-runner) in Statement[0]: no restricting condition"
        ]
    );
    assert_eq!(
        strs(&legacy["evidence"]["conditions"]),
        ["Statement[0]: none"]
    );

    // With an external ID: medium, and the ID itself is not copied into the finding.
    let partner = sc.one(RULE, "arn:aws:iam::111122223333:role/partner-audit");
    assert_eq!(
        partner["title"],
        "Role partner-audit can be assumed from account 999988887777, only with sts:ExternalId"
    );
    assert_eq!(
        strs(&partner["evidence"]["conditions"]),
        ["Statement[0]: StringEquals sts:ExternalId (value not shown)"]
    );
    assert!(!partner.to_string().contains("c0ffee-partner-7f3a"));
    assert_eq!(
        strs(&partner["evidence"]["role_last_used"]),
        ["2023-09-14T07:12:45Z in eu-west-1"]
    );
}

#[test]
fn trusted_accounts_are_not_outside() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            CLI,
            "--rules",
            RULE,
            "--trusted-accounts",
            "999988887777",
        ],
        EXIT_OK,
    );
    assert_eq!(
        found(&sc),
        [("arn:aws:iam::111122223333:role/public-assume", "critical")]
    );
}

#[test]
fn posture_fixture_cases() {
    let details = fixture("iam-details-posture.json");
    let sc = scan(&[], &["--iam-details", &details, "--rules", RULE], EXIT_OK);
    let names: Vec<(String, &str)> = found(&sc)
        .into_iter()
        .map(|(p, s)| {
            (
                p.trim_start_matches("arn:aws:iam::222233334444:role/")
                    .to_string(),
                s,
            )
        })
        .collect();
    // Not: own-account-trust, tag-only (sts:TagSession only), gh-deploy-pinned (sub pinned),
    // cognito-pinned (aud pinned), lambda-exec (a service), the Identity Center role (own
    // SAML provider), AWSServiceRoleForECS (service-linked).
    assert_eq!(
        names,
        [
            ("cognito-any-pool".to_string(), "high"),
            ("gh-deploy-any-repo".to_string(), "high"),
            ("gh-deploy-wildcard".to_string(), "high"),
            ("multi-trust".to_string(), "high"),
            ("org-only-public".to_string(), "high"),
            ("sts-star".to_string(), "high"),
            ("trusted-partner".to_string(), "high"),
        ]
    );
    let one = |n: &str| sc.one(RULE, &format!("arn:aws:iam::222233334444:role/{n}"));

    let gh = one("gh-deploy-any-repo");
    assert_eq!(
        gh["title"],
        "Role gh-deploy-any-repo can be assumed by any GitHub repository (web identity provider token.actions.githubusercontent.com without a token.actions.githubusercontent.com:sub condition)"
    );
    assert_eq!(strs(&gh["evidence"]["statements"]), ["GitHubActions"]);
    assert!(gh["remediation"].as_str().unwrap().starts_with(
        "In statement GitHubActions, add a StringLike condition on token.actions.githubusercontent.com:sub"
    ));
    // A "*" subject pins nothing.
    assert_eq!(
        strs(&one("gh-deploy-wildcard")["evidence"]["conditions"]),
        [
            "Statement[0]: StringEquals token.actions.githubusercontent.com:aud sts.amazonaws.com",
            "Statement[0]: StringLike token.actions.githubusercontent.com:sub *"
        ]
    );

    assert_eq!(
        one("cognito-any-pool")["title"],
        "Role cognito-any-pool can be assumed by any Cognito identity pool in any AWS account (web identity provider cognito-identity.amazonaws.com without a cognito-identity.amazonaws.com:aud condition)"
    );

    let org = one("org-only-public");
    assert_eq!(
        org["title"],
        "Role org-only-public can be assumed by any AWS account (Principal \"*\") that meets aws:PrincipalOrgID"
    );

    // sts:* matches sts:AssumeRole; an MFA condition does not restrict who.
    let star = one("sts-star");
    assert_eq!(
        strs(&star["evidence"]["trusted_principals"]),
        [
            "account 999988887777 in Statement[0]: no restricting condition (conditions: Bool aws:MultiFactorAuthPresent true)"
        ]
    );

    // Two outside principals in one finding, the worst in the title.
    let multi = one("multi-trust");
    assert_eq!(
        multi["title"],
        "Role multi-trust can be assumed by any GitHub repository (web identity provider token.actions.githubusercontent.com without a token.actions.githubusercontent.com:sub condition), and 1 more outside principal"
    );
    assert_eq!(
        strs(&multi["evidence"]["trusted_principals"]),
        [
            "account 999988887777 (arn:aws:iam::999988887777:root) in Vendor: only with StringEquals sts:ExternalId (value not shown)",
            "web identity provider arn:aws:iam::222233334444:oidc-provider/token.actions.githubusercontent.com in CI: no token.actions.githubusercontent.com:sub condition, so any GitHub repository can assume the role (conditions: StringEquals token.actions.githubusercontent.com:aud sts.amazonaws.com)"
        ]
    );
    assert_eq!(strs(&multi["evidence"]["statements"]), ["CI", "Vendor"]);
    assert_eq!(
        strs(&multi["evidence"]["external_accounts"]),
        ["999988887777"]
    );

    // A trusted account drops out.
    let sc = scan(
        &[],
        &[
            "--iam-details",
            &details,
            "--rules",
            RULE,
            "--trusted-accounts",
            "888877776666",
        ],
        EXIT_OK,
    );
    assert!(
        !sc.of(RULE)
            .iter()
            .any(|f| f["principal"] == "arn:aws:iam::222233334444:role/trusted-partner")
    );
    assert_eq!(sc.of(RULE).len(), 6);
}

#[test]
fn api_pages() {
    let sc = scan(
        &[],
        &[
            "--iam-details",
            PAGE1,
            "--iam-details",
            PAGE2,
            "--rules",
            RULE,
        ],
        EXIT_OK,
    );
    // okta-readonly trusts the account's own SAML provider; batch-worker a service.
    assert_eq!(
        found(&sc),
        [(
            "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
            "high"
        )]
    );
}

#[test]
fn cloudtrail_use_of_the_role() {
    let sc = scan(
        &[&fixture("iam-posture-events.json")],
        &["--iam-details", CLI, "--rules", RULE],
        EXIT_OK,
    );
    assert_eq!(
        strs(
            &sc.one(RULE, "arn:aws:iam::111122223333:role/public-assume")["evidence"]["cloudtrail_activity"]
        ),
        ["CloudTrail saw it act: 1 event from 2024-06-28T22:01:09Z to 2024-06-28T22:01:09Z"]
    );
    assert_eq!(
        strs(
            &sc.one(RULE, "arn:aws:iam::111122223333:role/partner-audit")["evidence"]["cloudtrail_activity"]
        ),
        [
            "CloudTrail saw no activity by it; CloudTrail read for 111122223333 from 2024-06-27T10:00:00Z to 2024-06-28T22:01:09Z (3 events)"
        ]
    );
}
