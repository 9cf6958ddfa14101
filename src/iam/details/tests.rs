//! Tests of reading, merging and resolving authorization details.

use super::model::name_from_arn;
use super::*;
use crate::time::parse_event_time;
use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/iam")).join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn ms(s: &str) -> i64 {
    parse_event_time(s).unwrap()
}

fn cli() -> AccountDetails {
    let inv = Inventory::load(&[fixture("auth-details-cli.json")]).unwrap();
    assert_eq!(inv.accounts.len(), 1);
    inv.accounts.into_values().next().unwrap()
}

fn api_pages() -> Inventory {
    Inventory::load(&[
        fixture("auth-details-api-page1.json"),
        fixture("auth-details-api-page2.json"),
    ])
    .unwrap()
}

fn err(name: &str, bytes: &[u8]) -> String {
    Inventory::parse_bytes(name, bytes).unwrap_err().to_string()
}

#[test]
fn cli_form_users() {
    let a = cli();
    assert_eq!(a.account, "111122223333");
    assert_eq!(a.partition, "aws");
    assert!(!a.truncated);
    assert_eq!(a.sources, vec![fixture("auth-details-cli.json")]);
    let names: Vec<&str> = a.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol-admin", "dave", "erin"]);

    let alice = a.user("alice").unwrap();
    assert_eq!(alice.id, "AIDAQ3EGQKLZALICE0001");
    assert_eq!(alice.arn, "arn:aws:iam::111122223333:user/alice");
    assert_eq!(alice.path, "/");
    assert_eq!(alice.create_date, Some(ms("2021-03-15T10:22:31Z")));
    assert_eq!(alice.groups, ["developers"]);
    assert!(alice.inline.is_empty() && alice.attached.is_empty());
    assert_eq!(
        alice.permissions_boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/DeveloperBoundary")
    );
    assert_eq!(alice.tags, [("team".to_owned(), "platform".to_owned())]);

    let bob = a.user("bob").unwrap();
    assert_eq!(bob.path, "/ci/");
    assert_eq!(bob.arn, "arn:aws:iam::111122223333:user/ci/bob");
    assert_eq!(bob.inline.len(), 1);
    assert_eq!(bob.inline[0].name, "bob-ci-deploy");
    assert_eq!(
        bob.inline[0].document["Statement"][1]["Action"],
        "cloudformation:*"
    );
    assert!(bob.groups.is_empty() && bob.permissions_boundary.is_none());

    let carol = a.user("carol-admin").unwrap();
    assert_eq!(
        carol.attached,
        [AttachedPolicy {
            name: "AdministratorAccess".into(),
            arn: "arn:aws:iam::aws:policy/AdministratorAccess".into()
        }]
    );
    assert!(a.user("mallory").is_none());
}

#[test]
fn cli_form_roles() {
    let a = cli();
    let names: Vec<&str> = a.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
            "AWSServiceRoleForSupport",
            "ec2-app",
            "legacy-deploy",
            "partner-audit",
            "public-assume"
        ]
    );
    let slr = a.role("AWSServiceRoleForSupport").unwrap();
    assert!(slr.is_service_linked() && !slr.is_identity_center());
    let sso = a
        .role("AWSReservedSSO_AdministratorAccess_0123456789abcdef")
        .unwrap();
    assert!(sso.is_identity_center() && !sso.is_service_linked());
    assert_eq!(
        sso.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["Federated"],
        "arn:aws:iam::111122223333:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    );

    let partner = a.role("partner-audit").unwrap();
    assert!(!partner.is_service_linked() && !partner.is_identity_center());
    let trust = partner.trust_policy.as_ref().unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::999988887777:root"
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "c0ffee-partner-7f3a"
    );
    assert_eq!(partner.role_last_used, Some(ms("2023-09-14T07:12:45Z")));
    assert_eq!(partner.role_last_used_region.as_deref(), Some("eu-west-1"));
    assert_eq!(partner.tags.len(), 2);

    let legacy = a.role("legacy-deploy").unwrap();
    assert_eq!(legacy.role_last_used, None);
    assert_eq!(legacy.role_last_used_region, None);
    assert_eq!(legacy.create_date, Some(ms("2018-09-12T14:20:00Z")));
    assert_eq!(legacy.inline[0].document["Statement"][0]["Action"], "*");

    let app = a.role("ec2-app").unwrap();
    assert_eq!(app.instance_profiles, ["ec2-app"]);
    assert_eq!(app.path, "/app/");
}

