//! Least-privilege engine throughput: `Engine::evaluate_account` on a synthetic account of 5,000
//! principals (2,500 users in 2 of 20 groups, with an inline and an attached policy and, for a
//! third of them, a permissions boundary; 2,500 roles with an inline and two attached policies;
//! 40 customer managed policies), with one SCP.
//!
//! `cold` builds a new `Engine` per iteration (every pattern expanded again); `warm` reuses one
//! (pattern expansions cached; managed and group policies are re-evaluated per account anyway).
//!
//! Run: `cargo bench --bench engine` (needs `[[bench]] name = "engine" harness = false`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration;
use trailguard::iam::details::{AccountDetails, Inventory};
use trailguard::iam::engine::Engine;
use trailguard::iam::policy::Policy;

const ACCT: &str = "123456789012";
const USERS: usize = 2_500;

const PATTERNS: [&str; 15] = [
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

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn stmt(i: usize) -> Value {
    json!({"Effect": "Allow",
           "Action": [PATTERNS[i % PATTERNS.len()], PATTERNS[(i * 7 + 3) % PATTERNS.len()]],
           "Resource": format!("arn:aws:s3:::bucket-{i}/*")})
}

fn policy_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCT}:policy/pol{}", i % 40)
}

fn synthetic_account() -> AccountDetails {
    let policies: Vec<Value> = (0..40)
        .map(|i| {
            json!({"PolicyName": format!("pol{i}"), "PolicyId": format!("ANPA{i}"), "Path": "/",
                "Arn": policy_arn(i), "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                    "Document": doc(json!([stmt(i), stmt(i + 1),
                        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]))}]})
        })
        .collect();
    let groups: Vec<Value> = (0..20)
        .map(|i| {
            json!({"GroupName": format!("g{i}"), "GroupId": format!("AGPA{i}"), "Path": "/",
                "Arn": format!("arn:aws:iam::{ACCT}:group/g{i}"),
                "GroupPolicyList": [{"PolicyName": "gi", "PolicyDocument": doc(json!([stmt(i * 3)]))}],
                "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": policy_arn(i)}]})
        })
        .collect();
    let mut users = Vec::with_capacity(USERS);
    let mut roles = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let own = doc(json!([stmt(i), {"Effect": "Allow",
            "Action": format!("s3:Put{}*", ["Object", "Bucket"][i % 2]), "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]));
        let mut u = json!({"UserName": format!("user{i:05}"), "UserId": format!("AIDA{i}"),
            "Path": "/", "Arn": format!("arn:aws:iam::{ACCT}:user/user{i:05}"),
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": own}],
            "GroupList": [format!("g{}", i % 20), format!("g{}", (i + 7) % 20)],
            "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": policy_arn(i)}]});
        if i % 3 == 0 {
            u["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": policy_arn(i + 5)});
        }
        users.push(u);
        roles.push(
            json!({"RoleName": format!("role{i:05}"), "RoleId": format!("AROA{i}"),
            "Path": "/", "Arn": format!("arn:aws:iam::{ACCT}:role/role{i:05}"),
            "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": doc(json!([stmt(i + 11)]))}],
            "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": policy_arn(i + 1)},
                                        {"PolicyName": "y", "PolicyArn": policy_arn(i + 2)}]}),
        );
    }
    let page = json!({"UserDetailList": users, "GroupDetailList": groups,
                      "RoleDetailList": roles, "Policies": policies});
    let bytes = serde_json::to_vec(&page).expect("serialize");
    let inv = Inventory::parse_bytes("synthetic.json", &bytes).expect("synthetic details");
    inv.accounts.into_values().next().expect("one account")
}

fn scps() -> Vec<Policy> {
    let scp = doc(
        json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/admin": "true"}}}]),
    );
    vec![Policy::from_value(&scp).expect("scp")]
}

fn bench(c: &mut Criterion) {
    let acct = synthetic_account();
    let principals = (acct.users.len() + acct.roles.len()) as u64;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(principals));
    g.measurement_time(Duration::from_secs(10));
    g.sample_size(20);
    g.bench_function("evaluate_account/cold", |b| {
        b.iter(|| {
            let grants = Engine::new(scps()).evaluate_account(black_box(&acct));
            black_box(grants.len())
        })
    });
    let mut engine = Engine::new(scps());
    g.bench_function("evaluate_account/warm", |b| {
        b.iter(|| black_box(engine.evaluate_account(black_box(&acct)).len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
