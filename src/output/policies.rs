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
pub use crate::paths::{document_name, file_stem, is_under, join_under, relative_files};
use crate::recommend::Plan;
use crate::recommend::refine::Refinement;
use crate::text::escape;
use anyhow::Context;
use std::io;
use std::path::Path;

/// The principal kinds that get a folder.
const KINDS: [&str; 2] = ["user", "role"];

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
///
/// The run owns `policies/`: the files are written into a fresh temporary folder beside it,
/// which then replaces the old `policies/` (renamed aside, then removed), so that no file of an
/// earlier run survives and a reader never sees a half-written mix. Without `--iam-details`
/// (`active` false) the old folder is only removed.
pub fn write(
    out: &Path,
    plans: &[Plan],
    refinements: &[Refinement],
    active: bool,
) -> anyhow::Result<u64> {
    let root = out.join("policies");
    if !active {
        clear(&root).with_context(|| format!("removing {} of an earlier run", root.display()))?;
        return Ok(0);
    }
    let pid = std::process::id();
    let tmp = out.join(format!(".policies.tmp-{pid}"));
    clear(&tmp).with_context(|| format!("clearing {}", tmp.display()))?;
    ensure_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let n = write_all(&tmp, plans)?;
    write_refinements(&tmp, refinements)?;
    let old = out.join(format!(".policies.old-{pid}"));
    clear(&old).with_context(|| format!("clearing {}", old.display()))?;
    match std::fs::symlink_metadata(&root) {
        Ok(_) => std::fs::rename(&root, &old)
            .with_context(|| format!("moving {} aside", root.display()))?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    }
    std::fs::rename(&tmp, &root)
        .with_context(|| format!("renaming {} to {}", tmp.display(), root.display()))?;
    clear(&old).with_context(|| format!("removing {}", old.display()))?;
    Ok(n)
}

fn write_all(root: &Path, plans: &[Plan]) -> anyhow::Result<u64> {
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
        n += write_plan(root, p)?;
    }
    Ok(n)
}

/// `policies/refinements.json` and each written refinement's folder
/// ([`super::refinements`]).
fn write_refinements(root: &Path, rs: &[Refinement]) -> anyhow::Result<()> {
    let mut index = serde_json::to_vec_pretty(&super::refinements::index(rs))?;
    index.push(b'\n');
    let path = root.join("refinements.json");
    write_new(&path, &index).with_context(|| format!("writing {}", path.display()))?;
    for r in rs.iter().filter(|r| r.outcome.writes()) {
        let parts = super::refinements::folder(r);
        if !crate::iam::is_account_id(&r.account) {
            tracing::warn!(
                "policies: no refinement of {}: its account `{}` cannot make a path",
                escape(&r.target.label()),
                escape(&r.account)
            );
            continue;
        }
        let mut made: Vec<&str> = Vec::new();
        let mut ok = true;
        for part in &parts {
            made.push(part);
            match join_under(root, &made) {
                Some(d) => ensure_dir(&d).with_context(|| format!("creating {}", d.display()))?,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            tracing::warn!(
                "policies: no refinement of {}: its path would leave {}",
                escape(&r.target.label()),
                root.display()
            );
            continue;
        }
        for (name, bytes) in super::refinements::files(r) {
            let mut at = made.clone();
            at.push(name);
            let Some(path) = join_under(root, &at) else {
                continue;
            };
            write_new(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
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
    use crate::paths::{STEM_KEEP, STEM_MAX};
    use std::collections::BTreeSet;
    use std::path::PathBuf;

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
            verification: None,
            basis: Err(String::new()),
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
        let n = write(&out, &plans, &[], true).unwrap();
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
            "policies/refinements.json".to_owned(),
        ]
        .into();
        want.sort();
        assert_eq!(t, want);
    }

    #[test]
    fn refinement_folders_are_built_from_safe_parts_only() {
        use crate::recommend::refine::{Outcome, Owner, Refinement, Target};
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let r = |account: &str, owner_name: &str, name: &str| Refinement {
            account: account.into(),
            target: Target::Inline {
                owner: Owner::Role,
                owner_name: owner_name.into(),
                name: name.into(),
            },
            attachments: vec![(Owner::Role, owner_name.into())],
            principals: vec![],
            before: serde_json::json!({"Statement": []}),
            after: None,
            removed: 1,
            removed_listed: vec![],
            kept: 0,
            changes: vec![],
            outcome: Outcome::Detach,
            verified: Some((1, 0, 0)),
        };
        let rs = [
            r("111122223333", "../../..", ".."),
            r("../../x", "a", "b"),
            r("111122223333", "a\0b", "/etc/cron.d/x"),
            r("111122223333", "ok", "p"),
        ];
        write(&out, &[], &rs, true).unwrap();
        let t = tree(&out);
        assert!(t.iter().all(|p| p.starts_with("policies")), "{t:?}");
        assert!(
            t.contains(
                &"policies/111122223333/refine/role/%2E.%2F..%2F../%2E./apply.sh".to_owned()
            ),
            "{t:?}"
        );
        assert!(
            t.contains(
                &"policies/111122223333/refine/role/a%00b/%2Fetc%2Fcron.d%2Fx/diff.patch"
                    .to_owned()
            ),
            "{t:?}"
        );
        assert!(
            t.contains(&"policies/111122223333/refine/role/ok/p/README.txt".to_owned()),
            "{t:?}"
        );
        assert!(
            !t.iter().any(|p| p.contains("/x/") || p.ends_with("/x")),
            "{t:?}"
        );
        // The script quotes what the names hold.
        let sh = std::fs::read_to_string(
            out.join("policies/111122223333/refine/role/a%00b/%2Fetc%2Fcron.d%2Fx/apply.sh"),
        )
        .unwrap();
        assert!(
            sh.contains(r"--role-name 'a\x00b' --policy-name '/etc/cron.d/x'")
                && !sh.contains('\0'),
            "{sh}"
        );
    }

    #[test]
    fn symlinked_folders_are_not_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("policies")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("policies/111122223333")).unwrap();
        write(&out, &[plan("111122223333", "role", "app")], &[], true).unwrap();
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
        write(&out2, &[plan("111122223333", "role", "app")], &[], true).unwrap();
        assert_eq!(tree(&outside), ["keep"]);
        assert!(out2.join("policies/111122223333/role/app.json").is_file());
    }
}
