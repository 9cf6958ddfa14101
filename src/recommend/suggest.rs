//! The suggested policy documents: the resources each kept action touched, generalized but
//! never wider than the grant, grouped into statements and split to IAM's size limit.

use crate::glob::{Case, covers};
use crate::iam::catalog::{ActionId, catalog};
use crate::iam::engine::{Grant, StatementRef};
use crate::iam::mapping::map_event;
use crate::iam::policy::Match;
use crate::usage::{Usage, principal_key};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Largest managed policy document, in characters without whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// Instance profile ARN -> the ARNs of the roles in it, from the authorization details.
pub type Profiles = BTreeMap<String, Vec<String>>;

/// Replaces the instance profiles an inferred `iam:PassRole` names with their roles; a
/// profile the details do not list makes the resource unknown.
fn resolve_profiles(res: &mut crate::usage::Resources, profiles: &Profiles) {
    let named: Vec<String> = res
        .arns
        .iter()
        .filter(|a| a.contains(":instance-profile/"))
        .cloned()
        .collect();
    for ip in named {
        res.arns.remove(&ip);
        match profiles.get(&ip) {
            Some(roles) => res.arns.extend(roles.iter().cloned()),
            None => res.unnamed = true,
        }
    }
}

/// What one principal's calls touched, by action, read in one pass over the usage.
#[derive(Default)]
pub(super) struct Touched {
    /// Every action's resources: from each API call that maps to it, and from the requests
    /// that needed it ([`crate::iam::dependent`]). Unions all ARNs (no cap).
    pub all: BTreeMap<ActionId, crate::usage::Resources>,
    /// The permissions only the requests show (`iam:PassRole`), with their example events.
    pub inferred: BTreeMap<ActionId, crate::usage::Resources>,
}

/// Adds `res` to `e`, the resources of action `id`: only the ARNs the action can take (an
/// S3 data event names both the object and its bucket; `s3:GetObject` touched the object).
/// A call whose ARNs are all of other types (a bucket for `s3:GetObject`) named none of this
/// action's: it counts as unnamed (the granting statements' resources are kept).
fn absorb(id: ActionId, e: &mut crate::usage::Resources, res: &crate::usage::Resources) {
    let takes = |a: &&String| crate::iam::engine::takes_resource(id, a);
    let before = e.arns.len();
    e.arns.extend(res.arns.iter().filter(takes).cloned());
    let fits = e.arns.len() > before || res.arns.iter().any(|a| takes(&a));
    e.overflow |= res.overflow;
    e.unnamed |= res.unnamed || (!res.arns.is_empty() && !fits && !res.overflow);
    e.shapes.extend(res.shapes.iter().filter(takes).cloned());
    e.shapes_incomplete |= res.shapes_incomplete;
    e.events.extend(res.events.iter().cloned());
}

/// [`Touched`] of `g`, with instance profiles resolved to their roles.
pub(super) fn touched(g: &Grant, usage: &Usage, profiles: &Profiles) -> Touched {
    let mut out = Touched::default();
    let Some(want) = principal_key(&g.principal_arn) else {
        return out;
    };
    for ((principal, source, name), res) in &usage.resources {
        if principal_key(principal).as_ref() != Some(&want) {
            continue;
        }
        if source == crate::iam::dependent::INFERRED_SOURCE {
            // Keyed by the permission itself.
            let Some(id) = catalog().lookup(name) else {
                continue;
            };
            let mut res = res.clone();
            resolve_profiles(&mut res, profiles);
            absorb(id, out.all.entry(id).or_default(), &res);
            absorb(id, out.inferred.entry(id).or_default(), &res);
            continue;
        }
        for a in map_event(source, name, None).action_names() {
            if let Some(id) = catalog().lookup(&a) {
                absorb(id, out.all.entry(id).or_default(), res);
            }
        }
    }
    out
}

/// Case-sensitive ARN glob (ARNs are case-sensitive): [`crate::glob::matches_str`].
#[cfg(test)]
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    crate::glob::matches_str(pattern, text, crate::glob::Case::Sensitive)
}

