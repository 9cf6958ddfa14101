//! `policies/`: the least-privilege suggestions of [`crate::recommend`], one folder per account
//! and principal kind.
//!
//! Paths are built, never taken: the account must be a 12-digit account ID, the kind is `user`
//! or `role`, and the file name is [`file_stem`] of the principal's name, a collision-free
//! encoding that cannot name another folder. The joined path is checked to stay under
//! `policies/`, each folder is created one level at a time and must not be a symlink, and each
//! file is written through a new temporary file that a symlink cannot redirect
//! ([`super::write_new`]). `policies/` itself is removed and made anew at every run.

use super::write_new;
use crate::output::text::escape;
use crate::recommend::Plan;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The longest stem, in bytes: a file name (stem, `+N`, `.json`) stays well under the 255
/// bytes most file systems allow.
pub const STEM_MAX: usize = 200;
/// How much of the encoded name a shortened stem keeps, at most.
const STEM_KEEP: usize = 150;

/// The principal kinds that get a folder.
const KINDS: [&str; 2] = ["user", "role"];

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
/// report is `<stem>.txt`. The empty name has the empty stem: [`write`] skips it.
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

/// Where [`write`] puts a plan's files, relative to the output folder: its `documents`
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

/// Creates the folder `path` (whose parent exists) unless it is there; a symlink, or anything
/// that is not a folder, is refused.
fn ensure_dir(path: &Path) -> io::Result<()> {
    let is_dir = |p: &Path| -> io::Result<()> {
        let m = std::fs::symlink_metadata(p)?;
        if m.file_type().is_dir() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                if m.file_type().is_symlink() {
                    "is a symlink, not a folder"
                } else {
                    "is not a folder"
                },
            ))
        }
    };
    match is_dir(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(path) {
            Ok(()) => Ok(()),
            // Created meanwhile: it must be a folder still.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => is_dir(path),
            Err(e) => Err(e),
        },
        other => other,
    }
}

