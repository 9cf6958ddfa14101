//! Tests of action sets, evaluation, SCPs and the cost of a large account.

use super::*;
use crate::iam::catalog::{ActionId, catalog};
use crate::iam::details::{AccountDetails, Inventory};
use crate::iam::policy::Policy;
use crate::iam::test_util::{read_actions_jsonl, recursive_glob};
use serde_json::Value;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

fn id(name: &str) -> ActionId {
    catalog()
        .lookup(name)
        .unwrap_or_else(|| panic!("{name} not in catalog"))
}

fn pol(v: Value) -> Policy {
    Policy::from_value(&v).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// The ids of the bundle rows `keep` selects, computed from `actions.jsonl` alone.
fn expected(keep: impl Fn(&str, &str) -> bool) -> BTreeSet<String> {
    read_actions_jsonl()
        .into_iter()
        .filter(|r| keep(&r.service, &r.action))
        .map(|r| format!("{}:{}", r.service, r.action))
        .collect()
}

fn names(s: impl std::ops::Deref<Target = ActionSet>) -> BTreeSet<String> {
    s.names().into_iter().collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iam")
        .join(name)
}

/// An account from a `get-account-authorization-details` JSON value.
fn account(v: Value) -> AccountDetails {
    let bytes = serde_json::to_vec(&v).unwrap();
    let inv = Inventory::parse_bytes("test.json", &bytes).unwrap();
    assert_eq!(inv.accounts.len(), 1);
    inv.accounts.into_values().next().unwrap()
}

const ACCT: &str = "123456789012";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A user with inline policies `(name, statements)`.
fn user_json(name: &str, inline: &[(&str, Value)]) -> Value {
    let list: Vec<Value> = inline
        .iter()
        .map(|(n, st)| json!({"PolicyName": n, "PolicyDocument": doc(st.clone())}))
        .collect();
    json!({
        "UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
        "Arn": format!("arn:aws:iam::{ACCT}:user/{name}"),
        "UserPolicyList": list, "GroupList": [], "AttachedManagedPolicies": []
    })
}

fn managed_json(name: &str, versions: &[(&str, bool, Value)]) -> Value {
    let default = versions.iter().find(|v| v.1).map(|v| v.0).unwrap_or("v1");
    let list: Vec<Value> = versions
        .iter()
        .map(|(v, d, st)| json!({"VersionId": v, "IsDefaultVersion": d, "Document": doc(st.clone())}))
        .collect();
    json!({
        "PolicyName": name, "PolicyId": format!("ANPA{name}"), "Path": "/",
        "Arn": format!("arn:aws:iam::{ACCT}:policy/{name}"),
        "DefaultVersionId": default, "PolicyVersionList": list
    })
}

/// Evaluates a single user with one inline policy under the given SCPs.
fn one_user(statements: Value, scps: Vec<Policy>) -> Grant {
    let acct = account(json!({"UserDetailList": [user_json("u", &[("p", statements)])]}));
    let mut grants = Engine::new(scps).evaluate_account(&acct);
    assert_eq!(grants.len(), 1);
    grants.remove(0)
}

fn allow(actions: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": "*"})
}

// --- ActionSet -----------------------------------------------------------------------------

#[test]
fn action_set_basics() {
    let n = catalog().len();
    let mut s = ActionSet::new();
    assert!(s.is_empty());
    assert_eq!(s.len(), 0);
    assert!(s.insert(5));
    assert!(!s.insert(5));
    assert!(s.insert(n as ActionId - 1));
    assert!(s.insert(200));
    assert_eq!(s.iter().collect::<Vec<_>>(), [5, 200, n as ActionId - 1]);
    assert_eq!(s.len(), 3);
    assert!(s.contains(200) && !s.contains(201) && !s.contains(n as ActionId + 10));
    assert!(s.remove(n as ActionId - 1) && !s.remove(n as ActionId - 1));
    assert_eq!(s, [200, 5].into_iter().collect::<ActionSet>());
    let full = ActionSet::full();
    assert_eq!(full.len(), n);
    assert_eq!(full.iter().last(), Some(n as ActionId - 1));
    assert_eq!(s.complemented().len(), n - 2);
    assert_eq!(s.complemented().complemented(), s);
    assert!(ActionSet::new().complemented() == full);
    assert!(full.complemented().is_empty());
    assert!(s.is_subset(&full) && !full.is_subset(&s));
    assert!(s.intersects(&full) && !s.intersects(&ActionSet::new()));
    let dbg = format!("{s:?}");
    assert!(dbg.starts_with("ActionSet(2: ["), "{dbg}");
}

proptest::proptest! {
    #[test]
    fn action_set_matches_a_btreeset(
        a in proptest::collection::vec(0u32..22_383, 0..40),
        b in proptest::collection::vec(0u32..22_383, 0..40),
        clustered in proptest::bool::ANY,
    ) {
        // Clustered ids exercise overlapping word ranges; spread ones disjoint ranges.
        let fix = |v: Vec<u32>| -> Vec<u32> {
            if clustered { v.into_iter().map(|x| 1000 + x % 700).collect() } else { v }
        };
        let (a, b) = (fix(a), fix(b));
        let sa: ActionSet = a.iter().copied().collect();
        let sb: ActionSet = b.iter().copied().collect();
        let ma: BTreeSet<u32> = a.iter().copied().collect();
        let mb: BTreeSet<u32> = b.iter().copied().collect();
        let v = |s: &ActionSet| s.iter().collect::<Vec<_>>();
        let m = |s: BTreeSet<u32>| s.into_iter().collect::<Vec<_>>();
        proptest::prop_assert_eq!(v(&sa), m(ma.clone()));
        proptest::prop_assert_eq!(v(&sa.union(&sb)), m(&ma | &mb));
        proptest::prop_assert_eq!(v(&sa.intersection(&sb)), m(&ma & &mb));
        proptest::prop_assert_eq!(v(&sa.difference(&sb)), m(&ma - &mb));
        proptest::prop_assert_eq!(sa.complemented().len(), catalog().len() - ma.len());
        proptest::prop_assert_eq!(sa.is_subset(&sb), ma.is_subset(&mb));
        proptest::prop_assert_eq!(sa.intersects(&sb), !ma.is_disjoint(&mb));
        // Normal form: equal sets are equal values, whatever the construction.
        let rebuilt: ActionSet = (&ma & &mb).into_iter().collect();
        proptest::prop_assert_eq!(sa.intersection(&sb), rebuilt);
        let mut removed = sa.clone();
        for x in &a { removed.remove(*x); }
        proptest::prop_assert_eq!(removed, ActionSet::new());
    }
}

// --- Expansion ----------------------------------------------------------------------------

#[test]
fn expand_exact_against_the_bundle() {
    let mut e = Engine::new(Vec::new());
    let get = expected(|s, a| s == "s3" && a.to_ascii_lowercase().starts_with("get"));
    assert!(get.len() > 50);
    assert_eq!(names(e.expand("s3:Get*")), get);
    assert_eq!(names(e.expand("S3:get*")), get);
    // `*` alone, and `*:*`: the whole catalog.
    let all = expected(|_, _| true);
    assert_eq!(all.len(), catalog().len());
    assert_eq!(names(e.expand("*")), all);
    assert_eq!(e.expand("*:*").len(), catalog().len());
    // `s3:*`: the service; `*:Get*`: every service.
    assert_eq!(names(e.expand("s3:*")), expected(|s, _| s == "s3"));
    assert_eq!(
        names(e.expand("*:Get*")),
        expected(|_, a| a.to_ascii_lowercase().starts_with("get"))
    );
    // `?` is exactly one character; compared with an independent matcher.
    for pat in [
        "s3:GetObjec?",
        "ec2:?escribeTag?",
        "?am:*Role?olicy",
        "s3?GetObject",
    ] {
        let want = expected(|s, a| recursive_glob(pat, &format!("{s}:{a}")));
        assert!(!want.is_empty(), "{pat}");
        assert_eq!(names(e.expand(pat)), want, "pattern {pat}");
    }
    assert_eq!(
        names(e.expand("s3:GetObjec?")),
        ["s3:GetObject".to_owned()].into()
    );
    // Case-insensitive exact names.
    assert_eq!(
        e.expand("S3:getobject").iter().collect::<Vec<_>>(),
        [id("s3:GetObject")]
    );
    // Unknown service or action, empty, or no colon with no match: nothing.
    assert!(e.expand("nosuchservice:*").is_empty());
    assert!(e.expand("s3:NoSuchAction").is_empty());
    assert!(e.expand("").is_empty());
    assert!(e.expand("s3").is_empty());
    // Cached per pattern, case-folded.
    let before = e.patterns.len();
    e.expand("S3:GET*");
    assert_eq!(e.patterns.len(), before);
}

// --- Statement semantics ------------------------------------------------------------------

#[test]
fn not_action_allow_is_the_complement() {
    let g = one_user(
        json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
        vec![],
    );
    assert_eq!(names(&g.granted), expected(|s, _| s != "iam"));
    assert!(g.conditional.is_empty());
    assert!(!g.granted.contains(id("iam:CreateUser")));
    assert!(g.granted.contains(id("s3:GetObject")));
}

#[test]
fn unconditional_deny_removes() {
    let g = one_user(
        json!([allow(json!("s3:*")),
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "S3:deletebucket"}]),
        vec![],
    );
    assert!(!g.granted.contains(id("s3:DeleteObject")));
    assert!(!g.granted.contains(id("s3:DeleteBucket")));
    assert!(g.granted.contains(id("s3:GetObject")));
    assert_eq!(g.granted.len(), expected(|s, _| s == "s3").len() - 2);
    assert!(g.conditional.is_empty());
    // A Deny NotAction removes everything else.
    let g = one_user(
        json!([allow(json!("*")),
            {"Effect": "Deny", "NotAction": ["s3:Get*", "sts:*"], "Resource": "*"}]),
        vec![],
    );
    assert_eq!(
        names(&g.granted),
        expected(|s, a| s == "sts" || (s == "s3" && a.to_ascii_lowercase().starts_with("get")))
    );
}

