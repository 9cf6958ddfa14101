//! One object, on a decoder thread: decode it, filter and deduplicate its events, and
//! aggregate what the rules, the activity table and the usage need, into an [`ObjectResult`]
//! that the merging thread tallies.

use crate::activity::{ActivityKey, Agg, FileActivity, Interner, NO_DAY};
use crate::decode::{Decoded, Decoder};
use crate::dedup::{Dedup, KeySet};
use crate::detect::{Detector, EventCtx, Hits, Partial, Trusted, implausible_event_time};
use crate::event::Event;
use crate::source::{ObjectRef, Selection, SourceItem};
use crate::time::day_of;
use crate::usage::FileUsage;

/// Per-object counters.
#[derive(Clone, Debug, Default)]
pub(super) struct FileStats {
    pub records: u64,
    pub duplicates: u64,
    pub outside: u64,
    pub filtered: u64,
    pub events: u64,
    /// Records dated where CloudTrail cannot have written them ([`TimeBounds`]).
    pub implausible: u64,
    /// The first few of them: `(event ID, event time)`.
    pub implausible_examples: Vec<(String, String)>,
}

/// How many implausible records an object keeps as examples for `summary.json`.
pub(super) const MAX_IMPLAUSIBLE_EXAMPLES: usize = 10;

/// Clock skew allowed between an event and the delivery of its object: an event may be dated
/// up to this much after the time its object's name, folder or modification time states.
pub const MAX_SKEW_MS: i64 = 3_600_000;
/// How much earlier than its object's stated delivery an event may be dated (CloudTrail
/// delivers within minutes; late deliveries of hours or a few days are known).
pub const MAX_LATE_MS: i64 = 7 * crate::time::DAY_MS;

/// The times an object's events can plausibly have, from what the attacker who wrote the
/// object does not choose alone: its CloudTrail key and its S3 `LastModified` / file mtime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeBounds {
    /// Earliest plausible event time.
    pub lo: Option<i64>,
    /// Latest plausible event time.
    pub hi: Option<i64>,
    /// The delivery time the upper bound comes from.
    pub delivered_by: Option<i64>,
}

impl TimeBounds {
    /// The bounds for one object read at `now` (epoch ms): nothing is delivered in the future,
    /// so the wall clock bounds every object, even one whose name, folder and modification time
    /// all lie.
    pub fn for_object(obj: &ObjectRef, now: i64) -> Self {
        let delivered_by = Some(obj.delivered_by().map_or(now, |d| d.min(now)));
        TimeBounds {
            lo: obj.stated_delivery().map(|t| t.saturating_sub(MAX_LATE_MS)),
            hi: delivered_by.map(|t| t.saturating_add(MAX_SKEW_MS)),
            delivered_by,
        }
    }
    /// Whether an event time is plausible (an event without a time is judged elsewhere).
    pub fn plausible(&self, t: Option<i64>) -> bool {
        t.is_none_or(|t| self.lo.is_none_or(|lo| t >= lo) && self.hi.is_none_or(|hi| t <= hi))
    }
}

/// Per-thread scratch for the quarantine: the IDs of the object being decoded.
#[derive(Default)]
pub(super) struct Quarantine {
    /// `(day, key)` of the events counted in this pass and not yet committed.
    pending: Vec<(i32, u128)>,
    /// Keys that occur more than once in this object (found after a pass; usually none), and
    /// those of them seen so far in the current pass: the first occurrence counts, the others
    /// are duplicates. Keeping only these off the hot path saves a set insert per event.
    repeated: KeySet<(i32, u128)>,
    seen: KeySet<(i32, u128)>,
    /// Keys this object committed in an earlier pass (they are its own).
    owned: KeySet<(i32, u128)>,
}

/// What one object gave, or why it gave nothing.
pub(super) enum ObjectResult {
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

/// What every decoder thread reads.
pub(super) struct Shared<'a> {
    pub sel: &'a Selection,
    pub dedup: &'a Dedup,
    pub detector: &'a Detector,
    pub trusted: &'a Trusted,
    pub collect_resources: bool,
    /// Whether `implausible-event-time` findings are reported.
    pub report_implausible: bool,
    /// The wall clock at the start of the run (epoch ms): no event is plausible after it.
    pub now: i64,
}

fn in_window(sel: &Selection, t: Option<i64>) -> bool {
    match t {
        Some(t) => sel.since.is_none_or(|s| t >= s) && sel.until.is_none_or(|u| t <= u),
        None => sel.since.is_none() && sel.until.is_none(),
    }
}

