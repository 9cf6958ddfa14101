//! Plans every source, sorts the units by delivery day, and reads objects with bounded
//! concurrency in that order into a bounded channel. Memory held here is at most
//! `concurrency` objects plus the channel's capacity.

use super::s3::{S3, S3Options};
use super::{
    InFlight, Location, ObjectMeta, ObjectRef, Seen, Selection, SkipReason, SourceItem, SourceSpec,
    Unit, layout,
};
use crate::error::SourceError;
use futures_util::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;
use tokio::sync::mpsc::Sender;

/// How to read.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Refuse objects larger than this (compressed or not) before reading them.
    pub max_object_size: u64,
    /// S3 GETs in flight.
    pub s3_concurrency: usize,
    /// Local reads in flight.
    pub local_concurrency: usize,
    /// S3 connection settings.
    pub s3: S3Options,
    /// Objects earlier runs read (`--state`): skipped before reading.
    pub seen: Option<Arc<Seen>>,
    /// Bytes of objects read and not yet decoded, across all reads in flight and the
    /// channels to the decoders (part of `--memory-budget`).
    pub in_flight_bytes: u64,
    /// Local folders never read as input (the run's `--out` and `--state`).
    pub exclude: Vec<std::path::PathBuf>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_object_size: 1 << 30,
            s3_concurrency: 32,
            local_concurrency: 4,
            s3: S3Options {
                max_attempts: 5,
                ..Default::default()
            },
            seen: None,
            in_flight_bytes: 128 << 20,
            exclude: Vec::new(),
        }
    }
}

enum Work {
    Fetch(ObjectRef),
    Note(SourceItem),
}

/// Reads all sources into `tx` and returns when done or when the receiver hangs up. Runs its
/// own Tokio runtime; call it from a dedicated thread.
pub fn run(specs: Vec<SourceSpec>, sel: Selection, opts: FetchOptions, tx: Sender<SourceItem>) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = tx.blocking_send(SourceItem::ListFailed {
                location: "tokio runtime".into(),
                error: SourceError::Io(e),
            });
            return;
        }
    };
    rt.block_on(run_async(specs, sel, opts, tx));
}

