//! `trailguard verify` on generated corpora with real signed digest chains: a valid chain, and
//! each kind of damage (a byte changed in a log, a log deleted, a digest deleted, a digest
//! re-signed with another key, a chain that restarts, a file added after its digest), locally,
//! from S3 (SeaweedFS, signatures in object metadata) and with ListPublicKeys (moto).

use crate::common::{ACCESS_KEY, SECRET_KEY, SeaweedFs, TrailguardCmd};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use trailguard_gen::sign::{Signer, sidecar_json, signing_string};

const GEN: &[&str] = &[
    "--seed",
    "7",
    "--days",
    "2",
    "--events-per-day",
    "1200",
    "--events-per-file",
    "100",
    "--start",
    "2024-01-01",
];

fn corpus(extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("trailguard-integrity-")
        .tempdir()
        .expect("temp dir");
    let mut args = GEN.to_vec();
    if !extra.contains(&"--accounts") {
        args.extend_from_slice(&["--accounts", "2", "--regions", "2"]);
    }
    args.extend_from_slice(extra);
    trailguard_gen::generate(dir.path(), &args).expect("generate");
    dir
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    trailguard::decode::gunzip::gunzip_capped(&std::fs::read(p).expect("read"), 1 << 30, &mut out)
        .expect("gunzip");
    out
}

fn gzip_to(p: &Path, bytes: &[u8]) {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    std::fs::write(p, e.finish().expect("gzip")).expect("write");
}

/// Files under `root` whose path contains `folder`, sorted (digests: chain order per stream).
fn files(root: &Path, folder: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walk(root)
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            s.contains(folder) && s.ends_with(".json.gz")
        })
        .collect();
    v.sort();
    v
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The digests of the first account's us-east-1 chain, oldest first.
fn chain(root: &Path) -> Vec<PathBuf> {
    let first = files(root, "/CloudTrail-Digest/us-east-1/")
        .into_iter()
        .next()
        .expect("a digest");
    let account = first
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string();
    let mut v: Vec<PathBuf> = files(root, &format!("/{account}/CloudTrail-Digest/us-east-1/"));
    v.sort_by_key(|p| p.file_name().unwrap().to_os_string());
    v
}

struct Verified {
    code: i32,
    summary: Value,
    findings: Vec<Value>,
    stdout: String,
    stderr: String,
    out: tempfile::TempDir,
}

fn verify(args: &[&std::ffi::OsStr]) -> Verified {
    let out = tempfile::tempdir().expect("temp dir");
    let r = TrailguardCmd::new()
        .args(["verify"])
        .args(args)
        .args(["--out".as_ref(), out.path().as_os_str()])
        .run();
    let summary: Value = serde_json::from_slice(
        &std::fs::read(out.path().join("integrity.json"))
            .unwrap_or_else(|e| panic!("integrity.json: {e}\n{}\n{}", r.stdout, r.stderr)),
    )
    .expect("integrity.json");
    let findings = std::fs::read_to_string(out.path().join("findings.jsonl"))
        .expect("findings.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("finding"))
        .collect();
    Verified {
        code: r.code(),
        summary,
        findings,
        stdout: r.stdout,
        stderr: r.stderr,
        out,
    }
}

fn verify_local(root: &Path) -> Verified {
    let keys = root.join("PUBLIC-KEYS.txt");
    verify(&[root.as_os_str(), "--public-keys".as_ref(), keys.as_os_str()])
}

/// `trailguard scan ROOT -q --out OUT`, which must exit 0.
fn scan_into(root: &Path, out: &Path) {
    TrailguardCmd::new()
        .args([
            "scan".as_ref(),
            root.as_os_str(),
            "-q".as_ref(),
            "--out".as_ref(),
        ])
        .args([out])
        .run()
        .assert_code(0);
}

fn total(v: &Verified, field: &str) -> u64 {
    v.summary["totals"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("totals.{field} in {}", v.summary))
}

fn rules(v: &Verified) -> Vec<String> {
    let mut r: Vec<String> = v
        .findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

fn manifest(root: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root.join("MANIFEST.txt")).unwrap()).unwrap()
}

