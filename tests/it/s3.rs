//! The S3 source against a real S3-compatible server: SeaweedFS on loopback, requiring signed
//! requests, filled by the AWS CLI (an independent client) with an organization trail's layout.
//! Outputs are read back with DuckDB (an independent Parquet reader).
//!
//! The fixture (written once per test binary, shared by the tests through a `OnceLock`):
//!
//! * `AWSLogs/o-a1b2c3d4e5/<account>/CloudTrail/<region>/2024/05/<day>/` for accounts
//!   111122223333 and 444455556666, regions us-east-1 and eu-west-1, days 01 to 03:
//!   three files per folder, four events each; on 05-02 and 05-03 one more event of the previous
//!   day (delivered late); in each folder one event delivered twice (a duplicate);
//! * 1,150 more objects in `111122223333/CloudTrail/us-east-1/2024/05/01/`, so that listing
//!   that folder takes two `ListObjectsV2` pages (SeaweedFS pages at 1,000 keys);
//! * a truncated gzip object in `444455556666/CloudTrail/eu-west-1/2024/05/01/`;
//! * a `CloudTrail-Digest/` file, a `CloudTrail-Insight/` file whose records look like
//!   events, a `Config/` file and a `README.md`, none of which may be read as events.
//!
//! The same tree is kept on disk, so that every S3 scan can be compared with a local scan.

use crate::common::{
    SeaweedFs, TrailguardCmd, check_activity, closed_port, duckdb, duckdb_scalar, num, parquet,
    read_summary, reason_count,
};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BUCKET: &str = "trailguard-it";
const ORG: &str = "o-a1b2c3d4e5";
const ACCOUNTS: [&str; 2] = ["111122223333", "444455556666"];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const DAYS: [&str; 3] = ["2024-05-01", "2024-05-02", "2024-05-03"];
const FILES_PER_FOLDER: usize = 3;
const EVENTS_PER_FILE: usize = 4;
/// Extra one-event objects in the big folder (more than one 1,000-key listing page).
const BIG_FOLDER_EXTRA: usize = 1_150;
const BIG_FOLDER: (&str, &str, &str) = ("111122223333", "us-east-1", "2024-05-01");
const CORRUPT_FOLDER: (&str, &str, &str) = ("444455556666", "eu-west-1", "2024-05-01");
/// Objects at the bucket's top level (`README.md`), listed by a scan of the whole bucket.
const ROOT_FILES: u64 = 1;

/// A unique event written to a good object.
#[derive(Clone, Debug)]
struct Ev {
    account: &'static str,
    region: &'static str,
    /// `eventTime`'s date, `yyyy-mm-dd`.
    date: String,
}

/// A `CloudTrail/` object (good or corrupt), by its folder.
#[derive(Clone, Debug)]
struct Obj {
    account: &'static str,
    region: &'static str,
    /// Delivery folder's date, `yyyy-mm-dd`.
    folder: &'static str,
}

/// The shared fixture: the server, the same tree on disk, and what a scan must find.
struct Fixture {
    server: SeaweedFs,
    /// The same tree on disk, inside the server's directory (removed with it).
    tree: PathBuf,
    /// Unique events of good objects.
    events: Vec<Ev>,
    /// Records of good objects, duplicates included.
    records: u64,
    /// Records that repeat an earlier `eventID`.
    duplicates: u64,
    /// Every `CloudTrail/` object, the corrupt one included.
    objects: Vec<Obj>,
    /// Key of the truncated gzip object.
    corrupt_key: String,
    /// Key of the digest file.
    digest_key: String,
    /// Key of the insight file.
    insight_key: String,
    /// How long starting the server and uploading took.
    setup: Duration,
}

