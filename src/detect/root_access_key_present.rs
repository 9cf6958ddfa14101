//! Root user access keys that exist (credential report).

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed, ts};
use super::{Partial, Severity, rule_info};

rule_info! {
    id: "root-access-key-present",
    anti_pattern: "3",
    severity: Critical,
    title: "Root user has an active access key",
    inputs: [CredentialReport],
    what: "An active access key on the root user, from the credential report (`access_key_1_active` / `access_key_2_active` on the `<root_account>` row). Critical when the key was used in the window, high otherwise.",
    why: "A root access key is a long-term credential with unrestricted power over the account that no IAM policy or permissions boundary can limit (only SCPs can). AWS's first IAM best practice is to have none.",
    fix: "Sign in as root, open Security credentials, and delete the access keys (deactivate first if something may still use them; CloudTrail shows what did). Use an IAM role for any automation that used it.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let reports = ctx.need_reports()?;
    for row in report_rows(reports).filter(|r| r.is_root) {
        let active: Vec<(usize, _)> = row
            .access_keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.active)
            .collect();
        if active.is_empty() {
            continue;
        }
        let used_in_window = active.iter().any(|(_, k)| {
            k.last_used_date
                .at()
                .is_some_and(|t| ctx.window.is_none_or(|w| w.contains(t)))
        });
        let mut p = finding(
            &INFO,
            &row.account,
            seed(
                if used_in_window {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!(
                    "Root user of {} has {} active access key(s){}",
                    row.account,
                    active.len(),
                    if used_in_window {
                        ", used recently"
                    } else {
                        ""
                    }
                ),
                &row.account,
                &row.arn,
                "Root",
                format!(
                    "Delete the root access key(s) of {} (root sign-in > Security credentials > Access keys); move whatever used them to an IAM role.",
                    row.account
                ),
            ),
        );
        for (i, k) in active {
            let slot = format!("access_key_{}", i + 1);
            p.evidence(
                "keys",
                &format!(
                    "{slot}: created/rotated {}, last used {}{}",
                    k.last_rotated.map(ts).unwrap_or_else(|| "unknown".into()),
                    last_used_text(k.last_used_date),
                    match (&k.last_used_service, &k.last_used_region) {
                        (Some(s), Some(r)) => format!(" ({s} in {r})"),
                        _ => String::new(),
                    }
                ),
            );
            if let Some(t) = k.last_used_date.at() {
                p.seen(t);
            }
        }
        p.evidence("source", &row_source(reports, row));
        out.push(p);
    }
    Ok(())
}
