//! Granted versus used: for every user and role, what it may do (the policy engine over the
//! authorization details), what it did (CloudTrail through the event -> action mapping), and
//! the least-privilege policy it should have instead.
//!
//! * [`PermissionRow`]s: one per principal and action that is granted or used
//!   (`permissions.parquet`).
//! * [`Plan`]s: per principal, the suggested policy documents (split to IAM's size limits), a
//!   readable report, and the `unused-permissions` finding.
//!
//! "Used" means a call that passed authorization with its last use inside the window; refused
//! calls are *denied attempts* (the permission the principal lacked), never use. An action
//! that CloudTrail cannot show is *unobservable*, never *unused*: permission-only actions
//! (`iam:PassRole`: no API call of that name exists) and data-event actions (S3 object calls,
//! Lambda `Invoke`, DynamoDB items, SQS/SNS messages, Kinesis records) in an account whose
//! trail delivered no data event of that service.
//!
//! The step, per principal of the authorization details ([`plan`]): sort its actions
//! ([`observable`] says which CloudTrail cannot show), write its [`rows`], the documents
//! ([`suggest`]) and the [`report`].

mod observable;
mod plan;
pub mod refine;
mod refine_doc;
mod report;
mod rows;
mod suggest;
#[cfg(test)]
mod tests;
mod verify;

pub use observable::{data_event_source, data_event_type_source, unobservable_reason};
pub use suggest::MANAGED_POLICY_LIMIT;

use crate::finding::Partial;
use crate::iam::details::{AccountDetails, Inventory};
use crate::iam::engine::{Engine, Grant};
use crate::time::{DAY_MS, Window};
use crate::usage::{PrincipalActions, Usage, principal_key};
use plan::plan_principal;
use rows::used_only_row;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
pub use verify::Verification;

/// `permissions.parquet`: one row per principal and action that is granted or used.
#[derive(Clone, Debug, PartialEq)]
pub struct PermissionRow {
    /// Account.
    pub account: String,
    /// Principal ARN.
    pub principal: String,
    /// `IAMUser`, `Role`, or the activity's principal type for principals not in the details.
    pub principal_type: String,
    /// `service:Action`.
    pub action: String,
    /// Service prefix.
    pub service: String,
    /// Access level (`Unknown` for actions not in the catalog).
    pub access_level: String,
    /// Granted by the principal's identity policies (after Deny, boundary, SCPs).
    pub granted: bool,
    /// Granted only under a condition.
    pub conditional: bool,
    /// Used in the window.
    pub used: bool,
    /// CloudTrail can show its use here.
    pub observable: bool,
    /// Calls that passed authorization (over the scan).
    pub use_count: u64,
    /// Calls refused for lack of permission.
    pub denied_count: u64,
    /// First allowed call.
    pub first_used: Option<i64>,
    /// Last allowed call.
    pub last_used: Option<i64>,
    /// The policies that grant it.
    pub granted_by: Vec<String>,
    /// Why it is in the principal's suggestion: `observed` (a logged call), `inferred` (a
    /// call's request needed it: `iam:PassRole`, SSE-KMS), `kept-unobservable` (CloudTrail could
    /// not have shown it); `None` when it is not suggested.
    pub suggested: Option<&'static str>,
}

/// One principal's suggestion.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Account.
    pub account: String,
    /// Principal ARN.
    pub arn: String,
    /// `user` or `role`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Policy documents (several when one would exceed the size limit).
    pub documents: Vec<Value>,
    /// The readable report.
    pub report: String,
    /// The finding, when something is unused.
    pub finding: Option<Partial>,
    /// The replay of the suggestion ([`verify::verify`]); `None` when nothing was suggested.
    /// A suggestion that failed it has no documents.
    pub verification: Option<Verification>,
    /// What refining its existing policies may rely on ([`refine`]), or why they may not be
    /// refined (excluded, no evidence, in the grace period).
    pub(crate) basis: Result<Basis, String>,
}

/// What a principal needs, as the refinement of its existing policies sees it: the actions of
/// its suggestion (observed, inferred, kept unobservable), and the calls to replay.
#[derive(Clone, Debug, Default)]
pub(crate) struct Basis {
    /// Observed, inferred and kept-unobservable actions.
    pub needed: BTreeSet<crate::iam::catalog::ActionId>,
    /// The observed and inferred actions, replayed by [`verify`].
    pub replayed: Vec<crate::iam::catalog::ActionId>,
    /// What its calls touched, by action.
    pub touched: std::collections::BTreeMap<crate::iam::catalog::ActionId, crate::usage::Resources>,
}

