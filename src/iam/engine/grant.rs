//! What the engine says about one principal: [`Grant`] (granted and conditional actions), the
//! policies behind it ([`GrantSource`]) and the statements and resources behind each action
//! ([`StatementRef`]).

use std::fmt;
use std::sync::Arc;

use crate::iam::catalog::ActionId;
use crate::iam::policy::{Condition, Match};

use super::action_set::ActionSet;
use super::policy_eval::PolicyEval;

/// User or role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

impl PrincipalKind {
    /// `"user"` or `"role"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        }
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One identity policy of a principal whose document is known.
#[derive(Clone, Debug)]
pub struct GrantSource {
    /// `inline:NAME`, `managed:ARN`, `group:GROUP/inline:NAME` or `group:GROUP/managed:ARN`.
    pub label: String,
    /// The managed policy's ARN (`None` for inline policies).
    pub arn: Option<String>,
    /// The group it reaches a user through.
    pub group: Option<String>,
    pub(super) eval: Arc<PolicyEval>,
}

impl GrantSource {
    /// What this policy's `Allow` statements allow, before any `Deny` (its own or others'),
    /// boundary or SCP.
    pub fn allows(&self) -> &ActionSet {
        &self.eval.allow
    }

    /// What this policy allows without a `Condition`.
    pub fn allows_unconditionally(&self) -> &ActionSet {
        &self.eval.allow_uncond
    }
}

/// One `Allow` statement that allows an action (see [`Grant::statements_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementRef<'a> {
    /// The policy's label ([`GrantSource::label`]).
    pub source: &'a str,
    /// The statement's `Sid`, else `Statement[i]`.
    pub statement: &'a str,
    /// `Resource` or `NotResource`, as written (`None` when absent).
    pub resource: Option<&'a Match<Vec<String>>>,
    /// The statement's conditions (empty when unconditional).
    pub conditions: &'a [Condition],
}

/// What one user or role may do.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The account id.
    pub account: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// User or role.
    pub kind: PrincipalKind,
    /// The user or role name.
    pub name: String,
    /// Effective grant: allowed by an identity policy (with or without a condition), by the
    /// boundary (if any, and known) and by every SCP that has `Allow` statements, and not
    /// removed by an unconditional `Deny` in any of them.
    pub granted: ActionSet,
    /// The part of `granted` that is allowed only under a `Condition` (in the identity policies,
    /// the boundary or an SCP), or that a conditional or resource-scoped `Deny` names.
    pub conditional: ActionSet,
    /// The identity policies whose documents are known, in the order of
    /// [`AccountDetails::user_policies`] / [`AccountDetails::role_policies`].
    ///
    /// [`AccountDetails::user_policies`]: crate::iam::details::AccountDetails::user_policies
    /// [`AccountDetails::role_policies`]: crate::iam::details::AccountDetails::role_policies
    pub sources: Vec<GrantSource>,
    /// The permissions boundary's ARN.
    pub boundary: Option<String>,
    /// Whether the SCPs were applied (not for service-linked roles).
    pub scps_applied: bool,
    /// Policies that apply but could not be evaluated: labels as in [`GrantSource::label`],
    /// `group:GROUP` for a group missing from the details, `boundary:ARN` for the boundary.
    /// Missing documents and documents that do not parse both land here.
    pub unknown_policies: Vec<String>,
    /// Why a document could not be evaluated: `LABEL: message`.
    pub errors: Vec<String>,
    /// The permissions boundary, evaluated (`None`: no boundary, or its document is unknown).
    pub(super) boundary_eval: Option<Arc<PolicyEval>>,
    /// The SCP levels applied, root first, each the SCPs attached there.
    pub(super) scp_levels: Vec<Vec<Arc<PolicyEval>>>,
    /// The organization's resource control policies, by the account of the resource (`None`:
    /// none, or a service-linked role, which they do not bound).
    pub(super) rcps: Option<Arc<super::eval::Rcps>>,
}

impl Grant {
    /// `true` if every policy that applies was evaluated.
    pub fn is_complete(&self) -> bool {
        self.unknown_policies.is_empty()
    }

    /// The labels of the identity policies that allow `a` (raw allows: before denies, the
    /// boundary and SCPs).
    pub fn granted_by(&self, a: ActionId) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.eval.allow.contains(a))
            .map(|s| s.label.as_str())
            .collect()
    }

    /// The `Allow` statements of the identity policies that allow `a`, in policy and statement
    /// order.
    pub fn statements_for(&self, a: ActionId) -> Vec<StatementRef<'_>> {
        let mut out = Vec::new();
        for s in &self.sources {
            if !s.eval.allow.contains(a) {
                continue;
            }
            for st in s
                .eval
                .allow_stmts
                .iter()
                .filter(|st| st.actions.contains(a))
            {
                out.push(StatementRef {
                    source: &s.label,
                    statement: &st.label,
                    resource: st.resource.as_ref(),
                    conditions: &st.conditions,
                });
            }
        }
        out
    }

    /// The `Deny` statements of the identity policies that name any of `actions`, in policy and
    /// statement order (a suggestion that replaces these policies keeps them).
    pub fn denies_for(&self, actions: &[ActionId]) -> Vec<&crate::iam::policy::Statement> {
        let mut out = Vec::new();
        for s in &self.sources {
            for d in &s.eval.deny_stmts {
                if actions.iter().any(|a| d.actions.contains(*a)) {
                    out.push(&d.statement);
                }
            }
        }
        out
    }

    /// The union of the `Resource` patterns of the identity `Allow` statements that allow `a`,
    /// sorted and deduplicated. A statement with `NotResource` (or no resource element)
    /// contributes `"*"`: use [`Grant::statements_for`] to see the exclusions and conditions.
    pub fn resources_for(&self, a: ActionId) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for st in self.statements_for(a) {
            match st.resource {
                Some(Match::Is(v)) => out.extend(v.iter().cloned()),
                Some(Match::Not(_)) | None => out.push("*".to_owned()),
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
