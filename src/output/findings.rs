//! `findings.jsonl`, `findings.parquet` and the findings table on stdout.

use crate::detect::{Partial, Severity};
use crate::finding::Value;
use crate::time::format_ms;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A finding as written to `findings.jsonl` (and, field for field, `findings.parquet`,
/// `findings.csv`, the OCSF and ASFF exports).
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Stable ID: the same finding has the same ID in every run ([`crate::finding::stable_id`]).
    pub id: String,
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Title.
    pub title: String,
    /// Anti-pattern number(s).
    pub anti_pattern: String,
    /// Account.
    pub account: String,
    /// Principal ARN.
    pub principal: String,
    /// Principal type.
    pub principal_type: String,
    /// Access key, where relevant.
    pub access_key_id: Option<String>,
    /// What tells it apart from the rule's other findings of the same principal (a trail, a
    /// key, a bucket, an external account, a source IP), when the principal alone does not.
    pub target: Option<String>,
    /// First matching event time.
    pub first_seen: Option<String>,
    /// Last matching event time.
    pub last_seen: Option<String>,
    /// Matching events, or what `count_unit` says.
    pub count: u64,
    /// What `count` counts: `events`, or `hours`, `regions`, `log files`, `digest files`,
    /// `chain breaks`, `actions used`.
    pub count_unit: String,
    /// Event IDs (the earliest 100 when there are more; `count` says how many).
    pub event_ids: Vec<String>,
    /// Whether `event_ids` was cut to 100 (never for a finding with no event IDs).
    pub event_ids_truncated: bool,
    /// Source IPs.
    pub source_ips: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// Rule-specific evidence: field -> values, typed (JSON booleans, numbers, strings).
    pub evidence: BTreeMap<String, Vec<Value>>,
    /// What to do.
    pub remediation: String,
}

impl From<Partial> for Finding {
    fn from(p: Partial) -> Self {
        let id = p.id();
        let ids: Vec<String> = p
            .event_ids
            .into_iter()
            .map(|(_, id)| id.to_string())
            .collect();
        // Only an event count can exceed the IDs kept; other counts (hours, actions) are not
        // of events.
        let truncated = !ids.is_empty() && p.unit == "events" && (ids.len() as u64) < p.count;
        Finding {
            id,
            rule: p.rule.to_string(),
            severity: p.severity,
            title: p.title,
            anti_pattern: p.anti_pattern.to_string(),
            account: p.account,
            principal: p.principal,
            principal_type: p.principal_type,
            access_key_id: p.access_key_id,
            target: p.target,
            first_seen: p.first.map(format_ms),
            last_seen: p.last.map(format_ms),
            count: p.count,
            count_unit: p.unit.to_string(),
            event_ids_truncated: truncated,
            event_ids: ids,
            source_ips: p.source_ips.into_iter().collect(),
            regions: p.regions.into_iter().collect(),
            evidence: p
                .evidence
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_iter().collect()))
                .collect(),
            remediation: p.remediation,
        }
    }
}

/// Gives every finding a distinct ID: a finding whose rule, account, principal and target
/// equal another's (a rule whose target does not tell two of its findings apart) gets
/// `-2`, `-3`... in the order of the list, which is sorted deterministically.
pub fn dedupe_ids(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let n = seen.entry(f.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.id = format!("{}-{n}", f.id);
        }
    }
}

/// Writes `findings.jsonl` (one finding per line).
pub fn write_jsonl(path: &Path, findings: &[Finding]) -> std::io::Result<()> {
    let mut buf = Vec::new();
    for f in findings {
        serde_json::to_writer(&mut buf, f)?;
        buf.push(b'\n');
    }
    super::write_atomic(path, &buf)
}

/// The Arrow schema of `findings.parquet`.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("anti_pattern", DataType::Utf8, false),
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("access_key_id", DataType::Utf8, true),
        Field::new("target", DataType::Utf8, true),
        Field::new("first_seen", ts.clone(), true),
        Field::new("last_seen", ts, true),
        Field::new("count", DataType::Int64, false),
        Field::new("count_unit", DataType::Utf8, false),
        Field::new("event_ids", list.clone(), false),
        Field::new("event_ids_truncated", DataType::Boolean, false),
        Field::new("source_ips", list.clone(), false),
        Field::new("regions", list, false),
        Field::new("evidence", DataType::Utf8, false),
        Field::new("remediation", DataType::Utf8, false),
    ]))
}

