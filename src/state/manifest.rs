//! `COMPLETE`, the manifest of a generation: the format, the options the state was built with
//! and the size of every file. Written last, so a generation without it was never finished.

use super::FORMAT;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;

pub(super) const COMPLETE: &str = "COMPLETE";

/// `COMPLETE`: what a generation holds and how it was made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub(super) format: u32,
    pub(super) generation: u64,
    pub(super) trailguard: String,
    /// `--accounts` the state was built with (sorted), or all.
    pub(super) accounts: Option<Vec<String>>,
    /// `--regions` the state was built with (sorted), or all.
    pub(super) regions: Option<Vec<String>>,
    /// `--window` of the run that wrote it.
    pub(super) window_days: u32,
    /// The window's start and end (epoch ms) that run aged usage by.
    pub(super) window_start: Option<i64>,
    pub(super) window_end: Option<i64>,
    /// File name -> size in bytes.
    pub(super) files: BTreeMap<String, u64>,
    /// The secret seed of the deduplication's content hash (the stored event-ID keys were made
    /// with it). Absent in states written before it was kept: those used public constants.
    #[serde(default)]
    pub(super) dedup_seed: Option<[u64; 4]>,
}

impl Manifest {
    /// Reads the manifest of the generation in `gdir` and checks the format and every file's
    /// size; an error names the file.
    pub(super) fn load(gdir: &Path) -> anyhow::Result<Manifest> {
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
        Ok(m)
    }

    /// Writes the manifest into `gdir` and fsyncs it.
    pub(super) fn write(&self, gdir: &Path) -> anyhow::Result<()> {
        let mpath = gdir.join(COMPLETE);
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        let mut f = File::create(&mpath).with_context(|| format!("writing {}", mpath.display()))?;
        f.write_all(&text)
            .and_then(|_| f.sync_all())
            .with_context(|| format!("writing {}", mpath.display()))?;
        drop(f);
        Ok(())
    }
}
