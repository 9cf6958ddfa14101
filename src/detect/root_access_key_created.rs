//! Access keys created for the root user.

use super::util::{field, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;
use simd_json::prelude::*;

rule_info! {
    id: "root-access-key-created",
    anti_pattern: "3",
    severity: Critical,
    title: "Access key created for the root user",
    inputs: [Cloudtrail],
    what: "`iam:CreateAccessKey` called by the root user for itself (no `userName` in the request).",
    why: "A root access key is a long-term, unrestricted credential: whoever holds it owns the account, and it never expires.",
    fix: "Delete the root access key (IAM console > Security credentials as root). Use roles for automation. If the key was not created by the owner, treat the account as compromised.",
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    if e.event_name != Some("CreateAccessKey")
        || e.event_source != Some("iam.amazonaws.com")
        || e.user_identity.and_then(|u| u.kind) != Some("Root")
        || field(e.request_parameters, "userName").is_some()
    {
        return;
    }
    let key = e
        .response_elements
        .and_then(|r| r.get("accessKey"))
        .and_then(|k| k.get("accessKeyId"))
        .and_then(|k| k.into_string());
    let p = principal(e);
    let account = ctx.account;
    let group = format!("{p}|{}", key.unwrap_or("?"));
    let failed = e.error_code.is_some();
    let h = hits.hit(&INFO, &group, e, ctx.region, || Seed {
        severity: if failed { Severity::Medium } else { Severity::Critical },
        title: if failed {
            format!("Attempt to create a root access key in {account} (failed)")
        } else {
            format!("Root access key created in {account}")
        },
        account: account.to_string(),
        principal: p.clone(),
        principal_type: "Root".into(),
        access_key_id: key.map(str::to_string),
        target: Some(key.unwrap_or("?").to_string()),
        remediation: "Delete the root access key; if the owner did not create it, treat the account as compromised.".into(),
    });
    if let Some(c) = e.error_code {
        h.evidence("error_code", c);
    }
}
