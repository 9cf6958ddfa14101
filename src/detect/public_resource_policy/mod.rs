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
//!
//! * [`json`]: request parameters as `serde_json` values, read leniently;
//! * [`s3`]: bucket policies, ACLs, Block Public Access;
//! * [`lambda`]: function permissions and URLs, layers;
//! * [`resource_policies`]: KMS, SQS, SNS, ECR, Secrets Manager, Glacier, EventBridge;
//! * [`snapshots`]: EBS snapshots, AMIs and RDS snapshots shared with `all`.

mod json;
mod lambda;
mod resource_policies;
mod s3;
mod snapshots;
#[cfg(test)]
mod tests;

pub use json::to_json;

use super::util::{principal, ptype};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;
use crate::iam::mapping::strip_version_suffix;
use crate::iam::policy::Policy;
use lambda::lambda;
use resource_policies::policy_service;
use s3::s3;
use serde_json::Value;
use snapshots::{ec2, rds};

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
            target: Some(match c.kind {
                Kind::Public => c.resource.clone(),
                Kind::Guardrail => format!("{} (guardrail)", c.resource),
            }),
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