/// Rewrites digest `i` of a chain with `edit`, then re-hashes and re-signs it and every later
/// digest of the chain with `signer`, as CloudTrail would have written them (for damage that
/// CloudTrail itself records, such as a restart), writing sidecars when `sidecars`.
fn rewrite_chain(chain: &[PathBuf], i: usize, signer: &Signer, edit: impl FnOnce(&mut Value)) {
    let mut prev: Option<([u8; 32], String)> = if i == 0 {
        None
    } else {
        let bytes = gunzip(&chain[i - 1]);
        let next: Value = serde_json::from_slice(&gunzip(&chain[i])).unwrap();
        Some((
            Sha256::digest(&bytes).into(),
            next["previousDigestSignature"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        ))
    };
    let mut edit = Some(edit);
    for p in &chain[i..] {
        let mut doc: Value = serde_json::from_slice(&gunzip(p)).unwrap();
        if let Some(e) = edit.take() {
            e(&mut doc);
        } else if let Some((sha, sig)) = &prev {
            doc["previousDigestHashValue"] = Value::from(hex(sha));
            doc["previousDigestSignature"] = Value::from(sig.clone());
        }
        if doc["previousDigestS3Object"].is_null() {
            prev = None;
        }
        let bytes = serde_json::to_vec(&doc).unwrap();
        gzip_to(p, &bytes);
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        let msg = signing_string(
            doc["digestEndTime"].as_str().unwrap(),
            doc["digestS3Bucket"].as_str().unwrap(),
            doc["digestS3Object"].as_str().unwrap(),
            &sha,
            prev.as_ref().map(|(_, s)| s.as_str()),
        );
        let sig = signer.sign_hex(msg.as_bytes());
        let mut side = p.clone().into_os_string();
        side.push(".metadata");
        if Path::new(&side).exists() {
            std::fs::write(&side, sidecar_json(&sig)).unwrap();
        }
        prev = Some((sha, sig));
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn signer(root: &Path) -> Signer {
    Signer::from_pkcs8(&std::fs::read(root.join("SIGNING-KEY.pk8")).unwrap()).unwrap()
}

#[test]
fn a_valid_chain_verifies_and_says_what_was_checked() {
    let c = corpus(&[]);
    let m = manifest(c.path());
    let v = verify_local(c.path());
    assert_eq!(v.code, 0, "{}\n{}", v.stdout, v.stderr);
    assert!(v.findings.is_empty(), "{:?}", v.findings);
    let digests = m["files"]["digest"].as_u64().unwrap();
    assert_eq!(total(&v, "digests_valid"), digests);
    assert_eq!(
        total(&v, "logs_valid"),
        m["files"]["logs"].as_u64().unwrap()
    );
    // A local copy without sidecars: every digest but the newest of each chain (4 streams) is
    // proved by the signature its successor carries.
    assert_eq!(total(&v, "digests_signature_verified"), digests - 4);
    assert!(
        v.stdout
            .contains("checks run: log-hashes, hash-chain, signatures"),
        "{}",
        v.stdout
    );
    assert!(
        v.stdout.contains("without a signature to check"),
        "{}",
        v.stdout
    );
    // integrity.parquet holds a row per digest and log file, read back by DuckDB.
    let rows = crate::common::duckdb_scalar(&format!(
        "select count(*) from read_parquet('{}') where status = 'valid'",
        v.out.path().join("integrity.parquet").display()
    ));
    assert_eq!(
        rows.as_u64(),
        Some(digests + m["files"]["logs"].as_u64().unwrap())
    );

    // Without keys: the hash checks only, said plainly.
    let n = verify(&[c.path().as_os_str(), "--no-signatures".as_ref()]);
    assert_eq!(n.code, 0);
    assert_eq!(total(&n, "digests_signature_verified"), 0);
    assert!(n.stdout.contains("signatures NOT checked"), "{}", n.stdout);

    // With sidecars (the metadata kept beside a download), every signature is checked.
    let s = corpus(&["--digest-sidecars"]);
    let v = verify_local(s.path());
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert_eq!(total(&v, "digests_signature_verified"), digests);
}

#[test]
fn one_byte_changed_in_a_log_is_a_modified_file() {
    let c = corpus(&[]);
    let log = &files(c.path(), "/CloudTrail/us-east-1/")[3];
    let mut bytes = gunzip(log);
    let at = bytes.windows(9).position(|w| w == b"eventName").unwrap() + 12;
    bytes[at] ^= 0x01;
    gzip_to(log, &bytes);
    let v = verify_local(c.path());
    assert_eq!(v.code, 4, "{}", v.stdout);
    assert_eq!(rules(&v), ["log-file-modified"]);
    assert_eq!(total(&v, "logs_modified"), 1);
    let f = &v.findings[0];
    assert_eq!(f["severity"], "critical");
    let named = f["evidence"]["log_files"][0].as_str().unwrap();
    assert_eq!(Path::new(named), log.as_path());
    assert!(v.stdout.contains("log-file-modified"), "{}", v.stdout);
}

#[test]
fn a_deleted_log_is_named() {
    let c = corpus(&[]);
    let log = files(c.path(), "/CloudTrail/").remove(7);
    std::fs::remove_file(&log).unwrap();
    let v = verify_local(c.path());
    assert_eq!(v.code, 4);
    assert_eq!(rules(&v), ["log-file-deleted"]);
    let named = v.findings[0]["evidence"]["log_files"][0].as_str().unwrap();
    assert!(
        log.to_string_lossy().ends_with(named),
        "{named} is not {}",
        log.display()
    );
}

#[test]
fn a_deleted_digest_is_a_gap_in_the_chain() {
    let c = corpus(&[]);
    let ch = chain(c.path());
    std::fs::remove_file(&ch[1]).unwrap();
    let v = verify_local(c.path());
    assert_eq!(v.code, 4, "{}", v.stdout);
    assert_eq!(rules(&v), ["digest-chain-gap"]);
    assert_eq!(total(&v, "digests_missing"), 1);
    let f = &v.findings[0];
    let missing = f["evidence"]["missing_digest"][0].as_str().unwrap();
    assert!(ch[1].to_string_lossy().ends_with(missing), "{missing}");
    assert!(f["evidence"]["no_valid_digest_from"][0].is_string());
    // The files the missing digest named are vouched for by nothing, and not called forged.
    assert!(total(&v, "logs_undigested") > 0);
    assert_eq!(total(&v, "logs_not_in_digest"), 0);
}

#[test]
fn a_digest_re_signed_with_another_key_is_invalid() {
    let c = corpus(&["--digest-sidecars"]);
    let ch = chain(c.path());
    let last = ch.len() - 1;
    // Someone drops a log file from the newest digest and signs it with their own key.
    rewrite_chain(&ch, last, &Signer::generate().unwrap(), |d| {
        d["logFiles"].as_array_mut().unwrap().pop();
    });
    let v = verify_local(c.path());
    assert_eq!(v.code, 4, "{}", v.stdout);
    assert!(
        rules(&v).contains(&"digest-invalid".to_string()),
        "{:?}",
        v.findings
    );
    assert_eq!(total(&v, "digests_invalid"), 1);
    let why = v
        .findings
        .iter()
        .find(|f| f["rule"] == "digest-invalid")
        .unwrap()["evidence"]["reasons"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("signature (sidecar)"), "{why}");

    // A middle digest changed and re-signed: the next digest's hash of it gives it away even
    // where no signature is kept.
    let c = corpus(&[]);
    let ch = chain(c.path());
    let mut doc: Value = serde_json::from_slice(&gunzip(&ch[1])).unwrap();
    doc["logFiles"].as_array_mut().unwrap().pop();
    gzip_to(&ch[1], &serde_json::to_vec(&doc).unwrap());
    let v = verify(&[c.path().as_os_str(), "--no-signatures".as_ref()]);
    assert_eq!(v.code, 4);
    let f = v
        .findings
        .iter()
        .find(|f| f["rule"] == "digest-invalid")
        .expect("digest-invalid");
    assert!(
        f["evidence"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("not the one the next digest states"),
        "{f}"
    );
}

#[test]
fn a_chain_that_restarts_means_validation_was_off() {
    let c = corpus(&[]);
    let ch = chain(c.path());
    // Validation off for a period (no digest), then on again: CloudTrail starts a new chain.
    std::fs::remove_file(&ch[1]).unwrap();
    let rest: Vec<PathBuf> = ch.iter().skip(2).cloned().collect();
    let mut all = vec![ch[0].clone()];
    all.extend(rest);
    rewrite_chain(&all, 1, &signer(c.path()), |d| {
        for f in [
            "previousDigestS3Bucket",
            "previousDigestS3Object",
            "previousDigestHashValue",
            "previousDigestHashAlgorithm",
            "previousDigestSignature",
        ] {
            d[f] = Value::Null;
        }
    });
    let v = verify_local(c.path());
    assert_eq!(v.code, 4, "{}", v.stdout);
    assert_eq!(rules(&v), ["log-validation-disabled"], "{:?}", v.findings);
    assert_eq!(total(&v, "chain_restarts"), 1);
    assert_eq!(total(&v, "digests_invalid"), 0);
    let f = &v.findings[0];
    assert!(f["evidence"]["first_digest_after"][0].is_string());
}

#[test]
fn a_file_added_after_its_digest_is_not_in_any_digest() {
    let c = corpus(&[]);
    // A forged log file among the real ones, named like them, in hours the digests cover.
    let real = files(c.path(), "/CloudTrail/us-east-1/").remove(4);
    let name = real.file_name().unwrap().to_string_lossy().to_string();
    let (stem, _) = name.rsplit_once('_').unwrap();
    let forged = real.with_file_name(format!("{stem}_ForgedFileXyz12345.json.gz"));
    std::fs::copy(&real, &forged).unwrap();
    let v = verify_local(c.path());
    assert_eq!(v.code, 4, "{}", v.stdout);
    assert_eq!(rules(&v), ["log-file-not-in-digest"]);
    assert_eq!(
        Path::new(v.findings[0]["evidence"]["log_files"][0].as_str().unwrap()),
        forged.as_path()
    );
    // A file delivered after the newest digest is merely not digested yet.
    let c = corpus(&[]);
    let last = files(c.path(), "/CloudTrail/us-east-1/").pop().unwrap();
    for d in chain(c.path()).iter().rev().take(1) {
        std::fs::remove_file(d).unwrap();
    }
    let _ = last;
    let v = verify_local(c.path());
    assert!(
        !rules(&v).contains(&"log-file-not-in-digest".to_string()),
        "{:?}",
        v.findings
    );
}

#[test]
fn from_s3_the_signatures_are_object_metadata_and_download_keeps_them() {
    let c = corpus(&["--digest-sidecars", "--accounts", "1", "--regions", "1"]);
    let s3 = SeaweedFs::start("trail-bucket");
    // Logs by `aws s3 cp`; digests with their signature as object metadata, as CloudTrail
    // writes them.
    let aws_logs = c.path().join("AWSLogs");
    for p in walk(&aws_logs) {
        let rel = p
            .strip_prefix(c.path())
            .unwrap()
            .to_string_lossy()
            .to_string();
        if rel.ends_with(".metadata") {
            continue;
        }
        let mut cmd = s3.aws_cli();
        cmd.args([
            "s3api",
            "put-object",
            "--bucket",
            s3.bucket(),
            "--key",
            &rel,
            "--body",
        ])
        .arg(&p);
        let mut side = p.clone().into_os_string();
        side.push(".metadata");
        if let Ok(m) = std::fs::read_to_string(&side) {
            let m: Value = serde_json::from_str(&m).unwrap();
            cmd.args([
                "--metadata",
                &format!(
                    "signature={},signature-algorithm=SHA256withRSA",
                    m["signature"].as_str().unwrap()
                ),
            ]);
        }
        let out = cmd.output().expect("aws s3api put-object");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let keys = c.path().join("PUBLIC-KEYS.txt");
    let dl = tempfile::tempdir().unwrap();
    let url = format!("s3://{}/AWSLogs/", s3.bucket());
    let endpoint = s3.endpoint();
    let out = tempfile::tempdir().unwrap();
    let r = TrailguardCmd::new()
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .args([
            "verify",
            &url,
            "--endpoint-url",
            &endpoint,
            "--json",
            "--public-keys",
        ])
        .args([
            keys.as_os_str(),
            "--download".as_ref(),
            dl.path().as_os_str(),
        ])
        .args(["--out".as_ref(), out.path().as_os_str()])
        .run();
    r.assert_code(0);
    let summary: Value = serde_json::from_str(&r.stdout).expect("--json");
    let digests = manifest(c.path())["files"]["digest"].as_u64().unwrap();
    assert_eq!(
        summary["totals"]["digests_signature_verified"].as_u64(),
        Some(digests)
    );
    let rows = crate::common::duckdb_scalar(&format!(
        "select count(*) from read_parquet('{}') where signature_source = 's3-metadata'",
        out.path().join("integrity.parquet").display()
    ));
    assert_eq!(
        rows.as_u64(),
        Some(digests),
        "the newest digest's signature came from S3"
    );
    // The download verifies offline with every signature, from the sidecars it kept.
    let v = verify(&[
        dl.path().as_os_str(),
        "--public-keys".as_ref(),
        keys.as_os_str(),
    ]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert_eq!(total(&v, "digests_signature_verified"), digests);
    let rows = crate::common::duckdb_scalar(&format!(
        "select count(*) from read_parquet('{}') where signature_source = 'sidecar'",
        v.out.path().join("integrity.parquet").display()
    ));
    assert_eq!(rows.as_u64(), Some(digests));
}

#[test]
fn list_public_keys_unanswered_is_a_partial_run_that_still_checks_hashes() {
    // moto's CloudTrail has no ListPublicKeys: verify says so, checks the hashes, exits 3.
    let c = corpus(&["--accounts", "1", "--regions", "1"]);
    let moto = crate::common::Moto::start();
    let out = tempfile::tempdir().unwrap();
    let r = TrailguardCmd::new()
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .args(["verify"])
        .args([c.path()])
        .args(["--cloudtrail-endpoint-url", &moto.endpoint(), "--out"])
        .args([out.path()])
        .run();
    r.assert_code(3);
    assert!(
        r.stdout
            .contains("public keys: CloudTrail ListPublicKeys failed"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--public-keys FILE"), "{}", r.stdout);
    assert!(
        r.stdout.contains("integrity: no problem found"),
        "{}",
        r.stdout
    );
}

#[test]
fn scan_verify_checks_in_the_same_pass() {
    let c = corpus(&[]);
    let log = &files(c.path(), "/CloudTrail/us-east-1/")[2];
    let mut bytes = gunzip(log);
    let at = bytes.windows(9).position(|w| w == b"eventName").unwrap() + 12;
    bytes[at] ^= 0x01;
    gzip_to(log, &bytes);
    let keys = c.path().join("PUBLIC-KEYS.txt");
    let (plain, checked) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scan_into(c.path(), plain.path());
    TrailguardCmd::new()
        .args([
            "scan".as_ref(),
            c.path().as_os_str(),
            "-q".as_ref(),
            "--verify".as_ref(),
        ])
        .args(["--public-keys".as_ref(), keys.as_os_str(), "--out".as_ref()])
        .args([checked.path()])
        .args(["--fail-on", "critical"])
        .run()
        .assert_code(4);
    let (a, b) = (
        crate::common::read_summary(plain.path()),
        crate::common::read_summary(checked.path()),
    );
    // The same events and event findings; digests are not event input.
    assert_eq!(a["events"], b["events"]);
    assert_eq!(b["integrity"]["logs_modified"], 1);
    assert_eq!(
        b["integrity"]["digests_valid"].as_u64(),
        manifest(c.path())["files"]["digest"].as_u64()
    );
    let findings = std::fs::read_to_string(checked.path().join("findings.jsonl")).unwrap();
    assert!(
        findings.contains(r#""rule":"log-file-modified""#),
        "{findings}"
    );
    assert!(checked.path().join("integrity.parquet").exists());
    assert!(a.get("integrity").is_none());
}

#[test]
fn region_not_logged_names_the_hole_in_one_accounts_regions() {
    let c = corpus(&[]);
    let out = tempfile::tempdir().unwrap();
    scan_into(c.path(), out.path());
    let f = std::fs::read_to_string(out.path().join("findings.jsonl")).unwrap();
    assert!(
        !f.contains("region-not-logged"),
        "every account logs every region: {f}"
    );
    // One account's logs of one region removed (an account trail that is not multi-region).
    let m = manifest(c.path());
    let account = m["account_ids"][1].as_str().unwrap();
    let region = m["regions"][1].as_str().unwrap();
    let folder = files(c.path(), &format!("/{account}/CloudTrail/{region}/"))[0]
        .ancestors()
        .nth(4)
        .unwrap()
        .to_path_buf();
    assert!(folder.ends_with(region), "{}", folder.display());
    std::fs::remove_dir_all(&folder).unwrap();
    let out = tempfile::tempdir().unwrap();
    scan_into(c.path(), out.path());
    let notes: Vec<Value> = std::fs::read_to_string(out.path().join("findings.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|f| f["rule"] == "region-not-logged")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["account"], account);
    assert_eq!(notes[0]["evidence"]["regions_not_logged"][0], region);
}
