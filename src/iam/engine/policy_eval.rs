//! One policy document expanded against the catalog ([`PolicyEval`]): what it allows (with and
//! without conditions), what it denies, and its `Allow` statements.

use crate::iam::policy::{Condition, Match, Statement};

use super::action_set::ActionSet;

/// An `Allow` statement, kept to answer "on which resources, under which conditions".
#[derive(Debug)]
pub(super) struct AllowStmt {
    /// `Sid`, else `Statement[i]`.
    pub(super) label: String,
    pub(super) actions: ActionSet,
    pub(super) resource: Option<Match<Vec<String>>>,
    pub(super) conditions: Vec<Condition>,
}

/// A `Deny` statement, kept so that a suggestion that replaces the policy keeps it.
#[derive(Debug)]
pub(super) struct DenyStmt {
    pub(super) actions: ActionSet,
    pub(super) statement: Statement,
}

/// A policy document expanded against the catalog.
#[derive(Debug, Default)]
pub(super) struct PolicyEval {
    /// Allowed by some `Allow` statement (with or without a condition).
    pub(super) allow: ActionSet,
    /// Allowed by some `Allow` statement without a condition.
    pub(super) allow_uncond: ActionSet,
    /// Denied by a `Deny` without condition on every resource.
    pub(super) deny_hard: ActionSet,
    /// Named by any other `Deny` (conditional, or on some resources only).
    pub(super) deny_soft: ActionSet,
    /// The document has at least one `Allow` statement.
    pub(super) has_allow: bool,
    pub(super) allow_stmts: Vec<AllowStmt>,
    pub(super) deny_stmts: Vec<DenyStmt>,
}