impl Fixture {
    fn events_where(&self, f: impl Fn(&Ev) -> bool) -> u64 {
        self.events.iter().filter(|e| f(e)).count() as u64
    }
    fn objects_where(&self, f: impl Fn(&Obj) -> bool) -> u64 {
        self.objects.iter().filter(|o| f(o)).count() as u64
    }
    fn local_path(&self, key: &str) -> PathBuf {
        self.tree.join(key)
    }
    fn s3_url(&self, key: &str) -> String {
        format!("s3://{BUCKET}/{key}")
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    let f = FIXTURE.get_or_init(|| {
        std::panic::catch_unwind(build_fixture).map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "fixture setup panicked".into())
        })
    });
    match f {
        Ok(f) => f,
        Err(e) => panic!("the shared SeaweedFS fixture could not be set up: {e}"),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn write(root: &Path, key: &str, bytes: &[u8]) {
    let path = root.join(key);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write fixture");
}

fn compact(date: &str) -> String {
    date.replace('-', "")
}

fn folder_key(account: &str, kind: &str, region: &str, date: &str) -> String {
    format!(
        "AWSLogs/{ORG}/{account}/{kind}/{region}/{}/",
        date.replace('-', "/")
    )
}

fn previous_day(date: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    (d - chrono::Days::new(1)).format("%Y-%m-%d").to_string()
}

/// A CloudTrail management event. `n` varies the principal, the action and the outcome.
fn record(n: usize, id: &str, account: &str, region: &str, time: &str) -> Value {
    let identity = match n % 4 {
        0 => json!({
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEALICE0001",
            "arn": format!("arn:aws:iam::{account}:user/alice"),
            "accountId": account,
            "accessKeyId": "AKIAEXAMPLEALICE0001",
            "userName": "alice"
        }),
        1 => json!({
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEDEPLOY001:deploy-session",
            "arn": format!("arn:aws:sts::{account}:assumed-role/Deploy/deploy-session"),
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEDEPLOY001",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEDEPLOY001",
                    "arn": format!("arn:aws:iam::{account}:role/Deploy"),
                    "accountId": account,
                    "userName": "Deploy"
                },
                "attributes": {"creationDate": time, "mfaAuthenticated": "false"}
            }
        }),
        2 => json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}),
        _ => json!({
            "type": "Root",
            "principalId": account,
            "arn": format!("arn:aws:iam::{account}:root"),
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEROOT00001"
        }),
    };
    let (source, name) = [
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("iam.amazonaws.com", "ListUsers"),
        ("s3.amazonaws.com", "ListBuckets"),
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("kms.amazonaws.com", "ListKeys"),
    ][(n / 4) % 5];
    let mut r = json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management"
    });
    if n % 7 == 3 {
        r["errorCode"] = json!("AccessDenied");
        r["errorMessage"] = json!("User is not authorized to perform this operation");
    }
    r
}

fn records_doc(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "Records": records })).expect("json")
}

/// Advances the counter and returns a fresh `eventID`.
fn next_id(n: &mut usize) -> String {
    *n += 1;
    format!("{:08x}-0000-4000-8000-{:012x}", *n, *n)
}

/// A CloudTrail log name delivered at the end of `date`: the time in a real name is the
/// delivery, after every event in the object (trailguard sets later events aside).
fn log_name(account: &str, region: &str, date: &str, n: usize) -> String {
    format!(
        "{account}_CloudTrail_{region}_{}T2359Z_{n:016x}.json.gz",
        compact(date)
    )
}

