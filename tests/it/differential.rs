//! The engine against an independent IAM evaluator (issue 10): random policies, random
//! requests, the same question asked of trailguard's [`Grant::decide`] and of
//! `@cloud-copilot/iam-simulate` (npm, installed into `tests/evaluator/` by `.ci/run`; it is
//! not written here and shares no code with trailguard).
//!
//! Each scenario is one user with one or two inline policies, sometimes a permissions
//! boundary and one or two SCP levels (each level holds an `Allow`, as AWS requires), built
//! from wildcards, `NotAction`, `NotResource`, `Deny`, short ARNs, case changes and a
//! condition. Each request (an action and a concrete resource of one of its resource types,
//! or `"*"` for an action that takes none) is asked twice: with a context in which every
//! condition holds, and with an empty one in which none does ([`Conditions`]). Every answer
//! must agree (allowed, explicitly or implicitly denied). The generator is seeded, so a
//! failure repeats; set `TRAILGUARD_DIFF_SEED` and `TRAILGUARD_DIFF_SCENARIOS` to explore, and
//! `TRAILGUARD_DIFF_DUMP=FILE` to write every disagreement with its case.
//!
//! Short ARNs are generated with a trailing `*` (`arn:aws:s3:*`), in `Resource` only. The IAM
//! user guide says a `*` that ends a segment runs past the colons, so both read that as padded
//! with `*` segments. Without the `*` (`arn:aws:s3`) the guide gives no special meaning: the
//! engine reads it as the literal it is (it names no resource), the evaluator pads it. In a
//! `NotResource` the evaluator never lets a short ARN match ("conservative", in its words);
//! the engine pads it there too. Those two are left out of the comparison.
//!
//! Resource control policies (`Deny` statements on `Principal: "*"`, without `NotAction` or an
//! `Action` of `*`, as AWS requires) are attached level by level above both accounts the
//! requests name, with full ARNs only (the evaluator does not pad a short one there). AWS
//! applies them only to the resources of the services it lists (S3, STS,
//! KMS, SQS, Secrets Manager, ...); the evaluator applies them to every request, so it gets
//! them only for requests of those services.
//!
//! KMS keys and role trust need a resource policy besides the identity policy; the evaluator
//! models that, the engine (identity side only) does not. Requests of `kms:*` and
//! `sts:AssumeRole*` get the default key policy (the account's root may do everything), so that
//! the identity side decides, as it does for the other services.
//!
//! [`Grant::decide`]: trailguard::iam::engine::Grant::decide

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use trailguard::iam::catalog::{ActionId, catalog};
use trailguard::iam::details::Inventory;
use trailguard::iam::engine::{Conditions, Decision, Engine, Organization, RCP_SERVICES};
use trailguard::iam::policy::Policy;

const ACCT: &str = "111122223333";
const RESOURCE_TYPES: &str = include_str!("../../src/iam/data/resource_types.tsv");

/// xorshift64*: small, seeded, good enough to pick from lists.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

/// `service/type` (lower-case) -> ARN format.
fn formats() -> BTreeMap<String, &'static str> {
    RESOURCE_TYPES
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let (svc, ty, arn) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            (format!("{svc}/{}", ty.to_ascii_lowercase()), arn)
        })
        .collect()
}

