//! Actions that depend on the request. Some calls need one permission or another depending on
//! what they ask: `HeadObject` needs `s3:GetObjectVersion` only when it names a `versionId`, a
//! PartiQL statement needs the permission of its verb, `TransactWriteItems` the permission of
//! each item kind. The mapping table lists every action such a call *may* need; this module
//! decides, from the event's `requestParameters`, which ones it *did* need.
//!
//! It is table-driven: [`RULES`] has one row per (event, action, case). An event is read in two
//! steps: [`facts`] reads the request once, in the decoder thread, into a few bits (kept in the
//! activity key), and [`resolve`] turns `(event, facts)` into actions when the row is resolved.
//!
//! When the parameters that decide are absent from the log (a PartiQL statement CloudTrail did
//! not record, a transaction whose items are not listed), the facts are *unknown* and every
//! action the table lists for the event applies: a suggestion must not miss a permission the
//! call may have needed. An absent `versionId` is not unknown: S3 logs it whenever it is given.

use crate::event::{Event, Json};
use crate::iam::catalog::{ActionId, catalog};
use simd_json::prelude::*;

/// What a request asked, as bits ([`facts`]).
pub type Facts = u32;

/// The event is one of [`RULES`] and its request was read.
pub const READ: Facts = 1;
/// The request names an object version (`versionId`, or `versionId=` in the copy source).
pub const VERSION: Facts = 1 << 1;
/// The request sets an ACL (`x-amz-acl`, `x-amz-grant-*`).
pub const ACL: Facts = 1 << 2;
/// `CopyObject` copies the source object's tags (tagging directive `COPY`, the default).
pub const TAGS_COPY: Facts = 1 << 3;
/// The request sets tags (`x-amz-tagging`).
pub const TAGS_SET: Facts = 1 << 4;
/// A PartiQL `SELECT` (or `EXISTS`).
pub const SELECT: Facts = 1 << 5;
/// A PartiQL `INSERT`.
pub const INSERT: Facts = 1 << 6;
/// A PartiQL `UPDATE`.
pub const UPDATE: Facts = 1 << 7;
/// A PartiQL `DELETE`.
pub const DELETE: Facts = 1 << 8;
/// A `TransactWriteItems` `Put` item.
pub const ITEM_PUT: Facts = 1 << 9;
/// A `TransactWriteItems` `Update` item.
pub const ITEM_UPDATE: Facts = 1 << 10;
/// A `TransactWriteItems` `Delete` item.
pub const ITEM_DELETE: Facts = 1 << 11;
/// A `TransactWriteItems` `ConditionCheck` item.
pub const ITEM_CHECK: Facts = 1 << 12;
/// A Timestream query that reads a table (`SELECT ... FROM`).
pub const TS_SELECT: Facts = 1 << 13;
/// A Timestream `SELECT` without a table.
pub const TS_VALUES: Facts = 1 << 14;
/// Timestream `SHOW DATABASES`.
pub const TS_DATABASES: Facts = 1 << 15;
/// Timestream `SHOW TABLES`.
pub const TS_TABLES: Facts = 1 << 16;
/// Timestream `SHOW MEASURES`.
pub const TS_MEASURES: Facts = 1 << 17;
/// Timestream `DESCRIBE`.
pub const TS_DESCRIBE: Facts = 1 << 18;
/// What decides the actions is not in the log: every action of the event's rows applies.
pub const UNKNOWN: Facts = 1 << 19;

/// When a row applies: always, or when the request has one of these facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Every call needs it.
    Always,
    /// Calls whose facts include any of these bits.
    Any(Facts),
}

/// One row: the events `names` of `source` need `action` when `when`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// `eventSource`.
    pub source: &'static str,
    /// The `eventName`s the row is for.
    pub names: &'static [&'static str],
    /// `service:Action`.
    pub action: &'static str,
    /// When.
    pub when: When,
}

const fn r(
    source: &'static str,
    names: &'static [&'static str],
    action: &'static str,
    when: When,
) -> Rule {
    Rule {
        source,
        names,
        action,
        when,
    }
}

const S3: &str = "s3.amazonaws.com";
const DDB: &str = "dynamodb.amazonaws.com";
const TS: &str = "timestream.amazonaws.com";
const PARTIQL: &[&str] = &[
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
];
use When::{Always, Any};

