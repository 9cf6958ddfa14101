//! Changes that make resources public: resource policies, ACLs and sharing attributes that let
//! in everyone, and S3 Block Public Access turned off.
//!
//! Policy documents in `requestParameters` (objects or JSON strings) are parsed with
//! [`crate::iam::policy`] and judged by [`Policy::exposure`]: a statement counts when it lets in
//! everyone (`Principal` `*`, `{"AWS": "*"}` or `NotPrincipal`) without a restricting
//! condition. Grants to named accounts are left to the cross-account rules. Only successful
//! calls (no `errorCode`) count.
//!
//! | API (event source) | public when |
//! |---|---|
//! | `PutBucketPolicy` (s3) | `bucketPolicy` has a public statement |
//! | `PutBucketAcl`, `PutObjectAcl` (s3) | an `AccessControlPolicy` grant, an `x-amz-grant-*` header or the canned `x-amz-acl` names `AllUsers` or `AuthenticatedUsers` |
//! | `CreateBucket`, `PutObject`, `CopyObject` (s3) | a public canned ACL or `x-amz-grant-*` header |
//! | `PutBucketPublicAccessBlock`, `DeleteBucketPublicAccessBlock` (s3) | a setting off (false or left out) / deleted: Medium |
//! | `PutAccountPublicAccessBlock`, `DeleteAccountPublicAccessBlock` (s3, s3control) | the same, account-wide: High |
//! | `AddPermission` (lambda) | `principal` `*` without `sourceArn`, `sourceAccount`, `principalOrgID` |
//! | `CreateFunctionUrlConfig`, `UpdateFunctionUrlConfig` (lambda) | `authType` `NONE` |
//! | `AddLayerVersionPermission` (lambda) | `principal` `*` without `organizationId`: Medium |
//! | `PutKeyPolicy`, `CreateKey` (kms) | `policy` has a public statement |
//! | `SetQueueAttributes`, `CreateQueue` (sqs) | `attributes.Policy` has a public statement |
//! | `SetTopicAttributes` (`attributeName` `Policy`), `CreateTopic` (sns) | the policy has a public statement |
//! | `SetRepositoryPolicy` (ecr; ecr-public is public by design) | `policyText` has a public statement |
//! | `PutResourcePolicy` (secretsmanager) | `resourcePolicy` has a public statement |
//! | `SetVaultAccessPolicy` (glacier) | `policy.policy` has a public statement |
//! | `PutPermission` (events) | `policy`, or `principal` `*` without a restricting `condition` |
//! | `ModifySnapshotAttribute`, `ModifyImageAttribute` (ec2) | `createVolumePermission` / `launchPermission` adds group `all` |
//! | `ModifyDBSnapshotAttribute`, `ModifyDBClusterSnapshotAttribute` (rds) | `restore` gains `all` |
//!
//! Findings are grouped per resource, caller and kind (a public grant, or a Block Public Access
//! setting turned off): the same bucket made public three times by one caller is one finding
//! with count 3.

use super::util::{principal, ptype};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::{Event, Json};
use crate::iam::mapping::strip_version_suffix;
use crate::iam::policy::Policy;
use serde_json::{Map, Value, json};
use simd_json::prelude::*;

rule_info! {
    id: "public-resource-policy",
    anti_pattern: "6",
    severity: High,
    title: "Resource made public",
    inputs: [Cloudtrail],
    what: "Successful changes that let everyone in: S3 bucket policies and ACLs granting `*`, `AllUsers` or `AuthenticatedUsers` (also canned ACLs on `CreateBucket`, `PutObject`, `PutObjectAcl`); S3 Block Public Access removed or weakened, per bucket (Medium) or account-wide (High); Lambda `AddPermission` for `*` without `SourceArn`/`SourceAccount`/`PrincipalOrgID`, function URLs with `AuthType` `NONE`, public layers (Medium); KMS key, SQS queue, SNS topic, ECR repository, Secrets Manager secret, Glacier vault and EventBridge bus policies with a statement for `*` and no restricting condition; EBS snapshots, AMIs and RDS snapshots shared with `all`. Policy documents are parsed, not searched; a statement with a restricting condition (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:SourceVpce`, `kms:CallerAccount`, ...) is not public, and grants to named accounts are left to the cross-account rules. Failed calls do not count. One finding per resource and caller.",
    why: "A public resource is readable (or writable, or invokable) by anyone on the internet or any AWS account: public buckets and snapshots are the most common source of cloud data leaks, and a public Lambda or queue policy is a ready-made backdoor. Attackers add such grants to exfiltrate data or keep access.",
    fix: "Revert the change the finding names: remove the public statement or delete the policy (`aws s3api delete-bucket-policy`, `aws lambda remove-permission`), set the ACL back to `private`, remove the `all` group from the snapshot or image, and turn S3 Block Public Access back on for the bucket and the account. Then find out why the caller made it, and block it for the future (account-level Block Public Access, an SCP denying these calls without a condition).",
}

