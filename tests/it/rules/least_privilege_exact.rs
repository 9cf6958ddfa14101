//! Least privilege you can apply without fear (issue 10): each test is one of the failures
//! reproduced on the earlier main, built as a small fixture in a temporary folder (CloudTrail
//! records and an authorization-details file), scanned by the binary, and checked on what a
//! team would apply (`policies/`) and on `permissions.parquet` (read back by DuckDB).

use super::*;
use crate::common::{duckdb, parquet};
use serde_json::json;

const ACCT: &str = "111122223333";

fn role_event(name: &str, source: &str, params: Value, resources: Value, id: u32) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAAPPXXXXXXXXXXXXXX:s",
            "arn": format!("arn:aws:sts::{ACCT}:assumed-role/app/s"),
            "accountId": ACCT,
            "accessKeyId": "ASIAAPP0000000000001",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAAPPXXXXXXXXXXXXXX",
                "arn": format!("arn:aws:iam::{ACCT}:role/app"), "accountId": ACCT, "userName": "app"}}
        },
        "eventTime": format!("2024-06-02T10:{:02}:00Z", id % 60),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-sdk",
        "requestParameters": params,
        "responseElements": null,
        "resources": resources,
        "eventID": format!("00000000-0000-4000-8000-{id:012}"),
        "eventType": "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com",
        "eventCategory": if source == "s3.amazonaws.com" { "Data" } else { "Management" },
        "recipientAccountId": ACCT
    })
}

