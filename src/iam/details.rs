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
//! Policy documents are kept as decoded [`serde_json::Value`] objects; [`super::policy`] parses
//! them. Times are epoch milliseconds (UTC).
//!
//! AWS includes an AWS managed policy in `Policies` only when something in the account uses it,
//! and `--filter` can leave out any kind of entity, so a policy named by an attachment may be
//! missing: [`AccountDetails::user_policies`] and [`AccountDetails::role_policies`] then return
//! it with `document: None` rather than failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::time::parse_event_time;

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
    /// Reads and merges the given files (pages of one or more accounts).
    pub fn load(paths: &[PathBuf]) -> Result<Inventory, DetailsError> {
        let mut b = Builder::default();
        for path in paths {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|source| DetailsError::Io {
                file: name.clone(),
                source,
            })?;
            b.add(path, &name, &bytes)?;
        }
        b.finish()
    }

    /// Parses one file's bytes; `name` is used in errors and as the source.
    pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<Inventory, DetailsError> {
        Self::parse_files([(name, bytes)])
    }

    /// Parses and merges several files given as `(name, bytes)`, like [`Inventory::load`].
    pub fn parse_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Inventory, DetailsError> {
        let mut b = Builder::default();
        for (name, bytes) in files {
            b.add(Path::new(name), name, bytes)?;
        }
        b.finish()
    }

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

    /// Every policy that applies to a user: its inline policies, its attached managed policies
    /// (default version), then for each of its groups the group's inline and attached managed
    /// policies. A group missing from the details gives one [`SourceKind::MissingGroup`] entry.
    /// The permissions boundary is not included (it grants nothing): see
    /// [`User::permissions_boundary`].
    pub fn user_policies<'a>(&'a self, u: &'a User) -> Vec<PolicySource<'a>> {
        let mut out = Vec::new();
        push_inline(&mut out, &u.inline, |_| SourceKind::Inline);
        self.push_managed(&mut out, &u.attached, |aws_managed| SourceKind::Managed {
            aws_managed,
        });
        for group_name in &u.groups {
            match self.group(group_name) {
                Some(g) => {
                    let group = g.name.as_str();
                    push_inline(&mut out, &g.inline, |_| SourceKind::GroupInline { group });
                    self.push_managed(&mut out, &g.attached, |aws_managed| {
                        SourceKind::GroupManaged { group, aws_managed }
                    });
                }
                None => out.push(PolicySource {
                    kind: SourceKind::MissingGroup { group: group_name },
                    name: group_name,
                    arn: None,
                    document: None,
                }),
            }
        }
        out
    }

    /// Every permissions policy of a role: its inline policies, then its attached managed
    /// policies (default version). The trust policy and the permissions boundary are not
    /// included: see [`Role::trust_policy`] and [`Role::permissions_boundary`].
    pub fn role_policies<'a>(&'a self, r: &'a Role) -> Vec<PolicySource<'a>> {
        let mut out = Vec::new();
        push_inline(&mut out, &r.inline, |_| SourceKind::Inline);
        self.push_managed(&mut out, &r.attached, |aws_managed| SourceKind::Managed {
            aws_managed,
        });
        out
    }

    fn push_managed<'a>(
        &'a self,
        out: &mut Vec<PolicySource<'a>>,
        attached: &'a [AttachedPolicy],
        kind: impl Fn(bool) -> SourceKind<'a>,
    ) {
        for a in attached {
            let policy = self.policy(&a.arn);
            out.push(PolicySource {
                kind: kind(policy.map_or_else(|| is_aws_managed_arn(&a.arn), |p| p.aws_managed)),
                name: &a.name,
                arn: Some(&a.arn),
                document: policy.and_then(|p| p.default_document.as_ref()),
            });
        }
    }
}

fn push_inline<'a>(
    out: &mut Vec<PolicySource<'a>>,
    inline: &'a [InlinePolicy],
    kind: impl Fn(&'a InlinePolicy) -> SourceKind<'a>,
) {
    for p in inline {
        out.push(PolicySource {
            kind: kind(p),
            name: &p.name,
            arn: None,
            document: Some(&p.document),
        });
    }
}

/// The partition and account of an ARN (`arn:partition:service:region:account:resource`);
/// `None` when it is not an ARN or names no account.
pub(crate) fn split_arn(arn: &str) -> Option<(&str, &str)> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let partition = it.next()?;
    let _service = it.next()?;
    let _region = it.next()?;
    let account = it.next()?;
    let _resource = it.next()?;
    (!partition.is_empty() && !account.is_empty()).then_some((partition, account))
}

/// Whether a policy ARN is an AWS managed policy's (`arn:<partition>:iam::aws:policy/...`).
pub fn is_aws_managed_arn(arn: &str) -> bool {
    split_arn(arn).is_some_and(|(_, account)| account == "aws")
}

/// The last `/`-separated part of an ARN's resource (the entity's name).
fn name_from_arn(arn: &str) -> String {
    let resource = arn.rsplit(':').next().unwrap_or(arn);
    resource.rsplit('/').next().unwrap_or(resource).to_owned()
}

/// Parses a time as IAM outputs write it: RFC 3339 (`2024-06-30T12:00:00Z`,
/// `2024-06-30T12:00:00+00:00`), Python's `2024-06-30 12:00:00+00:00`, or without an offset
/// (taken as UTC). Returns epoch milliseconds.
pub(crate) fn parse_aws_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 {
        return None;
    }
    if let Some(ms) = parse_event_time(s) {
        return Some(ms);
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Where errors are reported: the file and, when it holds several, the document.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    file: &'a str,
    document: Option<usize>,
}