/// The per-thread state a decoder reuses from object to object.
#[derive(Default)]
pub(super) struct Scratch {
    pub interner: Interner,
    pub hits: Hits,
    pub usage: FileUsage,
    pub quarantine: Quarantine,
}

/// Decodes one object and aggregates its events.
///
/// Nothing of the object reaches shared state until it decoded completely: its event IDs are
/// checked against the run's set during the pass but only inserted after it, in one commit.
/// A failed object leaves no ID behind, so a planted object cannot make good events look like
/// duplicates. When another object committed some of the same IDs in the meantime, the
/// object is aggregated again with those counted as duplicates, so every event is counted
/// exactly once whatever the thread timing.
pub(super) fn decode_object(
    obj: ObjectRef,
    data: Vec<u8>,
    decoder: &mut Decoder,
    scratch: &mut Scratch,
    sh: &Shared<'_>,
) -> ObjectResult {
    let compressed = data.len() as u64;
    let bounds = TimeBounds::for_object(&obj, sh.now);
    let path = obj.display_name();
    scratch.quarantine.owned.clear();
    scratch.quarantine.repeated.clear();
    loop {
        let Scratch {
            interner,
            hits,
            usage,
            quarantine: q,
        } = &mut *scratch;
        q.pending.clear();
        q.seen.clear();
        let mut fa = FileActivity::default();
        let mut st = FileStats::default();
        let result = decoder.decode(&data, |e: &Event<'_, '_>| {
            pass_event(
                e, &obj, &path, &bounds, sh, &mut st, &mut fa, interner, hits, usage, q,
            );
        });
        let decoded = match result {
            Ok(decoded) => decoded,
            Err(e) => {
                // A failed object contributes nothing but its failure.
                hits.take();
                usage.take();
                return ObjectResult::Failed {
                    obj,
                    kind: e.code(),
                    error: e.to_string(),
                    compressed,
                };
            }
        };
        // Keys twice in the object: aggregate again, counting only their first occurrence.
        // Sorted in the commit's order (copies of a key stay adjacent), so the commit need not
        // sort again.
        crate::dedup::sort_for_commit(&mut q.pending);
        let before = q.repeated.len();
        for w in q.pending.windows(2) {
            if w[0] == w[1] {
                q.repeated.insert(w[0]);
            }
        }
        if q.repeated.len() > before {
            hits.take();
            usage.take();
            continue;
        }
        let taken = sh.dedup.commit_sorted(&q.pending);
        if taken.is_empty() {
            let rows = fa.into_rows(interner);
            interner.bound(crate::activity::MAX_INTERNED);
            return ObjectResult::Read {
                obj,
                decoded,
                stats: st,
                rows,
                findings: hits.take(),
                usage: Box::new(usage.take()),
            };
        }
        // Another object holds some of these events: count them there, not here. The rest
        // are this object's own now (only this rare path needs to know them).
        q.owned.extend(q.pending.iter().copied());
        for k in &taken {
            q.owned.remove(k);
        }
        hits.take();
        usage.take();
    }
}

