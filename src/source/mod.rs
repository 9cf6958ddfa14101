//! Sources: where archives come from, in which order, and their bytes.
//!
//! A run names one or more [`SourceSpec`]s (local files, local directories walked recursively,
//! `s3://bucket/prefix`). Each is first *planned* into [`Unit`]s: a local file, or an S3 prefix
//! to list. Planning prunes by the CloudTrail key layout ([`layout`]) so that a one-day scan of a
//! five-year bucket lists only that day's prefixes. Units of all sources are then sorted by
//! delivery day, so objects reach the decoders in day order across sources: this is what lets
//! deduplication and aggregation forget a day once it is complete (bounded memory).
//!
//! [`fetch::run`] lists the units lazily and reads objects with bounded concurrency, preserving
//! that order, into a bounded channel of [`SourceItem`]s.

pub mod fetch;
pub mod layout;
pub mod local;
pub mod s3;
pub mod trail_report;
pub mod trails;

use crate::error::SourceError;
pub use layout::{KeyLayout, LogKind, Verdict};
use std::fmt;
use std::path::PathBuf;

/// One command-line source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceSpec {
    /// A local file or directory.
    Local(PathBuf),
    /// An S3 bucket and key prefix (may be empty).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix, without a leading `/`.
        prefix: String,
    },
}

impl SourceSpec {
    /// Parses `s3://bucket/prefix` or a local path.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!(
                    "`{s}`: an S3 source needs a bucket (s3://bucket/prefix)"
                ));
            }
            return Ok(SourceSpec::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_start_matches('/').to_string(),
            });
        }
        if s.is_empty() {
            return Err("empty source path".into());
        }
        Ok(SourceSpec::Local(PathBuf::from(s)))
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Local(p) => write!(f, "{}", p.display()),
            SourceSpec::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// What to read: the window and the account and region filters.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Inclusive lower bound on `eventTime`, epoch ms.
    pub since: Option<i64>,
    /// Inclusive upper bound on `eventTime`, epoch ms.
    pub until: Option<i64>,
    /// Only these recipient accounts.
    pub accounts: Option<Vec<String>>,
    /// Only these regions (`awsRegion`).
    pub regions: Option<Vec<String>>,
    /// Read `CloudTrail-Digest/` objects too (`verify`, `scan --verify`); they are never
    /// event input.
    pub digests: bool,
}

impl Selection {
    /// The first day of the window.
    pub fn since_day(&self) -> Option<i32> {
        self.since.map(crate::time::day_of)
    }
    /// The last day of the window.
    pub fn until_day(&self) -> Option<i32> {
        self.until.map(crate::time::day_of)
    }
}

/// Where an object lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// A local file.
    Local(PathBuf),
    /// An S3 object.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
}

/// An object to read (or that was skipped), with what its key tells.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    /// Where it is.
    pub location: Location,
    /// Size from the listing, when known.
    pub size: Option<u64>,
    /// ETag from the listing (S3) or `mtime-size` (local), to recognise it in a later run.
    pub etag: Option<String>,
    /// Its place in the CloudTrail layout, if any.
    pub layout: Option<KeyLayout>,
    /// When it was written (S3 `LastModified`, or the file's mtime), epoch ms.
    pub modified: Option<i64>,
}