impl Ctx<'_> {
    fn invalid(&self, path: &str, reason: impl Into<String>) -> DetailsError {
        DetailsError::Invalid {
            file: self.file.to_owned(),
            document: self.document,
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

type Obj = Map<String, Value>;

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

/// Field readers: a missing or `null` field is `None` (or empty); a field of the wrong type is
/// an error naming its path.
struct Fields<'c> {
    obj: Obj,
    base: String,
    ctx: Ctx<'c>,
}

impl<'c> Fields<'c> {
    fn new(v: Value, base: String, ctx: Ctx<'c>) -> Result<Self, DetailsError> {
        match v {
            Value::Object(obj) => Ok(Fields { obj, base, ctx }),
            other => Err(ctx.invalid(
                &base,
                format!("expected an object, found {}", json_kind(&other)),
            )),
        }
    }

    fn path(&self, key: &str) -> String {
        join(&self.base, key)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        match self.obj.remove(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn str(&mut self, key: &str) -> Result<Option<String>, DetailsError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.ctx.invalid(
                &self.path(key),
                format!("expected a string, found {}", json_kind(&other)),
            )),
        }
    }

    fn required_str(&mut self, key: &str) -> Result<String, DetailsError> {
        self.str(key)?
            .ok_or_else(|| self.ctx.invalid(&self.path(key), "missing"))
    }

    fn array(&mut self, key: &str) -> Result<Vec<Value>, DetailsError> {
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.ctx.invalid(
                &self.path(key),
                format!("expected an array, found {}", json_kind(&other)),
            )),
        }
    }

    /// The elements of an array field, each with its path (`Key[i]`).
    fn items(&mut self, key: &str) -> Result<Vec<(String, Value)>, DetailsError> {
        let base = self.path(key);
        Ok(self
            .array(key)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{base}[{i}]"), v))
            .collect())
    }

    fn object(&mut self, key: &str) -> Result<Option<Fields<'c>>, DetailsError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => Fields::new(v, self.path(key), self.ctx).map(Some),
        }
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>, DetailsError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(self.ctx.invalid(
                &self.path(key),
                format!("expected true or false, found {other}"),
            )),
        }
    }

    fn count(&mut self, key: &str) -> Result<Option<u64>, DetailsError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
            Some(other) => Err(self
                .ctx
                .invalid(&self.path(key), format!("expected a count, found {other}"))),
        }
    }

    /// A time: a string as [`parse_aws_time`] reads it, or epoch seconds as a number (epoch
    /// milliseconds when larger than 10^11).
    fn time(&mut self, key: &str) -> Result<Option<i64>, DetailsError> {
        let parsed = match self.take(key) {
            None => return Ok(None),
            Some(Value::String(s)) => parse_aws_time(&s).ok_or(s),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() && x.abs() < 1e11 => Ok((x * 1000.0) as i64),
                Some(x) if x.is_finite() && x.abs() < 1e14 => Ok(x as i64),
                _ => Err(n.to_string()),
            },
            Some(other) => Err(other.to_string()),
        };
        parsed.map(Some).map_err(|s| {
            self.ctx.invalid(
                &self.path(key),
                format!("`{s}` is not a time (expected ISO 8601, e.g. 2024-06-30T12:00:00Z)"),
            )
        })
    }

    /// A policy document: a JSON object, a URL-encoded JSON string or a plain JSON string.
    fn document(&mut self, key: &str) -> Result<Option<Value>, DetailsError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => decode_document(v)
                .map(Some)
                .map_err(|reason| self.ctx.invalid(&self.path(key), reason)),
        }
    }

    fn required_document(&mut self, key: &str) -> Result<Value, DetailsError> {
        self.document(key)?
            .ok_or_else(|| self.ctx.invalid(&self.path(key), "missing"))
    }

    /// `Arn`, checked, with its partition and account.
    fn arn(&mut self) -> Result<Arn, DetailsError> {
        let arn = self.required_str("Arn")?;
        let Some((partition, account)) = split_arn(&arn) else {
            return Err(self.ctx.invalid(
                &self.path("Arn"),
                format!("`{arn}` is not an ARN (arn:partition:iam::account:...)"),
            ));
        };
        Ok(Arn {
            partition: partition.to_owned(),
            account: account.to_owned(),
            arn,
        })
    }
}

struct Arn {
    arn: String,
    partition: String,
    account: String,
}

/// Decodes a policy document given as an object, a JSON string or a URL-encoded JSON string.
fn decode_document(v: Value) -> Result<Value, String> {
    let doc = match v {
        Value::Object(_) => return Ok(v),
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('{') {
                serde_json::from_str::<Value>(t).map_err(|e| format!("not valid JSON: {e}"))?
            } else {
                let decoded = percent_decode_str(t)
                    .decode_utf8()
                    .map_err(|e| format!("not UTF-8 after URL-decoding: {e}"))?;
                serde_json::from_str::<Value>(&decoded)
                    .map_err(|e| format!("not valid JSON after URL-decoding: {e}"))?
            }
        }
        other => {
            return Err(format!(
                "expected a policy document (an object or a string), found {}",
                json_kind(&other)
            ));
        }
    };
    match doc {
        Value::Object(_) => Ok(doc),
        other => Err(format!(
            "the policy document is {}, not a JSON object",
            json_kind(&other)
        )),
    }
}

fn parse_inline(f: &mut Fields, key: &str) -> Result<Vec<InlinePolicy>, DetailsError> {
    let mut out = Vec::new();
    for (path, v) in f.items(key)? {
        let mut p = Fields::new(v, path, f.ctx)?;
        out.push(InlinePolicy {
            name: p.required_str("PolicyName")?,
            document: p.required_document("PolicyDocument")?,
        });
    }
    Ok(out)
}

fn parse_attached(f: &mut Fields) -> Result<Vec<AttachedPolicy>, DetailsError> {
    let mut out = Vec::new();
    for (path, v) in f.items("AttachedManagedPolicies")? {
        let mut p = Fields::new(v, path, f.ctx)?;
        let arn = p.required_str("PolicyArn")?;
        let name = p.str("PolicyName")?.unwrap_or_else(|| name_from_arn(&arn));
        out.push(AttachedPolicy { name, arn });
    }
    Ok(out)
}

fn parse_boundary(f: &mut Fields) -> Result<Option<String>, DetailsError> {
    match f.object("PermissionsBoundary")? {
        Some(mut b) => b.str("PermissionsBoundaryArn"),
        None => Ok(None),
    }
}

fn parse_tags(f: &mut Fields) -> Result<Vec<(String, String)>, DetailsError> {
    let mut out = Vec::new();
    for (path, v) in f.items("Tags")? {
        let mut t = Fields::new(v, path, f.ctx)?;
        out.push((t.required_str("Key")?, t.str("Value")?.unwrap_or_default()));
    }
    Ok(out)
}

/// The fields every user, group and role has.
struct Head {
    arn: Arn,
    name: String,
    id: String,
    path: String,
    create_date: Option<i64>,
}

fn parse_head(f: &mut Fields, name_key: &str, id_key: &str) -> Result<Head, DetailsError> {
    let arn = f.arn()?;
    Ok(Head {
        name: f.str(name_key)?.unwrap_or_else(|| name_from_arn(&arn.arn)),
        id: f.str(id_key)?.unwrap_or_default(),
        path: f.str("Path")?.unwrap_or_else(|| "/".to_owned()),
        create_date: f.time("CreateDate")?,
        arn,
    })
}

fn parse_user(mut f: Fields) -> Result<(Arn, User), DetailsError> {
    let h = parse_head(&mut f, "UserName", "UserId")?;
    let mut groups = Vec::new();
    for (path, v) in f.items("GroupList")? {
        match v {
            Value::String(s) => groups.push(s),
            other => {
                return Err(f.ctx.invalid(
                    &path,
                    format!("expected a group name, found {}", json_kind(&other)),
                ));
            }
        }
    }
    let user = User {
        name: h.name,
        id: h.id,
        arn: h.arn.arn.clone(),
        path: h.path,
        create_date: h.create_date,
        inline: parse_inline(&mut f, "UserPolicyList")?,
        attached: parse_attached(&mut f)?,
        groups,
        permissions_boundary: parse_boundary(&mut f)?,
        tags: parse_tags(&mut f)?,
    };
    Ok((h.arn, user))
}

