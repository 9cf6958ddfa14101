//! Local files and directory trees.

use super::{
    Location, ObjectRef, Selection, SkipReason, SourceItem, Unit, layout, looks_like_log_name,
};
use crate::error::SourceError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Plans a local file or directory: files to read become [`Unit::Local`], files that the layout
/// or the selection rules out become [`SourceItem::Skipped`], unreadable directories become
/// [`SourceItem::ListFailed`].
///
/// A day folder of the layout (`.../CloudTrail/<region>/<yyyy>/<mm>/<dd>/`) is not walked here:
/// it becomes one [`Unit::LocalDay`], walked by [`list_day`] when the reader gets to it, as an
/// S3 day prefix is listed. The plan of a run over years then holds an entry per day folder,
/// not one per file.
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
    let mut listed = Vec::new();
    if meta.is_file() {
        // A file named on the command line is always read, whatever its name.
        listed.push(judge_file(path, &meta, sel, true));
    } else if !meta.is_dir() {
        listed.push(Listed::Note(SourceItem::Object {
            obj: object(path, None),
            data: Err(SourceError::NotRegularFile(file_kind(&meta.file_type()))),
            meta: Default::default(),
            hold: Default::default(),
        }));
    } else {
        let excluded: Arc<[PathBuf]> = exclude
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        walk(path, sel, &excluded, Walk::Plan(units), &mut listed);
    }
    for l in listed {
        match l {
            Listed::Read(o) => units.push(Unit::Local(o)),
            Listed::Note(n) => notes.push(n),
        }
    }
}

/// Walks a day folder planned as [`Unit::LocalDay`]: its files, in name order, as units to
/// read and notes of what was skipped, exactly as [`plan`] would have found them.
pub fn list_day(dir: &Path, sel: &Selection, exclude: &Arc<[PathBuf]>) -> Vec<Listed> {
    let mut listed = Vec::new();
    // Links are followed, as in the plan's walk; one that leads back to the day folder or
    // above it would walk the tree again from here, so it is refused as the walk of the whole
    // tree refuses a loop.
    let above = std::fs::canonicalize(dir).ok();
    walk(dir, sel, exclude, Walk::Day(above.as_deref()), &mut listed);
    listed
}

/// What a walk found, in the walk's order.
#[derive(Debug)]
pub enum Listed {
    /// A file to read.
    Read(ObjectRef),
    /// A file skipped, or a failure to list.
    Note(SourceItem),
}

