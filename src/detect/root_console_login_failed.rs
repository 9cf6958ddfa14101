//! Failed console sign-in attempts as the root user.

use super::util::{field, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "root-console-login-failed",
    anti_pattern: "3",
    severity: High,
    title: "Failed root console sign-in attempts",
    inputs: [Cloudtrail],
    what: "`ConsoleLogin` events by the root user that failed, aggregated per account and source IP.",
    why: "Repeated failures from one address look like password guessing against the one identity that no policy can restrict.",
    fix: "Check whether the owner mistyped the password. If not, make sure root has MFA, rotate the root password, and block or investigate the source IP.",
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    if e.event_name != Some("ConsoleLogin") || e.user_identity.and_then(|u| u.kind) != Some("Root")
    {
        return;
    }
    let failed = field(e.response_elements, "ConsoleLogin") == Some("Failure")
        || e.error_message
            .is_some_and(|m| m.contains("Failed authentication"));
    if !failed {
        return;
    }
    let ip = e.source_ip.unwrap_or("unknown");
    let p = principal(e);
    let account = ctx.account;
    let group = format!("{p}|{ip}");
    let h = hits.hit(&INFO, &group, e, ctx.region, || Seed {
        severity: Severity::High,
        title: format!("Failed root console sign-ins for {account} from {ip}"),
        account: account.to_string(),
        principal: p.clone(),
        principal_type: "Root".into(),
        access_key_id: None,
        target: Some(ip.to_string()),
        remediation: "Verify with the owner; ensure root MFA, rotate the root password, investigate the source IP.".into(),
    });
    if let Some(m) = e.error_message {
        h.evidence("error_message", m);
    }
    if let Some(ua) = e.user_agent {
        h.evidence("user_agent", ua);
    }
}
