//! The scan: ingest (read every object, in parallel, with bounded memory) -> judge (rules
//! that need the whole run, granted versus used) -> write (findings, permissions, policies,
//! `summary.json`, the state).
//!
//! * [`ingest`]: the threads, from the sources to the merged activity, usage and findings;
//! * [`object`]: one object on a decoder thread;
//! * [`tally`]: one object's result merged and counted on the merging thread;
//! * [`tracker`]: which delivery days are still in flight;
//! * [`judge`]: the window, the inventory rules and the least-privilege step.

mod ingest;
mod judge;
mod object;
pub use object::MAX_SKEW_MS;
mod tally;
mod tracker;

use crate::decode::Limits;
use crate::detect::posture::PostureConfig;
use crate::detect::{Detector, Severity, Trusted};
use crate::output::summary::{RunSummary, peak_rss_bytes};
use crate::source::fetch::FetchOptions;
use crate::source::{Selection, SourceSpec};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

/// Everything a scan needs.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Where to read.
    pub sources: Vec<SourceSpec>,
    /// `--gap-hours`: usual hours a stream must be silent for a `logging-gap` finding.
    pub gap_hours: u32,
    /// The trails `--trail` named (their locations are among `sources`).
    pub trails: Vec<crate::source::trail_report::TrailReport>,
    /// Window and filters.
    pub selection: Selection,
    /// Reading options.
    pub fetch: FetchOptions,
    /// Decoding limits.
    pub limits: Limits,
    /// Decoder threads.
    pub threads: usize,
    /// Bytes the decoder threads may hold together (their part of `--memory-budget`).
    pub decode_budget: u64,
    /// Output folder.
    pub out_dir: PathBuf,
    /// `--report FILE`: the HTML report also written there (it is always in the output folder).
    pub report: Option<PathBuf>,
    /// Show a progress line on stderr (when it is a terminal).
    pub progress: bool,
    /// The detection rules to run on events.
    pub detector: Detector,
    /// Ids of the rules that run, for the summary.
    pub rules_run: Vec<&'static str>,
    /// `--verify`: check the input's integrity in the same pass; `--public-keys` for the
    /// signatures (none without it).
    pub verify: Option<Option<PathBuf>>,
    /// Accounts that are not external.
    pub trusted: Trusted,
    /// Inventory inputs and thresholds for the rules that judge IAM state.
    pub posture: PostureConfig,
    /// Exit with [`crate::outcome::EXIT_FINDINGS`] when a finding at or above this exists.
    pub fail_on: Option<Severity>,
    /// `--state DIR`: skip the objects earlier runs read, judge over their usage merged with
    /// this run's, and keep the result for the next run ([`crate::state`]).
    pub state: Option<PathBuf>,
}

