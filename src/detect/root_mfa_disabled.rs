//! Root user without MFA (credential report).

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed};
use super::{Partial, Severity, rule_info};

rule_info! {
    id: "root-mfa-disabled",
    anti_pattern: "3",
    severity: Critical,
    title: "Root user without MFA",
    inputs: [CredentialReport],
    what: "The root user has no MFA device (`mfa_active` false on the `<root_account>` row of the credential report). Critical when root signed in during the window, high otherwise.",
    why: "Root can do anything, including closing the account and removing every other guard. Without MFA a phished or reused password is enough to take the account.",
    fix: "Sign in as root and enable MFA (a hardware security key or passkey; register two). Store the device with your break-glass procedure. In AWS Organizations, consider centralised root access management to remove member-account root credentials altogether.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let reports = ctx.need_reports()?;
    for row in report_rows(reports).filter(|r| r.is_root && !r.mfa_active) {
        let used = row.password_last_used.at();
        let recent = used.is_some_and(|t| ctx.window.is_none_or(|w| w.contains(t)));
        let mut p = finding(
            &INFO,
            &row.account,
            seed(
                if recent {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!(
                    "Root user of {} has no MFA{}",
                    row.account,
                    if recent {
                        " and signed in recently"
                    } else {
                        ""
                    }
                ),
                &row.account,
                &row.arn,
                "Root",
                format!(
                    "Sign in as the root user of {} and enable MFA (Security credentials > Multi-factor authentication).",
                    row.account
                ),
            ),
        );
        if let Some(t) = used {
            p.seen(t);
        }
        p.evidence(
            "password_last_used",
            &last_used_text(row.password_last_used),
        );
        p.evidence("source", &row_source(reports, row));
        out.push(p);
    }
    Ok(())
}
