//! Reading policies: [`decode_document`] (plain or URL-encoded JSON text), the element readers
//! that check IAM's grammar and name the place of an error, and [`Policy::from_value`] /
//! [`Policy::parse_str`].

use serde_json::Value;

use super::model::{Condition, Effect, Match, Policy, PolicyError, Principals, Statement};

fn invalid(at: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        at: at.into(),
        reason: reason.into(),
    }
}

/// Decodes a policy document given as text: plain JSON, or URL-encoded JSON (`%7B...`, as the
/// raw IAM API returns documents). The encoding is RFC 3986 percent-encoding, decoded as the
/// AWS CLI decodes it (`urllib.parse.unquote`): a `+` stays a `+` (a condition value such as
/// `alice+ops@example.com` keeps it). A JSON string holding a document (a document encoded
/// twice) is unwrapped once. The one decoder of policy documents: the authorization-details
/// reader uses it too.
pub fn decode_document(s: &str) -> Result<Value, PolicyError> {
    let t = s.trim_start_matches('\u{feff}').trim();
    let v: Value = if t.starts_with('{') || t.starts_with('"') || !t.starts_with('%') {
        serde_json::from_str(t).map_err(|e| PolicyError::Json(e.to_string()))?
    } else {
        url_decoded(t)?
    };
    match v {
        Value::String(inner) if inner.trim_start().starts_with(['{', '%']) => {
            let inner = inner.trim();
            if inner.starts_with('{') {
                serde_json::from_str(inner).map_err(|e| PolicyError::Json(e.to_string()))
            } else {
                // A quoted URL-encoded document: decode it, but never recurse further.
                url_decoded(inner)
            }
        }
        v => Ok(v),
    }
}

/// Percent-decodes and parses a document. RFC 3986 first (`+` is a plus, as IAM documents its
/// encoding); only when that is not JSON, form encoding (`+` for a space between tokens, where
/// a plus cannot be JSON anyway).
fn url_decoded(t: &str) -> Result<Value, PolicyError> {
    let parse = |text: &str| -> Result<Value, PolicyError> {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|_| PolicyError::Encoding)?;
        serde_json::from_str(decoded.trim()).map_err(|e| PolicyError::Json(e.to_string()))
    };
    match parse(t) {
        Err(PolicyError::Json(_)) if t.contains('+') => parse(&t.replace('+', " ")),
        r => r,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string or an array of strings.
fn strings(v: &Value, at: &str, what: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(
                    at,
                    format!("{what}[{i}] must be a string, got {}", kind_of(other)),
                )),
            })
            .collect(),
        other => Err(invalid(
            at,
            format!(
                "{what} must be a string or an array of strings, got {}",
                kind_of(other)
            ),
        )),
    }
}

fn string_element(v: &Value, at: &str, what: &str) -> Result<String, PolicyError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(invalid(
            at,
            format!("{what} must be a string, got {}", kind_of(other)),
        )),
    }
}

fn principals(v: &Value, at: &str, what: &str) -> Result<Principals, PolicyError> {
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.any = true,
        Value::String(s) => {
            return Err(invalid(
                at,
                format!("{what} must be \"*\" or an object of principal types, got {s:?}"),
            ));
        }
        Value::Object(o) => {
            for (k, v) in o {
                let list = strings(v, at, &format!("{what}.{k}"))?;
                match k.as_str() {
                    "AWS" => {
                        for s in list {
                            if s == "*" {
                                p.any = true;
                            } else {
                                p.aws.push(s);
                            }
                        }
                    }
                    "Service" => p.service = list,
                    "Federated" => p.federated = list,
                    "CanonicalUser" => p.canonical_user = list,
                    other => {
                        return Err(invalid(
                            at,
                            format!(
                                "unknown principal type {other:?} in {what} (AWS, Service, Federated, CanonicalUser; case-sensitive)"
                            ),
                        ));
                    }
                }
            }
        }
        other => {
            return Err(invalid(
                at,
                format!("{what} must be \"*\" or an object, got {}", kind_of(other)),
            ));
        }
    }
    Ok(p)
}

fn condition_value(v: &Value, at: &str, key: &str) -> Result<String, PolicyError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(invalid(
            at,
            format!(
                "value of {key:?} must be a string, boolean or number, got {}",
                kind_of(other)
            ),
        )),
    }
}

