//! Ingest: the threads that read every object and merge what it gave.
//!
//! ```text
//! source thread (tokio: plan, list, GET/read in day order)
//!   -> N decoder threads (rayon pool; the one that takes an object records its delivery day
//!      as in flight, then gunzip, parse, filter, dedup, aggregate per object)
//!   -> this thread (merge, flush complete days to Parquet, count, progress)
//! ```
//!
//! Every channel is bounded, so memory holds a fixed number of objects in flight plus the rows
//! of the days that may still receive events. A day is complete once every object whose
//! delivery day could hold it has been merged ([`Tracker`]); its rows are then written and its
//! event IDs forgotten.

use super::ScanConfig;
use super::object::{ObjectResult, Scratch, Shared, decode_object};
use super::tally::{coverage, tally};
use super::tracker::Tracker;
use crate::activity::Activity;
use crate::decode::{Decoder, MemoryBudget};
use crate::dedup::Dedup;
use crate::detect::Findings;
use crate::error::SourceError;
use crate::output::activity_parquet::ActivityWriter;
use crate::output::coverage::CoverageWriter;
use crate::output::summary::RunSummary;
use crate::progress::Progress;
use crate::source::fetch;
use crate::source::layout::LATE_DELIVERY_DAYS;
use crate::source::{InFlight, LogKind, ObjectMeta, ObjectRef, SourceItem};
use crate::state::State;
use crate::usage::Usage;
use anyhow::Context;
use std::sync::Mutex;
use tokio::sync::mpsc::Receiver;

/// What the events of a run gave: counts (in the summary), usage, findings, and the event IDs
/// still held for deduplication.
pub(super) struct Ingested {
    pub sum: RunSummary,
    pub usage: Usage,
    pub findings: Findings,
    pub dedup: Dedup,
    pub coverage: crate::coverage::Coverage,
    /// `--verify`: the digests and the hashes of the log files read.
    pub integrity: Option<(
        Vec<crate::integrity::check::DigestFile>,
        Vec<crate::integrity::check::LogFile>,
    )>,
}

/// What a decoder took from the reader's channel.
enum Taken {
    /// An object to decode: its day is already in flight.
    Decode(ObjectRef, Result<Vec<u8>, SourceError>, InFlight),
    /// A digest file (never event input).
    Digest(
        ObjectRef,
        Result<Vec<u8>, SourceError>,
        ObjectMeta,
        InFlight,
    ),
    /// Anything else, for the tally.
    Note(SourceItem),
}

/// Takes the reader's next item (`None` once it is done). An object to decode has its
/// delivery day put in flight under the receiver's lock, so days go in flight in the reader's
/// (delivery-day) order whichever decoder takes them.
fn take(rx: &Mutex<Receiver<SourceItem>>, tracker: &Mutex<Tracker>) -> Option<Taken> {
    let mut rx = rx.lock().unwrap_or_else(|e| e.into_inner());
    Some(match rx.blocking_recv()? {
        SourceItem::Object {
            obj,
            data,
            meta,
            hold,
        } if obj.layout.as_ref().and_then(|l| l.kind) == Some(LogKind::Digest) => {
            Taken::Digest(obj, data, meta, hold)
        }
        SourceItem::Object {
            obj, data, hold, ..
        } => {
            tracker
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .dispatch(obj.day());
            Taken::Decode(obj, data, hold)
        }
        other => Taken::Note(other),
    })
}

