//! Successful console sign-ins as the root user.

use super::util::{field, principal};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "root-console-login",
    anti_pattern: "3",
    severity: Critical,
    title: "Root user signed in to the console",
    inputs: [Cloudtrail],
    what: "Successful `ConsoleLogin` events by the root user. Critical when the sign-in did not use MFA, high when it did.",
    why: "The root user cannot be restricted by IAM policies and can close the account. AWS recommends using it only for the few tasks that need it, always with MFA; a root sign-in without MFA means anyone with the password controls the account.",
    fix: "Confirm with the account owner that the sign-in was expected. Enable MFA on the root user (hardware or passkey), keep the credentials in a break-glass process, and use IAM Identity Center or roles for daily work.",
}

/// Whether the event is a successful console sign-in.
pub fn is_success(e: &Event<'_, '_>) -> bool {
    e.event_name == Some("ConsoleLogin")
        && field(e.response_elements, "ConsoleLogin") == Some("Success")
        && e.error_code.is_none()
}

/// `additionalEventData.MFAUsed == "Yes"`.
pub fn mfa_used(e: &Event<'_, '_>) -> bool {
    field(e.additional_event_data, "MFAUsed") == Some("Yes")
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    if e.user_identity.and_then(|u| u.kind) != Some("Root") || !is_success(e) {
        return;
    }
    let mfa = mfa_used(e);
    let p = principal(e);
    let group = format!("{p}|mfa={mfa}");
    let account = ctx.account;
    hits.hit(&INFO, &group, e, ctx.region, || Seed {
        severity: if mfa { Severity::High } else { Severity::Critical },
        title: format!(
            "Root user of {account} signed in to the console {}",
            if mfa { "with MFA" } else { "WITHOUT MFA" }
        ),
        account: account.to_string(),
        principal: p.clone(),
        principal_type: "Root".into(),
        access_key_id: None,
        target: Some(if mfa { "with MFA" } else { "without MFA" }.into()),
        remediation: if mfa {
            "Confirm the sign-in with the account owner; keep root for break-glass tasks only.".into()
        } else {
            "Enable MFA on the root user now, rotate its password, and confirm the sign-in with the account owner.".into()
        },
    })
    .evidence_bool("mfa_used", mfa);
}
