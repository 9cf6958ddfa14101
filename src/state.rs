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

use crate::dedup::Dedup;
use crate::output::summary::StateSummary;
use crate::source::{LedgerEntry, ObjectRef, Seen, Selection};
use crate::time::Window;
use crate::usage::{
    ActionUse, Aged, KeyChange, KeyEvent, KeyUse, PrincipalActions, PrincipalUse, Resources, Span,
    Usage,
};
use anyhow::{Context, bail};
use arrow_array::{
    Array, ArrayRef, Date32Array, FixedSizeBinaryArray, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Version of the on-disk format.
pub const FORMAT: u32 = 1;

/// Days before the newest delivery day of a stream that the ledger keeps. CloudTrail writes an
/// object under the UTC day it delivers it, so a day folder stops growing once the day is
/// over; the margin covers clock skew and runs that straddle midnight.
pub const LEDGER_DAYS: i32 = 2;

const LEDGER: &str = "ledger.parquet";
const USAGE: &str = "usage.parquet";
const CONTEXT: &str = "context.json";
const EVENT_IDS: &str = "event-ids.parquet";
const COMPLETE: &str = "COMPLETE";
const CURRENT: &str = "CURRENT";
const CURRENT_TMP: &str = "CURRENT.tmp";
const LOCK: &str = "LOCK";

/// `COMPLETE`: what a generation holds and how it was made.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    generation: u64,
    trailguard: String,
    /// `--accounts` the state was built with (sorted), or all.
    accounts: Option<Vec<String>>,
    /// `--regions` the state was built with (sorted), or all.
    regions: Option<Vec<String>>,
    /// `--window` of the run that wrote it.
    window_days: u32,
    /// The window's start and end (epoch ms) that run aged usage by.
    window_start: Option<i64>,
    window_end: Option<i64>,
    /// File name -> size in bytes.
    files: BTreeMap<String, u64>,
}

