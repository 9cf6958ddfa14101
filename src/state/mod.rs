//! State kept between runs (`scan --state DIR`, `recommend --state DIR`): the nightly job.
//!
//! A state directory holds:
//!
//! ```text
//! DIR/LOCK                   held (OS file lock) by the run using the directory
//! DIR/CURRENT                `gen-<n>` (or `none` before the first generation): the pointer
//! DIR/gen-<n>/ledger.parquet     objects read: hash of (location, size, ETag|mtime), stream, day
//! DIR/gen-<n>/usage.parquet      per principal and IAM action: counts, first and last use
//! DIR/gen-<n>/context.json       the rest of the usage the rules need (principals, keys, ...)
//! DIR/gen-<n>/event-ids.parquet  event IDs of the newest days, to drop re-delivered copies
//! DIR/gen-<n>/COMPLETE           manifest (format, options, file sizes), written last
//! ```
//!
//! A run locks the directory, loads the generation `CURRENT` names, has the sources skip the
//! objects of the ledger, merges the usage of the objects it read into the loaded one, ages out
//! what ended before the window, and writes the result as generation `n + 1`: every file
//! fsynced, then `COMPLETE`, then `CURRENT.tmp` renamed over `CURRENT` (the commit point),
//! then the old generation is removed. A run killed anywhere leaves `CURRENT` naming a complete
//! generation; the next run removes the leftovers (`CURRENT.tmp`, unreferenced `gen-*`).
//!
//! * [`dir`]: the directory protocol (`LOCK`, `CURRENT`, generations, leftovers);
//! * [`manifest`]: the `COMPLETE` manifest;
//! * [`ledger`]: which objects the sources skip, and how long entries and event IDs are kept;
//! * [`codec`]: the Parquet files (ledger, event IDs, usage);
//! * [`context`]: the `context.json` file.

mod codec;
mod context;
mod dir;
mod ledger;
mod manifest;
#[cfg(test)]
mod tests;

pub use codec::usage_schema;
pub use ledger::LEDGER_DAYS;

use crate::dedup::Dedup;
use crate::output::summary::StateSummary;
use crate::source::{LedgerEntry, ObjectRef, Seen, Selection};
use crate::time::Window;
use crate::usage::{Aged, Usage};
use anyhow::{Context, bail};
use codec::{read_event_ids, read_ledger, read_usage, write_event_ids, write_ledger, write_usage};
use context::{read_context, write_context};
use dir::{
    clean_leftovers, create_generation, gen_name, lock, read_current, remove_generation, sync_dir,
    write_pointer,
};
use manifest::Manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Version of the on-disk format.
pub const FORMAT: u32 = 1;

const LEDGER: &str = "ledger.parquet";
const USAGE: &str = "usage.parquet";
const CONTEXT: &str = "context.json";
const EVENT_IDS: &str = "event-ids.parquet";

/// A locked, loaded state directory.
pub struct State {
    dir: PathBuf,
    _lock: File,
    generation: u64,
    prior: Option<Usage>,
    ledger: Vec<LedgerEntry>,
    event_ids: Vec<(i32, u128)>,
    dedup_seed: [u64; 4],
    seen: Arc<Seen>,
    added: Vec<LedgerEntry>,
    not_recorded: u64,
    cleaned: Vec<String>,
    aged: Aged,
    filters: (Option<Vec<String>>, Option<Vec<String>>),
}

fn sorted(v: &Option<Vec<String>>) -> Option<Vec<String>> {
    v.as_ref().map(|v| {
        let s: BTreeSet<&String> = v.iter().collect();
        s.into_iter().cloned().collect()
    })
}

