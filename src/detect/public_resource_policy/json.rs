//! Reading request and response parameters: the tape value converted to `serde_json`, and
//! lenient accessors (members matched case-insensitively, one-or-many elements, booleans
//! written as strings).

use crate::event::Json;
use serde_json::Value;
use simd_json::prelude::*;

/// Converts a tape value (from `requestParameters` and friends) to a `serde_json` value. These
/// events are rare, so the copy costs nothing worth measuring.
pub fn to_json(v: Json<'_, '_>) -> Value {
    if v.is_null() {
        Value::Null
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(i) = v.as_i64() {
        Value::from(i)
    } else if let Some(u) = v.as_u64() {
        Value::from(u)
    } else if let Some(f) = v.as_f64() {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Some(s) = v.as_str() {
        Value::String(s.to_string())
    } else if let Some(a) = v.as_array() {
        Value::Array(a.iter().map(to_json).collect())
    } else if let Some(o) = v.as_object() {
        Value::Object(o.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
    } else {
        Value::Null
    }
}

/// The member `key` of an object, matched exactly, else ASCII-case-insensitively (S3 writes
/// `AccessControlPolicy`, some clients `accessControlPolicy`).
pub(super) fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A non-empty string member.
pub(super) fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    get(v, key)?.as_str().filter(|s| !s.is_empty())
}

/// A string, or each string of an array (headers are written either way).
pub(super) fn texts(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// An object, or each object of an array (XML-derived elements hold one or many).
pub(super) fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// A boolean that may be written as a string.
pub(super) fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}