#[test]
fn cli_form_policies() {
    let a = cli();
    let arns: Vec<&str> = a.policies.iter().map(|p| p.arn.as_str()).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::111122223333:policy/DeveloperAccess",
            "arn:aws:iam::111122223333:policy/DeveloperBoundary",
            "arn:aws:iam::111122223333:policy/legacy/LegacyBilling",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
        ]
    );
    let dev = a
        .policy("arn:aws:iam::111122223333:policy/DeveloperAccess")
        .unwrap();
    assert!(!dev.aws_managed && dev.is_attachable);
    assert_eq!(dev.default_version_id.as_deref(), Some("v2"));
    let doc = dev.default_document.as_ref().unwrap();
    assert_eq!(doc["Statement"][1]["Sid"], "PassAppRole");
    assert_eq!(dev.other_versions.len(), 1);
    assert_eq!(dev.other_versions[0].version_id, "v1");
    assert_eq!(
        dev.other_versions[0].document["Statement"][0]["Action"][1],
        "iam:*"
    );
    assert_eq!(dev.attachment_count, Some(2));
    assert_eq!(dev.create_date, Some(ms("2020-11-02T09:05:00Z")));
    assert_eq!(dev.update_date, Some(ms("2023-04-18T15:10:00Z")));
    assert_eq!(
        dev.description.as_deref(),
        Some("What developers and the app instances may do")
    );

    let legacy = a
        .policy("arn:aws:iam::111122223333:policy/legacy/LegacyBilling")
        .unwrap();
    assert_eq!(legacy.name, "LegacyBilling");
    assert_eq!(legacy.path, "/legacy/");
    assert_eq!(
        (
            legacy.attachment_count,
            legacy.permissions_boundary_usage_count
        ),
        (Some(0), Some(0))
    );
    let boundary = a
        .policy("arn:aws:iam::111122223333:policy/DeveloperBoundary")
        .unwrap();
    assert_eq!(
        (
            boundary.attachment_count,
            boundary.permissions_boundary_usage_count
        ),
        (Some(0), Some(1))
    );
    let admin = a
        .policy("arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    assert!(admin.aws_managed);
    assert!(admin.other_versions.is_empty());
    assert_eq!(
        admin.default_document.as_ref().unwrap()["Statement"][0]["Action"],
        "*"
    );
    let support = a
        .policy("arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy")
        .unwrap();
    assert!(support.aws_managed && !support.is_attachable);
}

#[test]
fn user_policies_in_order_with_origins() {
    let a = cli();
    // Only group policies.
    let alice = a.user("alice").unwrap();
    let ps = a.user_policies(alice);
    assert_eq!(ps.len(), 2);
    assert_eq!(
        ps[0].kind,
        SourceKind::GroupInline {
            group: "developers"
        }
    );
    assert_eq!(ps[0].name, "dev-s3-access");
    assert_eq!(ps[0].arn, None);
    assert_eq!(
        ps[0].document.unwrap()["Statement"][0]["Action"][0],
        "s3:GetObject"
    );
    assert_eq!(
        ps[1].kind,
        SourceKind::GroupManaged {
            group: "developers",
            aws_managed: false
        }
    );
    assert_eq!(
        ps[1].arn,
        Some("arn:aws:iam::111122223333:policy/DeveloperAccess")
    );
    // The default version (v2), not v1.
    assert_eq!(
        ps[1].document.unwrap()["Statement"][1]["Sid"],
        "PassAppRole"
    );

    // Inline only.
    let bob = a.user_policies(a.user("bob").unwrap());
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0].kind, SourceKind::Inline);

    // AWS managed only.
    let carol = a.user_policies(a.user("carol-admin").unwrap());
    assert_eq!(carol.len(), 1);
    assert_eq!(carol[0].kind, SourceKind::Managed { aws_managed: true });
    assert_eq!(carol[0].document.unwrap()["Statement"][0]["Resource"], "*");

    // No policies at all.
    assert!(a.user_policies(a.user("erin").unwrap()).is_empty());
}

