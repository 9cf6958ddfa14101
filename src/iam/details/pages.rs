//! One file's pages: splitting a file into its JSON documents (one, several concatenated, or an
//! array of pages) and reading each document into a [`Page`] of entities.

use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{DetailsError, Group, ManagedPolicy, Role, User};
use super::parse::{
    Arn, Ctx, Fields, json_kind, parse_group, parse_policy, parse_role, parse_user,
};

/// One page (one JSON document) of output.
#[derive(Default)]
pub(super) struct Page {
    pub(super) users: Vec<(Arn, User)>,
    pub(super) groups: Vec<(Arn, Group)>,
    pub(super) roles: Vec<(Arn, Role)>,
    pub(super) policies: Vec<(Arn, ManagedPolicy)>,
    /// `IsTruncated: true`: more pages follow.
    pub(super) truncated: bool,
    pub(super) document: Option<usize>,
}

impl Page {
    /// The accounts named by this page's entities (AWS managed policies name none).
    pub(super) fn accounts(&self) -> BTreeSet<&str> {
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

pub(super) fn parse_page(v: Value, ctx: Ctx) -> Result<Page, DetailsError> {
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
pub(super) fn split_documents(file: &str, bytes: &[u8]) -> Result<Vec<Value>, DetailsError> {
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
