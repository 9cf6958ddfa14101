//! Active access keys with no use in the window.

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed, ts};
use super::{Partial, Severity, rule_info};
use crate::usage::{KeyChange, principal_key};
use std::collections::{BTreeMap, BTreeSet};

rule_info! {
    id: "unused-access-key",
    anti_pattern: "1, 5",
    severity: Medium,
    title: "Active access key unused in the window",
    inputs: [CredentialReport, Cloudtrail],
    what: "Active IAM user access keys that existed before the window and were not used in it. From the credential report (`access_key_N_last_used_date` before the window or never) checked against CloudTrail (a user's keys seen signing calls in the window count as used); and, for accounts without a report whose CloudTrail covers the whole window, keys created by `CreateAccessKey` before the window, never deleted or deactivated, and never seen signing a call in it.",
    why: "An active key nobody uses is pure risk: it can only be used by someone who should not have it, and nobody would miss it if it were gone.",
    fix: "Deactivate the key (aws iam update-access-key --status Inactive), watch for failures for a while, then delete it (aws iam delete-access-key).",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    if ctx.reports.is_empty() && !ctx.cloudtrail {
        return Err(
            "needs --credential-report or CloudTrail (CreateAccessKey history)".to_string(),
        );
    }
    let w = ctx.need_window()?;
    // Long-term keys seen signing calls in the window, per user.
    let mut ct_used: BTreeMap<(String, String, String), BTreeSet<&str>> = BTreeMap::new();
    for (key, u) in &ctx.usage.keys {
        if u.span.last >= w.start
            && let Some(k) = principal_key(&u.user_arn)
        {
            ct_used.entry(k).or_default().insert(key);
        }
    }
    let mut report_accounts = BTreeSet::new();
    for row in report_rows(ctx.reports) {
        report_accounts.insert(row.account.clone());
        let active: Vec<usize> = (0..2).filter(|i| row.access_keys[*i].active).collect();
        let unused: Vec<usize> = active
            .iter()
            .copied()
            .filter(|i| {
                let k = &row.access_keys[*i];
                k.last_rotated.is_none_or(|t| t < w.start)
                    && k.last_used_date.at().is_none_or(|t| t < w.start)
            })
            .collect();
        if unused.is_empty() {
            continue;
        }
        // CloudTrail saw more of this user's keys in use than the report accounts for: those
        // keys are in use, whichever slot they are in.
        let seen = principal_key(&row.arn)
            .and_then(|k| ct_used.get(&k))
            .map_or(0, BTreeSet::len);
        let used_by_report = active.len() - unused.len();
        let extra = seen.saturating_sub(used_by_report);
        if extra >= unused.len() {
            continue;
        }
        let name = if row.is_root {
            "root"
        } else {
            super::posture::user_name(&row.arn)
        };
        for &i in &unused[extra..] {
            let k = &row.access_keys[i];
            let slot = i + 1;
            let mut p = finding(
                &INFO,
                &format!("{}#{slot}", row.arn),
                seed(
                    Severity::Medium,
                    format!(
                        "Access key {slot} of {} {name} in {} unused for {}+ days",
                        if row.is_root { "the" } else { "IAM user" },
                        row.account,
                        k.last_used_date
                            .at()
                            .map_or(i64::from(w.days), |t| w.days_before_end(t))
                    ),
                    &row.account,
                    &row.arn,
                    if row.is_root { "Root" } else { "IAMUser" },
                    if row.is_root {
                        "Delete the root access key (root sign-in > Security credentials).".into()
                    } else {
                        format!(
                            "Deactivate access key {slot} of {name} (aws iam list-access-keys --user-name {name}; aws iam update-access-key --user-name {name} --access-key-id <id> --status Inactive), then delete it."
                        )
                    },
                ),
            );
            p.target = Some(format!("access key {slot}"));
            if let Some(t) = k.last_used_date.at() {
                p.seen(t);
            }
            p.evidence("last_used", &last_used_text(k.last_used_date));
            if let Some(t) = k.last_rotated {
                p.evidence("created_or_rotated", &ts(t));
            }
            p.evidence("cloudtrail", &ctx.cloudtrail_coverage(&row.account))
                .evidence("source", &row_source(ctx.reports, row));
            out.push(p);
        }
    }
    // Accounts without a report: keys whose creation CloudTrail saw.
    let mut last: BTreeMap<&str, &crate::usage::KeyEvent> = BTreeMap::new();
    for e in &ctx.usage.key_events {
        last.insert(&e.key, e);
    }
    for e in &ctx.usage.key_events {
        if e.change != KeyChange::Created
            || e.time >= w.start
            || report_accounts.contains(&e.account)
            || !ctx.cloudtrail_covers(&e.account)
            || matches!(
                last.get(e.key.as_str()).map(|l| l.change),
                Some(KeyChange::Deleted | KeyChange::Deactivated)
            )
        {
            continue;
        }
        let used = ctx.usage.keys.get(&e.key);
        if used.is_some_and(|u| u.span.last >= w.start) {
            continue;
        }
        let user = e.user_name.as_deref().unwrap_or("unknown");
        let partition = crate::iam::arn::Arn::parse(&e.actor).map_or("aws", |a| a.partition);
        let arn = format!("arn:{partition}:iam::{}:user/{user}", e.account);
        let mut p = finding(
            &INFO,
            &e.key,
            seed(
                Severity::Medium,
                format!(
                    "Access key {} of IAM user {user} in {} unused for {}+ days",
                    e.key, e.account, w.days
                ),
                &e.account,
                &arn,
                "IAMUser",
                format!(
                    "Deactivate {0}: aws iam update-access-key --user-name {user} --access-key-id {0} --status Inactive; delete it once nothing fails.",
                    e.key
                ),
            ),
        );
        p.access_key_id = Some(e.key.clone());
        p.target = Some(e.key.clone());
        p.count = 1;
        p.seen(e.time);
        if let Some(id) = &e.event_id {
            p.event_id(e.time, id);
        }
        p.evidence("created", &ts(e.time))
            .evidence("created_by", &e.actor)
            .evidence(
                "last_used",
                &used.map_or("never seen in CloudTrail".into(), |u| ts(u.span.last)),
            )
            .evidence("cloudtrail", &ctx.cloudtrail_coverage(&e.account));
        out.push(p);
    }
    Ok(())
}
