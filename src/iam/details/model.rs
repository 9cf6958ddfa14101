//! What the details hold: [`Inventory`] (accounts), [`AccountDetails`] (users, groups, roles,
//! managed policies) and their entities, [`DetailsError`], the lookups by name or ARN, and the
//! ARN helpers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// Why IAM authorization details could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum DetailsError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no JSON at all (empty, or only whitespace).
    #[error("{file}: empty file")]
    Empty {
        /// The file, as given.
        file: String,
    },
    /// The bytes are not JSON, or a JSON document is cut short.
    #[error("{file}: not valid JSON: {message}")]
    Json {
        /// The file, as given.
        file: String,
        /// The parser's message, with the line and column.
        message: String,
    },
    /// A JSON document that is not a page of `get-account-authorization-details`.
    #[error(
        "{file}: {}not the output of `aws iam get-account-authorization-details`: {reason}",
        doc_prefix(.document)
    )]
    NotDetails {
        /// The file, as given.
        file: String,
        /// 1-based document number, when the file holds several.
        document: Option<usize>,
        /// What was found instead.
        reason: String,
    },
    /// A field has the wrong type or an unusable value.
    #[error("{file}: {}{path}: {reason}", doc_prefix(.document))]
    Invalid {
        /// The file, as given.
        file: String,
        /// 1-based document number, when the file holds several.
        document: Option<usize>,
        /// Where in the document, e.g. `UserDetailList[3].UserPolicyList[0].PolicyDocument`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A page holds only AWS managed policies and its account cannot be told.
    #[error("{file}: {}{reason}", doc_prefix(.document))]
    UnknownAccount {
        /// The file, as given.
        file: String,
        /// 1-based document number, when the file holds several.
        document: Option<usize>,
        /// Why the account cannot be told.
        reason: String,
    },
}

fn doc_prefix(document: &Option<usize>) -> String {
    document.map_or_else(String::new, |d| format!("document {d}: "))
}

/// Every account read, by account id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    /// Account id -> its details.
    pub accounts: BTreeMap<String, AccountDetails>,
    /// The entities left out because IAM could not have produced them (a bad name, path,
    /// account or ARN), in the order read.
    pub rejected: Vec<super::validate::Rejected>,
}

/// The users, groups, roles and managed policies of one account.
///
/// The lists are sorted (users, groups and roles by name, policies by ARN) and the lookups
/// binary-search them; a list built by hand out of order still works (lookups then fall back to
/// a linear scan on a miss).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountDetails {
    /// The 12-digit account id.
    pub account: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// IAM users, by name.
    pub users: Vec<User>,
    /// IAM groups, by name.
    pub groups: Vec<Group>,
    /// IAM roles, by name.
    pub roles: Vec<Role>,
    /// Managed policies (customer and AWS managed), by ARN.
    pub policies: Vec<ManagedPolicy>,
    /// The files this account was read from, in the order given.
    pub sources: Vec<PathBuf>,
    /// Every page of this account said `IsTruncated: true`: the last page seems to be missing,
    /// so entities may be missing too.
    pub truncated: bool,
}

/// An inline policy (embedded in one user, group or role).
#[derive(Clone, Debug, PartialEq)]
pub struct InlinePolicy {
    /// `PolicyName`.
    pub name: String,
    /// The decoded policy document (a JSON object).
    pub document: Value,
}

/// A managed policy attachment (`AttachedManagedPolicies[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachedPolicy {
    /// `PolicyName`.
    pub name: String,
    /// `PolicyArn`.
    pub arn: String,
}

/// An IAM user.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// `UserName`.
    pub name: String,
    /// `UserId` (`AIDA...`).
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Path` (`/` by default).
    pub path: String,
    /// `CreateDate`.
    pub create_date: Option<i64>,
    /// `UserPolicyList`.
    pub inline: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
    /// `GroupList`: names of the groups the user is in.
    pub groups: Vec<String>,
    /// `PermissionsBoundary.PermissionsBoundaryArn`.
    pub permissions_boundary: Option<String>,
    /// `Tags`, as `(Key, Value)`.
    pub tags: Vec<(String, String)>,
}

/// An IAM group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// `GroupName`.
    pub name: String,
    /// `GroupId` (`AGPA...`).
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Path`.
    pub path: String,
    /// `CreateDate`.
    pub create_date: Option<i64>,
    /// `GroupPolicyList`.
    pub inline: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
}

