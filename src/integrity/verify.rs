//! `trailguard verify`: read, check, report, write.

use super::check::{Range, check};
use super::keys::PublicKeys;
use super::summary::{Summary, summarize};
use crate::finding::Severity;
use crate::output::findings::Finding;
use crate::source::fetch::FetchOptions;
use crate::source::{Selection, SourceSpec};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

/// Where the public keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A file of `aws cloudtrail list-public-keys` output.
    File(PathBuf),
    /// ListPublicKeys, through this connection.
    Api(crate::source::s3::S3Options),
    /// No signature checks (`--no-signatures`).
    None,
}

/// What `verify` needs.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    /// The sources.
    pub sources: Vec<SourceSpec>,
    /// The window and account and region filters.
    pub selection: Selection,
    /// How to read.
    pub fetch: FetchOptions,
    /// Hashing threads.
    pub threads: usize,
    /// Public keys.
    pub keys: KeySource,
    /// Output folder (integrity.parquet, integrity.json, findings.jsonl, findings.parquet).
    pub out_dir: Option<PathBuf>,
    /// Keep a copy of every object read here, digests with their metadata as sidecars.
    pub download: Option<PathBuf>,
    /// Exit 4 when a finding at or above this severity exists.
    pub fail_on: Severity,
}

/// The outcome: the summary and the findings.
pub struct Outcome {
    /// Counts, what ran, the exit code.
    pub summary: Summary,
    /// The findings.
    pub findings: Vec<Finding>,
}

/// Runs `verify`.
pub fn verify(cfg: &VerifyConfig) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let keys_file = match &cfg.keys {
        KeySource::File(p) => Some(PublicKeys::load(p).context("--public-keys")?),
        _ => None,
    };
    if let Some(out) = &cfg.out_dir {
        std::fs::create_dir_all(out)
            .with_context(|| format!("creating output folder {}", out.display()))?;
    }
    if let Some(d) = &cfg.download {
        std::fs::create_dir_all(d)
            .with_context(|| format!("creating --download folder {}", d.display()))?;
    }
    let mut fetch = cfg.fetch.clone();
    fetch.exclude.extend(cfg.out_dir.iter().cloned());
    fetch.exclude.extend(cfg.download.iter().cloned());
    let read = super::read::read(
        cfg.sources.clone(),
        cfg.selection.clone(),
        fetch,
        cfg.threads,
        cfg.download.as_deref(),
    );
    let mut failed = read.failed;
    let range = Range {
        since: cfg.selection.since,
        until: cfg.selection.until,
    };
    let keys = match &cfg.keys {
        KeySource::File(_) => keys_file,
        KeySource::None => None,
        KeySource::Api(opts) => {
            let mut homes: Vec<String> = read
                .digests
                .iter()
                .filter_map(|d| super::digest::parse_name(&d.location))
                .map(|n| n.home_region)
                .collect();
            homes.sort();
            homes.dedup();
            let ends = read
                .digests
                .iter()
                .filter_map(|d| super::digest::parse_name(&d.location).map(|n| n.end));
            let (lo, hi) = ends.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), e| {
                (
                    Some(lo.map_or(e, |l| l.min(e))),
                    Some(hi.map_or(e, |h| h.max(e))),
                )
            });
            if homes.is_empty() {
                None
            } else {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("starting the async runtime")?;
                let day = crate::time::DAY_MS;
                match rt.block_on(super::keys::list_public_keys(
                    opts,
                    &homes,
                    lo.map(|l| l - day),
                    hi.map(|h| h + day),
                )) {
                    Ok(k) => Some(k),
                    Err(e) => {
                        failed.push(format!(
                            "public keys: {e}; signatures not checked (give --public-keys FILE from `aws cloudtrail list-public-keys`, or --no-signatures)"
                        ));
                        None
                    }
                }
            }
        }
    };
    let n_digests = read.digests.len();
    let n_logs = read.logs.len();
    let report = check(read.digests, read.logs, keys.as_ref(), range);
    let partials = super::findings::findings(&report);
    let mut findings: Vec<Finding> = partials.into_iter().map(Finding::from).collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| a.title.cmp(&b.title))
    });
    let (streams, totals) = summarize(&report);
    let mut checks = vec!["log-hashes".to_string(), "hash-chain".to_string()];
    if let Some(k) = &keys {
        checks.push(format!(
            "signatures (keys: {}, {} key(s))",
            k.origin,
            k.len()
        ));
    }
    let mut summary = Summary {
        sources: cfg.sources.iter().map(|s| s.to_string()).collect(),
        checks,
        public_keys: keys.as_ref().map(|k| k.origin.clone()),
        streams,
        totals,
        hashed_bytes: read.hashed_bytes,
        elapsed_seconds: start.elapsed().as_secs_f64(),
        failed,
        ..Default::default()
    };
    for f in &findings {
        *summary.findings_by_rule.entry(f.rule.clone()).or_default() += 1;
    }
    let readable = (n_digests + n_logs) as u64;
    if readable == 0 && summary.failed.is_empty() {
        summary.failed.push(format!(
            "{}: no CloudTrail log or digest file found (is it the folder or prefix above AWSLogs/, and do --since/--until/--accounts/--regions leave anything?)",
            summary.sources.join(", ")
        ));
        summary.exit_code = crate::outcome::EXIT_ERROR;
    } else {
        let over = findings.iter().any(|f| f.severity >= cfg.fail_on);
        summary.exit_code = crate::outcome::scan_exit_code(summary.failed.len(), readable, over);
    }
    if let Some(out) = &cfg.out_dir {
        let p = out.join("integrity.parquet");
        super::summary::write_parquet(&p, &report)
            .with_context(|| format!("writing {}", p.display()))?;
        let p = out.join("findings.jsonl");
        crate::output::findings::write_jsonl(&p, &findings)
            .with_context(|| format!("writing {}", p.display()))?;
        let p = out.join("findings.parquet");
        crate::output::findings::write_parquet(&p, &findings)
            .with_context(|| format!("writing {}", p.display()))?;
        summary.elapsed_seconds = start.elapsed().as_secs_f64();
        let p = out.join("integrity.json");
        let json = serde_json::to_vec_pretty(&summary).context("encoding integrity.json")?;
        crate::output::write_atomic(&p, &json)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    Ok(Outcome { summary, findings })
}
