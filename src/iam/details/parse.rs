//! Reading one entity: the JSON field reader ([`Fields`], errors naming the file, document and
//! path), the policy document and time decoders, and the user, group, role and managed policy
//! parsers.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value};

use crate::time::parse_event_time;

use super::model::{
    AttachedPolicy, DetailsError, Group, InlinePolicy, ManagedPolicy, PolicyVersion, Role, User,
    name_from_arn, split_arn,
};

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

/// Where errors are reported: the file and, when it holds several, the document.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    pub(super) document: Option<usize>,
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

pub(super) fn json_kind(v: &Value) -> &'static str {
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
pub(super) struct Fields<'c> {
    obj: Obj,
    base: String,
    ctx: Ctx<'c>,
}

impl<'c> Fields<'c> {
    pub(super) fn new(v: Value, base: String, ctx: Ctx<'c>) -> Result<Self, DetailsError> {
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
    pub(super) fn items(&mut self, key: &str) -> Result<Vec<(String, Value)>, DetailsError> {
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

    pub(super) fn bool(&mut self, key: &str) -> Result<Option<bool>, DetailsError> {
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

pub(super) struct Arn {
    pub(super) arn: String,
    pub(super) partition: String,
    pub(super) account: String,
}

/// Decodes a policy document given as an object, a JSON string or a URL-encoded JSON string
/// ([`crate::iam::policy::decode_document`]).
fn decode_document(v: Value) -> Result<Value, String> {
    let doc = match v {
        Value::Object(_) => return Ok(v),
        Value::String(s) => crate::iam::policy::decode_document(&s).map_err(|e| e.to_string())?,
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

pub(super) fn parse_user(mut f: Fields) -> Result<(Arn, User), DetailsError> {
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

pub(super) fn parse_group(mut f: Fields) -> Result<(Arn, Group), DetailsError> {
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

pub(super) fn parse_role(mut f: Fields) -> Result<(Arn, Role), DetailsError> {
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

pub(super) fn parse_policy(mut f: Fields) -> Result<(Arn, ManagedPolicy), DetailsError> {
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
