//! One principal of the authorization details: its granted and used actions sorted into kept,
//! unused and unobservable, its permission rows, the suggested documents, the report and the
//! `unused-permissions` finding.

use super::observable::unobservable_reason;
use super::report::report;
use super::rows::{in_window, used_only_row};
use super::suggest::build_documents;
use super::{PermissionRow, Plan};
use crate::detect::unused_permissions::INFO;
use crate::finding::{Partial, Seed, Severity};
use crate::iam::catalog::{AccessLevel, ActionId, catalog};
use crate::iam::engine::{Engine, Grant, PrincipalKind};
use crate::time::Window;
use crate::usage::{ActionUse, PrincipalActions, Usage};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(super) fn risk_rank(level: AccessLevel) -> u8 {
    match level.as_str() {
        "Permissions management" => 0,
        "Write" => 1,
        "Tagging" => 2,
        "Read" => 3,
        _ => 4,
    }
}

/// What every principal of an account is planned against.
pub(super) struct Ctx<'a> {
    /// The run's usage.
    pub usage: &'a Usage,
    /// The "unused" window.
    pub window: Option<Window>,
    /// The engine, to replay suggestions.
    pub engine: &'a mut Engine,
    /// The account's instance profiles and their roles.
    pub profiles: &'a super::suggest::Profiles,
}

