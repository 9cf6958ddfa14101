//! The readable report beside each suggested policy: what the principal may do, what it used,
//! what to remove (riskiest first) and what CloudTrail cannot show.

use crate::iam::catalog::{ActionId, catalog};
use crate::iam::engine::{Grant, PrincipalKind};
use crate::time::Window;

/// The first line: who.
fn header(g: &Grant) -> String {
    let kind = match g.kind {
        PrincipalKind::User => "IAM user",
        PrincipalKind::Role => "Role",
    };
    format!("{kind} {} ({})\n", g.name, g.principal_arn)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn report(
    g: &Grant,
    granted_n: usize,
    services_n: usize,
    keep: &[ActionId],
    unused: &[ActionId],
    unobservable: &[(ActionId, &'static str)],
    kept_unobservable: &[ActionId],
    unused_services: &[&str],
    window: Option<Window>,
) -> String {
    let c = catalog();
    let mut s = header(g);
    if let Some(w) = window {
        s.push_str(&format!(
            "window: {} to {} ({} days)\n",
            crate::time::format_ms(w.start),
            crate::time::format_ms(w.end),
            w.days
        ));
    }
    s.push_str(&format!(
        "granted {granted_n} actions across {services_n} services; used {}; unused {}; unobservable {} (kept {} of them, in services it uses)\n",
        keep.len(),
        unused.len(),
        unobservable.len(),
        kept_unobservable.len()
    ));
    if !g.unknown_policies.is_empty() {
        s.push_str(&format!(
            "NOT EVALUATED (documents missing or unreadable; the grant may be larger): {}\n",
            g.unknown_policies.join(", ")
        ));
    }
    s.push_str(&format!(
        "policies today: {}\n",
        g.sources
            .iter()
            .map(|x| x.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if !unused_services.is_empty() {
        let shown: Vec<&str> = unused_services.iter().take(40).copied().collect();
        s.push_str(&format!(
            "services never used ({}): {}{}\n",
            unused_services.len(),
            shown.join(", "),
            if unused_services.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    if keep.is_empty() {
        s.push_str(
            "it used nothing in the window: no policy is suggested; remove its grants (or the principal)\n",
        );
    }
    s.push_str("\nremove these (unused, riskiest first):\n");
    for id in unused.iter().take(200) {
        let a = c.get(*id);
        s.push_str(&format!("  {a}  [{}]\n", a.access.as_str()));
    }
    if unused.len() > 200 {
        s.push_str(&format!(
            "  ... and {} more (permissions.parquet has them all)\n",
            unused.len() - 200
        ));
    }
    s.push_str("\nused in the window (kept):\n");
    for id in keep {
        s.push_str(&format!("  {}\n", c.get(*id)));
    }
    if !unobservable.is_empty() {
        s.push_str("\nunobservable (CloudTrail cannot show their use; review by hand):\n");
        for (id, why) in unobservable.iter().take(100) {
            let kept = if kept_unobservable.contains(id) {
                "kept"
            } else {
                "not kept"
            };
            s.push_str(&format!("  {}  ({why}; {kept})\n", c.get(*id)));
        }
        if unobservable.len() > 100 {
            s.push_str(&format!("  ... and {} more\n", unobservable.len() - 100));
        }
    }
    s
}

/// The report of a principal whose account had no CloudTrail event in the window.
/// The report of a principal `--exclude` names.
pub(super) fn excluded(g: &Grant, why: &str) -> String {
    let mut s = header(g);
    s.push_str(&format!(
        "excluded by --exclude ({}): not reviewed; no policy is proposed and no finding is \
         reported. Its rows are in permissions.parquet.\n",
        crate::text::escape(why)
    ));
    s
}

/// The report of a principal left alone for the grace period.
pub(super) fn in_grace(g: &Grant, days: u32, recent: &[String]) -> String {
    let mut s = header(g);
    s.push_str(&format!(
        "within the grace period (--grace {days} days): {}. Nothing is proposed for removal and          no finding is reported until the change is older than the grace period.\n",
        recent.join("; ")
    ));
    s
}

pub(super) fn no_evidence(g: &Grant, window: Option<Window>) -> String {
    let mut s = header(g);
    s.push_str(&format!(
        "no evidence: no CloudTrail event of account {} was read{}, so nothing shows what this \
         principal uses. Nothing is proposed and no finding is reported; scan this account's \
         trail (its `AWSLogs/{}/CloudTrail/` prefix, or the organization trail) to get a \
         suggestion.\n",
        g.account,
        window.map_or(String::new(), |w| format!(
            " in the window {} to {}",
            crate::time::format_ms(w.start),
            crate::time::format_ms(w.end)
        )),
        g.account
    ));
    s.push_str(&format!(
        "granted: {} actions ({} policies evaluated)\n",
        g.granted.len(),
        g.sources.len()
    ));
    s
}