fn build_fixture() -> Fixture {
    let start = Instant::now();
    let server = SeaweedFs::start(BUCKET);
    // Inside the server's directory: the fixture lives in a `static`, never dropped, and the
    // server's watchdog removes that directory when the test process exits.
    let tree = server.dir().join("tree");
    let root = tree.as_path();
    let mut events = Vec::new();
    let mut objects = Vec::new();
    let (mut records, mut duplicates) = (0u64, 0u64);
    let mut n = 0usize; // global counter: unique ids and varied content
    for account in ACCOUNTS {
        for region in REGIONS {
            for (di, day) in DAYS.iter().enumerate() {
                let folder = folder_key(account, "CloudTrail", region, day);
                let mut first_record = None;
                for f in 0..FILES_PER_FOLDER {
                    let mut recs = Vec::new();
                    for e in 0..EVENTS_PER_FILE {
                        let id = next_id(&mut n);
                        let time = format!("{day}T{:02}:{:02}:{:02}Z", 1 + f * 6 + e, n % 60, e);
                        let r = record(n, &id, account, region, &time);
                        events.push(Ev {
                            account,
                            region,
                            date: day.to_string(),
                        });
                        first_record.get_or_insert_with(|| r.clone());
                        recs.push(r);
                    }
                    if f == 0 && di > 0 {
                        // Delivered a day late: an event of the previous day.
                        let id = next_id(&mut n);
                        let prev = previous_day(day);
                        let time = format!("{prev}T23:5{}:00Z", n % 10);
                        recs.push(record(n, &id, account, region, &time));
                        events.push(Ev {
                            account,
                            region,
                            date: prev,
                        });
                    }
                    if f == FILES_PER_FOLDER - 1 {
                        // CloudTrail may deliver an event twice.
                        recs.push(first_record.clone().expect("first record"));
                        duplicates += 1;
                    }
                    records += recs.len() as u64;
                    let name = log_name(account, region, day, n);
                    write(root, &format!("{folder}{name}"), &gzip(&records_doc(&recs)));
                    objects.push(Obj {
                        account,
                        region,
                        folder: day,
                    });
                }
            }
        }
    }
    // The big folder: one event per object.
    let (account, region, day) = BIG_FOLDER;
    let folder = folder_key(account, "CloudTrail", region, day);
    for _ in 0..BIG_FOLDER_EXTRA {
        let id = next_id(&mut n);
        let time = format!(
            "{day}T{:02}:{:02}:{:02}Z",
            n / 3600 % 24,
            n / 60 % 60,
            n % 60
        );
        let doc = records_doc(&[record(n, &id, account, region, &time)]);
        write(
            root,
            &format!("{folder}{}", log_name(account, region, day, n)),
            &gzip(&doc),
        );
        events.push(Ev {
            account,
            region,
            date: day.to_string(),
        });
        records += 1;
        objects.push(Obj {
            account,
            region,
            folder: day,
        });
    }
    // A truncated gzip object: none of its events may be counted.
    let (account, region, day) = CORRUPT_FOLDER;
    let corrupt_key = format!(
        "{}{}",
        folder_key(account, "CloudTrail", region, day),
        log_name(account, region, day, 999_999)
    );
    let recs: Vec<Value> = (0..EVENTS_PER_FILE)
        .map(|i| {
            let id = format!("c0000000-0000-4000-8000-{i:012x}");
            record(i, &id, account, region, &format!("{day}T12:00:0{i}Z"))
        })
        .collect();
    let whole = gzip(&records_doc(&recs));
    write(root, &corrupt_key, &whole[..whole.len() / 2]);
    objects.push(Obj {
        account,
        region,
        folder: day,
    });
    // A digest file: never event input.
    let digest_key = format!(
        "{}111122223333_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20240501T010000Z.json.gz",
        folder_key(
            "111122223333",
            "CloudTrail-Digest",
            "us-east-1",
            "2024-05-01"
        )
    );
    let digest = json!({
        "awsAccountId": "111122223333",
        "digestStartTime": "2024-05-01T00:00:00Z",
        "digestEndTime": "2024-05-01T01:00:00Z",
        "digestS3Bucket": BUCKET,
        "digestSignatureAlgorithm": "SHA256withRSA",
        "logFiles": [{
            "s3Bucket": BUCKET,
            "s3Object": corrupt_key,
            "hashValue": "00",
            "hashAlgorithm": "SHA-256"
        }]
    });
    write(
        root,
        &digest_key,
        &gzip(&serde_json::to_vec(&digest).expect("json")),
    );
    // An Insights file whose records look like events: never API activity.
    let insight_key = format!(
        "{}111122223333_CloudTrail-Insight_us-east-1_20240502T0100Z_insight.json.gz",
        folder_key(
            "111122223333",
            "CloudTrail-Insight",
            "us-east-1",
            "2024-05-02"
        )
    );
    let mut insight = record(
        0,
        "1a000000-0000-4000-8000-000000000001",
        "111122223333",
        "us-east-1",
        "2024-05-02T01:00:00Z",
    );
    insight["eventType"] = json!("AwsCloudTrailInsight");
    insight["eventCategory"] = json!("Insight");
    write(root, &insight_key, &gzip(&records_doc(&[insight])));
    // Another log type, and a file that is not a log.
    write(
        root,
        &format!(
            "AWSLogs/{ORG}/111122223333/Config/us-east-1/2024/5/1/ConfigHistory/{}{}",
            "111122223333_Config_us-east-1_ConfigHistory_",
            "AWS__EC2__Instance_20240501T000000Z.json.gz"
        ),
        &gzip(br#"{"fileVersion":"1.0","configurationItems":[]}"#),
    );
    write(root, "README.md", b"CloudTrail test fixture\n");

    server.upload(root, "");
    Fixture {
        server,
        tree,
        events,
        records,
        duplicates,
        objects,
        corrupt_key,
        digest_key,
        insight_key,
        setup: start.elapsed(),
    }
}

fn out_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("trailguard-s3-out-")
        .tempdir()
        .expect("temp dir")
}