pub(super) fn plan_principal(
    g: &Grant,
    used: Option<&PrincipalActions>,
    flagged: &[&super::Flagged],
    ctx: &mut Ctx<'_>,
    rows: &mut Vec<PermissionRow>,
) -> Plan {
    let (usage, window, profiles) = (ctx.usage, ctx.window, ctx.profiles);
    let c = catalog();
    let ptype = match g.kind {
        PrincipalKind::User => "IAMUser",
        PrincipalKind::Role => "Role",
    };
    // Used actions by catalog id (unknown names kept apart).
    let mut used_ids: BTreeMap<ActionId, ActionUse> = BTreeMap::new();
    let mut used_unknown: Vec<(&str, &ActionUse)> = Vec::new();
    if let Some(pa) = used {
        for (a, u) in &pa.actions {
            match c.lookup(a) {
                Some(id) => {
                    used_ids.insert(id, *u);
                }
                None => used_unknown.push((a, u)),
            }
        }
    }
    let first_row = rows.len();
    let mut ids: BTreeSet<ActionId> = g.granted.iter().collect();
    ids.extend(used_ids.keys().copied());
    let mut keep: Vec<ActionId> = Vec::new(); // used in the window and granted
    let mut unobservable_held: Vec<(ActionId, &'static str)> = Vec::new();
    let mut unused: Vec<ActionId> = Vec::new();
    let mut used_services: BTreeSet<&str> = BTreeSet::new();
    for &id in &ids {
        let a = c.get(id);
        let granted = g.granted.contains(id);
        let u = used_ids.get(&id);
        let is_used = u.is_some_and(|u| u.count > 0 && in_window(window, u.last));
        let why = unobservable_reason(id, &g.account, usage);
        if granted {
            if is_used {
                keep.push(id);
                used_services.insert(a.service);
            } else if let Some(w) = why {
                unobservable_held.push((id, w));
            } else {
                unused.push(id);
            }
        }
        rows.push(PermissionRow {
            account: g.account.clone(),
            principal: g.principal_arn.clone(),
            principal_type: ptype.to_string(),
            action: a.full_name(),
            service: a.service.to_string(),
            access_level: a.access.as_str().to_string(),
            granted,
            conditional: g.conditional.contains(id),
            used: is_used,
            observable: why.is_none() || is_used,
            use_count: u.map_or(0, |u| u.count),
            denied_count: u.map_or(0, |u| u.denied),
            first_used: u.and_then(|u| u.first),
            last_used: u.and_then(|u| u.last),
            granted_by: if granted {
                g.granted_by(id).into_iter().map(str::to_string).collect()
            } else {
                Vec::new()
            },
            suggested: None,
        });
    }
    if let Some(pa) = used {
        for (a, u) in &used_unknown {
            rows.push(used_only_row(&g.principal_arn, pa, a, u, window));
        }
    }
    // Actions used only in calls a detection flagged stay out of the suggestion.
    let mut held_flagged: Vec<(ActionId, String)> = Vec::new();
    if !flagged.is_empty() {
        keep.retain(|id| {
            let mut n = 0u64;
            let mut why: Vec<String> = Vec::new();
            for f in flagged {
                for (src, name, count) in &f.calls {
                    if crate::iam::mapping::map_event(src, name, None)
                        .actions
                        .contains(id)
                    {
                        n += count;
                        let w = format!("{} ({})", f.rule, f.title);
                        if !why.contains(&w) {
                            why.push(w);
                        }
                    }
                }
            }
            let used = used_ids.get(id).map_or(0, |u| u.count);
            if n > 0 && used <= n {
                held_flagged.push((*id, why.join("; ")));
                false
            } else {
                true
            }
        });
    }
    // Kept unobserved: only data-event actions of a service the principal was seen using, in
    // an account whose trail recorded no data events of it (CloudTrail could not have shown
    // their use). A permission-only action (no API call of its name) that an observed call
    // needs is already *used*: the mapping table adds it beside the call (`iam:PassRole` with
    // `lambda:CreateFunction`). Every other unseen permission-only action is not needed by
    // anything that was observed: it stays out of the suggestion, listed as unused.
    let kept_unobservable: Vec<ActionId> = unobservable_held
        .iter()
        .filter(|(id, _)| {
            let a = c.get(*id);
            used_services.contains(a.service)
                && super::observable::data_event_source(a.service, a.name)
                    .is_some_and(|src| !super::observable::observed_source(usage, &g.account, src))
        })
        .map(|(id, _)| *id)
        .collect();
    // Permission-only actions nothing observed needed are unused.
    unused.extend(unobservable_held.iter().map(|(id, _)| *id).filter(|id| {
        let a = c.get(*id);
        super::observable::data_event_source(a.service, a.name).is_none()
    }));
    // Permissions the observed calls needed by their requests (`iam:PassRole`), granted and
    // not themselves seen: kept, marked inferred, no longer unused.
    let super::suggest::Touched {
        all: resources,
        inferred: inferred_use,
    } = super::suggest::touched(g, usage, profiles);
    let inferred: Vec<ActionId> = inferred_use
        .keys()
        .copied()
        .filter(|id| g.granted.contains(*id) && !keep.contains(id))
        .collect();
    unused.retain(|id| !inferred.contains(id));
    unobservable_held.retain(|(id, _)| !inferred.contains(id));
    let mut documents = build_documents(g, &keep, &inferred, &kept_unobservable, &resources);
    // Each row says why its action is in the suggestion.
    let marks: BTreeMap<String, &'static str> = keep
        .iter()
        .map(|id| (*id, "observed"))
        .chain(inferred.iter().map(|id| (*id, "inferred")))
        .chain(
            kept_unobservable
                .iter()
                .map(|id| (*id, "kept-unobservable")),
        )
        .map(|(id, m)| (c.get(id).full_name(), m))
        .collect();
    for r in &mut rows[first_row..] {
        r.suggested = marks.get(&r.action).copied();
    }
    let replayed: Vec<ActionId> = keep.iter().chain(&inferred).copied().collect();
    let basis = super::Basis {
        needed: replayed.iter().chain(&kept_unobservable).copied().collect(),
        replayed: replayed.clone(),
        touched: resources.clone(),
    };
    let verification = (!documents.is_empty())
        .then(|| super::verify::verify(ctx.engine, g, &documents, &replayed, &resources));
    if verification.as_ref().is_some_and(|v| !v.ok()) {
        // Never write what the replay refused.
        documents.clear();
    }
    let granted_n = g.granted.len();
    let services: BTreeSet<&str> = g.granted.iter().map(|id| c.get(id).service).collect();
    let unused_services: Vec<&str> = services
        .iter()
        .copied()
        .filter(|s| !used_services.contains(s))
        .collect();
    unused.sort_by_key(|id| (risk_rank(c.get(*id).access), *id));
    let mut report = report(
        g,
        granted_n,
        services.len(),
        &keep,
        &unused,
        &unobservable_held,
        &kept_unobservable,
        &unused_services,
        window,
    );
    if !inferred.is_empty() {
        report.push_str("\ninferred from request parameters (no call of their own is logged):\n");
        for id in &inferred {
            let u = &inferred_use[id];
            let on: Vec<&str> = u.arns.iter().map(String::as_str).collect();
            report.push_str(&format!(
                "  {} on {} (events {})\n",
                c.get(*id),
                if on.is_empty() {
                    "the granting statements' resources".to_string()
                } else {
                    crate::text::escape(&on.join(", ")).into_owned()
                },
                crate::text::escape(
                    &u.events
                        .iter()
                        .take(crate::usage::MAX_EXAMPLES)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            ));
        }
    }
    match &verification {
        Some(super::Verification::Verified { observed, sampled }) => report.push_str(&format!(
            "\nverified: true ({observed} observed calls replayed, {sampled} sampled requests allowed by today's grant)\n"
        )),
        Some(super::Verification::Failed(why)) => report.push_str(&format!(
            "\nverified: false, so no policy is written for this principal: {}\n",
            crate::text::escape(why)
        )),
        None => {}
    }
    if !held_flagged.is_empty() {
        report.push_str(
            "\nkept out: used only in calls a detection flagged (add back by hand only after the incident is understood):\n",
        );
        for (id, why) in &held_flagged {
            report.push_str(&format!(
                "  {} <- {}\n",
                c.get(*id),
                crate::text::escape(why)
            ));
        }
    }
    let finding = (!unused.is_empty()).then(|| {
        let risky = unused
            .iter()
            .filter(|id| risk_rank(c.get(**id).access) <= 1)
            .count();
        let mut p = Partial::new(
            &INFO,
            Arc::from(g.principal_arn.as_str()),
            Seed {
                severity: if risky > 0 {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                title: format!(
                    "{} {} in {} uses {} of {} granted actions ({} unused{})",
                    if g.kind == PrincipalKind::User {
                        "IAM user"
                    } else {
                        "Role"
                    },
                    g.name,
                    g.account,
                    keep.len(),
                    granted_n,
                    unused.len(),
                    if risky > 0 {
                        format!(", {risky} of them Write or Permissions management")
                    } else {
                        String::new()
                    }
                ),
                account: g.account.clone(),
                principal: g.principal_arn.clone(),
                principal_type: ptype.into(),
                access_key_id: None,
                target: None,
                remediation: remediation(g, documents.len()),
            },
        );
        p.count = keep.len() as u64;
        p.unit = "actions used";
        p.evidence_num("granted_actions", granted_n as i64)
            .evidence_num("used_actions", keep.len() as i64)
            .evidence_num("unused_actions", unused.len() as i64)
            .evidence_num("unobservable_actions", unobservable_held.len() as i64);
        for (id, _) in &held_flagged {
            p.evidence("kept_out_flagged", &c.get(*id).to_string());
        }
        match &verification {
            Some(super::Verification::Verified { .. }) => {
                p.evidence_bool("verified", true);
            }
            Some(super::Verification::Failed(why)) => {
                p.evidence("verified", "false");
                p.evidence("verification_failure", why);
            }
            None => {}
        }
        for s in &unused_services {
            p.evidence("unused_services", s);
        }
        // Evidence values are kept sorted: a rank prefix keeps the riskiest first.
        for (i, id) in unused.iter().take(25).enumerate() {
            let a = c.get(*id);
            p.evidence(
                "riskiest_unused",
                &format!("{:02} {a} ({})", i + 1, a.access.as_str()),
            );
        }
        for u in &g.unknown_policies {
            p.evidence("not_evaluated", u);
        }
        p
    });
    Plan {
        account: g.account.clone(),
        arn: g.principal_arn.clone(),
        kind: match g.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        },
        name: g.name.clone(),
        documents,
        report,
        finding,
        verification,
        basis: Ok(basis),
    }
}

/// The `unused-permissions` fix: the files [`crate::output::policies::write`] really writes for
/// this principal (the suggested documents, or only the report when it used nothing).
fn remediation(g: &Grant, documents: usize) -> String {
    let kind = match g.kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
    };
    let (docs, report) = crate::paths::relative_files(&g.account, kind, &g.name, documents);
    let sources = g
        .sources
        .iter()
        .map(|s| s.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if docs.is_empty() {
        format!(
            "{} used none of its granted actions in the window: review {report}, then remove the old grants: {sources}.",
            g.name
        )
    } else {
        format!(
            "Replace the policies of {} with {} (review {report} first), then remove the old grants: {sources}.",
            g.name,
            docs.join(" and ")
        )
    }
}
