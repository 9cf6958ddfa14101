//! Deduplication by `eventID`.
//!
//! The same event can be delivered twice: by an organization trail and an account trail, or by a
//! re-delivery. In real trails the copies share the account and the day of `eventTime` (global
//! service events can reappear under another region's prefix), so the set of seen IDs is kept per
//! day and a day is forgotten once no object still to be read can hold it ([`Dedup::evict_before`]).
//! Memory is then bounded by a few days of IDs, not by the length of the run.
//!
//! IDs are stored as 128-bit keys: a UUID (what CloudTrail writes) is its own key, anything else
//! is hashed with a fixed-seed 128-bit hash, and either is mixed with the event's time, source,
//! name and account ([`event_key`]) so that only a real copy of an event is its duplicate.

use ahash::{HashMap, HashMapExt, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::event::Event;
use crate::event_id::parse_uuid;

const SHARDS: usize = 64;

/// A concurrent set of seen event IDs, grouped by day.
pub struct Dedup {
    shards: Vec<Mutex<HashMap<i32, HashSet<u128>>>>,
}

impl Default for Dedup {
    fn default() -> Self {
        Self::new()
    }
}

fn shard_of(key: u128) -> usize {
    (key as u64 ^ (key >> 64) as u64) as usize % SHARDS
}

/// The key that deduplicates one event: its `eventID` ([`id_key`]) mixed with what every copy
/// of the same event carries (`eventTime`, `eventSource`, `eventName`, `recipientAccountId`).
/// The copies an organization trail and an account trail deliver share all of them; a record
/// that copies an `eventID` and nothing else (or forges another event under it) gets another
/// key, so it can never make the genuine event look like a duplicate.
pub fn event_key(e: &Event<'_, '_>) -> Option<u128> {
    let id = e.event_id?;
    let s = ahash::RandomState::with_seeds(11, 12, 13, 14);
    let mut h = s.build_hasher();
    for part in [
        e.event_time,
        e.event_source,
        e.event_name,
        e.recipient_account_id,
    ] {
        let p = part.unwrap_or("");
        h.write_usize(p.len());
        h.write(p.as_bytes());
    }
    let m = h.finish();
    Some(id_key(id) ^ ((u128::from(m) << 64) | u128::from(m.rotate_left(29))))
}

/// The 128-bit key of an event ID.
pub fn id_key(id: &str) -> u128 {
    if let Some(v) = parse_uuid(id, false) {
        return v;
    }
    let b = id.as_bytes();
    // Not a UUID: two independent fixed-seed 64-bit hashes (fixed so runs are reproducible).
    let s1 = ahash::RandomState::with_seeds(1, 2, 3, 4);
    let s2 = ahash::RandomState::with_seeds(5, 6, 7, 8);
    let mut h1 = s1.build_hasher();
    h1.write(b);
    let mut h2 = s2.build_hasher();
    h2.write(b);
    ((h1.finish() as u128) << 64) | h2.finish() as u128
}

impl Dedup {
    /// An empty set.
    pub fn new() -> Self {
        Dedup {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Records an event ID for a day; `true` the first time, `false` for a duplicate.
    pub fn insert(&self, day: i32, id: &str) -> bool {
        let key = id_key(id);
        let mut m = self.shards[shard_of(key)]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.entry(day).or_default().insert(key)
    }

    /// Whether an ID key (from [`id_key`]) is held for a day.
    pub fn contains(&self, day: i32, key: u128) -> bool {
        let m = self.shards[shard_of(key)]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.get(&day).is_some_and(|set| set.contains(&key))
    }

    /// Commits the IDs of one object that decoded completely: inserts each `(day, key)` and
    /// returns those that another object inserted first (they are that object's events; the
    /// caller counts them as duplicates). Each shard is locked once.
    pub fn commit(&self, keys: &mut [(i32, u128)]) -> Vec<(i32, u128)> {
        keys.sort_unstable_by_key(|&(d, k)| (shard_of(k), d, k));
        let mut taken = Vec::new();
        for chunk in keys.chunk_by(|a, b| shard_of(a.1) == shard_of(b.1)) {
            let mut m = self.shards[shard_of(chunk[0].1)]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            for &(day, key) in chunk {
                if !m.entry(day).or_default().insert(key) {
                    taken.push((day, key));
                }
            }
        }
        taken
    }

    /// Records an ID key (from [`id_key`]) for a day, as a run with `--state` does with the
    /// IDs an earlier run kept.
    pub fn insert_key(&self, day: i32, key: u128) {
        let mut m = self.shards[shard_of(key)]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.entry(day).or_default().insert(key);
    }

    /// Every `(day, key)` held, sorted.
    pub fn keys(&self) -> Vec<(i32, u128)> {
        let mut out = Vec::with_capacity(self.len());
        for s in &self.shards {
            let m = s.lock().unwrap_or_else(|e| e.into_inner());
            for (d, set) in m.iter() {
                out.extend(set.iter().map(|k| (*d, *k)));
            }
        }
        out.sort_unstable();
        out
    }

    /// Forgets every day before `day`.
    pub fn evict_before(&self, day: i32) {
        for s in &self.shards {
            let mut m = s.lock().unwrap_or_else(|e| e.into_inner());
            m.retain(|d, _| *d >= day);
        }
    }

    /// IDs currently held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .map(HashSet::len)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Whether no ID is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_uuids_exactly_and_hashes_the_rest() {
        assert_eq!(id_key("00000000-0000-0000-0000-000000000001"), 1);
        assert_eq!(
            id_key("293ba626-3be5-4a26-ab1b-0f4c54f49959"),
            id_key("293BA626-3BE5-4A26-AB1B-0F4C54F49959")
        );
        assert_ne!(id_key("abc"), id_key("abd"));
        assert_eq!(id_key("abc"), id_key("abc"));
    }

    #[test]
    fn commit_reports_the_keys_another_object_took() {
        let d = Dedup::new();
        let mut first = vec![(1, 10), (1, 11), (2, 10)];
        assert!(d.commit(&mut first).is_empty());
        let mut second = vec![(1, 11), (1, 12), (2, 10), (3, 10)];
        let mut taken = d.commit(&mut second);
        taken.sort_unstable();
        assert_eq!(taken, vec![(1, 11), (2, 10)]);
        assert!(d.contains(1, 12) && d.contains(3, 10) && !d.contains(4, 10));
        assert_eq!(d.len(), 5);
    }

    #[test]
    fn detects_duplicates_per_day_and_evicts() {
        let d = Dedup::new();
        assert!(d.insert(10, "a"));
        assert!(!d.insert(10, "a"));
        assert!(d.insert(11, "a"));
        assert!(d.insert(12, "b"));
        assert_eq!(d.len(), 3);
        d.evict_before(12);
        assert_eq!(d.len(), 1);
        assert!(d.insert(10, "a"), "evicted days are forgotten");
        let again = Dedup::new();
        for (day, key) in d.keys() {
            again.insert_key(day, key);
        }
        assert!(!again.insert(12, "b"), "kept keys still count as seen");
        assert_eq!(again.keys(), d.keys());
    }

    #[test]
    fn concurrent_inserts_count_each_id_once() {
        let d = Dedup::new();
        let firsts = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..1000 {
                        if d.insert(1, &i.to_string()) {
                            firsts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(firsts.into_inner(), 1000);
    }
}