#[test]
fn conditional_or_scoped_deny_marks_conditional() {
    let g = one_user(
        json!([allow(json!(["s3:DeleteObject", "s3:PutObject", "s3:GetObject"])),
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
            {"Effect": "Deny", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::prod-bucket/*"},
            {"Effect": "Deny", "Action": "s3:GetObject",
             "NotResource": "arn:aws:s3:::public/*"}]),
        vec![],
    );
    let all3: ActionSet = ["s3:DeleteObject", "s3:PutObject", "s3:GetObject"]
        .map(id)
        .into_iter()
        .collect();
    assert_eq!(g.granted, all3);
    assert_eq!(g.conditional, all3);
}

#[test]
fn condition_on_allow_is_conditional() {
    let g = one_user(
        json!([
            {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"],
             "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}},
            // Also allowed unconditionally elsewhere: not conditional.
            {"Effect": "Allow", "Action": "ec2:StopInstances",
             "Resource": "arn:aws:ec2:*:*:instance/i-1"}]),
        vec![],
    );
    assert!(g.granted.contains(id("ec2:StartInstances")));
    assert!(g.granted.contains(id("ec2:StopInstances")));
    assert_eq!(
        g.conditional.iter().collect::<Vec<_>>(),
        [id("ec2:StartInstances")]
    );
}

// --- Boundary and SCPs --------------------------------------------------------------------

#[test]
fn boundary_intersects() {
    let mut u = user_json("u", &[("p", json!([allow(json!("s3:*"))]))]);
    u["PermissionsBoundary"] = json!({
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/Boundary")
    });
    let acct = account(json!({
        "UserDetailList": [u],
        "Policies": [managed_json("Boundary", &[("v1", true, json!([
            allow(json!("s3:Get*")),
            {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
        ]))])]
    }));
    let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
    let mut want = expected(|s, a| s == "s3" && a.to_ascii_lowercase().starts_with("get"));
    want.remove("s3:GetObjectAcl");
    assert_eq!(names(&g.granted), want);
    assert!(g.conditional.is_empty());
    assert_eq!(
        g.boundary.as_deref(),
        Some("arn:aws:iam::123456789012:policy/Boundary")
    );
    assert!(g.is_complete());
    // Sources are the identity policies only; the boundary grants nothing.
    assert_eq!(g.granted_by(id("s3:GetObject")), ["inline:p"]);
    assert!(g.granted_by(id("iam:CreateUser")).is_empty());
}

#[test]
fn missing_boundary_is_unknown_and_not_applied() {
    let mut u = user_json("u", &[("p", json!([allow(json!("s3:GetObject"))]))]);
    u["PermissionsBoundary"] = json!({
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"
    });
    let acct = account(json!({"UserDetailList": [u]}));
    let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
    assert_eq!(g.granted.iter().collect::<Vec<_>>(), [id("s3:GetObject")]);
    assert_eq!(
        g.unknown_policies,
        ["boundary:arn:aws:iam::aws:policy/PowerUserAccess"]
    );
    assert!(!g.is_complete());
}

#[test]
fn scps_intersect_and_deny() {
    let scp_allow = pol(doc(json!([allow(json!(["s3:*", "ec2:*"]))])));
    let scp_cond = pol(doc(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    ])));
    let scp_deny = pol(doc(json!([
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/role": "admin"}}}
    ])));
    let statements = json!([allow(json!([
        "s3:GetObject",
        "s3:DeleteBucket",
        "ec2:TerminateInstances",
        "ec2:DescribeInstances",
        "iam:ListUsers"
    ]))]);

    // SCP allow-list intersects; a deny-only SCP removes without intersecting.
    let g = one_user(
        statements.clone(),
        vec![scp_allow.clone(), scp_deny.clone()],
    );
    let set = |v: &[&str]| v.iter().map(|n| id(n)).collect::<ActionSet>();
    assert_eq!(
        g.granted,
        set(&[
            "s3:GetObject",
            "ec2:TerminateInstances",
            "ec2:DescribeInstances"
        ])
    );
    assert_eq!(g.conditional, set(&["ec2:TerminateInstances"]));
    assert!(g.scps_applied);

    // A conditional SCP allow makes everything it lets through conditional.
    let g = one_user(statements.clone(), vec![scp_cond]);
    assert_eq!(g.granted.len(), 5);
    assert_eq!(g.conditional, g.granted);

    // Without SCPs.
    let g = one_user(statements, vec![]);
    assert_eq!(g.granted.len(), 5);
    assert!(!g.scps_applied);
}

#[test]
fn scp_levels_union_within_and_intersect_across_with_the_management_account_exempt() {
    let acct = account(
        json!({"UserDetailList": [user_json("u", &[("p", json!([allow(json!([
            "s3:GetObject", "ec2:DescribeInstances", "iam:ListUsers", "kms:Decrypt"
        ]))]))])]}),
    );
    let org_json = |management: &str| {
        json!({
            "ManagementAccountId": management,
            "Policies": {
                "p-full": doc(json!([allow(json!("*"))])),
                "p-s3": doc(json!([allow(json!("s3:*"))])).to_string(),
                "p-ec2": doc(json!([allow(json!(["ec2:*", "kms:*"]))])),
                "p-nokms": doc(json!([{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}])),
            },
            // Two allow lists at one OU: their union passes (s3, ec2, kms); the account's own
            // level is FullAWSAccess plus a deny list.
            "Targets": {"r-1": ["p-full"], "ou-1": ["p-s3", "p-ec2"], ACCT: ["p-full", "p-nokms"]},
            "Parents": {ACCT: "ou-1", "ou-1": "r-1"}
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, org_json("999999999999").to_string()).unwrap();
    let org = load_organization(&path).unwrap();
    assert_eq!(org.levels(ACCT).unwrap().len(), 3);
    let g = Engine::new(vec![])
        .with_organization(org)
        .evaluate_account(&acct)
        .remove(0);
    let set = |v: &[&str]| v.iter().map(|n| id(n)).collect::<ActionSet>();
    assert_eq!(g.granted, set(&["s3:GetObject", "ec2:DescribeInstances"]));
    assert!(g.scps_applied);
    // The management account: no SCP applies.
    std::fs::write(&path, org_json(ACCT).to_string()).unwrap();
    let g = Engine::new(vec![])
        .with_organization(load_organization(&path).unwrap())
        .evaluate_account(&acct)
        .remove(0);
    assert_eq!(g.granted.len(), 4);
    assert!(!g.scps_applied);
    // `--scp` files are one level: two allow lists are unioned, not intersected.
    let g = one_user(
        json!([allow(json!(["s3:GetObject", "ec2:DescribeInstances"]))]),
        vec![
            pol(doc(json!([allow(json!("s3:*"))]))),
            pol(doc(json!([allow(json!("ec2:*"))]))),
        ],
    );
    assert_eq!(g.granted.len(), 2);
    // A policy id the targets name but the file lacks is an error naming the file.
    std::fs::write(
        &path,
        json!({"Policies": {}, "Targets": {"r-1": ["p-x"]}}).to_string(),
    )
    .unwrap();
    let err = load_organization(&path).unwrap_err().to_string();
    assert!(err.contains("org.json") && err.contains("p-x"), "{err}");
}

#[test]
fn resource_control_policies_bound_the_resources_of_their_accounts() {
    use crate::iam::engine::{Conditions, Decision};
    let acct = account(
        json!({"UserDetailList": [user_json("u", &[("p", json!([allow(json!([
            "s3:DeleteObject", "s3:GetObject", "kms:Decrypt", "ec2:DescribeInstances"
        ]))]))])]}),
    );
    let org_json = |management: &str| {
        json!({
            "ManagementAccountId": management,
            "Policies": {
                "p-full": doc(json!([allow(json!("*"))])),
                "rcp-full": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": "*", "Action": "*", "Resource": "*"}]},
                "rcp-prod": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
                    "Principal": "*", "Action": "s3:DeleteObject",
                    "Resource": "arn:aws:s3:::prod-*/*"}]},
                "rcp-perimeter": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
                    "Principal": "*", "Action": ["kms:*", "ec2:*"], "Resource": "*",
                    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}]},
            },
            "Targets": {"r-1": ["p-full"], "ou-1": ["p-full"], ACCT: ["p-full"]},
            "Parents": {ACCT: "ou-1", "ou-1": "r-1"},
            "ResourceControlPolicies": {"r-1": ["rcp-full"], "ou-1": ["rcp-prod"], ACCT: ["rcp-perimeter"]}
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, org_json("999999999999").to_string()).unwrap();
    let org = load_organization(&path).unwrap();
    assert_eq!(org.rcps(ACCT), ["rcp-full", "rcp-prod", "rcp-perimeter"]);
    let g = Engine::new(vec![])
        .with_organization(org)
        .evaluate_account(&acct)
        .remove(0);
    // They bound resources, not the principal: still granted, marked conditional (only the
    // services RCPs cover: ec2 is not one).
    assert_eq!(g.granted.len(), 4);
    for a in ["s3:DeleteObject", "kms:Decrypt"] {
        assert!(g.conditional.contains(id(a)), "{a}");
    }
    assert!(!g.conditional.contains(id("ec2:DescribeInstances")));
    assert!(!g.conditional.contains(id("s3:GetObject")));
    let key = format!("arn:aws:kms:eu-west-1:{ACCT}:key/k");
    let other_key = "arn:aws:kms:eu-west-1:444455556666:key/k";
    let d = |a: &str, r: &str, how| g.decide(id(a), r, how);
    assert_eq!(
        d("s3:DeleteObject", "arn:aws:s3:::prod-a/k", Conditions::Fail),
        Decision::ExplicitDeny
    );
    assert_eq!(
        d("s3:DeleteObject", "arn:aws:s3:::dev/k", Conditions::Hold),
        Decision::Allowed
    );
    assert_eq!(
        d("s3:GetObject", "arn:aws:s3:::prod-a/k", Conditions::Hold),
        Decision::Allowed
    );
    assert_eq!(
        d("kms:Decrypt", &key, Conditions::Hold),
        Decision::ExplicitDeny
    );
    assert_eq!(d("kms:Decrypt", &key, Conditions::Fail), Decision::Allowed);
    // Another account's key: its own RCPs (none known here) decide, not this account's.
    assert_eq!(
        d("kms:Decrypt", other_key, Conditions::Hold),
        Decision::Allowed
    );
    // ec2 is not a service RCPs bound.
    assert_eq!(
        d("ec2:DescribeInstances", "*", Conditions::Hold),
        Decision::Allowed
    );
    // The management account's resources are outside RCPs.
    std::fs::write(&path, org_json(ACCT).to_string()).unwrap();
    let g = Engine::new(vec![])
        .with_organization(load_organization(&path).unwrap())
        .evaluate_account(&acct)
        .remove(0);
    assert_eq!(
        g.decide(
            id("s3:DeleteObject"),
            "arn:aws:s3:::prod-a/k",
            Conditions::Fail
        ),
        Decision::Allowed
    );
    assert!(g.conditional.is_empty());
    // An RCP id the file lacks is an error naming the file and the key.
    std::fs::write(
        &path,
        json!({"Policies": {}, "ResourceControlPolicies": {"r-1": ["rcp-x"]}}).to_string(),
    )
    .unwrap();
    let err = load_organization(&path).unwrap_err().to_string();
    assert!(
        err.contains("org.json")
            && err.contains("ResourceControlPolicies.r-1")
            && err.contains("rcp-x"),
        "{err}"
    );
}