#[test]
fn role_policies() {
    let a = cli();
    let app = a.role_policies(a.role("ec2-app").unwrap());
    assert_eq!(app.len(), 1);
    assert_eq!(app[0].kind, SourceKind::Managed { aws_managed: false });
    assert!(app[0].document.is_some());
    let legacy = a.role_policies(a.role("legacy-deploy").unwrap());
    assert_eq!(legacy.len(), 1);
    assert_eq!(
        (legacy[0].kind, legacy[0].name),
        (SourceKind::Inline, "everything")
    );
}

#[test]
fn api_form_pages_merge() {
    let inv = api_pages();
    assert_eq!(inv.accounts.len(), 1);
    let a = inv.account("444455556666").unwrap();
    assert!(!a.truncated);
    assert_eq!(a.sources.len(), 2);
    assert_eq!(a.users.len(), 2);
    assert_eq!(a.groups.len(), 1);
    assert_eq!(a.roles.len(), 3);
    assert_eq!(a.policies.len(), 2);

    // URL-encoded documents decode to objects.
    let frank = a.user("frank").unwrap();
    assert_eq!(frank.create_date, Some(ms("2018-01-20T09:00:00Z")));
    assert_eq!(
        frank.inline[0].document["Statement"][0]["Action"][0],
        "secretsmanager:GetSecretValue"
    );
    assert_eq!(frank.tags[0].1, "ops 42");
    let org = a.role("OrganizationAccountAccessRole").unwrap();
    assert_eq!(
        org.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::999988887777:root"
    );
    // A plain JSON string.
    let batch = a.role("batch-worker").unwrap();
    assert_eq!(
        batch.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["Service"],
        "ecs-tasks.amazonaws.com"
    );
    assert_eq!(
        batch.permissions_boundary.as_deref(),
        Some("arn:aws:iam::444455556666:policy/OpsTooling")
    );
    let tooling = a
        .policy("arn:aws:iam::444455556666:policy/OpsTooling")
        .unwrap();
    assert_eq!(tooling.default_version_id.as_deref(), Some("v3"));
    assert_eq!(
        tooling.default_document.as_ref().unwrap()["Statement"][0]["Action"][0],
        "ssm:StartSession"
    );
    assert_eq!(tooling.other_versions[0].version_id, "v2");

    // frank: own inline, own managed, group inline, group AWS managed (absent: no document).
    let ps = a.user_policies(frank);
    let kinds: Vec<SourceKind> = ps.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Inline,
            SourceKind::Managed { aws_managed: false },
            SourceKind::GroupInline { group: "ops" },
            SourceKind::GroupManaged {
                group: "ops",
                aws_managed: true
            },
        ]
    );
    assert!(ps[1].document.is_some());
    assert_eq!(ps[3].name, "ReadOnlyAccess");
    assert_eq!(ps[3].document, None);

    // A role whose only policy is an AWS managed one not in the details.
    let rs = a.role_policies(org);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].kind, SourceKind::Managed { aws_managed: true });
    assert_eq!(
        rs[0].arn,
        Some("arn:aws:iam::aws:policy/AdministratorAccess")
    );
    assert_eq!(rs[0].document, None);
}

