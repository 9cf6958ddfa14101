//! `policies/`: the least-privilege suggestions of [`crate::recommend`], one folder per account
//! and principal kind.

use super::write_atomic;
use crate::recommend::{Plan, file_stem};
use anyhow::Context;
use std::path::Path;

/// Writes `policies/<account>/<user|role>/<name>.json` (`-2`, `-3`... when split) and
/// `<name>.txt` reports. Returns the number of policy documents.
pub fn write(out: &Path, plans: &[Plan]) -> anyhow::Result<u64> {
    let root = out.join("policies");
    if root.exists() {
        std::fs::remove_dir_all(&root).with_context(|| format!("clearing {}", root.display()))?;
    }
    let mut n = 0;
    for p in plans {
        let dir = root.join(&p.account).join(p.kind);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let stem = file_stem(&p.name);
        for (i, d) in p.documents.iter().enumerate() {
            let name = if i == 0 {
                format!("{stem}.json")
            } else {
                format!("{stem}-{}.json", i + 1)
            };
            let mut text = serde_json::to_vec_pretty(d)?;
            text.push(b'\n');
            let path = dir.join(name);
            write_atomic(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            n += 1;
        }
        let path = dir.join(format!("{stem}.txt"));
        write_atomic(&path, p.report.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(n)
}