/// One event of an object: filtered, checked for plausibility and duplicates, then counted.
#[allow(clippy::too_many_arguments)]
fn pass_event(
    e: &Event<'_, '_>,
    obj: &ObjectRef,
    path: &str,
    bounds: &TimeBounds,
    sh: &Shared<'_>,
    st: &mut FileStats,
    fa: &mut FileActivity,
    interner: &mut Interner,
    hits: &mut Hits,
    usage: &mut FileUsage,
    q: &mut Quarantine,
) {
    st.records += 1;
    let account = e.account().or(obj.account()).unwrap_or("unknown");
    let key_region = obj.layout.as_ref().and_then(|l| l.region.as_deref());
    let region = e.aws_region.or(key_region).unwrap_or("unknown");
    if !bounds.plausible(e.time_ms) {
        st.implausible += 1;
        if st.implausible_examples.len() < MAX_IMPLAUSIBLE_EXAMPLES {
            st.implausible_examples.push((
                e.event_id.unwrap_or("").to_string(),
                e.event_time.unwrap_or("").to_string(),
            ));
        }
        if sh.report_implausible {
            implausible_event_time::hit(e, account, region, path, bounds.delivered_by, hits);
        }
        return;
    }
    if !in_window(sh.sel, e.time_ms) {
        st.outside += 1;
        return;
    }
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
    if let Some(key) = sh.dedup.event_key(e) {
        let k = (day, key);
        if !q.repeated.is_empty() && q.repeated.contains(&k) && !q.seen.insert(k) {
            st.duplicates += 1;
            return;
        }
        let owned = !q.owned.is_empty() && q.owned.contains(&k);
        if !owned {
            if sh.dedup.contains(k.0, k.1) {
                st.duplicates += 1;
                return;
            }
            q.pending.push(k);
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(ids: &[u32]) -> Vec<u8> {
        let recs: Vec<serde_json::Value> = ids
            .iter()
            .map(|i| {
                serde_json::json!({"eventVersion": "1.09", "eventTime": "2024-06-02T10:00:00Z",
                    "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
                    "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
                    "eventID": format!("00000000-0000-4000-8000-{i:012}")})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"Records": recs})).unwrap()
    }

    fn counted(r: &ObjectResult) -> (u64, u64) {
        match r {
            ObjectResult::Read { stats, .. } => (stats.events, stats.duplicates),
            _ => panic!("not read"),
        }
    }

    #[test]
    fn events_another_object_committed_count_there_and_the_rest_here() {
        let dedup = Dedup::new();
        let detector = Detector::new(Some(&[]), &[]).unwrap();
        let sh = Shared {
            sel: &Selection::default(),
            dedup: &dedup,
            detector: &detector,
            trusted: &Trusted::default(),
            collect_resources: false,
            report_implausible: false,
            now: i64::MAX,
        };
        let obj = || ObjectRef {
            location: crate::source::Location::Local("t.json".into()),
            size: None,
            etag: None,
            layout: None,
            modified: None,
        };
        let mut decoder = Decoder::new(Default::default());
        let mut scratch = Scratch::default();
        // A commits 1..=3; B (1..=5, with 5 twice) then counts 4 and 5 once each.
        let a = decode_object(obj(), records(&[1, 2, 3]), &mut decoder, &mut scratch, &sh);
        assert_eq!(counted(&a), (3, 0));
        let b = decode_object(
            obj(),
            records(&[1, 2, 3, 4, 5, 5]),
            &mut decoder,
            &mut scratch,
            &sh,
        );
        assert_eq!(counted(&b), (2, 4));
        // The same object again: all duplicates; the scratch left nothing of B behind.
        let c = decode_object(obj(), records(&[4, 5, 6]), &mut decoder, &mut scratch, &sh);
        assert_eq!(counted(&c), (1, 2));
        assert_eq!(dedup.len(), 6);
    }

    #[test]
    fn racing_objects_with_shared_events_count_each_event_once() {
        // Objects overlap by half; two threads decode them in opposite orders, so commits
        // race with passes and the retry path (keys taken meanwhile) runs.
        let objects: Vec<Vec<u8>> = (0..16u32)
            .map(|o| records(&(o * 100..o * 100 + 200).collect::<Vec<_>>()))
            .collect();
        for _round in 0..20 {
            let dedup = Dedup::new();
            let detector = Detector::new(Some(&[]), &[]).unwrap();
            let sel = Selection::default();
            let trusted = Trusted::default();
            let sh = Shared {
                sel: &sel,
                dedup: &dedup,
                detector: &detector,
                trusted: &trusted,
                collect_resources: false,
                report_implausible: false,
                now: i64::MAX,
            };
            let total = std::sync::atomic::AtomicU64::new(0);
            std::thread::scope(|s| {
                for t in 0..2 {
                    let (sh, objects, total) = (&sh, &objects, &total);
                    s.spawn(move || {
                        let mut decoder = Decoder::new(Default::default());
                        let mut scratch = Scratch::default();
                        let order: Vec<usize> = if t == 0 {
                            (0..objects.len()).collect()
                        } else {
                            (0..objects.len()).rev().collect()
                        };
                        for i in order {
                            let obj = ObjectRef {
                                location: crate::source::Location::Local("t.json".into()),
                                size: None,
                                etag: None,
                                layout: None,
                                modified: None,
                            };
                            let r = decode_object(
                                obj,
                                objects[i].clone(),
                                &mut decoder,
                                &mut scratch,
                                sh,
                            );
                            let (events, dups) = counted(&r);
                            assert_eq!(events + dups, 200);
                            total.fetch_add(events, std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                }
            });
            // 16 objects of 200 overlapping by 100: 1,700 distinct events, each counted once
            // although every object was read twice.
            assert_eq!(total.into_inner(), 1_700);
            assert_eq!(dedup.len(), 1_700);
        }
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