/// `trailguard scan <local fixture tree> --out DIR ARGS...`.
fn scan_local(fx: &Fixture, out: &Path, args: &[&str]) -> crate::common::RunResult {
    TrailguardCmd::new()
        .args(["scan"])
        .args([&fx.tree])
        .args(["--out".as_ref(), out.as_os_str()])
        .args(args)
        .run()
}

/// `trailguard scan s3://BUCKET/<prefix> --out DIR ARGS... --endpoint-url ...`.
fn scan_s3(fx: &Fixture, prefix: &str, out: &Path, args: &[&str]) -> crate::common::RunResult {
    fx.server
        .scan([format!("s3://{BUCKET}/{prefix}")])
        .args(["--out".as_ref(), out.as_os_str()])
        .args(args)
        .run()
}

/// `failed[].path` of a summary.
fn failed_paths(summary: &Value) -> Vec<String> {
    summary["failed"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `(group, sum(events))` of an activity file, e.g. per account.
fn events_by(out: &Path, column: &str) -> BTreeMap<String, u64> {
    let t = parquet(&out.join("activity.parquet"));
    duckdb(&format!(
        "select cast({column} as varchar) as k, sum(events)::BIGINT as n \
         from {t} group by all order by all"
    ))
    .into_iter()
    .map(|r| {
        (
            r["k"].as_str().expect("group key").to_string(),
            r["n"].as_u64().expect("count"),
        )
    })
    .collect()
}

fn expected_by(events: &[&Ev], key: impl Fn(&Ev) -> String) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(key(e)).or_insert(0) += 1;
    }
    m
}

/// A standalone server: start, upload with the AWS CLI, list back, refuse an unsigned request,
/// and stop on drop.
#[test]
fn harness_smoke() {
    let server = SeaweedFs::start("trailguard-smoke");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
    std::fs::write(dir.path().join("a/b/hello world.json"), b"{}").expect("write");
    std::fs::write(dir.path().join("top.txt"), b"x").expect("write");
    server.upload(dir.path(), "smoke/");
    let mut keys = server.list_keys("smoke/");
    keys.sort();
    assert_eq!(keys, ["smoke/a/b/hello world.json", "smoke/top.txt"]);
    // Anonymous requests are refused: the server really checks signatures.
    let addr: std::net::SocketAddr = server
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET /trailguard-smoke/?list-type=2 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut s, &mut reply).expect("read");
    assert!(
        reply.starts_with("HTTP/1.1 403"),
        "an unsigned request was not refused: {reply}"
    );
    drop(server);
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "the server still listens after drop"
    );
}

