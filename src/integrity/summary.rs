//! What `verify` prints and writes: counts per account and region (`integrity.json` and the
//! terminal), and one row per digest and log file (`integrity.parquet`).

use super::check::{DigestStatus, LogStatus, Report, SignatureCheck, Stream};
use arrow_array::{
    ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// Counts of one account and region.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct StreamCounts {
    /// Organization (`o-...`), for organization trails.
    pub org: Option<String>,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// The trails whose digests were read.
    pub trails: Vec<String>,
    /// Digests that passed every check that ran.
    pub digests_valid: u64,
    /// ... of which the signature was verified.
    pub digests_signature_verified: u64,
    /// Digests that failed a check.
    pub digests_invalid: u64,
    /// Digests named by the next one and not found.
    pub digests_missing: u64,
    /// Chain restarts (validation off and on).
    pub chain_restarts: u64,
    /// Log files whose hash matched.
    pub logs_valid: u64,
    /// Log files whose hash differs.
    pub logs_modified: u64,
    /// Log files named and absent.
    pub logs_deleted: u64,
    /// Log files named and unreadable.
    pub logs_unreadable: u64,
    /// Log files in covered hours that no digest names.
    pub logs_not_in_digest: u64,
    /// Log files outside every covered stretch.
    pub logs_undigested: u64,
}

impl StreamCounts {
    /// Whether anything is wrong.
    pub fn damaged(&self) -> bool {
        self.digests_invalid
            + self.digests_missing
            + self.chain_restarts
            + self.logs_modified
            + self.logs_deleted
            + self.logs_not_in_digest
            > 0
    }
}

/// The whole verification, as `integrity.json` holds it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The sources checked.
    pub sources: Vec<String>,
    /// What ran: `log-hashes`, `hash-chain`, `signatures` (with where the keys came from).
    pub checks: Vec<String>,
    /// Where the public keys came from.
    pub public_keys: Option<String>,
    /// Per account and region.
    pub streams: Vec<StreamCounts>,
    /// Totals.
    pub totals: StreamCounts,
    /// Bytes of log files hashed (decompressed).
    pub hashed_bytes: u64,
    /// Seconds the run took.
    pub elapsed_seconds: f64,
    /// Inputs that could not be read (`location: reason`).
    pub failed: Vec<String>,
    /// The integrity findings by rule.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// The process exit code.
    pub exit_code: i32,
}

fn key(s: &Stream) -> (String, Option<String>, String, String) {
    (
        s.above.clone(),
        s.org.clone(),
        s.account.clone(),
        s.region.clone(),
    )
}

/// Counts a report per stream.
pub fn summarize(r: &Report) -> (Vec<StreamCounts>, StreamCounts) {
    let mut m: BTreeMap<(String, Option<String>, String, String), StreamCounts> = BTreeMap::new();
    fn get<'a>(
        m: &'a mut BTreeMap<(String, Option<String>, String, String), StreamCounts>,
        s: &Stream,
    ) -> &'a mut StreamCounts {
        m.entry(key(s)).or_insert_with(|| StreamCounts {
            org: s.org.clone(),
            account: s.account.clone(),
            region: s.region.clone(),
            ..Default::default()
        })
    }
    for d in &r.digests {
        let Some(name) = &d.name else { continue };
        let c = get(&mut m, &Stream::from(&name.chain()));
        if !c.trails.contains(&name.trail) {
            c.trails.push(name.trail.clone());
        }
        match &d.status {
            DigestStatus::Valid => {
                c.digests_valid += 1;
                if matches!(d.signature, SignatureCheck::Verified(_)) {
                    c.digests_signature_verified += 1;
                }
            }
            DigestStatus::Invalid(_) => c.digests_invalid += 1,
            DigestStatus::Missing => c.digests_missing += 1,
        }
    }
    for b in &r.breaks {
        if matches!(b.what, super::check::Break::Restart { .. }) {
            get(&mut m, &Stream::from(&b.chain)).chain_restarts += 1;
        }
    }
    for l in &r.logs {
        let c = get(&mut m, &l.stream);
        match l.status {
            LogStatus::Valid => c.logs_valid += 1,
            LogStatus::Modified => c.logs_modified += 1,
            LogStatus::Deleted => c.logs_deleted += 1,
            LogStatus::Unreadable => c.logs_unreadable += 1,
            LogStatus::NotInDigest => c.logs_not_in_digest += 1,
            LogStatus::Undigested => c.logs_undigested += 1,
        }
    }
    let streams: Vec<StreamCounts> = m.into_values().collect();
    let mut t = StreamCounts {
        account: "all".into(),
        region: "all".into(),
        ..Default::default()
    };
    for c in &streams {
        t.digests_valid += c.digests_valid;
        t.digests_signature_verified += c.digests_signature_verified;
        t.digests_invalid += c.digests_invalid;
        t.digests_missing += c.digests_missing;
        t.chain_restarts += c.chain_restarts;
        t.logs_valid += c.logs_valid;
        t.logs_modified += c.logs_modified;
        t.logs_deleted += c.logs_deleted;
        t.logs_unreadable += c.logs_unreadable;
        t.logs_not_in_digest += c.logs_not_in_digest;
        t.logs_undigested += c.logs_undigested;
    }
    (streams, t)
}

