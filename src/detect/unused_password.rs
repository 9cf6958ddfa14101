//! Console passwords with no use in the window (credential report).

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed, ts};
use super::{Partial, Severity, rule_info};

rule_info! {
    id: "unused-password",
    anti_pattern: "5",
    severity: High,
    title: "Console password unused in the window",
    inputs: [CredentialReport, Cloudtrail],
    what: "IAM users whose console password existed before the window but was not used in it: `password_last_used` in the credential report before the window (or never), and no successful `ConsoleLogin` of the user in CloudTrail. High when the user has no MFA either, medium otherwise.",
    why: "A password nobody uses is a credential nobody would notice being used: by someone who guessed it, found it in a breach, or was its previous owner. It gives nothing but risk.",
    fix: "Remove the console password (aws iam delete-login-profile --user-name u). If the person needs the console again, move them to IAM Identity Center instead.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let reports = ctx.need_reports()?;
    let w = ctx.need_window()?;
    for row in report_rows(reports).filter(|r| !r.is_root && r.password_enabled == Some(true)) {
        let since = row.password_last_changed.or(row.user_creation_time);
        if since.is_some_and(|t| t >= w.start) {
            continue;
        }
        if row.password_last_used.at().is_some_and(|t| t >= w.start) {
            continue;
        }
        let console = ctx.usage.console.get(&row.arn);
        if console.is_some_and(|s| s.last >= w.start) {
            continue;
        }
        let name = super::posture::user_name(&row.arn);
        let mut p = finding(
            &INFO,
            &row.arn,
            seed(
                if row.mfa_active {
                    Severity::Medium
                } else {
                    Severity::High
                },
                format!(
                    "Console password of IAM user {name} in {} unused for {}+ days{}",
                    row.account,
                    row.password_last_used
                        .at()
                        .map_or(i64::from(w.days), |t| w.days_before_end(t)),
                    if row.mfa_active { "" } else { ", no MFA" }
                ),
                &row.account,
                &row.arn,
                "IAMUser",
                format!("Remove the password: aws iam delete-login-profile --user-name {name}"),
            ),
        );
        if let Some(t) = row.password_last_used.at() {
            p.seen(t);
        }
        p.evidence(
            "password_last_used",
            &last_used_text(row.password_last_used),
        );
        if let Some(t) = row.password_last_changed {
            p.evidence("password_last_changed", &ts(t));
        }
        p.evidence_bool("mfa_active", row.mfa_active);
        if let Some(s) = console {
            p.evidence(
                "cloudtrail_console_logins",
                &format!("{} before the window, last {}", s.count, ts(s.last)),
            );
        }
        p.evidence("cloudtrail", &ctx.cloudtrail_coverage(&row.account));
        p.evidence("source", &row_source(reports, row));
        out.push(p);
    }
    Ok(())
}
