//! Calls into an account by principals of other accounts.

use super::util::{field, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;
use crate::iam::is_account_id;

rule_info! {
    id: "cross-account-access",
    anti_pattern: "6",
    severity: High,
    title: "Access from another account",
    inputs: [Cloudtrail],
    what: "Calls into the account made by principals of other accounts: `userIdentity.accountId` differs from `recipientAccountId` (including `AssumeRole` from outside), and anonymous calls (`ANONYMOUS_PRINCIPAL`, public S3 access). One finding per external account and target (the role assumed, the bucket read, else the service), with the calling principals, successes and denials. Accounts given with `--trusted-accounts` are not reported.",
    why: "Cross-account grants (role trust, bucket and key policies) are how attackers persist and exfiltrate: a trust to a vendor account nobody reviews, or a bucket policy a past admin opened. CloudTrail shows which of them are actually used, and by whom.",
    fix: "Confirm each external account. For an expected partner, add it to `--trusted-accounts` (and keep an `sts:ExternalId` condition on the role). Otherwise remove the grant that let it in: the role's trust policy, or the bucket, key or queue policy of the target; for anonymous access, enable S3 Block Public Access.",
}

/// `ANONYMOUS_PRINCIPAL` in `userIdentity.accountId`: an unauthenticated (public) call.
pub const ANONYMOUS: &str = "ANONYMOUS_PRINCIPAL";

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    let Some(u) = e.user_identity else { return };
    let (Some(caller), Some(target_account)) = (u.account_id, e.recipient_account_id) else {
        return;
    };
    if caller == target_account || u.kind == Some("AWSService") {
        return;
    }
    let anonymous = caller == ANONYMOUS;
    if !anonymous && (!is_account_id(caller) || ctx.trusted.contains(caller)) {
        return;
    }
    let source = e.event_source.unwrap_or("unknown");
    let name = e.event_name.unwrap_or("unknown");
    let target = if name.starts_with("AssumeRole") {
        field(e.request_parameters, "roleArn")
            .or_else(|| denied_resource(e.error_message))
            .map(str::to_string)
    } else if source == "s3.amazonaws.com" {
        field(e.request_parameters, "bucketName").map(|b| format!("arn:aws:s3:::{b}"))
    } else {
        None
    }
    .unwrap_or_else(|| source.to_string());
    let group = format!("{caller}|{target_account}|{target}");
    let who = if anonymous {
        "anonymous (unauthenticated) callers".to_string()
    } else {
        format!("account {caller}")
    };
    let h = hits.hit(&INFO, &group, e, ctx.region, || {
        let partition = u
            .arn
            .and_then(crate::iam::arn::Arn::parse)
            .map(|a| a.partition)
            .unwrap_or("aws")
            .to_string();
        Seed {
            severity: if anonymous {
                Severity::High
            } else {
                Severity::Medium
            },
            title: format!("{} accessed {target} in {target_account}", capitalize(&who)),
            account: target_account.to_string(),
            principal: if anonymous {
                ANONYMOUS.to_string()
            } else {
                format!("arn:{partition}:iam::{caller}:root")
            },
            principal_type: if anonymous {
                "Anonymous".into()
            } else {
                "ExternalAccount".into()
            },
            access_key_id: None,
            target: Some(target.clone()),
            remediation: if anonymous {
                format!(
                    "Find the policy or ACL that makes {target} public and remove it; turn on S3 Block Public Access for the account."
                )
            } else if name.starts_with("AssumeRole") {
                format!(
                    "If {caller} should not assume {target}, remove it from the role's trust policy; if it should, require sts:ExternalId and add {caller} to --trusted-accounts."
                )
            } else {
                format!(
                    "If {caller} should not reach {target}, remove its grant from the resource policy; if it should, add {caller} to --trusted-accounts."
                )
            },
        }
    });
    h.evidence("external_account", caller)
        .evidence("target", &target)
        .evidence("api_calls", &format!("{source}:{name}"))
        .evidence("outcome", e.error_code.unwrap_or("success"));
    if !anonymous {
        h.evidence("principals", &principal(e));
    }
}

/// The resource named in an authorization error (`... is not authorized to perform:
/// sts:AssumeRole on resource: arn:aws:iam::111122223333:role/x`): denied calls often carry
/// `requestParameters: null`, and the message is the only place the target is named.
fn denied_resource(msg: Option<&str>) -> Option<&str> {
    let rest = msg?.split_once("on resource: ")?.1;
    let arn = rest.split(|c: char| c.is_whitespace() || c == ',').next()?;
    arn.starts_with("arn:").then_some(arn)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