fn s3_get(bucket: &str, name: &str, extra: Value, id: u32) -> Value {
    let mut p = json!({"bucketName": bucket, "key": "k"});
    if let (Some(p), Some(x)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(x.clone());
    }
    role_event(
        name,
        "s3.amazonaws.com",
        p,
        json!([{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/k")}]),
        id,
    )
}

fn role(name: &str, path: &str, statements: Value) -> Value {
    json!({
        "Path": path, "RoleName": name, "RoleId": format!("AROA{}", name.len()),
        "Arn": format!("arn:aws:iam::{ACCT}:role{path}{name}"),
        "CreateDate": "2022-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}
    })
}

/// The role `app` with one statement allowing `actions` on `*`.
fn app_allowed(actions: Value) -> Value {
    role(
        "app",
        "/",
        json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]),
    )
}

/// The `Resource` of each Allow statement that allows `action`.
fn resources_of(allowed: &[(String, Value, Value)], action: &str) -> Vec<Value> {
    allowed
        .iter()
        .filter(|(a, _, _)| a == action)
        .map(|(_, r, _)| r.clone())
        .collect()
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(events: &[Value], roles: &[Value]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        std::fs::write(
            dir.path().join("logs/ct.json"),
            serde_json::to_vec(&json!({"Records": events})).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("details.json"),
            serde_json::to_vec(&json!({"UserDetailList": [], "GroupDetailList": [],
                "Policies": [], "RoleDetailList": roles}))
            .unwrap(),
        )
        .unwrap();
        Case { dir }
    }
    fn scan(&self, code: i32) -> Scan {
        self.scan_with(&[], code)
    }
    fn scan_with(&self, extra: &[&str], code: i32) -> Scan {
        let details = self.dir.path().join("details.json").display().to_string();
        let mut args = vec!["--iam-details", &details];
        args.extend_from_slice(extra);
        let sc = scan(
            &[&self.dir.path().join("logs").display().to_string()],
            &args,
            code,
        );
        snapshot(&sc);
        sc
    }
}

thread_local! {
    static SCANS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The golden snapshot of a scenario: every file under `policies/` and the rows of
/// `permissions.parquet` as DuckDB reads them back, in
/// `tests/golden/least-privilege/<test>[-<n>].txt` (rewrite with `UPDATE_GOLDEN=1`, then
/// review the diff).
fn snapshot(sc: &Scan) {
    let n = SCANS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let test = std::thread::current()
        .name()
        .and_then(|t| t.rsplit("::").next())
        .unwrap_or("unnamed")
        .to_string();
    let name = if n == 1 {
        format!("least-privilege/{test}.txt")
    } else {
        format!("least-privilege/{test}-{n}.txt")
    };
    let mut text = String::from("# policies/\n");
    let root = sc.out.path();
    let mut files = Vec::new();
    let mut stack = vec![root.join("policies")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().display().to_string();
        text.push_str(&format!(
            "== {rel}\n{}",
            std::fs::read_to_string(&f).unwrap()
        ));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    // Rows: in full for what was used, suggested or refused; counted per principal for the
    // rest (a `NotAction` grant is thousands of rows).
    text.push_str("# permissions.parquet\n");
    let t = parquet(&root.join("permissions.parquet"));
    for row in duckdb(&format!(
        "select * from {t} where used or suggested is not null or denied_count > 0 \
         order by principal, action"
    )) {
        text.push_str(&serde_json::to_string(&row).unwrap());
        text.push('\n');
    }
    for row in duckdb(&format!(
        "select principal, count(*) as rows, count(*) filter (where granted) as granted, \
         count(*) filter (where conditional) as conditional, \
         count(*) filter (where not observable) as unobservable, \
         count(*) filter (where access_level = 'Permissions management') as permissions_management \
         from {t} group by principal order by principal"
    )) {
        text.push_str(&serde_json::to_string(&row).unwrap());
        text.push('\n');
    }
    crate::common::golden(&name, &text);
    // Every suggestion and refined document of every scenario lints clean.
    if !super::least_privilege::policy_files(root).is_empty() {
        super::least_privilege::parliament_clean(root);
    }
}

/// Role `name` was not reviewed: no `unused-permissions` finding and no suggested policy.
#[track_caller]
fn assert_left_alone(sc: &Scan, name: &str) {
    assert!(
        sc.of("unused-permissions").is_empty(),
        "{:?}",
        sc.of("unused-permissions")
    );
    assert!(
        !sc.out
            .path()
            .join(format!("policies/{ACCT}/role/{name}.json"))
            .exists()
    );
}

/// The `.txt` report of role `name`.
fn report_of(sc: &Scan, name: &str) -> String {
    let p = sc
        .out
        .path()
        .join(format!("policies/{ACCT}/role/{name}.txt"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The suggested policy of role `name`, which the replay must have verified.
fn policy(sc: &Scan, name: &str) -> Value {
    assert!(
        sc.summary["suggestions_unverified"].is_null(),
        "{}",
        sc.summary["suggestions_unverified"]
    );
    assert!(sc.summary["suggestions_verified"].as_u64().unwrap() >= 1);
    let report = sc
        .out
        .path()
        .join(format!("policies/{ACCT}/role/{name}.txt"));
    let report = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(report.contains("verified: true ("), "{report}");
    let p = sc
        .out
        .path()
        .join(format!("policies/{ACCT}/role/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!("{}: {e}", p.display());
    }))
    .unwrap()
}

/// `(action, Resource, Condition)` of every Allow statement.
fn allows(doc: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for s in doc["Statement"].as_array().unwrap() {
        if s["Effect"] != "Allow" {
            continue;
        }
        for a in s["Action"].as_array().unwrap() {
            out.push((
                a.as_str().unwrap().to_string(),
                s["Resource"].clone(),
                s["Condition"].clone(),
            ));
        }
    }
    out
}

#[test]
fn a_resource_allowed_only_under_a_condition_keeps_that_condition() {
    let cond = json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}});
    let c = Case::new(
        &[
            s3_get("bucket-a", "GetObject", json!({}), 1),
            s3_get("bucket-b", "GetObject", json!({}), 2),
        ],
        &[role(
            "app",
            "/",
            json!([
                {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"},
                {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": cond},
            ]),
        )],
    );
    let sc = c.scan(EXIT_OK);
    let a = allows(&policy(&sc, "app"));
    let gets: Vec<_> = a.iter().filter(|(x, _, _)| x == "s3:GetObject").collect();
    assert!(
        gets.iter()
            .any(|(_, r, c)| r == "arn:aws:s3:::bucket-a/*" && c.is_null()),
        "{gets:?}"
    );
    assert!(
        gets.iter()
            .any(|(_, r, c)| r == "arn:aws:s3:::bucket-b/*" && *c == cond),
        "bucket-b is allowed only from 10.0.0.0/8 today: {gets:?}"
    );
    assert!(
        !gets
            .iter()
            .any(|(_, r, c)| c.is_null() && r.to_string().contains("bucket-b")),
        "never an unconditional bucket-b: {gets:?}"
    );
    super::least_privilege::parliament_clean(sc.out.path());
}

#[test]
fn head_object_without_a_version_is_not_use_of_get_object_version() {
    let c = Case::new(
        &[
            s3_get("b", "HeadObject", json!({}), 1),
            s3_get("v", "HeadObject", json!({"versionId": "v1"}), 2),
        ],
        &[app_allowed(json!(["s3:GetObject", "s3:GetObjectVersion"]))],
    );
    let sc = c.scan(EXIT_OK);
    let a = allows(&policy(&sc, "app"));
    let on = |act: &str| resources_of(&a, act);
    // Resources are kept per API call, not per request: the version permission is scoped to the
    // objects HeadObject touched (narrower than the grant's `*`, wider than the one versioned
    // call).
    assert_eq!(
        on("s3:GetObjectVersion"),
        vec![json!(["arn:aws:s3:::b/*", "arn:aws:s3:::v/*"])]
    );
    let t = parquet(&sc.out.path().join("permissions.parquet"));
    let rows = duckdb(&format!(
        "select action, use_count from {t} where used order by action"
    ));
    let used: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["use_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        used,
        vec![
            ("s3:GetObject".to_string(), 2),
            ("s3:GetObjectVersion".to_string(), 1)
        ]
    );
}

#[test]
fn a_deny_of_the_replaced_policy_stays_in_the_suggestion() {
    let c = Case::new(
        &[role_event(
            "Decrypt",
            "kms.amazonaws.com",
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            json!(null),
            1,
        )],
        &[role(
            "app",
            "/",
            json!([
                {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
                {"Sid": "NoProdKey", "Effect": "Deny", "Action": "kms:Decrypt",
                 "Resource": "arn:aws:kms:eu-west-1:111122223333:key/prod"},
            ]),
        )],
    );
    let sc = c.scan(EXIT_OK);
    let d = policy(&sc, "app");
    let deny: Vec<&Value> = d["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Effect"] == "Deny")
        .collect();
    assert_eq!(deny.len(), 1, "{d}");
    assert_eq!(deny[0]["Action"], json!("kms:Decrypt"));
    assert_eq!(
        deny[0]["Resource"],
        json!("arn:aws:kms:eu-west-1:111122223333:key/prod")
    );
    super::least_privilege::parliament_clean(sc.out.path());
}

#[test]
fn permission_only_actions_nothing_needed_are_unused_not_kept() {
    let c = Case::new(
        &[role_event(
            "DescribeTable",
            "dynamodb.amazonaws.com",
            json!({"tableName": "orders"}),
            json!([{"ARN": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"}]),
            1,
        )],
        &[app_allowed(json!("dynamodb:*"))],
    );
    let sc = c.scan(EXIT_OK);
    let cat = trailguard::iam::catalog::catalog();
    let suggested = allows(&policy(&sc, "app"));
    for (a, _, _) in &suggested {
        let info = cat.get(cat.lookup(a).unwrap());
        // Kept unobserved: only DynamoDB data-event actions (this trail records none).
        assert!(
            info.api_op != Some(false)
                || trailguard::recommend::data_event_source(info.service, info.name).is_some(),
            "{a}: a permission-only action no observed call needed"
        );
    }
    for gone in [
        "dynamodb:DeleteTableReplica",
        "dynamodb:PurchaseReservedCapacityOfferings",
        "dynamodb:RestoreTableFromAwsBackup",
        "dynamodb:InjectError",
    ] {
        assert!(suggested.iter().all(|(a, _, _)| a != gone), "{gone}");
    }
    let f = sc.one(
        "unused-permissions",
        &format!("arn:aws:iam::{ACCT}:role/app"),
    );
    assert!(
        f["title"].as_str().unwrap().contains("uses 1 of"),
        "{}",
        f["title"]
    );
}

#[test]
fn service_linked_roles_keep_their_rows_but_get_no_policy() {
    let c = Case::new(
        &[s3_get("b", "GetObject", json!({}), 1)],
        &[
            app_allowed(json!("s3:GetObject")),
            role(
                "AWSServiceRoleForSupport",
                "/aws-service-role/support.amazonaws.com/",
                json!([{"Effect": "Allow", "Action": "support:*", "Resource": "*"}]),
            ),
        ],
    );
    let sc = c.scan(EXIT_OK);
    let t = parquet(&sc.out.path().join("permissions.parquet"));
    let n = duckdb(&format!(
        "select count(*) as n from {t} where principal like '%AWSServiceRoleForSupport'"
    ));
    assert!(n[0]["n"].as_u64().unwrap() > 0, "{n:?}");
    assert!(
        !sc.out
            .path()
            .join(format!("policies/{ACCT}/role/AWSServiceRoleForSupport.txt"))
            .exists()
    );
    assert!(
        sc.of("unused-permissions")
            .iter()
            .all(|f| !f["principal"].as_str().unwrap().contains("AWSServiceRole"))
    );
}

#[test]
fn an_account_without_cloudtrail_gets_no_evidence_not_findings() {
    let mut other = role(
        "idle",
        "/",
        json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
    );
    other["Arn"] = json!("arn:aws:iam::444455556666:role/idle");
    let c = Case::new(
        &[s3_get("b", "GetObject", json!({}), 1)],
        &[app_allowed(json!("s3:GetObject")), other],
    );
    let sc = c.scan(EXIT_OK);
    assert_eq!(sc.summary["no_evidence_accounts"], json!(["444455556666"]));
    assert!(sc.of("unused-permissions").is_empty(), "{:?}", sc.findings);
    let dir = sc.out.path().join("policies/444455556666/role");
    let report = std::fs::read_to_string(dir.join("idle.txt")).unwrap();
    assert!(report.contains("no evidence"), "{report}");
    assert!(!dir.join("idle.json").exists());
}

#[test]
fn a_later_run_without_details_leaves_no_stale_policy() {
    let c = Case::new(
        &[s3_get("b", "GetObject", json!({}), 1)],
        &[app_allowed(json!(["s3:GetObject", "s3:PutObject"]))],
    );
    let sc = c.scan(EXIT_OK);
    assert!(sc.out.path().join("policies").is_dir());
    let again = TrailguardCmd::new()
        .args([
            "scan".to_string(),
            c.dir.path().join("logs").display().to_string(),
            "--out".to_string(),
            sc.out.path().display().to_string(),
        ])
        .run();
    again.assert_code(EXIT_OK);
    assert!(!sc.out.path().join("policies").exists());
    assert_eq!(read_summary(sc.out.path())["policies_written"], 0);
    let left: Vec<_> = std::fs::read_dir(sc.out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("policies"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn two_allow_list_scps_at_one_ou_are_unioned_and_a_bad_organization_file_is_named() {
    let c = Case::new(
        &[s3_get("b", "GetObject", json!({}), 1)],
        &[app_allowed(json!([
            "s3:GetObject",
            "ec2:DescribeInstances",
            "iam:ListUsers"
        ]))],
    );
    let org = c.dir.path().join("org.json");
    let allow = |a: &str| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": a, "Resource": "*"}]});
    std::fs::write(
        &org,
        json!({
            "ManagementAccountId": "999999999999",
            "Policies": {"p-full": allow("*"), "p-s3": allow("s3:*"), "p-ec2": allow("ec2:*").to_string()},
            "Targets": {"r-1": ["p-full"], "ou-1": ["p-s3", "p-ec2"], ACCT: ["p-full"]},
            "Parents": {ACCT: "ou-1", "ou-1": "r-1"}
        })
        .to_string(),
    )
    .unwrap();
    let logs = c.dir.path().join("logs").display().to_string();
    let details = c.dir.path().join("details.json").display().to_string();
    let orgs = org.display().to_string();
    let sc = scan(
        &[&logs],
        &["--iam-details", &details, "--organization", &orgs],
        EXIT_OK,
    );
    let t = parquet(&sc.out.path().join("permissions.parquet"));
    let granted: Vec<String> = duckdb(&format!(
        "select action from {t} where granted order by action"
    ))
    .iter()
    .map(|r| r["action"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(granted, vec!["ec2:DescribeInstances", "s3:GetObject"]);
    std::fs::write(&org, r#"{"Policies": {}, "Targets": {"r-1": ["p-gone"]}}"#).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = TrailguardCmd::new()
        .args([
            "scan",
            &logs,
            "--out",
            &out.path().display().to_string(),
            "--iam-details",
            &details,
            "--organization",
            &orgs,
        ])
        .run();
    assert_ne!(run.code(), EXIT_OK);
    assert!(
        run.stderr.contains("org.json") && run.stderr.contains("p-gone"),
        "{}",
        run.stderr
    );
}

#[test]
fn kms_calls_are_scoped_to_the_key_arns_cloudtrail_names() {
    let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let c = Case::new(
        &[role_event(
            "Decrypt",
            "kms.amazonaws.com",
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            json!([{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": key}]),
            1,
        )],
        &[app_allowed(json!(["kms:Decrypt", "kms:Encrypt"]))],
    );
    let sc = c.scan(EXIT_OK);
    let a = allows(&policy(&sc, "app"));
    assert_eq!(resources_of(&a, "kms:Decrypt"), vec![json!(key)], "{a:?}");
    assert!(a.iter().all(|(x, _, _)| x != "kms:Encrypt"));
    super::least_privilege::parliament_clean(sc.out.path());
}

#[test]
fn a_statement_grants_only_actions_whose_resources_its_resource_can_match() {
    // Two statements that look broad and grant little: a wildcard-only action needs "*", and
    // NotAction on a CloudFormation ARN cannot reach an IAM user.
    let c = Case::new(
        &[role_event(
            "DescribeStacks",
            "cloudformation.amazonaws.com",
            json!({"stackName": "web"}),
            json!(null),
            1,
        )],
        &[role(
            "app",
            "/",
            json!([
                {"Effect": "Allow", "Action": "cloudwatch:*topology*",
                 "Resource": "arn:aws:sns:*:111122223333:*"},
                {"Effect": "Allow", "NotAction": ["cloudformation:*", "ec2:*"],
                 "Resource": "arn:aws:cloudformation:*:*:stack/*"},
                {"Effect": "Allow", "Action": "cloudformation:DescribeStacks",
                 "Resource": "arn:aws:cloudformation:*:111122223333:stack/web/*"}
            ]),
        )],
    );
    let sc = c.scan(EXIT_OK);
    let t = parquet(&sc.out.path().join("permissions.parquet"));
    let granted: Vec<String> = duckdb(&format!(
        "select action from {t} where granted order by action"
    ))
    .iter()
    .map(|r| r["action"].as_str().unwrap().to_string())
    .collect();
    for never in [
        "cloudwatch:EnableTopologyDiscovery",
        "iam:CreateUser",
        "iam:PassRole",
        "s3:GetObject",
        "sts:GetCallerIdentity",
    ] {
        assert!(
            !granted.iter().any(|a| a == never),
            "{never} in {granted:?}"
        );
    }
    assert!(granted.iter().any(|a| a == "cloudformation:DescribeStacks"));
    // NotAction leaves what other services can do to a stack: actions whose resource types
    // are stacks or any service's resource (a backup recovery point, a tagged resource), and
    // legacy actions whose types have no known ARN format (kept, never narrowed on a guess).
    let cat = trailguard::iam::catalog::catalog();
    let current: Vec<&String> = granted
        .iter()
        .filter(|a| cat.get(cat.lookup(a).unwrap()).current)
        .collect();
    assert!(current.len() < 60, "{} granted: {current:?}", current.len());
    assert!(
        current
            .iter()
            .all(|a| !a.starts_with("iam:") && !a.starts_with("s3:")),
        "{current:?}"
    );
}

#[test]
fn kms_calls_on_more_keys_than_are_kept_are_scoped_to_the_key_shape() {
    // 70 keys: more than the 64 ARNs kept per call. The earlier main fell back to the grant
    // (`Resource: "*"`); the shapes of all keys seen give `key/*` of their account and region.
    let events: Vec<Value> = (0..70)
        .map(|i| {
            role_event(
                "Decrypt",
                "kms.amazonaws.com",
                json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
                json!([{"accountId": ACCT, "type": "AWS::KMS::Key",
                    "ARN": format!("arn:aws:kms:eu-west-1:{ACCT}:key/00000000-0000-4000-8000-{i:012}")}]),
                i + 1,
            )
        })
        .collect();
    let c = Case::new(&events, &[app_allowed(json!(["kms:Decrypt"]))]);
    let sc = c.scan(EXIT_OK);
    let a = allows(&policy(&sc, "app"));
    assert_eq!(
        resources_of(&a, "kms:Decrypt"),
        vec![json!(format!("arn:aws:kms:eu-west-1:{ACCT}:key/*"))],
        "{a:?}"
    );
    super::least_privilege::parliament_clean(sc.out.path());
}

#[test]
fn the_role_a_call_passes_is_kept_as_an_inferred_pass_role() {
    // CreateFunction names an execution role: the call needed iam:PassRole on it, though
    // CloudTrail logs no PassRole. The earlier main listed PassRole as unused and left it out,
    // so the next deployment with the suggestion would fail.
    let exec = format!("arn:aws:iam::{ACCT}:role/service-role/fn-exec");
    let c = Case::new(
        &[
            role_event(
                "CreateFunction20150331",
                "lambda.amazonaws.com",
                json!({"functionName": "f", "role": exec, "runtime": "python3.12"}),
                json!(null),
                1,
            ),
            role_event(
                "UpdateFunctionCode20150331v2",
                "lambda.amazonaws.com",
                json!({"functionName": "f"}),
                json!(null),
                2,
            ),
        ],
        &[role(
            "app",
            "/",
            json!([
                {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": format!("arn:aws:iam::{ACCT}:role/*")}
            ]),
        )],
    );
    let sc = c.scan(EXIT_OK);
    let doc = policy(&sc, "app");
    let pass: Vec<&Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "iam:PassRole")
        })
        .collect();
    assert_eq!(pass.len(), 1, "{doc}");
    assert!(
        pass[0]["Sid"]
            .as_str()
            .unwrap()
            .starts_with("InferredFromRequest"),
        "{}",
        pass[0]
    );
    assert_eq!(pass[0]["Resource"], json!(exec));
    let report = report_of(&sc, "app");
    assert!(
        report.contains("iam:PassRole on")
            && report.contains("00000000-0000-4000-8000-000000000001"),
        "{report}"
    );
    let f = sc.one(
        "unused-permissions",
        &format!("arn:aws:iam::{ACCT}:role/app"),
    );
    assert!(
        !f["evidence"].to_string().contains("iam:PassRole"),
        "PassRole is not unused: {}",
        f["evidence"]
    );
    super::least_privilege::parliament_clean(sc.out.path());
}

#[test]
fn an_instance_profile_passed_to_run_instances_is_resolved_to_its_role() {
    // RunInstances names the profile by name (as on the Invictus set); the details say which
    // role it holds, so PassRole is scoped to that role.
    let mut web = role("web-instance", "/", json!([]));
    web["InstanceProfileList"] = json!([{"InstanceProfileName": "web", "Path": "/",
        "Arn": format!("arn:aws:iam::{ACCT}:instance-profile/web"), "Roles": []}]);
    let c = Case::new(
        &[role_event(
            "RunInstances",
            "ec2.amazonaws.com",
            json!({"instanceType": "t3.micro", "iamInstanceProfile": {"name": "web"}}),
            json!(null),
            1,
        )],
        &[
            role(
                "app",
                "/",
                json!([
                    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
                ]),
            ),
            web,
        ],
    );
    let sc = c.scan(EXIT_OK);
    let a = allows(&policy(&sc, "app"));
    assert_eq!(
        resources_of(&a, "iam:PassRole"),
        vec![json!(format!("arn:aws:iam::{ACCT}:role/web-instance"))],
        "{a:?}"
    );
}

#[test]
fn a_role_created_within_the_grace_period_is_not_proposed_for_removal() {
    // The window ends at the newest event (2024-06-02). A role created five days before it is
    // left alone with --grace 30 (a report says why, no finding, no policy); an old one is not.
    let events = [s3_get("b", "GetObject", json!({}), 1)];
    let mut young = app_allowed(json!(["s3:GetObject", "s3:PutObject", "iam:CreateUser"]));
    young["CreateDate"] = json!("2024-05-28T00:00:00Z");
    let c = Case::new(&events, &[young.clone()]);
    let sc = c.scan_with(&["--grace", "30"], EXIT_OK);
    assert_left_alone(&sc, "app");
    let report = report_of(&sc, "app");
    assert!(
        report.contains("within the grace period (--grace 30 days): created 2024-05-28"),
        "{report}"
    );
    let grace = sc.summary["in_grace_period"].as_array().unwrap();
    assert_eq!(grace.len(), 1, "{grace:?}");
    assert!(
        grace[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("arn:aws:iam::{ACCT}:role/app: created"))
    );
    // A shorter grace, or none: the role is reviewed as usual.
    let sc = c.scan_with(&["--grace", "3"], EXIT_OK);
    assert_eq!(sc.of("unused-permissions").len(), 1);
    assert!(sc.summary["in_grace_period"].is_null());
    let _ = policy(&sc, "app");
}

#[test]
fn excluded_principals_are_not_reviewed_and_a_bad_exclusions_file_is_named() {
    let events = [s3_get("b", "GetObject", json!({}), 1)];
    let mut app = app_allowed(json!(["s3:GetObject", "s3:PutObject"]));
    app["Tags"] = json!([{"Key": "least-privilege", "Value": "skip"}]);
    let c = Case::new(&events, &[app]);
    let x = c.dir.path().join("exclude.json");
    std::fs::write(&x, r#"{"tags": {"least-privilege": "skip"}}"#).unwrap();
    let sc = c.scan_with(&["--exclude", &x.display().to_string()], EXIT_OK);
    assert_left_alone(&sc, "app");
    let report = report_of(&sc, "app");
    assert!(
        report.contains("excluded by --exclude (tag least-privilege=skip)"),
        "{report}"
    );
    assert_eq!(
        sc.summary["excluded_principals"],
        json!([format!(
            "arn:aws:iam::{ACCT}:role/app: tag least-privilege=skip"
        )])
    );
    // Rows stay.
    let t = parquet(&sc.out.path().join("permissions.parquet"));
    let n = duckdb(&format!(
        "select count(*) as n from {t} where principal like '%role/app'"
    ));
    assert!(n[0]["n"].as_u64().unwrap() >= 2, "{n:?}");
    // A typo is an error naming the file, before any CloudTrail is read.
    std::fs::write(&x, r#"{"tag": {"least-privilege": "skip"}}"#).unwrap();
    let details = c.dir.path().join("details.json").display().to_string();
    let logs = c.dir.path().join("logs").display().to_string();
    let out = tempfile::tempdir().unwrap();
    let r = crate::common::TrailguardCmd::new()
        .args(["scan", &logs, "--iam-details", &details, "--exclude"])
        .args([
            x.display().to_string(),
            "--out".into(),
            out.path().display().to_string(),
        ])
        .run();
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr.contains("--exclude")
            && r.stderr.contains("exclude.json")
            && r.stderr.contains("unknown field"),
        "{}",
        r.stderr
    );
}

/// `role_event` made by role `name` instead of `app`.
fn as_role(mut ev: Value, name: &str) -> Value {
    let u = &mut ev["userIdentity"];
    u["arn"] = json!(format!("arn:aws:sts::{ACCT}:assumed-role/{name}/s"));
    u["principalId"] = json!(format!("AROA{}:s", name.to_uppercase()));
    u["sessionContext"]["sessionIssuer"]["arn"] = json!(format!("arn:aws:iam::{ACCT}:role/{name}"));
    u["sessionContext"]["sessionIssuer"]["userName"] = json!(name);
    u["sessionContext"]["sessionIssuer"]["principalId"] =
        json!(format!("AROA{}", name.to_uppercase()));
    ev
}

fn managed(name: &str, attachments: u64, doc: Value) -> Value {
    let aws = name == "ReadOnlyLike";
    let arn = if aws {
        format!("arn:aws:iam::aws:policy/{name}")
    } else {
        format!("arn:aws:iam::{ACCT}:policy/{name}")
    };
    json!({"PolicyName": name, "PolicyId": format!("ANPA{}", name.len()), "Arn": arn,
        "Path": "/", "DefaultVersionId": "v2", "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
        "CreateDate": "2022-01-01T00:00:00Z", "UpdateDate": "2022-01-01T00:00:00Z",
        "PolicyVersionList": [
            {"Document": doc, "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2022-01-01T00:00:00Z"},
            {"Document": {"Version": "2012-10-17", "Statement": []}, "VersionId": "v1", "IsDefaultVersion": false, "CreateDate": "2021-01-01T00:00:00Z"}]})
}

fn attach(role: &mut Value, names: &[&str]) {
    role["AttachedManagedPolicies"] = Value::Array(
        names
            .iter()
            .map(|n| {
                let arn = if *n == "ReadOnlyLike" {
                    format!("arn:aws:iam::aws:policy/{n}")
                } else {
                    format!("arn:aws:iam::{ACCT}:policy/{n}")
                };
                json!({"PolicyName": n, "PolicyArn": arn})
            })
            .collect(),
    );
}

fn out_root(sc: &Scan) -> &std::path::Path {
    sc.out.path()
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn existing_policies_are_refined_in_place_with_diff_commands_and_snippets() {
    let events = [
        s3_get("a", "GetObject", json!({}), 1),
        as_role(
            role_event(
                "DescribeInstances",
                "ec2.amazonaws.com",
                json!({}),
                json!([]),
                2,
            ),
            "worker",
        ),
    ];
    // app: an inline policy (a partly used wildcard, an unused service, a Deny), a shared
    // managed policy, a NotAction policy under a condition, an unused one, and one attached
    // beyond what the details show.
    let mut app = role(
        "app",
        "/",
        json!([
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::a/*"},
            {"Sid": "Ddb", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        ]),
    );
    attach(&mut app, &["shared", "broad", "unusedp", "elsewhere"]);
    let mut worker = role("worker", "/", json!([]));
    worker["RolePolicyList"] = json!([]);
    attach(&mut worker, &["shared", "ReadOnlyLike"]);
    let policies = [
        managed(
            "shared",
            2,
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                "Action": ["ec2:DescribeInstances", "ec2:TerminateInstances", "s3:GetObject"],
                "Resource": "*"}}),
        ),
        managed(
            "broad",
            1,
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "AllButIam", "Effect": "Allow",
                "NotAction": "iam:*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}),
        ),
        managed(
            "unusedp",
            1,
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}),
        ),
        managed(
            "elsewhere",
            3,
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}),
        ),
        managed(
            "ReadOnlyLike",
            1,
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["ec2:Describe*", "s3:List*"], "Resource": "*"}]}),
        ),
    ];
    let c = Case::new(&events, &[]);
    std::fs::write(
        c.dir.path().join("details.json"),
        serde_json::to_vec(&json!({"UserDetailList": [], "GroupDetailList": [],
            "Policies": policies, "RoleDetailList": [app, worker]}))
        .unwrap(),
    )
    .unwrap();
    let sc = c.scan(EXIT_OK);
    let out = sc.out.path();
    let index: Value = serde_json::from_str(&read(&out.join("policies/refinements.json"))).unwrap();
    let get = |label: &str| -> Value {
        index
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy"] == label)
            .unwrap_or_else(|| panic!("{label} not in {index:#}"))
            .clone()
    };
    let folder = |r: &Value| out.join(r["folder"].as_str().unwrap());
    let after = |r: &Value| -> Value {
        serde_json::from_str(&read(&folder(r).join("after.json"))).unwrap()
    };

    // The inline policy: the used part of the wildcard spelled out, the unused service gone,
    // the Deny and the Sids, resources untouched.
    let inline = get("inline:role/app/p");
    assert_eq!(inline["outcome"], "refine", "{inline:#}");
    assert_eq!(inline["verified"], true);
    assert_eq!(
        after(&inline)["Statement"],
        json!([
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        ])
    );
    let dir = folder(&inline);
    assert!(
        dir.ends_with(format!("policies/{ACCT}/refine/role/app/p")),
        "{}",
        dir.display()
    );
    let sh = read(&dir.join("apply.sh"));
    assert!(
        sh.contains("aws iam put-role-policy --role-name 'app' --policy-name 'p' --policy-document file://after.json"),
        "{sh}"
    );
    assert!(sh.contains("# aws iam put-role-policy --role-name 'app' --policy-name 'p' --policy-document file://before.json"));
    let patch = read(&dir.join("diff.patch"));
    assert!(
        patch.starts_with("--- before.json\n+++ after.json\n@@"),
        "{patch}"
    );
    assert!(
        patch.contains("-      \"Action\": \"s3:Get*\",")
            && patch.contains("+      \"Action\": \"s3:GetObject\","),
        "{patch}"
    );
    assert!(
        patch.contains("-      \"Action\": \"dynamodb:*\","),
        "{patch}"
    );
    let cfn: Value = serde_json::from_str(&read(&dir.join("cfn.json"))).unwrap();
    let res = &cfn["Resources"]["RefinedInlinePolicy"];
    assert_eq!(res["Type"], "AWS::IAM::RolePolicy");
    assert_eq!(res["Properties"]["RoleName"], "app");
    assert_eq!(res["Properties"]["PolicyDocument"], after(&inline));
    let tf = read(&dir.join("policy.tf"));
    assert!(
        tf.contains("data \"aws_iam_policy_document\" \"app_p\""),
        "{tf}"
    );
    assert!(tf.contains("actions   = [\"s3:GetObject\"]"), "{tf}");
    assert!(
        tf.contains("resource \"aws_iam_role_policy\" \"app_p\""),
        "{tf}"
    );

    // A managed policy shared by two roles keeps what either used.
    let shared = get(&format!("managed:arn:aws:iam::{ACCT}:policy/shared"));
    assert_eq!(shared["outcome"], "refine", "{shared:#}");
    assert_eq!(
        after(&shared)["Statement"],
        json!({"Effect": "Allow", "Action": ["ec2:DescribeInstances", "s3:GetObject"], "Resource": "*"})
    );
    assert_eq!(shared["removed_actions"], 1);
    let sh = read(&folder(&shared).join("apply.sh"));
    assert!(sh.contains(&format!("aws iam create-policy-version --policy-arn 'arn:aws:iam::{ACCT}:policy/shared' --policy-document file://after.json --set-as-default")), "{sh}");
    assert!(
        sh.contains("set-default-policy-version") && sh.contains("'v2'"),
        "{sh}"
    );

    // NotAction becomes the needed actions it allowed; its condition stays.
    let broad = get(&format!("managed:arn:aws:iam::{ACCT}:policy/broad"));
    assert_eq!(broad["outcome"], "refine", "{broad:#}");
    let st = &after(&broad)["Statement"][0];
    assert!(st.get("NotAction").is_none());
    assert_eq!(st["Sid"], "AllButIam");
    assert_eq!(st["Action"], "s3:GetObject");
    assert_eq!(
        st["Condition"],
        json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    );

    // Nothing used: detach, with the roll-back.
    let unused = get(&format!("managed:arn:aws:iam::{ACCT}:policy/unusedp"));
    assert_eq!(unused["outcome"], "detach", "{unused:#}");
    let dir = folder(&unused);
    assert!(!dir.join("after.json").exists());
    let sh = read(&dir.join("apply.sh"));
    assert!(sh.contains(&format!("aws iam detach-role-policy --role-name 'app' --policy-arn 'arn:aws:iam::{ACCT}:policy/unusedp'")), "{sh}");
    assert!(sh.contains(&format!("# aws iam attach-role-policy --role-name 'app' --policy-arn 'arn:aws:iam::{ACCT}:policy/unusedp'")), "{sh}");
    assert!(read(&dir.join("diff.patch")).starts_with("--- before.json\n+++ /dev/null\n"));

    // Attached to entities the details do not show: their use is unknown, so it stays.
    let elsewhere = get(&format!("managed:arn:aws:iam::{ACCT}:policy/elsewhere"));
    assert_eq!(elsewhere["outcome"], "skipped");
    assert!(
        elsewhere["reason"]
            .as_str()
            .unwrap()
            .contains("attached to 3 entities"),
        "{elsewhere:#}"
    );
    assert!(elsewhere["folder"].is_null());

    // An AWS managed policy gets a customer managed replacement.
    let ro = get("managed:arn:aws:iam::aws:policy/ReadOnlyLike");
    assert_eq!(ro["outcome"], "replace", "{ro:#}");
    assert_eq!(
        after(&ro)["Statement"][0]["Action"],
        "ec2:DescribeInstances"
    );
    let sh = read(&folder(&ro).join("apply.sh"));
    for want in [
        "aws iam create-policy --policy-name 'ReadOnlyLike-refined' --path '/trailguard/' --policy-document file://after.json",
        &format!(
            "aws iam attach-role-policy --role-name 'worker' --policy-arn 'arn:aws:iam::{ACCT}:policy/trailguard/ReadOnlyLike-refined'"
        ),
        "aws iam detach-role-policy --role-name 'worker' --policy-arn 'arn:aws:iam::aws:policy/ReadOnlyLike'",
    ] {
        assert!(sh.contains(want), "{want}\n{sh}");
    }
    let cfn: Value = serde_json::from_str(&read(&folder(&ro).join("cfn.json"))).unwrap();
    assert_eq!(
        cfn["Resources"]["RefinedManagedPolicy"]["Properties"]["Roles"],
        json!(["worker"])
    );

    assert_eq!(
        sc.summary["refinements"],
        json!({"detach": 1, "refine": 3, "replace": 1, "skipped": 1})
    );
    // Independent readers: cfn-lint validates every template, python-hcl2 parses every
    // Terraform file to the same statements as after.json.
    let written: Vec<std::path::PathBuf> = index
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "refine" || r["outcome"] == "replace")
        .map(folder)
        .collect();
    assert_eq!(written.len(), 4);
    let lint = crate::common::require_tool("cfn-lint", "cfn-lint");
    for dir in &written {
        let out = std::process::Command::new(&lint)
            .arg(dir.join("cfn.json"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cfn-lint {}: {}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed = std::process::Command::new("python3")
            .args([
                "-c",
                "import hcl2, json, sys\n\
                 d = hcl2.load(open(sys.argv[1]))\n\
                 doc = list(d['data'][0]['\"aws_iam_policy_document\"'].values())[0]\n\
                 print(json.dumps([{k: s.get(k) for k in ('effect', 'actions', 'resources')} for s in doc['statement']]))",
            ])
            .arg(dir.join("policy.tf"))
            .output()
            .unwrap();
        assert!(
            parsed.status.success(),
            "{}",
            String::from_utf8_lossy(&parsed.stderr)
        );
        let tf: Value = serde_json::from_slice(&parsed.stdout).unwrap();
        let unquote = |v: &Value| -> Value {
            // python-hcl2 keeps the quotes of string literals.
            match v {
                Value::String(s) => json!(s.trim_matches('"')),
                Value::Array(a) => a
                    .iter()
                    .map(|x| json!(x.as_str().unwrap().trim_matches('"')))
                    .collect(),
                other => other.clone(),
            }
        };
        let a = after(
            &json!({"folder": dir.strip_prefix(out_root(&sc)).unwrap().display().to_string()}),
        );
        let stmts: Vec<Value> = match &a["Statement"] {
            Value::Array(v) => v.clone(),
            o => vec![o.clone()],
        };
        let list = |v: &Value| -> Value {
            match v {
                Value::String(s) => json!([s]),
                other => other.clone(),
            }
        };
        for (t, s) in tf.as_array().unwrap().iter().zip(&stmts) {
            assert_eq!(unquote(&t["effect"]), s["Effect"], "{}", dir.display());
            assert_eq!(
                unquote(&t["actions"]),
                list(&s["Action"]),
                "{}",
                dir.display()
            );
            assert_eq!(
                unquote(&t["resources"]),
                list(&s["Resource"]),
                "{}",
                dir.display()
            );
        }
        assert_eq!(tf.as_array().unwrap().len(), stmts.len());
    }
    // The refined documents lint clean, as the suggestions do.
    super::least_privilege::parliament_clean(out);
}

#[test]
fn an_sse_kms_upload_keeps_the_data_key_permission_on_its_key() {
    // A trail that leaves KMS events out shows no GenerateDataKey, yet PutObject into an
    // SSE-KMS bucket needs it: the response names the key. The earlier main dropped
    // kms:GenerateDataKey as unused, and the next upload with the suggestion would fail.
    let key = format!("arn:aws:kms:eu-west-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let mut put = s3_get("b", "PutObject", json!({}), 1);
    put["responseElements"] = json!({"x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": key});
    let c = Case::new(
        &[put],
        &[app_allowed(json!([
            "s3:PutObject",
            "kms:GenerateDataKey",
            "kms:Decrypt"
        ]))],
    );
    let sc = c.scan(EXIT_OK);
    let doc = policy(&sc, "app");
    let kms: Vec<&Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"].to_string().contains("kms:"))
        .collect();
    assert_eq!(kms.len(), 1, "{doc}");
    assert_eq!(kms[0]["Action"], json!(["kms:GenerateDataKey"]), "{doc}");
    assert_eq!(kms[0]["Resource"], json!(key));
    assert!(
        kms[0]["Sid"]
            .as_str()
            .unwrap()
            .starts_with("InferredFromRequest")
    );
    // kms:Decrypt was not needed by a single-part upload: unused.
    let f = sc.one(
        "unused-permissions",
        &format!("arn:aws:iam::{ACCT}:role/app"),
    );
    assert!(
        f["evidence"].to_string().contains("kms:Decrypt"),
        "{}",
        f["evidence"]
    );
}

#[test]
fn an_s3_data_event_naming_its_bucket_too_scopes_object_actions_to_the_objects() {
    // Real S3 data events list the object and its bucket in `resources[]`. The earlier build
    // took the bucket ARN as a resource of s3:GetObject too, so the replay found the observed
    // "GetObject on the bucket" refused by the suggestion (scoped to bucket/*) and wrote
    // nothing: on a generated organization, 144 of 176 suggestions were lost that way.
    let mut get = s3_get("b", "GetObject", json!({}), 1);
    get["resources"] = json!([
        {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"},
        {"accountId": ACCT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}
    ]);
    let c = Case::new(&[get], &[app_allowed(json!("s3:*"))]);
    let sc = c.scan(EXIT_OK);
    let doc = policy(&sc, "app");
    let allowed = allows(&doc);
    assert_eq!(
        resources_of(&allowed, "s3:GetObject"),
        [json!("arn:aws:s3:::b/*")],
        "{doc}"
    );
}