/// The table. Sources: the S3 API reference's "Permissions" sections (the `Version` variants
/// are needed when a request names a version), the DynamoDB PartiQL IAM page (one permission
/// per statement verb), `TransactWriteItems` (the permission of each item's kind), and the
/// Timestream query language's statements. `CopyObject` needs `s3:ListBucket` only to tell a
/// missing source from a refused one, so it is not listed.
pub const RULES: &[Rule] = &[
    r(
        S3,
        &["HeadObject", "GetObject", "CopyObject"],
        "s3:GetObject",
        Always,
    ),
    r(
        S3,
        &["HeadObject", "GetObject", "CopyObject"],
        "s3:GetObjectVersion",
        Any(VERSION),
    ),
    r(S3, &["GetObjectAcl"], "s3:GetObjectAcl", Always),
    r(
        S3,
        &["GetObjectAcl"],
        "s3:GetObjectVersionAcl",
        Any(VERSION),
    ),
    r(S3, &["GetObjectTagging"], "s3:GetObjectTagging", Always),
    r(
        S3,
        &["GetObjectTagging"],
        "s3:GetObjectVersionTagging",
        Any(VERSION),
    ),
    r(S3, &["PutObjectAcl"], "s3:PutObjectAcl", Always),
    r(
        S3,
        &["PutObjectAcl"],
        "s3:PutObjectVersionAcl",
        Any(VERSION),
    ),
    r(S3, &["PutObjectTagging"], "s3:PutObjectTagging", Always),
    r(
        S3,
        &["PutObjectTagging"],
        "s3:PutObjectVersionTagging",
        Any(VERSION),
    ),
    r(
        S3,
        &["DeleteObject", "DeleteObjects"],
        "s3:DeleteObject",
        Always,
    ),
    r(
        S3,
        &["DeleteObject", "DeleteObjects"],
        "s3:DeleteObjectVersion",
        Any(VERSION),
    ),
    r(
        S3,
        &["DeleteObjectTagging"],
        "s3:DeleteObjectTagging",
        Always,
    ),
    r(
        S3,
        &["DeleteObjectTagging"],
        "s3:DeleteObjectVersionTagging",
        Any(VERSION),
    ),
    r(S3, &["CopyObject"], "s3:PutObject", Always),
    r(S3, &["CopyObject"], "s3:GetObjectTagging", Any(TAGS_COPY)),
    r(
        S3,
        &["CopyObject"],
        "s3:PutObjectTagging",
        Any(TAGS_COPY | TAGS_SET),
    ),
    r(S3, &["CopyObject"], "s3:PutObjectAcl", Any(ACL)),
    r(DDB, PARTIQL, "dynamodb:PartiQLSelect", Any(SELECT)),
    r(DDB, PARTIQL, "dynamodb:PartiQLInsert", Any(INSERT)),
    r(DDB, PARTIQL, "dynamodb:PartiQLUpdate", Any(UPDATE)),
    r(DDB, PARTIQL, "dynamodb:PartiQLDelete", Any(DELETE)),
    r(
        DDB,
        &["TransactWriteItems"],
        "dynamodb:PutItem",
        Any(ITEM_PUT),
    ),
    r(
        DDB,
        &["TransactWriteItems"],
        "dynamodb:UpdateItem",
        Any(ITEM_UPDATE),
    ),
    r(
        DDB,
        &["TransactWriteItems"],
        "dynamodb:DeleteItem",
        Any(ITEM_DELETE),
    ),
    r(
        DDB,
        &["TransactWriteItems"],
        "dynamodb:ConditionCheckItem",
        Any(ITEM_CHECK),
    ),
    r(TS, &["Query"], "timestream:Select", Any(TS_SELECT)),
    r(TS, &["Query"], "timestream:SelectValues", Any(TS_VALUES)),
    r(
        TS,
        &["Query"],
        "timestream:ListDatabases",
        Any(TS_DATABASES),
    ),
    r(TS, &["Query"], "timestream:ListTables", Any(TS_TABLES)),
    r(TS, &["Query"], "timestream:ListMeasures", Any(TS_MEASURES)),
    r(TS, &["Query"], "timestream:DescribeTable", Any(TS_DESCRIBE)),
];

fn rules_for<'a>(source: &'a str, name: &'a str) -> impl Iterator<Item = &'static Rule> + 'a {
    RULES
        .iter()
        .filter(move |r| r.source == source && r.names.contains(&name))
}