impl State {
    /// Locks `dir` (creating it), removes what killed runs left, and loads the current
    /// generation. A missing or garbled `CURRENT`, or a generation that is not complete, is an
    /// error naming the file; so are filters (`--accounts`, `--regions`) other than the ones
    /// the state was built with.
    pub fn open(dir: &Path, sel: &Selection) -> anyhow::Result<State> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating state folder {}", dir.display()))?;
        let lock = lock(dir)?;
        let generation = read_current(dir)?;
        // Leftovers of killed runs: the pointer being written, generations never committed or
        // not yet removed.
        let cleaned = clean_leftovers(dir, generation)?;
        let filters = (sorted(&sel.accounts), sorted(&sel.regions));
        let mut st = State {
            dir: dir.to_path_buf(),
            _lock: lock,
            generation,
            prior: None,
            ledger: Vec::new(),
            event_ids: Vec::new(),
            dedup_seed: crate::dedup::random_seed(),
            seen: Arc::new(Seen::default()),
            added: Vec::new(),
            not_recorded: 0,
            cleaned,
            aged: Aged::default(),
            filters,
        };
        if generation > 0 {
            st.load()?;
        }
        Ok(st)
    }

    fn load(&mut self) -> anyhow::Result<()> {
        let gdir = self.dir.join(gen_name(self.generation));
        let m = Manifest::load(&gdir)?;
        if (&m.accounts, &m.regions) != (&self.filters.0, &self.filters.1) {
            let show = |v: &Option<Vec<String>>| v.as_ref().map_or("all".into(), |v| v.join(","));
            bail!(
                "{} was built with --accounts {} --regions {}, this run has --accounts {} --regions {}: \
                 use the same filters, or another --state folder",
                self.dir.display(),
                show(&m.accounts),
                show(&m.regions),
                show(&self.filters.0),
                show(&self.filters.1)
            );
        }
        self.dedup_seed = m.dedup_seed.unwrap_or(crate::dedup::LEGACY_SEED);
        self.ledger = read_ledger(&gdir.join(LEDGER))?;
        self.event_ids = read_event_ids(&gdir.join(EVENT_IDS))?;
        let mut usage = read_context(&gdir.join(CONTEXT))?;
        read_usage(&gdir.join(USAGE), &mut usage)?;
        self.prior = Some(usage);
        // What the sources skip.
        self.seen = Arc::new(ledger::seen(&self.ledger));
        Ok(())
    }

    /// The objects the sources skip.
    pub fn seen(&self) -> Arc<Seen> {
        self.seen.clone()
    }

    /// Whether an earlier run's usage was loaded.
    pub fn has_history(&self) -> bool {
        self.prior.is_some()
    }

    /// The deduplication of this run: the state's seed, holding the event IDs an earlier run
    /// kept.
    pub fn dedup(&self) -> Dedup {
        let dedup = Dedup::with_seed(self.dedup_seed);
        for (day, key) in &self.event_ids {
            dedup.insert_key(*day, *key);
        }
        dedup
    }

    /// Notes an object this run decoded (`read`: it joins the ledger, JSON Lines with some bad
    /// lines included) or failed to read (it stays out and is read again next run).
    pub fn record(&mut self, obj: &ObjectRef, read: bool) {
        match obj.ledger_entry().filter(|_| read) {
            Some(e) => self.added.push(e),
            None => self.not_recorded += 1,
        }
    }

    /// Merges the loaded usage into this run's (before [`Usage::finish`]).
    pub fn merge_into(&mut self, usage: &mut Usage) {
        if let Some(p) = self.prior.take() {
            usage.absorb(p);
        }
    }

    /// Ages out what ended before the window's start.
    pub fn age(&mut self, usage: &mut Usage, window: Option<Window>) {
        if let Some(w) = window {
            self.aged = usage.age_out(w.start);
        }
    }

    /// A summary for a run that does not write a generation.
    pub fn summary(&self) -> StateSummary {
        StateSummary {
            dir: self.dir.display().to_string(),
            loaded_generation: self.generation,
            objects_added: self.added.len() as u64,
            objects_not_recorded: self.not_recorded,
            aged_out: self.aged,
            cleaned: self.cleaned.clone(),
            ..Default::default()
        }
    }

    /// Writes the new generation and makes it current; then removes the old one.
    pub fn commit(
        self,
        usage: &Usage,
        dedup: &Dedup,
        window: Option<Window>,
        window_days: u32,
    ) -> anyhow::Result<StateSummary> {
        let mut sum = self.summary();
        // The ledger: old and new entries, each stream cut to its newest days.
        let (ledger, newest) = ledger::cut(self.ledger, self.added);
        // Event IDs: of the days objects still to come can hold.
        let ids = ledger::event_ids_to_keep(dedup, &newest);
        let Some(next) = self.generation.checked_add(1) else {
            anyhow::bail!(
                "{}: the current generation gen-{} is the last one a 64-bit counter holds \
                 (a planted or damaged folder); start afresh with an empty --state folder",
                self.dir.display(),
                self.generation
            );
        };
        let gdir = create_generation(&self.dir, next)?;
        let mut files = BTreeMap::new();
        let mut put = |name: &str, r: anyhow::Result<u64>| -> anyhow::Result<()> {
            let size = r.with_context(|| format!("writing {}", gdir.join(name).display()))?;
            files.insert(name.to_string(), size);
            Ok(())
        };
        put(LEDGER, write_ledger(&gdir.join(LEDGER), &ledger))?;
        let usage_rows = usage
            .actions
            .values()
            .map(|p| p.actions.len())
            .sum::<usize>();
        put(USAGE, write_usage(&gdir.join(USAGE), usage))?;
        put(CONTEXT, write_context(&gdir.join(CONTEXT), usage))?;
        put(EVENT_IDS, write_event_ids(&gdir.join(EVENT_IDS), &ids))?;
        let m = Manifest {
            format: FORMAT,
            generation: next,
            trailguard: env!("CARGO_PKG_VERSION").to_string(),
            accounts: self.filters.0.clone(),
            regions: self.filters.1.clone(),
            window_days,
            window_start: window.map(|w| w.start),
            window_end: window.map(|w| w.end),
            files,
            dedup_seed: Some(dedup.seed()),
        };
        m.write(&gdir)?;
        sync_dir(&gdir).with_context(|| format!("syncing {}", gdir.display()))?;
        // The commit point.
        write_pointer(&self.dir, &gen_name(next))?;
        if self.generation > 0 {
            remove_generation(&self.dir, self.generation);
        }
        sum.written_generation = next;
        sum.ledger_objects = ledger.len() as u64;
        sum.usage_rows = usage_rows as u64;
        sum.event_ids = ids.len() as u64;
        Ok(sum)
    }
}