/// An IAM role.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// `RoleName`.
    pub name: String,
    /// `RoleId` (`AROA...`).
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Path`.
    pub path: String,
    /// `CreateDate`.
    pub create_date: Option<i64>,
    /// `AssumeRolePolicyDocument`, decoded.
    pub trust_policy: Option<Value>,
    /// `RolePolicyList`.
    pub inline: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
    /// `PermissionsBoundary.PermissionsBoundaryArn`.
    pub permissions_boundary: Option<String>,
    /// `RoleLastUsed.LastUsedDate`. `None` when the role was not used in IAM's tracking period
    /// (400 days) or the field is absent.
    pub role_last_used: Option<i64>,
    /// `RoleLastUsed.Region`.
    pub role_last_used_region: Option<String>,
    /// `InstanceProfileList[].InstanceProfileName`.
    pub instance_profiles: Vec<String>,
    /// `Tags`, as `(Key, Value)`.
    pub tags: Vec<(String, String)>,
}

impl Role {
    /// A service-linked role (path `/aws-service-role/...`): created and managed by an AWS
    /// service, its policies cannot be changed by the account.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }

    /// A role created by IAM Identity Center for a permission set (`AWSReservedSSO_...`, path
    /// `/aws-reserved/sso.amazonaws.com/`): managed from Identity Center, not IAM.
    pub fn is_identity_center(&self) -> bool {
        self.name.starts_with("AWSReservedSSO_")
            || self.path.starts_with("/aws-reserved/sso.amazonaws.com/")
    }
}

/// One stored version of a managed policy (`PolicyVersionList[]`).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyVersion {
    /// `VersionId` (`v1`, `v2`, ...).
    pub version_id: String,
    /// `CreateDate`.
    pub create_date: Option<i64>,
    /// The decoded document.
    pub document: Value,
}

/// A managed policy (`Policies[]`).
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedPolicy {
    /// `PolicyName`.
    pub name: String,
    /// `PolicyId` (`ANPA...`).
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Path`.
    pub path: String,
    /// `Description`.
    pub description: Option<String>,
    /// `DefaultVersionId`.
    pub default_version_id: Option<String>,
    /// The document of the version with `IsDefaultVersion: true` (or, if none is flagged, of
    /// the version named by `DefaultVersionId`); `None` when the versions are not in the input.
    pub default_document: Option<Value>,
    /// The other stored versions (not in effect, but one `iam:SetDefaultPolicyVersion` away).
    pub other_versions: Vec<PolicyVersion>,
    /// `AttachmentCount`: users, groups and roles it is attached to.
    pub attachment_count: Option<u64>,
    /// `PermissionsBoundaryUsageCount`: users and roles it is the boundary of.
    pub permissions_boundary_usage_count: Option<u64>,
    /// `IsAttachable` (`true` when absent).
    pub is_attachable: bool,
    /// `CreateDate`.
    pub create_date: Option<i64>,
    /// `UpdateDate`.
    pub update_date: Option<i64>,
    /// An AWS managed policy (`arn:<partition>:iam::aws:policy/...`).
    pub aws_managed: bool,
}

/// Where a policy that applies to a principal comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind<'a> {
    /// An inline policy of the principal itself.
    Inline,
    /// A managed policy attached to the principal.
    Managed {
        /// AWS managed rather than customer managed.
        aws_managed: bool,
    },
    /// An inline policy of a group the user is in.
    GroupInline {
        /// The group's name.
        group: &'a str,
    },
    /// A managed policy attached to a group the user is in.
    GroupManaged {
        /// The group's name.
        group: &'a str,
        /// AWS managed rather than customer managed.
        aws_managed: bool,
    },
    /// The user is in a group that is not in the details (left out by `--filter`): the group's
    /// policies are unknown. `name` is the group's name; `arn` and `document` are `None`.
    MissingGroup {
        /// The group's name.
        group: &'a str,
    },
}

/// One policy that applies to a principal, with where it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PolicySource<'a> {
    /// Where it comes from.
    pub kind: SourceKind<'a>,
    /// The policy's name (for [`SourceKind::MissingGroup`], the group's).
    pub name: &'a str,
    /// The managed policy's ARN; `None` for inline policies.
    pub arn: Option<&'a str>,
    /// The document (for managed policies, the default version's). `None` when a managed
    /// policy is not in the details (AWS managed policies are listed only when something uses
    /// them, and `--filter` may leave any policy out) or has no versions, and for
    /// [`SourceKind::MissingGroup`].
    pub document: Option<&'a Value>,
}

impl Inventory {
    /// The details of one account.
    pub fn account(&self, id: &str) -> Option<&AccountDetails> {
        self.accounts.get(id)
    }
}

/// Binary search in a list sorted by `key`, with a linear fallback for lists built by hand.
fn lookup<'a, T>(items: &'a [T], want: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    match items.binary_search_by(|x| key(x).cmp(want)) {
        Ok(i) => Some(&items[i]),
        Err(_) => items.iter().find(|x| key(x) == want),
    }
}

impl AccountDetails {
    /// The user with this name.
    pub fn user(&self, name: &str) -> Option<&User> {
        lookup(&self.users, name, |u| &u.name)
    }

    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<&Role> {
        lookup(&self.roles, name, |r| &r.name)
    }

    /// The group with this name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        lookup(&self.groups, name, |g| &g.name)
    }

    /// The managed policy with this ARN.
    pub fn policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        lookup(&self.policies, arn, |p| &p.arn)
    }
}

/// The partition and account of an ARN (`arn:partition:service:region:account:resource`);
/// `None` when it is not an ARN or names no account.
pub(crate) fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let a = crate::iam::arn::Arn::parse(arn)?;
    (!a.account.is_empty()).then_some((a.partition, a.account))
}

/// Whether a policy ARN is an AWS managed policy's (`arn:<partition>:iam::aws:policy/...`).
pub fn is_aws_managed_arn(arn: &str) -> bool {
    split_arn(arn).is_some_and(|(_, account)| account == "aws")
}

/// The last `/`-separated part of an ARN's resource (the entity's name).
pub(super) fn name_from_arn(arn: &str) -> String {
    match crate::iam::arn::Arn::parse(arn) {
        Some(a) => a.resource_name().to_owned(),
        None => {
            let resource = arn.rsplit(':').next().unwrap_or(arn);
            resource.rsplit('/').next().unwrap_or(resource).to_owned()
        }
    }
}
