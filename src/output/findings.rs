//! `findings.jsonl`, `findings.parquet` and the findings table on stdout.

use crate::detect::{Partial, Severity};
use crate::time::format_ms;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A finding as written to `findings.jsonl`.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
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
    /// First matching event time.
    pub first_seen: Option<String>,
    /// Last matching event time.
    pub last_seen: Option<String>,
    /// Matching events.
    pub count: u64,
    /// Event IDs (the earliest 100 when there are more; `count` says how many).
    pub event_ids: Vec<String>,
    /// Whether `event_ids` was cut to 100.
    pub event_ids_truncated: bool,
    /// Source IPs.
    pub source_ips: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// Rule-specific evidence.
    pub evidence: BTreeMap<String, Vec<String>>,
    /// What to do.
    pub remediation: String,
}

impl From<Partial> for Finding {
    fn from(p: Partial) -> Self {
        let ids: Vec<String> = p
            .event_ids
            .into_iter()
            .map(|(_, id)| id.to_string())
            .collect();
        Finding {
            rule: p.rule.to_string(),
            severity: p.severity,
            title: p.title,
            anti_pattern: p.anti_pattern.to_string(),
            account: p.account,
            principal: p.principal,
            principal_type: p.principal_type,
            access_key_id: p.access_key_id,
            first_seen: p.first.map(format_ms),
            last_seen: p.last.map(format_ms),
            count: p.count,
            event_ids_truncated: (ids.len() as u64) < p.count,
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
        Field::new("rule", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("anti_pattern", DataType::Utf8, false),
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("access_key_id", DataType::Utf8, true),
        Field::new("first_seen", ts.clone(), true),
        Field::new("last_seen", ts, true),
        Field::new("count", DataType::Int64, false),
        Field::new("event_ids", list.clone(), false),
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

/// Writes `findings.parquet`; `evidence` is a JSON object string.
pub fn write_parquet(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let ms = |s: &Option<String>| s.as_deref().and_then(crate::time::parse_event_time);
    let s = |f: fn(&Finding) -> &str| -> ArrayRef {
        Arc::new(findings.iter().map(|x| Some(f(x))).collect::<StringArray>())
    };
    let cols: Vec<ArrayRef> = vec![
        s(|f| &f.rule),
        s(|f| f.severity.as_str()),
        s(|f| &f.title),
        s(|f| &f.anti_pattern),
        s(|f| &f.account),
        s(|f| &f.principal),
        s(|f| &f.principal_type),
        Arc::new(
            findings
                .iter()
                .map(|f| f.access_key_id.as_deref())
                .collect::<StringArray>(),
        ),
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
        list_col(findings, |f| &f.event_ids),
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

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The stdout table: findings by severity, then one line per rule.
pub fn table(
    findings: &[Finding],
    rules_run: &[&'static str],
    not_run: &[crate::detect::posture::NotRun],
) -> String {
    let mut s = String::new();
    if findings.is_empty() {
        s.push_str("findings: none\n");
    } else {
        s.push_str(&format!("findings: {}\n", findings.len()));
        s.push_str(&format!(
            "  {:<9} {:<27} {:<44} {:>7}  {}\n",
            "SEVERITY", "RULE", "PRINCIPAL", "EVENTS", "LAST SEEN"
        ));
        for f in findings.iter().take(50) {
            s.push_str(&format!(
                "  {:<9} {:<27} {:<44} {:>7}  {}\n",
                f.severity.as_str(),
                f.rule,
                cut(&crate::text::escape(&f.principal), 44),
                f.count,
                f.last_seen.as_deref().unwrap_or("-")
            ));
        }
        if findings.len() > 50 {
            s.push_str(&format!(
                "  ... {} more in findings.jsonl\n",
                findings.len() - 50
            ));
        }
    }
    let mut per_rule: BTreeMap<&str, (usize, u64, Severity)> = BTreeMap::new();
    for f in findings {
        let e = per_rule.entry(&f.rule).or_insert((0, 0, f.severity));
        e.0 += 1;
        e.1 += f.count;
        e.2 = e.2.max(f.severity);
    }
    s.push_str("rules:\n");
    for r in rules_run {
        if let Some(n) = not_run.iter().find(|n| n.rule == *r) {
            s.push_str(&format!("  {r:<27} not run: {}\n", n.reason));
            continue;
        }
        match per_rule.get(r) {
            Some((n, ev, sev)) => s.push_str(&format!(
                "  {r:<27} {n} finding(s), {ev} event(s), worst {}\n",
                sev.as_str()
            )),
            None => s.push_str(&format!("  {r:<27} no findings\n")),
        }
    }
    s
}
