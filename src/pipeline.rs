//! The scan pipeline:
//!
//! ```text
//! source thread (tokio: plan, list, GET/read in day order)
//!   -> dispatcher (records which delivery days are in flight)
//!   -> N decoder threads (rayon pool: gunzip, parse, filter, dedup, aggregate per object)
//!   -> this thread (merge, flush complete days to Parquet, count, progress)
//! ```
//!
//! Every channel is bounded, so memory holds a fixed number of objects in flight plus the rows
//! of the days that may still receive events. A day is complete once every object whose
//! delivery day could hold it has been merged ([`Tracker`]); its rows are then written and its
//! event IDs forgotten.

use crate::activity::{Activity, ActivityKey, Agg, FileActivity, Interner, NO_DAY};
use crate::decode::{Decoded, Decoder, Limits, Shape};
use crate::dedup::Dedup;
use crate::detect::posture::{NotRun, PostureConfig, PostureCtx, Window};
use crate::detect::{Detector, EventCtx, Findings, Hits, Partial, Severity, Trusted, all_rules};
use crate::event::Event;
use crate::output::activity_parquet::ActivityWriter;
use crate::output::summary::{Failure, MappingCoverage, RunSummary, Unmapped, peak_rss_bytes};
use crate::progress::Progress;
use crate::source::fetch::{self, FetchOptions};
use crate::source::layout::LATE_DELIVERY_DAYS;
use crate::source::{ObjectRef, Selection, SourceItem, SourceSpec};
use crate::time::day_of;
use crate::usage::{FileUsage, Usage};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// Everything a scan needs.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Where to read.
    pub sources: Vec<SourceSpec>,
    /// Window and filters.
    pub selection: Selection,
    /// Reading options.
    pub fetch: FetchOptions,
    /// Decoding limits.
    pub limits: Limits,
    /// Decoder threads.
    pub threads: usize,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Show a progress line on stderr (when it is a terminal).
    pub progress: bool,
    /// The detection rules to run on events.
    pub detector: Detector,
    /// Ids of the rules that run, for the summary.
    pub rules_run: Vec<&'static str>,
    /// Accounts that are not external.
    pub trusted: Trusted,
    /// Inventory inputs and thresholds for the rules that judge IAM state.
    pub posture: PostureConfig,
    /// Exit with [`crate::cli::EXIT_FINDINGS`] when a finding at or above this exists.
    pub fail_on: Option<Severity>,
    /// `--state DIR`: skip the objects earlier runs read, judge over their usage merged with
    /// this run's, and keep the result for the next run ([`crate::state`]).
    pub state: Option<PathBuf>,
}

/// Per-object counters.
#[derive(Clone, Copy, Debug, Default)]
struct FileStats {
    records: u64,
    duplicates: u64,
    outside: u64,
    filtered: u64,
    events: u64,
}

enum Outcome {
    Read {
        obj: ObjectRef,
        decoded: Decoded,
        stats: FileStats,
        rows: Vec<(ActivityKey, Agg)>,
        findings: Vec<Partial>,
        usage: Box<FileUsage>,
    },
    Failed {
        obj: ObjectRef,
        kind: &'static str,
        error: String,
        compressed: u64,
    },
    Note(SourceItem),
}

/// Which delivery days are still being read.
#[derive(Default)]
struct Tracker {
    inflight: BTreeMap<i32, usize>,
    last: Option<i32>,
}

impl Tracker {
    fn dispatch(&mut self, day: Option<i32>) {
        let d = day.unwrap_or(i32::MIN);
        *self.inflight.entry(d).or_default() += 1;
        self.last = Some(self.last.map_or(d, |l| l.max(d)));
    }
    fn complete(&mut self, day: Option<i32>) {
        let d = day.unwrap_or(i32::MIN);
        if let Some(n) = self.inflight.get_mut(&d) {
            *n -= 1;
            if *n == 0 {
                self.inflight.remove(&d);
            }
        }
    }
    /// The earliest delivery day that may still come: objects in flight, or (sorted order)
    /// anything not yet dispatched. `None` while undated objects are in flight.
    fn horizon(&self) -> Option<i32> {
        let h = self.inflight.keys().next().copied().or(self.last)?;
        (h != i32::MIN).then_some(h)
    }
}