/// Runs a scan and writes its outputs; returns the summary (also written as `summary.json`).
pub fn scan(cfg: &ScanConfig) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let inputs = cfg.posture.load()?;
    let mut state = match &cfg.state {
        Some(dir) => Some(crate::state::State::open(dir, &cfg.selection)?),
        None => None,
    };
    std::fs::create_dir_all(&cfg.out_dir)
        .with_context(|| format!("creating output folder {}", cfg.out_dir.display()))?;

    // Ingest.
    let ingest::Ingested {
        mut sum,
        mut usage,
        mut findings,
        dedup,
        coverage,
        integrity,
    } = ingest::run(cfg, state.as_mut())?;
    if let (Some(keys), Some((digests, logs))) = (&cfg.verify, integrity) {
        let keys = keys
            .as_deref()
            .map(crate::integrity::keys::PublicKeys::load)
            .transpose()
            .context("--public-keys")?;
        let range = crate::integrity::check::Range {
            since: cfg.selection.since,
            until: cfg.selection.until,
        };
        let report = crate::integrity::check::check(digests, logs, keys.as_ref(), range);
        for p in crate::integrity::findings::findings(&report) {
            findings.push(p);
        }
        let (_, totals) = crate::integrity::summary::summarize(&report);
        if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(&totals) {
            sum.integrity = m
                .into_iter()
                .filter_map(|(k, v)| v.as_u64().map(|n| (k, n)))
                .collect();
        }
        sum.integrity_checks = vec!["log-hashes".into(), "hash-chain".into()];
        if let Some(k) = &keys {
            sum.integrity_checks
                .push(format!("signatures (keys: {})", k.origin));
        }
        let ipath = cfg.out_dir.join("integrity.parquet");
        crate::integrity::summary::write_parquet(&ipath, &report)
            .with_context(|| format!("writing {}", ipath.display()))?;
    }
    if cfg
        .rules_run
        .contains(&crate::detect::region_not_logged::INFO.id)
    {
        for p in crate::detect::region_not_logged::find(&coverage) {
            findings.push(p);
        }
    }
    if cfg.rules_run.contains(&crate::detect::logging_gap::INFO.id) {
        for p in crate::detect::logging_gap::find(&coverage, cfg.gap_hours, &findings) {
            findings.push(p);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    sum.elapsed_seconds = secs;
    sum.events_per_second = sum.events as f64 / secs.max(1e-9);
    sum.uncompressed_mb_per_second = sum.uncompressed_bytes as f64 / 1e6 / secs.max(1e-9);
    sum.peak_rss_bytes = peak_rss_bytes();

    // The trails' selectors: data events they record for every resource are observable.
    for t in &cfg.trails {
        // An organization trail records every account; an account trail its own.
        let account = if t.organization {
            Some("*".to_string())
        } else {
            t.arn
                .as_deref()
                .and_then(crate::iam::arn::Arn::parse)
                .map(|a| a.account.to_string())
        };
        if let (Some(c), Some(account)) = (&t.coverage, account) {
            for (ty, what) in &c.data_events {
                if what.iter().any(|w| w == "all")
                    && let Some(src) = crate::recommend::data_event_type_source(ty)
                {
                    usage.recorded.insert((account.clone(), src.to_string()));
                }
            }
        }
    }
    sum.trails = cfg.trails.clone();

    // Judge.
    let judged = judge::run(
        cfg,
        &inputs,
        &mut usage,
        findings,
        state.as_mut(),
        sum.events_outside_window,
    );

    // Write.
    let ppath = cfg.out_dir.join("permissions.parquet");
    crate::output::permissions::write(&ppath, &judged.rows)
        .with_context(|| format!("writing {}", ppath.display()))?;
    sum.permission_rows = judged.rows.len() as u64;
    if let Some(inv) = &inputs.inventory {
        sum.inventory_rejected = inv.rejected.clone();
    }
    // Each run owns `policies/`: written afresh, or removed when there is nothing to write,
    // so that no suggestion of an earlier run is left to be applied by mistake.
    sum.policies_written = crate::output::policies::write(
        &cfg.out_dir,
        &judged.plans,
        &judged.refinements,
        inputs.inventory.is_some(),
    )?;
    for r in &judged.refinements {
        *sum.refinements
            .entry(r.outcome.as_str(r.aws_managed()).to_string())
            .or_default() += 1;
    }
    for p in &judged.plans {
        match &p.verification {
            Some(crate::recommend::Verification::Verified { .. }) => sum.suggestions_verified += 1,
            Some(crate::recommend::Verification::Failed(why)) => sum
                .suggestions_unverified
                .push(format!("{}: {}", p.arn, crate::text::escape(why))),
            None => {}
        }
    }
    sum.no_evidence_accounts = judged.no_evidence;
    sum.in_grace_period = judged.in_grace;
    sum.excluded_principals = judged.excluded;
    sum.window = judged.window;
    sum.rules_not_run = judged.not_run;
    let mut found = judged.found;
    crate::output::findings::dedupe_ids(&mut found);
    let fpath = cfg.out_dir.join("findings.jsonl");
    crate::output::findings::write_jsonl(&fpath, &found)
        .with_context(|| format!("writing {}", fpath.display()))?;
    let fpath = cfg.out_dir.join("findings.parquet");
    crate::output::findings::write_parquet(&fpath, &found)
        .with_context(|| format!("writing {}", fpath.display()))?;
    let fpath = cfg.out_dir.join("findings.csv");
    crate::output::findings::write_csv(&fpath, &found)
        .with_context(|| format!("writing {}", fpath.display()))?;
    let exported =
        crate::output::exports::write(&cfg.out_dir, &found, chrono::Utc::now().timestamp_millis())
            .with_context(|| {
                format!(
                    "writing the OCSF and ASFF exports in {}",
                    cfg.out_dir.display()
                )
            })?;
    sum.accounts = coverage.accounts();
    for f in &found {
        if let Some(a) = sum.accounts.iter_mut().find(|a| a.account == f.account) {
            a.findings += 1;
        }
    }
    sum.rules_run = cfg
        .rules_run
        .iter()
        .filter(|r| !sum.rules_not_run.iter().any(|n| n.rule == **r))
        .map(|r| r.to_string())
        .collect();
    for f in &found {
        *sum.findings_by_severity
            .entry(f.severity.as_str().to_string())
            .or_default() += 1;
        *sum.findings_by_rule.entry(f.rule.clone()).or_default() += 1;
    }
    let over_threshold = cfg.fail_on.and_then(|t| {
        let n = found.iter().filter(|f| f.severity >= t).count();
        (n > 0).then_some((t.as_str(), n))
    });
    // With --state, objects an earlier run read count as readable.
    let readable = sum.objects_read
        + sum
            .objects_skipped
            .get(crate::source::SkipReason::AlreadyProcessed.as_str())
            .copied()
            .unwrap_or(0);
    let outcome = crate::outcome::scan_outcome(&crate::outcome::Facts {
        failed_inputs: sum.failed.len(),
        readable_objects: readable,
        over_threshold,
        no_events: no_events_reason(cfg, &sum),
    });
    sum.exit_code = outcome.code;
    sum.exit_reasons = outcome.reasons;
    sum.out_dir = cfg.out_dir.display().to_string();
    sum.outputs = written_outputs(
        &cfg.out_dir,
        cfg.verify.is_some(),
        sum.policies_written,
        &exported,
    );
    // The state last: once the outputs of the merged usage are written. A run that could read
    // nothing keeps the previous state as it is.
    if let Some(st) = state.take() {
        sum.state = Some(if sum.exit_code == crate::outcome::EXIT_ERROR {
            st.summary()
        } else {
            let dir = cfg.state.as_deref().unwrap_or(std::path::Path::new(""));
            st.commit(&usage, &dedup, judged.window, cfg.posture.window_days)
                .with_context(|| format!("writing the state in {}", dir.display()))?
        });
    }
    sum.findings = found;
    let html =
        crate::output::html::render(&sum, &judged.plans, &judged.refinements, coverage.days());
    for path in std::iter::once(cfg.out_dir.join("report.html")).chain(cfg.report.clone()) {
        crate::output::write_atomic(&path, html.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let json = serde_json::to_vec_pretty(&sum).context("encoding summary.json")?;
    let summary_path = cfg.out_dir.join("summary.json");
    crate::output::write_atomic(&summary_path, &json)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    Ok(sum)
}

/// The files a scan writes in `--out`, relative to it, in the order a reader would open them.
fn written_outputs(
    out: &std::path::Path,
    verify: bool,
    policies: u64,
    exported: &[String],
) -> Vec<String> {
    let mut v: Vec<String> = [
        "findings.jsonl",
        "findings.csv",
        "findings.parquet",
        "activity.parquet",
        "coverage.parquet",
        "permissions.parquet",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    v.extend(exported.iter().cloned());
    if verify {
        v.push("integrity.parquet".into());
    }
    if policies > 0 && out.join("policies").is_dir() {
        v.push("policies/".into());
    }
    v.push("report.html".into());
    v.push("summary.json".into());
    v
}

/// Why a scan of CloudTrail sources counted no event, or `None` when it counted some (or was
/// not given any, or every object was read by an earlier run of the `--state`).
fn no_events_reason(cfg: &ScanConfig, sum: &RunSummary) -> Option<String> {
    if cfg.sources.is_empty() || sum.events > 0 {
        return None;
    }
    let skipped = |r: crate::source::SkipReason| sum.objects_skipped.get(r.as_str()).copied();
    if skipped(crate::source::SkipReason::AlreadyProcessed).is_some() {
        return None;
    }
    let list = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sources = cfg
        .sources
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let filters = "--since/--until, --accounts or --regions";
    Some(
        if sum.objects_listed == 0 && sum.prefixes_skipped.is_empty() {
            format!(
                "nothing found under {sources} (no CloudTrail log objects there: check the path)"
            )
        } else if sum.objects_listed == 0 {
            format!(
                "every prefix under {sources} was left out without listing ({}: digest, insight and other log types hold no events; outside_window and filtered come from {filters})",
                list(&sum.prefixes_skipped)
            )
        } else if sum.objects_read == 0 {
            format!(
                "{} object(s) listed under {sources}, none read as a CloudTrail log file ({})",
                sum.objects_listed,
                list(&sum.objects_skipped)
            )
        } else if sum.records_read == 0 {
            format!("the {} object(s) read held no records", sum.objects_read)
        } else {
            format!(
                "all {} records read were set aside: {} outside --since/--until, {} filtered by --accounts/--regions, {} duplicates, {} with an implausible time",
                sum.records_read,
                sum.events_outside_window,
                sum.events_filtered,
                sum.duplicates,
                sum.implausible_time.events
            )
        },
    )
}