async fn run_async(
    specs: Vec<SourceSpec>,
    sel: Selection,
    opts: FetchOptions,
    tx: Sender<SourceItem>,
) {
    let mut units = Vec::new();
    let mut notes = Vec::new();
    let s3 = if specs.iter().any(|s| matches!(s, SourceSpec::S3 { .. })) {
        Some(S3::connect(&opts.s3).await)
    } else {
        None
    };
    for spec in &specs {
        match spec {
            SourceSpec::Local(p) => {
                super::local::plan(p, &sel, &opts.exclude, &mut units, &mut notes)
            }
            SourceSpec::S3 { bucket, prefix } => {
                if let Some(s3) = &s3 {
                    s3.plan(
                        bucket,
                        prefix,
                        &sel,
                        opts.seen.as_deref(),
                        &mut units,
                        &mut notes,
                    )
                    .await;
                }
            }
        }
    }
    for n in notes {
        if tx.send(n).await.is_err() {
            return;
        }
    }
    // Stable sort: day order across sources; undated units first.
    units.sort_by_cached_key(Unit::sort_key);
    let concurrency = if s3.is_some() {
        opts.s3_concurrency.max(1)
    } else {
        opts.local_concurrency.max(1)
    };
    let limit = opts.max_object_size;
    let reader = s3.clone();
    // Permits are KiB of object bytes; an object takes its listed size (or the cap) before
    // it is read and keeps it until the decoder drops it.
    let kib = |b: u64| u32::try_from(b.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    let total = kib(opts.in_flight_bytes.max(limit.min(opts.in_flight_bytes)));
    let budget = Arc::new(tokio::sync::Semaphore::new(total as usize));
    let seen = opts.seen.clone();
    let work = stream::iter(units)
        .flat_map(move |u| unit_stream(u, s3.clone(), sel.clone()))
        .map(move |w| admit(w, seen.as_deref()));
    let mut items = work
        .map(move |w| {
            let s3 = reader.clone();
            let budget = budget.clone();
            async move {
                match w {
                    Work::Note(n) => n,
                    Work::Fetch(obj) => {
                        let want = kib(obj.size.unwrap_or(limit).min(limit)).min(total);
                        let hold = InFlight(budget.clone().acquire_many_owned(want).await.ok());
                        let (data, meta) = read(&obj, s3.as_ref(), limit).await;
                        SourceItem::Object {
                            obj,
                            data,
                            meta,
                            hold,
                        }
                    }
                }
            }
        })
        .buffered(concurrency);
    while let Some(item) = items.next().await {
        if tx.send(item).await.is_err() {
            return;
        }
    }
}

/// Reads an object's bytes, and for a digest file its metadata (S3 user metadata, or a local
/// copy's sidecar). A sidecar that cannot be read fails the digest, naming the sidecar.
async fn read(
    obj: &ObjectRef,
    s3: Option<&S3>,
    limit: u64,
) -> (Result<Vec<u8>, SourceError>, ObjectMeta) {
    if let Some(size) = obj.size
        && size > limit
    {
        return (
            Err(SourceError::TooLarge { size, limit }),
            ObjectMeta::default(),
        );
    }
    let digest = obj
        .layout
        .as_ref()
        .is_some_and(|l| l.kind == Some(super::LogKind::Digest));
    match &obj.location {
        Location::Local(p) => {
            let p = p.clone();
            tokio::task::spawn_blocking(move || {
                let meta = if digest {
                    match super::local::read_sidecar(&p) {
                        Ok(m) => m.unwrap_or_default(),
                        Err(e) => return (Err(e), ObjectMeta::default()),
                    }
                } else {
                    ObjectMeta::default()
                };
                (super::local::read(&p, limit), meta)
            })
            .await
            .unwrap_or_else(|e| {
                (
                    Err(SourceError::Io(std::io::Error::other(e))),
                    ObjectMeta::default(),
                )
            })
        }
        Location::S3 { bucket, key } => match s3 {
            Some(s3) => match s3.get_with_meta(bucket, key, limit, digest).await {
                Ok((data, user)) => (
                    Ok(data),
                    ObjectMeta {
                        user,
                        from_sidecar: false,
                    },
                ),
                Err(e) => (Err(e), ObjectMeta::default()),
            },
            None => (
                Err(SourceError::S3 {
                    op: "GetObject",
                    message: "no S3 client".into(),
                }),
                ObjectMeta::default(),
            ),
        },
    }
}

fn judge_listed(o: ObjectRef, generic: bool, sel: &Selection) -> Work {
    if let Some(reason) = o
        .layout
        .as_ref()
        .and_then(|l| SkipReason::from_verdict(layout::judge(l, sel)))
    {
        return Work::Note(SourceItem::Skipped { obj: o, reason });
    }
    if generic {
        let name = match &o.location {
            Location::S3 { key, .. } => key.rsplit('/').next().unwrap_or(key).to_string(),
            Location::Local(p) => p.display().to_string(),
        };
        if !super::looks_like_log_name(&name) {
            return Work::Note(SourceItem::Skipped {
                obj: o,
                reason: SkipReason::NotLogFile,
            });
        }
    }
    Work::Fetch(o)
}

/// Turns a fetch of an object earlier runs read (`--state`) into a skip.
fn admit(w: Work, seen: Option<&Seen>) -> Work {
    match (w, seen) {
        (Work::Fetch(obj), Some(seen)) => match seen.judge(&obj) {
            Some(reason) => Work::Note(SourceItem::Skipped { obj, reason }),
            None => Work::Fetch(obj),
        },
        (w, _) => w,
    }
}

fn unit_stream(u: Unit, s3: Option<S3>, sel: Selection) -> BoxStream<'static, Work> {
    match u {
        Unit::Local(o) => stream::iter([Work::Fetch(o)]).boxed(),
        Unit::LocalDay {
            dir,
            layout: _,
            exclude,
        } => stream::once(async move {
            let listed =
                tokio::task::spawn_blocking(move || super::local::list_day(&dir, &sel, &exclude))
                    .await;
            let work: Vec<Work> = match listed {
                Ok(listed) => listed
                    .into_iter()
                    .map(|l| match l {
                        super::local::Listed::Read(o) => Work::Fetch(o),
                        super::local::Listed::Note(n) => Work::Note(n),
                    })
                    .collect(),
                Err(e) => vec![Work::Note(SourceItem::ListFailed {
                    location: "local listing".into(),
                    error: SourceError::Io(std::io::Error::other(e)),
                })],
            };
            stream::iter(work)
        })
        .flatten()
        .boxed(),
        Unit::S3Objects(v) => stream::iter(v.into_iter().map(Work::Fetch)).boxed(),
        Unit::S3Prefix {
            bucket,
            prefix,
            layout,
        } => {
            let Some(s3) = s3 else {
                return stream::empty().boxed();
            };
            let generic = layout.is_none();
            // Pages are listed lazily, as the reader gets to them.
            stream::unfold(Some(None::<String>), move |state| {
                let (s3, bucket, prefix, sel) =
                    (s3.clone(), bucket.clone(), prefix.clone(), sel.clone());
                async move {
                    let token = state?;
                    match s3.list_page(&bucket, &prefix, token).await {
                        Ok((objs, next)) => {
                            let work: Vec<Work> = objs
                                .into_iter()
                                .map(|o| judge_listed(o, generic, &sel))
                                .collect();
                            Some((stream::iter(work), next.map(Some)))
                        }
                        Err(error) => Some((
                            stream::iter(vec![Work::Note(SourceItem::ListFailed {
                                location: format!("s3://{bucket}/{prefix}"),
                                error,
                            })]),
                            None,
                        )),
                    }
                }
            })
            .flatten()
            .boxed()
        }
    }
}