#[test]
fn concatenated_equals_separate_pages() {
    let pages = api_pages();
    for bytes in [
        read("auth-details-concatenated.json"),
        // One per line, as `jq -c` writes them.
        {
            let mut b = Vec::new();
            for name in ["auth-details-api-page1.json", "auth-details-api-page2.json"] {
                let v: Value = serde_json::from_slice(&read(name)).unwrap();
                b.extend(serde_json::to_vec(&v).unwrap());
                b.push(b'\n');
            }
            b
        },
        // A JSON array of pages.
        {
            let p1: Value = serde_json::from_slice(&read("auth-details-api-page1.json")).unwrap();
            let p2: Value = serde_json::from_slice(&read("auth-details-api-page2.json")).unwrap();
            serde_json::to_vec(&Value::Array(vec![p1, p2])).unwrap()
        },
    ] {
        let mut one = Inventory::parse_bytes("pages.json", &bytes).unwrap();
        let mut two = pages.clone();
        for a in one.accounts.values_mut().chain(two.accounts.values_mut()) {
            a.sources.clear();
        }
        assert_eq!(one, two);
    }
}

#[test]
fn several_accounts_and_duplicates() {
    let all = Inventory::load(&[
        fixture("auth-details-cli.json"),
        fixture("auth-details-api-page1.json"),
        fixture("auth-details-concatenated.json"),
        fixture("auth-details-api-page2.json"),
        fixture("auth-details-cli.json"),
    ])
    .unwrap();
    assert_eq!(
        all.accounts.keys().collect::<Vec<_>>(),
        ["111122223333", "444455556666"]
    );
    let mut a = all.accounts["444455556666"].clone();
    assert_eq!(a.sources.len(), 3);
    let mut b = api_pages().accounts["444455556666"].clone();
    a.sources.clear();
    b.sources.clear();
    assert_eq!(a, b);
    let mut c = all.accounts["111122223333"].clone();
    assert_eq!(c.sources.len(), 1);
    c.sources.clear();
    let mut d = cli();
    d.sources.clear();
    assert_eq!(c, d);

    // Both accounts in one file, one page each.
    let mut mixed = read("auth-details-cli.json");
    mixed.extend(read("auth-details-concatenated.json"));
    let m = Inventory::parse_bytes("mixed.json", &mixed).unwrap();
    assert_eq!(m.accounts.len(), 2);
    assert_eq!(m.accounts["111122223333"].users.len(), 5);
    assert_eq!(m.accounts["444455556666"].roles.len(), 3);
    // AWS managed policies stay with their own page's account.
    assert!(
        m.accounts["444455556666"]
            .policy("arn:aws:iam::aws:policy/AdministratorAccess")
            .is_none()
    );
}