/// Converts a tape value (from `requestParameters` and friends) to a `serde_json` value. These
/// events are rare, so the copy costs nothing worth measuring.
pub fn to_json(v: Json<'_, '_>) -> Value {
    if v.is_null() {
        Value::Null
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(i) = v.as_i64() {
        Value::from(i)
    } else if let Some(u) = v.as_u64() {
        Value::from(u)
    } else if let Some(f) = v.as_f64() {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Some(s) = v.as_str() {
        Value::String(s.to_string())
    } else if let Some(a) = v.as_array() {
        Value::Array(a.iter().map(to_json).collect())
    } else if let Some(o) = v.as_object() {
        Value::Object(o.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
    } else {
        Value::Null
    }
}

/// The member `key` of an object, matched exactly, else ASCII-case-insensitively (S3 writes
/// `AccessControlPolicy`, some clients `accessControlPolicy`).
fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A non-empty string member.
fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    get(v, key)?.as_str().filter(|s| !s.is_empty())
}

/// A string, or each string of an array (headers are written either way).
fn texts(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// An object, or each object of an array (XML-derived elements hold one or many).
fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// A boolean that may be written as a string.
fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A public grant, or a guardrail turned off.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Public,
    Guardrail,
}

/// One thing an event made public.
struct Change {
    /// The resource (an ARN where one exists); part of the group key.
    resource: String,
    /// The title without the caller: `S3 bucket b made public`.
    headline: String,
    kind: Kind,
    severity: Severity,
    /// What was granted: `Principal * may s3:GetObject on arn:aws:s3:::b/*`.
    grants: Vec<String>,
    /// Sids (or `Statement[i]`) of the public statements.
    statements: Vec<String>,
    /// An object key, for object ACLs.
    object: Option<String>,
    /// What to run to revert it.
    remediation: String,
}

impl Change {
    fn public(resource: String, headline: String, remediation: String) -> Self {
        Change {
            resource,
            headline,
            kind: Kind::Public,
            severity: Severity::High,
            grants: Vec::new(),
            statements: Vec::new(),
            object: None,
            remediation,
        }
    }
}

/// The public statements of a policy document (a JSON object, or a string holding one).
/// Documents that do not parse are skipped (and logged at debug level).
fn public_statements(doc: Option<&Value>, own_account: &str) -> (Vec<String>, Vec<String>) {
    let parsed = match doc {
        Some(Value::String(s)) if !s.trim().is_empty() => Policy::parse_str(s),
        Some(v @ Value::Object(_)) => Policy::from_value(v),
        _ => return (Vec::new(), Vec::new()),
    };
    let policy = match parsed {
        Ok(p) => p,
        Err(err) => {
            tracing::debug!(%err, "public-resource-policy: policy document does not parse");
            return (Vec::new(), Vec::new());
        }
    };
    policy
        .exposure(Some(own_account))
        .into_iter()
        .filter(|x| x.is_public())
        .map(|x| (x.describe(), x.label))
        .unzip()
}

/// A change for a policy document, when it has public statements.
fn from_policy(
    doc: Option<&Value>,
    own_account: &str,
    resource: String,
    headline: String,
    remediation: impl FnOnce(&[String]) -> String,
) -> Option<Change> {
    let (grants, statements) = public_statements(doc, own_account);
    if grants.is_empty() {
        return None;
    }
    let mut c = Change::public(resource, headline, remediation(&statements));
    c.grants = grants;
    c.statements = statements;
    Some(c)
}

/// Where an event happened, for building ARNs.
struct Place<'a> {
    partition: &'static str,
    region: &'a str,
    account: &'a str,
}

impl Place<'_> {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }
}

// ---------------------------------------------------------------------------------------------
// S3

const ALL_USERS: &str = "acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// `AllUsers` or `AuthenticatedUsers` for their group URIs (`http://` or `https://`).
fn public_group(uri: &str) -> Option<&'static str> {
    let rest = uri
        .trim()
        .strip_prefix("http://")
        .or_else(|| uri.trim().strip_prefix("https://"))?;
    if rest == ALL_USERS {
        Some("AllUsers")
    } else if rest == AUTHENTICATED_USERS {
        Some("AuthenticatedUsers")
    } else {
        None
    }
}

/// The public grants of an S3 ACL change: the canned `x-amz-acl`, the `x-amz-grant-*`
/// headers, and the `AccessControlPolicy` body.
fn s3_acl_grants(p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for acl in texts(get(p, "x-amz-acl")) {
        let g = match acl.trim() {
            "public-read" => "AllUsers may READ",
            "public-read-write" => "AllUsers may READ, WRITE",
            "authenticated-read" => "AuthenticatedUsers may READ",
            _ => continue,
        };
        out.push(format!("canned ACL {acl}: {g}"));
    }
    for (header, perm) in [
        ("x-amz-grant-read", "READ"),
        ("x-amz-grant-write", "WRITE"),
        ("x-amz-grant-read-acp", "READ_ACP"),
        ("x-amz-grant-write-acp", "WRITE_ACP"),
        ("x-amz-grant-full-control", "FULL_CONTROL"),
    ] {
        // `uri="http://acs.amazonaws.com/groups/global/AllUsers", id="..."`
        for value in texts(get(p, header)) {
            for grantee in value.split(',') {
                let Some((kind, who)) = grantee.split_once('=') else {
                    continue;
                };
                if !kind.trim().eq_ignore_ascii_case("uri") {
                    continue;
                }
                if let Some(group) = public_group(who.trim().trim_matches('"')) {
                    out.push(format!("{group} may {perm} ({header})"));
                }
            }
        }
    }
    let list = get(p, "AccessControlPolicy").and_then(|a| get(a, "AccessControlList"));
    for grant in one_or_many(list.and_then(|l| get(l, "Grant"))) {
        let Some(group) = get(grant, "Grantee")
            .and_then(|g| text(g, "URI"))
            .and_then(public_group)
        else {
            continue;
        };
        let perm = text(grant, "Permission").unwrap_or("(unknown permission)");
        out.push(format!("{group} may {perm}"));
    }
    out
}

