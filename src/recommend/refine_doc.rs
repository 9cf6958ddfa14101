//! One policy document refined against the actions its principals need
//! ([`refine_document`]): the statement-by-statement rules of [`super::refine`], and the exact
//! wildcards ([`compress`]) used when a spelled-out list would not fit IAM's size limit.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::iam::catalog::{ActionId, catalog};
use crate::iam::engine::{ActionSet, Engine};
use crate::iam::policy::{Effect, Policy};

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn list_value(v: Vec<String>) -> Value {
    if v.len() == 1 {
        Value::String(v.into_iter().next().unwrap_or_default())
    } else {
        Value::Array(v.into_iter().map(Value::String).collect())
    }
}

fn names(set: &ActionSet) -> Vec<String> {
    let c = catalog();
    let mut v: Vec<String> = set.iter().map(|id| c.get(id).full_name()).collect();
    v.sort();
    v
}

/// What refining one document gives.
#[derive(Debug, PartialEq)]
pub(crate) struct Refined {
    /// `None`: no statement is left.
    pub after: Option<Value>,
    /// Allowed before (by its `Allow` statements).
    pub allowed_before: ActionSet,
    /// Allowed after.
    pub allowed_after: ActionSet,
    /// What changed, statement by statement.
    pub changes: Vec<String>,
}

/// The shortest `service:Prefix*` patterns that name exactly `used` among the actions a
/// statement's resource element can apply to (`applicable`), today's catalog; an action whose
/// every prefix would name more is spelled out. Used only when the spelled-out list would not
/// fit IAM's size limit.
///
/// With `words`, a prefix ends only where a word of the action's name does
/// (`Describe*`, `GetBucket*`), which reads better and is tried first.
pub(crate) fn compress(used: &ActionSet, applicable: &ActionSet, words: bool) -> Vec<String> {
    let c = catalog();
    // Per service of the used actions: the applicable names, lower-cased and sorted, and how
    // many unused ones come before each, so that "every name with this prefix is used" is two
    // binary searches and a subtraction.
    let services: BTreeSet<&str> = used.iter().map(|id| c.get(id).service).collect();
    let mut peers: BTreeMap<&str, Vec<(String, ActionId)>> = BTreeMap::new();
    for id in applicable.iter() {
        let a = c.get(id);
        if services.contains(a.service) {
            peers
                .entry(a.service)
                .or_default()
                .push((a.name.to_ascii_lowercase(), id));
        }
    }
    let sorted: BTreeMap<&str, (Vec<String>, Vec<u32>)> = peers
        .into_iter()
        .map(|(svc, mut list)| {
            list.sort();
            let mut unused = vec![0u32];
            for (_, id) in &list {
                unused.push(unused[unused.len() - 1] + u32::from(!used.contains(*id)));
            }
            (svc, (list.into_iter().map(|(n, _)| n).collect(), unused))
        })
        .collect();
    let mut out: BTreeSet<String> = BTreeSet::new();
    for id in used.iter() {
        let a = c.get(id);
        let lower = a.name.to_ascii_lowercase();
        let mut chosen = a.full_name();
        if let Some((names, unused)) = sorted.get(a.service) {
            let bytes = a.name.as_bytes();
            for n in 0..lower.len() {
                if words && n > 0 && !bytes[n].is_ascii_uppercase() {
                    continue;
                }
                let p = &lower[..n];
                let lo = names.partition_point(|x| x.as_str() < p);
                let hi = names.partition_point(|x| x.as_str() < p || x.starts_with(p));
                if unused[hi] == unused[lo] {
                    chosen = format!("{}:{}*", a.service, &a.name[..n]);
                    break;
                }
            }
        }
        out.insert(chosen);
    }
    // A pattern another one covers is dropped (`s3:Get*` under `s3:G*`).
    let all: Vec<String> = out.iter().cloned().collect();
    all.iter()
        .filter(|p| {
            !all.iter().any(|q| {
                q != *p
                    && q.ends_with('*')
                    && p.to_ascii_lowercase()
                        .starts_with(&q[..q.len() - 1].to_ascii_lowercase())
            })
        })
        .cloned()
        .collect()
}