impl ObjectRef {
    /// `s3://bucket/key` or the local path, for messages.
    pub fn display_name(&self) -> String {
        match &self.location {
            Location::Local(p) => p.display().to_string(),
            Location::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }
    /// The delivery day from the key layout.
    pub fn day(&self) -> Option<i32> {
        self.layout.as_ref().and_then(|l| l.day)
    }
    /// The latest time its events can have (epoch ms): CloudTrail delivers an event after it
    /// happened, so no event is newer than the object that holds it. The earliest of the
    /// delivery time in its name (`..._20240501T2355Z_...`), the end of its delivery-day folder
    /// and its modification time; `None` when none is known.
    pub fn delivered_by(&self) -> Option<i64> {
        let name_time = layout::name_time(&self.display_name());
        let day_end = self.day().map(|d| (i64::from(d) + 1) * crate::time::DAY_MS);
        [name_time, day_end, self.modified]
            .into_iter()
            .flatten()
            .min()
    }
    /// The delivery time stated by the CloudTrail key (name, else day folder), which the
    /// object's events precede by at most the late-delivery slack.
    pub fn stated_delivery(&self) -> Option<i64> {
        layout::name_time(&self.display_name())
            .or_else(|| self.day().map(|d| i64::from(d) * crate::time::DAY_MS))
    }
    /// The account from the key layout.
    pub fn account(&self) -> Option<&str> {
        self.layout.as_ref().and_then(|l| l.account.as_deref())
    }

    /// The location as the state ledger names it: `s3://bucket/key`, or the canonical local
    /// path (so that `logs/` and `./logs/` name the same files).
    pub fn ledger_location(&self) -> String {
        match &self.location {
            Location::Local(p) => std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            Location::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }

    /// What the state ledger keeps of this object: its delivery stream and day, and a 128-bit
    /// hash of its location, size and ETag (S3) or modification time and size (local). `None`
    /// when the object cannot be recognised in a later run (no ETag or modification time).
    pub fn ledger_entry(&self) -> Option<LedgerEntry> {
        let etag = self.etag.as_deref()?;
        let location = self.ledger_location();
        let id = fnv1a_128(
            format!(
                "{location}\n{}\n{etag}",
                self.size.map_or(-1, |s| s as i128)
            )
            .as_bytes(),
        );
        let (stream, day) = match self.day() {
            Some(day) => (stream_of(&location), Some(day)),
            None => (None, None),
        };
        Some(LedgerEntry { id, stream, day })
    }
}

/// FNV-1a, 128 bits: a hash that is the same on every machine and in every version (the
/// ledger outlives the binary that wrote it).
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// The delivery stream of a location in the CloudTrail layout: everything before
/// `yyyy/mm/dd/<file>` (`s3://bucket/AWSLogs/o-x/111122223333/CloudTrail/us-east-1/`).
pub fn stream_of(location: &str) -> Option<String> {
    let mut cut = location.len();
    for _ in 0..4 {
        cut = location[..cut].rfind(['/', '\\'])?;
    }
    Some(location[..=cut].to_string())
}

/// One object of the state ledger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LedgerEntry {
    /// Hash of location, size and ETag (or modification time).
    pub id: u128,
    /// Its delivery stream ([`stream_of`]), for objects in the CloudTrail layout.
    pub stream: Option<String>,
    /// Its delivery day, for objects in the CloudTrail layout.
    pub day: Option<i32>,
}

/// What earlier runs read (`--state`): the sources skip these objects before reading them.
#[derive(Clone, Default)]
pub struct Seen {
    /// Ledger entry ids.
    pub ids: ahash::HashSet<u128>,
    /// Per delivery stream, the first delivery day the ledger still holds: objects of that
    /// stream delivered before it were read by an earlier run (or predate the state's history).
    pub floors: ahash::HashMap<String, i32>,
}

impl fmt::Debug for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Seen {{ {} objects, {} streams }}",
            self.ids.len(),
            self.floors.len()
        )
    }
}

impl Seen {
    /// Why an object need not be read, if earlier runs account for it.
    pub fn judge(&self, obj: &ObjectRef) -> Option<SkipReason> {
        if self.ids.is_empty() && self.floors.is_empty() {
            return None;
        }
        let e = obj.ledger_entry()?;
        if let (Some(stream), Some(day)) = (&e.stream, e.day)
            && self.floors.get(stream).is_some_and(|f| day < *f)
        {
            return Some(SkipReason::BeforeLedger);
        }
        self.ids
            .contains(&e.id)
            .then_some(SkipReason::AlreadyProcessed)
    }

