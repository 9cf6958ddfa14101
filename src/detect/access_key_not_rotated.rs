//! Active access keys older than `--max-key-age` (credential report, and `CreateAccessKey`
//! history in CloudTrail).

use super::posture::{PostureCtx, finding, last_used_text, report_rows, row_source, seed, ts};
use super::{Partial, Severity, rule_info};
use crate::time::DAY_MS;
use crate::usage::KeyChange;
use std::collections::{BTreeMap, BTreeSet};

rule_info! {
    id: "access-key-not-rotated",
    anti_pattern: "1",
    severity: Medium,
    title: "Active access key not rotated",
    inputs: [CredentialReport, Cloudtrail],
    what: "Active IAM user access keys created or last rotated more than `--max-key-age` days (default 90) before the end of the window: from the credential report (`access_key_N_last_rotated`), and, for accounts without a report, from `CreateAccessKey` events in CloudTrail for keys that were not deleted or deactivated later (only when that account's CloudTrail reaches the end of the window). Root keys are reported by `root-access-key-present`. High past four times the maximum age.",
    why: "The longer a long-term key lives, the more places it has leaked to (laptops, CI logs, old images, repositories). Rotation bounds the damage of a leak nobody noticed; a key that cannot be rotated is a key nobody knows the users of.",
    fix: "Create a second key, move its consumers to it, deactivate the old key, watch CloudTrail for failures, then delete it. Better: replace the key with a role (instance profile, IRSA, OIDC federation for CI) so there is nothing to rotate.",
}

fn severity(age_days: i64, max: i64) -> Severity {
    if age_days > 4 * max {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    if ctx.reports.is_empty() && !ctx.cloudtrail {
        return Err(
            "needs --credential-report or CloudTrail (CreateAccessKey history)".to_string(),
        );
    }
    let w = ctx.need_window()?;
    let max = i64::from(ctx.max_key_age_days);
    let limit = w.end - max * DAY_MS;
    let mut report_accounts = BTreeSet::new();
    for row in report_rows(ctx.reports) {
        report_accounts.insert(row.account.clone());
        if row.is_root {
            continue;
        }
        for (i, k) in row.access_keys.iter().enumerate() {
            let Some(rotated) = k.last_rotated.filter(|t| k.active && *t < limit) else {
                continue;
            };
            let age = w.days_before_end(rotated);
            let name = super::posture::user_name(&row.arn);
            let slot = i + 1;
            let mut p = finding(
                &INFO,
                &format!("{}#{slot}", row.arn),
                seed(
                    severity(age, max),
                    format!(
                        "Access key {slot} of IAM user {name} in {} is {age} days old",
                        row.account
                    ),
                    &row.account,
                    &row.arn,
                    "IAMUser",
                    format!(
                        "Rotate access key {slot} of {name}: aws iam create-access-key --user-name {name}, move its users to the new key, then aws iam update-access-key --user-name {name} --access-key-id <old> --status Inactive and delete it once nothing fails."
                    ),
                ),
            );
            p.target = Some(format!("access key {slot}"));
            p.seen(rotated);
            p.evidence_num("age_days", age)
                .evidence("last_rotated", &ts(rotated))
                .evidence("last_used", &last_used_text(k.last_used_date))
                .evidence_num("max_key_age_days", max)
                .evidence("source", &row_source(ctx.reports, row));
            out.push(p);
        }
    }
    // CloudTrail history: the last lifecycle event of each key decides whether it is active.
    let mut last: BTreeMap<&str, &crate::usage::KeyEvent> = BTreeMap::new();
    let mut created: BTreeMap<&str, &crate::usage::KeyEvent> = BTreeMap::new();
    for e in &ctx.usage.key_events {
        last.insert(&e.key, e);
        if e.change == KeyChange::Created {
            created.insert(&e.key, e);
        }
    }
    for (key, c) in created {
        if report_accounts.contains(&c.account)
            || c.time >= limit
            || !ctx.cloudtrail_current(&c.account)
        {
            continue; // the report decides, the key is young, or the logs stop too early
        }
        if matches!(
            last.get(key).map(|e| e.change),
            Some(KeyChange::Deleted | KeyChange::Deactivated)
        ) {
            continue;
        }
        let age = w.days_before_end(c.time);
        let user = c.user_name.as_deref().unwrap_or("unknown");
        let partition = crate::iam::arn::Arn::parse(&c.actor).map_or("aws", |a| a.partition);
        let arn = match &c.user_name {
            Some(u) => ctx
                .usage
                .keys
                .get(key)
                .map(|k| k.user_arn.clone())
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| format!("arn:{partition}:iam::{}:user/{u}", c.account)),
            None => c.actor.clone(),
        };
        let mut p = finding(
            &INFO,
            key,
            seed(
                severity(age, max),
                format!(
                    "Access key {key} of IAM user {user} in {} is {age} days old",
                    c.account
                ),
                &c.account,
                &arn,
                "IAMUser",
                format!(
                    "Rotate {key}: aws iam create-access-key --user-name {user}, move its users to the new key, then aws iam update-access-key --user-name {user} --access-key-id {key} --status Inactive and delete it once nothing fails."
                ),
            ),
        );
        p.access_key_id = Some(key.to_string());
        p.target = Some(key.to_string());
        p.seen(c.time);
        p.count = 1;
        if let Some(id) = &c.event_id {
            p.event_id(c.time, id);
        }
        if let Some(ip) = &c.source_ip {
            p.source_ips.insert(ip.clone());
        }
        p.evidence_num("age_days", age)
            .evidence("created", &ts(c.time))
            .evidence("created_by", &c.actor)
            .evidence_num("max_key_age_days", max)
            .evidence(
                "source",
                "CloudTrail CreateAccessKey (no later DeleteAccessKey or deactivation seen); no credential report for this account",
            );
        if let Some(u) = ctx.usage.keys.get(key) {
            p.evidence(
                "cloudtrail_use",
                &format!("{} calls, last {}", u.span.count, ts(u.span.last)),
            );
        }
        out.push(p);
    }
    Ok(())
}