/// Removes `policies/` of an earlier run: a folder with what it holds, or a symlink or file
/// (removed itself, never followed).
fn clear(root: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(root) {
        Ok(m) if m.file_type().is_dir() => std::fs::remove_dir_all(root),
        Ok(_) => std::fs::remove_file(root),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `policies/<account>/<user|role>/<stem>.json` (`<stem>+2.json`, `+3`... when split)
/// and `<stem>.txt` reports, `<stem>` being [`file_stem`] of the principal's name. A plan whose
/// account or kind is not one a path can be built from is skipped with a warning. Returns the
/// number of policy documents.
pub fn write(out: &Path, plans: &[Plan]) -> anyhow::Result<u64> {
    let root = out.join("policies");
    clear(&root).with_context(|| format!("clearing {}", root.display()))?;
    ensure_dir(&root).with_context(|| format!("creating {}", root.display()))?;
    let mut n = 0;
    for p in plans {
        if !crate::iam::is_account_id(&p.account) || !KINDS.contains(&p.kind) || p.name.is_empty() {
            tracing::warn!(
                "policies: no file for {}: its account `{}`, kind `{}` or empty name cannot \
                 make a path",
                escape(&p.arn),
                escape(&p.account),
                escape(p.kind)
            );
            continue;
        }
        n += write_plan(&root, p)?;
    }
    Ok(n)
}

/// One plan's files; returns the number of policy documents.
fn write_plan(root: &Path, p: &Plan) -> anyhow::Result<u64> {
    let stem = file_stem(&p.name);
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(p.documents.len() + 1);
    for (i, d) in p.documents.iter().enumerate() {
        let mut text = serde_json::to_vec_pretty(d)?;
        text.push(b'\n');
        files.push((document_name(&stem, i), text));
    }
    files.push((format!("{stem}.txt"), p.report.as_bytes().to_vec()));
    let account = join_under(root, &[&p.account]);
    let dir = join_under(root, &[&p.account, p.kind]);
    let (Some(account), Some(dir)) = (account, dir) else {
        tracing::warn!(
            "policies: no file for {}: its path would leave {}",
            escape(&p.arn),
            root.display()
        );
        return Ok(0);
    };
    for d in [&account, &dir] {
        ensure_dir(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let mut n = 0;
    for (name, bytes) in &files {
        let Some(path) = join_under(root, &[&p.account, p.kind, name]) else {
            tracing::warn!(
                "policies: no file {} for {}: its path would leave {}",
                escape(name),
                escape(&p.arn),
                root.display()
            );
            continue;
        };
        write_new(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        n += u64::from(name.ends_with(".json"));
    }
    debug_assert_eq!(
        relative_files(&p.account, p.kind, &p.name, p.documents.len()).1,
        format!("policies/{}/{}/{}.txt", p.account, p.kind, stem)
    );
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Names that a careless encoding confuses.
    fn tricky() -> Vec<String> {
        let mut v: Vec<String> = [
            "a/b",
            "a%2Fb",
            "a_b",
            "a%b",
            "..",
            ".",
            "%2E.",
            ".hidden",
            "%2Ehidden",
            "a.",
            "a",
            "A",
            "a-2",
            "a+2",
            "a~b",
            "a\0b",
            "a%00b",
            "",
            "/",
            "\\",
            "a b",
            "a+b",
            "a@b",
            "é",
            "%C3%A9",
            "a\nb",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("r".repeat(10_000));
        v.push(format!("{}x", "r".repeat(9_999)));
        v.push("/".repeat(10_000));
        v.push("é".repeat(5_000));
        v
    }

    fn plain_and_short(stem: &str) -> bool {
        !stem.is_empty()
            && stem.len() <= STEM_MAX
            && !stem.starts_with('.')
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-%~".contains(&b))
    }

    #[test]
    fn stems_are_plain_and_never_collide() {
        let names = tricky();
        let stems: BTreeSet<String> = names.iter().map(|n| file_stem(n)).collect();
        assert_eq!(stems.len(), names.len(), "{stems:?}");
        for n in &names {
            let s = file_stem(n);
            if n.is_empty() {
                assert_eq!(s, "");
                continue;
            }
            assert!(plain_and_short(&s), "{n:?} -> {s:?}");
            assert_eq!(file_stem(n), s, "stable");
            // The stem is one plain path component.
            assert!(join_under(Path::new("/out"), &[&format!("{s}.json")]).is_some());
        }
        assert_eq!(file_stem("app-writer"), "app-writer");
        assert_eq!(file_stem("a/b"), "a%2Fb");
        assert_eq!(file_stem("a%2Fb"), "a%252Fb");
        assert_eq!(file_stem(".."), "%2E.");
        assert_eq!(file_stem(".hidden"), "%2Ehidden");
        assert_eq!(file_stem("a.b"), "a.b");
        assert_eq!(file_stem("a\0b"), "a%00b");
        assert_eq!(file_stem("a+b=c,d@e"), "a%2Bb%3Dc%2Cd%40e");
        assert_eq!(file_stem("é"), "%C3%A9");
    }

    #[test]
    fn a_long_name_gets_a_cut_stem_with_a_hash() {
        let long = "r".repeat(10_000);
        let s = file_stem(&long);
        assert_eq!(s.len(), STEM_KEEP + 1 + 16);
        assert!(s.starts_with(&"r".repeat(150)));
        assert_eq!(s.as_bytes()[150], b'~');
        assert!(s[151..].bytes().all(|b| b.is_ascii_hexdigit()));
        // Never cut inside %XX.
        for pad in 0..3 {
            let name = format!("{}{}", "r".repeat(pad), "/".repeat(1000));
            let s = file_stem(&name);
            let head = s.split('~').next().unwrap();
            assert!(head.len() <= STEM_KEEP);
            let tail = &head[pad..];
            assert_eq!(tail.len() % 3, 0, "{s}");
            assert!(tail.starts_with("%2F") && tail.ends_with("%2F"), "{s}");
        }
        // A name whose plain stem looks like a cut one does not take its place.
        let forged = s.replace('~', "-");
        assert_ne!(file_stem(&forged), s);
        // Every IAM-valid name (at most 128 characters, `+=,.@` encoded to 3 bytes) stays
        // whole.
        assert_eq!(file_stem(&"@".repeat(64)).len(), 192);
    }

    #[test]
    fn split_documents_do_not_take_another_principals_name() {
        assert_eq!(document_name("a", 0), "a.json");
        assert_eq!(document_name("a", 1), "a+2.json");
        // The role `a-2` and the second document of `a` are different files.
        assert_ne!(
            document_name(&file_stem("a-2"), 0),
            document_name(&file_stem("a"), 1)
        );
        assert_ne!(
            document_name(&file_stem("a+2"), 0),
            document_name(&file_stem("a"), 1)
        );
    }

    #[test]
    fn paths_stay_under_the_root() {
        let root = Path::new("/out/policies");
        assert_eq!(
            join_under(root, &["111122223333", "role", "app.json"]),
            Some(PathBuf::from("/out/policies/111122223333/role/app.json"))
        );
        for bad in [
            "..",
            ".",
            "",
            "/abs",
            "a/b",
            "../..",
            "/",
            "a\0b",
            "a/",
            "/any/dir",
            "../../escape",
        ] {
            assert_eq!(join_under(root, &[bad, "role"]), None, "{bad:?}");
            assert_eq!(join_under(root, &["111122223333", bad]), None, "{bad:?}");
        }
        assert!(is_under(root, Path::new("/out/policies/a/b")));
        assert!(!is_under(root, Path::new("/out/policies")));
        assert!(!is_under(root, Path::new("/out/policies/../x")));
        assert!(!is_under(root, Path::new("/out/policies/a/../../x")));
        assert!(!is_under(root, Path::new("/out/other")));
        assert!(!is_under(root, Path::new("/etc/passwd")));
    }

    fn plan(account: &str, kind: &'static str, name: &str) -> Plan {
        Plan {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:{kind}/{name}"),
            kind,
            name: name.to_owned(),
            documents: vec![serde_json::json!({"Version": "2012-10-17", "Statement": []})],
            report: "report\n".to_owned(),
            finding: None,
        }
    }

    /// Every path under `dir`, relative, symlinks not followed.
    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
        }
        out
    }

    #[test]
    fn the_writer_trusts_no_account_kind_or_name() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let escape = tmp.path().join("escape");
        let plans = [
            plan("111122223333", "role", "app"),
            plan(&escape.display().to_string(), "role", "x"),
            plan("../../escape", "role", "x"),
            plan("111122223333", "group", "g"),
            plan("111122223333", "../..", "g"),
            plan("111122223333", "user", "../../../escape"),
            plan("111122223333", "user", "a\0b"),
            plan("111122223333", "user", &"u".repeat(10_000)),
            plan("111122223333", "user", ""),
        ];
        let n = write(&out, &plans).unwrap();
        assert_eq!(n, 4);
        // The paths the findings name are the files written.
        for p in &plans[..1] {
            let (docs, report) = relative_files(&p.account, p.kind, &p.name, p.documents.len());
            for f in docs.iter().chain([&report]) {
                assert!(out.join(f).is_file(), "{f}");
            }
        }
        let (docs, _) = relative_files("111122223333", "user", "a\0b", 2);
        assert_eq!(
            docs,
            [
                "policies/111122223333/user/a%00b.json",
                "policies/111122223333/user/a%00b+2.json"
            ]
        );
        assert!(!escape.exists());
        let t = tree(&out);
        let long = file_stem(&"u".repeat(10_000));
        let mut want: Vec<String> = [
            "policies".to_owned(),
            "policies/111122223333".to_owned(),
            "policies/111122223333/role".to_owned(),
            "policies/111122223333/role/app.json".to_owned(),
            "policies/111122223333/role/app.txt".to_owned(),
            "policies/111122223333/user".to_owned(),
            "policies/111122223333/user/%2E.%2F..%2F..%2Fescape.json".to_owned(),
            "policies/111122223333/user/%2E.%2F..%2F..%2Fescape.txt".to_owned(),
            "policies/111122223333/user/a%00b.json".to_owned(),
            "policies/111122223333/user/a%00b.txt".to_owned(),
            format!("policies/111122223333/user/{long}.json"),
            format!("policies/111122223333/user/{long}.txt"),
        ]
        .into();
        want.sort();
        assert_eq!(t, want);
    }

    #[test]
    fn symlinked_folders_are_not_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("policies")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("policies/111122223333")).unwrap();
        write(&out, &[plan("111122223333", "role", "app")]).unwrap();
        assert!(tree(&outside).is_empty());
        assert!(out.join("policies/111122223333/role/app.json").is_file());

        // A folder level that is a symlink is refused, never followed.
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("111122223333")).unwrap();
        let e = write_plan(&root, &plan("111122223333", "role", "app")).unwrap_err();
        assert!(format!("{e:#}").contains("symlink"), "{e:#}");
        assert!(tree(&outside).is_empty());

        // policies/ itself a symlink: the link is removed, the folder outside is kept.
        std::fs::write(outside.join("keep"), b"x").unwrap();
        let out2 = tmp.path().join("out2");
        std::fs::create_dir(&out2).unwrap();
        std::os::unix::fs::symlink(&outside, out2.join("policies")).unwrap();
        write(&out2, &[plan("111122223333", "role", "app")]).unwrap();
        assert_eq!(tree(&outside), ["keep"]);
        assert!(out2.join("policies/111122223333/role/app.json").is_file());
    }
}