    /// The first delivery day still in the ledger for a stream (`s3://bucket/.../<region>/`).
    pub fn floor(&self, stream: &str) -> Option<i32> {
        self.floors.get(stream).copied()
    }
}

/// Why a listed object or prefix was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// `CloudTrail-Digest/`.
    Digest,
    /// `CloudTrail-Insight/`.
    Insight,
    /// Another log type's folder under `AWSLogs/<account>/`.
    OtherLogType,
    /// Delivery day outside `--since/--until`.
    OutsideWindow,
    /// Excluded by `--accounts`/`--regions`.
    Filtered,
    /// While walking a tree: a name that is not a log file (`README.md`, hidden files).
    NotLogFile,
    /// `--state`: the ledger says an earlier run read this object (same location, size and
    /// ETag or modification time).
    AlreadyProcessed,
    /// `--state`: delivered on a day older than the ledger keeps for its delivery stream
    /// (an earlier run read that stream past it).
    BeforeLedger,
    /// A FIFO, socket or device inside a scanned folder.
    NotRegularFile,
    /// The run's own `--out` or `--state` folder inside a scanned folder.
    OwnOutput,
}

impl SkipReason {
    /// Stable name used in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Digest => "digest",
            SkipReason::Insight => "insight",
            SkipReason::OtherLogType => "other_log_type",
            SkipReason::OutsideWindow => "outside_window",
            SkipReason::Filtered => "filtered",
            SkipReason::NotLogFile => "not_log_file",
            SkipReason::NotRegularFile => "not_regular_file",
            SkipReason::OwnOutput => "own_output",
            SkipReason::AlreadyProcessed => "already_processed",
            SkipReason::BeforeLedger => "before_ledger",
        }
    }

    /// The reason for a layout verdict, `None` for [`Verdict::Keep`].
    pub fn from_verdict(v: Verdict) -> Option<Self> {
        match v {
            Verdict::Keep => None,
            Verdict::Digest => Some(SkipReason::Digest),
            Verdict::Insight => Some(SkipReason::Insight),
            Verdict::OtherKind => Some(SkipReason::OtherLogType),
            Verdict::OutsideWindow => Some(SkipReason::OutsideWindow),
            Verdict::Filtered => Some(SkipReason::Filtered),
        }
    }
}

