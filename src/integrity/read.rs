//! Reading for `verify`: every digest and log file of the sources, through the same source
//! stage as `scan` (listing pruned by the key layout, bounded reads), hashed on a pool of
//! threads. A log file is decompressed and hashed, never parsed.

use super::check::{DigestFile, LogFile, SignatureOrigin, StoredSignature};
use super::digest::DigestDoc;
use crate::decode::gunzip::gunzip_capped;
use crate::source::fetch::{self, FetchOptions};
use crate::source::{Location, LogKind, ObjectMeta, ObjectRef, Selection, SourceItem, SourceSpec};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What was read.
#[derive(Debug, Default)]
pub struct Read {
    /// The digest files.
    pub digests: Vec<DigestFile>,
    /// The log files.
    pub logs: Vec<LogFile>,
    /// Inputs that could not be listed or read: `location: reason`.
    pub failed: Vec<String>,
    /// Decompressed bytes hashed.
    pub hashed_bytes: u64,
    /// Objects written to `--download`.
    pub downloaded: u64,
}

/// The SHA-256 of an object's content: decompressed when it is gzip (as CloudTrail hashes
/// it), as is otherwise. `buf` is reused between calls.
pub fn content_sha256(
    raw: &[u8],
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<([u8; 32], u64), String> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        gunzip_capped(raw, limit, buf).map_err(|e| e.to_string())?;
        Ok((Sha256::digest(&buf[..]).into(), buf.len() as u64))
    } else {
        Ok((Sha256::digest(raw).into(), raw.len() as u64))
    }
}

/// A digest file from its bytes and metadata.
pub fn digest_file(location: String, raw: &[u8], meta: &ObjectMeta, limit: u64) -> DigestFile {
    let mut buf = Vec::new();
    let (sha256, doc) = match content_sha256(raw, limit, &mut buf) {
        Ok((h, _)) => {
            let json = if raw.starts_with(&[0x1f, 0x8b]) {
                &buf[..]
            } else {
                raw
            };
            (h, DigestDoc::parse(json).map_err(|e| e.to_string()))
        }
        Err(why) => ([0; 32], Err(format!("cannot be read: {why}"))),
    };
    let signature = meta.user.get("signature").map(|s| StoredSignature {
        signature: s.trim().to_string(),
        algorithm: meta.user.get("signature-algorithm").cloned(),
        origin: if meta.from_sidecar {
            SignatureOrigin::Sidecar
        } else {
            SignatureOrigin::S3Metadata
        },
    });
    DigestFile {
        location,
        doc,
        sha256,
        signature,
    }
}

/// The path a downloaded object gets under `dir`: its key below the bucket (S3) or from
/// `AWSLogs/` on (local), each component checked to stay under `dir`.
fn download_path(dir: &Path, obj: &ObjectRef) -> Option<PathBuf> {
    let key = match &obj.location {
        Location::S3 { key, .. } => key.clone(),
        Location::Local(p) => {
            let s = p.to_string_lossy().replace('\\', "/");
            super::digest::split_tail(&s).map(|(_, t)| t.to_string())?
        }
    };
    let parts: Vec<&str> = key.split('/').collect();
    crate::paths::join_under(dir, &parts)
}

fn save(dir: &Path, obj: &ObjectRef, raw: &[u8], meta: &ObjectMeta) -> Result<(), String> {
    let path = download_path(dir, obj)
        .ok_or_else(|| "its key is not a safe relative path; not downloaded".to_string())?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    crate::output::write_atomic(&path, raw).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.user.is_empty() {
        let mut side = path.into_os_string();
        side.push(crate::source::SIDECAR_SUFFIX);
        let side = PathBuf::from(side);
        let json = serde_json::to_vec_pretty(&meta.user).map_err(|e| e.to_string())?;
        crate::output::write_atomic(&side, &json)
            .map_err(|e| format!("{}: {e}", side.display()))?;
    }
    Ok(())
}