/// A concrete ARN of the format: partition `aws`, this account (or another), a region, and a
/// short name for every other variable.
fn instantiate(format: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').unwrap() + at;
        let var = &rest[at + 2..end];
        let segment = out.matches(':').count();
        out.push_str(match var {
            "Partition" => "aws",
            "Region" => rng.pick(&["us-east-1", "eu-west-1"]),
            _ if segment == 4 || var.starts_with("Acc") => rng.pick(&[ACCT, ACCT, "444455556666"]),
            // Only paths and keys hold a '/' (a bucket or topic name never does; the engine
            // knows it of buckets, see applicability.rs).
            _ if var.contains("Path") || var.contains("Key") || var == "ObjectName" => {
                rng.pick(&["alpha", "Gamma", "dir/alpha"])
            }
            "BucketName" => rng.pick(&["alpha", "beta", "gamma"]),
            _ => rng.pick(&["alpha", "beta", "Gamma"]),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

struct Request {
    action: ActionId,
    resource: String,
}

/// A request of `a`: a resource of one of its types with a known format, or `"*"` for an
/// action that takes none (`None` when no type has a usable format).
fn request(
    a: ActionId,
    formats: &BTreeMap<String, &'static str>,
    rng: &mut Rng,
) -> Option<Request> {
    let info = catalog().get(a);
    let known: Vec<&str> = info
        .resource_types()
        .filter_map(|(t, _)| formats.get(&format!("{}/{}", info.service, t.to_ascii_lowercase())))
        .copied()
        // A format with a literal `*` (`phone-number/*`) names a pattern, not a resource.
        .filter(|f| !f.contains('*'))
        .collect();
    let resource = if info.resource_types().next().is_none() {
        "*".to_string()
    } else if known.is_empty() {
        return None;
    } else {
        instantiate(rng.pick(&known), rng)
    };
    Some(Request {
        action: a,
        resource,
    })
}

/// An action pattern that names `a` (exactly, by case, by wildcard) or something else.
fn action_pattern(a: ActionId, rng: &mut Rng) -> String {
    let info = catalog().get(a);
    let (svc, name) = (info.service, info.name);
    match rng.below(8) {
        0 => format!("{svc}:{name}"),
        1 => format!("{}:{}", svc.to_uppercase(), name.to_lowercase()),
        2 => format!("{svc}:*"),
        3 => format!("{svc}:{}*", &name[..name.len().min(3)]),
        4 => format!("{svc}:?{}", &name[1..]),
        5 => "*".to_string(),
        6 => format!("{svc}:*{}", &name[name.len().saturating_sub(4)..]),
        _ => rng
            .pick(&["ec2:*", "s3:Get*", "iam:*User*", "kms:Decrypt", "sts:*"])
            .to_string(),
    }
}

/// A resource pattern near `r` (equal, widened, short, other case, other service) or `*`.
/// `short`: whether a short ARN (fewer than six segments) may be chosen; see the module notes
/// for why none goes into a `NotResource` or an SCP.
fn resource_pattern(r: &str, short: bool, rng: &mut Rng) -> String {
    if r == "*" {
        let p = rng.pick(&["*", "*", "arn:aws:sns:*:111122223333:*", "arn:aws:*"]);
        return if !short && p == "arn:aws:*" { "*" } else { p }.to_string();
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    let with = |i: usize, v: &str| {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        p[i] = v.to_string();
        p.join(":")
    };
    match rng.below(11) {
        0 => "*".to_string(),
        1 => r.to_string(),
        2 => with(4, "*"),
        3 => with(3, "*"),
        4 => {
            // The last path element widened: `.../alpha` -> `.../*`.
            match r.rfind(['/', ':']) {
                Some(i) if i > 12 => format!("{}*", &r[..=i]),
                _ => format!("{r}*"),
            }
        }
        5 if short => format!("arn:aws:{}:*", parts.get(2).unwrap_or(&"s3")),
        5 => with(3, "*"),
        6 => with(5, &parts.get(5).unwrap_or(&"x").to_uppercase()),
        7 => with(2, &parts.get(2).unwrap_or(&"s3").to_uppercase()),
        8 => "arn:aws:cloudformation:*:*:stack/*".to_string(),
        9 => with(5, "*"),
        _ => format!("{}?", &r[..r.len() - 1]),
    }
}

fn statement(reqs: &[Request], rng: &mut Rng, deny_percent: u64) -> Value {
    let mut st = serde_json::Map::new();
    st.insert(
        "Effect".into(),
        json!(if rng.chance(deny_percent) {
            "Deny"
        } else {
            "Allow"
        }),
    );
    let n = 1 + rng.below(2);
    let actions: Vec<String> = (0..n)
        .map(|_| action_pattern(reqs[rng.below(reqs.len())].action, rng))
        .collect();
    let key = if rng.chance(15) {
        "NotAction"
    } else {
        "Action"
    };
    st.insert(key.into(), json!(actions));
    let m = 1 + rng.below(2);
    let key = if rng.chance(15) {
        "NotResource"
    } else {
        "Resource"
    };
    let short = key == "Resource";
    let resources: Vec<String> = (0..m)
        .map(|_| resource_pattern(&reqs[rng.below(reqs.len())].resource, short, rng))
        .collect();
    st.insert(key.into(), json!(resources));
    if rng.chance(25) {
        st.insert(
            "Condition".into(),
            json!({"StringEquals": {"aws:PrincipalTag/team": "red"}}),
        );
    }
    Value::Object(st)
}

fn cat_name(a: ActionId) -> String {
    catalog().get(a).full_name()
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

struct Scenario {
    identity: Vec<Value>,
    boundary: Option<Value>,
    scps: Vec<Vec<Value>>,
    /// Resource control policy levels, root first: `Deny` statements on `Principal: "*"`.
    rcps: Vec<Vec<Value>>,
    requests: Vec<Request>,
}

fn scenario(
    pool: &[ActionId],
    formats: &BTreeMap<String, &'static str>,
    rng: &mut Rng,
) -> Scenario {
    let mut requests: Vec<Request> = Vec::new();
    while requests.len() < 4 {
        requests.extend(request(rng.pick(pool), formats, rng));
    }
    let stmts = |rng: &mut Rng, deny: u64| -> Vec<Value> {
        (0..1 + rng.below(3))
            .map(|_| statement(&requests, rng, deny))
            .collect()
    };
    let identity = (0..1 + rng.below(2))
        .map(|_| policy(stmts(rng, 20)))
        .collect();
    let boundary = rng.chance(30).then(|| policy(stmts(rng, 10)));
    let full = policy(vec![
        json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    ]);
    let scps = (0..rng.below(3))
        .map(|_| {
            let mut level = vec![];
            if rng.chance(50) {
                level.push(full.clone());
            }
            // Every level holds an Allow statement (AWS denies everything through a level
            // without one; the engine reads a deny-list-only level as sitting beside
            // FullAWSAccess, and the evaluator would not).
            let mut own = stmts(rng, 30);
            own.push(json!({"Effect": "Allow",
                "Action": action_pattern(requests[rng.below(requests.len())].action, rng), "Resource": "*"}));
            level.push(policy(own));
            level
        })
        .collect();
    let rcps = (0..if rng.chance(30) { 1 + rng.below(2) } else { 0 })
        .map(|_| {
            let own: Vec<Value> = stmts(rng, 100)
                .into_iter()
                .map(|mut st| {
                    // RCPs take neither `NotAction` nor an `Action` of `*` (AWS and the
                    // evaluator refuse them).
                    if let Some(o) = st.as_object_mut()
                        && let Some(v) = o.remove("NotAction")
                    {
                        o.insert("Action".into(), v);
                    }
                    let actions: Vec<Value> = st["Action"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|a| {
                            a.as_str()
                                .is_some_and(|a| !a.trim_start_matches('*').is_empty())
                        })
                        .cloned()
                        .collect();
                    st["Action"] = if actions.is_empty() {
                        json!(cat_name(requests[0].action))
                    } else {
                        json!(actions)
                    };
                    // Nor short ARNs: the evaluator does not pad them in an RCP (a deny that
                    // then does not apply: a refusal either way, told apart as implicit).
                    for key in ["Resource", "NotResource"] {
                        if let Some(list) = st.get_mut(key).and_then(Value::as_array_mut) {
                            list.retain(|r| {
                                r.as_str()
                                    .is_some_and(|r| r == "*" || r.matches(':').count() >= 5)
                            });
                            if list.is_empty() {
                                list.push(json!("*"));
                            }
                        }
                    }
                    st["Principal"] = json!("*");
                    st
                })
                .collect();
            vec![policy(own)]
        })
        .collect();
    Scenario {
        identity,
        boundary,
        scps,
        rcps,
        requests,
    }
}

/// The scenario as an authorization-details document and an organization, evaluated by the
/// engine.
fn evaluate(s: &Scenario) -> trailguard::iam::engine::Grant {
    let boundary_arn = format!("arn:aws:iam::{ACCT}:policy/boundary");
    let mut user = json!({
        "UserName": "u", "UserId": "AIDAEXAMPLE", "Path": "/",
        "Arn": format!("arn:aws:iam::{ACCT}:user/u"), "CreateDate": "2024-01-01T00:00:00Z",
        "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
        "UserPolicyList": s.identity.iter().enumerate()
            .map(|(i, p)| json!({"PolicyName": format!("identity{i}"), "PolicyDocument": p}))
            .collect::<Vec<_>>(),
    });
    let mut policies = vec![];
    if let Some(b) = &s.boundary {
        user["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary_arn});
        policies.push(json!({"PolicyName": "boundary", "PolicyId": "ANPAEXAMPLE",
            "Arn": boundary_arn, "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": 1, "IsAttachable": true,
            "PolicyVersionList": [{"Document": b, "VersionId": "v1", "IsDefaultVersion": true}]}));
    }
    let details = json!({"UserDetailList": [user], "GroupDetailList": [], "RoleDetailList": [],
        "Policies": policies});
    let inv = Inventory::parse_bytes("differential.json", &serde_json::to_vec(&details).unwrap())
        .unwrap();
    let acct = inv.accounts.values().next().unwrap();
    // One chain of targets, root first; SCP level i and RCP level i are attached to target i
    // (a target without SCPs is a level that filters nothing, as the evaluator's absent level).
    // Both accounts whose resources the requests name sit below it (the evaluator applies the
    // RCPs to every request's resource).
    let mut org = Organization::default();
    let depth = s.scps.len().max(s.rcps.len());
    let mut parent: Option<String> = None;
    for i in 0..depth {
        let target = if i == 0 {
            "r-root".to_string()
        } else {
            format!("ou-{i}")
        };
        for (kind, levels) in [("p", &s.scps), ("rcp", &s.rcps)] {
            let Some(level) = levels.get(i) else {
                continue;
            };
            let ids: Vec<String> = (0..level.len())
                .map(|j| format!("{kind}-{i}-{j}"))
                .collect();
            for (id, p) in ids.iter().zip(level) {
                org.policies.insert(
                    id.clone(),
                    Policy::from_value(p).expect("generated policy parses"),
                );
            }
            if kind == "p" {
                org.targets.insert(target.clone(), ids);
            } else {
                org.rcp_targets.insert(target.clone(), ids);
            }
        }
        if let Some(p) = parent {
            org.parents.insert(target.clone(), p);
        }
        parent = Some(target);
    }
    let mut engine = Engine::new(vec![]);
    if let Some(p) = parent {
        org.parents.insert(ACCT.to_string(), p.clone());
        org.parents.insert("444455556666".to_string(), p);
        engine = engine.with_organization(org);
    }
    let mut grants = engine.evaluate_account(acct);
    assert_eq!(grants.len(), 1);
    grants.remove(0)
}

fn evaluator_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/evaluator")
}

#[test]
fn the_engine_agrees_with_an_independent_iam_evaluator() {
    let dir = evaluator_dir();
    assert!(
        dir.join("node_modules/@cloud-copilot/iam-simulate")
            .is_dir(),
        "the independent evaluator is not installed: run `npm ci --prefix tests/evaluator` \
         (as .ci/run does)"
    );
    let seed: u64 = std::env::var("TRAILGUARD_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7261_696c_6775_6172);
    let n: usize = std::env::var("TRAILGUARD_DIFF_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let mut rng = Rng(seed | 1);
    let formats = formats();
    let cat = catalog();
    // Actions with every shape: object and bucket ARNs, no resource, cross-service types,
    // paths; plus a random sample of the current catalog.
    let mut pool: Vec<ActionId> = [
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListAllMyBuckets",
        "s3:PutObjectAcl",
        "iam:CreateUser",
        "iam:PassRole",
        "iam:ListUsers",
        "kms:Decrypt",
        "cloudwatch:EnableTopologyDiscovery",
        "ec2:RunInstances",
        "ec2:DescribeInstances",
        "dynamodb:GetItem",
        "sts:AssumeRole",
        "lambda:InvokeFunction",
        "logs:PutLogEvents",
        "cloudformation:DeleteStack",
        "cloudtrail:StopLogging",
        "sns:Publish",
    ]
    .iter()
    .map(|a| cat.lookup(a).unwrap())
    .collect();
    let current: Vec<ActionId> = cat
        .iter()
        .filter(|(_, i)| i.current)
        .map(|(id, _)| id)
        .collect();
    for _ in 0..60 {
        pool.push(rng.pick(&current));
    }

    let scenarios: Vec<Scenario> = (0..n)
        .map(|_| scenario(&pool, &formats, &mut rng))
        .collect();
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for (si, s) in scenarios.iter().enumerate() {
        let g = evaluate(s);
        for (ri, r) in s.requests.iter().enumerate() {
            for (mode, how, context) in [
                (
                    "hold",
                    Conditions::Hold,
                    json!({"aws:PrincipalTag/team": "red"}),
                ),
                ("fail", Conditions::Fail, json!({})),
            ] {
                let id = format!("{si}/{ri}/{mode}");
                let d = g.decide(r.action, &r.resource, how);
                // The action-set view agrees with the request view: what one request may do
                // is granted (statements apply only to actions whose resources they match).
                if d == Decision::Allowed {
                    assert!(
                        g.granted.contains(r.action),
                        "{id}: {} allowed on {} but not in `granted`",
                        cat.get(r.action),
                        r.resource
                    );
                }
                ours.push((id.clone(), d));
                let action = cat.get(r.action).full_name();
                let delegate = action.starts_with("kms:") || action.starts_with("sts:AssumeRole");
                // RCPs bound only the resources of the services AWS lists; the evaluator
                // applies them to any request, so it is given them only for those.
                let rcp_bound = RCP_SERVICES.contains(&cat.get(r.action).service);
                cases.push(json!({
                    "resourcePolicy": delegate.then(|| json!({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow",
                            "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")},
                            "Action": "*", "Resource": "*"}]})),
                    "id": id, "principal": format!("arn:aws:iam::{ACCT}:user/u"),
                    "account": ACCT, "action": action,
                    "resource": r.resource, "context": context,
                    "identity": s.identity, "boundary": s.boundary, "scps": s.scps,
                    "rcps": if rcp_bound { s.rcps.clone() } else { vec![] },
                }));
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("cases.json");
    std::fs::write(&input, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("simulate.mjs"))
        .arg(&input)
        .current_dir(&dir)
        .output()
        .expect("node runs (Node.js is on the CI machine)");
    assert!(
        out.status.success(),
        "simulate.mjs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), ours.len());

    let (mut agree, mut rejected) = (0usize, BTreeMap::<String, usize>::new());
    let mut tally = BTreeMap::<&str, usize>::new();
    let mut disagreements = Vec::new();
    for ((id, mine), t) in ours.iter().zip(&theirs) {
        assert_eq!(t["id"], json!(id));
        let answer = t["result"].as_str().unwrap();
        if let Some(why) = answer.strip_prefix("error: ") {
            let c = cases.iter().find(|c| c["id"] == json!(id)).unwrap();
            let key = format!("{} {}: {}", c["action"], c["resource"], why);
            *rejected.entry(key.chars().take(160).collect()).or_default() += 1;
            continue;
        }
        *tally.entry(mine.as_str()).or_default() += 1;
        if answer == mine.as_str() {
            agree += 1;
        } else {
            disagreements.push((id.clone(), *mine, answer.to_string()));
        }
    }
    let compared = agree + disagreements.len();
    eprintln!(
        "differential: {n} scenarios, {} requests asked, {compared} compared, {agree} agree, \
         {} disagree, {} rejected by the evaluator; engine answers {tally:?}",
        ours.len(),
        disagreements.len(),
        rejected.values().sum::<usize>()
    );
    for (why, k) in &rejected {
        eprintln!("  rejected x{k}: {why}");
    }
    // The evaluator must have answered nearly every case, with every kind of answer.
    assert!(compared * 10 >= ours.len() * 9, "too many cases rejected");
    assert!(tally.len() == 3, "{tally:?}");
    if !disagreements.is_empty() {
        if let Ok(path) = std::env::var("TRAILGUARD_DIFF_DUMP") {
            let all: Vec<Value> = disagreements
                .iter()
                .map(|(id, mine, answer)| {
                    let mut c = cases.iter().find(|c| c["id"] == json!(id)).unwrap().clone();
                    c["engine"] = json!(mine.as_str());
                    c["evaluator"] = json!(answer);
                    c
                })
                .collect();
            std::fs::write(path, serde_json::to_vec_pretty(&all).unwrap()).unwrap();
        }
        let mut msg = String::new();
        for (id, mine, answer) in disagreements.iter().take(8) {
            let case = cases.iter().find(|c| c["id"] == json!(id)).unwrap();
            msg.push_str(&format!(
                "\n{id}: engine {} / evaluator {answer}\n{}\n",
                mine.as_str(),
                serde_json::to_string(case).unwrap()
            ));
        }
        panic!("{} disagreements:{msg}", disagreements.len());
    }
}