/// A locked, loaded state directory.
pub struct State {
    dir: PathBuf,
    _lock: File,
    generation: u64,
    prior: Option<Usage>,
    ledger: Vec<LedgerEntry>,
    event_ids: Vec<(i32, u128)>,
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

/// fsync of a directory, so that a rename or a new file in it is durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `CURRENT` through `CURRENT.tmp` (fsync, rename, fsync of the folder).
fn write_pointer(dir: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = dir.join(CURRENT_TMP);
    let mut f = File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(format!("{text}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(f);
    let cur = dir.join(CURRENT);
    std::fs::rename(&tmp, &cur).with_context(|| format!("renaming to {}", cur.display()))?;
    sync_dir(dir).with_context(|| format!("syncing {}", dir.display()))
}

fn gen_name(n: u64) -> String {
    format!("gen-{n}")
}

fn parse_gen(name: &str) -> Option<u64> {
    let n = name.strip_prefix("gen-")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}

/// Takes the directory's lock (an OS lock on `DIR/LOCK`, released by the kernel when the
/// process ends however it ends, so a killed run leaves no stale lock).
fn lock(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(LOCK);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            bail!(
                "{} is held by another trailguard run{}: one run at a time per state directory",
                path.display(),
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" ({holder})")
                }
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    f.set_len(0)
        .and_then(|_| f.write_all(format!("pid {}\n", std::process::id()).as_bytes()))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(f)
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
        let cur_path = dir.join(CURRENT);
        let generation = match std::fs::read(&cur_path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                match text.trim() {
                    "none" => 0,
                    t => match parse_gen(t) {
                        Some(n) if n > 0 => n,
                        _ => bail!(
                            "{}: garbled state pointer `{}` (expected `gen-<n>` or `none`); \
                             restore it or start afresh with an empty --state folder",
                            cur_path.display(),
                            text.trim().chars().take(60).collect::<String>()
                        ),
                    },
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let others: Vec<String> = std::fs::read_dir(dir)
                    .with_context(|| format!("listing {}", dir.display()))?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n != LOCK && n != CURRENT_TMP)
                    .collect();
                if !others.is_empty() {
                    bail!(
                        "{} is missing but {} is not empty ({}): not a trailguard state folder, \
                         or its pointer was removed; restore it (`gen-<n>`) or use an empty folder",
                        cur_path.display(),
                        dir.display(),
                        others.join(", ")
                    );
                }
                write_pointer(dir, "none")?;
                0
            }
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", cur_path.display()));
            }
        };
        // Leftovers of killed runs: the pointer being written, generations never committed or
        // not yet removed.
        let mut cleaned = Vec::new();
        for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            let e = e.with_context(|| format!("listing {}", dir.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            let stale = name == CURRENT_TMP || parse_gen(&name).is_some_and(|n| n != generation);
            if !stale {
                continue;
            }
            let r = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            r.with_context(|| format!("removing leftover {}", path.display()))?;
            tracing::info!(path = %path.display(), "removed a leftover of an earlier run");
            cleaned.push(name);
        }
        let filters = (sorted(&sel.accounts), sorted(&sel.regions));
        let mut st = State {
            dir: dir.to_path_buf(),
            _lock: lock,
            generation,
            prior: None,
            ledger: Vec::new(),
            event_ids: Vec::new(),
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
        let mpath = gdir.join(COMPLETE);
        let text = std::fs::read(&mpath).with_context(|| {
            format!(
                "{}: the generation CURRENT names is not complete",
                mpath.display()
            )
        })?;
        let m: Manifest = serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a state manifest", mpath.display()))?;
        if m.format != FORMAT {
            bail!(
                "{}: state format {} (this trailguard reads {FORMAT})",
                mpath.display(),
                m.format
            );
        }
        for (name, size) in &m.files {
            let p = gdir.join(name);
            let len = std::fs::metadata(&p)
                .with_context(|| format!("{}: missing from the state", p.display()))?
                .len();
            if len != *size {
                bail!(
                    "{}: {len} bytes, the manifest says {size}: the state is damaged",
                    p.display()
                );
            }
        }
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
        self.ledger = read_ledger(&gdir.join(LEDGER))?;
        self.event_ids = read_event_ids(&gdir.join(EVENT_IDS))?;
        let mut usage = read_context(&gdir.join(CONTEXT))?;
        read_usage(&gdir.join(USAGE), &mut usage)?;
        self.prior = Some(usage);
        // What the sources skip.
        let mut seen = Seen::default();
        let mut newest: HashMap<&str, i32> = HashMap::new();
        for e in &self.ledger {
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
        self.seen = Arc::new(seen);
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

    /// Gives the deduplication the event IDs an earlier run kept.
    pub fn seed(&self, dedup: &Dedup) {
        for (day, key) in &self.event_ids {
            dedup.insert_key(*day, *key);
        }
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
        let mut ledger: Vec<LedgerEntry> = self.ledger;
        ledger.extend(self.added);
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
        // Event IDs: of the days objects still to come can hold.
        let keep_from = newest.values().max().map(|d| d - LEDGER_DAYS - 1);
        let ids: Vec<(i32, u128)> = dedup
            .keys()
            .into_iter()
            .filter(|(d, _)| keep_from.is_none_or(|k| *d >= k || *d == crate::activity::NO_DAY))
            .collect();
        let next = self.generation + 1;
        let gdir = self.dir.join(gen_name(next));
        if gdir.exists() {
            std::fs::remove_dir_all(&gdir)
                .with_context(|| format!("removing leftover {}", gdir.display()))?;
        }
        std::fs::create_dir(&gdir).with_context(|| format!("creating {}", gdir.display()))?;
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
        };
        let mpath = gdir.join(COMPLETE);
        let mut text = serde_json::to_vec_pretty(&m)?;
        text.push(b'\n');
        let mut f = File::create(&mpath).with_context(|| format!("writing {}", mpath.display()))?;
        f.write_all(&text)
            .and_then(|_| f.sync_all())
            .with_context(|| format!("writing {}", mpath.display()))?;
        drop(f);
        sync_dir(&gdir).with_context(|| format!("syncing {}", gdir.display()))?;
        // The commit point.
        write_pointer(&self.dir, &gen_name(next))?;
        if self.generation > 0 {
            let old = self.dir.join(gen_name(self.generation));
            if let Err(e) = std::fs::remove_dir_all(&old) {
                tracing::warn!(path = %old.display(), error = %e, "cannot remove the previous state generation (the next run will)");
            }
        }
        sum.written_generation = next;
        sum.ledger_objects = ledger.len() as u64;
        sum.usage_rows = usage_rows as u64;
        sum.event_ids = ids.len() as u64;
        Ok(sum)
    }
}

// ---- Parquet and JSON files ----

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// Writes batches to `path` and fsyncs; returns the file's size.
fn write_parquet(path: &Path, schema: SchemaRef, batch: RecordBatch) -> anyhow::Result<u64> {
    let file = File::create(path)?;
    let mut w = parquet::arrow::ArrowWriter::try_new(
        file,
        schema,
        Some(crate::output::activity_parquet::properties()),
    )?;
    if batch.num_rows() > 0 {
        w.write(&batch)?;
    }
    let f = w.into_inner()?;
    f.sync_all()?;
    Ok(f.metadata()?.len())
}

fn read_parquet(path: &Path) -> anyhow::Result<Vec<RecordBatch>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .with_context(|| format!("{}: not a Parquet file", path.display()))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", path.display()))
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str, path: &Path) -> anyhow::Result<&'a T> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .with_context(|| {
            format!(
                "{}: column `{name}` missing or of another type",
                path.display()
            )
        })
}