fn aws_only_page(truncated: bool) -> String {
    format!(
        r#"{{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"IsTruncated":{truncated},
               "Policies":[{{"PolicyName":"ReadOnlyAccess","Arn":"arn:aws:iam::aws:policy/ReadOnlyAccess",
               "DefaultVersionId":"v1","AttachmentCount":3,"PolicyVersionList":[{{"VersionId":"v1",
               "IsDefaultVersion":true,"Document":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGet*%22%5D%2C%22Resource%22%3A%22*%22%7D%5D%7D"}}]}}]}}"#
    )
}

#[test]
fn aws_managed_only_page_takes_its_files_account() {
    let mut p1: Value = serde_json::from_slice(&read("auth-details-api-page1.json")).unwrap();
    p1["IsTruncated"] = Value::Bool(true);
    let mut file = serde_json::to_vec(&p1).unwrap();
    file.extend(aws_only_page(false).as_bytes());
    let inv = Inventory::parse_bytes("p.json", &file).unwrap();
    let a = &inv.accounts["444455556666"];
    assert!(!a.truncated);
    let ro = a.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert!(ro.aws_managed);
    assert_eq!(
        ro.default_document.as_ref().unwrap()["Statement"][0]["Action"][0],
        "s3:Get*"
    );
    // Now grace's policy has a document.
    let grace = a.user_policies(a.user("grace").unwrap());
    assert!(grace[0].document.is_some());

    // In its own file, with one account loaded: that account.
    let page1 = read("auth-details-api-page1.json");
    let aws_only = aws_only_page(false);
    let inv = Inventory::parse_files([("p1.json", &page1[..]), ("p9.json", aws_only.as_bytes())])
        .unwrap();
    let a = &inv.accounts["444455556666"];
    assert!(a.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").is_some());
    assert_eq!(a.sources.len(), 2);

    // In its own file, with two accounts loaded: cannot be told.
    let cli = read("auth-details-cli.json");
    let e = Inventory::parse_files([
        ("p1.json", &page1[..]),
        ("cli.json", &cli[..]),
        ("p9.json", aws_only.as_bytes()),
    ])
    .unwrap_err();
    assert!(matches!(e, DetailsError::UnknownAccount { .. }));
    let msg = e.to_string();
    assert!(
        msg.starts_with("p9.json: holds only AWS managed policies"),
        "{msg}"
    );
    assert!(msg.contains("111122223333, 444455556666"), "{msg}");

    // Alone: no account at all.
    let e = err("p9.json", aws_only.as_bytes());
    assert!(e.contains("no input names an account"), "{e}");
}

#[test]
fn missing_last_page_is_flagged() {
    let inv = Inventory::load(&[fixture("auth-details-api-page1.json")]).unwrap();
    assert!(inv.accounts["444455556666"].truncated);
    let inv = Inventory::load(&[fixture("auth-details-api-page2.json")]).unwrap();
    assert!(!inv.accounts["444455556666"].truncated);
}

#[test]
fn bad_document_errors_name_the_path() {
    let bad = r#"{"UserDetailList":[
            {"UserName":"a","Arn":"arn:aws:iam::111122223333:user/a"},
            {"UserName":"b","Arn":"arn:aws:iam::111122223333:user/b",
             "UserPolicyList":[{"PolicyName":"p","PolicyDocument":"%7B%22Version%22%3A"}]}]}"#;
    let e = err("iam-details.json", bad.as_bytes());
    assert!(
        e.starts_with(
            "iam-details.json: UserDetailList[1].UserPolicyList[0].PolicyDocument: \
             not a JSON document: "
        ),
        "{e}"
    );

    // In the second of two documents.
    let two = format!("{{\"Policies\":[]}}\n{bad}");
    let e = err("iam-details.json", two.as_bytes());
    assert!(
        e.starts_with("iam-details.json: document 2: UserDetailList[1].UserPolicyList[0]"),
        "{e}"
    );

    let e = err(
        "x.json",
        br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"{\"Statement\": ["}]}"#,
    );
    assert!(
        e.starts_with("x.json: RoleDetailList[0].AssumeRolePolicyDocument: not a JSON document: "),
        "{e}"
    );
    let e = err(
        "x.json",
        br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"%5B1%5D"}]}"#,
    );
    assert!(e.contains("is an array, not a JSON object"), "{e}");
    let e = err(
        "x.json",
        br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"%FF%FE"}]}"#,
    );
    assert!(e.contains("does not decode to UTF-8"), "{e}");
    let e = err(
        "x.json",
        br#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","PolicyVersionList":[{"Document":42}]}]}"#,
    );
    assert_eq!(
        e,
        "x.json: Policies[0].PolicyVersionList[0].Document: expected a policy document \
         (an object or a string), found a number"
    );
}