/// Block Public Access settings left off by a `PublicAccessBlockConfiguration` (a setting left
/// out of the request is off). `None` when the configuration is missing from the event.
fn pab_off(p: &Value) -> Option<Vec<&'static str>> {
    let cfg = get(p, "PublicAccessBlockConfiguration")?;
    cfg.as_object()?;
    Some(
        [
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ]
        .into_iter()
        .filter(|k| flag(get(cfg, k)) != Some(true))
        .collect(),
    )
}

const PAB_ALL_ON: &str =
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true";

fn s3(name: &str, p: &Value, at: &Place<'_>) -> Vec<Change> {
    let bucket = text(p, "bucketName").unwrap_or("unknown");
    let arn = format!("arn:{}:s3:::{bucket}", at.partition);
    let mut out = Vec::new();
    match name {
        "PutBucketPolicy" => {
            out.extend(from_policy(
                get(p, "bucketPolicy"),
                at.account,
                arn,
                format!("S3 bucket {bucket} made public"),
                |_| {
                    format!(
                        "Remove the public statements (`policy_statement`) from the policy of bucket {bucket} and put it back (`aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json`), or delete the policy: `aws s3api delete-bucket-policy --bucket {bucket}`. Keep Block Public Access on: `aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration {PAB_ALL_ON}`."
                    )
                },
            ));
        }
        "PutBucketAcl" | "CreateBucket" => {
            let grants = s3_acl_grants(p);
            if !grants.is_empty() {
                let mut c = Change::public(
                    arn,
                    format!("Public ACL set on S3 bucket {bucket}"),
                    format!(
                        "Set the bucket ACL back to private: `aws s3api put-bucket-acl --bucket {bucket} --acl private`; then disable ACLs (`aws s3api put-bucket-ownership-controls --bucket {bucket} --ownership-controls Rules=[{{ObjectOwnership=BucketOwnerEnforced}}]`) and keep Block Public Access on."
                    ),
                );
                c.grants = grants;
                out.push(c);
            }
        }
        "PutObjectAcl" | "PutObject" | "CopyObject" => {
            let grants = s3_acl_grants(p);
            if !grants.is_empty() {
                let key = text(p, "key").unwrap_or("unknown");
                let mut c = Change::public(
                    arn,
                    format!("Public ACL set on objects of S3 bucket {bucket}"),
                    format!(
                        "Set each object listed in `object` back to private: `aws s3api put-object-acl --bucket {bucket} --key {key} --acl private` (one call per key); then disable ACLs on the bucket (ObjectOwnership=BucketOwnerEnforced) and keep Block Public Access on."
                    ),
                );
                c.grants = grants;
                c.object = Some(key.to_string());
                out.push(c);
            }
        }
        "PutBucketPublicAccessBlock"
        | "PutPublicAccessBlock"
        | "DeleteBucketPublicAccessBlock"
        | "DeletePublicAccessBlock" => {
            let Some(grant) = pab_grant(name, p) else {
                return out;
            };
            out.push(Change {
                resource: arn,
                headline: format!("S3 Block Public Access turned off for bucket {bucket}"),
                kind: Kind::Guardrail,
                severity: Severity::Medium,
                grants: vec![grant],
                statements: Vec::new(),
                object: None,
                remediation: format!(
                    "Put the bucket's Block Public Access back: `aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration {PAB_ALL_ON}`."
                ),
            });
        }
        "PutAccountPublicAccessBlock" | "DeleteAccountPublicAccessBlock" => {
            out.extend(account_pab(name, p, at));
        }
        _ => {}
    }
    out
}

/// What a Block Public Access change turned off, if anything.
fn pab_grant(name: &str, p: &Value) -> Option<String> {
    if name.starts_with("Delete") {
        return Some("Block Public Access configuration deleted (all four settings off)".into());
    }
    let off = pab_off(p).filter(|o| !o.is_empty())?;
    Some(format!(
        "Block Public Access settings off: {}",
        off.join(", ")
    ))
}