/// The terminal report: problems first, then a line per account and region, then what ran.
pub fn human(s: &Summary, findings: &[crate::output::findings::Finding]) -> String {
    let mut out = String::new();
    let esc = crate::text::escape;
    if findings.is_empty() {
        let _ = writeln!(out, "integrity: no problem found");
    } else {
        let _ = writeln!(out, "integrity problems ({}):", findings.len());
        for f in findings {
            let _ = writeln!(
                out,
                "  {:<8} {:<24} {} ({} file{})",
                f.severity.as_str().to_uppercase(),
                f.rule,
                esc(&f.title),
                f.count,
                if f.count == 1 { "" } else { "s" }
            );
            for (k, vs) in &f.evidence {
                let shown: Vec<String> = vs
                    .iter()
                    .take(3)
                    .map(|v| esc(&v.to_string()).into_owned())
                    .collect();
                let more = if vs.len() > 3 {
                    format!(" (+{} more)", vs.len() - 3)
                } else {
                    String::new()
                };
                let _ = writeln!(out, "           {k}: {}{more}", shown.join(", "));
            }
        }
    }
    let _ = writeln!(out, "\nper account and region:");
    let _ = writeln!(
        out,
        "  {:<12} {:<15} {:>7} {:>7} {:>7} {:>7} | {:>8} {:>8} {:>7} {:>7} {:>10}",
        "ACCOUNT",
        "REGION",
        "DIGESTS",
        "SIGNED",
        "INVALID",
        "MISSING",
        "LOGS OK",
        "MODIFIED",
        "DELETED",
        "UNNAMED",
        "UNDIGESTED"
    );
    for c in s.streams.iter().chain([&s.totals]) {
        let _ = writeln!(
            out,
            "  {:<12} {:<15} {:>7} {:>7} {:>7} {:>7} | {:>8} {:>8} {:>7} {:>7} {:>10}",
            esc(&c.account),
            esc(&c.region),
            c.digests_valid,
            c.digests_signature_verified,
            c.digests_invalid,
            c.digests_missing,
            c.logs_valid,
            c.logs_modified,
            c.logs_deleted,
            c.logs_not_in_digest,
            c.logs_undigested
        );
    }
    let _ = writeln!(out, "\nchecks run: {}", s.checks.join(", "));
    if !s.checks.iter().any(|c| c.starts_with("signatures")) {
        let _ = writeln!(
            out,
            "signatures NOT checked: give --public-keys FILE (aws cloudtrail list-public-keys) or let verify call ListPublicKeys"
        );
    }
    if s.totals.digests_valid > s.totals.digests_signature_verified && s.public_keys.is_some() {
        let _ = writeln!(
            out,
            "{} valid digest(s) without a signature to check: the newest of a local chain (its signature is S3 metadata; keep it with `verify s3://... --download DIR`)",
            s.totals.digests_valid - s.totals.digests_signature_verified
        );
    }
    for f in &s.failed {
        let _ = writeln!(out, "could not read: {}", esc(f));
    }
    let _ = writeln!(
        out,
        "hashed {:.1} MB of logs in {:.2}s",
        s.hashed_bytes as f64 / 1e6,
        s.elapsed_seconds
    );
    out
}