/// Calls a detection flagged, by principal: an action used only in such calls is kept out of
/// the suggestion (and listed in the report with the finding), so that an attacker's
/// `cloudtrail:StopLogging` never becomes a permission to keep.
#[derive(Clone, Debug)]
pub struct Flagged {
    /// The acting principal's ARN, as the finding names it.
    pub principal: String,
    /// The rule that flagged the calls.
    pub rule: &'static str,
    /// The finding's title.
    pub title: String,
    /// `(eventSource, eventName, events)`.
    pub calls: Vec<(String, String, u64)>,
}

/// The rules whose flagged calls are kept out of suggestions: each names a specific dangerous
/// call (tampering with logging, making a resource public). Principal-wide findings
/// (`long-term-key-without-mfa` flags every call of a user) are not: they would empty the
/// suggestion, and their fix is the credential, not the permission.
pub const EXCLUDING_RULES: &[&str] = &["cloudtrail-tampering", "public-resource-policy"];

/// Everything the recommendation step needs.
pub struct Inputs<'a> {
    /// Authorization details.
    pub inventory: Option<&'a Inventory>,
    /// The run's usage.
    pub usage: &'a Usage,
    /// The window.
    pub window: Option<Window>,
    /// The policy engine (with the SCPs).
    pub engine: Engine,
    /// Calls the detections flagged ([`EXCLUDING_RULES`]).
    pub flagged: Vec<Flagged>,
    /// `--grace` days.
    pub grace_days: Option<u32>,
    /// `--exclude`.
    pub exclusions: Option<&'a crate::exclusions::Exclusions>,
}

/// What the step produces.
#[derive(Default)]
pub struct Output {
    /// `permissions.parquet` rows.
    pub rows: Vec<PermissionRow>,
    /// Per-principal suggestions (principals of the details only).
    pub plans: Vec<Plan>,
    /// Accounts of the details of which no CloudTrail event was read in the window: their
    /// principals get no finding and no suggestion (there is no evidence of what they use).
    pub no_evidence: Vec<String>,
    /// Principals left alone for the grace period: `ARN: why`.
    pub in_grace: Vec<String>,
    /// Principals `--exclude` names: `ARN: the matching entry`.
    pub excluded: Vec<String>,
    /// The existing policies, refined ([`refine`]).
    pub refinements: Vec<refine::Refinement>,
}

/// Whether CloudTrail of `account` was read in the window: some event of it was counted.
fn has_evidence(usage: &Usage, account: &str, window: Option<Window>) -> bool {
    usage
        .accounts
        .get(account)
        .is_some_and(|s| window.is_none_or(|w| s.last >= w.start && s.first <= w.end))
}

/// What changed since `cutoff` (epoch ms) that the grace period protects: the principal's
/// creation, and each customer managed policy of it (attached, through a group, or the
/// boundary) created or updated since. Inline policies and attachments carry no date in the
/// details; AWS managed policies change on AWS's schedule, not the team's.
fn recent_changes(acct: &AccountDetails, g: &Grant, cutoff: i64) -> Vec<String> {
    let mut out = Vec::new();
    let created = acct
        .users
        .iter()
        .find(|u| u.arn == g.principal_arn)
        .and_then(|u| u.create_date)
        .or_else(|| {
            acct.roles
                .iter()
                .find(|r| r.arn == g.principal_arn)
                .and_then(|r| r.create_date)
        });
    if let Some(t) = created.filter(|t| *t > cutoff) {
        out.push(format!("created {}", crate::time::format_ms(t)));
    }
    let arns = g
        .sources
        .iter()
        .filter_map(|s| s.arn.as_deref())
        .chain(g.boundary.as_deref());
    for arn in arns {
        if let Some(p) = acct.policy(arn).filter(|p| !p.aws_managed)
            && let Some(t) = p.update_date.or(p.create_date).filter(|t| *t > cutoff)
        {
            out.push(format!(
                "policy {} changed {}",
                crate::text::escape(arn),
                crate::time::format_ms(t)
            ));
        }
    }
    out
}

