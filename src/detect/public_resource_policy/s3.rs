//! S3: bucket policies, bucket and object ACLs (canned, `x-amz-grant-*` headers, the
//! `AccessControlPolicy` body), and Block Public Access per bucket and per account.

use super::json::{flag, get, one_or_many, text, texts};
use super::{Change, Kind, Place, from_policy};
use crate::finding::Severity;
use serde_json::Value;

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
pub(super) fn s3_acl_grants(p: &Value) -> Vec<String> {
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
pub(super) fn pab_off(p: &Value) -> Option<Vec<&'static str>> {
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

pub(super) fn s3(name: &str, p: &Value, at: &Place<'_>) -> Vec<Change> {
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
