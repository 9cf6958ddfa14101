//! API calls made as the root user.

use super::util::{by_service, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "root-api-call",
    anti_pattern: "3",
    severity: High,
    title: "API calls made as the root user",
    inputs: [Cloudtrail],
    what: "Calls whose caller is the root user, excluding calls an AWS service makes on the account's behalf (`invokedBy`, `AwsServiceEvent`) and the console sign-in itself. One finding per account, listing the calls.",
    why: "Root credentials are unrestricted and unattributable to a person. Daily work as root defeats least privilege and every guardrail an SCP or permission boundary would give.",
    fix: "Move the work to IAM Identity Center users or roles with the permissions it needs. Delete root access keys; keep root for the tasks that require it.",
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    let Some(u) = e.user_identity else { return };
    if u.kind != Some("Root")
        || by_service(e)
        || e.event_type == Some("AwsConsoleSignIn")
        || e.event_name == Some("ConsoleLogin")
    {
        return;
    }
    let p = principal(e);
    let account = ctx.account;
    let h = hits.hit(&INFO, &p, e, ctx.region, || Seed {
        severity: Severity::High,
        title: format!("Root user of {account} made API calls"),
        account: account.to_string(),
        principal: p.clone(),
        principal_type: "Root".into(),
        access_key_id: None,
        target: None,
        remediation: "Stop using root for API work: use roles or Identity Center users; delete root access keys.".into(),
    });
    if let (Some(src), Some(name)) = (e.event_source, e.event_name) {
        h.evidence(
            "calls",
            &format!("{}:{}", crate::iam::mapping::service_prefix(src), name),
        );
    }
    if let Some(k) = u.access_key_id {
        h.evidence("access_keys", k);
    }
}