fn parse_group(mut f: Fields) -> Result<(Arn, Group), DetailsError> {
    let h = parse_head(&mut f, "GroupName", "GroupId")?;
    let group = Group {
        name: h.name,
        id: h.id,
        arn: h.arn.arn.clone(),
        path: h.path,
        create_date: h.create_date,
        inline: parse_inline(&mut f, "GroupPolicyList")?,
        attached: parse_attached(&mut f)?,
    };
    Ok((h.arn, group))
}

fn parse_role(mut f: Fields) -> Result<(Arn, Role), DetailsError> {
    let h = parse_head(&mut f, "RoleName", "RoleId")?;
    let (role_last_used, role_last_used_region) = match f.object("RoleLastUsed")? {
        Some(mut u) => (u.time("LastUsedDate")?, u.str("Region")?),
        None => (None, None),
    };
    let mut instance_profiles = Vec::new();
    for (path, v) in f.items("InstanceProfileList")? {
        let mut p = Fields::new(v, path, f.ctx)?;
        let name = match p.str("InstanceProfileName")? {
            Some(n) => n,
            None => name_from_arn(&p.required_str("Arn")?),
        };
        instance_profiles.push(name);
    }
    let role = Role {
        name: h.name,
        id: h.id,
        arn: h.arn.arn.clone(),
        path: h.path,
        create_date: h.create_date,
        trust_policy: f.document("AssumeRolePolicyDocument")?,
        inline: parse_inline(&mut f, "RolePolicyList")?,
        attached: parse_attached(&mut f)?,
        permissions_boundary: parse_boundary(&mut f)?,
        role_last_used,
        role_last_used_region,
        instance_profiles,
        tags: parse_tags(&mut f)?,
    };
    Ok((h.arn, role))
}

fn parse_policy(mut f: Fields) -> Result<(Arn, ManagedPolicy), DetailsError> {
    let arn = f.arn()?;
    let default_version_id = f.str("DefaultVersionId")?;
    let mut versions = Vec::new();
    for (path, v) in f.items("PolicyVersionList")? {
        let mut v = Fields::new(v, path, f.ctx)?;
        let is_default = v.bool("IsDefaultVersion")?.unwrap_or(false);
        versions.push((
            is_default,
            PolicyVersion {
                version_id: v.str("VersionId")?.unwrap_or_default(),
                create_date: v.time("CreateDate")?,
                document: v.required_document("Document")?,
            },
        ));
    }
    let default_at = versions.iter().position(|(d, _)| *d).or_else(|| {
        let id = default_version_id.as_deref()?;
        versions.iter().position(|(_, v)| v.version_id == id)
    });
    let default_document = default_at.map(|i| versions.remove(i).1.document);
    let policy = ManagedPolicy {
        name: f
            .str("PolicyName")?
            .unwrap_or_else(|| name_from_arn(&arn.arn)),
        id: f.str("PolicyId")?.unwrap_or_default(),
        arn: arn.arn.clone(),
        path: f.str("Path")?.unwrap_or_else(|| "/".to_owned()),
        description: f.str("Description")?,
        default_version_id,
        default_document,
        other_versions: versions.into_iter().map(|(_, v)| v).collect(),
        attachment_count: f.count("AttachmentCount")?,
        permissions_boundary_usage_count: f.count("PermissionsBoundaryUsageCount")?,
        is_attachable: f.bool("IsAttachable")?.unwrap_or(true),
        create_date: f.time("CreateDate")?,
        update_date: f.time("UpdateDate")?,
        aws_managed: arn.account == "aws",
    };
    Ok((arn, policy))
}

/// One page (one JSON document) of output.
#[derive(Default)]
struct Page {
    users: Vec<(Arn, User)>,
    groups: Vec<(Arn, Group)>,
    roles: Vec<(Arn, Role)>,
    policies: Vec<(Arn, ManagedPolicy)>,
    /// `IsTruncated: true`: more pages follow.
    truncated: bool,
    document: Option<usize>,
}

impl Page {
    /// The accounts named by this page's entities (AWS managed policies name none).
    fn accounts(&self) -> BTreeSet<&str> {
        let users = self.users.iter().map(|(a, _)| a);
        let groups = self.groups.iter().map(|(a, _)| a);
        let roles = self.roles.iter().map(|(a, _)| a);
        let policies = self.policies.iter().map(|(a, _)| a);
        users
            .chain(groups)
            .chain(roles)
            .chain(policies)
            .filter(|a| a.account != "aws")
            .map(|a| a.account.as_str())
            .collect()
    }
}

const LISTS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

fn parse_page(v: Value, ctx: Ctx) -> Result<Page, DetailsError> {
    let not_details = |reason: String| DetailsError::NotDetails {
        file: ctx.file.to_owned(),
        document: ctx.document,
        reason,
    };
    let obj = match v {
        Value::Object(o) => o,
        other => return Err(not_details(format!("found {}", json_kind(&other)))),
    };
    if !LISTS.iter().any(|k| obj.contains_key(*k)) {
        let keys: Vec<&str> = obj.keys().take(6).map(String::as_str).collect();
        return Err(not_details(format!(
            "a JSON object without UserDetailList, GroupDetailList, RoleDetailList or Policies (keys: {})",
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            }
        )));
    }
    let mut f = Fields::new(Value::Object(obj), String::new(), ctx)?;
    let mut page = Page {
        truncated: f.bool("IsTruncated")?.unwrap_or(false),
        document: ctx.document,
        ..Page::default()
    };
    for (path, v) in f.items("UserDetailList")? {
        page.users.push(parse_user(Fields::new(v, path, ctx)?)?);
    }
    for (path, v) in f.items("GroupDetailList")? {
        page.groups.push(parse_group(Fields::new(v, path, ctx)?)?);
    }
    for (path, v) in f.items("RoleDetailList")? {
        page.roles.push(parse_role(Fields::new(v, path, ctx)?)?);
    }
    for (path, v) in f.items("Policies")? {
        page.policies
            .push(parse_policy(Fields::new(v, path, ctx)?)?);
    }
    Ok(page)
}

/// Splits a file into its JSON documents: one, several concatenated (with or without
/// whitespace between them), or a top-level array of pages.
fn split_documents(file: &str, bytes: &[u8]) -> Result<Vec<Value>, DetailsError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DetailsError::Empty {
            file: file.to_owned(),
        });
    }
    let mut docs = Vec::new();
    for (i, v) in serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .enumerate()
    {
        let v = v.map_err(|e| DetailsError::Json {
            file: file.to_owned(),
            message: if i == 0 {
                e.to_string()
            } else {
                format!("{e} (in document {})", i + 1)
            },
        })?;
        match v {
            Value::Array(pages) => docs.extend(pages),
            v => docs.push(v),
        }
    }
    Ok(docs)
}