/// Runs the step.
pub fn run(mut inp: Inputs<'_>) -> Output {
    let mut out = Output::default();
    let usage = inp.usage;
    // Usage by (account, kind, name) so that `role/service-role/x` and `role/x` meet.
    let mut by_key: HashMap<(String, String, String), &Arc<str>> = HashMap::new();
    for k in usage.actions.keys() {
        if let Some(pk) = principal_key(k) {
            by_key.insert(pk, k);
        }
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    if let Some(inv) = inp.inventory {
        for acct in inv.accounts.values() {
            let grants = inp.engine.evaluate_account(acct);
            let mut profiles = suggest::Profiles::new();
            for r in &acct.roles {
                let partition = r.arn.split(':').nth(1).unwrap_or("aws");
                for ip in &r.instance_profiles {
                    profiles
                        .entry(format!(
                            "arn:{partition}:iam::{}:instance-profile/{ip}",
                            acct.account
                        ))
                        .or_default()
                        .push(r.arn.clone());
                }
            }
            let evidence = has_evidence(usage, &acct.account, inp.window);
            if !evidence {
                out.no_evidence.push(acct.account.clone());
            }
            let first_plan = out.plans.len();
            for g in &grants {
                let used_key = principal_key(&g.principal_arn).and_then(|k| by_key.get(&k));
                if let Some(k) = used_key {
                    seen.insert(k);
                }
                let used = used_key.and_then(|k| usage.actions.get(*k));
                let first_row = out.rows.len();
                let key = principal_key(&g.principal_arn);
                let flagged: Vec<&Flagged> = inp
                    .flagged
                    .iter()
                    .filter(|f| key.is_some() && principal_key(&f.principal) == key)
                    .collect();
                let mut ctx = plan::Ctx {
                    usage,
                    window: inp.window,
                    engine: &mut inp.engine,
                    profiles: &profiles,
                };
                let mut plan = plan_principal(g, used, &flagged, &mut ctx, &mut out.rows);
                if !evidence {
                    // No CloudTrail of the account was read: nothing could be observed.
                    for r in &mut out.rows[first_row..] {
                        r.observable = false;
                    }
                }
                // A service-linked role's policies belong to AWS: its rows are written, but
                // nothing is proposed for it.
                if acct
                    .roles
                    .iter()
                    .any(|r| r.arn == g.principal_arn && r.is_service_linked())
                {
                    for r in &mut out.rows[first_row..] {
                        r.suggested = None;
                    }
                    continue;
                }
                let tags = acct
                    .users
                    .iter()
                    .find(|u| u.arn == g.principal_arn)
                    .map(|u| u.tags.as_slice())
                    .or_else(|| {
                        acct.roles
                            .iter()
                            .find(|r| r.arn == g.principal_arn)
                            .map(|r| r.tags.as_slice())
                    })
                    .unwrap_or(&[]);
                let excluded = inp
                    .exclusions
                    .and_then(|x| x.matches(&g.account, &g.principal_arn, tags));
                if let Some(why) = excluded {
                    plan.basis = Err(format!("excluded by --exclude ({why})"));
                    plan.finding = None;
                    plan.documents.clear();
                    plan.verification = None;
                    plan.report = report::excluded(g, &why);
                    out.excluded.push(format!("{}: {why}", g.principal_arn));
                } else if !evidence {
                    plan.basis = Err("no CloudTrail of its account was read in the window".into());
                    plan.finding = None;
                    plan.documents.clear();
                    plan.verification = None;
                    plan.report = report::no_evidence(g, inp.window);
                } else if let (Some(days), Some(w)) = (inp.grace_days, inp.window) {
                    let recent = recent_changes(acct, g, w.end - i64::from(days) * DAY_MS);
                    if !recent.is_empty() {
                        plan.basis = Err(format!(
                            "in the {days}-day grace period ({})",
                            recent.join("; ")
                        ));
                        plan.finding = None;
                        plan.documents.clear();
                        plan.verification = None;
                        plan.report = report::in_grace(g, days, &recent);
                        out.in_grace
                            .push(format!("{}: {}", g.principal_arn, recent.join("; ")));
                    }
                }
                if plan.documents.is_empty() {
                    // Nothing written (excluded, no evidence, grace, a failed replay): no row
                    // is "suggested".
                    for r in &mut out.rows[first_row..] {
                        r.suggested = None;
                    }
                }
                out.plans.push(plan);
            }
            let refined = refine::account(acct, &grants, &out.plans[first_plan..], &mut inp.engine);
            out.refinements.extend(refined);
        }
    }
    // Principals that acted but are not in the details: their use only.
    let mut rest: Vec<(&Arc<str>, &PrincipalActions)> = usage
        .actions
        .iter()
        .filter(|(k, _)| !seen.contains(&***k))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(b.0));
    for (arn, pa) in rest {
        for (action, u) in &pa.actions {
            out.rows.push(used_only_row(arn, pa, action, u, inp.window));
        }
    }
    out
}
