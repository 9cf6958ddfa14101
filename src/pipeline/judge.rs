//! Judge: what needs the whole run. The "unused" window, the state's aging, the inventory
//! rules, and granted versus used with its least-privilege suggestions.

use super::ScanConfig;
use crate::detect::posture::{NotRun, PostureCtx, PostureInputs};
use crate::detect::unused_permissions;
use crate::detect::{Findings, all_rules};
use crate::output::findings::Finding;
use crate::recommend::{Output, PermissionRow, Plan};
use crate::state::State;
use crate::time::Window;
use crate::usage::Usage;

/// The verdicts of a run, ready to be written.
pub(super) struct Judged {
    pub window: Option<Window>,
    pub not_run: Vec<NotRun>,
    /// Every finding, in report order.
    pub found: Vec<Finding>,
    /// `permissions.parquet`.
    pub rows: Vec<PermissionRow>,
    /// The least-privilege suggestions.
    pub plans: Vec<Plan>,
    /// Accounts of the details without CloudTrail in the window.
    pub no_evidence: Vec<String>,
    /// Principals left alone for `--grace`.
    pub in_grace: Vec<String>,
    /// Principals `--exclude` names.
    pub excluded: Vec<String>,
    /// The existing policies, refined.
    pub refinements: Vec<crate::recommend::refine::Refinement>,
}

/// Runs the inventory rules and the least-privilege step over the run's usage.
pub(super) fn run(
    cfg: &ScanConfig,
    inputs: &PostureInputs,
    usage: &mut Usage,
    mut findings: Findings,
    state: Option<&mut State>,
    events_outside_window: u64,
) -> Judged {
    let window = Window::choose(
        cfg.posture.window_days,
        cfg.selection.until,
        usage.newest,
        inputs.reports.iter().filter_map(|r| r.generated).max(),
    );
    let has_history = match state {
        Some(st) => {
            st.age(usage, window);
            if events_outside_window > 0 {
                tracing::warn!(
                    events = events_outside_window,
                    "events outside --since/--until in objects the state now counts as read: they will not be read again"
                );
            }
            st.has_history()
        }
        None => false,
    };
    let usage: &Usage = usage;
    let ctx = PostureCtx {
        window,
        max_key_age_days: cfg.posture.max_key_age_days,
        trusted: &cfg.trusted,
        inventory: inputs.inventory.as_ref(),
        reports: &inputs.reports,
        usage,
        cloudtrail: !cfg.sources.is_empty() || has_history,
    };
    let mut not_run = cfg.detector.run_posture(&ctx, &mut findings);
    if cfg.sources.is_empty() {
        for r in all_rules() {
            if r.check.is_some() && cfg.rules_run.contains(&r.info.id) {
                not_run.push(NotRun {
                    rule: r.info.id.to_string(),
                    reason: "needs CloudTrail: no SOURCE was given".to_string(),
                });
            }
        }
    }
    // Granted versus used.
    let Output {
        rows,
        mut plans,
        no_evidence,
        in_grace,
        excluded,
        refinements,
    } = crate::recommend::run(crate::recommend::Inputs {
        flagged: findings
            .iter()
            .filter(|f| crate::recommend::EXCLUDING_RULES.contains(&f.rule))
            .map(|f| crate::recommend::Flagged {
                principal: f.principal.clone(),
                rule: f.rule,
                title: f.title.clone(),
                calls: f
                    .calls
                    .iter()
                    .map(|(s, n, c)| (s.to_string(), n.to_string(), *c))
                    .collect(),
            })
            .collect(),
        inventory: inputs.inventory.as_ref(),
        usage,
        window,
        grace_days: cfg.posture.grace_days,
        exclusions: inputs.exclusions.as_ref(),
        engine: {
            let e = crate::iam::engine::Engine::new(inputs.scps.clone());
            match &inputs.organization {
                Some(o) => e.with_organization(o.clone()),
                None => e,
            }
        },
    });
    if cfg.rules_run.contains(&unused_permissions::INFO.id) {
        if inputs.inventory.is_none() {
            not_run.push(NotRun {
                rule: unused_permissions::INFO.id.to_string(),
                reason: "needs --iam-details (aws iam get-account-authorization-details)"
                    .to_string(),
            });
        } else {
            for p in plans.iter_mut().filter_map(|p| p.finding.take()) {
                findings.push(p);
            }
        }
    }
    let found = findings.into_sorted().into_iter().map(Into::into).collect();
    Judged {
        window,
        not_run,
        found,
        rows,
        plans,
        no_evidence,
        in_grace,
        excluded,
        refinements,
    }
}