/// How replacement actions are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// Every action by name.
    Names,
    /// Exact wildcards ending at word boundaries ([`compress`]).
    Words,
    /// The shortest exact wildcards.
    Shortest,
}

fn spell(
    engine: &mut Engine,
    set: &ActionSet,
    st: &crate::iam::policy::Statement,
    how: Spelling,
) -> Vec<String> {
    match how {
        Spelling::Names => names(set),
        Spelling::Words | Spelling::Shortest => {
            let applicable = engine.entry_names("*", st.resource.as_ref());
            compress(set, &applicable, how == Spelling::Words)
        }
    }
}

/// Refines one policy document against `needed`, writing replacement actions as `how` says.
/// `Err` when the document does not read as a policy.
pub(crate) fn refine_document(
    engine: &mut Engine,
    doc: &Value,
    needed: &ActionSet,
    how: Spelling,
) -> Result<Refined, String> {
    let policy = Policy::from_value(doc).map_err(|e| e.to_string())?;
    let (raw, single): (Vec<Value>, bool) = match &doc["Statement"] {
        Value::Array(a) => (a.clone(), false),
        o @ Value::Object(_) => (vec![o.clone()], true),
        _ => return Err("no Statement".into()),
    };
    if raw.len() != policy.statements.len() {
        return Err("its statements could not be read one by one".into());
    }
    let mut out = Refined {
        after: None,
        allowed_before: ActionSet::new(),
        allowed_after: ActionSet::new(),
        changes: Vec::new(),
    };
    let mut kept_statements: Vec<Value> = Vec::new();
    for (i, (v, st)) in raw.iter().zip(&policy.statements).enumerate() {
        let label = st.label(i);
        if st.effect == Effect::Deny {
            kept_statements.push(v.clone());
            continue;
        }
        let allowed = engine.statement_names(st);
        out.allowed_before.union_with(&allowed);
        let keep_set = allowed.intersection(needed);
        let mut new = v.clone();
        if v.get("NotAction").is_some() {
            if keep_set.is_empty() {
                out.changes.push(format!(
                    "{label}: removed (its NotAction allowed {} actions, none needed)",
                    allowed.len()
                ));
                continue;
            }
            let listed = spell(engine, &keep_set, st, how);
            if let Value::Object(o) = &mut new {
                o.remove("NotAction");
                o.insert("Action".into(), list_value(listed));
            }
            out.changes.push(format!(
                "{label}: NotAction (allowing {} actions) rewritten as Action listing the {} needed",
                allowed.len(),
                keep_set.len()
            ));
        } else {
            let entries = strings(&v["Action"]);
            let mut new_entries: Vec<String> = Vec::new();
            let mut changed = false;
            for e in &entries {
                if catalog().expand(e).is_empty() {
                    // Unknown to the catalog: kept, never judged.
                    if !new_entries.contains(e) {
                        new_entries.push(e.clone());
                    }
                    continue;
                }
                let full = engine.entry_names(e, st.resource.as_ref());
                let used = full.intersection(needed);
                if used.is_empty() {
                    changed = true;
                } else if used == full {
                    if !new_entries.contains(e) {
                        new_entries.push(e.clone());
                    }
                } else {
                    changed = true;
                    for n in spell(engine, &used, st, how) {
                        if !new_entries.contains(&n) {
                            new_entries.push(n);
                        }
                    }
                }
            }
            if new_entries.is_empty() {
                out.changes.push(format!(
                    "{label}: removed (none of its {} actions needed)",
                    allowed.len()
                ));
                continue;
            }
            if changed {
                out.changes.push(format!(
                    "{label}: {} of {} actions kept",
                    keep_set.len(),
                    allowed.len()
                ));
                if let Value::Object(o) = &mut new {
                    o.insert("Action".into(), list_value(new_entries));
                }
            }
        }
        out.allowed_after.union_with(&keep_set);
        kept_statements.push(new);
    }
    if !kept_statements.is_empty() {
        let mut after = doc.clone();
        if let Value::Object(o) = &mut after {
            let stmts = if single && kept_statements.len() == 1 {
                kept_statements.remove(0)
            } else {
                Value::Array(kept_statements)
            };
            o.insert("Statement".into(), stmts);
        }
        out.after = Some(after);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn set(names: &[&str]) -> ActionSet {
        names
            .iter()
            .map(|n| catalog().lookup(n).unwrap_or_else(|| panic!("{n}")))
            .collect()
    }

    fn refine(doc: Value, needed: &[&str]) -> Refined {
        refine_document(
            &mut Engine::new(vec![]),
            &doc,
            &set(needed),
            Spelling::Names,
        )
        .unwrap()
    }

    #[test]
    fn unknown_actions_are_kept_and_a_fully_used_wildcard_stays_a_wildcard() {
        let ddb_stream = [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        ];
        let r = refine(
            json!({"Statement": [{"Effect": "Allow", "Resource": "*",
                "Action": ["newsvc:DoThing", "dynamodb:*Stream*", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "s3:PutObject"]}]}),
            &ddb_stream,
        );
        let after = r.after.unwrap();
        let actions = after["Statement"][0]["Action"].clone();
        // `*Stream*` names DescribeStream and ListStreams (and more?): it stays only if every
        // action it names is needed.
        let full: Vec<ActionId> = catalog().expand("dynamodb:*Stream*");
        let all_needed = full.iter().all(|id| set(&ddb_stream).contains(*id));
        assert_eq!(
            actions
                .as_array()
                .unwrap()
                .contains(&json!("dynamodb:*Stream*")),
            all_needed,
            "{actions}"
        );
        assert!(
            actions
                .as_array()
                .unwrap()
                .contains(&json!("newsvc:DoThing"))
        );
        assert!(!actions.as_array().unwrap().contains(&json!("s3:PutObject")));
    }

    #[test]
    fn a_policy_with_nothing_needed_has_no_document_left_but_denies_stay() {
        let r = refine(
            json!({"Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}),
            &["s3:GetObject"],
        );
        assert_eq!(r.after, None);
        assert!(r.allowed_after.is_empty() && !r.allowed_before.is_empty());
        let r = refine(
            json!({"Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}),
            &["s3:GetObject"],
        );
        assert_eq!(
            r.after.unwrap()["Statement"],
            json!([{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}])
        );
    }

    #[test]
    fn an_action_its_resource_cannot_take_is_not_kept() {
        // `s3:ListBucket` takes a bucket, never an object ARN: the entry named it for nothing.
        let r = refine(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": "arn:aws:s3:::a/*"}]}),
            &["s3:GetObject", "s3:ListBucket"],
        );
        assert_eq!(r.after.unwrap()["Statement"][0]["Action"], "s3:GetObject");
    }

    #[test]
    fn a_document_that_is_not_a_policy_is_an_error() {
        let e = refine_document(
            &mut Engine::new(vec![]),
            &json!({"Statement": [{"Effect": "Maybe", "Action": "s3:*"}]}),
            &ActionSet::new(),
            Spelling::Names,
        );
        assert!(e.is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The wildcards name exactly the used actions among the applicable ones, in both
        /// spellings.
        #[test]
        fn compressed_patterns_name_exactly_the_used_actions(
            service in prop::sample::select(vec!["s3", "ec2", "iam", "dynamodb", "kms", "lambda"]),
            bits in prop::collection::vec(any::<bool>(), 64),
            seed in 0usize..1000,
            words in any::<bool>(),
        ) {
            let all = catalog().expand(&format!("{service}:*"));
            let used: ActionSet = all
                .iter()
                .enumerate()
                .filter(|(i, _)| bits[(i + seed) % bits.len()] && (i + seed) % 3 == 0)
                .map(|(_, id)| *id)
                .collect();
            let applicable = ActionSet::full();
            let patterns = compress(&used, &applicable, words);
            let named: ActionSet = patterns.iter().flat_map(|p| catalog().expand(p)).collect();
            prop_assert_eq!(named, used.clone());
            prop_assert!(patterns.len() <= used.len());
        }
    }
}
