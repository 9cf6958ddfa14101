//! IAM users signing in to the console without MFA.

use super::root_console_login::{is_success, mfa_used};
use super::util::{field, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "console-login-without-mfa",
    anti_pattern: "2",
    severity: High,
    title: "IAM user signed in to the console without MFA",
    inputs: [Cloudtrail],
    what: "Successful `ConsoleLogin` by an IAM user with `MFAUsed: No`. Sign-ins through IAM Identity Center, SAML or other federation, and role switches are not IAM-user password sign-ins and are not reported (their MFA is enforced by the identity provider).",
    why: "A password alone is phished, reused and guessed. AWS recommends MFA for every IAM user with console access.",
    fix: "Require MFA for the user (assign a device and deny actions without `aws:MultiFactorAuthPresent`), or better, move people to IAM Identity Center and delete the IAM user's console password.",
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    let Some(u) = e.user_identity else { return };
    if u.kind != Some("IAMUser")
        || !is_success(e)
        || mfa_used(e)
        || field(e.additional_event_data, "SamlProviderArn").is_some()
    {
        return;
    }
    let p = principal(e);
    let account = ctx.account;
    let user = u.user_name.unwrap_or("unknown");
    let h = hits.hit(&INFO, &p, e, ctx.region, || Seed {
        severity: Severity::High,
        title: format!("IAM user {user} in {account} signed in without MFA"),
        account: account.to_string(),
        principal: p.clone(),
        principal_type: "IAMUser".into(),
        access_key_id: None,
        target: None,
        remediation: format!(
            "Assign an MFA device to {user} and enforce it with a policy condition on aws:MultiFactorAuthPresent, or move the person to IAM Identity Center."
        ),
    });
    if let Some(ua) = e.user_agent {
        h.evidence("user_agent", ua);
    }
    if let Some(url) = field(e.additional_event_data, "LoginTo") {
        h.evidence("login_to", url);
    }
}