#[derive(Default)]
struct AccountBuilder {
    partition: String,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    roles: BTreeMap<String, Role>,
    policies: BTreeMap<String, ManagedPolicy>,
    sources: Vec<PathBuf>,
    /// A page with `IsTruncated` false (or absent) was seen.
    saw_last_page: bool,
}

impl AccountBuilder {
    fn add_policy(&mut self, p: ManagedPolicy) {
        match self.policies.get_mut(&p.arn) {
            Some(old) if old.default_document.is_none() && p.default_document.is_some() => *old = p,
            Some(_) => {}
            None => {
                self.policies.insert(p.arn.clone(), p);
            }
        }
    }

    fn note_source(&mut self, source: &Path, truncated: bool) {
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_path_buf());
        }
        self.saw_last_page |= !truncated;
    }

    fn finish(self, account: String) -> AccountDetails {
        let mut users: Vec<User> = self.users.into_values().collect();
        let mut groups: Vec<Group> = self.groups.into_values().collect();
        let mut roles: Vec<Role> = self.roles.into_values().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        AccountDetails {
            account,
            partition: self.partition,
            users,
            groups,
            roles,
            policies: self.policies.into_values().collect(),
            sources: self.sources,
            truncated: !self.saw_last_page,
        }
    }
}

/// A page holding only AWS managed policies, in a file that names no account.
struct Orphan {
    file: String,
    source: PathBuf,
    page: Page,
}

#[derive(Default)]
struct Builder {
    accounts: BTreeMap<String, AccountBuilder>,
    orphans: Vec<Orphan>,
}

impl Builder {
    fn add(&mut self, source: &Path, file: &str, bytes: &[u8]) -> Result<(), DetailsError> {
        let docs = split_documents(file, bytes)?;
        let several = docs.len() > 1;
        let mut pages = Vec::with_capacity(docs.len());
        for (i, v) in docs.into_iter().enumerate() {
            let ctx = Ctx {
                file,
                document: several.then_some(i + 1),
            };
            pages.push(parse_page(v, ctx)?);
        }
        // Each page's accounts; a page naming none takes the nearest one before it, else after.
        let own: Vec<Vec<String>> = pages
            .iter()
            .map(|p| p.accounts().into_iter().map(str::to_owned).collect())
            .collect();
        for (i, page) in pages.into_iter().enumerate() {
            let accounts = if own[i].is_empty() {
                let before = own[..i].iter().rev().find(|a| !a.is_empty());
                let after = own[i + 1..].iter().find(|a| !a.is_empty());
                match before.or(after) {
                    Some(a) => a.clone(),
                    None => {
                        self.orphans.push(Orphan {
                            file: file.to_owned(),
                            source: source.to_path_buf(),
                            page,
                        });
                        continue;
                    }
                }
            } else {
                own[i].clone()
            };
            self.place(page, &accounts, source);
        }
        Ok(())
    }

    fn entry(&mut self, arn: &Arn) -> &mut AccountBuilder {
        let acc = self.accounts.entry(arn.account.clone()).or_default();
        if acc.partition.is_empty() {
            acc.partition = arn.partition.clone();
        }
        acc
    }

    /// Files a page's entities under their accounts; AWS managed policies go to every account
    /// of the page.
    fn place(&mut self, page: Page, accounts: &[String], source: &Path) {
        for (arn, u) in page.users {
            self.entry(&arn).users.entry(u.arn.clone()).or_insert(u);
        }
        for (arn, g) in page.groups {
            self.entry(&arn).groups.entry(g.arn.clone()).or_insert(g);
        }
        for (arn, r) in page.roles {
            self.entry(&arn).roles.entry(r.arn.clone()).or_insert(r);
        }
        for (arn, p) in page.policies {
            if arn.account == "aws" {
                for a in accounts {
                    let acc = self.accounts.entry(a.clone()).or_default();
                    if acc.partition.is_empty() {
                        acc.partition = arn.partition.clone();
                    }
                    acc.add_policy(p.clone());
                }
            } else {
                self.entry(&arn).add_policy(p);
            }
        }
        for a in accounts {
            self.accounts
                .entry(a.clone())
                .or_default()
                .note_source(source, page.truncated);
        }
    }

    fn finish(mut self) -> Result<Inventory, DetailsError> {
        let orphans = std::mem::take(&mut self.orphans);
        for o in orphans {
            let only = (self.accounts.len() == 1)
                .then(|| self.accounts.keys().next().cloned())
                .flatten();
            let has_content = !o.page.policies.is_empty();
            match only {
                Some(account) => self.place(o.page, &[account], &o.source),
                // A page with nothing in it at all has nothing to lose.
                None if !has_content => {}
                None => {
                    let reason = if self.accounts.is_empty() {
                        "holds only AWS managed policies and no input names an account (no \
                         user, group, role or customer managed policy ARN): give the account's \
                         other pages too"
                            .to_owned()
                    } else {
                        format!(
                            "holds only AWS managed policies, so its account cannot be told, and \
                             the inputs cover several accounts ({}): put each page in the same \
                             file as other pages of its account",
                            self.accounts.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    };
                    return Err(DetailsError::UnknownAccount {
                        file: o.file,
                        document: o.page.document,
                        reason,
                    });
                }
            }
        }
        Ok(Inventory {
            accounts: self
                .accounts
                .into_iter()
                .map(|(id, b)| (id.clone(), b.finish(id)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/iam")).join(name)
    }

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(fixture(name)).unwrap()
    }

    fn ms(s: &str) -> i64 {
        parse_event_time(s).unwrap()
    }

    fn cli() -> AccountDetails {
        let inv = Inventory::load(&[fixture("auth-details-cli.json")]).unwrap();
        assert_eq!(inv.accounts.len(), 1);
        inv.accounts.into_values().next().unwrap()
    }

    fn api_pages() -> Inventory {
        Inventory::load(&[
            fixture("auth-details-api-page1.json"),
            fixture("auth-details-api-page2.json"),
        ])
        .unwrap()
    }

    fn err(name: &str, bytes: &[u8]) -> String {
        Inventory::parse_bytes(name, bytes).unwrap_err().to_string()
    }

    #[test]
    fn cli_form_users() {
        let a = cli();
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.partition, "aws");
        assert!(!a.truncated);
        assert_eq!(a.sources, vec![fixture("auth-details-cli.json")]);
        let names: Vec<&str> = a.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "carol-admin", "dave", "erin"]);

        let alice = a.user("alice").unwrap();
        assert_eq!(alice.id, "AIDAQ3EGQKLZALICE0001");
        assert_eq!(alice.arn, "arn:aws:iam::111122223333:user/alice");
        assert_eq!(alice.path, "/");
        assert_eq!(alice.create_date, Some(ms("2021-03-15T10:22:31Z")));
        assert_eq!(alice.groups, ["developers"]);
        assert!(alice.inline.is_empty() && alice.attached.is_empty());
        assert_eq!(
            alice.permissions_boundary.as_deref(),
            Some("arn:aws:iam::111122223333:policy/DeveloperBoundary")
        );
        assert_eq!(alice.tags, [("team".to_owned(), "platform".to_owned())]);

        let bob = a.user("bob").unwrap();
        assert_eq!(bob.path, "/ci/");
        assert_eq!(bob.arn, "arn:aws:iam::111122223333:user/ci/bob");
        assert_eq!(bob.inline.len(), 1);
        assert_eq!(bob.inline[0].name, "bob-ci-deploy");
        assert_eq!(
            bob.inline[0].document["Statement"][1]["Action"],
            "cloudformation:*"
        );
        assert!(bob.groups.is_empty() && bob.permissions_boundary.is_none());

        let carol = a.user("carol-admin").unwrap();
        assert_eq!(
            carol.attached,
            [AttachedPolicy {
                name: "AdministratorAccess".into(),
                arn: "arn:aws:iam::aws:policy/AdministratorAccess".into()
            }]
        );
        assert!(a.user("mallory").is_none());
    }

    #[test]
    fn cli_form_roles() {
        let a = cli();
        let names: Vec<&str> = a.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
                "AWSServiceRoleForSupport",
                "ec2-app",
                "legacy-deploy",
                "partner-audit",
                "public-assume"
            ]
        );
        let slr = a.role("AWSServiceRoleForSupport").unwrap();
        assert!(slr.is_service_linked() && !slr.is_identity_center());
        let sso = a
            .role("AWSReservedSSO_AdministratorAccess_0123456789abcdef")
            .unwrap();
        assert!(sso.is_identity_center() && !sso.is_service_linked());
        assert_eq!(
            sso.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["Federated"],
            "arn:aws:iam::111122223333:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
        );

