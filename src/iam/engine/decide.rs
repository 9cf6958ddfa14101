//! One request against a principal's policies: [`Grant::decide`] answers whether `(action,
//! resource)` is allowed, with AWS's evaluation logic over the layers the engine knows
//! (identity policies, permissions boundary, SCP levels).
//!
//! The action-set view of [`Grant::granted`] says *whether* an action is granted somewhere;
//! this says whether one request is. It is what a suggestion is replayed against before it is
//! written, and what the tests compare with an independent IAM evaluator.
//!
//! ```text
//! explicit Deny   a Deny of any layer names the action and its resource element matches
//! Allowed         otherwise, when an identity Allow matches, the boundary (if any) has a
//!                 matching Allow, and every SCP level with Allow statements has one
//! implicit deny   otherwise
//! ```
//!
//! Conditions are not evaluated against a request context (the engine has none): the caller
//! says how to take them ([`Conditions`]), which brackets the real answer between the two.

use crate::glob::{Case, matches_str};
use crate::iam::catalog::ActionId;
use crate::iam::policy::{Condition, Match};

use super::grant::Grant;
use super::policy_eval::PolicyEval;

/// How a statement's `Condition` is taken when deciding a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conditions {
    /// Every condition holds: the most a context could allow (and deny).
    Hold,
    /// No condition holds: what is allowed whatever the context (conditional denies lapse).
    Fail,
}

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allowed,
    /// Refused by a `Deny` statement.
    ExplicitDeny,
    /// Nothing allows it (or a layer that must allow it does not).
    ImplicitDeny,
}

impl Decision {
    /// `"Allowed"`, `"ExplicitlyDenied"` or `"ImplicitlyDenied"` (the evaluator's words).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ExplicitDeny => "ExplicitlyDenied",
            Decision::ImplicitDeny => "ImplicitlyDenied",
        }
    }
}

/// Whether the policy pattern matches the request's resource (an ARN, or `"*"` for an action
/// that takes no resource). ARNs match segment by segment, the first five without regard to
/// case; a short pattern is padded with `*` segments when its last segment ends in `*` (that
/// `*` runs past colons) and else matches nothing; a `*` request resource is matched only by a
/// pattern of `*`s. A policy variable (`${aws:username}`) has no value here: it is taken as
/// `variables`, a `*` (for a `Deny`, so that it may refuse) or nothing (for an `Allow`).
pub fn resource_matches(pattern: &str, resource: &str, variables_match: bool) -> bool {
    if pattern.bytes().all(|c| c == b'*') && !pattern.is_empty() {
        return true;
    }
    if resource == "*" {
        return false;
    }
    let pattern = match resolve_variables(pattern, variables_match) {
        Some(p) => p,
        None => return false,
    };
    match (
        super::applicability::segments(&pattern),
        super::applicability::segments(resource),
    ) {
        (Some(p), Some(r)) => p
            .iter()
            .zip(r)
            .enumerate()
            .all(|(i, (p, r))| matches_str(p, r, super::applicability::segment_case(i))),
        (None, None) => matches_str(&pattern, resource, Case::Sensitive),
        _ => false,
    }
}

/// The pattern with `${*}`, `${?}`, `${$}` as their characters and other variables as `*`
/// (`None` when a variable is present and `variables_match` is false). A `*` or `?` that
/// stands for itself cannot be told from a wildcard by the matcher; it is rare enough in ARNs
/// to be taken as the wildcard.
fn resolve_variables(pattern: &str, variables_match: bool) -> Option<std::borrow::Cow<'_, str>> {
    if !pattern.contains("${") {
        return Some(pattern.into());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at + 2..].find('}') else {
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        match &rest[at + 2..at + 2 + end] {
            v @ ("*" | "?" | "$") => out.push_str(v),
            _ if variables_match => out.push('*'),
            _ => return None,
        }
        rest = &rest[at + 3 + end..];
    }
    out.push_str(rest);
    Some(out.into())
}

