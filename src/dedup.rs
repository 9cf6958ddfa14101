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
//! name and account under a secret seed ([`Dedup::event_key`]) so that only a real copy of an
//! event is its duplicate.

use ahash::{HashMap, HashMapExt};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::event::Event;
use crate::event_id::parse_uuid;

const SHARDS: usize = 64;

/// A set of 128-bit keys. The keys are already well mixed (UUIDs and hashes), so a one-multiply
/// hash does; foldhash is seeded per process, so input cannot be chosen to collide.
pub type KeySet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
type HashSet<K> = KeySet<K>;

/// A concurrent set of seen event IDs, grouped by day.
pub struct Dedup {
    shards: Vec<Mutex<HashMap<i32, HashSet<u128>>>>,
    /// The secret that mixes an event's content into its key ([`Dedup::event_key`]).
    seed: [u64; 4],
    content: ahash::RandomState,
}

/// Seeds of the content hash in states written before the seed was kept: public constants.
pub const LEGACY_SEED: [u64; 4] = [11, 12, 13, 14];

/// A fresh secret seed from the operating system's randomness (through std's `RandomState`).
pub fn random_seed() -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, v) in out.iter_mut().enumerate() {
        *v = std::collections::hash_map::RandomState::new().hash_one(i as u64);
    }
    out
}

impl Default for Dedup {
    fn default() -> Self {
        Self::new()
    }
}

fn shard_of(key: u128) -> usize {
    (key as u64 ^ (key >> 64) as u64) as usize % SHARDS
}

/// Sorts `(day, key)` pairs in the order [`Dedup::commit_sorted`] takes them: by shard, then
/// day and key (equal pairs end up side by side).
pub fn sort_for_commit(keys: &mut [(i32, u128)]) {
    keys.sort_unstable_by_key(|&(d, k)| (shard_of(k), d, k));
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
    /// An empty set with a fresh secret seed.
    pub fn new() -> Self {
        Self::with_seed(random_seed())
    }

    /// An empty set whose content hash uses `seed` (a `--state` run keeps its seed, so that
    /// the keys it stored match the events of the next run).
    pub fn with_seed(seed: [u64; 4]) -> Self {
        Dedup {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            seed,
            content: ahash::RandomState::with_seeds(seed[0], seed[1], seed[2], seed[3]),
        }
    }

    /// The seed of the content hash.
    pub fn seed(&self) -> [u64; 4] {
        self.seed
    }

    /// The key that deduplicates one event: its `eventID` ([`id_key`]) mixed with what every
    /// copy of the same event carries (`eventTime`, `eventSource`, `eventName`,
    /// `recipientAccountId`). The copies an organization trail and an account trail deliver
    /// share all of them; a record that copies an `eventID` and nothing else (or forges
    /// another event under it) gets another key, so it can never make the genuine event look
    /// like a duplicate. The content hash is keyed with a secret seed: without it, a forger
    /// could pick an ID whose mixed key equals a genuine event's.
    pub fn event_key(&self, e: &Event<'_, '_>) -> Option<u128> {
        let id = e.event_id?;
        let mut h = self.content.build_hasher();
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
        sort_for_commit(keys);
        self.commit_sorted(keys)
    }

    /// [`Dedup::commit`] of keys already in [`sort_for_commit`] order.
    pub fn commit_sorted(&self, keys: &[(i32, u128)]) -> Vec<(i32, u128)> {
        debug_assert!(keys.is_sorted_by_key(|&(d, k)| (shard_of(k), d, k)));
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

    fn key_of(d: &Dedup, json: &str) -> u128 {
        let mut buf = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        d.event_key(&Event::from_value(tape.as_value()).unwrap())
            .unwrap()
    }

    fn ev(id: &str, name: &str) -> String {
        format!(
            r#"{{"eventID":"{id}","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"{name}","recipientAccountId":"111122223333"}}"#
        )
    }

    #[test]
    fn a_forger_cannot_choose_an_id_that_takes_a_genuine_key() {
        let genuine = ev("293ba626-3be5-4a26-ab1b-0f4c54f49959", "DeleteBucket");
        // With a public seed the content hash is known: XOR the difference of the two
        // contents' hashes into the ID, and the forged record gets the genuine record's key.
        let public = Dedup::with_seed(LEGACY_SEED);
        let g = key_of(&public, &genuine);
        let zero = key_of(
            &public,
            &ev("00000000-0000-0000-0000-000000000000", "ListBuckets"),
        );
        let forged_id = crate::event_id::format_uuid(g ^ zero);
        let forged = ev(&forged_id, "ListBuckets");
        assert_eq!(
            key_of(&public, &forged),
            g,
            "the attack works on a public seed"
        );
        // With a secret seed the same construction fails.
        let secret = Dedup::new();
        assert_ne!(secret.seed(), LEGACY_SEED);
        assert_ne!(key_of(&secret, &forged), key_of(&secret, &genuine));
        // Copies of one event still share their key, and a kept seed gives the same keys.
        assert_eq!(key_of(&secret, &genuine), key_of(&secret, &genuine.clone()));
        let again = Dedup::with_seed(secret.seed());
        assert_eq!(key_of(&again, &genuine), key_of(&secret, &genuine));
        assert_ne!(random_seed(), random_seed());
    }

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