#[test]
fn scps_skip_service_linked_roles() {
    let acct = account(json!({"RoleDetailList": [{
        "RoleName": "AWSServiceRoleForX", "RoleId": "AROAX",
        "Path": "/aws-service-role/x.amazonaws.com/",
        "Arn": format!("arn:aws:iam::{ACCT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"),
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": doc(json!([allow(json!("s3:GetObject"))]))}],
        "AttachedManagedPolicies": []
    }]}));
    let deny_all = pol(doc(
        json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
    ));
    let g = &Engine::new(vec![deny_all]).evaluate_account(&acct)[0];
    assert_eq!(g.kind, PrincipalKind::Role);
    assert!(!g.scps_applied);
    assert_eq!(g.granted.len(), 1);
}

#[test]
fn load_scps_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &good,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
    )
    .unwrap();
    std::fs::write(
        &bad,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"deny","Action":"s3:*"}}"#,
    )
    .unwrap();
    let scps = load_scps(std::slice::from_ref(&good)).unwrap();
    assert_eq!(scps.len(), 1);
    let err = load_scps(&[good.clone(), bad.clone()])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&bad.display().to_string()), "{err}");
    assert!(err.contains("Effect"), "{err}");
    let missing = dir.path().join("missing.json");
    let err = load_scps(std::slice::from_ref(&missing))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&missing.display().to_string()), "{err}");
}