/// Scanning the bucket reads exactly what scanning the same tree on disk reads; the corrupt
/// object is reported and the run is partial (exit 3); listing pages past 1,000 keys.
#[test]
fn s3_scan_matches_local_scan() {
    let fx = fixture();
    let (s3_out, local_out) = (out_dir(), out_dir());
    let s3 = scan_s3(fx, "", s3_out.path(), &[]);
    let local = scan_local(fx, local_out.path(), &[]);
    eprintln!(
        "fixture setup {:?}; s3 scan {:?}; local scan {:?}",
        fx.setup, s3.elapsed, local.elapsed
    );
    s3.assert_code(3);
    local.assert_code(3);
    let (s, l) = (read_summary(s3_out.path()), read_summary(local_out.path()));

    // Every good object's events, exactly once.
    let unique = fx.events.len() as u64;
    assert_eq!(num(&s, "events"), unique, "S3 summary: {s:#}");
    assert_eq!(num(&s, "records_read"), fx.records, "S3 summary: {s:#}");
    assert_eq!(num(&s, "duplicates"), fx.duplicates, "S3 summary: {s:#}");
    for field in [
        "events",
        "records_read",
        "duplicates",
        "objects_read",
        "objects_failed",
        "compressed_bytes",
        "uncompressed_bytes",
    ] {
        assert_eq!(
            num(&s, field),
            num(&l, field),
            "{field} differs between the S3 and the local scan\nS3: {s:#}\nlocal: {l:#}"
        );
    }
    // Pagination: the big folder alone has more than 1,000 keys.
    let cloudtrail_objects = fx.objects.len() as u64;
    assert!(
        num(&s, "objects_listed") >= cloudtrail_objects,
        "listed {} of {cloudtrail_objects} CloudTrail objects: {s:#}",
        num(&s, "objects_listed")
    );
    assert_eq!(
        num(&s, "objects_read") + num(&s, "objects_failed"),
        cloudtrail_objects,
        "{s:#}"
    );

    // The corrupt object, and only it, is named.
    assert_eq!(num(&s, "objects_failed"), 1, "{s:#}");
    assert_eq!(failed_paths(&s), [fx.s3_url(&fx.corrupt_key)], "{s:#}");
    assert_eq!(
        failed_paths(&l),
        [fx.local_path(&fx.corrupt_key).display().to_string()],
        "{l:#}"
    );
    assert!(
        s3.stderr.contains(&fx.corrupt_key),
        "stderr does not name the corrupt object:\n{}",
        s3.stderr
    );

    // The activity files agree, row for row.
    check_activity(s3_out.path(), &s);
    check_activity(local_out.path(), &l);
    let rows = |out: &Path| {
        duckdb(&format!(
            "select * from {} order by all",
            parquet(&out.join("activity.parquet"))
        ))
    };
    let (s_rows, l_rows) = (rows(s3_out.path()), rows(local_out.path()));
    assert!(!s_rows.is_empty());
    assert_eq!(s_rows, l_rows, "activity rows differ between S3 and local");

    // And they hold what the fixture holds, per account, region and day.
    let all: Vec<&Ev> = fx.events.iter().collect();
    assert_eq!(
        events_by(s3_out.path(), "account"),
        expected_by(&all, |e| e.account.to_string())
    );
    assert_eq!(
        events_by(s3_out.path(), "region"),
        expected_by(&all, |e| e.region.to_string())
    );
    assert_eq!(
        events_by(s3_out.path(), "day"),
        expected_by(&all, |e| e.date.clone())
    );
}

