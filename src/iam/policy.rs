//! IAM policy documents: a typed model, a parser that checks what IAM checks, and the analysis
//! the rules share (who a resource or trust policy lets in, and on which conditions).
//!
//! # Parsing
//!
//! [`Policy::parse_str`] takes a document as text, plain JSON or URL-encoded JSON (the raw IAM
//! API returns `%7B%22Version%22...`); [`Policy::from_value`] takes parsed JSON. Both follow
//! IAM's grammar:
//!
//! * element names are case-sensitive (`Effect`, not `effect`) and unknown elements are
//!   errors, as IAM rejects them;
//! * `Effect` is exactly `Allow` or `Deny`; `Version` is `2012-10-17` or `2008-10-17`;
//! * `Statement`, `Action`, `Resource` and each principal type take a string or an array of
//!   strings; `Action`/`NotAction`, `Resource`/`NotResource` and `Principal`/`NotPrincipal`
//!   exclude each other; every statement has `Action` or `NotAction`;
//! * `Principal` is `"*"` or an object of `AWS`, `Service`, `Federated`, `CanonicalUser`;
//! * condition values are strings, booleans or numbers (or arrays of them); booleans and
//!   numbers are kept as their JSON text (`true`, `10`).
//!
//! Errors name the place: `Statement[2]: Effect must be Allow or Deny, got "allow"`.
//!
//! # Analysis
//!
//! * [`Statement::allows_everything`]: `Allow` `*` on `*`.
//! * [`Statement::grantees`]: who a statement names (everyone, accounts, services, ...).
//! * [`Statement::restricting_conditions`]: the conditions that limit *who* may use a grant to
//!   everyone (see [`is_restricting`] for the exact rules).
//! * [`Policy::exposure`]: per `Allow` statement, whether it is public, public but
//!   conditioned, or granted to other accounts, independent of any AWS service.

use super::catalog::glob_match;
use serde_json::{Map, Value};
use std::fmt;

/// Why a document is not a valid policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("not a JSON document: {0}")]
    Json(String),
    /// A URL-encoded document that does not decode to UTF-8.
    #[error("URL-encoded document does not decode to UTF-8 text")]
    Encoding,
    /// The JSON is not a valid policy.
    #[error("{at}: {reason}")]
    Invalid {
        /// Where: `policy`, `Statement[2]`, `Statement[0].Condition.StringEquals`.
        at: String,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(at: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        at: at.into(),
        reason: reason.into(),
    }
}

/// A policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// `Version` (`2012-10-17` or `2008-10-17`), if present.
    pub version: Option<String>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// `Statement`, in document order (a single object is one statement).
    pub statements: Vec<Statement>,
}

/// `Effect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// An element with a negated form: `Action`/`NotAction`, `Resource`/`NotResource`,
/// `Principal`/`NotPrincipal`. An absent element is `None` where it is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match<T> {
    /// The positive element (`Action`): applies to what is listed.
    Is(T),
    /// The negated element (`NotAction`): applies to everything except what is listed.
    Not(T),
}