// --- Authorization details fixtures -------------------------------------------------------

fn cli_grants() -> Vec<Grant> {
    let inv = Inventory::load(&[fixture("auth-details-cli.json")]).unwrap();
    let acct = inv.account("111122223333").unwrap();
    Engine::new(vec![]).evaluate_account(acct)
}

fn find<'a>(grants: &'a [Grant], name: &str) -> &'a Grant {
    grants.iter().find(|g| g.name == name).unwrap()
}

#[test]
fn group_policies_reach_the_user_and_boundary_applies() {
    let grants = cli_grants();
    // 5 users, 6 roles: nothing skipped.
    assert_eq!(grants.len(), 11);
    let alice = find(&grants, "alice");
    assert_eq!(alice.kind, PrincipalKind::User);
    assert_eq!(alice.principal_arn, "arn:aws:iam::111122223333:user/alice");
    assert!(alice.is_complete() && alice.errors.is_empty());
    let labels: Vec<&str> = alice.sources.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "group:developers/inline:dev-s3-access",
            "group:developers/managed:arn:aws:iam::111122223333:policy/DeveloperAccess"
        ]
    );
    assert_eq!(alice.sources[0].group.as_deref(), Some("developers"));
    assert_eq!(alice.sources[0].arn, None);
    // Group inline: s3:GetObject and s3:ListBucket on one bucket.
    assert_eq!(
        alice.granted_by(id("s3:GetObject")),
        ["group:developers/inline:dev-s3-access"]
    );
    assert_eq!(
        alice.resources_for(id("s3:GetObject")),
        [
            "arn:aws:s3:::example-dev-data",
            "arn:aws:s3:::example-dev-data/*"
        ]
    );
    // DeveloperAccess v2 (default) through the group; DeveloperBoundary keeps ec2, logs,
    // s3 and iam:PassRole.
    let mut want: BTreeSet<String> =
        expected(|s, a| s == "ec2" && a.to_ascii_lowercase().starts_with("describe"));
    want.extend(
        [
            "logs:GetLogEvents",
            "logs:FilterLogEvents",
            "s3:ListAllMyBuckets",
            "iam:PassRole",
            "s3:GetObject",
            "s3:ListBucket",
        ]
        .map(String::from),
    );
    assert_eq!(names(&alice.granted), want);
    assert_eq!(
        alice.conditional.iter().collect::<Vec<_>>(),
        [id("iam:PassRole")]
    );
    let st = alice.statements_for(id("iam:PassRole"));
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].statement, "PassAppRole");
    assert_eq!(st[0].conditions.len(), 1);
    assert_eq!(
        alice.resources_for(id("iam:PassRole")),
        ["arn:aws:iam::111122223333:role/app/*"]
    );

    // dave: same group, no boundary: same grant here (the boundary removed nothing).
    let dave = find(&grants, "dave");
    assert_eq!(dave.granted, alice.granted);
    assert_eq!(dave.boundary, None);
}