/// Reads every source, writes `activity.parquet`, and returns what the judging steps need.
pub(super) fn run(cfg: &ScanConfig, mut state: Option<&mut State>) -> anyhow::Result<Ingested> {
    let activity_path = cfg.out_dir.join("activity.parquet");
    let mut writer = ActivityWriter::create(&activity_path)
        .with_context(|| format!("creating {}", activity_path.display()))?;
    let coverage_path = cfg.out_dir.join("coverage.parquet");
    let mut cover = CoverageWriter::create(&coverage_path)
        .with_context(|| format!("creating {}", coverage_path.display()))?;
    let threads = cfg.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("decode-{i}"))
        .build()
        .context("starting decoder threads")?;

    // Decoders take objects straight from the reader's channel (one hand-off per object):
    // the one that takes an object notes its delivery day in flight before decoding it.
    let (src_tx, src_rx) = tokio::sync::mpsc::channel::<SourceItem>(threads * 4 + 2);
    let src_rx = Mutex::new(src_rx);
    let (out_tx, out_rx) = crossbeam_channel::bounded::<ObjectResult>(threads * 4);
    let tracker = Mutex::new(Tracker::default());
    let budget = MemoryBudget::new(cfg.decode_budget);
    let dedup = state.as_ref().map_or_else(Dedup::new, |st| st.dedup());
    let mut fetch_opts = cfg.fetch.clone();
    if let Some(st) = &state {
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
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(i64::MAX, |d| {
                i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
            }),
        report_implausible: cfg
            .rules_run
            .contains(&crate::detect::implausible_event_time::INFO.id),
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
    let mut delivered = crate::coverage::Coverage::new(shared.now);
    let mut write_err: Option<anyhow::Error> = None;

    let verify = cfg.verify.is_some();
    let max_object = cfg.limits.max_decompressed;
    type Collected = (
        Vec<crate::integrity::check::DigestFile>,
        Vec<crate::integrity::check::LogFile>,
        Vec<(String, &'static str, String)>,
    );
    let collected: Mutex<Collected> = Mutex::new(Default::default());
    let collected = &collected;
    std::thread::scope(|s| {
        let (specs, sel, fopts) = (cfg.sources.clone(), cfg.selection.clone(), fetch_opts);
        s.spawn(move || fetch::run(specs, sel, fopts, src_tx));
        let (src_rx, tracker_ref) = (&src_rx, &tracker);
        let limits = cfg.limits;
        let shared = &shared;
        let budget = &budget;
        s.spawn(move || {
            pool.scope(|ps| {
                for _ in 0..threads {
                    let (rx, tx, tracker) = (src_rx, out_tx.clone(), tracker_ref);
                    ps.spawn(move |_| {
                        let mut decoder = Decoder::with_budget(limits, budget.clone());
                        decoder.hash = verify;
                        let mut scratch = Scratch::default();
                        loop {
                            let (obj, data, hold) = match take(rx, tracker) {
                                None => break,
                                Some(Taken::Decode(obj, data, hold)) => (obj, data, hold),
                                Some(Taken::Digest(obj, data, meta, hold)) => {
                                    // A digest is never event input: checked at the end of the run.
                                    let name = obj.display_name();
                                    let mut c = collected.lock().unwrap_or_else(|e| e.into_inner());
                                    match data {
                                        Ok(raw) => c.0.push(crate::integrity::read::digest_file(
                                            name, &raw, &meta, max_object,
                                        )),
                                        Err(e) => c.2.push((name, e.code(), e.to_string())),
                                    }
                                    drop(hold);
                                    continue;
                                }
                                Some(Taken::Note(other)) => {
                                    if tx.send(ObjectResult::Note(other)).is_err() {
                                        break;
                                    }
                                    continue;
                                }
                            };
                            let result = match data {
                                Ok(bytes) => {
                                    decode_object(obj, bytes, &mut decoder, &mut scratch, shared)
                                }
                                Err(e) => ObjectResult::Failed {
                                    obj,
                                    kind: e.code(),
                                    error: e.to_string(),
                                    compressed: 0,
                                },
                            };
                            drop(hold);
                            if verify {
                                let log = match &result {
                                    ObjectResult::Read { obj, decoded, .. } => Some((
                                        obj,
                                        decoded.sha256.ok_or_else(|| {
                                            "damaged gzip stream: read in part, not hashed"
                                                .to_string()
                                        }),
                                    )),
                                    ObjectResult::Failed { obj, error, .. } => {
                                        Some((obj, Err(error.clone())))
                                    }
                                    ObjectResult::Note(_) => None,
                                };
                                if let Some((obj, sha256)) = log
                                    && obj.layout.as_ref().and_then(|l| l.kind)
                                        == Some(crate::source::LogKind::CloudTrail)
                                {
                                    collected.lock().unwrap_or_else(|e| e.into_inner()).1.push(
                                        crate::integrity::check::LogFile {
                                            location: obj.display_name(),
                                            sha256,
                                        },
                                    );
                                }
                            }
                            if tx.send(result).is_err() {
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
        for result in out_rx {
            let day = match &result {
                ObjectResult::Read { obj, .. } | ObjectResult::Failed { obj, .. } => {
                    Some(obj.day())
                }
                ObjectResult::Note(_) => None,
            };
            tally(
                &mut sum,
                result,
                &mut activity,
                &mut findings,
                &mut usage,
                &mut delivered,
                state.as_deref_mut(),
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
                    let cells = delivered.take_before(i64::from(cut) * crate::time::DAY_MS);
                    if write_err.is_none()
                        && let Err(e) = cover.write(&cells)
                    {
                        write_err = Some(anyhow::Error::new(e).context("writing coverage.parquet"));
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
    if let Some(st) = state {
        st.merge_into(&mut usage);
    }
    usage.finish();
    writer.write(&rows).context("writing activity.parquet")?;
    let (activity_rows, written_events) = writer.finish().context("closing activity.parquet")?;
    cover
        .write(&delivered.take_all())
        .context("writing coverage.parquet")?;
    cover.finish().context("closing coverage.parquet")?;
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
    let (digests, logs, digest_failures) =
        std::mem::take(&mut *collected.lock().unwrap_or_else(|e| e.into_inner()));
    for (path, kind, error) in digest_failures {
        sum.objects_failed += 1;
        sum.failed.push(crate::output::summary::Failure {
            path,
            kind: kind.to_string(),
            error,
            partial: false,
        });
    }
    Ok(Ingested {
        sum,
        usage,
        findings,
        dedup,
        coverage: delivered,
        integrity: verify.then_some((digests, logs)),
    })
}