/// The `(eventSource, eventName)` pairs the table has rows for, sorted: one binary search per
/// event on the decoder's hot path, not a scan of the table.
fn events() -> &'static [(&'static str, &'static str)] {
    static EVENTS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
        std::sync::OnceLock::new();
    EVENTS.get_or_init(|| {
        let mut v: Vec<_> = RULES
            .iter()
            .flat_map(|r| r.names.iter().map(|n| (r.source, *n)))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// Whether the table has rows for an event.
pub fn is_conditional(source: &str, name: &str) -> bool {
    events().binary_search(&(source, name)).is_ok()
}

fn member<'t, 'i>(v: Json<'t, 'i>, key: &str) -> Option<Json<'t, 'i>> {
    v.get(key).or_else(|| {
        v.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn text<'i>(v: Option<Json<'_, 'i>>, key: &str) -> Option<&'i str> {
    member(v?, key)?.into_string().filter(|s| !s.is_empty())
}

/// Whether some member named `key` (any case) holds a non-empty value, `depth` levels down.
fn has_deep(v: Json<'_, '_>, key: &str, depth: u8) -> bool {
    if depth == 0 {
        return false;
    }
    if let Some(a) = v.as_array() {
        return a.iter().any(|x| has_deep(x, key, depth - 1));
    }
    let Some(o) = v.as_object() else {
        return false;
    };
    o.iter().any(|(k, x)| {
        (k.eq_ignore_ascii_case(key) && !x.is_null() && x.as_str() != Some(""))
            || has_deep(x, key, depth - 1)
    })
}

/// The first word of a statement (after `(`), without allocating.
fn first_word(s: &str) -> &str {
    let s = s.trim_start().trim_start_matches('(').trim_start();
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    &s[..end]
}

fn partiql(statement: &str) -> Facts {
    let verb = first_word(statement);
    let is = |w: &str| verb.eq_ignore_ascii_case(w);
    if is("SELECT") || is("EXISTS") {
        SELECT
    } else if is("INSERT") {
        INSERT
    } else if is("UPDATE") {
        UPDATE
    } else if is("DELETE") {
        DELETE
    } else {
        UNKNOWN
    }
}

fn timestream(query: &str) -> Facts {
    let mut words = query
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let is = |w: Option<&str>, k: &str| w.is_some_and(|w| w.eq_ignore_ascii_case(k));
    let first = words.next();
    if is(first, "SHOW") {
        let second = words.next();
        return if is(second, "DATABASES") {
            TS_DATABASES
        } else if is(second, "TABLES") {
            TS_TABLES
        } else if is(second, "MEASURES") {
            TS_MEASURES
        } else {
            UNKNOWN
        };
    }
    if is(first, "DESCRIBE") {
        return TS_DESCRIBE;
    }
    if is(first, "SELECT") || is(first, "WITH") || is(first, "UNLOAD") {
        return if words.any(|w| w.eq_ignore_ascii_case("FROM")) {
            TS_SELECT
        } else {
            TS_VALUES
        };
    }
    UNKNOWN
}

fn flag(on: bool, bit: Facts) -> Facts {
    if on { bit } else { 0 }
}

/// Reads what decides the actions of a conditional event (0 for every other event).
pub fn facts(e: &Event<'_, '_>) -> Facts {
    let (Some(source), Some(name)) = (e.event_source, e.event_name) else {
        return 0;
    };
    if !matches!(source, S3 | DDB | TS) || !is_conditional(source, name) {
        return 0;
    }
    let p = e.request_parameters.filter(|p| p.as_object().is_some());
    let mut f = READ;
    match (source, name) {
        (S3, "DeleteObjects") => f |= flag(p.is_some_and(|p| has_deep(p, "versionId", 6)), VERSION),
        (S3, "CopyObject") => {
            if text(p, "versionId").is_some()
                || text(p, "x-amz-copy-source").is_some_and(|s| s.contains("versionId="))
            {
                f |= VERSION;
            }
            let directive = text(p, "x-amz-tagging-directive");
            if directive.is_none_or(|d| d.eq_ignore_ascii_case("COPY")) {
                f |= TAGS_COPY;
            }
            if text(p, "x-amz-tagging").is_some() {
                f |= TAGS_SET;
            }
            let acl = p.and_then(|p| p.as_object()).is_some_and(|o| {
                o.iter().any(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == "x-amz-acl" || k.starts_with("x-amz-grant-")
                })
            });
            if acl {
                f |= ACL;
            }
        }
        (S3, _) => f |= flag(text(p, "versionId").is_some(), VERSION),
        (DDB, "ExecuteStatement") => {
            f |= text(p, "statement").map_or(UNKNOWN, partiql);
        }
        (DDB, "BatchExecuteStatement" | "ExecuteTransaction") => {
            let list = if name == "ExecuteTransaction" {
                "transactStatements"
            } else {
                "statements"
            };
            match p.and_then(|p| member(p, list)).and_then(|l| l.as_array()) {
                Some(items) if !items.is_empty() => {
                    for it in items.iter() {
                        f |= text(Some(it), "statement").map_or(UNKNOWN, partiql);
                    }
                }
                _ => f |= UNKNOWN,
            }
        }
        (DDB, "TransactWriteItems") => {
            match p
                .and_then(|p| member(p, "transactItems"))
                .and_then(|l| l.as_array())
            {
                Some(items) if !items.is_empty() => {
                    for it in items.iter() {
                        let kind = [
                            ("put", ITEM_PUT),
                            ("update", ITEM_UPDATE),
                            ("delete", ITEM_DELETE),
                            ("conditionCheck", ITEM_CHECK),
                        ]
                        .into_iter()
                        .find(|(k, _)| member(it, k).is_some_and(|v| !v.is_null()));
                        f |= kind.map_or(UNKNOWN, |(_, b)| b);
                    }
                }
                _ => f |= UNKNOWN,
            }
        }
        (TS, _) => f |= text(p, "queryString").map_or(UNKNOWN, timestream),
        _ => {}
    }
    f
}

/// The actions of a conditional event with these facts (`None` when the table has no rows for
/// the event, or its facts were never read: then the mapping table's actions stand).
pub fn resolve(source: &str, name: &str, facts: Facts) -> Option<Vec<ActionId>> {
    if facts & READ == 0 {
        return None;
    }
    let c = catalog();
    let mut out = Vec::new();
    for r in rules_for(source, name) {
        let applies = facts & UNKNOWN != 0
            || match r.when {
                Always => true,
                Any(bits) => facts & bits != 0,
            };
        if applies && let Some(id) = c.lookup(r.action) {
            out.push(id);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