/// One day: only that day's folders (and the next, for late deliveries) are listed; other days'
/// prefixes never are; events outside the day are filtered by `eventTime`.
#[test]
fn one_day_window_lists_only_that_days_folders() {
    let fx = fixture();
    let out = out_dir();
    let day = "2024-05-02";
    let run = scan_s3(fx, "", out.path(), &["--since", day, "--until", day]);
    run.assert_code(0);
    let s = read_summary(out.path());
    let listed = fx.objects_where(|o| o.folder == "2024-05-02" || o.folder == "2024-05-03");
    assert_eq!(
        num(&s, "objects_listed"),
        listed + ROOT_FILES,
        "only the 05-02 and 05-03 folders (and the bucket's top level) may be listed: {s:#}"
    );
    assert_eq!(
        reason_count(&s, "objects_skipped", "not_log_file"),
        ROOT_FILES,
        "{s:#}"
    );
    assert_eq!(num(&s, "objects_read"), listed, "{s:#}");
    assert_eq!(
        reason_count(&s, "objects_skipped", "outside_window"),
        0,
        "{s:#}"
    );
    assert_eq!(num(&s, "objects_failed"), 0, "{s:#}");
    let expected = fx.events_where(|e| e.date == day);
    assert_eq!(num(&s, "events"), expected, "{s:#}");
    check_activity(out.path(), &s);
    assert_eq!(
        events_by(out.path(), "day"),
        BTreeMap::from([(day.to_string(), expected)])
    );
    // The digest, insight and Config prefixes are pruned by name, unlisted.
    assert!(reason_count(&s, "prefixes_skipped", "digest") >= 1, "{s:#}");
    assert!(
        reason_count(&s, "prefixes_skipped", "insight") >= 1,
        "{s:#}"
    );
    assert!(
        reason_count(&s, "prefixes_skipped", "other_log_type") >= 1,
        "{s:#}"
    );

    // The local scan agrees.
    let lout = out_dir();
    scan_local(fx, lout.path(), &["--since", day, "--until", day]).assert_code(0);
    assert_eq!(num(&read_summary(lout.path()), "events"), expected);

    // An RFC 3339 window inside the day: still only that day's folders.
    let out2 = out_dir();
    scan_s3(
        fx,
        "AWSLogs/",
        out2.path(),
        &[
            "--since",
            "2024-05-02T00:00:00Z",
            "--until",
            "2024-05-02T11:59:59Z",
        ],
    )
    .assert_code(0);
    let s2 = read_summary(out2.path());
    assert_eq!(num(&s2, "objects_listed"), listed, "{s2:#}");
    assert!(
        num(&s2, "events") > 0 && num(&s2, "events") < expected,
        "{s2:#}"
    );
}

/// `--accounts` and `--regions` prune whole prefixes before listing.
#[test]
fn account_and_region_filters_prune() {
    let fx = fixture();
    let cases: [(&[&str], Option<&str>, Option<&str>); 3] = [
        (&["--accounts", "444455556666"], Some("444455556666"), None),
        (&["--regions", "eu-west-1"], None, Some("eu-west-1")),
        (
            &["--accounts", "111122223333", "--regions", "eu-west-1"],
            Some("111122223333"),
            Some("eu-west-1"),
        ),
    ];
    for (args, account, region) in cases {
        let out = out_dir();
        let run = scan_s3(fx, "", out.path(), args);
        let keep_obj = |o: &Obj| {
            account.is_none_or(|a| o.account == a) && region.is_none_or(|r| o.region == r)
        };
        let keep_ev =
            |e: &Ev| account.is_none_or(|a| e.account == a) && region.is_none_or(|r| e.region == r);
        let corrupt_included = keep_obj(&Obj {
            account: CORRUPT_FOLDER.0,
            region: CORRUPT_FOLDER.1,
            folder: CORRUPT_FOLDER.2,
        });
        run.assert_code(if corrupt_included { 3 } else { 0 });
        let s = read_summary(out.path());
        assert_eq!(
            num(&s, "objects_listed"),
            fx.objects_where(keep_obj) + ROOT_FILES,
            "{args:?}: filtered-out prefixes must not be listed: {s:#}"
        );
        assert!(
            reason_count(&s, "prefixes_skipped", "filtered") >= 1,
            "{args:?}: {s:#}"
        );
        assert_eq!(
            reason_count(&s, "objects_skipped", "filtered"),
            0,
            "{args:?}: {s:#}"
        );
        assert_eq!(
            num(&s, "events"),
            fx.events_where(keep_ev),
            "{args:?}: {s:#}"
        );
        check_activity(out.path(), &s);
        if let Some(a) = account {
            assert_eq!(
                events_by(out.path(), "account")
                    .into_keys()
                    .collect::<Vec<_>>(),
                [a]
            );
        }
        if let Some(r) = region {
            assert_eq!(
                events_by(out.path(), "region")
                    .into_keys()
                    .collect::<Vec<_>>(),
                [r]
            );
        }
    }
}