fn opt<A: Array>(a: &A, i: usize) -> bool {
    a.is_valid(i)
}

fn ledger_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::FixedSizeBinary(16), false),
        Field::new("stream", DataType::Utf8, true),
        Field::new("day", DataType::Date32, true),
    ]))
}

fn write_ledger(path: &Path, rows: &[LedgerEntry]) -> anyhow::Result<u64> {
    let ids = FixedSizeBinaryArray::try_from_iter(rows.iter().map(|e| e.id.to_be_bytes()))
        .unwrap_or_else(|_| FixedSizeBinaryArray::new_null(16, 0));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(
            rows.iter()
                .map(|e| e.stream.as_deref())
                .collect::<StringArray>(),
        ),
        Arc::new(rows.iter().map(|e| e.day).collect::<Date32Array>()),
    ];
    let schema = ledger_schema();
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

fn read_ledger(path: &Path) -> anyhow::Result<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    for b in read_parquet(path)? {
        let id = col::<FixedSizeBinaryArray>(&b, "id", path)?;
        let stream = col::<StringArray>(&b, "stream", path)?;
        let day = col::<Date32Array>(&b, "day", path)?;
        for i in 0..b.num_rows() {
            let bytes: [u8; 16] = id
                .value(i)
                .try_into()
                .with_context(|| format!("{}: an id is not 16 bytes", path.display()))?;
            out.push(LedgerEntry {
                id: u128::from_be_bytes(bytes),
                stream: opt(stream, i).then(|| stream.value(i).to_string()),
                day: opt(day, i).then(|| day.value(i)),
            });
        }
    }
    Ok(out)
}

fn event_ids_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("day", DataType::Date32, true),
        Field::new("id", DataType::FixedSizeBinary(16), false),
    ]))
}

fn write_event_ids(path: &Path, ids: &[(i32, u128)]) -> anyhow::Result<u64> {
    let keys = FixedSizeBinaryArray::try_from_iter(ids.iter().map(|(_, k)| k.to_be_bytes()))
        .unwrap_or_else(|_| FixedSizeBinaryArray::new_null(16, 0));
    let days: Date32Array = ids
        .iter()
        .map(|(d, _)| (*d != crate::activity::NO_DAY).then_some(*d))
        .collect();
    let schema = event_ids_schema();
    let cols: Vec<ArrayRef> = vec![Arc::new(days), Arc::new(keys)];
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

fn read_event_ids(path: &Path) -> anyhow::Result<Vec<(i32, u128)>> {
    let mut out = Vec::new();
    for b in read_parquet(path)? {
        let day = col::<Date32Array>(&b, "day", path)?;
        let id = col::<FixedSizeBinaryArray>(&b, "id", path)?;
        for i in 0..b.num_rows() {
            let bytes: [u8; 16] = id
                .value(i)
                .try_into()
                .with_context(|| format!("{}: an id is not 16 bytes", path.display()))?;
            let d = if opt(day, i) {
                day.value(i)
            } else {
                crate::activity::NO_DAY
            };
            out.push((d, u128::from_be_bytes(bytes)));
        }
    }
    Ok(out)
}

/// The schema of `usage.parquet` (documented in the README).
pub fn usage_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("count", DataType::Int64, false),
        Field::new("denied", DataType::Int64, false),
        Field::new("first", ts(), true),
        Field::new("last", ts(), true),
        Field::new("denied_first", ts(), true),
        Field::new("denied_last", ts(), true),
    ]))
}

