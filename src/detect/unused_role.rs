//! IAM roles with no use in the window.

use super::posture::{PostureCtx, finding, seed, ts};
use super::{Partial, Severity, rule_info};

rule_info! {
    id: "unused-role",
    anti_pattern: "5",
    severity: Low,
    title: "IAM role unused in the window",
    inputs: [IamDetails, Cloudtrail],
    what: "Roles created before the window that were not used in it: no CloudTrail event by a session of the role, and `RoleLastUsed` (from the authorization details; IAM tracks 400 days) before the window or absent. Service-linked roles are left out (AWS manages them). Medium when the role's trust policy lets another account or `*` in.",
    why: "Roles pile up: an experiment's role, a vendor integration nobody cancelled, a pipeline that was replaced. Each keeps its permissions and its trust policy, and an unused role that can be assumed from outside is an open door nobody watches.",
    fix: "Confirm with the owner, then delete the role (detach and delete its policies and instance profiles first: aws iam delete-role --role-name r). For Identity Center `AWSReservedSSO_*` roles, remove the unused permission set assignment instead.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    let w = ctx.need_window()?;
    for acct in inv.accounts.values() {
        for r in &acct.roles {
            if r.is_service_linked() || r.create_date.is_some_and(|t| t >= w.start) {
                continue;
            }
            if r.role_last_used.is_some_and(|t| t >= w.start) {
                continue;
            }
            let ct = ctx.usage.principal(&r.arn);
            if ct.is_some_and(|p| p.span.last >= w.start) {
                continue;
            }
            let last = r
                .role_last_used
                .into_iter()
                .chain(ct.map(|p| p.span.last))
                .max();
            let external = external_trust(r.trust_policy.as_ref(), &acct.account, ctx);
            let mut p = finding(
                &INFO,
                &r.arn,
                seed(
                    if external.is_empty() {
                        Severity::Low
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "Role {} in {} unused for {}+ days{}",
                        r.name,
                        acct.account,
                        last.map_or(i64::from(w.days), |t| w.days_before_end(t)),
                        if external.is_empty() {
                            ""
                        } else {
                            " and assumable from outside the account"
                        }
                    ),
                    &acct.account,
                    &r.arn,
                    "Role",
                    if r.is_identity_center() {
                        format!(
                            "Remove the IAM Identity Center permission set assignment that created {} (the role goes with it).",
                            r.name
                        )
                    } else {
                        format!(
                            "Confirm {0} is not needed, then delete it: detach its policies (aws iam detach-role-policy / delete-role-policy), remove it from instance profiles, and run aws iam delete-role --role-name {0}.",
                            r.name
                        )
                    },
                ),
            );
            if let Some(t) = last {
                p.seen(t);
            }
            p.evidence(
                "role_last_used",
                &r.role_last_used
                    .map_or("never (as far as IAM tracks: 400 days)".into(), |t| {
                        format!(
                            "{}{}",
                            ts(t),
                            r.role_last_used_region
                                .as_ref()
                                .map(|x| format!(" in {x}"))
                                .unwrap_or_default()
                        )
                    }),
            );
            if let Some(t) = r.create_date {
                p.evidence("created", &ts(t));
            }
            for e in &external {
                p.evidence("trusted_from_outside", e);
            }
            p.evidence("cloudtrail", &ctx.cloudtrail_coverage(&acct.account));
            p.evidence(
                "window",
                &format!("{} to {} ({} days)", ts(w.start), ts(w.end), w.days),
            );
            out.push(p);
        }
    }
    Ok(())
}

/// Principals outside `account` (and not trusted) that the trust policy lets in.
fn external_trust(
    trust: Option<&serde_json::Value>,
    account: &str,
    ctx: &PostureCtx<'_>,
) -> Vec<String> {
    use crate::iam::policy::{Effect, Grantee, Policy};
    let Some(policy) = trust.and_then(|t| Policy::from_value(t).ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        for g in s.grantees() {
            match g {
                Grantee::Public => out.push("*".to_string()),
                Grantee::Account { account: a, .. }
                    if a != account && !ctx.trusted.contains(&a) =>
                {
                    out.push(a)
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