/// Generalizes touched ARNs: S3 objects as `bucket/*`, the region as `*` when the same
/// resource was used in several regions.
pub(super) fn generalize(service: &str, action: &str, arns: &BTreeSet<String>) -> BTreeSet<String> {
    let object_action =
        service == "s3" && (action.contains("Object") || action.contains("MultipartUpload"));
    let mut out = BTreeSet::new();
    for arn in arns {
        if service == "s3" && arn.starts_with("arn:") && arn.contains(":s3:::") {
            let (bucket_part, has_key) = match arn.split_once(":s3:::") {
                Some((_, rest)) => (rest.split('/').next().unwrap_or(rest), rest.contains('/')),
                None => continue,
            };
            // Object actions take object ARNs; bucket actions the bucket ARN.
            if object_action != has_key {
                continue;
            }
            let prefix = &arn[..arn.find(":s3:::").unwrap_or(0) + 6];
            out.insert(if has_key {
                format!("{prefix}{bucket_part}/*")
            } else {
                format!("{prefix}{bucket_part}")
            });
        } else {
            out.insert(arn.clone());
        }
    }
    // Region wildcard where the same resource appears in several regions.
    let mut by_rest: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for arn in &out {
        if let Some(a) = crate::iam::arn::Arn::parse(arn)
            && !a.region.is_empty()
        {
            let rest = format!(
                "arn:{}:{}:*:{}:{}",
                a.partition, a.service, a.account, a.resource
            );
            by_rest.entry(rest).or_default().insert(arn.clone());
        }
    }
    for (wild, members) in by_rest {
        if members.len() > 1 {
            for m in &members {
                out.remove(m);
            }
            out.insert(wild);
        }
    }
    out
}

/// One part of what a suggestion allows for an action: resources (as `Resource`, or as the
/// grant's own `NotResource`) under the conditions of the granting statement it relies on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Piece {
    /// `true`: `NotResource` (copied from the grant), else `Resource`.
    pub not: bool,
    /// The resources, sorted.
    pub resources: Vec<String>,
    /// The `Condition` block, as JSON text (empty when unconditional).
    pub condition: String,
}

/// Whether an `Allow` statement's resource element allows every resource `r` stands for.
fn statement_covers(st: &StatementRef<'_>, r: &str) -> bool {
    match st.resource {
        None => true,
        Some(Match::Is(ps)) => ps.iter().any(|p| covers(p, r, Case::Sensitive)),
        // NotResource: only a concrete ARN can be shown to stay outside the exclusions.
        Some(Match::Not(ps)) => {
            !r.contains(['*', '?'])
                && !ps
                    .iter()
                    .any(|p| crate::glob::matches_str(p, r, Case::Sensitive))
        }
    }
}

/// The `Condition` block of a statement as JSON (empty text when it has none).
fn condition_block(conditions: &[crate::iam::policy::Condition]) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let mut block = serde_json::Map::new();
    for c in conditions {
        let op = block
            .entry(c.operator.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(m) = op {
            m.insert(
                c.key.clone(),
                if c.values.len() == 1 {
                    json!(c.values[0])
                } else {
                    json!(c.values)
                },
            );
        }
    }
    Value::Object(block).to_string()
}

/// Assigns each resource to a statement that allows it, preferring statements without a
/// condition; `None` when some resource no statement allows.
fn assign(stmts: &[StatementRef<'_>], resources: &BTreeSet<String>) -> Option<Vec<Piece>> {
    let mut by_cond: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in resources {
        let st = stmts
            .iter()
            .filter(|st| statement_covers(st, r))
            .min_by_key(|st| st.conditions.len())?;
        by_cond
            .entry(condition_block(st.conditions))
            .or_default()
            .insert(r.clone());
    }
    Some(
        by_cond
            .into_iter()
            .map(|(condition, rs)| Piece {
                not: false,
                resources: rs.into_iter().collect(),
                condition,
            })
            .collect(),
    )
}

/// What to allow for an action, statement by statement, never wider than the grant: each
/// resource is allowed only under a statement that allows the action on it, with that
/// statement's conditions. Tried in order: the touched ARNs generalized ([`generalize`]), the
/// touched ARNs themselves (those some statement allows; a call allowed by a resource policy
/// alone is not the identity policy's to grant), and, when the calls named no resource, the
/// granting statements' own resources and conditions, as written.
pub(super) fn pieces(
    g: &Grant,
    id: ActionId,
    touched: Option<&crate::usage::Resources>,
) -> Vec<Piece> {
    let a = catalog().get(id);
    let stmts = g.statements_for(id);
    if let Some(t) = touched.filter(|t| !t.overflow && !t.unnamed && !t.arns.is_empty()) {
        let general = generalize(a.service, a.name, &t.arns);
        if !general.is_empty()
            && let Some(p) = assign(&stmts, &general)
        {
            return p;
        }
        let allowed: BTreeSet<String> = t
            .arns
            .iter()
            .filter(|r| stmts.iter().any(|st| statement_covers(st, r)))
            .cloned()
            .collect();
        if !allowed.is_empty()
            && let Some(p) = assign(&stmts, &allowed)
        {
            return p;
        }
    }
    // More ARNs than are kept: their shapes (`key/*` per account and region), if all known.
    if let Some(t) =
        touched.filter(|t| t.overflow && !t.unnamed && !t.shapes_incomplete && !t.shapes.is_empty())
    {
        let general = generalize(a.service, a.name, &t.shapes);
        if !general.is_empty()
            && let Some(p) = assign(&stmts, &general)
        {
            return p;
        }
    }
    // The grant as written, statement by statement.
    let mut out: BTreeSet<Piece> = BTreeSet::new();
    for st in &stmts {
        let (not, resources) = match st.resource {
            None => (false, vec!["*".to_string()]),
            Some(Match::Is(v)) => (false, v.clone()),
            Some(Match::Not(v)) => (true, v.clone()),
        };
        let mut resources = resources;
        resources.sort();
        resources.dedup();
        out.insert(Piece {
            not,
            resources,
            condition: condition_block(st.conditions),
        });
    }
    out.into_iter().collect()
}

fn compact_len(v: &Value) -> usize {
    serde_json::to_string(v).map_or(usize::MAX, |s| s.len())
}

fn sid(prefix: &str, n: usize) -> String {
    let base: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{base}{n}")
}

/// Why an action is in a suggestion (the statement's `Sid` says it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    /// A logged call used it.
    Observed,
    /// A logged call's request needed it (`iam:PassRole` on the role it named).
    Inferred,
    /// CloudTrail could not have shown its use.
    Unobservable,
}

