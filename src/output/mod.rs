//! Outputs: `activity.parquet`, `findings.*`, `permissions.parquet`, `policies/`, `summary.json`, and the human summary on stdout. Files are
//! written to a temporary name in the output folder and renamed into place when complete, so a
//! reader never sees half a file.

pub mod activity_parquet;
pub mod findings;
pub mod permissions;
pub mod policies;
pub mod summary;
pub mod text;

use std::path::{Path, PathBuf};

/// The temporary name a file is written under before it is renamed to `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes a whole file atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = temp_path(path);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
