//! The "granted" half of the least-privilege engine: for every IAM user and role of an account,
//! which catalog actions its policies let it perform, which only under conditions, and which
//! policies grant each.
//!
//! # What is evaluated
//!
//! A principal's identity policies are those [`AccountDetails::user_policies`] and
//! [`AccountDetails::role_policies`] list: its inline and attached managed policies (the
//! default version) and, for a user, its groups' inline and attached policies. Its permissions
//! boundary ([`User::permissions_boundary`], [`Role::permissions_boundary`]) and the service
//! control policies given to [`Engine::new`] filter them:
//!
//! ```text
//! granted     = identity allows ∩ boundary allows ∩ each SCP's allows
//!               − actions any of them denies unconditionally
//! conditional = the part of granted that is allowed only by statements with a Condition (in
//!               some layer), or that a Deny with a Condition or a narrower Resource may refuse
//! ```
//!
//! * Action patterns are IAM globs (`*`, `?`, case-insensitive), expanded with
//!   [`Catalog::expand`](super::catalog::Catalog::expand); `NotAction` is the complement within
//!   the catalog. Patterns naming nothing in the catalog (a typo, a service newer than the
//!   catalog) expand to nothing.
//! * A `Deny` is *unconditional* when it has no `Condition` and its `Resource` contains `"*"`
//!   (or it has no resource element at all). Any other `Deny` (a `Condition`, narrower
//!   resources, `NotResource`) does not remove its actions: they stay granted, marked
//!   conditional.
//! * A statement applies only to the actions whose resources its `Resource` can match (or its
//!   `NotResource` leaves some of): the catalog's resource types and ARN formats decide, and
//!   an action that takes no resource needs a pattern matching `"*"` (see `applicability.rs`).
//!   `s3:*` on `arn:aws:s3:::b/*` grants `s3:GetObject`, not `s3:ListBucket` (a bucket ARN)
//!   nor `s3:ListAllMyBuckets` (no resource).
//! * An `Allow` scoped to some resources still grants its actions (unconditionally, if it has
//!   no `Condition`): [`Grant::resources_for`] and [`Grant::statements_for`] say on what.
//! * A service control policy with no `Allow` statement at all (a deny list, meant to sit beside
//!   `FullAWSAccess`) only denies; it is not intersected. SCPs do not apply to service-linked
//!   roles ([`Role::is_service_linked`]), as in AWS.
//! * A policy whose document is not in the details (an AWS managed policy exported with
//!   `--filter`, a group left out) or does not parse is listed in
//!   [`Grant::unknown_policies`] (and a parse error in [`Grant::errors`]): the grant is then a
//!   lower bound for identity policies. An unknown permissions boundary is listed the same way
//!   (`boundary:ARN`) and not applied, so the grant is not narrowed by it.
//!
//! Not modelled: resource policies, session policies, the SCP exemption of an organization's
//! management account, and the evaluation of condition values.
//!
//! # Cost
//!
//! Sets are [`ActionSet`] bitsets over catalog ids. Each distinct pattern is expanded once per
//! [`Engine`]; each managed policy (by ARN and default version) and each group inline policy is
//! parsed and expanded once per account; per principal only word-wise OR/AND loops remain.
//!
//! [`AccountDetails::user_policies`]: super::details::AccountDetails::user_policies
//! [`AccountDetails::role_policies`]: super::details::AccountDetails::role_policies
//! [`User::permissions_boundary`]: super::details::User::permissions_boundary
//! [`Role::permissions_boundary`]: super::details::Role::permissions_boundary
//! [`Role::is_service_linked`]: super::details::Role::is_service_linked

mod action_set;
mod applicability;
mod decide;
mod eval;
mod grant;
mod policy_eval;
mod scp;

pub use action_set::ActionSet;
pub use decide::{Conditions, Decision, resource_matches};
pub use eval::Engine;

/// Whether `arn` can be a resource of `action` by the catalog's resource types and ARN formats
/// (an `s3:GetObject` takes an object, never a bucket ARN).
pub fn takes_resource(action: crate::iam::catalog::ActionId, arn: &str) -> bool {
    applicability::applicability().takes(action, arn)
}
pub use grant::{Grant, GrantSource, PrincipalKind, StatementRef};
pub use scp::{
    EngineError, Organization, OrganizationError, RCP_SERVICES, load_organization, load_scps,
};

#[cfg(test)]
mod tests;