fn write_usage(path: &Path, usage: &Usage) -> anyhow::Result<u64> {
    let mut principals: Vec<(&Arc<str>, &PrincipalActions)> = usage.actions.iter().collect();
    principals.sort_by(|a, b| a.0.cmp(b.0));
    type UsageRow<'a> = (&'a PrincipalActions, &'a str, &'a str, &'a ActionUse);
    let rows: Vec<UsageRow<'_>> = principals
        .iter()
        .flat_map(|(p, pa)| pa.actions.iter().map(move |(a, u)| (*pa, &***p, &**a, u)))
        .collect();
    let s = |f: &dyn Fn(&UsageRow<'_>) -> String| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<StringArray>())
    };
    let n = |f: fn(&ActionUse) -> u64| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some(f(r.3) as i64))
                .collect::<Int64Array>(),
        )
    };
    let t = |f: fn(&ActionUse) -> Option<i64>| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| f(r.3))
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        )
    };
    let cols: Vec<ArrayRef> = vec![
        s(&|r| r.0.account.clone()),
        s(&|r| r.1.to_string()),
        s(&|r| r.0.principal_type.clone()),
        s(&|r| r.2.to_string()),
        n(|u| u.count),
        n(|u| u.denied),
        t(|u| u.first),
        t(|u| u.last),
        t(|u| u.denied_first),
        t(|u| u.denied_last),
    ];
    let schema = usage_schema();
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

fn read_usage(path: &Path, usage: &mut Usage) -> anyhow::Result<()> {
    for b in read_parquet(path)? {
        let account = col::<StringArray>(&b, "account", path)?;
        let principal = col::<StringArray>(&b, "principal", path)?;
        let ptype = col::<StringArray>(&b, "principal_type", path)?;
        let action = col::<StringArray>(&b, "action", path)?;
        let count = col::<Int64Array>(&b, "count", path)?;
        let denied = col::<Int64Array>(&b, "denied", path)?;
        let t = |name: &str| col::<TimestampMillisecondArray>(&b, name, path);
        let (first, last, dfirst, dlast) = (
            t("first")?,
            t("last")?,
            t("denied_first")?,
            t("denied_last")?,
        );
        let get = |a: &TimestampMillisecondArray, i: usize| opt(a, i).then(|| a.value(i));
        for i in 0..b.num_rows() {
            let pa = usage
                .actions
                .entry(Arc::from(principal.value(i)))
                .or_insert_with(|| PrincipalActions {
                    account: account.value(i).to_string(),
                    principal_type: ptype.value(i).to_string(),
                    actions: BTreeMap::new(),
                });
            pa.actions.insert(
                Arc::from(action.value(i)),
                ActionUse {
                    count: count.value(i).max(0) as u64,
                    denied: denied.value(i).max(0) as u64,
                    first: get(first, i),
                    last: get(last, i),
                    denied_first: get(dfirst, i),
                    denied_last: get(dlast, i),
                },
            );
        }
    }
    Ok(())
}

/// A span in `context.json`.
#[derive(Serialize, Deserialize)]
struct SpanJ {
    first: i64,
    last: i64,
    count: u64,
}

impl From<&Span> for SpanJ {
    fn from(s: &Span) -> Self {
        SpanJ {
            first: s.first,
            last: s.last,
            count: s.count,
        }
    }
}