pub(super) fn build_documents(
    g: &Grant,
    keep: &[ActionId],
    inferred: &[ActionId],
    unobservable: &[ActionId],
    touched: &BTreeMap<ActionId, crate::usage::Resources>,
) -> Vec<Value> {
    let c = catalog();
    // Group actions by what they are allowed on and under which condition.
    let mut groups: BTreeMap<(Mark, Piece), Vec<String>> = BTreeMap::new();
    for (mark, ids) in [
        (Mark::Observed, keep),
        (Mark::Inferred, inferred),
        (Mark::Unobservable, unobservable),
    ] {
        let unobs = mark == Mark::Unobservable;
        for &id in ids {
            let t = if unobs { None } else { touched.get(&id) };
            for p in pieces(g, id, t) {
                groups
                    .entry((mark, p))
                    .or_default()
                    .push(c.get(id).full_name());
            }
        }
    }
    let mut statements: Vec<Value> = Vec::new();
    let mut n = 0;
    for ((mark, piece), mut actions) in groups {
        actions.sort();
        actions.dedup();
        let resource = if piece.resources.len() == 1 {
            json!(piece.resources[0])
        } else {
            json!(piece.resources)
        };
        // A statement too large for one document is cut into action chunks.
        for chunk in actions.chunks(150) {
            n += 1;
            let mut s = serde_json::Map::new();
            s.insert(
                "Sid".into(),
                json!(sid(
                    match mark {
                        Mark::Observed => "UsedInWindow",
                        Mark::Inferred => "InferredFromRequest",
                        Mark::Unobservable => "UnobservableKeptForReview",
                    },
                    n
                )),
            );
            s.insert("Effect".into(), json!("Allow"));
            s.insert("Action".into(), json!(chunk));
            s.insert(
                if piece.not { "NotResource" } else { "Resource" }.into(),
                resource.clone(),
            );
            if !piece.condition.is_empty()
                && let Ok(cond) = serde_json::from_str::<Value>(&piece.condition)
            {
                s.insert("Condition".into(), cond);
            }
            statements.push(Value::Object(s));
        }
    }
    // The identity policies' Deny statements that name a kept action stay in force: the
    // suggestion replaces those policies, so without them it could allow what they refuse.
    let all: Vec<ActionId> = keep
        .iter()
        .chain(inferred)
        .chain(unobservable)
        .copied()
        .collect();
    let mut seen = BTreeSet::new();
    for d in g.denies_for(&all) {
        let mut v = d.to_value();
        if let Some(o) = v.as_object_mut() {
            // Sids are unique within a policy: the kept statement gets its own.
            o.remove("Sid");
        }
        if seen.insert(v.to_string()) {
            n += 1;
            if let Some(o) = v.as_object_mut() {
                o.insert("Sid".into(), json!(sid("KeptDeny", n)));
            }
            statements.push(v);
        }
    }
    let mut docs: Vec<Vec<Value>> = Vec::new();
    let empty = compact_len(&json!({"Version": "2012-10-17", "Statement": []}));
    let mut size = empty;
    for s in statements {
        let l = compact_len(&s) + 1;
        if docs.is_empty() || size + l > MANAGED_POLICY_LIMIT {
            docs.push(Vec::new());
            size = empty;
        }
        size += l;
        docs.last_mut().expect("pushed").push(s);
    }
    docs.into_iter()
        .map(|st| json!({"Version": "2012-10-17", "Statement": st}))
        .collect()
}
