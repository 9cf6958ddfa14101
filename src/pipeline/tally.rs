//! The merging thread's tallies: each [`ObjectResult`] merged into the run's activity,
//! findings and usage, counted into the summary, and recorded in the state's ledger.

use super::object::{MAX_IMPLAUSIBLE_EXAMPLES, ObjectResult};
use crate::activity::Activity;
use crate::decode::Shape;
use crate::detect::Findings;
use crate::output::summary::{Failure, ImplausibleExample, MappingCoverage, RunSummary, Unmapped};
use crate::source::SourceItem;
use crate::text::escape;
use crate::usage::Usage;
use std::collections::BTreeMap;

/// Merges one object's result into the run.
pub(super) fn tally(
    sum: &mut RunSummary,
    outcome: ObjectResult,
    activity: &mut Activity,
    findings: &mut Findings,
    usage: &mut Usage,
    coverage: &mut crate::coverage::Coverage,
    state: Option<&mut crate::state::State>,
) {
    match outcome {
        ObjectResult::Read {
            obj,
            decoded,
            stats,
            rows,
            findings: parts,
            usage: used,
        } => {
            findings.merge(parts);
            usage.merge(*used);
            coverage.add(
                &obj,
                stats.records,
                stats.events,
                stats.duplicates,
                decoded.compressed_bytes,
            );
            sum.objects_read += 1;
            sum.compressed_bytes += decoded.compressed_bytes;
            sum.uncompressed_bytes += decoded.uncompressed_bytes;
            sum.records_read += stats.records;
            sum.invalid_records += decoded.invalid_records;
            sum.duplicates += stats.duplicates;
            sum.events_outside_window += stats.outside;
            sum.events_filtered += stats.filtered;
            sum.events += stats.events;
            if stats.implausible > 0 {
                let path = obj.display_name();
                tracing::warn!(
                    path = %escape(&path),
                    records = stats.implausible,
                    "records dated where CloudTrail cannot have written them: set aside"
                );
                sum.implausible_time.events += stats.implausible;
                for (event_id, event_time) in stats.implausible_examples {
                    if sum.implausible_time.examples.len() < MAX_IMPLAUSIBLE_EXAMPLES {
                        sum.implausible_time.examples.push(ImplausibleExample {
                            path: path.clone(),
                            event_id,
                            event_time,
                        });
                    }
                }
            }
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
                tracing::warn!(path = %escape(&obj.display_name()), error = %escape(&e.to_string()), "object read only in part");
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
        ObjectResult::Failed {
            obj,
            kind,
            error,
            compressed,
        } => {
            tracing::error!(path = %escape(&obj.display_name()), error = %escape(&error), "cannot read object");
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
        ObjectResult::Note(SourceItem::Skipped { reason, .. }) => {
            *sum.objects_skipped
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
        ObjectResult::Note(SourceItem::SkippedPrefix { reason, .. }) => {
            *sum.prefixes_skipped
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
        ObjectResult::Note(SourceItem::ListFailed { location, error }) => {
            tracing::error!(location = %escape(&location), error = %escape(&error.to_string()), "cannot list");
            sum.objects_failed += 1;
            sum.failed.push(Failure {
                path: location,
                kind: "list".to_string(),
                error: error.to_string(),
                partial: false,
            });
        }
        ObjectResult::Note(SourceItem::Object { obj, data, .. }) => {
            // Objects go to the decoders, not here; one that arrives as a note counts as a read error.
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

/// The event -> action mapping coverage for `summary.json`.
pub(super) fn coverage(activity: &Activity) -> MappingCoverage {
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