#[test]
fn managed_policy_default_version_is_used() {
    let grants = cli_grants();
    let ec2_app = find(&grants, "ec2-app");
    assert_eq!(ec2_app.kind, PrincipalKind::Role);
    // v2 (default) only: v1 would grant ec2:*, iam:*, s3:*.
    assert!(ec2_app.granted.contains(id("ec2:DescribeInstances")));
    assert!(!ec2_app.granted.contains(id("ec2:RunInstances")));
    assert!(!ec2_app.granted.contains(id("iam:CreateUser")));
    assert!(!ec2_app.granted.contains(id("s3:GetObject")));
    assert_eq!(
        ec2_app.granted.len(),
        expected(|s, a| s == "ec2" && a.to_ascii_lowercase().starts_with("describe")).len() + 4
    );
    assert_eq!(
        ec2_app.granted_by(id("logs:GetLogEvents")),
        ["managed:arn:aws:iam::111122223333:policy/DeveloperAccess"]
    );
    // bob: inline, two statements.
    let bob = find(&grants, "bob");
    assert_eq!(names(&bob.granted), {
        let mut w = expected(|s, _| s == "cloudformation");
        w.extend(["s3:PutObject", "s3:GetObject"].map(String::from));
        w
    });
    assert_eq!(
        bob.resources_for(id("s3:PutObject")),
        ["arn:aws:s3:::example-ci-artifacts/*"]
    );
    assert_eq!(bob.resources_for(id("cloudformation:CreateStack")), ["*"]);
    assert!(bob.resources_for(id("ec2:RunInstances")).is_empty());
    // Admins: the whole catalog; erin: nothing, yet complete.
    assert_eq!(find(&grants, "carol-admin").granted, ActionSet::full());
    assert_eq!(find(&grants, "legacy-deploy").granted, ActionSet::full());
    let erin = find(&grants, "erin");
    assert!(erin.granted.is_empty() && erin.is_complete() && erin.sources.is_empty());
}

