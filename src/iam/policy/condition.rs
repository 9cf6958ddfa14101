//! Which conditions limit who may use a grant to everyone: [`RESTRICTING_KEYS`],
//! [`is_restricting`] (in an `Allow`), [`is_restricting_deny`] (in a `Deny` that fences a grant
//! in) and [`Statement::restricting_conditions`].

use super::model::{Condition, Statement};

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
/// `IfExists`. In a `Deny` they are how a policy fences a grant in: [`Policy::exposure`](super::Policy::exposure) looks
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

impl Statement {
    /// The conditions that limit who may use the statement (see [`is_restricting`]).
    pub fn restricting_conditions(&self) -> Vec<&Condition> {
        self.conditions
            .iter()
            .filter(|c| is_restricting(c))
            .collect()
    }
}
