//! The directory protocol: the `LOCK` one run holds, the `CURRENT` pointer (written through
//! `CURRENT.tmp`, fsync, rename), the `gen-<n>` generation folders, and the removal of what
//! killed runs left behind.

use anyhow::{Context, bail};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(super) const CURRENT: &str = "CURRENT";
pub(super) const CURRENT_TMP: &str = "CURRENT.tmp";
const LOCK: &str = "LOCK";

/// fsync of a directory, so that a rename or a new file in it is durable.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
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

/// Options that never follow a symbolic link at the last component (`O_NOFOLLOW`): a link
/// planted in the state folder makes the open fail instead of writing or reading its target.
fn no_follow() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    o
}

/// Why an open of a state file failed, saying so plainly when it is a symbolic link.
fn open_error(path: &Path, e: std::io::Error, what: &str) -> anyhow::Error {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        anyhow::anyhow!(
            "{} is a symbolic link: refusing to follow it (remove it; a state folder holds no links)",
            path.display()
        )
    } else {
        anyhow::Error::new(e).context(format!("{what} {}", path.display()))
    }
}

/// Writes `CURRENT` through `CURRENT.tmp` (fsync, rename, fsync of the folder). A leftover
/// `CURRENT.tmp` (file or link) is removed first and the new one is created new, without
/// following links.
pub(super) fn write_pointer(dir: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = dir.join(CURRENT_TMP);
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", tmp.display())),
    }
    let mut f = crate::output::open_new(&tmp).map_err(|e| open_error(&tmp, e, "writing"))?;
    f.write_all(format!("{text}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(f);
    let cur = dir.join(CURRENT);
    std::fs::rename(&tmp, &cur).with_context(|| format!("renaming to {}", cur.display()))?;
    sync_dir(dir).with_context(|| format!("syncing {}", dir.display()))
}

pub(super) fn gen_name(n: u64) -> String {
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
pub(super) fn lock(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(LOCK);
    let mut f = no_follow()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| open_error(&path, e, "opening"))?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        bail!(
            "{} is not a regular file: refusing to use it as the lock",
            path.display()
        );
    }
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

/// The generation `CURRENT` names (`0` for `none`). A missing `CURRENT` in an empty folder is
/// written as `none`; a missing one in a folder holding other files, or a garbled one, is an
/// error naming the file.
pub(super) fn read_current(dir: &Path) -> anyhow::Result<u64> {
    let cur_path = dir.join(CURRENT);
    let read = no_follow().read(true).open(&cur_path).and_then(|mut f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        // A pointer is a few bytes: read no more than a page of whatever is there.
        Read::by_ref(&mut f).take(4096).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    let generation = match read {
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(open_error(&cur_path, e, "reading"));
        }
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
    Ok(generation)
}

/// Removes the leftovers of killed runs (the pointer being written, generations never
/// committed or not yet removed); returns their names.
pub(super) fn clean_leftovers(dir: &Path, generation: u64) -> anyhow::Result<Vec<String>> {
    let mut cleaned = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let e = e.with_context(|| format!("listing {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let stale = name == CURRENT_TMP || parse_gen(&name).is_some_and(|n| n != generation);
        if !stale {
            continue;
        }
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let r = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        r.with_context(|| format!("removing leftover {}", path.display()))?;
        tracing::info!(path = %path.display(), "removed a leftover of an earlier run");
        cleaned.push(name);
    }
    Ok(cleaned)
}

/// Creates the folder of generation `n` (removing a leftover of that name first).
pub(super) fn create_generation(dir: &Path, n: u64) -> anyhow::Result<PathBuf> {
    let gdir = dir.join(gen_name(n));
    if std::fs::symlink_metadata(&gdir).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(&gdir).with_context(|| format!("removing {}", gdir.display()))?;
    } else if gdir.exists() {
        std::fs::remove_dir_all(&gdir)
            .with_context(|| format!("removing leftover {}", gdir.display()))?;
    }
    std::fs::create_dir(&gdir).with_context(|| format!("creating {}", gdir.display()))?;
    Ok(gdir)
}

/// Removes generation `n` once another is current; a failure is only logged (the next run
/// removes it as a leftover).
pub(super) fn remove_generation(dir: &Path, n: u64) {
    let old = dir.join(gen_name(n));
    if let Err(e) = std::fs::remove_dir_all(&old) {
        tracing::warn!(path = %old.display(), error = %e, "cannot remove the previous state generation (the next run will)");
    }
}
