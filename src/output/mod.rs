//! Outputs: `activity.parquet`, `coverage.parquet`, `findings.*`, `permissions.parquet`, `policies/`, `summary.json`, and the human summary on stdout. Files are
//! written to a temporary name in the output folder and renamed into place when complete, so a
//! reader never sees half a file.
//!
//! The temporary file is always a new file ([`create_temp`]: create-new, and `O_NOFOLLOW` on
//! Linux), so a symlink planted at its name is never written through; the rename replaces a
//! symlink at the final name rather than following it.

pub mod activity_parquet;
pub mod coverage;
pub mod exports;
pub mod findings;
pub mod html;
pub mod permissions;
pub mod policies;
pub mod refinements;
pub mod summary;
pub mod terminal;

use std::path::{Path, PathBuf};

/// Writes a whole Parquet file atomically: `batches` (of `schema`) into a new temporary file
/// with the shared writer properties, synced, then renamed over `path`.
pub fn write_parquet(
    path: &Path,
    schema: arrow_schema::SchemaRef,
    batches: impl IntoIterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>,
) -> anyhow::Result<()> {
    let mut file = ParquetStream::create(path, schema)?;
    for b in batches {
        file.write(&b?)?;
    }
    file.finish()?;
    Ok(())
}

/// A Parquet file written batch by batch under a temporary name and renamed over `path` by
/// [`ParquetStream::finish`]. Dropped unfinished (an error, a panic), it removes the
/// temporary file.
pub struct ParquetStream {
    writer: Option<parquet::arrow::ArrowWriter<std::fs::File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl ParquetStream {
    /// Starts writing `path` with the shared writer properties.
    pub fn create(
        path: &Path,
        schema: arrow_schema::SchemaRef,
    ) -> Result<Self, parquet::errors::ParquetError> {
        let (file, tmp) = create_temp(path)?;
        let writer = match parquet::arrow::ArrowWriter::try_new(
            file,
            schema,
            Some(activity_parquet::properties()),
        ) {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        Ok(ParquetStream {
            writer: Some(writer),
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Appends a batch.
    pub fn write(
        &mut self,
        batch: &arrow_array::RecordBatch,
    ) -> Result<(), parquet::errors::ParquetError> {
        match &mut self.writer {
            Some(w) => w.write(batch),
            None => Err(parquet::errors::ParquetError::General(
                "written after it was finished".into(),
            )),
        }
    }

    /// Closes the file, syncs it and moves it into place.
    pub fn finish(mut self) -> Result<(), parquet::errors::ParquetError> {
        let Some(w) = self.writer.take() else {
            return Ok(());
        };
        w.into_inner()?.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(())
    }
}

impl Drop for ParquetStream {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The temporary name a file is written under before it is renamed to `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Opens `path` for writing as a new file: fails if anything is there, a symlink included
/// (`O_CREAT | O_EXCL`, and `O_NOFOLLOW` on Linux).
pub fn open_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Creates the temporary file for `path` ([`temp_path`]) with [`open_new`]. Something left at
/// that name (by a run that died, or planted: a symlink) is removed, never followed, and the
/// file is created anew.
pub fn create_temp(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    let tmp = temp_path(path);
    match open_new(&tmp) {
        Ok(f) => Ok((f, tmp)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&tmp)?;
            Ok((open_new(&tmp)?, tmp))
        }
        Err(e) => Err(e),
    }
}

/// Writes a whole file atomically ([`create_temp`], fsync, rename over `path`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes `bytes` to a new temporary file for `path`, synced; returns its name.
fn write_temp(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let (mut f, tmp) = create_temp(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            drop(f);
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes a whole file that must not exist yet: like [`write_atomic`], but fails with
/// `AlreadyExists` when something (a file, a folder, a symlink) is at `path`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    let result = if std::fs::symlink_metadata(path).is_ok() {
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "something is already there",
        ))
    } else {
        std::fs::rename(&tmp, path)
    };
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_at_the_temporary_name_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"untouched").unwrap();
        let path = dir.path().join("summary.json");
        std::os::unix::fs::symlink(&victim, temp_path(&path)).unwrap();
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert!(std::fs::symlink_metadata(temp_path(&path)).is_err());
    }

    #[test]
    fn a_symlink_at_the_final_name_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"untouched").unwrap();
        let path = dir.path().join("findings.jsonl");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
        assert!(
            !std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn write_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_new(&path, b"1").unwrap();
        let e = write_new(&path, b"2").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"1");
        let link = dir.path().join("b.json");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert!(write_new(&link, b"3").is_err());
        assert!(std::fs::symlink_metadata(dir.path().join("nowhere")).is_err());
        // No temporary file is left behind.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json", "b.json"]);
    }

    #[test]
    fn a_parquet_stream_left_unfinished_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coverage.parquet");
        let schema = coverage::schema();
        let mut s = ParquetStream::create(&path, schema.clone()).unwrap();
        s.write(&arrow_array::RecordBatch::new_empty(schema.clone()))
            .unwrap();
        drop(s);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // Finished, the file is in place and its temporary name gone.
        ParquetStream::create(&path, schema)
            .unwrap()
            .finish()
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["coverage.parquet"]);
    }
}
