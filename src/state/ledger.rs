//! The ledger: the objects earlier runs read, which the sources skip, each stream's entries
//! cut to its newest delivery days; and the event IDs kept for the days still to come.

use crate::dedup::Dedup;
use crate::source::{LedgerEntry, Seen};
use std::collections::HashMap;

/// Days before the newest delivery day of a stream that the ledger keeps. CloudTrail writes an
/// object under the UTC day it delivers it, so a day folder stops growing once the day is
/// over; the margin covers clock skew and runs that straddle midnight.
pub const LEDGER_DAYS: i32 = 2;

/// What the sources skip: the ledger's objects, and per stream the day below which nothing is
/// listed (the newest day less [`LEDGER_DAYS`]).
pub(super) fn seen(ledger: &[LedgerEntry]) -> Seen {
    let mut seen = Seen::default();
    let mut newest: HashMap<&str, i32> = HashMap::new();
    for e in ledger {
        seen.ids.insert(e.id);
        if let (Some(s), Some(d)) = (&e.stream, e.day) {
            let n = newest.entry(s.as_str()).or_insert(d);
            *n = (*n).max(d);
        }
    }
    seen.floors = newest
        .into_iter()
        .map(|(s, d)| (s.to_string(), d - LEDGER_DAYS))
        .collect();
    seen
}

/// The ledger to write: the loaded entries and the ones this run `added`, each stream cut to
/// its newest days; with the newest day of each stream.
pub(super) fn cut(
    loaded: Vec<LedgerEntry>,
    added: Vec<LedgerEntry>,
) -> (Vec<LedgerEntry>, HashMap<String, i32>) {
    let mut ledger: Vec<LedgerEntry> = loaded;
    ledger.extend(added);
    ledger.sort_by(|a, b| (&a.stream, a.day, a.id).cmp(&(&b.stream, b.day, b.id)));
    ledger.dedup_by(|a, b| a.id == b.id);
    let mut newest: HashMap<String, i32> = HashMap::new();
    for e in &ledger {
        if let (Some(s), Some(d)) = (&e.stream, e.day) {
            let n = newest.entry(s.clone()).or_insert(d);
            *n = (*n).max(d);
        }
    }
    ledger.retain(|e| match (&e.stream, e.day) {
        (Some(s), Some(d)) => d >= newest[s] - LEDGER_DAYS,
        _ => true,
    });
    (ledger, newest)
}

/// The event IDs to keep: those of the days objects still to come can hold.
pub(super) fn event_ids_to_keep(dedup: &Dedup, newest: &HashMap<String, i32>) -> Vec<(i32, u128)> {
    let keep_from = newest.values().max().map(|d| d - LEDGER_DAYS - 1);
    dedup
        .keys()
        .into_iter()
        .filter(|(d, _)| keep_from.is_none_or(|k| *d >= k || *d == crate::activity::NO_DAY))
        .collect()
}
