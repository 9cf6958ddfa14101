//! Every suggestion is replayed before it is written ([`verify`]):
//!
//! 1. **Nothing observed breaks.** Each call the principal made (action and the resource
//!    CloudTrail named, or `"*"` for an action that takes none) that today's identity
//!    policies allow is allowed by the suggestion too. Calls today's policies do not allow
//!    came through a resource policy or failed; the suggestion need not allow them.
//! 2. **Nothing new is allowed.** Requests sampled from the suggestion (every action of every
//!    `Allow` statement, on each `Resource` pattern with its wildcards filled in two ways, and
//!    on every resource the principal touched) that the suggestion allows are allowed by
//!    today's grant, with conditions taken as holding and as failing ([`Conditions`]), so a
//!    suggestion can neither widen a resource nor drop a condition.
//!
//! Both sides are decided by [`Grant::decide`] with the principal's boundary and SCP levels,
//! so a suggestion is compared with what the principal can do today, not with its raw
//! policies. A suggestion that fails is not written; the report names the failing request.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::iam::catalog::{ActionId, catalog};
use crate::iam::engine::{Conditions, Decision, Engine, Grant};
use crate::usage::Resources;

/// The result of replaying one principal's suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Both checks passed.
    Verified {
        /// Observed requests replayed.
        observed: usize,
        /// Sampled requests checked against today's grant.
        sampled: usize,
    },
    /// A check failed: the request and why.
    Failed(String),
}

impl Verification {
    /// `true` when verified.
    pub fn ok(&self) -> bool {
        matches!(self, Verification::Verified { .. })
    }
}

