//! IAM users with no use in the window.

use super::posture::{PostureCtx, finding, last_used_text, row_source, seed, ts};
use super::{Partial, Severity, rule_info};
use crate::iam::credreport::CredentialRow;
use crate::iam::details::User;
use crate::usage::principal_key;
use std::collections::BTreeMap;

rule_info! {
    id: "unused-user",
    anti_pattern: "5",
    severity: Medium,
    title: "IAM user unused in the window",
    inputs: [IamDetails, CredentialReport, Cloudtrail],
    what: "IAM users created before the window (`--window` days, default 90) that did nothing in it: no CloudTrail event as the user, no password or access-key use in the credential report. Runs with `--iam-details` or `--credential-report` (either); a user known only from the authorization details is judged only when CloudTrail covers its account over the whole window. Medium when the user still holds a password or an active key, low otherwise.",
    why: "A user nobody uses still holds permissions and, often, credentials nobody watches: the ideal foothold. Unused identities are the most common finding of IAM reviews and the cheapest to fix.",
    fix: "Confirm with the owner, then remove the user's credentials (password, keys), wait a cycle, and delete the user (aws iam delete-user after removing its keys, policies, groups and MFA devices).",
}

struct Candidate<'a> {
    account: String,
    arn: String,
    name: String,
    user: Option<&'a User>,
    row: Option<&'a CredentialRow>,
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    if ctx.inventory.is_none() && ctx.reports.is_empty() {
        return Err("needs --iam-details or --credential-report (the list of users)".into());
    }
    let w = ctx.need_window()?;
    let mut users: BTreeMap<(String, String, String), Candidate<'_>> = BTreeMap::new();
    if let Some(inv) = ctx.inventory {
        for acct in inv.accounts.values() {
            for u in &acct.users {
                let Some(k) = principal_key(&u.arn) else {
                    continue;
                };
                users.insert(
                    k,
                    Candidate {
                        account: acct.account.clone(),
                        arn: u.arn.clone(),
                        name: u.name.clone(),
                        user: Some(u),
                        row: None,
                    },
                );
            }
        }
    }
    for row in super::posture::report_rows(ctx.reports).filter(|r| !r.is_root) {
        let Some(k) = principal_key(&row.arn) else {
            continue;
        };
        users
            .entry(k)
            .or_insert_with(|| Candidate {
                account: row.account.clone(),
                arn: row.arn.clone(),
                name: row.user.clone(),
                user: None,
                row: None,
            })
            .row = Some(row);
    }
    for c in users.values() {
        let created = c
            .user
            .and_then(|u| u.create_date)
            .or(c.row.and_then(|r| r.user_creation_time));
        if created.is_some_and(|t| t >= w.start) {
            continue;
        }
        if c.row.is_none() && !ctx.cloudtrail_covers(&c.account) {
            continue; // nothing says whether it was used
        }
        let ct = ctx.usage.principal(&c.arn);
        if ct.is_some_and(|p| p.span.last >= w.start) {
            continue;
        }
        let mut last_use: Option<i64> = ct.map(|p| p.span.last);
        let mut creds = Vec::new();
        if let Some(r) = c.row {
            let pw = r.password_last_used.at();
            let keys: Vec<i64> = r
                .access_keys
                .iter()
                .filter_map(|k| k.last_used_date.at())
                .collect();
            if pw.is_some_and(|t| t >= w.start) || keys.iter().any(|t| *t >= w.start) {
                continue;
            }
            last_use = last_use.into_iter().chain(pw).chain(keys).max();
            if r.password_enabled == Some(true) {
                creds.push("console password".to_string());
            }
            for (i, k) in r.access_keys.iter().enumerate() {
                if k.active {
                    creds.push(format!("active access key {}", i + 1));
                }
            }
        }
        let severity = if creds.is_empty() {
            Severity::Low
        } else {
            Severity::Medium
        };
        let mut p = finding(
            &INFO,
            &c.arn,
            seed(
                severity,
                format!(
                    "IAM user {} in {} unused for {}+ days",
                    c.name,
                    c.account,
                    last_use.map_or(i64::from(w.days), |t| w.days_before_end(t))
                ),
                &c.account,
                &c.arn,
                "IAMUser",
                format!(
                    "Confirm {0} is not needed, remove its password and keys (aws iam delete-login-profile --user-name {0}; aws iam delete-access-key), then delete the user (aws iam delete-user --user-name {0}).",
                    c.name
                ),
            ),
        );
        if let Some(t) = last_use {
            p.seen(t);
        }
        p.evidence("last_use", &last_use.map_or("none seen".to_string(), ts));
        if let Some(t) = created {
            p.evidence("created", &ts(t));
        }
        for cr in &creds {
            p.evidence("credentials", cr);
        }
        if let Some(r) = c.row {
            p.evidence("password_last_used", &last_used_text(r.password_last_used));
            p.evidence("source", &row_source(ctx.reports, r));
        }
        if let Some(u) = c.user {
            for g in &u.groups {
                p.evidence("groups", g);
            }
            for a in &u.attached {
                p.evidence("policies", &a.arn);
            }
            for i in &u.inline {
                p.evidence("policies", &format!("inline:{}", i.name));
            }
        }
        p.evidence("cloudtrail", &ctx.cloudtrail_coverage(&c.account));
        p.evidence(
            "window",
            &format!("{} to {} ({} days)", ts(w.start), ts(w.end), w.days),
        );
        out.push(p);
    }
    Ok(())
}