/// Digest and Insights objects are never read as events: not in a whole-bucket scan, and not
/// when their folders are named directly.
#[test]
fn digest_and_insight_objects_are_never_events() {
    let fx = fixture();
    let out = out_dir();
    // The account folder holds CloudTrail/, CloudTrail-Digest/, CloudTrail-Insight/, Config/.
    let account = format!("AWSLogs/{ORG}/111122223333/");
    scan_s3(fx, &account, out.path(), &["--regions", "eu-west-1"]).assert_code(0);
    let s = read_summary(out.path());
    assert_eq!(
        num(&s, "events"),
        fx.events_where(|e| e.account == "111122223333" && e.region == "eu-west-1"),
        "{s:#}"
    );
    assert_eq!(reason_count(&s, "prefixes_skipped", "digest"), 1, "{s:#}");
    assert_eq!(reason_count(&s, "prefixes_skipped", "insight"), 1, "{s:#}");
    assert_eq!(
        reason_count(&s, "prefixes_skipped", "other_log_type"),
        1,
        "{s:#}"
    );

    for key in [&fx.digest_key, &fx.insight_key] {
        let folder = &key[..key.rfind('/').expect("slash") + 1];
        let out = out_dir();
        let run = scan_s3(fx, folder, out.path(), &[]);
        // Nothing but digests or insights: no event, its own exit code, and a line saying why.
        run.assert_code(5);
        let s = read_summary(out.path());
        assert_eq!(num(&s, "events"), 0, "{folder}: {s:#}");
        assert!(
            s["exit_reasons"][0]
                .as_str()
                .is_some_and(|r| r.starts_with("no events counted: ")
                    && r.contains("was left out without listing (")),
            "{s:#}"
        );
        assert!(
            run.stdout.contains("exit 5: no events counted"),
            "{}",
            run.stdout
        );
        assert_eq!(num(&s, "records_read"), 0, "{folder}: {s:#}");
        assert_eq!(num(&s, "objects_read"), 0, "{folder}: {s:#}");
    }

    // On disk the same files are listed, then skipped by name.
    let lout = out_dir();
    scan_local(fx, lout.path(), &["--accounts", "111122223333"]).assert_code(0);
    let l = read_summary(lout.path());
    assert_eq!(reason_count(&l, "objects_skipped", "digest"), 1, "{l:#}");
    assert_eq!(reason_count(&l, "objects_skipped", "insight"), 1, "{l:#}");
    assert_eq!(
        num(&l, "events"),
        fx.events_where(|e| e.account == "111122223333"),
        "{l:#}"
    );
}

/// Wrong credentials: a non-zero exit and a message that names the bucket.
#[test]
fn wrong_credentials_fail_clearly() {
    let fx = fixture();
    let out = out_dir();
    let run = fx
        .server
        .scan([format!("s3://{BUCKET}/AWSLogs/")])
        .args(["--out".as_ref(), out.path().as_os_str()])
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .run_with_timeout(Duration::from_secs(120));
    eprintln!("wrong credentials: {:?}, {:?}", run.status, run.elapsed);
    assert_ne!(
        run.code(),
        0,
        "a scan with wrong credentials succeeded: {run:?}"
    );
    assert!(
        run.stderr.contains(&format!("s3://{BUCKET}/AWSLogs/")),
        "the error does not name the prefix:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("SignatureDoesNotMatch") || run.stderr.contains("AccessDenied"),
        "the error does not tell the service's reason:\n{}",
        run.stderr
    );
}