#[test]
fn bad_fields_error_names_the_path() {
    let cases: [(&str, &str); 9] = [
        (
            r#"{"UserDetailList":[{"UserName":"a"}]}"#,
            "f.json: UserDetailList[0].Arn: missing",
        ),
        (
            r#"{"UserDetailList":[{"Arn":"user/a"}]}"#,
            "f.json: UserDetailList[0].Arn: `user/a` is not an ARN (arn:partition:iam::account:...)",
        ),
        (
            r#"{"UserDetailList":[{"Arn":"arn:aws:iam::1:user/a","GroupList":[7]}]}"#,
            "f.json: UserDetailList[0].GroupList[0]: expected a group name, found a number",
        ),
        (
            r#"{"GroupDetailList":{"a":1}}"#,
            "f.json: GroupDetailList: expected an array, found an object",
        ),
        (
            r#"{"RoleDetailList":[{"Arn":"arn:aws:iam::1:role/r","CreateDate":"last week"}]}"#,
            "f.json: RoleDetailList[0].CreateDate: `last week` is not a time (expected ISO 8601, e.g. 2024-06-30T12:00:00Z)",
        ),
        (
            r#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","AttachmentCount":-1}]}"#,
            "f.json: Policies[0].AttachmentCount: expected a count, found -1",
        ),
        (
            r#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","IsAttachable":"maybe"}]}"#,
            "f.json: Policies[0].IsAttachable: expected true or false, found \"maybe\"",
        ),
        (
            r#"{"RoleDetailList":[{"Arn":"arn:aws:iam::1:role/r","RolePolicyList":[{"PolicyName":"p"}]}]}"#,
            "f.json: RoleDetailList[0].RolePolicyList[0].PolicyDocument: missing",
        ),
        (
            r#"{"UserDetailList":["alice"]}"#,
            "f.json: UserDetailList[0]: expected an object, found a string",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(err("f.json", input.as_bytes()), want);
    }
}

#[test]
fn not_details() {
    assert_eq!(err("e.json", b""), "e.json: empty file");
    assert_eq!(err("e.json", b"\xEF\xBB\xBF \n"), "e.json: empty file");
    let e = err("e.json", b"{\"UserDetailList\": [");
    assert!(
        e.starts_with("e.json: not valid JSON: EOF while parsing"),
        "{e}"
    );
    let e = err("e.json", b"{\"Policies\": []} garbage");
    assert!(e.ends_with("(in document 2)"), "{e}");
    assert_eq!(
        err(
            "c.json",
            br#"{"Content":"dXNlcg==","ReportFormat":"text/csv"}"#
        ),
        "c.json: not the output of `aws iam get-account-authorization-details`: a JSON \
         object without UserDetailList, GroupDetailList, RoleDetailList or Policies (keys: \
         Content, ReportFormat)"
    );
    assert_eq!(
        err("n.json", b"[1]"),
        "n.json: not the output of `aws iam get-account-authorization-details`: found a number"
    );
    // Valid but empty.
    let inv = Inventory::parse_bytes("e.json", br#"{"UserDetailList":[],"Policies":[]}"#).unwrap();
    assert!(inv.accounts.is_empty());
    let e = Inventory::load(&[PathBuf::from("/nonexistent/iam.json")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/iam.json: cannot read: "),
        "{e}"
    );
}

#[test]
fn lenient_fields() {
    // Names from ARNs, BOM, Python-style and epoch times, string booleans and counts,
    // default version found by DefaultVersionId when no version is flagged.
    let doc = "\u{FEFF}{\"UserDetailList\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:user/team/x\",\
               \"CreateDate\":\"2019-01-01 00:00:00+00:00\"}],\
               \"RoleDetailList\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:role/r\",\
               \"CreateDate\":1546300800,\"RoleLastUsed\":{\"LastUsedDate\":\"2019-01-01T00:00:00\"}}],\
               \"Policies\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:policy/p\",\"DefaultVersionId\":\"v2\",\
               \"IsAttachable\":\"false\",\"AttachmentCount\":\"4\",\
               \"PolicyVersionList\":[{\"VersionId\":\"v1\",\"Document\":{\"Statement\":[]}},\
               {\"VersionId\":\"v2\",\"Document\":\"  {\\\"Statement\\\": [1]}\"}]}]}";
    let inv = Inventory::parse_bytes("l.json", doc.as_bytes()).unwrap();
    let a = &inv.accounts["123456789012"];
    assert_eq!(a.partition, "aws-cn");
    let x = a.user("x").unwrap();
    assert_eq!(x.path, "/");
    let t = ms("2019-01-01T00:00:00Z");
    assert_eq!(x.create_date, Some(t));
    let r = a.role("r").unwrap();
    assert_eq!((r.create_date, r.role_last_used), (Some(t), Some(t)));
    assert_eq!(r.trust_policy, None);
    let p = a.policy("arn:aws-cn:iam::123456789012:policy/p").unwrap();
    assert_eq!(p.name, "p");
    assert!(!p.is_attachable && !p.aws_managed);
    assert_eq!(p.attachment_count, Some(4));
    assert_eq!(p.default_document.as_ref().unwrap()["Statement"][0], 1);
    assert_eq!(p.other_versions[0].version_id, "v1");
}

#[test]
fn first_copy_wins_but_versions_fill_in() {
    let without =
        r#"{"Policies":[{"Arn":"arn:aws:iam::111122223333:policy/p","AttachmentCount":1}]}"#;
    let with = r#"{"Policies":[{"Arn":"arn:aws:iam::111122223333:policy/p","AttachmentCount":2,
            "PolicyVersionList":[{"VersionId":"v1","IsDefaultVersion":true,"Document":{"Statement":[]}}]}]}"#;
    let user1 =
        r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","UserId":"first"}]}"#;
    let user2 =
        r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","UserId":"second"}]}"#;
    let inv = Inventory::parse_files([
        ("1", without.as_bytes()),
        ("2", with.as_bytes()),
        ("3", user1.as_bytes()),
        ("4", user2.as_bytes()),
    ])
    .unwrap();
    let a = &inv.accounts["111122223333"];
    assert_eq!(a.policies.len(), 1);
    assert_eq!(a.policies[0].attachment_count, Some(2));
    assert_eq!(a.users.len(), 1);
    assert_eq!(a.users[0].id, "first");
}