fn conditions(v: &Value, at: &str) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(invalid(
            at,
            format!("Condition must be an object, got {}", kind_of(v)),
        ));
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let at_op = format!("{at}.Condition.{op}");
        let Value::Object(keys) = keys else {
            return Err(invalid(
                at_op,
                format!("must be an object of condition keys, got {}", kind_of(keys)),
            ));
        };
        if op.is_empty() {
            return Err(invalid(at_op, "empty condition operator"));
        }
        for (key, vals) in keys {
            let values = match vals {
                Value::Array(a) => a
                    .iter()
                    .map(|x| condition_value(x, &at_op, key))
                    .collect::<Result<Vec<_>, _>>()?,
                x => vec![condition_value(x, &at_op, key)?],
            };
            out.push(Condition {
                operator: op.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    out.sort_by(|a, b| a.operator.cmp(&b.operator).then_with(|| a.key.cmp(&b.key)));
    Ok(out)
}

fn statement(v: &Value, at: &str) -> Result<Statement, PolicyError> {
    let Value::Object(o) = v else {
        return Err(invalid(
            at,
            format!("a statement must be an object, got {}", kind_of(v)),
        ));
    };
    let mut sid = None;
    let mut effect = None;
    let mut action = None;
    let mut resource = None;
    let mut principal = None;
    let mut conds = Vec::new();
    fn both(at: &str, a: &str, b: &str) -> PolicyError {
        invalid(at, format!("{a} and {b} cannot both be present"))
    }
    for (k, v) in o {
        match k.as_str() {
            "Sid" => sid = Some(string_element(v, at, "Sid")?),
            "Effect" => {
                effect = Some(match v {
                    Value::String(s) if s == "Allow" => Effect::Allow,
                    Value::String(s) if s == "Deny" => Effect::Deny,
                    Value::String(s) => {
                        return Err(invalid(
                            at,
                            format!("Effect must be Allow or Deny, got {s:?}"),
                        ));
                    }
                    other => {
                        return Err(invalid(
                            at,
                            format!("Effect must be Allow or Deny, got {}", kind_of(other)),
                        ));
                    }
                })
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(both(at, "Action", "NotAction"));
                }
                let list = strings(v, at, k)?;
                action = Some(if k == "Action" {
                    Match::Is(list)
                } else {
                    Match::Not(list)
                });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(both(at, "Resource", "NotResource"));
                }
                let list = strings(v, at, k)?;
                resource = Some(if k == "Resource" {
                    Match::Is(list)
                } else {
                    Match::Not(list)
                });
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(both(at, "Principal", "NotPrincipal"));
                }
                let p = principals(v, at, k)?;
                principal = Some(if k == "Principal" {
                    Match::Is(p)
                } else {
                    Match::Not(p)
                });
            }
            "Condition" => conds = conditions(v, at)?,
            other => {
                return Err(invalid(
                    at,
                    format!("unknown element {other:?} (element names are case-sensitive)"),
                ));
            }
        }
    }
    let effect = effect.ok_or_else(|| invalid(at, "missing Effect"))?;
    if action.is_none() {
        return Err(invalid(at, "missing Action or NotAction"));
    }
    Ok(Statement {
        sid,
        effect,
        action,
        resource,
        principal,
        conditions: conds,
    })
}

impl Policy {
    /// Reads a policy from parsed JSON.
    pub fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        let Value::Object(o) = v else {
            return Err(invalid(
                "policy",
                format!("a policy must be a JSON object, got {}", kind_of(v)),
            ));
        };
        let mut p = Policy::default();
        let mut seen_statement = false;
        for (k, v) in o {
            match k.as_str() {
                "Version" => {
                    let s = string_element(v, "policy", "Version")?;
                    if s != "2012-10-17" && s != "2008-10-17" {
                        return Err(invalid(
                            "policy",
                            format!("Version must be 2012-10-17 or 2008-10-17, got {s:?}"),
                        ));
                    }
                    p.version = Some(s);
                }
                "Id" => p.id = Some(string_element(v, "policy", "Id")?),
                "Statement" => {
                    seen_statement = true;
                    match v {
                        Value::Array(a) => {
                            for (i, s) in a.iter().enumerate() {
                                p.statements.push(statement(s, &format!("Statement[{i}]"))?);
                            }
                        }
                        s => p.statements.push(statement(s, "Statement[0]")?),
                    }
                }
                other => {
                    return Err(invalid(
                        "policy",
                        format!("unknown element {other:?} (element names are case-sensitive)"),
                    ));
                }
            }
        }
        if !seen_statement {
            return Err(invalid("policy", "missing Statement"));
        }
        Ok(p)
    }

    /// Reads a policy given as text: plain JSON or URL-encoded JSON (see [`decode_document`]).
    pub fn parse_str(s: &str) -> Result<Policy, PolicyError> {
        Policy::from_value(&decode_document(s)?)
    }
}