struct Shared<'a> {
    sel: &'a Selection,
    dedup: &'a Dedup,
    detector: &'a Detector,
    trusted: &'a Trusted,
    collect_resources: bool,
}

fn in_window(sel: &Selection, t: Option<i64>) -> bool {
    match t {
        Some(t) => sel.since.is_none_or(|s| t >= s) && sel.until.is_none_or(|u| t <= u),
        None => sel.since.is_none() && sel.until.is_none(),
    }
}

fn decode_object(
    obj: ObjectRef,
    data: Vec<u8>,
    decoder: &mut Decoder,
    interner: &mut Interner,
    hits: &mut Hits,
    usage: &mut FileUsage,
    sh: &Shared<'_>,
) -> Outcome {
    let compressed = data.len() as u64;
    let mut fa = FileActivity::default();
    let mut st = FileStats::default();
    let key_account = obj.account().map(str::to_string);
    let key_region = obj.layout.as_ref().and_then(|l| l.region.clone());
    let result = decoder.decode(data, |e: &Event<'_, '_>| {
        st.records += 1;
        if !in_window(sh.sel, e.time_ms) {
            st.outside += 1;
            return;
        }
        let account = e.account().or(key_account.as_deref()).unwrap_or("unknown");
        let region = e.aws_region.or(key_region.as_deref()).unwrap_or("unknown");
        if sh
            .sel
            .accounts
            .as_ref()
            .is_some_and(|a| !a.iter().any(|x| x == account))
            || sh
                .sel
                .regions
                .as_ref()
                .is_some_and(|r| !r.iter().any(|x| x == region))
        {
            st.filtered += 1;
            return;
        }
        let day = e.time_ms.map(day_of).unwrap_or(NO_DAY);
        if let Some(id) = e.event_id
            && !sh.dedup.insert(day, id)
        {
            st.duplicates += 1;
            return;
        }
        st.events += 1;
        fa.add(e, account, region, day, interner);
        usage.add(e, account);
        if sh.collect_resources {
            usage.add_resources(e, &crate::activity::principal_string(e.principal()));
        }
        sh.detector.check(
            e,
            &EventCtx {
                account,
                region,
                trusted: sh.trusted,
            },
            hits,
        );
    });
    match result {
        Ok(decoded) => Outcome::Read {
            obj,
            decoded,
            stats: st,
            rows: fa.into_rows(interner),
            findings: hits.take(),
            usage: Box::new(usage.take()),
        },
        Err(e) => {
            // A document that fails to parse calls back no event; JSON Lines with no good line
            // neither. Nothing to keep.
            hits.take();
            usage.take();
            Outcome::Failed {
                obj,
                kind: e.code(),
                error: e.to_string(),
                compressed,
            }
        }
    }
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
    let activity_path = cfg.out_dir.join("activity.parquet");
    let mut writer = ActivityWriter::create(&activity_path)
        .with_context(|| format!("creating {}", activity_path.display()))?;
    let threads = cfg.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("decode-{i}"))
        .build()
        .context("starting decoder threads")?;

    let (src_tx, mut src_rx) = tokio::sync::mpsc::channel::<SourceItem>(threads * 2 + 2);
    let (work_tx, work_rx) = crossbeam_channel::bounded::<(
        ObjectRef,
        Result<Vec<u8>, crate::error::SourceError>,
    )>(threads * 2);
    let (out_tx, out_rx) = crossbeam_channel::bounded::<Outcome>(threads * 4);
    let tracker = Mutex::new(Tracker::default());
    let dedup = Dedup::new();
    let mut fetch_opts = cfg.fetch.clone();
    if let Some(st) = &state {
        st.seed(&dedup);
        fetch_opts.seen = Some(st.seen());
    }
    let shared = Shared {
        sel: &cfg.selection,
        dedup: &dedup,
        detector: &cfg.detector,
        trusted: &cfg.trusted,
        // A state keeps resources whatever this run's options: a later run with
        // --iam-details must not scope a policy to the resources of some nights only.
        collect_resources: !cfg.posture.iam_details.is_empty() || state.is_some(),
    };
    let mut findings = Findings::default();
    let progress = Progress::new(cfg.progress);
    let mut sum = RunSummary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        sources: cfg.sources.iter().map(|s| s.to_string()).collect(),
        since: cfg.selection.since.map(crate::time::format_ms),
        until: cfg.selection.until.map(crate::time::format_ms),
        threads,
        ..Default::default()
    };
    let mut activity = Activity::default();
    let mut usage = Usage::default();
    let mut write_err: Option<anyhow::Error> = None;

    std::thread::scope(|s| {
        let (specs, sel, fopts) = (cfg.sources.clone(), cfg.selection.clone(), fetch_opts);
        s.spawn(move || fetch::run(specs, sel, fopts, src_tx));
        // Dispatcher: in delivery-day order, note the day in flight, then hand to decoders.
        let (tracker_ref, notes_tx) = (&tracker, out_tx.clone());
        s.spawn(move || {
            while let Some(item) = src_rx.blocking_recv() {
                match item {
                    SourceItem::Object { obj, data } => {
                        tracker_ref
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .dispatch(obj.day());
                        if work_tx.send((obj, data)).is_err() {
                            break;
                        }
                    }
                    other => {
                        if notes_tx.send(Outcome::Note(other)).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let limits = cfg.limits;
        let shared = &shared;
        s.spawn(move || {
            pool.scope(|ps| {
                for _ in 0..threads {
                    let (rx, tx) = (work_rx.clone(), out_tx.clone());
                    ps.spawn(move |_| {
                        let mut decoder = Decoder::new(limits);
                        let mut interner = Interner::default();
                        let mut hits = Hits::default();
                        let mut usage = FileUsage::default();
                        for (obj, data) in rx {
                            let outcome = match data {
                                Ok(bytes) => decode_object(
                                    obj,
                                    bytes,
                                    &mut decoder,
                                    &mut interner,
                                    &mut hits,
                                    &mut usage,
                                    shared,
                                ),
                                Err(e) => Outcome::Failed {
                                    obj,
                                    kind: e.code(),
                                    error: e.to_string(),
                                    compressed: 0,
                                },
                            };
                            if tx.send(outcome).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(out_tx);
            });
        });

        // This thread: merge, flush complete days, count.
        let mut flushed_to = i32::MIN;
        for outcome in out_rx {
            let day = match &outcome {
                Outcome::Read { obj, .. } | Outcome::Failed { obj, .. } => Some(obj.day()),
                Outcome::Note(_) => None,
            };
            account(
                &mut sum,
                outcome,
                &mut activity,
                &mut findings,
                &mut usage,
                state.as_mut(),
            );
            let horizon = {
                let mut t = tracker.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(d) = day {
                    t.complete(d);
                }
                t.horizon()
            };
            if let Some(h) = horizon {
                let cut = h.saturating_sub(LATE_DELIVERY_DAYS);
                if cut > flushed_to {
                    flushed_to = cut;
                    let rows = activity.flush_before(cut);
                    dedup.evict_before(cut);
                    usage.add_rows(&rows);
                    if write_err.is_none()
                        && let Err(e) = writer.write(&rows)
                    {
                        write_err = Some(anyhow::Error::new(e).context("writing activity.parquet"));
                    }
                }
            }
            progress.update(
                sum.objects_read + sum.objects_failed,
                sum.compressed_bytes,
                sum.events,
                sum.objects_failed,
            );
        }
    });
    progress.finish();
    if let Some(e) = write_err {
        return Err(e);
    }
    let rows = activity.flush_all();
    usage.add_rows(&rows);
    if let Some(st) = &mut state {
        st.merge_into(&mut usage);
    }
    usage.finish();
    writer.write(&rows).context("writing activity.parquet")?;
    let (activity_rows, written_events) = writer.finish().context("closing activity.parquet")?;
    debug_assert_eq!(written_events, sum.events);
    sum.activity_rows = activity_rows;
    sum.late_events = activity.late_events();
    sum.mapping = coverage(&activity);
    sum.objects_listed = sum.objects_read
        + sum.objects_skipped.values().sum::<u64>()
        + sum
            .failed
            .iter()
            .filter(|f| !f.partial && f.kind != "list")
            .count() as u64;
    let secs = start.elapsed().as_secs_f64();
    sum.elapsed_seconds = secs;
    sum.events_per_second = sum.events as f64 / secs.max(1e-9);
    sum.uncompressed_mb_per_second = sum.uncompressed_bytes as f64 / 1e6 / secs.max(1e-9);
    sum.peak_rss_bytes = peak_rss_bytes();
    let window = Window::choose(
        cfg.posture.window_days,
        cfg.selection.until,
        usage.newest,
        &inputs.reports,
    );
    if let Some(st) = &mut state {
        st.age(&mut usage, window);
        if sum.events_outside_window > 0 {
            tracing::warn!(
                events = sum.events_outside_window,
                "events outside --since/--until in objects the state now counts as read: they will not be read again"
            );
        }
    }
    let ctx = PostureCtx {
        window,
        max_key_age_days: cfg.posture.max_key_age_days,
        trusted: &cfg.trusted,
        inventory: inputs.inventory.as_ref(),
        reports: &inputs.reports,
        usage: &usage,
        cloudtrail: !cfg.sources.is_empty() || state.as_ref().is_some_and(|s| s.has_history()),
    };
    let mut not_run = cfg.detector.run_posture(&ctx, &mut findings);
    if cfg.sources.is_empty() {
        for r in all_rules() {
            if r.check.is_some() && cfg.rules_run.contains(&r.info.id) {
                not_run.push(NotRun {
                    rule: r.info.id.to_string(),
                    reason: "needs CloudTrail: no SOURCE was given".to_string(),
                });
            }
        }
    }
    // Granted versus used.
    let scps = inputs.scps.clone();
    let rec = crate::recommend::run(crate::recommend::Inputs {
        inventory: inputs.inventory.as_ref(),
        usage: &usage,
        window,
        engine: crate::iam::engine::Engine::new(scps),
    });
    let ppath = cfg.out_dir.join("permissions.parquet");
    crate::output::permissions::write(&ppath, &rec.rows)
        .with_context(|| format!("writing {}", ppath.display()))?;
    sum.permission_rows = rec.rows.len() as u64;
    if inputs.inventory.is_some() {
        sum.policies_written = write_policies(&cfg.out_dir, &rec.plans)?;
    }
    if cfg.rules_run.contains(&crate::recommend::INFO.id) {
        if inputs.inventory.is_none() {
            not_run.push(NotRun {
                rule: crate::recommend::INFO.id.to_string(),
                reason: "needs --iam-details (aws iam get-account-authorization-details)"
                    .to_string(),
            });
        } else {
            for p in rec.plans.into_iter().filter_map(|p| p.finding) {
                findings.push(p);
            }
        }
    }
    sum.window = window;
    sum.rules_not_run = not_run;
    let found: Vec<crate::output::findings::Finding> =
        findings.into_sorted().into_iter().map(Into::into).collect();
    let fpath = cfg.out_dir.join("findings.jsonl");
    crate::output::findings::write_jsonl(&fpath, &found)
        .with_context(|| format!("writing {}", fpath.display()))?;
    let fpath = cfg.out_dir.join("findings.parquet");
    crate::output::findings::write_parquet(&fpath, &found)
        .with_context(|| format!("writing {}", fpath.display()))?;
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
    sum.findings_table = crate::output::findings::table(&found, &cfg.rules_run, &sum.rules_not_run);
    let over_threshold = cfg
        .fail_on
        .is_some_and(|t| found.iter().any(|f| f.severity >= t));
    // With --state, objects an earlier run read count as readable.
    let readable = sum.objects_read
        + sum
            .objects_skipped
            .get(crate::source::SkipReason::AlreadyProcessed.as_str())
            .copied()
            .unwrap_or(0);
    sum.exit_code = if !sum.failed.is_empty() && readable == 0 {
        // Nothing could be read at all (wrong credentials, dead endpoint): not a partial run.
        crate::cli::EXIT_ERROR
    } else if !sum.failed.is_empty() {
        crate::cli::EXIT_PARTIAL
    } else if over_threshold {
        crate::cli::EXIT_FINDINGS
    } else {
        crate::cli::EXIT_OK
    };
    // The state last: once the outputs of the merged usage are written. A run that could read
    // nothing keeps the previous state as it is.
    if let Some(st) = state.take() {
        sum.state = Some(if sum.exit_code == crate::cli::EXIT_ERROR {
            st.summary()
        } else {
            let dir = cfg.state.as_deref().unwrap_or(std::path::Path::new(""));
            st.commit(&usage, &dedup, window, cfg.posture.window_days)
                .with_context(|| format!("writing the state in {}", dir.display()))?
        });
    }
    let json = serde_json::to_vec_pretty(&sum).context("encoding summary.json")?;
    let summary_path = cfg.out_dir.join("summary.json");
    crate::output::write_atomic(&summary_path, &json)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    Ok(sum)
}

/// Writes `policies/<account>/<user|role>/<name>.json` (`-2`, `-3`... when split) and
/// `<name>.txt` reports. Returns the number of policy documents.
fn write_policies(out: &std::path::Path, plans: &[crate::recommend::Plan]) -> anyhow::Result<u64> {
    let root = out.join("policies");
    if root.exists() {
        std::fs::remove_dir_all(&root).with_context(|| format!("clearing {}", root.display()))?;
    }
    let mut n = 0;
    for p in plans {
        let dir = root.join(&p.account).join(p.kind);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let stem = crate::recommend::file_stem(&p.name);
        for (i, d) in p.documents.iter().enumerate() {
            let name = if i == 0 {
                format!("{stem}.json")
            } else {
                format!("{stem}-{}.json", i + 1)
            };
            let mut text = serde_json::to_vec_pretty(d)?;
            text.push(b'\n');
            let path = dir.join(name);
            crate::output::write_atomic(&path, &text)
                .with_context(|| format!("writing {}", path.display()))?;
            n += 1;
        }
        let path = dir.join(format!("{stem}.txt"));
        crate::output::write_atomic(&path, p.report.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(n)
}

fn account(
    sum: &mut RunSummary,
    outcome: Outcome,
    activity: &mut Activity,
    findings: &mut Findings,
    usage: &mut Usage,
    state: Option<&mut crate::state::State>,
) {
    match outcome {
        Outcome::Read {
            obj,
            decoded,
            stats,
            rows,
            findings: parts,
            usage: used,
        } => {
            findings.merge(parts);
            usage.merge(*used);
            sum.objects_read += 1;
            sum.compressed_bytes += decoded.compressed_bytes;
            sum.uncompressed_bytes += decoded.uncompressed_bytes;
            sum.records_read += stats.records;
            sum.invalid_records += decoded.invalid_records;
            sum.duplicates += stats.duplicates;
            sum.events_outside_window += stats.outside;
            sum.events_filtered += stats.filtered;
            sum.events += stats.events;
            let shape = match decoded.shape {
                Shape::Records => "records",
                Shape::Array => "array",
                Shape::Single => "single",
                Shape::Lines => "lines",
                Shape::Concatenated => "concatenated",
            };
            *sum.shapes.entry(shape.to_string()).or_default() += 1;
            if let Some(st) = state {
                // Read in part (JSON Lines with bad lines) is recorded too: its good lines
                // were counted, and reading the same bytes again would count them twice and
                // fail the same lines again. A rewritten file has another identity.
                st.record(&obj, true);
            }
            if let Some(e) = decoded.partial_error {
                tracing::warn!(path = %obj.display_name(), error = %e, "object read only in part");
                sum.objects_failed += 1;
                sum.failed.push(Failure {
                    path: obj.display_name(),
                    kind: e.code().to_string(),
                    error: e.to_string(),
                    partial: true,
                });
            }
            activity.merge(rows);
        }
        Outcome::Failed {
            obj,
            kind,
            error,
            compressed,
        } => {
            tracing::error!(path = %obj.display_name(), %error, "cannot read object");
            if let Some(st) = state {
                st.record(&obj, false);
            }
            sum.objects_failed += 1;
            sum.compressed_bytes += compressed;
            sum.failed.push(Failure {
                path: obj.display_name(),
                kind: kind.to_string(),
                error,
                partial: false,
            });
        }
        Outcome::Note(SourceItem::Skipped { reason, .. }) => {
            *sum.objects_skipped
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
        Outcome::Note(SourceItem::SkippedPrefix { reason, .. }) => {
            *sum.prefixes_skipped
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
        Outcome::Note(SourceItem::ListFailed { location, error }) => {
            tracing::error!(%location, %error, "cannot list");
            sum.objects_failed += 1;
            sum.failed.push(Failure {
                path: location,
                kind: "list".to_string(),
                error: error.to_string(),
                partial: false,
            });
        }
        Outcome::Note(SourceItem::Object { obj, data }) => {
            // Objects reach the decoders through the dispatcher; a stray one is a read error.
            if let Err(e) = data {
                sum.objects_failed += 1;
                sum.failed.push(Failure {
                    path: obj.display_name(),
                    kind: e.code().to_string(),
                    error: e.to_string(),
                    partial: false,
                });
            }
        }
    }
}

fn coverage(activity: &Activity) -> MappingCoverage {
    let c = activity.coverage();
    let total: u64 = c.events_by_status.values().sum();
    let names: u64 = c.names_by_status.values().sum();
    let get = |m: &BTreeMap<&'static str, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    let share = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let mut top: Vec<Unmapped> = c
        .unmapped
        .iter()
        .map(|((s, n), e)| Unmapped {
            event_source: s.to_string(),
            event_name: n.to_string(),
            events: *e,
        })
        .collect();
    top.sort_by(|a, b| {
        b.events
            .cmp(&a.events)
            .then_with(|| (&a.event_source, &a.event_name).cmp(&(&b.event_source, &b.event_name)))
    });
    top.truncate(20);
    MappingCoverage {
        events_resolved_share: share(total - get(&c.events_by_status, "unmapped"), total),
        events_mapped_share: share(get(&c.events_by_status, "mapped"), total),
        event_names_resolved_share: share(names - get(&c.names_by_status, "unmapped"), names),
        distinct_event_names: names,
        events_by_status: c
            .events_by_status
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        event_names_by_status: c
            .names_by_status
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        top_unmapped: top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_horizon_follows_the_oldest_day_in_flight() {
        let mut t = Tracker::default();
        assert_eq!(t.horizon(), None);
        t.dispatch(None);
        t.dispatch(Some(10));
        assert_eq!(t.horizon(), None, "undated objects block flushing");
        t.complete(None);
        assert_eq!(t.horizon(), Some(10));
        t.dispatch(Some(11));
        t.complete(Some(10));
        assert_eq!(t.horizon(), Some(11));
        t.complete(Some(11));
        assert_eq!(
            t.horizon(),
            Some(11),
            "nothing earlier than the last dispatched can come"
        );
    }

    #[test]
    fn window_excludes_untimed_events_only_when_bounded() {
        let open = Selection::default();
        assert!(in_window(&open, None));
        let bounded = Selection {
            since: Some(100),
            until: Some(200),
            ..Default::default()
        };
        assert!(!in_window(&bounded, None));
        assert!(in_window(&bounded, Some(100)));
        assert!(in_window(&bounded, Some(200)));
        assert!(!in_window(&bounded, Some(201)));
    }
}