/// Whether a file name found while walking a tree or listing a generic prefix looks like a log
/// file. Named files are always read; this only keeps `README.md`, `.DS_Store` and the like out
/// of directory walks. Content is still recognised by its bytes, not by this name.
pub fn looks_like_log_name(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    [
        ".json",
        ".json.gz",
        ".jsonl",
        ".jsonl.gz",
        ".ndjson",
        ".ndjson.gz",
        ".gz",
        ".log",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// A unit of planned work, sorted by delivery day before reading.
#[derive(Clone, Debug)]
pub enum Unit {
    /// One local file.
    Local(ObjectRef),
    /// A local day folder of the layout, walked when the reader gets to it
    /// ([`local::list_day`]).
    LocalDay {
        /// The folder.
        dir: PathBuf,
        /// Its layout (with the day).
        layout: KeyLayout,
        /// The folders never read (canonical paths).
        exclude: std::sync::Arc<[PathBuf]>,
    },
    /// An S3 prefix to list recursively (a day folder, or a prefix outside the layout).
    S3Prefix {
        /// Bucket.
        bucket: String,
        /// Prefix to list without delimiter.
        prefix: String,
        /// The layout of the prefix (day set for day folders).
        layout: Option<KeyLayout>,
    },
    /// Explicitly known S3 objects (found at a non-leaf level while planning).
    S3Objects(Vec<ObjectRef>),
}

impl Unit {
    /// The sort key: undated units first, then by day, account, region, name.
    pub fn sort_key(&self) -> (i32, String, String, String) {
        let (layout, name) = match self {
            Unit::Local(o) => (o.layout.as_ref(), o.display_name()),
            Unit::LocalDay { dir, layout, .. } => (Some(layout), dir.display().to_string()),
            Unit::S3Prefix {
                bucket,
                prefix,
                layout,
            } => (layout.as_ref(), format!("s3://{bucket}/{prefix}")),
            Unit::S3Objects(v) => (
                v.first().and_then(|o| o.layout.as_ref()),
                v.first().map(|o| o.display_name()).unwrap_or_default(),
            ),
        };
        let day = layout.and_then(|l| l.day).unwrap_or(i32::MIN);
        let account = layout.and_then(|l| l.account.clone()).unwrap_or_default();
        let region = layout.and_then(|l| l.region.clone()).unwrap_or_default();
        (day, account, region, name)
    }
}

/// Bytes of objects read and not yet decoded, held from the fetcher's budget
/// ([`fetch::FetchOptions::in_flight_bytes`]) until the decoder is done with them.
#[derive(Debug, Default)]
pub struct InFlight(pub Option<tokio::sync::OwnedSemaphorePermit>);

/// What is stored beside an object's bytes: its S3 user metadata (`x-amz-meta-*`, read for
/// digest files, whose signature CloudTrail keeps there), or for a local digest file the
/// sidecar file that holds the same map (`<digest>.metadata`, see [`SIDECAR_SUFFIX`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The user metadata, keys without the `x-amz-meta-` prefix.
    pub user: std::collections::BTreeMap<String, String>,
    /// Whether it came from a sidecar file (else from S3, or there is none).
    pub from_sidecar: bool,
}

/// The suffix of the sidecar beside a local copy of a digest file: the JSON object of its S3
/// user metadata, as `aws s3api head-object --bucket B --key K --query Metadata` prints it
/// (`{"signature": "...", "signature-algorithm": "SHA256withRSA"}`), and as
/// `trailguard verify s3://... --download DIR` writes it.
pub const SIDECAR_SUFFIX: &str = ".metadata";

/// The largest sidecar read.
pub const MAX_SIDECAR_BYTES: u64 = 64 << 10;

/// What the source stage hands to the decoders, in delivery-day order.
#[derive(Debug)]
pub enum SourceItem {
    /// An object's bytes, or why they could not be read.
    Object {
        /// The object.
        obj: ObjectRef,
        /// Its bytes.
        data: Result<Vec<u8>, SourceError>,
        /// Its metadata (digest files only).
        meta: ObjectMeta,
        /// The share of the in-flight byte budget its bytes hold, given back when dropped
        /// (after decoding).
        hold: InFlight,
    },
    /// An object that was listed but not read.
    Skipped {
        /// The object.
        obj: ObjectRef,
        /// Why.
        reason: SkipReason,
    },
    /// A whole prefix was pruned without listing it.
    SkippedPrefix {
        /// `s3://bucket/prefix`.
        prefix: String,
        /// Why.
        reason: SkipReason,
    },
    /// Listing a directory or prefix failed; the run goes on with the rest.
    ListFailed {
        /// What could not be listed.
        location: String,
        /// Why.
        error: SourceError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        assert_eq!(
            SourceSpec::parse("s3://bucket/AWSLogs/").unwrap(),
            SourceSpec::S3 {
                bucket: "bucket".into(),
                prefix: "AWSLogs/".into()
            }
        );
        assert_eq!(
            SourceSpec::parse("s3://bucket").unwrap(),
            SourceSpec::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert!(SourceSpec::parse("s3:///x").is_err());
        assert_eq!(
            SourceSpec::parse("./logs").unwrap(),
            SourceSpec::Local(PathBuf::from("./logs"))
        );
    }

    #[test]
    fn log_names() {
        assert!(looks_like_log_name(
            "1_CloudTrail_us-east-1_20240501T0000Z_x.json.gz"
        ));
        assert!(looks_like_log_name("events.jsonl"));
        assert!(!looks_like_log_name("README.md"));
        assert!(!looks_like_log_name(".hidden.json"));
    }
}
