//! The suggested policy documents: the resources each kept action touched, generalized but
//! never wider than the grant, grouped into statements and split to IAM's size limit.

use crate::iam::catalog::{ActionId, catalog};
use crate::iam::engine::Grant;
use crate::iam::mapping::map_event;
use crate::usage::{Usage, principal_key};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Largest managed policy document, in characters without whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// The resources the principal's calls touched, by action: from every API call that maps to
/// the action.
pub(super) fn resources_by_action(
    g: &Grant,
    usage: &Usage,
) -> BTreeMap<ActionId, crate::usage::Resources> {
    let mut out: BTreeMap<ActionId, crate::usage::Resources> = BTreeMap::new();
    let Some(want) = principal_key(&g.principal_arn) else {
        return out;
    };
    for ((principal, source, name), res) in &usage.resources {
        if principal_key(principal).as_ref() != Some(&want) {
            continue;
        }
        for a in map_event(source, name, None).action_names() {
            if let Some(id) = catalog().lookup(&a) {
                let e = out.entry(id).or_default();
                e.arns.extend(res.arns.iter().cloned());
                e.overflow |= res.overflow;
                e.unnamed |= res.unnamed;
            }
        }
    }
    out
}

/// Case-sensitive ARN glob (ARNs are case-sensitive): [`crate::glob::matches_str`].
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

/// The resources to allow for an action: what was touched, generalized, but never wider than
/// the grant (each suggested resource must be matched by a granted pattern, else the touched
/// ARNs themselves, else the granted patterns).
fn suggested_resources(
    g: &Grant,
    id: ActionId,
    touched: Option<&crate::usage::Resources>,
) -> Vec<String> {
    let a = catalog().get(id);
    // NotResource grants cannot be bounded by patterns: only the ARNs actually touched (which
    // the principal could reach) are safe to name.
    let not_resource = g
        .statements_for(id)
        .iter()
        .any(|st| matches!(st.resource, Some(crate::iam::policy::Match::Not(_))));
    if not_resource {
        return match touched.filter(|t| !t.overflow && !t.unnamed && !t.arns.is_empty()) {
            Some(t) => t.arns.iter().cloned().collect(),
            None => vec!["*".to_string()],
        };
    }
    let granted = g.resources_for(id);
    let covered = |r: &str| granted.iter().any(|p| glob(p, r));
    let fallback = || {
        if granted.is_empty() {
            vec!["*".to_string()]
        } else {
            granted.clone()
        }
    };
    let Some(t) = touched.filter(|t| !t.overflow && !t.unnamed && !t.arns.is_empty()) else {
        return fallback();
    };
    let general = generalize(a.service, a.name, &t.arns);
    if general.is_empty() {
        return fallback();
    }
    if general.iter().all(|r| covered(r)) {
        return general.into_iter().collect();
    }
    if t.arns.iter().all(|r| covered(r)) {
        return t.arns.iter().cloned().collect();
    }
    fallback()
}

fn compact_len(v: &Value) -> usize {
    serde_json::to_string(v).map_or(usize::MAX, |s| s.len())
}

fn sid(prefix: &str, resources: &[String], n: usize) -> String {
    let base: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let _ = resources;
    format!("{base}{n}")
}

/// The `Condition` block a suggestion must keep for an action that is granted only under a
/// condition: the conditions of the first statement that grants it (never dropped, so the
/// suggestion is never wider than the grant).
fn conditions_of(g: &Grant, id: ActionId) -> Option<Value> {
    if !g.conditional.contains(id) {
        return None;
    }
    let stmts = g.statements_for(id);
    let st = stmts.iter().find(|st| !st.conditions.is_empty())?;
    let mut block = serde_json::Map::new();
    for c in st.conditions {
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
    Some(Value::Object(block))
}

pub(super) fn build_documents(
    g: &Grant,
    keep: &[ActionId],
    unobservable: &[ActionId],
    touched: &BTreeMap<ActionId, crate::usage::Resources>,
) -> Vec<Value> {
    let c = catalog();
    // Group actions by their resource list.
    type Key = (bool, Vec<String>, String);
    let mut groups: BTreeMap<Key, (Option<Value>, Vec<String>)> = BTreeMap::new();
    let mut add = |unobs: bool, id: ActionId, r: Vec<String>| {
        let cond = conditions_of(g, id);
        let ck = cond.as_ref().map(Value::to_string).unwrap_or_default();
        groups
            .entry((unobs, r, ck))
            .or_insert_with(|| (cond, Vec::new()))
            .1
            .push(c.get(id).full_name());
    };
    for &id in keep {
        add(false, id, suggested_resources(g, id, touched.get(&id)));
    }
    for &id in unobservable {
        add(true, id, suggested_resources(g, id, None));
    }
    let mut statements: Vec<Value> = Vec::new();
    let mut n = 0;
    for ((unobs, resources, _), (cond, mut actions)) in groups {
        actions.sort();
        // A statement too large for one document is cut into action chunks.
        for chunk in actions.chunks(150) {
            n += 1;
            let mut s = json!({
                "Sid": sid(if unobs { "UnobservableKeptForReview" } else { "UsedInWindow" }, &resources, n),
                "Effect": "Allow",
                "Action": chunk,
                "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
            });
            if let Some(c) = &cond {
                s["Condition"] = c.clone();
            }
            statements.push(s);
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