impl From<&SpanJ> for Span {
    fn from(s: &SpanJ) -> Self {
        Span {
            first: s.first,
            last: s.last,
            count: s.count,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PrincipalJ {
    principal: String,
    account: String,
    principal_type: String,
    span: SpanJ,
}

#[derive(Serialize, Deserialize)]
struct KeyJ {
    key: String,
    account: String,
    user_arn: String,
    user_name: Option<String>,
    span: SpanJ,
}

#[derive(Serialize, Deserialize)]
struct KeyEventJ {
    key: String,
    time: i64,
    change: String,
    account: String,
    user_name: Option<String>,
    actor: String,
    event_id: Option<String>,
    source_ip: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DataSourceJ {
    account: String,
    event_source: String,
    last: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct ResourcesJ {
    principal: String,
    event_source: String,
    event_name: String,
    arns: Vec<String>,
    overflow: bool,
    unnamed: bool,
    last: Option<i64>,
}

/// `context.json`: the usage that is not per action. Times are epoch milliseconds.
#[derive(Serialize, Deserialize)]
struct ContextFile {
    newest: Option<i64>,
    oldest: Option<i64>,
    accounts: BTreeMap<String, SpanJ>,
    principals: Vec<PrincipalJ>,
    keys: Vec<KeyJ>,
    console: BTreeMap<String, SpanJ>,
    key_events: Vec<KeyEventJ>,
    data_sources: Vec<DataSourceJ>,
    resources: Vec<ResourcesJ>,
}

fn change_name(c: KeyChange) -> &'static str {
    match c {
        KeyChange::Created => "created",
        KeyChange::Activated => "activated",
        KeyChange::Deactivated => "deactivated",
        KeyChange::Deleted => "deleted",
    }
}

fn write_context(path: &Path, u: &Usage) -> anyhow::Result<u64> {
    let mut principals: Vec<PrincipalJ> = u
        .principals
        .iter()
        .map(|(k, p)| PrincipalJ {
            principal: k.to_string(),
            account: p.account.clone(),
            principal_type: p.principal_type.clone(),
            span: (&p.span).into(),
        })
        .collect();
    principals.sort_by(|a, b| a.principal.cmp(&b.principal));
    let c = ContextFile {
        newest: u.newest,
        oldest: u.oldest,
        accounts: u
            .accounts
            .iter()
            .map(|(k, s)| (k.clone(), s.into()))
            .collect(),
        principals,
        keys: u
            .keys
            .iter()
            .map(|(k, v)| KeyJ {
                key: k.clone(),
                account: v.account.clone(),
                user_arn: v.user_arn.clone(),
                user_name: v.user_name.clone(),
                span: (&v.span).into(),
            })
            .collect(),
        console: u
            .console
            .iter()
            .map(|(k, s)| (k.clone(), s.into()))
            .collect(),
        key_events: u
            .key_events
            .iter()
            .map(|e| KeyEventJ {
                key: e.key.clone(),
                time: e.time,
                change: change_name(e.change).to_string(),
                account: e.account.clone(),
                user_name: e.user_name.clone(),
                actor: e.actor.clone(),
                event_id: e.event_id.clone(),
                source_ip: e.source_ip.clone(),
            })
            .collect(),
        data_sources: u
            .data_sources
            .iter()
            .map(|k| DataSourceJ {
                account: k.0.clone(),
                event_source: k.1.clone(),
                last: u.data_source_last.get(k).copied(),
            })
            .collect(),
        resources: u
            .resources
            .iter()
            .map(|((p, s, n), r)| ResourcesJ {
                principal: p.clone(),
                event_source: s.clone(),
                event_name: n.clone(),
                arns: r.arns.iter().cloned().collect(),
                overflow: r.overflow,
                unnamed: r.unnamed,
                last: r.last,
            })
            .collect(),
    };
    let mut text = serde_json::to_vec(&c)?;
    text.push(b'\n');
    let mut f = File::create(path)?;
    f.write_all(&text)?;
    f.sync_all()?;
    Ok(text.len() as u64)
}

fn read_context(path: &Path) -> anyhow::Result<Usage> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let c: ContextFile = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a state context file", path.display()))?;
    let mut u = Usage::default();
    u.newest = c.newest;
    u.oldest = c.oldest;
    u.accounts = c
        .accounts
        .iter()
        .map(|(k, s)| (k.clone(), s.into()))
        .collect();
    for p in c.principals {
        u.principals.insert(
            Arc::from(p.principal.as_str()),
            PrincipalUse {
                account: p.account,
                principal_type: p.principal_type,
                span: (&p.span).into(),
            },
        );
    }
    for k in c.keys {
        u.keys.insert(
            k.key,
            KeyUse {
                account: k.account,
                user_arn: k.user_arn,
                user_name: k.user_name,
                span: (&k.span).into(),
            },
        );
    }
    u.console = c
        .console
        .iter()
        .map(|(k, s)| (k.clone(), s.into()))
        .collect();
    for e in c.key_events {
        let change = match e.change.as_str() {
            "created" => KeyChange::Created,
            "activated" => KeyChange::Activated,
            "deactivated" => KeyChange::Deactivated,
            "deleted" => KeyChange::Deleted,
            other => bail!("{}: unknown key change `{other}`", path.display()),
        };
        u.key_events.push(KeyEvent {
            key: e.key,
            time: e.time,
            change,
            account: e.account,
            user_name: e.user_name,
            actor: e.actor,
            event_id: e.event_id,
            source_ip: e.source_ip,
        });
    }
    for d in c.data_sources {
        let k = (d.account, d.event_source);
        if let Some(t) = d.last {
            u.data_source_last.insert(k.clone(), t);
        }
        u.data_sources.insert(k);
    }
    for r in c.resources {
        u.resources.insert(
            (r.principal, r.event_source, r.event_name),
            Resources {
                arns: r.arns.into_iter().collect(),
                overflow: r.overflow,
                unnamed: r.unnamed,
                last: r.last,
            },
        );
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_sample() -> Usage {
        let mut u = Usage::default();
        let mut actions = BTreeMap::new();
        actions.insert(
            Arc::from("s3:GetObject"),
            ActionUse {
                count: 3,
                denied: 1,
                first: Some(1_000),
                last: Some(5_000),
                denied_first: Some(2_000),
                denied_last: Some(2_000),
            },
        );
        actions.insert(
            Arc::from("iam:ListUsers"),
            ActionUse {
                count: 1,
                denied: 0,
                first: Some(100),
                last: Some(100),
                denied_first: None,
                denied_last: None,
            },
        );
        u.actions.insert(
            Arc::from("arn:aws:iam::111122223333:user/alice"),
            PrincipalActions {
                account: "111122223333".into(),
                principal_type: "IAMUser".into(),
                actions,
            },
        );
        u.principals.insert(
            Arc::from("arn:aws:iam::111122223333:user/alice"),
            PrincipalUse {
                account: "111122223333".into(),
                principal_type: "IAMUser".into(),
                span: Span {
                    first: 100,
                    last: 5_000,
                    count: 5,
                },
            },
        );
        u.data_sources
            .insert(("111122223333".into(), "s3.amazonaws.com".into()));
        u.data_source_last
            .insert(("111122223333".into(), "s3.amazonaws.com".into()), 5_000);
        u.resources.insert(
            (
                "arn:aws:iam::111122223333:user/alice".into(),
                "s3.amazonaws.com".into(),
                "GetObject".into(),
            ),
            Resources {
                arns: ["arn:aws:s3:::b/k".to_string()].into_iter().collect(),
                overflow: false,
                unnamed: false,
                last: Some(5_000),
            },
        );
        u.key_events.push(KeyEvent {
            key: "AKIAOLD".into(),
            time: 50,
            change: KeyChange::Deleted,
            account: "111122223333".into(),
            user_name: Some("alice".into()),
            actor: "arn:aws:iam::111122223333:user/admin".into(),
            event_id: None,
            source_ip: None,
        });
        u.newest = Some(5_000);
        u.oldest = Some(50);
        u
    }

    fn dump(u: &Usage) -> String {
        let dir = tempfile::tempdir().unwrap();
        write_usage(&dir.path().join("u"), u).unwrap();
        write_context(&dir.path().join("c"), u).unwrap();
        let a = std::fs::read(dir.path().join("c")).unwrap();
        let mut back = read_context(&dir.path().join("c")).unwrap();
        read_usage(&dir.path().join("u"), &mut back).unwrap();
        let mut acts: Vec<String> = back
            .actions
            .iter()
            .flat_map(|(p, pa)| {
                pa.actions
                    .iter()
                    .map(move |(a, u)| format!("{p} {a} {u:?}"))
            })
            .collect();
        acts.sort();
        format!("{}\n{}", String::from_utf8_lossy(&a), acts.join("\n"))
    }

    #[test]
    fn usage_round_trips_through_the_files() {
        let u = usage_sample();
        let dir = tempfile::tempdir().unwrap();
        write_usage(&dir.path().join("u"), &u).unwrap();
        write_context(&dir.path().join("c"), &u).unwrap();
        let mut back = read_context(&dir.path().join("c")).unwrap();
        read_usage(&dir.path().join("u"), &mut back).unwrap();
        assert_eq!(dump(&u), dump(&back));
        assert_eq!(
            back.actions["arn:aws:iam::111122223333:user/alice"].actions["s3:GetObject"].denied,
            1
        );
    }

    #[test]
    fn absorbing_twice_doubles_counts_and_aging_drops_old_use() {
        let mut a = usage_sample();
        a.absorb(usage_sample());
        a.finish();
        let u = a.actions["arn:aws:iam::111122223333:user/alice"].actions["s3:GetObject"];
        assert_eq!((u.count, u.first, u.last), (6, Some(1_000), Some(5_000)));
        let aged = a.age_out(1_000);
        assert_eq!(aged.actions, 1, "iam:ListUsers last used at 100");
        assert_eq!(aged.key_events, 1, "AKIAOLD was deleted before the window");
        assert_eq!(aged.resources, 0);
        assert!(
            a.principals
                .contains_key("arn:aws:iam::111122223333:user/alice")
        );
        let aged = a.age_out(6_000);
        assert_eq!((aged.actions, aged.resources, aged.data_sources), (1, 1, 1));
        assert!(a.actions.is_empty() && a.data_sources.is_empty());
    }

    #[test]
    fn ledger_and_event_ids_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            LedgerEntry {
                id: u128::MAX - 7,
                stream: Some("s3://b/AWSLogs/1/CloudTrail/us-east-1/".into()),
                day: Some(19_800),
            },
            LedgerEntry {
                id: 3,
                stream: None,
                day: None,
            },
        ];
        write_ledger(&dir.path().join("l"), &rows).unwrap();
        assert_eq!(read_ledger(&dir.path().join("l")).unwrap(), rows);
        let ids = vec![(crate::activity::NO_DAY, 1u128), (19_800, u128::MAX)];
        write_event_ids(&dir.path().join("e"), &ids).unwrap();
        assert_eq!(read_event_ids(&dir.path().join("e")).unwrap(), ids);
        write_ledger(&dir.path().join("empty"), &[]).unwrap();
        assert!(read_ledger(&dir.path().join("empty")).unwrap().is_empty());
    }

    fn commit_empty(dir: &Path) -> StateSummary {
        let st = State::open(dir, &Selection::default()).unwrap();
        st.commit(&usage_sample(), &Dedup::new(), None, 90).unwrap()
    }

    #[test]
    fn generations_switch_and_leftovers_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("state");
        assert_eq!(commit_empty(&d).written_generation, 1);
        assert_eq!(
            std::fs::read_to_string(d.join(CURRENT)).unwrap().trim(),
            "gen-1"
        );
        // A killed run's half-written generation and pointer.
        std::fs::create_dir(d.join("gen-2")).unwrap();
        std::fs::write(d.join("gen-2/usage.parquet"), b"PAR").unwrap();
        std::fs::write(d.join(CURRENT_TMP), b"gen-").unwrap();
        let st = State::open(&d, &Selection::default()).unwrap();
        assert!(st.has_history());
        let mut cleaned = st.summary().cleaned;
        cleaned.sort();
        assert_eq!(cleaned, [CURRENT_TMP, "gen-2"]);
        let s = st.commit(&usage_sample(), &Dedup::new(), None, 90).unwrap();
        assert_eq!((s.loaded_generation, s.written_generation), (1, 2));
        assert!(!d.join("gen-1").exists(), "the old generation is removed");
        assert!(d.join("gen-2").join(COMPLETE).exists());
    }

    #[test]
    fn damaged_states_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("state");
        commit_empty(&d);
        std::fs::write(d.join(CURRENT), b"\x00garbage").unwrap();
        let e = format!(
            "{:#}",
            State::open(&d, &Selection::default()).err().unwrap()
        );
        assert!(e.contains("CURRENT") && e.contains("garbled"), "{e}");
        std::fs::write(d.join(CURRENT), b"gen-1\n").unwrap();
        std::fs::remove_file(d.join("gen-1").join(COMPLETE)).unwrap();
        let e = format!(
            "{:#}",
            State::open(&d, &Selection::default()).err().unwrap()
        );
        assert!(e.contains("gen-1/COMPLETE"), "{e}");
        // A folder that is not a state.
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), b"x").unwrap();
        let e = format!(
            "{:#}",
            State::open(&other, &Selection::default()).err().unwrap()
        );
        assert!(e.contains("CURRENT is missing"), "{e}");
        // Other filters.
        let d2 = dir.path().join("s2");
        commit_empty(&d2);
        let sel = Selection {
            accounts: Some(vec!["111122223333".into()]),
            ..Default::default()
        };
        let e = format!("{:#}", State::open(&d2, &sel).err().unwrap());
        assert!(e.contains("--accounts"), "{e}");
    }

    #[test]
    fn one_run_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(dir.path(), &Selection::default()).unwrap();
        let e = format!(
            "{:#}",
            State::open(dir.path(), &Selection::default())
                .err()
                .unwrap()
        );
        assert!(
            e.contains("LOCK") && e.contains("another trailguard run"),
            "{e}"
        );
        drop(st);
        assert!(State::open(dir.path(), &Selection::default()).is_ok());
    }
}