fn account_pab(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    let grant = pab_grant(name, p)?;
    let account = at.account;
    Some(Change {
        resource: format!("S3 account-level Block Public Access of {account}"),
        headline: format!("S3 Block Public Access turned off for account {account}"),
        kind: Kind::Guardrail,
        severity: Severity::High,
        grants: vec![grant],
        statements: Vec::new(),
        object: None,
        remediation: format!(
            "Put the account's Block Public Access back: `aws s3control put-public-access-block --account-id {account} --public-access-block-configuration {PAB_ALL_ON}`."
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Lambda

/// The function's ARN (without a version or alias) and its name, from `functionName` (a name,
/// `account:function:name`, or an ARN, each possibly with `:qualifier`).
fn lambda_function(name: &str, at: &Place<'_>) -> (String, String) {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            fname,
            ..,
        ] => (
            format!("arn:{partition}:lambda:{region}:{account}:function:{fname}"),
            fname.to_string(),
        ),
        [account, "function", fname, ..] => (
            format!(
                "arn:{}:lambda:{}:{account}:function:{fname}",
                at.partition, at.region
            ),
            fname.to_string(),
        ),
        [fname, ..] => (
            at.arn("lambda", &format!("function:{fname}")),
            fname.to_string(),
        ),
        [] => (at.arn("lambda", "function:unknown"), "unknown".into()),
    }
}

/// The statement `AddPermission` adds, as a policy document.
fn add_permission_policy(p: &Value, function_arn: &str) -> Value {
    let principal = text(p, "principal").unwrap_or("");
    let principal = if principal == "*" {
        json!("*")
    } else if principal.starts_with("arn:") || crate::iam::is_account_id(principal) {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    };
    let mut equals = Map::new();
    for (param, key) in [
        ("sourceAccount", "AWS:SourceAccount"),
        ("principalOrgID", "aws:PrincipalOrgID"),
        ("functionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ("eventSourceToken", "lambda:EventSourceToken"),
    ] {
        if let Some(v) = text(p, param) {
            equals.insert(key.into(), json!(v));
        }
    }
    let mut cond = Map::new();
    if !equals.is_empty() {
        cond.insert("StringEquals".into(), Value::Object(equals));
    }
    if let Some(arn) = text(p, "sourceArn") {
        cond.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut stmt = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": text(p, "action").unwrap_or("lambda:InvokeFunction"),
        "Resource": function_arn,
    });
    if let Some(sid) = text(p, "statementId") {
        stmt["Sid"] = json!(sid);
    }
    if !cond.is_empty() {
        stmt["Condition"] = Value::Object(cond);
    }
    json!({ "Version": "2012-10-17", "Statement": [stmt] })
}

fn lambda(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    match name {
        "AddPermission" => {
            let given = text(p, "functionName").unwrap_or("unknown");
            let (arn, fname) = lambda_function(given, at);
            let sid = text(p, "statementId")
                .unwrap_or("<statement-id>")
                .to_string();
            let qualifier = text(p, "qualifier")
                .map(|q| format!(" --qualifier {q}"))
                .unwrap_or_default();
            let doc = add_permission_policy(p, &arn);
            from_policy(
                Some(&doc),
                at.account,
                arn,
                format!("Lambda function {fname} made public"),
                |_| {
                    format!(
                        "Remove the permission: `aws lambda remove-permission --function-name {given} --statement-id {sid}{qualifier}` (and likewise any other statement in `policy_statement`); if a service must invoke the function, add it back with `--source-arn` and `--source-account`. If the function has a URL with AuthType NONE, require IAM: `aws lambda update-function-url-config --function-name {given} --auth-type AWS_IAM`."
                    )
                },
            )
        }
        "CreateFunctionUrlConfig" | "UpdateFunctionUrlConfig" => {
            if text(p, "authType") != Some("NONE") {
                return None;
            }
            let given = text(p, "functionName").unwrap_or("unknown");
            let (arn, fname) = lambda_function(given, at);
            let qualifier = text(p, "qualifier")
                .map(|q| format!(" --qualifier {q}"))
                .unwrap_or_default();
            let mut c = Change::public(
                arn.clone(),
                format!("Lambda function {fname} made public"),
                format!(
                    "Require IAM authentication on the function URL: `aws lambda update-function-url-config --function-name {given}{qualifier} --auth-type AWS_IAM` (or delete it: `aws lambda delete-function-url-config --function-name {given}{qualifier}`), and remove its public `lambda:InvokeFunctionUrl` permission: `aws lambda remove-permission --function-name {given}{qualifier} --statement-id FunctionURLAllowPublicAccess` (the console's statement id; see `policy_statement` for the one used)."
                ),
            );
            c.grants = vec![format!(
                "function URL with AuthType NONE: anyone may invoke {arn} over HTTPS"
            )];
            Some(c)
        }
        "AddLayerVersionPermission" => {
            if text(p, "principal") != Some("*") || text(p, "organizationId").is_some() {
                return None;
            }
            let layer = text(p, "layerName").unwrap_or("unknown");
            let version = get(p, "versionNumber")
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
                .unwrap_or_else(|| "?".into());
            let arn = if layer.starts_with("arn:") {
                format!("{layer}:{version}")
            } else {
                at.arn("lambda", &format!("layer:{layer}:{version}"))
            };
            let sid = text(p, "statementId").unwrap_or("<statement-id>");
            let action = text(p, "action").unwrap_or("lambda:GetLayerVersion");
            let mut c = Change::public(
                arn.clone(),
                format!("Lambda layer {layer} version {version} made public"),
                format!(
                    "Remove the permission: `aws lambda remove-layer-version-permission --layer-name {layer} --version-number {version} --statement-id {sid}`."
                ),
            );
            c.severity = Severity::Medium;
            c.grants = vec![format!("Principal * may {action} on {arn}")];
            c.statements = vec![sid.to_string()];
            Some(c)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Services with a resource policy document

/// `https://sqs.<region>.amazonaws.com/<account>/<name>` -> its ARN and name.
fn sqs_queue(url: &str, at: &Place<'_>) -> (String, String) {
    let mut segs = url.trim_end_matches('/').rsplit('/');
    let name = segs.next().unwrap_or("unknown");
    let account = segs
        .next()
        .filter(|a| crate::iam::is_account_id(a))
        .unwrap_or(at.account);
    (
        format!("arn:{}:sqs:{}:{account}:{name}", at.partition, at.region),
        name.to_string(),
    )
}

fn policy_service(
    source: &str,
    name: &str,
    p: &Value,
    resp: &Value,
    at: &Place<'_>,
) -> Option<Change> {
    let own = at.account;
    match (source, name) {
        ("kms.amazonaws.com", "PutKeyPolicy" | "CreateKey") => {
            let key = if name == "CreateKey" {
                get(resp, "keyMetadata")
                    .and_then(|m| text(m, "arn").or_else(|| text(m, "keyId")))
                    .unwrap_or("unknown")
            } else {
                text(p, "keyId").unwrap_or("unknown")
            };
            let arn = if key.starts_with("arn:") {
                key.to_string()
            } else {
                at.arn("kms", &format!("key/{key}"))
            };
            let key = key.rsplit_once(":key/").map_or(key, |(_, id)| id);
            from_policy(
                get(p, "policy"),
                own,
                arn.clone(),
                format!("KMS key {key} made public"),
                |_| {
                    format!(
                        "Put back a key policy without the public statements (`policy_statement`): `aws kms put-key-policy --key-id {arn} --policy-name default --policy file://policy.json` (a key policy cannot be deleted, only replaced)."
                    )
                },
            )
        }
        ("sqs.amazonaws.com", "SetQueueAttributes" | "CreateQueue") => {
            let url = text(p, "queueUrl")
                .or_else(|| text(resp, "queueUrl"))
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let q = text(p, "queueName").unwrap_or("unknown");
                    format!("https://sqs.{}.amazonaws.com/{own}/{q}", at.region)
                });
            let (arn, qname) = sqs_queue(&url, at);
            let doc = get(p, "attributes").and_then(|a| get(a, "Policy"));
            from_policy(
                doc,
                own,
                arn,
                format!("SQS queue {qname} made public"),
                |_| {
                    format!(
                        "Put back a queue policy without the public statements (`policy_statement`): `aws sqs set-queue-attributes --queue-url {url} --attributes file://attributes.json` (`{{\"Policy\": \"...\"}}`; an empty Policy removes it)."
                    )
                },
            )
        }
        ("sns.amazonaws.com", "SetTopicAttributes" | "CreateTopic") => {
            let doc = if name == "SetTopicAttributes" {
                if text(p, "attributeName") != Some("Policy") {
                    return None;
                }
                get(p, "attributeValue")
            } else {
                get(p, "attributes").and_then(|a| get(a, "Policy"))
            };
            let arn = text(p, "topicArn")
                .or_else(|| text(resp, "topicArn"))
                .map(str::to_string)
                .unwrap_or_else(|| at.arn("sns", text(p, "name").unwrap_or("unknown")));
            let tname = arn.rsplit(':').next().unwrap_or("unknown").to_string();
            from_policy(
                doc,
                own,
                arn.clone(),
                format!("SNS topic {tname} made public"),
                |_| {
                    format!(
                        "Put back a topic policy without the public statements (`policy_statement`): `aws sns set-topic-attributes --topic-arn {arn} --attribute-name Policy --attribute-value file://policy.json`."
                    )
                },
            )
        }
        ("ecr.amazonaws.com", "SetRepositoryPolicy") => {
            let repo = text(p, "repositoryName").unwrap_or("unknown");
            let registry = text(p, "registryId").unwrap_or(own);
            let arn = format!(
                "arn:{}:ecr:{}:{registry}:repository/{repo}",
                at.partition, at.region
            );
            from_policy(
                get(p, "policyText"),
                own,
                arn,
                format!("ECR repository {repo} made public"),
                |_| {
                    format!(
                        "Remove the public statements (`policy_statement`) from the repository policy (`aws ecr set-repository-policy --repository-name {repo} --policy-text file://policy.json`) or delete it: `aws ecr delete-repository-policy --repository-name {repo}`."
                    )
                },
            )
        }
        ("secretsmanager.amazonaws.com", "PutResourcePolicy") => {
            let secret = text(p, "secretId").unwrap_or("unknown");
            let arn = if secret.starts_with("arn:") {
                secret.to_string()
            } else {
                at.arn("secretsmanager", &format!("secret:{secret}"))
            };
            let short = secret.split_once(":secret:").map_or(secret, |(_, n)| n);
            from_policy(
                get(p, "resourcePolicy"),
                own,
                arn,
                format!("Secrets Manager secret {short} made public"),
                |_| {
                    format!(
                        "Delete the resource policy (`aws secretsmanager delete-resource-policy --secret-id {secret}`) or put one back without the public statements (`policy_statement`) with `--block-public-policy`."
                    )
                },
            )
        }
        ("glacier.amazonaws.com", "SetVaultAccessPolicy") => {
            let vault = text(p, "vaultName").unwrap_or("unknown");
            let doc = get(p, "policy").map(|d| get(d, "policy").unwrap_or(d));
            from_policy(
                doc,
                own,
                at.arn("glacier", &format!("vaults/{vault}")),
                format!("Glacier vault {vault} made public"),
                |_| {
                    format!(
                        "Delete the vault access policy (`aws glacier delete-vault-access-policy --account-id - --vault-name {vault}`) or set one without the public statements (`policy_statement`)."
                    )
                },
            )
        }
        ("events.amazonaws.com", "PutPermission") => {
            let bus = text(p, "eventBusName").unwrap_or("default");
            let arn = if bus.starts_with("arn:") {
                bus.to_string()
            } else {
                at.arn("events", &format!("event-bus/{bus}"))
            };
            let synthesized;
            let doc = match get(p, "policy") {
                Some(d) => d,
                None => {
                    synthesized = put_permission_policy(p, &arn);
                    &synthesized
                }
            };
            let sid = text(p, "statementId").map(str::to_string);
            from_policy(
                Some(doc),
                own,
                arn,
                format!("EventBridge event bus {bus} made public"),
                |sids| {
                    let sid = sid.unwrap_or_else(|| sids.join(", "));
                    format!(
                        "Remove the permission: `aws events remove-permission --event-bus-name {bus} --statement-id {sid}`."
                    )
                },
            )
        }
        _ => None,
    }
}

/// The statement EventBridge `PutPermission` adds without a `policy`.
fn put_permission_policy(p: &Value, bus_arn: &str) -> Value {
    let principal = text(p, "principal").unwrap_or("");
    let principal = if principal == "*" {
        json!("*")
    } else {
        json!({ "AWS": principal })
    };
    let mut stmt = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": text(p, "action").unwrap_or("events:PutEvents"),
        "Resource": bus_arn,
    });
    if let Some(sid) = text(p, "statementId") {
        stmt["Sid"] = json!(sid);
    }
    if let Some(c) = get(p, "condition")
        && let (Some(op), Some(key), Some(value)) =
            (text(c, "type"), text(c, "key"), text(c, "value"))
    {
        let mut keys = Map::new();
        keys.insert(key.to_string(), json!(value));
        let mut ops = Map::new();
        ops.insert(op.to_string(), Value::Object(keys));
        stmt["Condition"] = Value::Object(ops);
    }
    json!({ "Version": "2012-10-17", "Statement": [stmt] })
}

// ---------------------------------------------------------------------------------------------
// EC2 and RDS sharing attributes

/// Whether an EC2 permission modification adds the group `all`: `<attr>.add.items[].group`, or
/// `operationType` `add` with `userGroup` items.
fn ec2_adds_all(p: &Value, attr: &str) -> bool {
    let items = get(p, attr)
        .and_then(|a| get(a, "add"))
        .and_then(|a| get(a, "items"));
    if one_or_many(items)
        .iter()
        .any(|i| text(i, "group") == Some("all"))
    {
        return true;
    }
    text(p, "operationType") == Some("add")
        && match get(p, "userGroup") {
            Some(g @ Value::Object(_)) => one_or_many(get(g, "items"))
                .iter()
                .any(|i| text(i, "userGroup") == Some("all") || text(i, "group") == Some("all")),
            g => texts(g).contains(&"all"),
        }
}

fn ec2(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    match name {
        "ModifySnapshotAttribute" if ec2_adds_all(p, "createVolumePermission") => {
            let id = text(p, "snapshotId").unwrap_or("unknown");
            let arn = format!("arn:{}:ec2:{}::snapshot/{id}", at.partition, at.region);
            let mut c = Change::public(
                arn.clone(),
                format!("EBS snapshot {id} shared publicly"),
                format!(
                    "Remove the public share: `aws ec2 modify-snapshot-attribute --snapshot-id {id} --attribute createVolumePermission --operation-type remove --group-names all`; turn on `aws ec2 enable-snapshot-block-public-access --state block-all-sharing`."
                ),
            );
            c.grants = vec![format!("group all may create volumes from {arn}")];
            Some(c)
        }
        "ModifyImageAttribute" if ec2_adds_all(p, "launchPermission") => {
            let id = text(p, "imageId").unwrap_or("unknown");
            let arn = format!("arn:{}:ec2:{}::image/{id}", at.partition, at.region);
            let mut c = Change::public(
                arn.clone(),
                format!("AMI {id} shared publicly"),
                format!(
                    "Remove the public share: `aws ec2 modify-image-attribute --image-id {id} --launch-permission \"Remove=[{{Group=all}}]\"`; turn on `aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing`."
                ),
            );
            c.grants = vec![format!("group all may launch {arn}")];
            Some(c)
        }
        _ => None,
    }
}

fn rds(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    let (id_key, kind, flag, cli) = match name {
        "ModifyDBSnapshotAttribute" => (
            "dBSnapshotIdentifier",
            "snapshot",
            "--db-snapshot-identifier",
            "modify-db-snapshot-attribute",
        ),
        "ModifyDBClusterSnapshotAttribute" => (
            "dBClusterSnapshotIdentifier",
            "cluster-snapshot",
            "--db-cluster-snapshot-identifier",
            "modify-db-cluster-snapshot-attribute",
        ),
        _ => return None,
    };
    if text(p, "attributeName") != Some("restore") || !texts(get(p, "valuesToAdd")).contains(&"all")
    {
        return None;
    }
    let id = text(p, id_key).unwrap_or("unknown");
    let arn = if id.starts_with("arn:") {
        id.to_string()
    } else {
        at.arn("rds", &format!("{kind}:{id}"))
    };
    let what = if kind == "snapshot" {
        "RDS snapshot"
    } else {
        "RDS cluster snapshot"
    };
    let mut c = Change::public(
        arn.clone(),
        format!("{what} {id} shared publicly"),
        format!(
            "Remove the public share: `aws rds {cli} {flag} {id} --attribute-name restore --values-to-remove all`."
        ),
    );
    c.grants = vec![format!("all may restore {arn}")];
    Some(c)
}

// ---------------------------------------------------------------------------------------------

/// The events this rule reads, by source and (version-stripped) name; everything else is
/// dropped before any conversion.
fn relevant(source: &str, name: &str) -> bool {
    match source {
        "s3.amazonaws.com" | "s3control.amazonaws.com" => matches!(
            name,
            "PutBucketPolicy"
                | "PutBucketAcl"
                | "CreateBucket"
                | "PutObjectAcl"
                | "PutObject"
                | "CopyObject"
                | "PutBucketPublicAccessBlock"
                | "PutPublicAccessBlock"
                | "DeleteBucketPublicAccessBlock"
                | "DeletePublicAccessBlock"
                | "PutAccountPublicAccessBlock"
                | "DeleteAccountPublicAccessBlock"
        ),
        "lambda.amazonaws.com" => matches!(
            name,
            "AddPermission"
                | "CreateFunctionUrlConfig"
                | "UpdateFunctionUrlConfig"
                | "AddLayerVersionPermission"
        ),
        "kms.amazonaws.com" => matches!(name, "PutKeyPolicy" | "CreateKey"),
        "sqs.amazonaws.com" => matches!(name, "SetQueueAttributes" | "CreateQueue"),
        "sns.amazonaws.com" => matches!(name, "SetTopicAttributes" | "CreateTopic"),
        "ecr.amazonaws.com" => name == "SetRepositoryPolicy",
        "secretsmanager.amazonaws.com" => name == "PutResourcePolicy",
        "glacier.amazonaws.com" => name == "SetVaultAccessPolicy",
        "events.amazonaws.com" => name == "PutPermission",
        "ec2.amazonaws.com" => matches!(name, "ModifySnapshotAttribute" | "ModifyImageAttribute"),
        "rds.amazonaws.com" => matches!(
            name,
            "ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute"
        ),
        _ => false,
    }
}

/// Whether an object upload or copy sets an ACL at all (most do not; skip them without
/// converting their parameters).
fn sets_object_acl(e: &Event<'_, '_>) -> bool {
    e.request_parameters
        .and_then(|p| p.as_object())
        .is_some_and(|o| {
            o.keys()
                .any(|k| k.eq_ignore_ascii_case("x-amz-acl") || k.starts_with("x-amz-grant-"))
        })
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    if e.error_code.is_some() {
        return;
    }
    let (Some(source), Some(raw_name)) = (e.event_source, e.event_name) else {
        return;
    };
    let name = strip_version_suffix(raw_name);
    if !relevant(source, name)
        || (matches!(name, "PutObject" | "CopyObject") && !sets_object_acl(e))
    {
        return;
    }
    let p = e.request_parameters.map(to_json).unwrap_or(Value::Null);
    let at = Place {
        partition: e.partition(),
        region: ctx.region,
        account: ctx.account,
    };
    let changes: Vec<Change> = match source {
        "s3.amazonaws.com" | "s3control.amazonaws.com" => s3(name, &p, &at),
        "lambda.amazonaws.com" => lambda(name, &p, &at).into_iter().collect(),
        "ec2.amazonaws.com" => ec2(name, &p, &at).into_iter().collect(),
        "rds.amazonaws.com" => rds(name, &p, &at).into_iter().collect(),
        _ => {
            let resp = e.response_elements.map(to_json).unwrap_or(Value::Null);
            policy_service(source, name, &p, &resp, &at)
                .into_iter()
                .collect()
        }
    };
    if changes.is_empty() {
        return;
    }
    let caller = principal(e);
    for c in changes {
        let kind = match c.kind {
            Kind::Public => "public",
            Kind::Guardrail => "guardrail",
        };
        let group = format!("{kind}|{}|{}|{caller}", ctx.account, c.resource);
        let h = hits.hit(&INFO, &group, e, ctx.region, || Seed {
            severity: c.severity,
            title: format!("{} by {caller}", c.headline),
            account: ctx.account.to_string(),
            principal: caller.clone(),
            principal_type: ptype(e),
            access_key_id: e
                .user_identity
                .and_then(|u| u.access_key_id)
                .map(str::to_string),
            remediation: c.remediation.clone(),
        });
        h.evidence("resource", &c.resource).evidence("action", name);
        for g in &c.grants {
            h.evidence("grant", g);
        }
        for s in &c.statements {
            h.evidence("policy_statement", s);
        }
        if let Some(o) = &c.object {
            h.evidence("object", o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Place<'static> {
        Place {
            partition: "aws",
            region: "us-east-1",
            account: "111122223333",
        }
    }

    #[test]
    fn tape_values_convert() {
        let mut text =
            br#"{"a":[1,-2,1.5,true,null,"x",{"b":18446744073709551615}],"c":{}}"#.to_vec();
        let tape = simd_json::to_tape(&mut text).unwrap();
        let v = to_json(tape.as_value());
        assert_eq!(
            v,
            json!({"a": [1, -2, 1.5, true, null, "x", {"b": 18446744073709551615u64}], "c": {}})
        );
    }

    #[test]
    fn acl_grants() {
        let p = json!({
            "bucketName": "b",
            "AccessControlPolicy": {"AccessControlList": {"Grant": [
                {"Grantee": {"xsi:type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
                {"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}
            ]}}
        });
        assert_eq!(s3_acl_grants(&p), vec!["AllUsers may READ"]);
        let p = json!({"accessControlPolicy": {"accessControlList": {"grant":
            {"grantee": {"uri": "https://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "permission": "WRITE"}}}});
        assert_eq!(s3_acl_grants(&p), vec!["AuthenticatedUsers may WRITE"]);
        let p = json!({"x-amz-acl": ["public-read-write"],
                       "x-amz-grant-read": "id=\"abc\", uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"",
                       "x-amz-grant-write": "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"});
        assert_eq!(
            s3_acl_grants(&p),
            vec![
                "canned ACL public-read-write: AllUsers may READ, WRITE",
                "AllUsers may READ (x-amz-grant-read)"
            ]
        );
        for acl in [
            "private",
            "bucket-owner-full-control",
            "aws-exec-read",
            "log-delivery-write",
        ] {
            assert!(
                s3_acl_grants(&json!({ "x-amz-acl": acl })).is_empty(),
                "{acl}"
            );
        }
    }

    #[test]
    fn public_access_block_flags() {
        let p = json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": "true",
                       "BlockPublicPolicy": false, "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}});
        assert_eq!(
            pab_off(&p),
            Some(vec!["BlockPublicPolicy", "RestrictPublicBuckets"])
        );
        assert_eq!(pab_off(&json!({"bucketName": "b"})), None);
    }

    #[test]
    fn lambda_names_and_permissions() {
        let a = at();
        assert_eq!(
            lambda_function("f", &a),
            (
                "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
                "f".into()
            )
        );
        assert_eq!(
            lambda_function("arn:aws:lambda:eu-west-1:444455556666:function:g:prod", &a),
            (
                "arn:aws:lambda:eu-west-1:444455556666:function:g".into(),
                "g".into()
            )
        );
        assert_eq!(
            lambda_function("444455556666:function:h", &a).0,
            "arn:aws:lambda:us-east-1:444455556666:function:h"
        );
        let public = |p: Value| lambda("AddPermission", &p, &a).is_some();
        assert!(public(
            json!({"functionName": "f", "statementId": "s", "action": "lambda:InvokeFunction", "principal": "*"})
        ));
        assert!(public(
            json!({"functionName": "f", "principal": "*", "functionUrlAuthType": "NONE"})
        ));
        assert!(!public(
            json!({"functionName": "f", "principal": "*", "sourceArn": "arn:aws:s3:::b"})
        ));
        assert!(!public(
            json!({"functionName": "f", "principal": "*", "sourceAccount": "111122223333"})
        ));
        assert!(!public(
            json!({"functionName": "f", "principal": "*", "principalOrgID": "o-abc"})
        ));
        assert!(!public(
            json!({"functionName": "f", "principal": "444455556666"})
        ));
        assert!(!public(
            json!({"functionName": "f", "principal": "s3.amazonaws.com"})
        ));
    }

    #[test]
    fn sharing_attributes() {
        let a = at();
        assert!(ec2(
            "ModifySnapshotAttribute",
            &json!({"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}),
            &a
        )
        .is_some());
        assert!(
            ec2(
                "ModifyImageAttribute",
                &json!({"imageId": "ami-1", "operationType": "add", "userGroup": ["all"]}),
                &a
            )
            .is_some()
        );
        assert!(ec2(
            "ModifyImageAttribute",
            &json!({"imageId": "ami-1", "launchPermission": {"add": {"items": [{"userId": "444455556666"}]}}}),
            &a
        )
        .is_none());
        assert!(ec2(
            "ModifySnapshotAttribute",
            &json!({"snapshotId": "snap-1", "createVolumePermission": {"remove": {"items": [{"group": "all"}]}}}),
            &a
        )
        .is_none());
        assert!(rds(
            "ModifyDBClusterSnapshotAttribute",
            &json!({"dBClusterSnapshotIdentifier": "c", "attributeName": "restore", "valuesToAdd": ["all"]}),
            &a
        )
        .is_some());
        assert!(rds(
            "ModifyDBSnapshotAttribute",
            &json!({"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToRemove": ["all"]}),
            &a
        )
        .is_none());
    }

    #[test]
    fn sqs_urls() {
        assert_eq!(
            sqs_queue("https://sqs.us-east-1.amazonaws.com/444455556666/q1", &at()),
            ("arn:aws:sqs:us-east-1:444455556666:q1".into(), "q1".into())
        );
    }
}