/// Fills a resource pattern's wildcards: `*` and `?` as `fill` (policy variables left as
/// written, which then match only their own pattern).
fn concrete(pattern: &str, fill: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    for c in pattern.chars() {
        match c {
            '*' => out.push_str(fill),
            '?' => out.push('q'),
            c => out.push(c),
        }
    }
    out
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Replays `documents` (the suggestion replacing `today`'s identity policies).
pub fn verify(
    engine: &mut Engine,
    today: &Grant,
    documents: &[Value],
    kept: &[ActionId],
    touched: &BTreeMap<ActionId, Resources>,
) -> Verification {
    verify_changed(engine, today, documents, documents, kept, touched)
}

/// Replays `documents` (replacing `today`'s identity policies), sampling requests only from
/// `changed`, the documents among them that differ from today's: a request an unchanged
/// document allows, today's grant allows too.
pub fn verify_changed(
    engine: &mut Engine,
    today: &Grant,
    documents: &[Value],
    changed: &[Value],
    kept: &[ActionId],
    touched: &BTreeMap<ActionId, Resources>,
) -> Verification {
    let cat = catalog();
    let suggested = match engine.with_identity(today, documents) {
        Ok(g) => g,
        Err(e) => return Verification::Failed(format!("the suggestion does not parse: {e}")),
    };
    let resources_of = |a: ActionId| -> Vec<String> {
        let mut out: Vec<String> = touched
            .get(&a)
            .map(|r| r.arns.iter().cloned().collect())
            .unwrap_or_default();
        if cat.get(a).resources.is_empty() {
            out.push("*".to_owned());
        }
        out
    };

    // 1. Observed calls that today's policies allow stay allowed.
    let mut observed = 0;
    for &a in kept {
        for r in resources_of(a) {
            if today.decide(a, &r, Conditions::Hold) != Decision::Allowed {
                continue;
            }
            observed += 1;
            if suggested.decide(a, &r, Conditions::Hold) != Decision::Allowed {
                return Verification::Failed(format!(
                    "observed call {} on {r} is allowed today but not by the suggestion",
                    cat.get(a)
                ));
            }
        }
    }

    // 2. What the suggestion allows, today's grant allows.
    let mut samples: BTreeSet<(ActionId, String)> = BTreeSet::new();
    for doc in changed {
        let stmts: Vec<&Value> = match &doc["Statement"] {
            Value::Array(a) => a.iter().collect(),
            o @ Value::Object(_) => vec![o],
            _ => continue,
        };
        for st in stmts.into_iter().filter(|s| s["Effect"] == "Allow") {
            let patterns = strings(&st["Resource"]);
            for name in strings(&st["Action"]) {
                for a in cat.expand(name) {
                    for p in &patterns {
                        for fill in ["x0", ""] {
                            let r = if *p == "*" {
                                "*".to_owned()
                            } else {
                                concrete(p, fill)
                            };
                            samples.insert((a, r));
                        }
                    }
                    for r in resources_of(a) {
                        samples.insert((a, r));
                    }
                }
            }
        }
    }
    let mut sampled = 0;
    for (a, r) in &samples {
        for how in [Conditions::Hold, Conditions::Fail] {
            if suggested.decide(*a, r, how) == Decision::Allowed {
                sampled += 1;
                if today.decide(*a, r, how) != Decision::Allowed {
                    return Verification::Failed(format!(
                        "the suggestion allows {} on {r}{}, which today's grant does not",
                        cat.get(*a),
                        if how == Conditions::Fail {
                            " without its conditions"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    Verification::Verified { observed, sampled }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::details::Inventory;
    use serde_json::json;

    /// Role `app` allowed `s3:GetObject` on bucket `a`, and `kms:Decrypt` on any key only
    /// from one network.
    fn today(engine: &mut Engine) -> Grant {
        let details = json!({"UserDetailList": [], "GroupDetailList": [], "Policies": [],
            "RoleDetailList": [{"RoleName": "app", "RoleId": "AROAX", "Path": "/",
                "Arn": "arn:aws:iam::111122223333:role/app",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"},
                        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}}],
                "AttachedManagedPolicies": []}]});
        let inv = Inventory::parse_bytes("t.json", &serde_json::to_vec(&details).unwrap()).unwrap();
        engine
            .evaluate_account(inv.accounts.values().next().unwrap())
            .remove(0)
    }

    fn doc(statements: Value) -> Vec<Value> {
        vec![json!({"Version": "2012-10-17", "Statement": statements})]
    }

    fn touched(action: &str, arns: &[&str]) -> (Vec<ActionId>, BTreeMap<ActionId, Resources>) {
        let id = catalog().lookup(action).unwrap();
        let mut r = Resources::default();
        r.arns.extend(arns.iter().map(|s| s.to_string()));
        (vec![id], BTreeMap::from([(id, r)]))
    }

    #[test]
    fn a_suggestion_within_the_grant_that_keeps_every_call_is_verified() {
        let mut e = Engine::new(vec![]);
        let g = today(&mut e);
        let (kept, res) = touched("s3:GetObject", &["arn:aws:s3:::a/k"]);
        let ok = doc(json!([{"Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::a/*"]}]));
        assert!(matches!(
            verify(&mut e, &g, &ok, &kept, &res),
            Verification::Verified { observed: 1, .. }
        ));
    }

    #[test]
    fn a_suggestion_wider_than_the_grant_is_refused() {
        let mut e = Engine::new(vec![]);
        let g = today(&mut e);
        let (kept, res) = touched("s3:GetObject", &["arn:aws:s3:::a/k"]);
        let wide = doc(json!([{"Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::*"]}]));
        let v = verify(&mut e, &g, &wide, &kept, &res);
        assert!(
            matches!(&v, Verification::Failed(w) if w.contains("allows s3:GetObject on arn:aws:s3:::") && w.contains("today's grant does not")),
            "{v:?}"
        );
    }

    #[test]
    fn a_suggestion_that_drops_a_condition_is_refused() {
        let mut e = Engine::new(vec![]);
        let g = today(&mut e);
        let (kept, res) = touched("kms:Decrypt", &["arn:aws:kms:eu-west-1:111122223333:key/k"]);
        let dropped = doc(json!([{"Effect": "Allow", "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/k"]}]));
        let v = verify(&mut e, &g, &dropped, &kept, &res);
        assert!(
            matches!(&v, Verification::Failed(w) if w.contains("without its conditions")),
            "{v:?}"
        );
        let kept_condition = doc(json!([{"Effect": "Allow", "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/k"],
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]));
        assert!(verify(&mut e, &g, &kept_condition, &kept, &res).ok());
    }

    #[test]
    fn a_suggestion_that_breaks_an_observed_call_is_refused() {
        let mut e = Engine::new(vec![]);
        let g = today(&mut e);
        let (kept, res) = touched(
            "s3:GetObject",
            &["arn:aws:s3:::a/k", "arn:aws:s3:::a/other"],
        );
        let narrow = doc(json!([{"Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::a/k"]}]));
        let v = verify(&mut e, &g, &narrow, &kept, &res);
        assert!(
            matches!(&v, Verification::Failed(w) if w.contains("observed call s3:GetObject on arn:aws:s3:::a/other")),
            "{v:?}"
        );
    }

    #[test]
    fn wildcards_are_filled_two_ways() {
        assert_eq!(concrete("arn:aws:s3:::b/*", "x0"), "arn:aws:s3:::b/x0");
        assert_eq!(concrete("arn:aws:s3:::b/*", ""), "arn:aws:s3:::b/");
        assert_eq!(concrete("arn:aws:s3:::b/k?", "x0"), "arn:aws:s3:::b/kq");
    }
}