/// Reads every digest and CloudTrail log file of `specs` within `sel` (digests included),
/// hashing on `threads` threads; with `download`, keeps a copy of each object (and each
/// digest's metadata as a sidecar) under that folder.
pub fn read(
    specs: Vec<SourceSpec>,
    mut sel: Selection,
    fetch_opts: FetchOptions,
    threads: usize,
    download: Option<&Path>,
) -> Read {
    sel.digests = true;
    let limit = fetch_opts.max_object_size;
    let threads = threads.max(1);
    let (src_tx, mut src_rx) = tokio::sync::mpsc::channel::<SourceItem>(threads * 2 + 2);
    let (work_tx, work_rx) =
        crossbeam_channel::bounded::<(ObjectRef, Vec<u8>, ObjectMeta, crate::source::InFlight)>(
            threads * 2,
        );
    let out = Mutex::new(Read::default());
    std::thread::scope(|s| {
        s.spawn(move || fetch::run(specs, sel, fetch_opts, src_tx));
        let out_ref = &out;
        s.spawn(move || {
            while let Some(item) = src_rx.blocking_recv() {
                match item {
                    SourceItem::Object {
                        obj,
                        data,
                        meta,
                        hold,
                    } => match data {
                        Ok(raw) => {
                            if work_tx.send((obj, raw, meta, hold)).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let mut o = out_ref.lock().unwrap_or_else(|p| p.into_inner());
                            let kind = obj.layout.as_ref().and_then(|l| l.kind);
                            let name = obj.display_name();
                            if kind == Some(LogKind::CloudTrail) {
                                o.logs.push(LogFile {
                                    location: name.clone(),
                                    sha256: Err(e.to_string()),
                                });
                            }
                            o.failed.push(format!("{name}: {e}"));
                        }
                    },
                    SourceItem::ListFailed { location, error } => {
                        out_ref
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .failed
                            .push(format!("{location}: {error}"));
                    }
                    SourceItem::Skipped { .. } | SourceItem::SkippedPrefix { .. } => {}
                }
            }
        });
        for _ in 0..threads {
            let rx = work_rx.clone();
            let out_ref = &out;
            s.spawn(move || {
                let mut buf = Vec::new();
                while let Ok((obj, raw, meta, hold)) = rx.recv() {
                    let name = obj.display_name();
                    let kind = obj.layout.as_ref().and_then(|l| l.kind);
                    let mut saved = None;
                    if let Some(dir) = download
                        && matches!(kind, Some(LogKind::CloudTrail | LogKind::Digest))
                    {
                        saved = Some(save(dir, &obj, &raw, &meta));
                    }
                    let (digest, log, bytes) = match kind {
                        Some(LogKind::Digest) => {
                            (Some(digest_file(name.clone(), &raw, &meta, limit)), None, 0)
                        }
                        Some(LogKind::CloudTrail) => match content_sha256(&raw, limit, &mut buf) {
                            Ok((h, n)) => (
                                None,
                                Some(LogFile {
                                    location: name.clone(),
                                    sha256: Ok(h),
                                }),
                                n,
                            ),
                            Err(why) => (
                                None,
                                Some(LogFile {
                                    location: name.clone(),
                                    sha256: Err(why),
                                }),
                                0,
                            ),
                        },
                        _ => (None, None, 0),
                    };
                    drop(raw);
                    drop(hold);
                    let mut o = out_ref.lock().unwrap_or_else(|p| p.into_inner());
                    o.hashed_bytes += bytes;
                    if let Some(Err(e)) = &log.as_ref().map(|l| &l.sha256) {
                        o.failed.push(format!("{name}: {e}"));
                    }
                    o.digests.extend(digest);
                    o.logs.extend(log);
                    match saved {
                        Some(Ok(())) => o.downloaded += 1,
                        Some(Err(e)) => o.failed.push(format!("{name}: --download: {e}")),
                        None => {}
                    }
                }
            });
        }
        drop(work_rx);
    });
    let mut r = out.into_inner().unwrap_or_else(|p| p.into_inner());
    r.failed.sort();
    r.digests.sort_by(|a, b| a.location.cmp(&b.location));
    r.logs.sort_by(|a, b| a.location.cmp(&b.location));
    r
}
