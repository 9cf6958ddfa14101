//! Hostile authorization details (issue 9): an ARN whose account part is a path, a NUL or a
//! 10,000-character name, a symlink planted in the output folder. Nothing may be written
//! outside `--out`, and one bad principal may not stop the run: it is named in
//! `summary.json`'s `inventory_rejected` and the others are still judged.

use crate::common::{TrailguardCmd, read_summary};
use crate::rules::read_findings;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const LP: &str = "tests/fixtures/rules/least-privilege";
const GOOD_ROLE: &str = "arn:aws:iam::111122223333:role/app-writer";

/// The working least-privilege details (one role, `app-writer`).
fn details() -> Value {
    let path = Path::new(ROOT).join(LP).join("details.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `app-writer` role of the fixture, renamed and with another ARN.
fn role_like(name: &str, arn: &str) -> Value {
    let mut r = details()["RoleDetailList"][0].clone();
    r["RoleName"] = json!(name);
    r["Arn"] = json!(arn);
    r
}

/// An IAM user with one inline policy.
fn user(name: &str, arn: &str) -> Value {
    json!({
        "Path": "/",
        "UserName": name,
        "UserId": "AIDAHOSTILEXXXXXXXXXX",
        "Arn": arn,
        "CreateDate": "2022-01-01T00:00:00Z",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": [{
            "PolicyName": "read",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
            }
        }],
        "Tags": []
    })
}

/// Every file, folder and symlink under `dir`, symlinks not followed.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

struct Run {
    summary: Value,
    findings: Vec<Value>,
}

/// `trailguard scan <app-writer trail> --iam-details DETAILS --out OUT`, expecting exit 0 and
/// every output file.
#[track_caller]
fn run(details: &Path, out: &Path) -> Run {
    let mut cmd = TrailguardCmd::new().args([
        "scan".as_ref(),
        format!("{LP}/app-writer-cloudtrail.json").as_ref(),
        "--iam-details".as_ref(),
        details.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--threads".as_ref(),
        std::ffi::OsStr::new("2"),
    ]);
    cmd.cmd.current_dir(ROOT);
    let r = cmd.run_with_timeout(std::time::Duration::from_secs(120));
    r.assert_code(0);
    for f in [
        "summary.json",
        "findings.jsonl",
        "findings.parquet",
        "permissions.parquet",
        "activity.parquet",
    ] {
        assert!(out.join(f).is_file(), "{f} missing; stderr:\n{}", r.stderr);
    }
    Run {
        summary: read_summary(out),
        findings: read_findings(out),
    }
}

/// `inventory_rejected[].entity`.
fn rejected(summary: &Value) -> Vec<String> {
    summary["inventory_rejected"]
        .as_array()
        .unwrap_or_else(|| panic!("no inventory_rejected in {summary:#}"))
        .iter()
        .map(|r| r["entity"].as_str().unwrap().to_owned())
        .collect()
}

/// The good role still gets its policy, its report and its finding.
#[track_caller]
fn good_role_judged(out: &Path, r: &Run) {
    assert!(
        out.join("policies/111122223333/role/app-writer.json")
            .is_file()
    );
    assert!(
        out.join("policies/111122223333/role/app-writer.txt")
            .is_file()
    );
    assert_names_written_files(out, r, GOOD_ROLE);
}

/// The `unused-permissions` finding of `principal` names only files that were written.
#[track_caller]
fn assert_names_written_files(out: &Path, r: &Run, principal: &str) {
    let f = r
        .findings
        .iter()
        .find(|f| f["rule"] == "unused-permissions" && f["principal"] == principal)
        .unwrap_or_else(|| panic!("no unused-permissions for {principal}: {:#?}", r.findings));
    let fix = f["remediation"].as_str().unwrap();
    let named: Vec<&str> = fix
        .split([' ', ','])
        .filter(|w| w.starts_with("policies/"))
        .collect();
    assert!(!named.is_empty(), "{fix}");
    for n in named {
        assert!(out.join(n).is_file(), "{fix}: {n} was not written");
    }
}