impl<T> Match<T> {
    /// What is listed, whichever the form.
    pub fn value(&self) -> &T {
        match self {
            Match::Is(v) | Match::Not(v) => v,
        }
    }
    /// Whether this is the negated form.
    pub fn is_not(&self) -> bool {
        matches!(self, Match::Not(_))
    }
    /// The listed value of the positive form.
    pub fn as_is(&self) -> Option<&T> {
        match self {
            Match::Is(v) => Some(v),
            Match::Not(_) => None,
        }
    }
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction` (always present in a parsed policy).
    pub action: Option<Match<Vec<String>>>,
    /// `Resource` or `NotResource` (absent in trust policies and some resource policies).
    pub resource: Option<Match<Vec<String>>>,
    /// `Principal` or `NotPrincipal` (absent in identity policies).
    pub principal: Option<Match<Principals>>,
    /// `Condition`, one entry per operator and key, sorted by operator then key.
    pub conditions: Vec<Condition>,
}

/// The principals a `Principal` or `NotPrincipal` element names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principals {
    /// Everyone: `"*"` or `{"AWS": "*"}` (the `"*"` is not kept in `aws`).
    pub any: bool,
    /// `AWS`: account IDs and IAM/STS ARNs (or unique IDs of deleted principals), as written.
    pub aws: Vec<String>,
    /// `Service`: `lambda.amazonaws.com`.
    pub service: Vec<String>,
    /// `Federated`: SAML provider ARNs, `cognito-identity.amazonaws.com`, OIDC providers.
    pub federated: Vec<String>,
    /// `CanonicalUser`: S3 canonical user IDs.
    pub canonical_user: Vec<String>,
}

impl Principals {
    /// No principal at all (`{}`).
    pub fn is_empty(&self) -> bool {
        !self.any
            && self.aws.is_empty()
            && self.service.is_empty()
            && self.federated.is_empty()
            && self.canonical_user.is_empty()
    }
}

impl fmt::Display for Principals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.any {
            parts.push("*".into());
        }
        for (kind, list) in [
            ("AWS", &self.aws),
            ("Service", &self.service),
            ("Federated", &self.federated),
            ("CanonicalUser", &self.canonical_user),
        ] {
            parts.extend(list.iter().map(|p| format!("{kind}:{p}")));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One condition: an operator, a key and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written: `StringEquals`, `ForAnyValue:StringLike`, `ArnLikeIfExists`.
    pub operator: String,
    /// The key as written (`aws:SourceAccount`; keys compare case-insensitively).
    pub key: String,
    /// The values; booleans and numbers as their JSON text.
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without its set qualifier (`ForAnyValue:`, `ForAllValues:`) and without
    /// `IfExists`: `ForAnyValue:StringLikeIfExists` -> `StringLike`.
    pub fn base_operator(&self) -> &str {
        let op = self.operator.as_str();
        let op = op
            .strip_prefix("ForAnyValue:")
            .or_else(|| op.strip_prefix("ForAllValues:"))
            .unwrap_or(op);
        op.strip_suffix("IfExists").unwrap_or(op)
    }
    /// Whether the operator ends in `IfExists` (true when the key is missing).
    pub fn if_exists(&self) -> bool {
        self.operator.ends_with("IfExists")
    }
    /// Whether the operator is qualified with `ForAllValues:` (true when the key is missing).
    pub fn for_all_values(&self) -> bool {
        self.operator.starts_with("ForAllValues:")
    }
    /// Whether the operator is negated (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...).
    pub fn is_negated(&self) -> bool {
        self.base_operator().contains("Not")
    }
    /// Whether the key is `key`, compared case-insensitively.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.values.as_slice() {
            [v] => write!(f, "{} {} {v}", self.operator, self.key),
            vs => write!(f, "{} {} [{}]", self.operator, self.key, vs.join(", ")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Decodes a policy document given as text: plain JSON, or URL-encoded JSON (`%7B...`, as the
/// raw IAM API returns documents; `+` is a space there). A JSON string holding a document (a
/// document encoded twice) is unwrapped once.
pub fn decode_document(s: &str) -> Result<Value, PolicyError> {
    let t = s.trim_start_matches('\u{feff}').trim();
    let v: Value = if t.starts_with('{') || t.starts_with('"') || !t.starts_with('%') {
        serde_json::from_str(t).map_err(|e| PolicyError::Json(e.to_string()))?
    } else {
        let plus = t.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&plus)
            .decode_utf8()
            .map_err(|_| PolicyError::Encoding)?;
        serde_json::from_str(decoded.trim()).map_err(|e| PolicyError::Json(e.to_string()))?
    };
    match v {
        Value::String(inner) if inner.trim_start().starts_with(['{', '%']) => {
            let inner = inner.trim();
            if inner.starts_with('{') {
                serde_json::from_str(inner).map_err(|e| PolicyError::Json(e.to_string()))
            } else {
                // A quoted URL-encoded document: decode it, but never recurse further.
                let plus = inner.replace('+', " ");
                let decoded = percent_encoding::percent_decode_str(&plus)
                    .decode_utf8()
                    .map_err(|_| PolicyError::Encoding)?;
                serde_json::from_str(decoded.trim()).map_err(|e| PolicyError::Json(e.to_string()))
            }
        }
        v => Ok(v),
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

    /// `Allow` of every action (`*` or `*:*`) on every resource (`*`), without `NotAction` or
    /// `NotResource`. Conditions are not looked at: see [`Statement::conditional`].
    pub fn allows_everything(&self) -> bool {
        self.effect == Effect::Allow
            && self
                .action
                .as_ref()
                .and_then(Match::as_is)
                .is_some_and(|a| a.iter().any(|x| x == "*" || x == "*:*"))
            && self
                .resource
                .as_ref()
                .and_then(Match::as_is)
                .is_some_and(|r| r.iter().any(|x| x == "*"))
    }

    /// Whether the statement has conditions (of any kind).
    pub fn conditional(&self) -> bool {
        !self.conditions.is_empty()
    }

    /// Who the statement names. `Principal: "*"` and `{"AWS": "*"}` are [`Grantee::Public`];
    /// so is any `NotPrincipal` (everyone except the listed ones). No principal element: none.
    pub fn grantees(&self) -> Vec<Grantee> {
        let Some(p) = &self.principal else {
            return Vec::new();
        };
        let p = match p {
            Match::Not(_) => return vec![Grantee::Public],
            Match::Is(p) => p,
        };
        let mut out = Vec::new();
        if p.any {
            out.push(Grantee::Public);
        }
        out.extend(p.aws.iter().map(|a| Grantee::from_aws(a)));
        out.extend(p.service.iter().cloned().map(Grantee::Service));
        out.extend(p.federated.iter().cloned().map(Grantee::Federated));
        out.extend(p.canonical_user.iter().cloned().map(Grantee::CanonicalUser));
        out
    }

    /// Whether the statement names everyone ([`Statement::grantees`] has [`Grantee::Public`]).
    pub fn is_public_principal(&self) -> bool {
        match &self.principal {
            Some(Match::Not(_)) => true,
            Some(Match::Is(p)) => p.any,
            None => false,
        }
    }

    /// The conditions that limit who may use the statement (see [`is_restricting`]).
    pub fn restricting_conditions(&self) -> Vec<&Condition> {
        self.conditions
            .iter()
            .filter(|c| is_restricting(c))
            .collect()
    }

    /// The `Sid`, else `Statement[i]`.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("Statement[{index}]"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Who a statement lets in

/// Someone a statement names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Grantee {
    /// Everyone: `"*"`, `{"AWS": "*"}`, or everyone but a `NotPrincipal` list.
    Public,
    /// An AWS account: a 12-digit ID, `arn:<partition>:iam::<account>:root`, or any IAM or STS
    /// principal ARN of that account.
    Account {
        /// The 12-digit account ID.
        account: String,
        /// The principal as written (the ID itself, or the ARN).
        principal: String,
    },
    /// An AWS service (`Service`).
    Service(String),
    /// An identity provider (`Federated`).
    Federated(String),
    /// An S3 canonical user (`CanonicalUser`).
    CanonicalUser(String),
    /// An `AWS` principal that names no account: the unique ID (`AROA...`) IAM writes in place
    /// of a deleted principal, or a malformed value.
    Unresolved(String),
}

use super::is_account_id;

impl Grantee {
    /// Classifies an `AWS` principal value.
    pub fn from_aws(s: &str) -> Grantee {
        if s == "*" {
            return Grantee::Public;
        }
        if is_account_id(s) {
            return Grantee::Account {
                account: s.to_string(),
                principal: s.to_string(),
            };
        }
        let mut parts = s.splitn(6, ':');
        if let (Some("arn"), Some(_), Some("iam" | "sts"), Some(""), Some(acct), Some(_)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) && is_account_id(acct)
        {
            return Grantee::Account {
                account: acct.to_string(),
                principal: s.to_string(),
            };
        }
        Grantee::Unresolved(s.to_string())
    }

    /// The account, for [`Grantee::Account`].
    pub fn account(&self) -> Option<&str> {
        match self {
            Grantee::Account { account, .. } => Some(account),
            _ => None,
        }
    }
}

/// Condition keys that limit who may use a grant to everyone, lower-case.
///
/// Caller identity and organization (`aws:PrincipalAccount`, `aws:PrincipalOrgID`, ...), the
/// resource a service acts for (`aws:SourceAccount`, `aws:SourceArn`, ...), the network
/// (`aws:SourceIp`, `aws:SourceVpc`, `aws:SourceVpce`, ...) and service-specific equivalents.
/// Not restricting: `aws:SecureTransport`, `lambda:FunctionUrlAuthType`, tags (callers set
/// their own), `kms:ViaService` (any account may call through the service).
pub const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "kms:calleraccount",
    "sts:externalid",
    "lambda:eventsourcetoken",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

fn restricting_key(key: &str) -> bool {
    RESTRICTING_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Operators whose values are patterns (`*` and `?`): the string and ARN "like" operators
/// (IAM treats `ArnEquals` like `ArnLike`).
fn pattern_operator(base: &str) -> bool {
    matches!(
        base,
        "StringLike" | "StringNotLike" | "ArnLike" | "ArnNotLike" | "ArnEquals" | "ArnNotEquals"
    )
}

/// A value that matches every request under its operator: only `*` (for pattern operators),
/// an ARN pattern whose every field after `arn` is `*` or empty, or a `/0` network.
fn matches_everything(base: &str, value: &str) -> bool {
    match base {
        "IpAddress" | "NotIpAddress" => {
            value.ends_with("/0")
                && value
                    .rsplit_once('/')
                    .is_some_and(|(addr, _)| addr.parse::<std::net::IpAddr>().is_ok())
        }
        b if pattern_operator(b) => {
            value.bytes().all(|c| c == b'*')
                || value
                    .strip_prefix("arn:")
                    .is_some_and(|rest| rest.split(':').all(|f| f.bytes().all(|c| c == b'*')))
        }
        _ => false,
    }
}

/// Whether `c`, in an `Allow` statement for everyone, limits who may use it.
///
/// It does when all of these hold:
/// * its key is in [`RESTRICTING_KEYS`] (compared case-insensitively);
/// * its operator is a positive string, ARN or IP operator (`StringEquals`,
///   `StringEqualsIgnoreCase`, `StringLike`, `ArnEquals`, `ArnLike`, `IpAddress`), possibly
///   `ForAnyValue:`-qualified;
/// * it is not `...IfExists`: requests without the key (a direct call has no
///   `aws:SourceArn`; a principal outside any organization has no `aws:PrincipalOrgID`) pass
///   an `IfExists` test, so the grant stays open to them;
/// * it is not `ForAllValues:`-qualified, which is true when the key is missing;
/// * at least one value does not match everything (`*`, `arn:*:*:*:*:*`, `0.0.0.0/0`).
///
/// Negated operators (`StringNotEquals aws:PrincipalOrgID o-1` in an `Allow`) widen rather than
/// limit: they let in everyone *but* the listed values, so they do not count, with or without
/// `IfExists`. In a `Deny` they are how a policy fences a grant in: [`Policy::exposure`] looks
/// at those.
pub fn is_restricting(c: &Condition) -> bool {
    if !restricting_key(&c.key) || c.if_exists() || c.for_all_values() {
        return false;
    }
    let base = c.base_operator();
    let positive = matches!(
        base,
        "StringEquals"
            | "StringEqualsIgnoreCase"
            | "StringLike"
            | "ArnEquals"
            | "ArnLike"
            | "IpAddress"
    );
    positive && c.values.iter().any(|v| !matches_everything(base, v))
}

/// Whether `c`, in a `Deny` statement for everyone, denies the requests that fail a
/// restriction (`StringNotEquals aws:PrincipalOrgID o-1`, `NotIpAddress aws:SourceIp ...`):
/// a negated string, ARN or IP operator on a [`RESTRICTING_KEYS`] key, without `IfExists`
/// (a missing key then counts as "not equal" and is denied) and without set qualifiers.
pub fn is_restricting_deny(c: &Condition) -> bool {
    if !restricting_key(&c.key) || c.if_exists() || c.operator.contains(':') {
        return false;
    }
    let base = c.base_operator();
    let negated = matches!(
        base,
        "StringNotEquals"
            | "StringNotEqualsIgnoreCase"
            | "StringNotLike"
            | "ArnNotEquals"
            | "ArnNotLike"
            | "NotIpAddress"
    );
    negated && c.values.iter().any(|v| !matches_everything(base, v))
}

// ---------------------------------------------------------------------------------------------
// Exposure

/// What an `Allow` statement exposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExposureKind {
    /// Everyone, without a restricting condition.
    Public,
    /// Everyone, but conditions limit who (the statement's own restricting conditions, or
    /// those of a `Deny` statement that fences it in).
    PublicConditioned(Vec<Condition>),
    /// Named accounts other than the owner.
    CrossAccount {
        /// Their 12-digit IDs, sorted, without duplicates.
        accounts: Vec<String>,
        /// The principals as written (IDs or ARNs).
        principals: Vec<String>,
    },
}

/// One `Allow` statement that lets in someone outside the owner's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// Index of the statement in [`Policy::statements`].
    pub statement: usize,
    /// The statement's `Sid`, else `Statement[i]`.
    pub label: String,
    /// Who.
    pub kind: ExposureKind,
    /// Whether it came from `NotPrincipal` (everyone except `not_principals`).
    pub not_principals: Option<Principals>,
    /// What they may do.
    pub actions: Option<Match<Vec<String>>>,
    /// On what.
    pub resources: Option<Match<Vec<String>>>,
}

impl Exposure {
    /// Everyone, without a restricting condition.
    pub fn is_public(&self) -> bool {
        self.kind == ExposureKind::Public
    }

    /// A sentence: `Principal * may s3:GetObject on arn:aws:s3:::b/*`.
    pub fn describe(&self) -> String {
        let who = match (&self.not_principals, &self.kind) {
            (Some(np), _) => format!("Everyone except NotPrincipal {np}"),
            (None, ExposureKind::CrossAccount { accounts, .. }) => {
                format!("Account {}", accounts.join(", "))
            }
            (None, _) => "Principal *".to_string(),
        };
        let what = match &self.actions {
            None => "any action".to_string(),
            Some(Match::Is(a)) => a.join(", "),
            Some(Match::Not(a)) => format!("any action except {}", a.join(", ")),
        };
        let on = match &self.resources {
            None => String::new(),
            Some(Match::Is(r)) => format!(" on {}", r.join(", ")),
            Some(Match::Not(r)) => format!(" on any resource except {}", r.join(", ")),
        };
        let cond = match &self.kind {
            ExposureKind::PublicConditioned(c) => format!(
                " if {}",
                c.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            _ => String::new(),
        };
        format!("{who} may {what}{on}{cond}")
    }
}

/// Whether `outer` (a list of patterns, or everything when `None`) covers every item of
/// `inner`, read as literal text. `Not` forms never cover and are never covered, except by `*`.
fn covers(outer: Option<&Match<Vec<String>>>, inner: Option<&Match<Vec<String>>>) -> bool {
    let outer = match outer {
        None => return true,
        Some(Match::Not(_)) => return false,
        Some(Match::Is(o)) => o,
    };
    if outer.iter().any(|p| p == "*") {
        return true;
    }
    match inner {
        Some(Match::Is(i)) => i
            .iter()
            .all(|x| outer.iter().any(|p| glob_match(p.as_bytes(), x.as_bytes()))),
        _ => false,
    }
}

impl Policy {
    /// Per `Allow` statement that lets in anyone outside `own_account`: whether it is
    /// [public](ExposureKind::Public), [public but conditioned](ExposureKind::PublicConditioned)
    /// or [granted to other accounts](ExposureKind::CrossAccount), with its actions and
    /// resources. Independent of the service the policy belongs to.
    ///
    /// * `NotPrincipal` in an `Allow` counts as everyone.
    /// * A grant to everyone is conditioned by its own [restricting](is_restricting)
    ///   conditions, or by a `Deny` statement for everyone (`Principal` `*`) that covers all of
    ///   its actions and resources and whose conditions are all
    ///   [restricting denials](is_restricting_deny) (the "deny unless from my organization or
    ///   VPC endpoint" pattern). Other `Deny` statements are not evaluated.
    /// * Accounts are 12-digit IDs and IAM/STS ARNs; when `own_account` is `None` every named
    ///   account is listed. Services, identity providers and canonical users are not exposure
    ///   (whether they are depends on the service and on trust-policy conditions).
    pub fn exposure(&self, own_account: Option<&str>) -> Vec<Exposure> {
        let mut out = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let not_principals = match &s.principal {
                Some(Match::Not(p)) => Some(p.clone()),
                _ => None,
            };
            let kind = if s.is_public_principal() {
                let mut conds: Vec<Condition> =
                    s.restricting_conditions().into_iter().cloned().collect();
                if conds.is_empty() {
                    conds = self.fencing_denials(s);
                }
                if conds.is_empty() {
                    ExposureKind::Public
                } else {
                    ExposureKind::PublicConditioned(conds)
                }
            } else {
                let mut accounts = Vec::new();
                let mut principals = Vec::new();
                for g in s.grantees() {
                    if let Grantee::Account { account, principal } = g
                        && own_account != Some(account.as_str())
                    {
                        accounts.push(account);
                        principals.push(principal);
                    }
                }
                if accounts.is_empty() {
                    continue;
                }
                accounts.sort();
                accounts.dedup();
                ExposureKind::CrossAccount {
                    accounts,
                    principals,
                }
            };
            out.push(Exposure {
                statement: i,
                label: s.label(i),
                kind,
                not_principals,
                actions: s.action.clone(),
                resources: s.resource.clone(),
            });
        }
        out
    }

    /// The conditions of `Deny` statements that fence `allow` in (see [`Policy::exposure`]).
    fn fencing_denials(&self, allow: &Statement) -> Vec<Condition> {
        let mut out = Vec::new();
        for d in &self.statements {
            let for_everyone = matches!(&d.principal, Some(Match::Is(p)) if p.any);
            if d.effect != Effect::Deny
                || !for_everyone
                || d.conditions.is_empty()
                || !d.conditions.iter().all(is_restricting_deny)
                || !covers(d.action.as_ref(), allow.action.as_ref())
                || !covers(d.resource.as_ref(), allow.resource.as_ref())
            {
                continue;
            }
            out.extend(d.conditions.iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Policy {
        Policy::from_value(&v).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    fn err(v: Value) -> String {
        match Policy::from_value(&v) {
            Ok(p) => panic!("expected an error for {v}, got {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn is(v: &[&str]) -> Option<Match<Vec<String>>> {
        Some(Match::Is(v.iter().map(|s| s.to_string()).collect()))
    }
    fn not(v: &[&str]) -> Option<Match<Vec<String>>> {
        Some(Match::Not(v.iter().map(|s| s.to_string()).collect()))
    }
    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn one(stmt: Value) -> Statement {
        let mut p = parse(json!({"Version": "2012-10-17", "Statement": stmt}));
        assert_eq!(p.statements.len(), 1);
        p.statements.remove(0)
    }

    #[test]
    fn statement_object_or_array_and_top_level() {
        let p = parse(json!({
            "Version": "2012-10-17", "Id": "key-policy-1",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        }));
        assert_eq!(p.version.as_deref(), Some("2012-10-17"));
        assert_eq!(p.id.as_deref(), Some("key-policy-1"));
        assert_eq!(p.statements.len(), 1);
        let p = parse(json!({"Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]},
            {"Sid": "B", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
        ]}));
        assert_eq!(p.version, None);
        assert_eq!(p.statements[0].sid.as_deref(), Some("A"));
        assert_eq!(p.statements[1].effect, Effect::Deny);
        assert_eq!(p.statements[1].label(1), "B");
        assert_eq!(parse(json!({"Statement": []})).statements.len(), 0);
        let p = parse(json!({"Version": "2008-10-17", "Statement": []}));
        assert_eq!(p.version.as_deref(), Some("2008-10-17"));
    }

    #[test]
    fn action_and_resource_shapes() {
        let s = one(
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
        );
        assert_eq!(s.action, is(&["s3:GetObject"]));
        assert_eq!(s.resource, is(&["arn:aws:s3:::b/*"]));
        let s = one(
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                           "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}),
        );
        assert_eq!(s.action, is(&["s3:GetObject", "s3:ListBucket"]));
        assert_eq!(s.resource, is(&["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        let s = one(
            json!({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "NotResource": "arn:aws:s3:::logs/*"}),
        );
        assert_eq!(s.action, not(&["iam:*", "sts:*"]));
        assert_eq!(s.resource, not(&["arn:aws:s3:::logs/*"]));
        // Trust policies have no Resource.
        let s = one(
            json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        );
        assert_eq!(s.resource, None);
        assert_eq!(s.label(0), "Statement[0]");
        let s = one(json!({"Effect": "Allow", "Action": [], "Resource": []}));
        assert_eq!(s.action, is(&[]));
    }

    #[test]
    fn principal_shapes() {
        let p = |v: Value| {
            one(json!({"Effect": "Allow", "Action": "s3:GetObject", "Principal": v}))
                .principal
                .unwrap()
        };
        let any = Principals {
            any: true,
            ..Default::default()
        };
        assert_eq!(p(json!("*")), Match::Is(any.clone()));
        assert_eq!(p(json!({"AWS": "*"})), Match::Is(any.clone()));
        assert_eq!(p(json!({"AWS": ["*"]})), Match::Is(any));
        assert_eq!(
            p(json!({"AWS": ["123456789012", "arn:aws:iam::210987654321:root"]})),
            Match::Is(Principals {
                aws: strs(&["123456789012", "arn:aws:iam::210987654321:root"]),
                ..Default::default()
            })
        );
        assert_eq!(
            p(json!({"Service": ["lambda.amazonaws.com", "events.amazonaws.com"]})),
            Match::Is(Principals {
                service: strs(&["lambda.amazonaws.com", "events.amazonaws.com"]),
                ..Default::default()
            })
        );
        assert_eq!(
            p(json!({"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"})),
            Match::Is(Principals {
                federated: strs(&["arn:aws:iam::111122223333:saml-provider/Okta"]),
                ..Default::default()
            })
        );
        assert_eq!(
            p(
                json!({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})
            ),
            Match::Is(Principals {
                canonical_user: strs(&[
                    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
                ]),
                ..Default::default()
            })
        );
        let s = one(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                           "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/Admin"}}));
        assert_eq!(
            s.principal,
            Some(Match::Not(Principals {
                aws: strs(&["arn:aws:iam::111122223333:role/Admin"]),
                ..Default::default()
            }))
        );
        assert_eq!(p(json!({})), Match::Is(Principals::default()));
        assert!(Principals::default().is_empty());
    }

    #[test]
    fn conditions_values_and_operators() {
        let s = one(
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "111122223333", "s3:prefix": ["a", "b"]},
                "Bool": {"aws:SecureTransport": true},
                "NumericLessThan": {"s3:max-keys": 10, "x:ratio": 1.5},
                "ForAnyValue:StringLikeIfExists": {"aws:PrincipalOrgPaths": ["o-1/r-1/*"]},
                "Null": {"aws:SourceVpce": [false, "true"]}
            }}),
        );
        let got: Vec<(String, String, Vec<String>)> = s
            .conditions
            .iter()
            .map(|c| (c.operator.clone(), c.key.clone(), c.values.clone()))
            .collect();
        let want = |o: &str, k: &str, v: &[&str]| (o.to_string(), k.to_string(), strs(v));
        assert_eq!(
            got,
            vec![
                want("Bool", "aws:SecureTransport", &["true"]),
                want(
                    "ForAnyValue:StringLikeIfExists",
                    "aws:PrincipalOrgPaths",
                    &["o-1/r-1/*"]
                ),
                want("Null", "aws:SourceVpce", &["false", "true"]),
                want("NumericLessThan", "s3:max-keys", &["10"]),
                want("NumericLessThan", "x:ratio", &["1.5"]),
                want("StringEquals", "aws:SourceAccount", &["111122223333"]),
                want("StringEquals", "s3:prefix", &["a", "b"]),
            ]
        );
        let c = &s.conditions[1];
        assert_eq!(c.base_operator(), "StringLike");
        assert!(c.if_exists() && !c.for_all_values() && !c.is_negated());
        assert!(!s.conditions[2].is_negated(), "Null is not a negation");
        assert_eq!(
            c.to_string(),
            "ForAnyValue:StringLikeIfExists aws:PrincipalOrgPaths o-1/r-1/*"
        );
        assert_eq!(s.conditions[6].to_string(), "StringEquals s3:prefix [a, b]");
        assert!(s.conditional());
    }

    #[test]
    fn url_encoded_documents() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let enc: String =
            percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert!(enc.starts_with("%7B"));
        let a = Policy::parse_str(plain).unwrap();
        assert_eq!(Policy::parse_str(&enc).unwrap(), a);
        let lower_hex = enc
            .replace("%7B", "%7b")
            .replace("%7D", "%7d")
            .replace("%3A", "%3a");
        assert_eq!(Policy::parse_str(&lower_hex).unwrap(), a);
        // Form encoding: `+` for spaces.
        let spaced = "%7B+%22Statement%22%3A+%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22a%2Bb%22%7D%7D";
        let p = Policy::parse_str(spaced).unwrap();
        assert_eq!(p.statements[0].action, is(&["a+b"]));
        // Whitespace and a BOM around a plain document; a document quoted as a JSON string.
        assert_eq!(
            Policy::parse_str(&format!("\u{feff}\n  {plain}\n")).unwrap(),
            a
        );
        let quoted = serde_json::to_string(plain).unwrap();
        assert_eq!(Policy::parse_str(&quoted).unwrap(), a);
        let quoted_enc = serde_json::to_string(&enc).unwrap();
        assert_eq!(Policy::parse_str(&quoted_enc).unwrap(), a);
        assert!(decode_document(&enc).unwrap().is_object());
        assert_eq!(Policy::parse_str("%FF%FE"), Err(PolicyError::Encoding));
        assert!(matches!(
            Policy::parse_str("%7Bnope"),
            Err(PolicyError::Json(_))
        ));
        assert!(matches!(Policy::parse_str(""), Err(PolicyError::Json(_))));
    }

    #[test]
    fn errors_name_the_place() {
        let e = err(json!({"Statement": [
            {"Effect": "Allow", "Action": "a", "Resource": "*"},
            {"Effect": "Allow", "Action": "a", "Resource": "*"},
            {"Effect": "allow", "Action": "a", "Resource": "*"}
        ]}));
        assert_eq!(
            e,
            r#"Statement[2]: Effect must be Allow or Deny, got "allow""#
        );
        assert_eq!(
            err(json!({"Statement": {"Action": "a"}})),
            "Statement[0]: missing Effect"
        );
        assert_eq!(
            err(json!({"Statement": {"Effect": "Allow", "Resource": "*"}})),
            "Statement[0]: missing Action or NotAction"
        );
        assert!(
            err(json!({"Statement": {"Effect": true, "Action": "a"}})).contains("got a boolean")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "NotAction": "b"}}))
                .contains("Action and NotAction cannot both be present")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Resource": "*", "NotResource": "x"}}))
                .contains("Resource and NotResource")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": "*", "NotPrincipal": "*"}}))
                .contains("Principal and NotPrincipal")
        );
        assert!(
            err(json!({"Statement": {"effect": "Allow", "Action": "a"}}))
                .contains(r#"unknown element "effect""#)
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": ["a", 1]}}))
                .contains("Action[1] must be a string")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": {"a": 1}}}))
                .contains("Action must be a string or an array")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": "arn:aws:iam::1:root"}}))
                .contains(r#"Principal must be "*" or an object"#)
        );
        assert!(
            err(
                json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": {"aws": "*"}}})
            )
            .contains(r#"unknown principal type "aws""#)
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": {"k": null}}}}))
                .starts_with("Statement[0].Condition.StringEquals: value of \"k\"")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": {"k": [["x"]]}}}}))
                .contains("got an array")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": "x"}}}))
                .contains("must be an object of condition keys")
        );
        assert!(
            err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": []}}))
                .contains("Condition must be an object")
        );
        assert_eq!(
            err(json!({"Version": "2012-10-17"})),
            "policy: missing Statement"
        );
        assert!(err(json!({"Version": "2020-01-01", "Statement": []})).contains("Version must be"));
        assert!(err(json!({"Statement": [], "Foo": 1})).contains(r#"unknown element "Foo""#));
        assert!(err(json!([1])).contains("must be a JSON object, got an array"));
        assert!(
            err(json!({"Statement": ["x"]}))
                .starts_with("Statement[0]: a statement must be an object")
        );
        assert!(
            err(json!({"Statement": {"Sid": 1, "Effect": "Allow", "Action": "a"}}))
                .contains("Sid must be a string")
        );
    }

    #[test]
    fn allows_everything_and_conditional() {
        let s = one(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
        assert!(s.allows_everything() && !s.conditional());
        assert!(
            one(json!({"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}))
                .allows_everything()
        );
        let s = one(json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}));
        assert!(s.allows_everything() && s.conditional());
        for v in [
            json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
            json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}),
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}),
            json!({"Effect": "Allow", "Action": "*"}),
        ] {
            assert!(!one(v.clone()).allows_everything(), "{v}");
        }
    }

    #[test]
    fn grantees_of_every_principal_shape() {
        let g =
            |v: Value| one(json!({"Effect": "Allow", "Action": "a", "Principal": v})).grantees();
        assert_eq!(g(json!("*")), vec![Grantee::Public]);
        assert_eq!(g(json!({"AWS": "*"})), vec![Grantee::Public]);
        let acct = |a: &str, p: &str| Grantee::Account {
            account: a.into(),
            principal: p.into(),
        };
        assert_eq!(
            g(
                json!({"AWS": ["123456789012", "arn:aws:iam::210987654321:root",
                     "arn:aws-cn:iam::333344445555:role/path/R",
                     "arn:aws:sts::444455556666:assumed-role/R/s",
                     "AROAEXAMPLEID", "arn:aws:iam::12:root"]})
            ),
            vec![
                acct("123456789012", "123456789012"),
                acct("210987654321", "arn:aws:iam::210987654321:root"),
                acct("333344445555", "arn:aws-cn:iam::333344445555:role/path/R"),
                acct("444455556666", "arn:aws:sts::444455556666:assumed-role/R/s"),
                Grantee::Unresolved("AROAEXAMPLEID".into()),
                Grantee::Unresolved("arn:aws:iam::12:root".into()),
            ]
        );
        assert_eq!(
            g(
                json!({"AWS": ["*", "111122223333"], "Service": "s3.amazonaws.com",
                     "Federated": "cognito-identity.amazonaws.com", "CanonicalUser": "abc"})
            ),
            vec![
                Grantee::Public,
                acct("111122223333", "111122223333"),
                Grantee::Service("s3.amazonaws.com".into()),
                Grantee::Federated("cognito-identity.amazonaws.com".into()),
                Grantee::CanonicalUser("abc".into()),
            ]
        );
        let s =
            one(json!({"Effect": "Allow", "Action": "a", "NotPrincipal": {"AWS": "111122223333"}}));
        assert_eq!(s.grantees(), vec![Grantee::Public]);
        assert!(
            one(json!({"Effect": "Allow", "Action": "a", "Resource": "*"}))
                .grantees()
                .is_empty()
        );
        assert_eq!(acct("1", "x").account(), Some("1"));
        assert_eq!(Grantee::Public.account(), None);
    }

    fn cond(op: &str, key: &str, vals: &[&str]) -> Condition {
        Condition {
            operator: op.into(),
            key: key.into(),
            values: strs(vals),
        }
    }

    #[test]
    fn restricting_conditions_rules() {
        for c in [
            cond("StringEquals", "aws:SourceAccount", &["111122223333"]),
            cond("StringEquals", "AWS:SOURCEACCOUNT", &["111122223333"]),
            cond("ArnLike", "AWS:SourceArn", &["arn:aws:s3:::b"]),
            cond(
                "ArnEquals",
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:111122223333:t"],
            ),
            cond("StringEquals", "aws:SourceOwner", &["111122223333"]),
            cond("StringEquals", "aws:PrincipalOrgID", &["o-abc"]),
            cond(
                "ForAnyValue:StringLike",
                "aws:PrincipalOrgPaths",
                &["o-abc/r-1/*"],
            ),
            cond("StringEquals", "aws:PrincipalAccount", &["111122223333"]),
            cond(
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/*"],
            ),
            cond("StringLike", "aws:userid", &["AROA*:*"]),
            cond("StringEquals", "aws:username", &["alice"]),
            cond("StringEquals", "aws:SourceVpc", &["vpc-1"]),
            cond("StringEquals", "aws:SourceVpce", &["vpce-1"]),
            cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
            cond("IpAddress", "aws:VpcSourceIp", &["10.0.0.0/8"]),
            cond("StringEquals", "kms:CallerAccount", &["111122223333"]),
            cond("StringEquals", "sts:ExternalId", &["x"]),
            cond("StringEquals", "aws:SourceAccount", &["*"]), // a literal "*": nobody
            cond("StringLike", "aws:PrincipalArn", &["*", "arn:aws:iam::1:*"]),
        ] {
            assert!(is_restricting(&c), "{c}");
        }
        for c in [
            cond("StringEquals", "lambda:FunctionUrlAuthType", &["NONE"]),
            cond("Bool", "aws:SecureTransport", &["true"]),
            cond("StringLike", "aws:PrincipalArn", &["*"]),
            cond("ArnLike", "aws:SourceArn", &["arn:*:*:*:*:*"]),
            cond("ArnLike", "aws:SourceArn", &["*"]),
            cond("IpAddress", "aws:SourceIp", &["0.0.0.0/0", "::/0"]),
            cond(
                "StringEqualsIfExists",
                "aws:SourceAccount",
                &["111122223333"],
            ),
            cond("StringNotEquals", "aws:PrincipalOrgID", &["o-abc"]),
            cond("StringNotEqualsIfExists", "aws:PrincipalOrgID", &["o-abc"]),
            cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
            cond(
                "ForAllValues:StringLike",
                "aws:PrincipalOrgPaths",
                &["o-abc/*"],
            ),
            cond("Null", "aws:SourceArn", &["false"]),
            cond("StringEquals", "aws:PrincipalTag/team", &["a"]),
            cond(
                "StringEquals",
                "kms:ViaService",
                &["s3.us-east-1.amazonaws.com"],
            ),
        ] {
            assert!(!is_restricting(&c), "{c}");
        }
        assert!(is_restricting_deny(&cond(
            "StringNotEquals",
            "aws:PrincipalOrgID",
            &["o-1"]
        )));
        assert!(is_restricting_deny(&cond(
            "NotIpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8"]
        )));
        assert!(!is_restricting_deny(&cond(
            "StringNotEqualsIfExists",
            "aws:SourceVpce",
            &["v"]
        )));
        assert!(!is_restricting_deny(&cond(
            "StringNotLike",
            "aws:PrincipalArn",
            &["*"]
        )));
        assert!(!is_restricting_deny(&cond(
            "StringEquals",
            "aws:PrincipalOrgID",
            &["o-1"]
        )));
        assert!(!is_restricting_deny(&cond(
            "Bool",
            "aws:SecureTransport",
            &["false"]
        )));

        let s = one(
            json!({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
            "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"},
                          "Bool": {"aws:SecureTransport": "true"}}}),
        );
        let r = s.restricting_conditions();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].key, "aws:SourceArn");
    }

    fn exposure(v: Value, own: Option<&str>) -> Vec<Exposure> {
        parse(v).exposure(own)
    }

    #[test]
    fn exposure_kinds() {
        let e = exposure(
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:ListBucket"],
                 "Resource": "arn:aws:s3:::b", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
                {"Sid": "Partner", "Effect": "Allow",
                 "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "111122223333", "210987654321"]},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/R"},
                 "Action": "s3:*", "Resource": "*"},
                {"Sid": "Svc", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": "*"},
                {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
            ]}),
            Some("111122223333"),
        );
        assert_eq!(e.len(), 3, "{e:#?}");
        assert_eq!(e[0].label, "Public");
        assert!(e[0].is_public());
        assert_eq!(
            e[0].describe(),
            "Principal * may s3:GetObject on arn:aws:s3:::b/*"
        );
        assert_eq!(e[1].label, "Statement[1]");
        assert_eq!(
            e[1].kind,
            ExposureKind::PublicConditioned(vec![cond(
                "StringEquals",
                "aws:PrincipalOrgID",
                &["o-1"]
            )])
        );
        assert_eq!(
            e[1].describe(),
            "Principal * may s3:ListBucket on arn:aws:s3:::b if StringEquals aws:PrincipalOrgID o-1"
        );
        assert_eq!(e[2].statement, 2);
        assert_eq!(
            e[2].kind,
            ExposureKind::CrossAccount {
                accounts: strs(&["210987654321"]),
                principals: strs(&["arn:aws:iam::210987654321:root", "210987654321"]),
            }
        );
        assert_eq!(
            e[2].describe(),
            "Account 210987654321 may s3:GetObject on arn:aws:s3:::b/*"
        );
        // Without the owner, every named account counts.
        let e = exposure(
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}}),
            None,
        );
        assert!(
            matches!(&e[0].kind, ExposureKind::CrossAccount { accounts, .. } if accounts == &strs(&["111122223333"]))
        );
    }

    #[test]
    fn not_principal_and_not_action_are_public() {
        let e = exposure(
            json!({"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/R"},
                                 "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::b/private/*"}}),
            Some("111122223333"),
        );
        assert_eq!(e.len(), 1);
        assert!(e[0].is_public());
        assert_eq!(
            e[0].describe(),
            "Everyone except NotPrincipal AWS:arn:aws:iam::111122223333:role/R may any action except s3:DeleteObject on any resource except arn:aws:s3:::b/private/*"
        );
        // A Deny with NotPrincipal is no exposure.
        assert!(exposure(
            json!({"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}}),
            None
        )
        .is_empty());
    }

    #[test]
    fn deny_statements_that_fence_a_public_grant() {
        let policy = |deny: Value| {
            json!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
                deny
            ]})
        };
        // Deny everyone outside the organization, on every action: fenced.
        let e = exposure(
            policy(
                json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                          "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
            ),
            None,
        );
        assert_eq!(
            e[0].kind,
            ExposureKind::PublicConditioned(vec![cond(
                "StringNotEquals",
                "aws:PrincipalOrgID",
                &["o-1"]
            )])
        );
        // Deny through other VPC endpoints, on s3:* and the same objects: fenced.
        let e = exposure(
            policy(
                json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                          "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                          "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}),
            ),
            None,
        );
        assert!(matches!(e[0].kind, ExposureKind::PublicConditioned(_)));
        for deny in [
            // IfExists: requests without the key are not denied.
            json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                   "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}),
            // Only part of the actions.
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
            // Only part of the resources.
            json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::b/secret/*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
            // Denies only insecure requests from outside: a secure one from outside passes.
            json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"},
                                 "Bool": {"aws:SecureTransport": "false"}}}),
            // Not for everyone.
            json!({"Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
            // NotAction in the Deny: not evaluated.
            json!({"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        ] {
            let e = exposure(policy(deny.clone()), None);
            assert!(e[0].is_public(), "{deny}: {e:?}");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Property tests

    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "\\PC{0,12}"
    }
    fn list() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(text(), 0..4)
    }
    fn matched() -> impl Strategy<Value = Match<Vec<String>>> {
        (any::<bool>(), list()).prop_map(|(n, l)| if n { Match::Not(l) } else { Match::Is(l) })
    }
    fn principals_strategy() -> impl Strategy<Value = Principals> {
        (
            any::<bool>(),
            prop::collection::vec(text().prop_filter("not *", |s| s != "*"), 0..3),
            list(),
            list(),
            list(),
        )
            .prop_map(
                |(any, aws, service, federated, canonical_user)| Principals {
                    any,
                    aws,
                    service,
                    federated,
                    canonical_user,
                },
            )
    }
    fn statement_strategy() -> impl Strategy<Value = Statement> {
        (
            prop::option::of(text()),
            any::<bool>(),
            matched(),
            prop::option::of(matched()),
            prop::option::of((any::<bool>(), principals_strategy())),
            prop::collection::btree_map(
                (
                    prop::sample::select(vec![
                        "StringEquals",
                        "StringLike",
                        "ForAnyValue:StringLike",
                        "ArnLikeIfExists",
                        "Bool",
                        "NumericLessThan",
                    ]),
                    text(),
                ),
                list(),
                0..4,
            ),
        )
            .prop_map(
                |(sid, allow, action, resource, principal, conds)| Statement {
                    sid,
                    effect: if allow { Effect::Allow } else { Effect::Deny },
                    action: Some(action),
                    resource,
                    principal: principal.map(|(n, p)| if n { Match::Not(p) } else { Match::Is(p) }),
                    conditions: conds
                        .into_iter()
                        .map(|((op, key), values)| Condition {
                            operator: op.to_string(),
                            key,
                            values,
                        })
                        .collect(),
                },
            )
    }
    fn policy_strategy() -> impl Strategy<Value = Policy> {
        (
            prop::option::of(prop::sample::select(vec!["2012-10-17", "2008-10-17"])),
            prop::option::of(text()),
            prop::collection::vec(statement_strategy(), 0..4),
        )
            .prop_map(|(version, id, statements)| Policy {
                version: version.map(str::to_string),
                id,
                statements,
            })
    }
    fn json_strategy() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            prop::sample::select(vec![
                "*",
                "Allow",
                "Deny",
                "Statement",
                "Effect",
                "Action",
                "AWS",
                "2012-10-17",
                "x"
            ])
            .prop_map(|s| Value::String(s.into())),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let keys = prop::sample::select(vec![
                "Version",
                "Id",
                "Statement",
                "Sid",
                "Effect",
                "Action",
                "NotAction",
                "Resource",
                "NotResource",
                "Principal",
                "NotPrincipal",
                "Condition",
                "AWS",
                "Service",
                "Federated",
                "CanonicalUser",
                "StringEquals",
                "aws:SourceAccount",
                "z",
            ]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(keys, inner, 0..5).prop_map(|m| {
                    Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn serialized_policies_round_trip(p in policy_strategy()) {
            let text = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(Policy::parse_str(&text).unwrap(), p.clone());
            let enc = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
            prop_assert_eq!(Policy::parse_str(&enc).unwrap(), p.clone());
            // The analysis never panics on any valid policy.
            let _ = p.exposure(Some("111122223333"));
            for s in &p.statements {
                let _ = (s.allows_everything(), s.grantees(), s.restricting_conditions());
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC*", t in "[%{}\"\\[\\]:,a-zA-Z0-9+ ]{0,40}") {
            let _ = Policy::parse_str(&s);
            let _ = Policy::parse_str(&t);
            let _ = Policy::parse_str(&format!("%7B{s}"));
            let _ = Policy::parse_str(&format!("\"{t}"));
        }

        #[test]
        fn arbitrary_json_never_panics(v in json_strategy()) {
            if let Ok(p) = Policy::from_value(&v) {
                let _ = p.exposure(None);
                prop_assert_eq!(Policy::from_value(&p.to_value()).unwrap(), p);
            }
            let _ = Policy::from_value(&json!({"Statement": v}));
        }
    }
}
