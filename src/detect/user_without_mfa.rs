//! IAM users with a console password and no MFA (credential report).

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed, ts};
use super::{Partial, Severity, rule_info};

rule_info! {
    id: "user-without-mfa",
    anti_pattern: "2",
    severity: High,
    title: "IAM user with a console password and no MFA",
    inputs: [CredentialReport],
    what: "IAM users whose console password is enabled and who have no MFA device (credential report: `password_enabled` true, `mfa_active` false). High when the password was used in the window (or CloudTrail shows a console sign-in), medium otherwise.",
    why: "A password alone falls to phishing, reuse and guessing. MFA is the control that stops a stolen password from becoming a console session.",
    fix: "Enable MFA for the user (or, better, move people to IAM Identity Center and remove IAM user passwords). Enforce it with a policy that denies everything except MFA set-up when `aws:MultiFactorAuthPresent` is false.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let reports = ctx.need_reports()?;
    for row in report_rows(reports)
        .filter(|r| !r.is_root && r.password_enabled == Some(true) && !r.mfa_active)
    {
        let console = ctx.usage.console.get(&row.arn);
        let in_window = |t: i64| ctx.window.is_none_or(|w| w.contains(t));
        let recent = row.password_last_used.at().is_some_and(in_window)
            || console.is_some_and(|s| in_window(s.last));
        let name = super::posture::user_name(&row.arn);
        let mut p = finding(
            &INFO,
            &row.arn,
            seed(
                if recent {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "IAM user {name} in {} has a console password and no MFA",
                    row.account
                ),
                &row.account,
                &row.arn,
                "IAMUser",
                format!(
                    "Enable MFA for {name} (aws iam enable-mfa-device, or the console), or remove the password if the user does not need the console: aws iam delete-login-profile --user-name {name}"
                ),
            ),
        );
        p.evidence(
            "password_last_used",
            &last_used_text(row.password_last_used),
        );
        if let Some(t) = row.password_last_changed {
            p.evidence("password_last_changed", &ts(t));
        }
        if let Some(t) = row.password_last_used.at() {
            p.seen(t);
        }
        if let Some(s) = console {
            p.seen(s.first).seen(s.last);
            p.count = s.count;
            p.evidence(
                "cloudtrail_console_logins",
                &format!("{} from {} to {}", s.count, ts(s.first), ts(s.last)),
            );
        }
        p.evidence("source", &row_source(reports, row));
        out.push(p);
    }
    Ok(())
}