/// The Arrow schema of `integrity.parquet`.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        s("kind", false),
        s("location", false),
        s("org", true),
        s("account", false),
        s("region", false),
        s("trail", true),
        s("status", false),
        s("detail", true),
        Field::new("time", ts, true),
        s("sha256", true),
        s("expected_sha256", true),
        s("digest", true),
        s("signature", true),
        s("signature_source", true),
        Field::new("hash_chained", DataType::Boolean, true),
        Field::new("log_files", DataType::Int64, true),
    ]))
}

#[derive(Default)]
struct Row {
    kind: &'static str,
    location: String,
    org: Option<String>,
    account: String,
    region: String,
    trail: Option<String>,
    status: &'static str,
    detail: Option<String>,
    time: Option<i64>,
    sha256: Option<String>,
    expected: Option<String>,
    digest: Option<String>,
    signature: Option<&'static str>,
    signature_source: Option<&'static str>,
    hash_chained: Option<bool>,
    log_files: Option<i64>,
}

/// Writes `integrity.parquet`: a row per digest (read or missing) and per log file judged.
pub fn write_parquet(path: &Path, r: &Report) -> anyhow::Result<()> {
    let mut rows: Vec<Row> = Vec::with_capacity(r.digests.len() + r.logs.len());
    for d in &r.digests {
        let (status, detail) = match &d.status {
            DigestStatus::Valid => ("valid", None),
            DigestStatus::Invalid(w) => ("invalid", Some(w.clone())),
            DigestStatus::Missing => ("missing", None),
        };
        rows.push(Row {
            kind: "digest",
            location: d.location.clone(),
            org: d.name.as_ref().and_then(|n| n.org.clone()),
            account: d
                .name
                .as_ref()
                .map(|n| n.account.clone())
                .unwrap_or_default(),
            region: d
                .name
                .as_ref()
                .map(|n| n.region.clone())
                .unwrap_or_default(),
            trail: d.name.as_ref().map(|n| n.trail.clone()),
            status,
            detail,
            time: d.end,
            sha256: d.sha256.clone(),
            signature: Some(d.signature.as_str()),
            signature_source: d.signature.origin().map(|o| o.as_str()),
            hash_chained: Some(d.hash_chained),
            log_files: Some(d.log_files as i64),
            ..Default::default()
        });
    }
    for l in &r.logs {
        rows.push(Row {
            kind: "log",
            location: l.location.clone(),
            org: l.stream.org.clone(),
            account: l.stream.account.clone(),
            region: l.stream.region.clone(),
            status: l.status.as_str(),
            detail: l.detail.clone(),
            time: l.delivered,
            sha256: l.actual.clone(),
            expected: l.expected.clone(),
            digest: l.digest.clone(),
            ..Default::default()
        });
    }
    crate::output::write_parquet(path, schema(), rows.chunks(64 * 1024).map(batch))
}

fn batch(rows: &[Row]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let s = |f: fn(&Row) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let cols: Vec<ArrayRef> = vec![
        s(|r| Some(r.kind)),
        s(|r| Some(&r.location)),
        s(|r| r.org.as_deref()),
        s(|r| Some(&r.account)),
        s(|r| Some(&r.region)),
        s(|r| r.trail.as_deref()),
        s(|r| Some(r.status)),
        s(|r| r.detail.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| r.time)
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        s(|r| r.sha256.as_deref()),
        s(|r| r.expected.as_deref()),
        s(|r| r.digest.as_deref()),
        s(|r| r.signature),
        s(|r| r.signature_source),
        Arc::new(
            rows.iter()
                .map(|r| r.hash_chained)
                .collect::<BooleanArray>(),
        ),
        Arc::new(rows.iter().map(|r| r.log_files).collect::<Int64Array>()),
    ];
    RecordBatch::try_new(schema(), cols)
}
