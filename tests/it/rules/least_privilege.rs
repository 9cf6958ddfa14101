//! Granted versus used: `permissions.parquet`, the suggested policies under `policies/`, the
//! `unused-permissions` finding, and `parliament` (pip) as an independent linter of every
//! suggestion.

use super::*;
use crate::common::{duckdb, parquet, require_tool};
use serde_json::json;
use std::path::PathBuf;

const LP: &str = "tests/fixtures/rules/least-privilege";
const INVICTUS: &str = "../shared/cloudtrail-samples/invictus-ir-aws-dataset";

pub(super) fn policy_files(out: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let mut stack = vec![out.join("policies")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                // The suggestions, and the refined documents (`refine/.../after.json`); not
                // `before.json` (today's policy), `cfn.json` or `refinements.json`.
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let refined = p.components().any(|c| c.as_os_str() == "refine");
                if (refined && name == "after.json") || (!refined && name != "refinements.json") {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

fn doc(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every action a set of documents allows, with its statement's resources.
fn allowed(docs: &[Value]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for d in docs {
        for s in d["Statement"].as_array().unwrap() {
            assert_eq!(s["Effect"], "Allow");
            for a in s["Action"].as_array().unwrap() {
                out.push((a.as_str().unwrap().to_string(), s["Resource"].clone()));
            }
        }
    }
    out
}

/// `parliament` (pip) over every suggested policy. Its issues are read one by one; the only
/// ones accepted are notes that do not make a policy wrong:
/// * `UNKNOWN_ACTION` for an action that IS in the embedded catalog (parliament's own catalog is
///   older than AWS's: newer actions are unknown to it), or a wildcard that names some;
/// * `RESOURCE_STAR` (LOW) for actions that only take `*`;
/// * `RESOURCE_POLICY_PRIVILEGE_ESCALATION`: the principal really called `s3:PutBucketPolicy`
///   on the bucket (bert-jan's attack did), so a least-privilege policy keeps it; parliament
///   flags the combination, which the report should make a human look at.
///
/// Anything else (malformed documents, resource mismatches, unknown prefixes or conditions,
/// ...) fails the test.
pub(super) fn parliament_clean(out: &Path) {
    let tool = require_tool("parliament", "parliament");
    let files = policy_files(out);
    assert!(!files.is_empty());
    let list = files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let run = std::process::Command::new(tool)
        .args(["--json", "--minimum_severity", "LOW", "--files", &list])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run parliament");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.code().is_some(),
        "parliament crashed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let cat = trailguard::iam::catalog::catalog();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let issue: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("parliament output is not JSON ({e}): {line}"));
        match issue["issue"].as_str().unwrap_or("") {
            "UNKNOWN_ACTION" => {
                let action = issue["location"]["string"].as_str().unwrap_or("");
                // A wildcard (refinements over IAM's size limit) must name catalog actions.
                assert!(
                    cat.lookup(action).is_some() || !cat.expand(action).is_empty(),
                    "parliament: {action} is unknown to parliament AND to the catalog: {line}"
                );
            }
            "RESOURCE_STAR" | "RESOURCE_POLICY_PRIVILEGE_ESCALATION" => {}
            _ => panic!("parliament issue in a suggested policy: {line}"),
        }
    }
}

#[test]
fn role_keeps_what_it_used_and_loses_an_unused_delete() {
    let sc = scan(
        &[&format!("{LP}/app-writer-cloudtrail.json")],
        &["--iam-details", &format!("{LP}/details.json")],
        EXIT_OK,
    );
    let out = sc.out.path();
    let path = out.join("policies/111122223333/role/app-writer.json");
    let d = doc(&path);
    let allowed = allowed(std::slice::from_ref(&d));
    let find = |a: &str| allowed.iter().find(|(x, _)| x == a).map(|(_, r)| r.clone());
    // Used: kept, scoped to what the calls touched.
    assert_eq!(
        find("s3:GetObject"),
        Some(Value::from("arn:aws:s3:::app-data/*"))
    );
    assert_eq!(
        find("s3:PutObject"),
        Some(Value::from("arn:aws:s3:::app-data/*"))
    );
    assert_eq!(
        find("s3:ListBucket"),
        Some(Value::from("arn:aws:s3:::app-data"))
    );
    // Two regions: a region wildcard, never wider than the grant (table/orders).
    assert_eq!(
        find("dynamodb:DescribeTable"),
        Some(Value::from("arn:aws:dynamodb:*:111122223333:table/orders"))
    );
    // Granted but unused (and observable: the trail has S3 data events): dropped.
    assert_eq!(find("s3:DeleteObject"), None);
    // Permission-only and never needed by a call in a used service: not kept.
    assert_eq!(find("iam:PassRole"), None);
    // Data event without data events for DynamoDB: unobservable, kept for review.
    assert!(find("dynamodb:GetItem").is_some());
    // A conditional grant keeps its condition.
    let logs = d["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == serde_json::json!(["logs:CreateLogStream"]))
        .unwrap();
    assert_eq!(
        logs["Condition"],
        serde_json::json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    );

    // permissions.parquet, read by DuckDB.
    let rows = duckdb(&format!(
        "select action, granted, conditional, used, observable, use_count, denied_count, \
         granted_by from {} where principal = 'arn:aws:iam::111122223333:role/app-writer' \
         and action in ('s3:GetObject', 's3:DeleteObject', 'iam:PassRole', 'dynamodb:GetItem', \
         'logs:CreateLogStream', 'logs:DeleteLogGroup') order by action",
        parquet(&out.join("permissions.parquet"))
    ));
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} g={} c={} u={} o={} n={} d={} by={}",
                r["action"].as_str().unwrap(),
                r["granted"],
                r["conditional"],
                r["used"],
                r["observable"],
                r["use_count"],
                r["denied_count"],
                r["granted_by"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            r#"dynamodb:GetItem g=true c=false u=false o=false n=0 d=0 by=["inline:app-writer"]"#,
            r#"iam:PassRole g=true c=false u=false o=false n=0 d=0 by=["inline:app-writer"]"#,
            r#"logs:CreateLogStream g=true c=true u=true o=true n=1 d=0 by=["inline:app-writer"]"#,
            // Two allowed reads; two AccessDenied are denied attempts, not use.
            r#"s3:DeleteObject g=true c=false u=false o=true n=0 d=0 by=["inline:app-writer"]"#,
            r#"s3:GetObject g=true c=false u=true o=true n=2 d=2 by=["inline:app-writer"]"#,
        ]
    );
    // logs:Delete* is denied unconditionally: not granted, no row.

    // The finding and the report.
    let f = sc.one(
        "unused-permissions",
        "arn:aws:iam::111122223333:role/app-writer",
    );
    assert_eq!(f["severity"], "medium");
    // Permissions management first (logs:PutResourcePolicy), then Write.
    assert_eq!(
        f["evidence"]["riskiest_unused"][0],
        "01 logs:PutResourcePolicy (Permissions management)"
    );
    assert_eq!(f["evidence"]["used_actions"][0], 5);
    let report =
        std::fs::read_to_string(out.join("policies/111122223333/role/app-writer.txt")).unwrap();
    assert!(report.contains("remove these"), "{report}");
    assert!(report.contains("  s3:DeleteObject  [Write]"), "{report}");
    parliament_clean(out);
}

#[test]
fn bert_jan_gets_a_policy_allowing_every_action_he_used_but_the_attack() {
    let sc = scan(
        &[INVICTUS],
        &["--iam-details", &format!("{LP}/invictus-details.json")],
        EXIT_OK,
    );
    let out = sc.out.path();
    let used = duckdb(&format!(
        "select action from {} where principal = 'arn:aws:iam::123837392027:user/bert-jan' \
         and used order by action",
        parquet(&out.join("permissions.parquet"))
    ));
    let used: Vec<String> = used
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect();
    assert!(
        (200..=300).contains(&used.len()),
        "bert-jan used {} distinct actions",
        used.len()
    );
    let mut docs = Vec::new();
    for f in policy_files(out) {
        if f.parent().unwrap().ends_with("123837392027/user")
            && f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("bert-jan")
        {
            let text = std::fs::read_to_string(&f).unwrap();
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                compact.len() <= 6144,
                "{} is {} characters",
                f.display(),
                compact.len()
            );
            docs.push(doc(&f));
        }
    }
    assert!(!docs.is_empty());
    let allowed: std::collections::BTreeSet<String> =
        allowed(&docs).into_iter().map(|(a, _)| a).collect();
    let missing: Vec<&String> = used.iter().filter(|a| !allowed.contains(*a)).collect();
    // The calls the tampering and public-exposure findings flagged are the attack: kept out of
    // the suggestion, and named in the finding and the report.
    let attack = [
        "cloudtrail:DeleteTrail",
        "cloudtrail:StopLogging",
        "lambda:AddPermission",
    ];
    assert_eq!(missing, attack.iter().collect::<Vec<_>>());
    let f = sc.one(
        "unused-permissions",
        "arn:aws:iam::123837392027:user/bert-jan",
    );
    assert_eq!(
        f["evidence"]["used_actions"][0],
        (used.len() - attack.len()) as u64
    );
    assert_eq!(f["evidence"]["kept_out_flagged"], json!(attack));
    let report =
        std::fs::read_to_string(out.join("policies/123837392027/user/bert-jan.txt")).unwrap();
    assert!(
        report.contains("kept out") && report.contains("cloudtrail-tampering"),
        "{report}"
    );
    parliament_clean(out);
}

#[test]
fn without_details_only_use_is_written() {
    let sc = scan(&[&format!("{LP}/app-writer-cloudtrail.json")], &[], EXIT_OK);
    let out = sc.out.path();
    assert!(!out.join("policies").exists());
    let rows = duckdb(&format!(
        "select count(*) as n, sum(case when granted then 1 else 0 end) as g from {}",
        parquet(&out.join("permissions.parquet"))
    ));
    // GetObject, PutObject, ListBucket, DescribeTable, CreateLogStream.
    assert_eq!(rows[0]["n"].as_u64(), Some(5));
    assert_eq!(rows[0]["g"].as_u64(), Some(0));
    assert!(
        sc.summary["rules_not_run"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["rule"] == "unused-permissions")
    );
}
