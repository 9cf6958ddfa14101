//! `admin-grant` on the IAM fixtures (`tests/fixtures/iam/`) and
//! `tests/fixtures/rules/iam-details-posture.json`.

use super::*;

const RULE: &str = "admin-grant";
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

/// `(principal, severity)` of every finding of the rule, in output order.
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

const SSO_ADMIN: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef";

#[test]
fn cli_details_admins() {
    let sc = scan(&[], &["--iam-details", CLI, "--rules", RULE], EXIT_OK);
    // Not alice/dave (developers: scoped policies), not the service-linked support role.
    assert_eq!(
        found(&sc),
        [
            (SSO_ADMIN, "high"),
            ("arn:aws:iam::111122223333:role/legacy-deploy", "high"),
            ("arn:aws:iam::111122223333:user/carol-admin", "high"),
        ]
    );

    let carol = sc.one(RULE, "arn:aws:iam::111122223333:user/carol-admin");
    assert_eq!(
        carol["title"],
        "User carol-admin has full admin rights (* on *) via AWS managed AdministratorAccess"
    );
    assert_eq!(carol["account"], "111122223333");
    assert_eq!(carol["principal_type"], "IAMUser");
    assert_eq!(carol["anti_pattern"], "4");
    let ev = &carol["evidence"];
    assert_eq!(
        strs(&ev["granting_policies"]),
        ["AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    assert_eq!(
        strs(&ev["conditional"]),
        ["no: at least one grant has no condition"]
    );
    assert_eq!(strs(&ev["permissions_boundary"]), ["none"]);
    assert_eq!(
        strs(&ev["cloudtrail_activity"]),
        ["unknown: no CloudTrail source was scanned"]
    );
    assert!(ev.get("role_last_used").is_none());
    assert_eq!(
        carol["remediation"],
        "Give carol-admin a policy scoped to what it does (its CloudTrail activity in activity.parquet, or IAM Access Analyzer policy generation), then remove the admin grant: `aws iam detach-user-policy --user-name carol-admin --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`."
    );

    let legacy = sc.one(RULE, "arn:aws:iam::111122223333:role/legacy-deploy");
    assert_eq!(
        legacy["title"],
        "Role legacy-deploy has full admin rights (* on *) via inline policy everything"
    );
    assert_eq!(
        strs(&legacy["evidence"]["admin_statements"]),
        ["inline policy everything, Statement[0]: allows * on *"]
    );
    assert_eq!(
        strs(&legacy["evidence"]["role_last_used"]),
        ["never, as far as IAM tracks (400 days)"]
    );
    assert!(legacy["remediation"].as_str().unwrap().ends_with(
        "`aws iam delete-role-policy --role-name legacy-deploy --policy-name everything`."
    ));

    // Identity Center: the fix is in the permission set, not in IAM.
    let sso = sc.one(RULE, SSO_ADMIN);
    assert_eq!(
        sso["title"],
        "Identity Center role AWSReservedSSO_AdministratorAccess_0123456789abcdef has full admin rights (* on *) via AWS managed AdministratorAccess"
    );
    let fix = sso["remediation"].as_str().unwrap();
    assert!(
        fix.contains("edit permission set AdministratorAccess") && !fix.contains("aws iam detach"),
        "{fix}"
    );
    assert_eq!(
        strs(&sso["evidence"]["role_last_used"]),
        ["2024-06-29T17:40:02Z in us-east-1"]
    );
}

#[test]
fn posture_fixture_cases() {
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
    let p = |name: &str| format!("arn:aws:iam::222233334444:{name}");
    let sso = p("role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_fedcba9876543210");
    // Not: quarantined (admin cancelled by a Deny of * on *), AWSServiceRoleForECS
    // (service-linked), reader and mixed (read-only), script-runner (batch only).
    let (a, b, c, d, e, f) = (
        p("user/bounded-admin"),
        p("user/broken-policy"),
        p("user/mfa-admin"),
        p("user/ops-member"),
        sso.clone(),
        p("user/power-user"),
    );
    assert_eq!(
        found(&sc),
        [
            (a.as_str(), "high"),
            (b.as_str(), "high"),
            (c.as_str(), "high"),
            (d.as_str(), "high"),
            (e.as_str(), "medium"),
            (f.as_str(), "medium"),
        ]
    );

    // A permissions boundary that does not allow everything is said, not hidden.
    let bounded = sc.one(RULE, &a);
    assert_eq!(
        strs(&bounded["evidence"]["permissions_boundary"]),
        [
            "arn:aws:iam::222233334444:policy/BoundaryS3 (does not allow everything: the effective permissions are only what both it and the policies allow)"
        ]
    );

    // A policy that does not parse is evidence; the rule goes on.
    let broken = sc.one(RULE, &b);
    assert_eq!(
        strs(&broken["evidence"]["unparsed_policies"]),
        ["inline policy typo: Statement[0]: Effect must be Allow or Deny, got \"allow\""]
    );
    assert!(
        sc.run.stderr.contains("policy document does not parse"),
        "{}",
        sc.run.stderr
    );

    // Conditional admin: still high, with the condition keys.
    let mfa = sc.one(RULE, &c);
    assert_eq!(
        mfa["title"],
        "User mfa-admin has full admin rights (* on *) via inline policy admin-with-mfa (conditional on aws:MultiFactorAuthPresent)"
    );
    assert_eq!(
        strs(&mfa["evidence"]["conditional"]),
        ["yes: every grant has conditions (aws:MultiFactorAuthPresent)"]
    );
    assert_eq!(
        strs(&mfa["evidence"]["conditions"]),
        ["inline policy admin-with-mfa: Bool aws:MultiFactorAuthPresent true"]
    );

    // Through a group's customer managed policy with "*:*".
    let member = sc.one(RULE, &d);
    assert_eq!(
        member["title"],
        "User ops-member has full admin rights (* on *) via customer managed AdminPolicy of group admins"
    );
    assert_eq!(
        strs(&member["evidence"]["granting_policies"]),
        ["group admins: customer managed policy arn:aws:iam::222233334444:policy/AdminPolicy"]
    );
    assert!(member["remediation"].as_str().unwrap().contains(
        "`aws iam remove-user-from-group --group-name admins --user-name ops-member (or, for every member of admins: aws iam detach-group-policy --group-name admins --policy-arn arn:aws:iam::222233334444:policy/AdminPolicy)`"
    ));

    // NotAction near-admin: medium, worded apart from full admin.
    let power = sc.one(RULE, &f);
    assert_eq!(
        power["title"],
        "User power-user has near-admin rights (every action except iam:*, organizations:*) via inline policy everything-but-iam"
    );
    assert!(power["evidence"].get("granting_policies").is_none());
    assert_eq!(
        strs(&power["evidence"]["near_admin_statements"]),
        [
            "inline policy everything-but-iam, AllButIam: allows every action except iam:*, organizations:* on every resource — near-admin (NotAction/NotResource), not full admin"
        ]
    );

    // PowerUserAccess known by its ARN (its document is not in the file).
    let sso = sc.one(RULE, &e);
    assert_eq!(
        sso["title"],
        "Identity Center role AWSReservedSSO_PowerUser_fedcba9876543210 has near-admin rights (every action except iam:*, organizations:*, account:*) via AWS managed PowerUserAccess"
    );
}

#[test]
fn api_pages_admin_known_by_arn() {
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
    assert_eq!(
        found(&sc),
        [(
            "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
            "high"
        )]
    );
    let f = &sc.of(RULE)[0];
    assert_eq!(
        strs(&f["evidence"]["admin_statements"]),
        [
            "AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess: allows * on * (its document is not in the details; AdministratorAccess is * on *)"
        ]
    );
}

#[test]
fn cloudtrail_activity_and_fail_on() {
    let sc = scan(
        &[&fixture("iam-posture-events.json")],
        &["--iam-details", CLI, "--rules", RULE, "--fail-on", "high"],
        EXIT_FINDINGS,
    );
    assert_eq!(
        strs(
            &sc.one(RULE, "arn:aws:iam::111122223333:user/carol-admin")["evidence"]["cloudtrail_activity"]
        ),
        ["CloudTrail saw it act: 2 events from 2024-06-27T10:00:00Z to 2024-06-28T11:30:00Z"]
    );
    assert_eq!(
        strs(
            &sc.one(RULE, "arn:aws:iam::111122223333:role/legacy-deploy")["evidence"]["cloudtrail_activity"]
        ),
        [
            "CloudTrail saw no activity by it; CloudTrail read for 111122223333 from 2024-06-27T10:00:00Z to 2024-06-28T22:01:09Z (3 events)"
        ]
    );
}

#[test]
fn without_iam_details_the_rule_does_not_run() {
    let sc = scan(
        &[&fixture("cross-account-access.json")],
        &["--rules", RULE],
        EXIT_OK,
    );
    assert!(sc.of(RULE).is_empty());
    let not_run = sc.summary["rules_not_run"].as_array().unwrap();
    let me: Vec<&Value> = not_run.iter().filter(|n| n["rule"] == RULE).collect();
    assert_eq!(me.len(), 1, "{not_run:?}");
    assert!(
        me[0]["reason"].as_str().unwrap().contains("--iam-details"),
        "{}",
        me[0]
    );
    assert!(
        !sc.summary["rules_run"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == RULE)
    );
}