#[test]
fn an_account_that_is_a_path_writes_nothing_outside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    std::fs::create_dir(base.join("in")).unwrap();
    let out = base.join("out");
    let absolute = format!("arn:aws:iam::{}/escape:role/app-writer", base.display());
    let relative = "arn:aws:iam::../../escape:role/app-writer".to_owned();
    let mut d = details();
    let good = d["RoleDetailList"][0].clone();
    d["RoleDetailList"] = json!([
        good,
        role_like("app-writer", &absolute),
        role_like("app-writer", &relative),
    ]);
    let path = base.join("in/details.json");
    std::fs::write(&path, serde_json::to_vec(&d).unwrap()).unwrap();

    let r = run(&path, &out);
    let outside: Vec<PathBuf> = walk(base)
        .into_iter()
        .filter(|p| !p.starts_with(&out) && !p.starts_with(base.join("in")))
        .collect();
    assert!(outside.is_empty(), "written outside --out: {outside:?}");
    assert!(!base.join("escape").exists());
    let rej = rejected(&r.summary);
    assert_eq!(rej, [absolute.clone(), relative.clone()], "{:#}", r.summary);
    for x in r.summary["inventory_rejected"].as_array().unwrap() {
        assert_eq!(x["input"], path.display().to_string());
        assert!(x["reason"].as_str().unwrap().contains("account"), "{x:#}");
    }
    good_role_judged(&out, &r);
    // Only the good account's folder exists under policies/.
    let accounts: Vec<String> = std::fs::read_dir(out.join("policies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "refinements.json")
        .collect();
    assert_eq!(accounts, ["111122223333"]);
}

#[test]
fn a_nul_or_a_huge_name_is_named_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let long = "r".repeat(10_000);
    let long_arn = format!("arn:aws:iam::111122223333:role/{long}");
    let nul_arn = "arn:aws:iam::111122223333:user/bad\u{0}user";
    let mut d = details();
    let good = d["RoleDetailList"][0].clone();
    d["RoleDetailList"] = json!([good, role_like(&long, &long_arn)]);
    d["UserDetailList"] = json!([
        user("bad\u{0}user", nul_arn),
        user("reader", "arn:aws:iam::111122223333:user/reader"),
    ]);
    let path = tmp.path().join("details.json");
    std::fs::write(&path, serde_json::to_vec(&d).unwrap()).unwrap();

    let r = run(&path, &out);
    let rej = rejected(&r.summary);
    assert_eq!(rej.len(), 2, "{:#}", r.summary);
    assert!(
        rej.contains(&"arn:aws:iam::111122223333:user/bad\\u{0}user".to_owned()),
        "{rej:?}"
    );
    let cut = rej
        .iter()
        .find(|e| e.starts_with("arn:aws:iam::111122223333:role/rrr"))
        .expect("the long role");
    assert_eq!(cut.chars().count(), 200);
    assert!(cut.ends_with('…'));
    good_role_judged(&out, &r);
    // The normal user is still judged: it used nothing, so it gets a report and a finding
    // that names it.
    assert!(out.join("policies/111122223333/user/reader.txt").is_file());
    assert!(!out.join("policies/111122223333/user/reader.json").exists());
    assert_names_written_files(&out, &r, "arn:aws:iam::111122223333:user/reader");
    let files: Vec<PathBuf> = walk(&out.join("policies"));
    assert!(
        files
            .iter()
            .all(|p| p.file_name().unwrap().len() <= 255
                && !p.to_string_lossy().contains("rrrrrrrrrr")),
        "{files:?}"
    );
}

#[test]
fn symlinks_planted_in_out_are_not_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    let outside = base.join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), b"untouched").unwrap();
    let details_path = base.join("details.json");
    std::fs::write(&details_path, serde_json::to_vec(&details()).unwrap()).unwrap();

    // policies/<account> is a symlink to a folder outside, and so is findings.jsonl.
    let out = base.join("out");
    std::fs::create_dir_all(out.join("policies")).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("policies/111122223333")).unwrap();
    std::os::unix::fs::symlink(outside.join("keep.txt"), out.join("findings.jsonl")).unwrap();
    let r = run(&details_path, &out);
    good_role_judged(&out, &r);
    assert_eq!(walk(&outside), [outside.join("keep.txt")]);
    assert_eq!(
        std::fs::read_to_string(outside.join("keep.txt")).unwrap(),
        "untouched"
    );
    assert!(
        !std::fs::symlink_metadata(out.join("policies/111122223333"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // policies/ itself is a symlink to the folder outside.
    let out2 = base.join("out2");
    std::fs::create_dir(&out2).unwrap();
    std::os::unix::fs::symlink(&outside, out2.join("policies")).unwrap();
    let r = run(&details_path, &out2);
    good_role_judged(&out2, &r);
    assert_eq!(walk(&outside), [outside.join("keep.txt")]);
}