fn element_matches(r: Option<&Match<Vec<String>>>, resource: &str, deny: bool) -> bool {
    match r {
        None => true,
        Some(Match::Is(v)) => v.iter().any(|p| resource_matches(p, resource, deny)),
        // A NotResource excludes what its patterns match; a variable pattern is taken to
        // match for an Allow (it excludes) and not for a Deny (it leaves the Deny in force).
        Some(Match::Not(v)) => !v.iter().any(|p| resource_matches(p, resource, !deny)),
    }
}

fn conditions_hold(c: &[Condition], how: Conditions) -> bool {
    c.is_empty() || how == Conditions::Hold
}

fn allows(ev: &PolicyEval, a: ActionId, resource: &str, how: Conditions) -> bool {
    ev.allow.contains(a)
        && ev.allow_stmts.iter().any(|st| {
            st.actions.contains(a)
                && element_matches(st.resource.as_ref(), resource, false)
                && conditions_hold(&st.conditions, how)
        })
}

fn denies(ev: &PolicyEval, a: ActionId, resource: &str, how: Conditions) -> bool {
    ev.deny_stmts.iter().any(|d| {
        d.actions.contains(a)
            && element_matches(d.statement.resource.as_ref(), resource, true)
            && conditions_hold(&d.statement.conditions, how)
    })
}

impl Grant {
    /// Whether this principal may call `action` on `resource` (an ARN, or `"*"` for an action
    /// that takes no resource), with conditions taken as `how`. Policies the engine could not
    /// evaluate ([`Grant::unknown_policies`]) are not consulted.
    pub fn decide(&self, action: ActionId, resource: &str, how: Conditions) -> Decision {
        let layers = self
            .sources
            .iter()
            .map(|s| &*s.eval)
            .chain(self.boundary_eval.as_deref())
            .chain(self.scp_levels.iter().flatten().map(|e| &**e));
        for ev in layers {
            if denies(ev, action, resource, how) {
                return Decision::ExplicitDeny;
            }
        }
        // Resource control policies of the account that owns the resource: the ARN's account,
        // else (an S3 ARN names none) the principal's own.
        if let Some(r) = &self.rcps
            && super::eval::rcp_actions().contains(action)
        {
            let owner = crate::iam::arn::Arn::parse(resource)
                .map(|a| a.account)
                .filter(|a| !a.is_empty())
                .unwrap_or(&self.account);
            for ev in r.by_account.get(owner).into_iter().flatten() {
                if denies(ev, action, resource, how) {
                    return Decision::ExplicitDeny;
                }
            }
        }
        let identity = self
            .sources
            .iter()
            .any(|s| allows(&s.eval, action, resource, how));
        let boundary = self
            .boundary_eval
            .as_deref()
            .is_none_or(|b| allows(b, action, resource, how));
        let scps = self.scp_levels.iter().all(|level| {
            !level.iter().any(|e| e.has_allow)
                || level.iter().any(|e| allows(e, action, resource, how))
        });
        if identity && boundary && scps {
            Decision::Allowed
        } else {
            Decision::ImplicitDeny
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_match_segment_by_segment() {
        let obj = "arn:aws:s3:::b/k/x";
        assert!(resource_matches("*", obj, false));
        assert!(resource_matches("arn:aws:s3:::b/*", obj, false));
        assert!(resource_matches("arn:aws:S3:::b/*", obj, false));
        assert!(!resource_matches("arn:aws:s3:::B/*", obj, false));
        assert!(resource_matches("arn:aws:s3:*", obj, false), "padded");
        assert!(!resource_matches("arn:aws:s3", obj, false), "a literal");
        assert!(!resource_matches("arn:aws:s3:::b", obj, false));
        let user = "arn:aws:iam::111122223333:user/alice";
        assert!(!resource_matches("arn:aws:iam::*", "*", false));
        assert!(resource_matches("arn:aws:iam::*:user/*", user, false));
        // An account `*` does not swallow the resource part.
        assert!(!resource_matches("arn:aws:iam::*user/*", user, false));
        assert!(resource_matches(
            "arn:aws:iam::*:user/${aws:username}",
            user,
            true
        ));
        assert!(!resource_matches(
            "arn:aws:iam::*:user/${aws:username}",
            user,
            false
        ));
        assert!(resource_matches(
            "arn:aws:iam::*:user/al${?}ce",
            "arn:aws:iam::1:user/al?ce",
            false
        ));
    }
}
