//! API calls signed with long-term access keys without MFA.

use super::util::principal;
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "long-term-key-without-mfa",
    anti_pattern: "1, 2",
    severity: Medium,
    title: "Long-term access key used without MFA",
    inputs: [Cloudtrail],
    what: "API calls signed with an IAM user's long-term access key (`AKIA...`) where the session is not MFA-authenticated. One finding per key with the count, first and last use, services, regions and source IPs.",
    why: "Long-term keys do not expire and leak through code, CI logs and laptops. Without MFA, possession of the key string is all an attacker needs. AWS recommends temporary credentials (roles, Identity Center) instead.",
    fix: "Replace the key with a role (instance profile, IRSA, OIDC federation for CI, Identity Center for people). If a key must stay, rotate it, scope the user's policy down, and require MFA with `aws:MultiFactorAuthPresent` for sensitive actions.",
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    let Some(u) = e.user_identity else { return };
    let Some(key) = u.access_key_id else { return };
    if !key.starts_with("AKIA") || u.kind != Some("IAMUser") || u.mfa_authenticated == Some(true) {
        return;
    }
    let account = ctx.account;
    let h = hits.hit(&INFO, key, e, ctx.region, || {
        let p = principal(e);
        Seed {
            severity: Severity::Medium,
            title: format!(
                "Long-term key {key} of {} used without MFA",
                u.user_name.unwrap_or(&p)
            ),
            account: account.to_string(),
            principal: p,
            principal_type: "IAMUser".into(),
            access_key_id: Some(key.to_string()),
            target: Some(key.to_string()),
            remediation: format!(
                "Replace {key} with temporary credentials (a role); if it must stay, rotate it and scope the user's permissions to what it uses."
            ),
        }
    });
    if let Some(src) = e.event_source {
        h.evidence("services", crate::iam::mapping::service_prefix(src));
    }
}