#[test]
fn lookups_work_on_unsorted_hand_built_lists() {
    let mut a = cli();
    a.users.reverse();
    a.policies.reverse();
    assert_eq!(a.user("alice").unwrap().name, "alice");
    assert!(
        a.policy("arn:aws:iam::111122223333:policy/DeveloperAccess")
            .is_some()
    );
}

#[test]
fn missing_group_is_reported() {
    let doc =
        r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","GroupList":["gone"]}]}"#;
    let inv = Inventory::parse_bytes("g.json", doc.as_bytes()).unwrap();
    let a = &inv.accounts["111122223333"];
    let ps = a.user_policies(&a.users[0]);
    assert_eq!(
        ps,
        [PolicySource {
            kind: SourceKind::MissingGroup { group: "gone" },
            name: "gone",
            arn: None,
            document: None
        }]
    );
}

#[test]
fn arn_helpers() {
    assert_eq!(
        split_arn("arn:aws:iam::111122223333:user/a/b"),
        Some(("aws", "111122223333"))
    );
    assert_eq!(split_arn("arn:aws:iam:::user/a"), None);
    assert_eq!(split_arn("arn:aws:iam::1"), None);
    assert!(is_aws_managed_arn(
        "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"
    ));
    assert!(!is_aws_managed_arn("arn:aws:iam::111122223333:policy/aws"));
    assert_eq!(name_from_arn("arn:aws:iam::1:role/a/b/c"), "c");
    assert_eq!(parse_aws_time("2024"), None);
    assert_eq!(
        parse_aws_time("2024-06-30T12:00:00+00:00"),
        Some(ms("2024-06-30T12:00:00Z"))
    );
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Inventory::parse_bytes("r.json", &bytes);
    }

    #[test]
    fn random_field_values_never_panic(
        key in prop::sample::select(vec![
            "Arn", "UserName", "CreateDate", "GroupList", "UserPolicyList", "Tags",
            "PermissionsBoundary", "AttachedManagedPolicies",
        ]),
        value in prop_oneof![
            Just(Value::Null),
            any::<f64>().prop_map(|f| serde_json::json!(f)),
            any::<i64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::from),
            prop::collection::vec(".{0,10}".prop_map(Value::from), 0..3).prop_map(Value::Array),
        ],
    ) {
        let mut user = serde_json::json!({"Arn": "arn:aws:iam::111122223333:user/u"});
        user[key] = value;
        let doc = serde_json::json!({"UserDetailList": [user]});
        let _ = Inventory::parse_bytes("r.json", doc.to_string().as_bytes());
    }
}
