//! Local files and directory trees.

use super::{
    Location, ObjectRef, Selection, SkipReason, SourceItem, Unit, layout, looks_like_log_name,
};
use crate::error::SourceError;
use std::path::{Path, PathBuf};

/// Plans a local file or directory: files to read become [`Unit::Local`], files that the layout
/// or the selection rules out become [`SourceItem::Skipped`], unreadable directories become
/// [`SourceItem::ListFailed`].
///
/// Only regular files are read: a FIFO, socket or device inside a tree is skipped and counted
/// ([`SkipReason::NotRegularFile`]); named on the command line it is refused (a failure). The
/// folders in `exclude` (the run's `--out` and `--state`) are never read.
pub fn plan(
    path: &Path,
    sel: &Selection,
    exclude: &[PathBuf],
    units: &mut Vec<Unit>,
    notes: &mut Vec<SourceItem>,
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            notes.push(SourceItem::ListFailed {
                location: path.display().to_string(),
                error: SourceError::Io(e),
            });
            return;
        }
    };
    if meta.is_file() {
        // A file named on the command line is always read, whatever its name.
        push_file(path, &meta, sel, true, units, notes);
        return;
    }
    if !meta.is_dir() {
        notes.push(SourceItem::Object {
            obj: object(path, None),
            data: Err(SourceError::NotRegularFile(file_kind(&meta.file_type()))),
            meta: Default::default(),
            hold: Default::default(),
        });
        return;
    }
    let excluded: Vec<PathBuf> = exclude
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let is_excluded = |p: &Path| {
        !excluded.is_empty()
            && std::fs::canonicalize(p).is_ok_and(|c| excluded.iter().any(|x| c.starts_with(x)))
    };
    let mut walk = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        match entry {
            Ok(e) if e.file_type().is_dir() && e.depth() > 0 && is_excluded(e.path()) => {
                walk.skip_current_dir();
                notes.push(SourceItem::SkippedPrefix {
                    prefix: e.path().display().to_string(),
                    reason: SkipReason::OwnOutput,
                });
            }
            Ok(e) if !e.file_type().is_file() && !e.file_type().is_dir() => {
                notes.push(SourceItem::Skipped {
                    obj: object(e.path(), None),
                    reason: SkipReason::NotRegularFile,
                });
            }
            Ok(e) if e.file_type().is_file() => {
                let name = e.file_name().to_string_lossy();
                // A digest's sidecar is read with the digest.
                if name.ends_with(super::SIDECAR_SUFFIX) && name.contains("_CloudTrail-Digest_") {
                    continue;
                }
                if !looks_like_log_name(&name) {
                    notes.push(SourceItem::Skipped {
                        obj: object(e.path(), None),
                        reason: SkipReason::NotLogFile,
                    });
                    continue;
                }
                match e.metadata() {
                    Ok(m) => push_file(e.path(), &m, sel, false, units, notes),
                    Err(err) => notes.push(SourceItem::Object {
                        obj: object(e.path(), None),
                        data: Err(SourceError::Io(err.into())),
                        meta: Default::default(),
                        hold: Default::default(),
                    }),
                }
            }
            Ok(_) => {}
            Err(err) => notes.push(SourceItem::ListFailed {
                location: err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| path.display().to_string()),
                error: SourceError::Io(err.into()),
            }),
        }
    }
}

fn object(path: &Path, meta: Option<&std::fs::Metadata>) -> ObjectRef {
    let mtime = meta.and_then(|m| {
        m.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
    });
    let etag = meta.map(|m| {
        let nanos = mtime.map(|d| d.as_nanos()).unwrap_or(0);
        format!("{nanos:x}-{:x}", m.len())
    });
    ObjectRef {
        location: Location::Local(path.to_path_buf()),
        size: meta.map(|m| m.len()),
        etag,
        layout: layout::parse(&path.to_string_lossy()),
        modified: mtime.and_then(|d| i64::try_from(d.as_millis()).ok()),
    }
}

fn push_file(
    path: &Path,
    meta: &std::fs::Metadata,
    sel: &Selection,
    named: bool,
    units: &mut Vec<Unit>,
    notes: &mut Vec<SourceItem>,
) {
    let obj = object(path, Some(meta));
    if !named
        && let Some(l) = &obj.layout
        && let Some(reason) = SkipReason::from_verdict(layout::judge(l, sel))
    {
        notes.push(SourceItem::Skipped { obj, reason });
        return;
    }
    units.push(Unit::Local(obj));
}

/// What a non-regular file is, for messages.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// The sidecar of a local digest file (`<path>.metadata`), if there is one: its JSON object of
/// strings. A sidecar that is too large or not such an object is an error naming it.
pub fn read_sidecar(path: &Path) -> Result<Option<super::ObjectMeta>, SourceError> {
    let mut name = path.as_os_str().to_owned();
    name.push(super::SIDECAR_SUFFIX);
    let side = PathBuf::from(name);
    let bytes = match read(&side, super::MAX_SIDECAR_BYTES) {
        Ok(b) => b,
        Err(SourceError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let user: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|e| {
            SourceError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: not a JSON object of strings (the S3 metadata of the digest): {e}",
                    side.display()
                ),
            ))
        })?;
    Ok(Some(super::ObjectMeta {
        user,
        from_sidecar: true,
    }))
}

/// Reads a local file, refusing one larger than `limit` before reading it. The file is opened
/// without blocking and checked to be a regular file, so a FIFO or device swapped in after
/// listing cannot hang or flood the run.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, SourceError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(SourceError::NotRegularFile(file_kind(&meta.file_type())));
    }
    let len = meta.len();
    if len > limit {
        return Err(SourceError::TooLarge { size: len, limit });
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_a_tree_with_digests_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("AWSLogs/o-x1/111122223333");
        for sub in [
            "CloudTrail/us-east-1/2024/05/01/a.json.gz",
            "CloudTrail/eu-west-1/2024/05/02/b.json.gz",
            "CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz",
            "CloudTrail-Insight/us-east-1/2024/05/01/i.json.gz",
            "CloudTrail/us-east-1/2024/05/01/README.md",
        ] {
            let p = base.join(sub);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        let sel = Selection {
            regions: Some(vec!["us-east-1".into()]),
            ..Default::default()
        };
        let (mut units, mut notes) = (vec![], vec![]);
        plan(dir.path(), &sel, &[], &mut units, &mut notes);
        assert_eq!(units.len(), 1);
        let mut reasons: Vec<_> = notes
            .iter()
            .map(|n| match n {
                SourceItem::Skipped { reason, .. } => reason.as_str(),
                _ => "other",
            })
            .collect();
        reasons.sort();
        assert_eq!(reasons, ["digest", "filtered", "insight", "not_log_file"]);
        // A missing path is reported, not fatal.
        let (mut u2, mut n2) = (vec![], vec![]);
        plan(&dir.path().join("nope"), &sel, &[], &mut u2, &mut n2);
        assert!(matches!(n2[0], SourceItem::ListFailed { .. }));
    }

    #[test]
    fn refuses_oversized_files_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.json");
        std::fs::write(&p, vec![b' '; 100]).unwrap();
        assert!(matches!(read(&p, 10), Err(SourceError::TooLarge { .. })));
        assert_eq!(read(&p, 100).unwrap().len(), 100);
    }
}
