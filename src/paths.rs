//! Safe names for files made from data: a principal's name becomes a file name that cannot name
//! another folder or collide with another principal's, and a joined path is checked to stay
//! under its root. Used by the policy writer ([`crate::output::policies`]) and by the findings
//! that name its files ([`crate::recommend`]).

use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

/// The longest stem, in bytes: a file name (stem, `+N`, `.json`) stays well under the 255
/// bytes most file systems allow.
pub const STEM_MAX: usize = 200;
/// How much of the encoded name a shortened stem keeps, at most.
pub(crate) const STEM_KEEP: usize = 150;

/// The file name (without extension) for a principal's name: `[A-Za-z0-9._-]` are kept, except a
/// leading `.`, and every other byte is written `%XX` (upper-case hex; `%` itself too), so two
/// names never share a stem, and no stem is `.`, `..`, hidden or holds a `/` or a NUL.
///
/// A stem longer than [`STEM_MAX`] bytes (only possible for names IAM would refuse) is cut to
/// at most 150 bytes (never inside a `%XX`), followed by `~` and the first 16 hex digits of the
/// SHA-256 of the name. `~` is never kept by the encoding, so a cut stem cannot equal the stem
/// of another name.
///
/// Split documents are `<stem>+2.json`, `<stem>+3.json`... (`+` is never kept either); the
/// report is `<stem>.txt`. The empty name has the empty stem: the policy writer skips it.
pub fn file_stem(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, b) in name.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if keep {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    if out.len() <= STEM_MAX {
        return out;
    }
    let bytes = out.as_bytes();
    let mut cut = STEM_KEEP;
    // Not inside `%XX`: back up to the `%` when one of the two bytes before the cut is one.
    if bytes[cut - 1] == b'%' {
        cut -= 1;
    } else if bytes[cut - 2] == b'%' {
        cut -= 2;
    }
    let digest = Sha256::digest(name.as_bytes());
    let mut stem = out[..cut].to_owned();
    stem.push('~');
    for b in &digest[..8] {
        let _ = write!(stem, "{b:02x}");
    }
    stem
}

/// The file name of document `i` (0-based) of a plan whose stem is `stem`.
pub fn document_name(stem: &str, i: usize) -> String {
    if i == 0 {
        format!("{stem}.json")
    } else {
        format!("{stem}+{}.json", i + 1)
    }
}

/// Where the policy writer puts a plan's files, relative to the output folder: its `documents`
/// policy documents, and its report. The findings name these.
pub fn relative_files(
    account: &str,
    kind: &str,
    name: &str,
    documents: usize,
) -> (Vec<String>, String) {
    let stem = file_stem(name);
    let dir = format!("policies/{account}/{kind}");
    let docs = (0..documents)
        .map(|i| format!("{dir}/{}", document_name(&stem, i)))
        .collect();
    (docs, format!("{dir}/{stem}.txt"))
}

/// `root/<parts>...` when each part is exactly one plain path component (not empty, `.`,
/// `..`, absolute, a Windows prefix, nor holding a separator or a NUL) and the result,
/// lexically, stays under `root`; `None` otherwise.
pub fn join_under(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in parts {
        if part.contains('\0') {
            return None;
        }
        let mut c = Path::new(part).components();
        match (c.next(), c.next()) {
            (Some(Component::Normal(n)), None) if n == std::ffi::OsStr::new(part) => path.push(n),
            _ => return None,
        }
    }
    is_under(root, &path).then_some(path)
}

/// Whether `path` is below `root`: what follows `root` is made only of plain components (as
/// tar's `unpack_in` requires of an archive's entries), at least one.
pub fn is_under(root: &Path, path: &Path) -> bool {
    match path.strip_prefix(root) {
        Ok(rest) => {
            rest.components().next().is_some()
                && rest.components().all(|c| matches!(c, Component::Normal(_)))
        }
        Err(_) => false,
    }
}
