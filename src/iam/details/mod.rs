//! The output of `aws iam get-account-authorization-details`: every user, group, role and managed
//! policy of one or more accounts, with their policy documents.
//!
//! Accepted input:
//!
//! * the AWS CLI's form, where policy documents (`PolicyDocument`, `AssumeRolePolicyDocument`,
//!   `PolicyVersionList[].Document`) are JSON objects;
//! * the raw API form, where they are URL-encoded JSON strings (`%7B%22Version%22...`), or plain
//!   JSON strings;
//! * paginated output (`IsTruncated`, `Marker`): several files for one account, several JSON
//!   documents concatenated in one file (`{...}{...}` or one per line), or a JSON array of pages;
//! * several accounts, one file each or mixed: each entity's account is taken from its ARN.
//!
//! Pages are merged per account and entities deduplicated by ARN; the first occurrence wins (files
//! in the order given, pages in file order), except that a managed policy read without its
//! versions is replaced by a later copy that has them. AWS managed policies
//! (`arn:<partition>:iam::aws:policy/...`) carry no account: they belong to the account of the
//! other entities of their page; a page that holds nothing else takes the account of the nearest
//! page before it in the same file (after it, if none is before), or the only account loaded.
//!
//! Every user, group, role and managed policy is checked against IAM's rules for names, paths
//! and ARNs first (`validate.rs`): one that fails is left out and named in
//! [`Inventory::rejected`], and the rest are read as usual.
//!
//! Policy documents are kept as decoded [`serde_json::Value`] objects; [`super::policy`] parses
//! them. Times are epoch milliseconds (UTC).
//!
//! AWS includes an AWS managed policy in `Policies` only when something in the account uses it,
//! and `--filter` can leave out any kind of entity, so a policy named by an attachment may be
//! missing: [`AccountDetails::user_policies`] and [`AccountDetails::role_policies`] then return
//! it with `document: None` rather than failing.

mod merge;
mod model;
mod pages;
mod parse;
mod resolve;
mod validate;

pub(crate) use model::split_arn;
pub use model::{
    AccountDetails, AttachedPolicy, DetailsError, Group, InlinePolicy, Inventory, ManagedPolicy,
    PolicySource, PolicyVersion, Role, SourceKind, User, is_aws_managed_arn,
};
pub(crate) use parse::parse_aws_time;
pub use validate::{PARTITIONS, Rejected};

#[cfg(test)]
mod tests;