#[test]
fn missing_aws_managed_policy_is_unknown() {
    let inv = Inventory::load(&[
        fixture("auth-details-api-page1.json"),
        fixture("auth-details-api-page2.json"),
    ])
    .unwrap();
    let acct = inv.account("444455556666").unwrap();
    let grants = Engine::new(vec![]).evaluate_account(acct);
    let grace = find(&grants, "grace");
    assert!(grace.granted.is_empty());
    assert!(grace.sources.is_empty());
    assert_eq!(
        grace.unknown_policies,
        ["managed:arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );
    assert!(!grace.is_complete());
    assert!(grace.errors.is_empty());
    let frank = find(&grants, "frank");
    assert_eq!(
        frank.unknown_policies,
        ["group:ops/managed:arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );
    assert!(frank.granted.contains(id("secretsmanager:GetSecretValue")));
    assert!(frank.granted.contains(id("iam:PassRole")));
    assert_eq!(
        frank.granted_by(id("iam:PassRole")),
        ["group:ops/inline:ops-iam"]
    );
    let admin = find(&grants, "OrganizationAccountAccessRole");
    assert!(admin.granted.is_empty());
    assert_eq!(
        admin.unknown_policies,
        ["managed:arn:aws:iam::aws:policy/AdministratorAccess"]
    );
}

#[test]
fn missing_group_and_bad_document_are_unknown() {
    let mut u = user_json(
        "u",
        &[
            ("good", json!([allow(json!("s3:GetObject"))])),
            (
                "bad",
                json!([{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]),
            ),
        ],
    );
    u["GroupList"] = json!(["ghosts"]);
    let acct = account(json!({"UserDetailList": [u]}));
    let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
    assert_eq!(g.granted.iter().collect::<Vec<_>>(), [id("s3:GetObject")]);
    assert_eq!(g.unknown_policies, ["inline:bad", "group:ghosts"]);
    assert_eq!(g.errors.len(), 1);
    assert!(
        g.errors[0].starts_with("inline:bad: Statement[0]"),
        "{:?}",
        g.errors
    );
}

#[test]
fn shared_policies_are_evaluated_once_per_account() {
    let grants = cli_grants();
    let a = &find(&grants, "alice").sources;
    let d = &find(&grants, "dave").sources;
    // The group inline policy and DeveloperAccess are the same evaluations.
    assert!(Arc::ptr_eq(&a[0].eval, &d[0].eval));
    assert!(Arc::ptr_eq(&a[1].eval, &d[1].eval));
    let ec2_app = &find(&grants, "ec2-app").sources;
    assert!(Arc::ptr_eq(&a[1].eval, &ec2_app[0].eval));
}

// --- Scale --------------------------------------------------------------------------------

/// A synthetic account: `users` users and as many roles, 40 customer managed policies, 20
/// groups, boundaries on a third of the users.
fn synthetic_account(users: usize) -> AccountDetails {
    let patterns = [
        "s3:Get*",
        "s3:List*",
        "ec2:Describe*",
        "logs:*",
        "iam:Get*",
        "iam:List*",
        "dynamodb:*Item",
        "lambda:Invoke*",
        "sqs:*",
        "sns:Publish",
        "kms:Decrypt",
        "cloudwatch:*",
        "*:Describe*",
        "ssm:GetParameter?",
        "sts:AssumeRole",
    ];
    let stmt = |i: usize| {
        json!({"Effect": "Allow",
               "Action": [patterns[i % patterns.len()], patterns[(i * 7 + 3) % patterns.len()]],
               "Resource": if i.is_multiple_of(2) { json!(format!("arn:aws:s3:::bucket-{i}/*")) } else { json!("*") }})
    };
    let policies: Vec<Value> = (0..40)
        .map(|i| {
            let mut p = managed_json(
                &format!("pol{i}"),
                &[(
                    "v1",
                    true,
                    json!([stmt(i), stmt(i + 1),
                    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]),
                )],
            );
            p["PolicyName"] = json!(format!("pol{i}"));
            p
        })
        .collect();
    let parn = |i: usize| format!("arn:aws:iam::{ACCT}:policy/pol{}", i % 40);
    let groups: Vec<Value> = (0..20)
        .map(|i| {
            json!({"GroupName": format!("g{i}"), "GroupId": format!("AGPA{i}"), "Path": "/",
                "Arn": format!("arn:aws:iam::{ACCT}:group/g{i}"),
                "GroupPolicyList": [{"PolicyName": "gi", "PolicyDocument": doc(json!([stmt(i * 3)]))}],
                "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": parn(i)}]})
        })
        .collect();
    let mut ulist = Vec::new();
    let mut rlist = Vec::new();
    for i in 0..users {
        let mut u = user_json(
            &format!("user{i:05}"),
            &[(
                "own",
                json!([stmt(i), {"Effect": "Allow", "Action": format!("s3:Put{}*", ["Object", "Bucket"][i % 2]),
                    "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]),
            )],
        );
        u["GroupList"] = json!([format!("g{}", i % 20), format!("g{}", (i + 7) % 20)]);
        u["AttachedManagedPolicies"] = json!([{"PolicyName": "x", "PolicyArn": parn(i)}]);
        if i % 3 == 0 {
            u["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": parn(i + 5)});
        }
        ulist.push(u);
        rlist.push(
            json!({"RoleName": format!("role{i:05}"), "RoleId": format!("AROA{i}"), "Path": "/",
            "Arn": format!("arn:aws:iam::{ACCT}:role/role{i:05}"),
            "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": doc(json!([stmt(i + 11)]))}],
            "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": parn(i + 1)},
                                        {"PolicyName": "y", "PolicyArn": parn(i + 2)}]}),
        );
    }
    account(json!({"UserDetailList": ulist, "GroupDetailList": groups,
                   "RoleDetailList": rlist, "Policies": policies}))
}

/// Prints how long 5,000 principals take (not a timed assertion; run with `--ignored
/// --nocapture`). The benchmark is `benches/engine.rs`.
#[test]
#[ignore]
fn five_thousand_principals() {
    let acct = synthetic_account(2_500);
    let scp = pol(doc(
        json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]),
    ));
    let t = std::time::Instant::now();
    let grants = Engine::new(vec![scp]).evaluate_account(&acct);
    let elapsed = t.elapsed();
    assert_eq!(grants.len(), 5_000);
    let total: usize = grants.iter().map(|g| g.granted.len()).sum();
    println!(
        "evaluated {} principals in {elapsed:?} ({total} granted actions in all)",
        grants.len()
    );
}

#[test]
fn synthetic_account_is_sane() {
    let acct = synthetic_account(30);
    let grants = Engine::new(vec![]).evaluate_account(&acct);
    assert_eq!(grants.len(), 60);
    // A statement applies only to actions its resources can take, so a boundary of
    // bucket-scoped statements may leave a principal nothing; most keep something.
    let nonempty = grants.iter().filter(|g| !g.granted.is_empty()).count();
    assert!(
        nonempty >= 45,
        "{nonempty} of 60 principals are granted anything"
    );
    for g in &grants {
        assert!(g.is_complete(), "{:?}", g.unknown_policies);
        assert!(g.conditional.is_subset(&g.granted));
        assert!(!g.granted.contains(id("s3:DeleteBucket")));
    }
}