/// What a walk does with a day folder.
enum Walk<'a> {
    /// Planning: a day folder becomes a [`Unit::LocalDay`] in these units.
    Plan(&'a mut Vec<Unit>),
    /// Listing a day folder (whose canonical path is given): every file is a unit.
    Day(Option<&'a Path>),
}

/// The layout of a day folder, if `dir` is one.
fn day_folder(dir: &Path) -> Option<layout::KeyLayout> {
    // A layout's day needs a file after `<yyyy>/<mm>/<dd>`: ask for the folder's own files.
    let l = layout::parse(&format!("{}/_", dir.to_string_lossy()))?;
    let day_of_dir = layout::parse(&dir.to_string_lossy())?;
    // The folder itself is `<dd>`: one level up has no day, the folder's files do.
    (l.day.is_some() && day_of_dir.day.is_none()).then_some(l)
}

fn walk(
    root: &Path,
    sel: &Selection,
    excluded: &Arc<[PathBuf]>,
    mut mode: Walk<'_>,
    out: &mut Vec<Listed>,
) {
    let is_excluded = |p: &Path| {
        !excluded.is_empty()
            && std::fs::canonicalize(p).is_ok_and(|c| excluded.iter().any(|x| c.starts_with(x)))
    };
    let mut walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        match entry {
            Ok(e) if e.file_type().is_dir() && e.depth() > 0 && is_excluded(e.path()) => {
                walk.skip_current_dir();
                out.push(Listed::Note(SourceItem::SkippedPrefix {
                    prefix: e.path().display().to_string(),
                    reason: SkipReason::OwnOutput,
                }));
            }
            Ok(e) if e.file_type().is_dir() && e.depth() > 0 => match &mut mode {
                Walk::Plan(units) => {
                    if let Some(layout) = day_folder(e.path()) {
                        walk.skip_current_dir();
                        units.push(Unit::LocalDay {
                            dir: e.path().to_path_buf(),
                            layout,
                            exclude: excluded.clone(),
                        });
                    }
                }
                Walk::Day(Some(day)) => {
                    if std::fs::canonicalize(e.path()).is_ok_and(|c| day.starts_with(c)) {
                        walk.skip_current_dir();
                        out.push(Listed::Note(SourceItem::ListFailed {
                            location: e.path().display().to_string(),
                            error: SourceError::Io(std::io::Error::other(
                                "a link that leads back to a folder above it (a loop); not followed",
                            )),
                        }));
                    }
                }
                Walk::Day(None) => {}
            },
            Ok(e) if !e.file_type().is_file() && !e.file_type().is_dir() => {
                out.push(Listed::Note(SourceItem::Skipped {
                    obj: object(e.path(), None),
                    reason: SkipReason::NotRegularFile,
                }));
            }
            Ok(e) if e.file_type().is_file() => {
                let name = e.file_name().to_string_lossy();
                // A digest's sidecar is read with the digest.
                if name.ends_with(super::SIDECAR_SUFFIX) && name.contains("_CloudTrail-Digest_") {
                    continue;
                }
                if !looks_like_log_name(&name) {
                    out.push(Listed::Note(SourceItem::Skipped {
                        obj: object(e.path(), None),
                        reason: SkipReason::NotLogFile,
                    }));
                    continue;
                }
                out.push(match e.metadata() {
                    Ok(m) => judge_file(e.path(), &m, sel, false),
                    Err(err) => Listed::Note(SourceItem::Object {
                        obj: object(e.path(), None),
                        data: Err(SourceError::Io(err.into())),
                        meta: Default::default(),
                        hold: Default::default(),
                    }),
                });
            }
            Ok(_) => {}
            Err(err) => out.push(Listed::Note(SourceItem::ListFailed {
                location: err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string()),
                error: SourceError::Io(err.into()),
            })),
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

fn judge_file(path: &Path, meta: &std::fs::Metadata, sel: &Selection, named: bool) -> Listed {
    let obj = object(path, Some(meta));
    if !named
        && let Some(l) = &obj.layout
        && let Some(reason) = SkipReason::from_verdict(layout::judge(l, sel))
    {
        return Listed::Note(SourceItem::Skipped { obj, reason });
    }
    Listed::Read(obj)
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

    /// Plans `root` and walks every day folder of the plan, as the reader does.
    fn plan_all(root: &Path, sel: &Selection) -> (Vec<Unit>, Vec<ObjectRef>, Vec<SourceItem>) {
        let (mut units, mut notes) = (vec![], vec![]);
        plan(root, sel, &[], &mut units, &mut notes);
        let mut read = vec![];
        for u in &units {
            match u {
                Unit::Local(o) => read.push(o.clone()),
                Unit::LocalDay { dir, exclude, .. } => {
                    for l in list_day(dir, sel, exclude) {
                        match l {
                            Listed::Read(o) => read.push(o),
                            Listed::Note(n) => notes.push(n),
                        }
                    }
                }
                other => panic!("a local plan made {other:?}"),
            }
        }
        (units, read, notes)
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

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
            touch(&base.join(sub));
        }
        let sel = Selection {
            regions: Some(vec!["us-east-1".into()]),
            ..Default::default()
        };
        let (units, read, notes) = plan_all(dir.path(), &sel);
        assert_eq!(units.len(), 4, "one unit per day folder");
        assert_eq!(read.len(), 1);
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
    fn the_plan_holds_day_folders_and_their_files_are_listed_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir
            .path()
            .join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05");
        for day in ["01", "02", "03"] {
            for i in (0..5).rev() {
                touch(&base.join(format!(
                    "{day}/111122223333_CloudTrail_us-east-1_202405{day}T{i:02}00Z_x.json.gz"
                )));
            }
        }
        // Outside the layout's day folders: planned file by file, as before.
        touch(
            &dir.path()
                .join("AWSLogs/111122223333/CloudTrail/us-east-1/stray.json.gz"),
        );
        touch(&dir.path().join("export/events.json"));
        let (units, read, notes) = plan_all(dir.path(), &Selection::default());
        let days = units
            .iter()
            .filter(|u| matches!(u, Unit::LocalDay { .. }))
            .count();
        assert_eq!((units.len(), days), (5, 3), "{units:?}");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(read.len(), 17);
        // Each day folder's files come in name order, with the layout of their day.
        let names: Vec<String> = read
            .iter()
            .filter(|o| o.day().is_some())
            .map(|o| o.display_name())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(read.iter().filter(|o| o.day().is_some()).all(|o| {
            o.layout
                .as_ref()
                .is_some_and(|l| l.region.as_deref() == Some("us-east-1"))
        }));
    }

    #[test]
    fn a_link_from_a_day_folder_back_up_the_tree_is_a_loop_not_a_second_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("AWSLogs");
        let day1 = root.join("111122223333/CloudTrail/us-east-1/2024/05/01");
        let day2 = root.join("111122223333/CloudTrail/us-east-1/2024/05/02");
        touch(&day1.join("a.json.gz"));
        touch(&day2.join("b.json.gz"));
        // A planted link in a day folder that leads back to the top of the tree.
        std::os::unix::fs::symlink(&root, day1.join("again")).unwrap();
        let (_, read, notes) = plan_all(dir.path(), &Selection::default());
        let mut names: Vec<String> = read
            .iter()
            .map(|o| o.display_name().rsplit('/').next().unwrap().to_string())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json.gz", "b.json.gz"], "every file once");
        assert!(
            notes.iter().any(|n| matches!(n, SourceItem::ListFailed { location, .. } if location.ends_with("again"))),
            "{notes:?}"
        );
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