/// A closed loopback port: a clear error within a bounded time, not a hang.
#[test]
fn unreachable_endpoint_fails_fast() {
    let port = closed_port();
    let out = out_dir();
    let limit = Duration::from_secs(120);
    let run = TrailguardCmd::new()
        .env("AWS_ACCESS_KEY_ID", crate::common::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", crate::common::SECRET_KEY)
        .args(["scan", &format!("s3://{BUCKET}/AWSLogs/"), "--out"])
        .args([out.path()])
        .args(["--endpoint-url", &format!("http://127.0.0.1:{port}")])
        .run_with_timeout(limit);
    eprintln!(
        "unreachable endpoint: {:?} after {:?}",
        run.status, run.elapsed
    );
    assert!(
        run.status.is_some(),
        "trailguard was still running after {limit:?} against a closed port"
    );
    assert_ne!(run.code(), 0, "{run:?}");
    assert!(
        run.elapsed < Duration::from_secs(60),
        "giving up on a closed port took {:?}",
        run.elapsed
    );
    assert!(
        run.stderr.contains(&format!("s3://{BUCKET}/AWSLogs/")),
        "the error does not name the prefix:\n{}",
        run.stderr
    );
}

/// One GET at a time gives the same result as the default concurrency.
#[test]
fn s3_concurrency_does_not_change_results() {
    let fx = fixture();
    let out = out_dir();
    let run = scan_s3(
        fx,
        "AWSLogs/",
        out.path(),
        &["--s3-concurrency", "1", "--threads", "1"],
    );
    eprintln!(
        "s3 scan with --s3-concurrency 1 --threads 1: {:?}",
        run.elapsed
    );
    run.assert_code(3);
    let s = read_summary(out.path());
    assert_eq!(num(&s, "events"), fx.events.len() as u64, "{s:#}");
    assert_eq!(num(&s, "duplicates"), fx.duplicates, "{s:#}");
    check_activity(out.path(), &s);
    assert_eq!(
        duckdb_scalar(&format!(
            "select count(distinct account) from {}",
            parquet(&out.path().join("activity.parquet"))
        )),
        json!(2)
    );
}

/// `s3://bucket/AWSLogs` (no trailing slash) names the same folder as `s3://bucket/AWSLogs/`,
/// and a one-day scan of it must be pruned the same way.
#[test]
fn prefix_without_trailing_slash_is_pruned_like_a_folder() {
    let fx = fixture();
    let day = "2024-05-02";
    let listed = fx.objects_where(|o| o.folder == "2024-05-02" || o.folder == "2024-05-03");
    let out = out_dir();
    scan_s3(fx, "AWSLogs", out.path(), &["--since", day, "--until", day]).assert_code(0);
    let s = read_summary(out.path());
    assert_eq!(
        num(&s, "events"),
        fx.events_where(|e| e.date == day),
        "{s:#}"
    );
    assert_eq!(num(&s, "objects_listed"), listed, "{s:#}");
    assert_eq!(
        reason_count(&s, "objects_skipped", "outside_window"),
        0,
        "{s:#}"
    );
}

/// A ten-year window must not cost one `ListObjectsV2` per day, account and region: the
/// year and month folders are listed instead (the data is three days of 2024).
#[test]
fn long_window_lists_years_not_days() {
    let fx = fixture();
    let out = out_dir();
    let run = scan_s3(
        fx,
        "AWSLogs/",
        out.path(),
        &[
            "--since",
            "2015-01-01",
            "--until",
            "2024-12-31",
            "--regions",
            "eu-west-1",
        ],
    );
    run.assert_code(3);
    let s = read_summary(out.path());
    assert_eq!(
        num(&s, "events"),
        fx.events_where(|e| e.region == "eu-west-1"),
        "{s:#}"
    );
    assert!(
        run.elapsed < Duration::from_secs(5),
        "a 10-year window over 2 accounts took {:?} (an open window takes well under a second)",
        run.elapsed
    );
}