fn list_col(findings: &[Finding], f: fn(&Finding) -> &Vec<String>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for x in findings {
        for v in f(x) {
            b.values().append_value(v);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// Writes `findings.parquet`: every field of `findings.jsonl`; `evidence` is the same JSON
/// object, as a string (typed values).
pub fn write_parquet(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let ms = |s: &Option<String>| s.as_deref().and_then(crate::time::parse_event_time);
    let s = |f: fn(&Finding) -> &str| -> ArrayRef {
        Arc::new(findings.iter().map(|x| Some(f(x))).collect::<StringArray>())
    };
    let opt = |f: fn(&Finding) -> Option<&str>| -> ArrayRef {
        Arc::new(findings.iter().map(f).collect::<StringArray>())
    };
    let cols: Vec<ArrayRef> = vec![
        s(|f| &f.id),
        s(|f| &f.rule),
        s(|f| f.severity.as_str()),
        s(|f| &f.title),
        s(|f| &f.anti_pattern),
        s(|f| &f.account),
        s(|f| &f.principal),
        s(|f| &f.principal_type),
        opt(|f| f.access_key_id.as_deref()),
        opt(|f| f.target.as_deref()),
        Arc::new(
            findings
                .iter()
                .map(|f| ms(&f.first_seen))
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        Arc::new(
            findings
                .iter()
                .map(|f| ms(&f.last_seen))
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        Arc::new(
            findings
                .iter()
                .map(|f| f.count as i64)
                .collect::<Int64Array>(),
        ),
        s(|f| &f.count_unit),
        list_col(findings, |f| &f.event_ids),
        Arc::new(
            findings
                .iter()
                .map(|f| Some(f.event_ids_truncated))
                .collect::<BooleanArray>(),
        ),
        list_col(findings, |f| &f.source_ips),
        list_col(findings, |f| &f.regions),
        Arc::new(
            findings
                .iter()
                .map(|f| Some(serde_json::to_string(&f.evidence).unwrap_or_default()))
                .collect::<StringArray>(),
        ),
        s(|f| &f.remediation),
    ];
    super::write_parquet(path, schema(), [RecordBatch::try_new(schema(), cols)])
}

/// The columns of `findings.csv`.
pub const CSV_COLUMNS: [&str; 20] = [
    "id",
    "severity",
    "rule",
    "title",
    "account",
    "principal",
    "principal_type",
    "target",
    "access_key_id",
    "count",
    "count_unit",
    "first_seen",
    "last_seen",
    "source_ips",
    "regions",
    "event_ids",
    "event_ids_truncated",
    "evidence",
    "remediation",
    "anti_pattern",
];

/// Writes `findings.csv`: one row per finding, lists space-separated, `evidence` as JSON, every
/// cell neutralized against formula injection ([`crate::text::csv_cell`]).
pub fn write_csv(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS)?;
    for f in findings {
        let row: [String; 20] = [
            f.id.clone(),
            f.severity.as_str().to_string(),
            f.rule.clone(),
            f.title.clone(),
            f.account.clone(),
            f.principal.clone(),
            f.principal_type.clone(),
            f.target.clone().unwrap_or_default(),
            f.access_key_id.clone().unwrap_or_default(),
            f.count.to_string(),
            f.count_unit.clone(),
            f.first_seen.clone().unwrap_or_default(),
            f.last_seen.clone().unwrap_or_default(),
            f.source_ips.join(" "),
            f.regions.join(" "),
            f.event_ids.join(" "),
            f.event_ids_truncated.to_string(),
            serde_json::to_string(&f.evidence)?,
            f.remediation.clone(),
            f.anti_pattern.clone(),
        ];
        w.write_record(row.iter().map(|c| crate::text::csv_cell(c).into_owned()))?;
    }
    let buf = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    super::write_atomic(path, &buf)?;
    Ok(())
}