        let partner = a.role("partner-audit").unwrap();
        assert!(!partner.is_service_linked() && !partner.is_identity_center());
        let trust = partner.trust_policy.as_ref().unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::999988887777:root"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "c0ffee-partner-7f3a"
        );
        assert_eq!(partner.role_last_used, Some(ms("2023-09-14T07:12:45Z")));
        assert_eq!(partner.role_last_used_region.as_deref(), Some("eu-west-1"));
        assert_eq!(partner.tags.len(), 2);

        let legacy = a.role("legacy-deploy").unwrap();
        assert_eq!(legacy.role_last_used, None);
        assert_eq!(legacy.role_last_used_region, None);
        assert_eq!(legacy.create_date, Some(ms("2018-09-12T14:20:00Z")));
        assert_eq!(legacy.inline[0].document["Statement"][0]["Action"], "*");

        let app = a.role("ec2-app").unwrap();
        assert_eq!(app.instance_profiles, ["ec2-app"]);
        assert_eq!(app.path, "/app/");
    }

    #[test]
    fn cli_form_policies() {
        let a = cli();
        let arns: Vec<&str> = a.policies.iter().map(|p| p.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::111122223333:policy/DeveloperAccess",
                "arn:aws:iam::111122223333:policy/DeveloperBoundary",
                "arn:aws:iam::111122223333:policy/legacy/LegacyBilling",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
            ]
        );
        let dev = a
            .policy("arn:aws:iam::111122223333:policy/DeveloperAccess")
            .unwrap();
        assert!(!dev.aws_managed && dev.is_attachable);
        assert_eq!(dev.default_version_id.as_deref(), Some("v2"));
        let doc = dev.default_document.as_ref().unwrap();
        assert_eq!(doc["Statement"][1]["Sid"], "PassAppRole");
        assert_eq!(dev.other_versions.len(), 1);
        assert_eq!(dev.other_versions[0].version_id, "v1");
        assert_eq!(
            dev.other_versions[0].document["Statement"][0]["Action"][1],
            "iam:*"
        );
        assert_eq!(dev.attachment_count, Some(2));
        assert_eq!(dev.create_date, Some(ms("2020-11-02T09:05:00Z")));
        assert_eq!(dev.update_date, Some(ms("2023-04-18T15:10:00Z")));
        assert_eq!(
            dev.description.as_deref(),
            Some("What developers and the app instances may do")
        );

        let legacy = a
            .policy("arn:aws:iam::111122223333:policy/legacy/LegacyBilling")
            .unwrap();
        assert_eq!(legacy.name, "LegacyBilling");
        assert_eq!(legacy.path, "/legacy/");
        assert_eq!(
            (
                legacy.attachment_count,
                legacy.permissions_boundary_usage_count
            ),
            (Some(0), Some(0))
        );
        let boundary = a
            .policy("arn:aws:iam::111122223333:policy/DeveloperBoundary")
            .unwrap();
        assert_eq!(
            (
                boundary.attachment_count,
                boundary.permissions_boundary_usage_count
            ),
            (Some(0), Some(1))
        );
        let admin = a
            .policy("arn:aws:iam::aws:policy/AdministratorAccess")
            .unwrap();
        assert!(admin.aws_managed);
        assert!(admin.other_versions.is_empty());
        assert_eq!(
            admin.default_document.as_ref().unwrap()["Statement"][0]["Action"],
            "*"
        );
        let support = a
            .policy("arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy")
            .unwrap();
        assert!(support.aws_managed && !support.is_attachable);
    }

    #[test]
    fn user_policies_in_order_with_origins() {
        let a = cli();
        // Only group policies.
        let alice = a.user("alice").unwrap();
        let ps = a.user_policies(alice);
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0].kind,
            SourceKind::GroupInline {
                group: "developers"
            }
        );
        assert_eq!(ps[0].name, "dev-s3-access");
        assert_eq!(ps[0].arn, None);
        assert_eq!(
            ps[0].document.unwrap()["Statement"][0]["Action"][0],
            "s3:GetObject"
        );
        assert_eq!(
            ps[1].kind,
            SourceKind::GroupManaged {
                group: "developers",
                aws_managed: false
            }
        );
        assert_eq!(
            ps[1].arn,
            Some("arn:aws:iam::111122223333:policy/DeveloperAccess")
        );
        // The default version (v2), not v1.
        assert_eq!(
            ps[1].document.unwrap()["Statement"][1]["Sid"],
            "PassAppRole"
        );

        // Inline only.
        let bob = a.user_policies(a.user("bob").unwrap());
        assert_eq!(bob.len(), 1);
        assert_eq!(bob[0].kind, SourceKind::Inline);

        // AWS managed only.
        let carol = a.user_policies(a.user("carol-admin").unwrap());
        assert_eq!(carol.len(), 1);
        assert_eq!(carol[0].kind, SourceKind::Managed { aws_managed: true });
        assert_eq!(carol[0].document.unwrap()["Statement"][0]["Resource"], "*");

        // No policies at all.
        assert!(a.user_policies(a.user("erin").unwrap()).is_empty());
    }

    #[test]
    fn role_policies() {
        let a = cli();
        let app = a.role_policies(a.role("ec2-app").unwrap());
        assert_eq!(app.len(), 1);
        assert_eq!(app[0].kind, SourceKind::Managed { aws_managed: false });
        assert!(app[0].document.is_some());
        let legacy = a.role_policies(a.role("legacy-deploy").unwrap());
        assert_eq!(legacy.len(), 1);
        assert_eq!(
            (legacy[0].kind, legacy[0].name),
            (SourceKind::Inline, "everything")
        );
    }

    #[test]
    fn api_form_pages_merge() {
        let inv = api_pages();
        assert_eq!(inv.accounts.len(), 1);
        let a = inv.account("444455556666").unwrap();
        assert!(!a.truncated);
        assert_eq!(a.sources.len(), 2);
        assert_eq!(a.users.len(), 2);
        assert_eq!(a.groups.len(), 1);
        assert_eq!(a.roles.len(), 3);
        assert_eq!(a.policies.len(), 2);

        // URL-encoded documents decode to objects.
        let frank = a.user("frank").unwrap();
        assert_eq!(frank.create_date, Some(ms("2018-01-20T09:00:00Z")));
        assert_eq!(
            frank.inline[0].document["Statement"][0]["Action"][0],
            "secretsmanager:GetSecretValue"
        );
        assert_eq!(frank.tags[0].1, "ops 42");
        let org = a.role("OrganizationAccountAccessRole").unwrap();
        assert_eq!(
            org.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::999988887777:root"
        );
        // A plain JSON string.
        let batch = a.role("batch-worker").unwrap();
        assert_eq!(
            batch.trust_policy.as_ref().unwrap()["Statement"][0]["Principal"]["Service"],
            "ecs-tasks.amazonaws.com"
        );
        assert_eq!(
            batch.permissions_boundary.as_deref(),
            Some("arn:aws:iam::444455556666:policy/OpsTooling")
        );
        let tooling = a
            .policy("arn:aws:iam::444455556666:policy/OpsTooling")
            .unwrap();
        assert_eq!(tooling.default_version_id.as_deref(), Some("v3"));
        assert_eq!(
            tooling.default_document.as_ref().unwrap()["Statement"][0]["Action"][0],
            "ssm:StartSession"
        );
        assert_eq!(tooling.other_versions[0].version_id, "v2");

        // frank: own inline, own managed, group inline, group AWS managed (absent: no document).
        let ps = a.user_policies(frank);
        let kinds: Vec<SourceKind> = ps.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                SourceKind::Inline,
                SourceKind::Managed { aws_managed: false },
                SourceKind::GroupInline { group: "ops" },
                SourceKind::GroupManaged {
                    group: "ops",
                    aws_managed: true
                },
            ]
        );
        assert!(ps[1].document.is_some());
        assert_eq!(ps[3].name, "ReadOnlyAccess");
        assert_eq!(ps[3].document, None);

        // A role whose only policy is an AWS managed one not in the details.
        let rs = a.role_policies(org);
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0].kind, SourceKind::Managed { aws_managed: true });
        assert_eq!(
            rs[0].arn,
            Some("arn:aws:iam::aws:policy/AdministratorAccess")
        );
        assert_eq!(rs[0].document, None);
    }

    #[test]
    fn concatenated_equals_separate_pages() {
        let pages = api_pages();
        for bytes in [
            read("auth-details-concatenated.json"),
            // One per line, as `jq -c` writes them.
            {
                let mut b = Vec::new();
                for name in ["auth-details-api-page1.json", "auth-details-api-page2.json"] {
                    let v: Value = serde_json::from_slice(&read(name)).unwrap();
                    b.extend(serde_json::to_vec(&v).unwrap());
                    b.push(b'\n');
                }
                b
            },
            // A JSON array of pages.
            {
                let p1: Value =
                    serde_json::from_slice(&read("auth-details-api-page1.json")).unwrap();
                let p2: Value =
                    serde_json::from_slice(&read("auth-details-api-page2.json")).unwrap();
                serde_json::to_vec(&Value::Array(vec![p1, p2])).unwrap()
            },
        ] {
            let mut one = Inventory::parse_bytes("pages.json", &bytes).unwrap();
            let mut two = pages.clone();
            for a in one.accounts.values_mut().chain(two.accounts.values_mut()) {
                a.sources.clear();
            }
            assert_eq!(one, two);
        }
    }

    #[test]
    fn several_accounts_and_duplicates() {
        let all = Inventory::load(&[
            fixture("auth-details-cli.json"),
            fixture("auth-details-api-page1.json"),
            fixture("auth-details-concatenated.json"),
            fixture("auth-details-api-page2.json"),
            fixture("auth-details-cli.json"),
        ])
        .unwrap();
        assert_eq!(
            all.accounts.keys().collect::<Vec<_>>(),
            ["111122223333", "444455556666"]
        );
        let mut a = all.accounts["444455556666"].clone();
        assert_eq!(a.sources.len(), 3);
        let mut b = api_pages().accounts["444455556666"].clone();
        a.sources.clear();
        b.sources.clear();
        assert_eq!(a, b);
        let mut c = all.accounts["111122223333"].clone();
        assert_eq!(c.sources.len(), 1);
        c.sources.clear();
        let mut d = cli();
        d.sources.clear();
        assert_eq!(c, d);

        // Both accounts in one file, one page each.
        let mut mixed = read("auth-details-cli.json");
        mixed.extend(read("auth-details-concatenated.json"));
        let m = Inventory::parse_bytes("mixed.json", &mixed).unwrap();
        assert_eq!(m.accounts.len(), 2);
        assert_eq!(m.accounts["111122223333"].users.len(), 5);
        assert_eq!(m.accounts["444455556666"].roles.len(), 3);
        // AWS managed policies stay with their own page's account.
        assert!(
            m.accounts["444455556666"]
                .policy("arn:aws:iam::aws:policy/AdministratorAccess")
                .is_none()
        );
    }

    fn aws_only_page(truncated: bool) -> String {
        format!(
            r#"{{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"IsTruncated":{truncated},
               "Policies":[{{"PolicyName":"ReadOnlyAccess","Arn":"arn:aws:iam::aws:policy/ReadOnlyAccess",
               "DefaultVersionId":"v1","AttachmentCount":3,"PolicyVersionList":[{{"VersionId":"v1",
               "IsDefaultVersion":true,"Document":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGet*%22%5D%2C%22Resource%22%3A%22*%22%7D%5D%7D"}}]}}]}}"#
        )
    }

    #[test]
    fn aws_managed_only_page_takes_its_files_account() {
        let mut p1: Value = serde_json::from_slice(&read("auth-details-api-page1.json")).unwrap();
        p1["IsTruncated"] = Value::Bool(true);
        let mut file = serde_json::to_vec(&p1).unwrap();
        file.extend(aws_only_page(false).as_bytes());
        let inv = Inventory::parse_bytes("p.json", &file).unwrap();
        let a = &inv.accounts["444455556666"];
        assert!(!a.truncated);
        let ro = a.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
        assert!(ro.aws_managed);
        assert_eq!(
            ro.default_document.as_ref().unwrap()["Statement"][0]["Action"][0],
            "s3:Get*"
        );
        // Now grace's policy has a document.
        let grace = a.user_policies(a.user("grace").unwrap());
        assert!(grace[0].document.is_some());

        // In its own file, with one account loaded: that account.
        let page1 = read("auth-details-api-page1.json");
        let aws_only = aws_only_page(false);
        let inv =
            Inventory::parse_files([("p1.json", &page1[..]), ("p9.json", aws_only.as_bytes())])
                .unwrap();
        let a = &inv.accounts["444455556666"];
        assert!(a.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").is_some());
        assert_eq!(a.sources.len(), 2);

        // In its own file, with two accounts loaded: cannot be told.
        let cli = read("auth-details-cli.json");
        let e = Inventory::parse_files([
            ("p1.json", &page1[..]),
            ("cli.json", &cli[..]),
            ("p9.json", aws_only.as_bytes()),
        ])
        .unwrap_err();
        assert!(matches!(e, DetailsError::UnknownAccount { .. }));
        let msg = e.to_string();
        assert!(
            msg.starts_with("p9.json: holds only AWS managed policies"),
            "{msg}"
        );
        assert!(msg.contains("111122223333, 444455556666"), "{msg}");

        // Alone: no account at all.
        let e = err("p9.json", aws_only.as_bytes());
        assert!(e.contains("no input names an account"), "{e}");
    }

    #[test]
    fn missing_last_page_is_flagged() {
        let inv = Inventory::load(&[fixture("auth-details-api-page1.json")]).unwrap();
        assert!(inv.accounts["444455556666"].truncated);
        let inv = Inventory::load(&[fixture("auth-details-api-page2.json")]).unwrap();
        assert!(!inv.accounts["444455556666"].truncated);
    }

    #[test]
    fn bad_document_errors_name_the_path() {
        let bad = r#"{"UserDetailList":[
            {"UserName":"a","Arn":"arn:aws:iam::111122223333:user/a"},
            {"UserName":"b","Arn":"arn:aws:iam::111122223333:user/b",
             "UserPolicyList":[{"PolicyName":"p","PolicyDocument":"%7B%22Version%22%3A"}]}]}"#;
        let e = err("iam-details.json", bad.as_bytes());
        assert!(
            e.starts_with(
                "iam-details.json: UserDetailList[1].UserPolicyList[0].PolicyDocument: \
                 not valid JSON after URL-decoding: "
            ),
            "{e}"
        );

        // In the second of two documents.
        let two = format!("{{\"Policies\":[]}}\n{bad}");
        let e = err("iam-details.json", two.as_bytes());
        assert!(
            e.starts_with("iam-details.json: document 2: UserDetailList[1].UserPolicyList[0]"),
            "{e}"
        );

        let e = err(
            "x.json",
            br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"{\"Statement\": ["}]}"#,
        );
        assert!(
            e.starts_with("x.json: RoleDetailList[0].AssumeRolePolicyDocument: not valid JSON: "),
            "{e}"
        );
        let e = err(
            "x.json",
            br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"%5B1%5D"}]}"#,
        );
        assert!(e.contains("is an array, not a JSON object"), "{e}");
        let e = err(
            "x.json",
            br#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"%FF%FE"}]}"#,
        );
        assert!(e.contains("not UTF-8 after URL-decoding"), "{e}");
        let e = err(
            "x.json",
            br#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","PolicyVersionList":[{"Document":42}]}]}"#,
        );
        assert_eq!(
            e,
            "x.json: Policies[0].PolicyVersionList[0].Document: expected a policy document \
             (an object or a string), found a number"
        );
    }

    #[test]
    fn bad_fields_error_names_the_path() {
        let cases: [(&str, &str); 9] = [
            (
                r#"{"UserDetailList":[{"UserName":"a"}]}"#,
                "f.json: UserDetailList[0].Arn: missing",
            ),
            (
                r#"{"UserDetailList":[{"Arn":"user/a"}]}"#,
                "f.json: UserDetailList[0].Arn: `user/a` is not an ARN (arn:partition:iam::account:...)",
            ),
            (
                r#"{"UserDetailList":[{"Arn":"arn:aws:iam::1:user/a","GroupList":[7]}]}"#,
                "f.json: UserDetailList[0].GroupList[0]: expected a group name, found a number",
            ),
            (
                r#"{"GroupDetailList":{"a":1}}"#,
                "f.json: GroupDetailList: expected an array, found an object",
            ),
            (
                r#"{"RoleDetailList":[{"Arn":"arn:aws:iam::1:role/r","CreateDate":"last week"}]}"#,
                "f.json: RoleDetailList[0].CreateDate: `last week` is not a time (expected ISO 8601, e.g. 2024-06-30T12:00:00Z)",
            ),
            (
                r#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","AttachmentCount":-1}]}"#,
                "f.json: Policies[0].AttachmentCount: expected a count, found -1",
            ),
            (
                r#"{"Policies":[{"Arn":"arn:aws:iam::1:policy/p","IsAttachable":"maybe"}]}"#,
                "f.json: Policies[0].IsAttachable: expected true or false, found \"maybe\"",
            ),
            (
                r#"{"RoleDetailList":[{"Arn":"arn:aws:iam::1:role/r","RolePolicyList":[{"PolicyName":"p"}]}]}"#,
                "f.json: RoleDetailList[0].RolePolicyList[0].PolicyDocument: missing",
            ),
            (
                r#"{"UserDetailList":["alice"]}"#,
                "f.json: UserDetailList[0]: expected an object, found a string",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(err("f.json", input.as_bytes()), want);
        }
    }

    #[test]
    fn not_details() {
        assert_eq!(err("e.json", b""), "e.json: empty file");
        assert_eq!(err("e.json", b"\xEF\xBB\xBF \n"), "e.json: empty file");
        let e = err("e.json", b"{\"UserDetailList\": [");
        assert!(
            e.starts_with("e.json: not valid JSON: EOF while parsing"),
            "{e}"
        );
        let e = err("e.json", b"{\"Policies\": []} garbage");
        assert!(e.ends_with("(in document 2)"), "{e}");
        assert_eq!(
            err(
                "c.json",
                br#"{"Content":"dXNlcg==","ReportFormat":"text/csv"}"#
            ),
            "c.json: not the output of `aws iam get-account-authorization-details`: a JSON \
             object without UserDetailList, GroupDetailList, RoleDetailList or Policies (keys: \
             Content, ReportFormat)"
        );
        assert_eq!(
            err("n.json", b"[1]"),
            "n.json: not the output of `aws iam get-account-authorization-details`: found a number"
        );
        // Valid but empty.
        let inv =
            Inventory::parse_bytes("e.json", br#"{"UserDetailList":[],"Policies":[]}"#).unwrap();
        assert!(inv.accounts.is_empty());
        let e = Inventory::load(&[PathBuf::from("/nonexistent/iam.json")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/iam.json: cannot read: "),
            "{e}"
        );
    }

    #[test]
    fn lenient_fields() {
        // Names from ARNs, BOM, Python-style and epoch times, string booleans and counts,
        // default version found by DefaultVersionId when no version is flagged.
        let doc = "\u{FEFF}{\"UserDetailList\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:user/team/x\",\
                   \"CreateDate\":\"2019-01-01 00:00:00+00:00\"}],\
                   \"RoleDetailList\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:role/r\",\
                   \"CreateDate\":1546300800,\"RoleLastUsed\":{\"LastUsedDate\":\"2019-01-01T00:00:00\"}}],\
                   \"Policies\":[{\"Arn\":\"arn:aws-cn:iam::123456789012:policy/p\",\"DefaultVersionId\":\"v2\",\
                   \"IsAttachable\":\"false\",\"AttachmentCount\":\"4\",\
                   \"PolicyVersionList\":[{\"VersionId\":\"v1\",\"Document\":{\"Statement\":[]}},\
                   {\"VersionId\":\"v2\",\"Document\":\"  {\\\"Statement\\\": [1]}\"}]}]}";
        let inv = Inventory::parse_bytes("l.json", doc.as_bytes()).unwrap();
        let a = &inv.accounts["123456789012"];
        assert_eq!(a.partition, "aws-cn");
        let x = a.user("x").unwrap();
        assert_eq!(x.path, "/");
        let t = ms("2019-01-01T00:00:00Z");
        assert_eq!(x.create_date, Some(t));
        let r = a.role("r").unwrap();
        assert_eq!((r.create_date, r.role_last_used), (Some(t), Some(t)));
        assert_eq!(r.trust_policy, None);
        let p = a.policy("arn:aws-cn:iam::123456789012:policy/p").unwrap();
        assert_eq!(p.name, "p");
        assert!(!p.is_attachable && !p.aws_managed);
        assert_eq!(p.attachment_count, Some(4));
        assert_eq!(p.default_document.as_ref().unwrap()["Statement"][0], 1);
        assert_eq!(p.other_versions[0].version_id, "v1");
    }

    #[test]
    fn first_copy_wins_but_versions_fill_in() {
        let without =
            r#"{"Policies":[{"Arn":"arn:aws:iam::111122223333:policy/p","AttachmentCount":1}]}"#;
        let with = r#"{"Policies":[{"Arn":"arn:aws:iam::111122223333:policy/p","AttachmentCount":2,
            "PolicyVersionList":[{"VersionId":"v1","IsDefaultVersion":true,"Document":{"Statement":[]}}]}]}"#;
        let user1 =
            r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","UserId":"first"}]}"#;
        let user2 =
            r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","UserId":"second"}]}"#;
        let inv = Inventory::parse_files([
            ("1", without.as_bytes()),
            ("2", with.as_bytes()),
            ("3", user1.as_bytes()),
            ("4", user2.as_bytes()),
        ])
        .unwrap();
        let a = &inv.accounts["111122223333"];
        assert_eq!(a.policies.len(), 1);
        assert_eq!(a.policies[0].attachment_count, Some(2));
        assert_eq!(a.users.len(), 1);
        assert_eq!(a.users[0].id, "first");
    }

    #[test]
    fn lookups_work_on_unsorted_hand_built_lists() {
        let mut a = cli();
        a.users.reverse();
        a.policies.reverse();
        assert_eq!(a.user("alice").unwrap().name, "alice");
        assert!(
            a.policy("arn:aws:iam::111122223333:policy/DeveloperAccess")
                .is_some()
        );
    }

    #[test]
    fn missing_group_is_reported() {
        let doc = r#"{"UserDetailList":[{"Arn":"arn:aws:iam::111122223333:user/u","GroupList":["gone"]}]}"#;
        let inv = Inventory::parse_bytes("g.json", doc.as_bytes()).unwrap();
        let a = &inv.accounts["111122223333"];
        let ps = a.user_policies(&a.users[0]);
        assert_eq!(
            ps,
            [PolicySource {
                kind: SourceKind::MissingGroup { group: "gone" },
                name: "gone",
                arn: None,
                document: None
            }]
        );
    }

    #[test]
    fn arn_helpers() {
        assert_eq!(
            split_arn("arn:aws:iam::111122223333:user/a/b"),
            Some(("aws", "111122223333"))
        );
        assert_eq!(split_arn("arn:aws:iam:::user/a"), None);
        assert_eq!(split_arn("arn:aws:iam::1"), None);
        assert!(is_aws_managed_arn(
            "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(!is_aws_managed_arn("arn:aws:iam::111122223333:policy/aws"));
        assert_eq!(name_from_arn("arn:aws:iam::1:role/a/b/c"), "c");
        assert_eq!(parse_aws_time("2024"), None);
        assert_eq!(
            parse_aws_time("2024-06-30T12:00:00+00:00"),
            Some(ms("2024-06-30T12:00:00Z"))
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = Inventory::parse_bytes("r.json", &bytes);
        }

        #[test]
        fn random_field_values_never_panic(
            key in prop::sample::select(vec![
                "Arn", "UserName", "CreateDate", "GroupList", "UserPolicyList", "Tags",
                "PermissionsBoundary", "AttachedManagedPolicies",
            ]),
            value in prop_oneof![
                Just(Value::Null),
                any::<f64>().prop_map(|f| serde_json::json!(f)),
                any::<i64>().prop_map(Value::from),
                ".{0,40}".prop_map(Value::from),
                prop::collection::vec(".{0,10}".prop_map(Value::from), 0..3).prop_map(Value::Array),
            ],
        ) {
            let mut user = serde_json::json!({"Arn": "arn:aws:iam::111122223333:user/u"});
            user[key] = value;
            let doc = serde_json::json!({"UserDetailList": [user]});
            let _ = Inventory::parse_bytes("r.json", doc.to_string().as_bytes());
        }
    }
}
