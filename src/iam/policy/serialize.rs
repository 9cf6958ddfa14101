//! Writing policies as JSON: `to_value` on [`Policy`], [`Statement`] and [`Principals`], and
//! `serde::Serialize` for [`Policy`]. [`Policy::from_value`] reads the result back to an equal
//! model.

use serde_json::{Map, Value};

use super::model::{Match, Policy, Principals, Statement};

impl Policy {
    /// The policy as JSON: single values as strings, lists as arrays, `"*"` for a principal
    /// that is only everyone. [`Policy::from_value`] reads it back to an equal model.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        if let Some(v) = &self.version {
            o.insert("Version".into(), Value::String(v.clone()));
        }
        if let Some(id) = &self.id {
            o.insert("Id".into(), Value::String(id.clone()));
        }
        let stmts = self.statements.iter().map(Statement::to_value).collect();
        o.insert("Statement".into(), Value::Array(stmts));
        Value::Object(o)
    }
}

impl serde::Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

fn list_value(v: &[String]) -> Value {
    match v {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

impl Principals {
    /// The element's JSON value.
    pub fn to_value(&self) -> Value {
        if self.any
            && self.aws.is_empty()
            && self.service.is_empty()
            && self.federated.is_empty()
            && self.canonical_user.is_empty()
        {
            return Value::String("*".into());
        }
        let mut o = Map::new();
        if self.any || !self.aws.is_empty() {
            let mut aws: Vec<String> = Vec::with_capacity(self.aws.len() + 1);
            if self.any {
                aws.push("*".into());
            }
            aws.extend(self.aws.iter().cloned());
            o.insert("AWS".into(), list_value(&aws));
        }
        for (k, list) in [
            ("Service", &self.service),
            ("Federated", &self.federated),
            ("CanonicalUser", &self.canonical_user),
        ] {
            if !list.is_empty() {
                o.insert(k.into(), list_value(list));
            }
        }
        Value::Object(o)
    }
}

impl Statement {
    /// The statement's JSON value.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        if let Some(s) = &self.sid {
            o.insert("Sid".into(), Value::String(s.clone()));
        }
        o.insert("Effect".into(), Value::String(self.effect.as_str().into()));
        let mut put = |is: &str, not: &str, m: &Match<Vec<String>>| {
            let k = if m.is_not() { not } else { is };
            o.insert(k.into(), list_value(m.value()));
        };
        if let Some(a) = &self.action {
            put("Action", "NotAction", a);
        }
        if let Some(r) = &self.resource {
            put("Resource", "NotResource", r);
        }
        if let Some(p) = &self.principal {
            let k = if p.is_not() {
                "NotPrincipal"
            } else {
                "Principal"
            };
            o.insert(k.into(), p.value().to_value());
        }
        if !self.conditions.is_empty() {
            let mut ops = Map::new();
            for c in &self.conditions {
                let keys = ops
                    .entry(c.operator.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = keys {
                    keys.insert(c.key.clone(), list_value(&c.values));
                }
            }
            o.insert("Condition".into(), Value::Object(ops));
        }
        Value::Object(o)
    }
}
