//! The policy model: [`Policy`], its [`Statement`]s and their elements ([`Effect`], [`Match`],
//! [`Principals`], [`Condition`]), [`PolicyError`], and the plain accessors on them.

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

impl Statement {
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

    /// The `Sid`, else `Statement[i]`.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("Statement[{index}]"),
        }
    }
}
