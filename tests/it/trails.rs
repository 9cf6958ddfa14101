//! Trail discovery (`trailguard::source::trails`) against moto's CloudTrail on loopback, with
//! trails created by the AWS CLI.
//!
//! This binary holds ONE test on purpose: it sets the process environment (credentials for the
//! SDK's default chain), which is only sound while no other thread reads it.

use crate::common::{ACCESS_KEY, Moto, SECRET_KEY, closed_port};
use trailguard::source::SourceSpec;
use trailguard::source::s3::S3Options;
use trailguard::source::trails::{self, TrailLocation};

/// Runs `discover` on a runtime of its own, dropped before returning (no thread outlives it).
fn discover(opts: &S3Options) -> Result<Vec<TrailLocation>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let r = rt
        .block_on(trails::discover(opts))
        .map_err(|e| e.to_string());
    drop(rt);
    r
}

/// The binary with test credentials in its own environment (never this process's).
fn signed_trailguard() -> crate::common::TrailguardCmd {
    crate::common::TrailguardCmd::new()
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

fn opts(endpoint: Option<String>) -> S3Options {
    S3Options {
        endpoint_url: endpoint,
        region: Some(crate::common::REGION.into()),
        max_attempts: 2,
        ..Default::default()
    }
}

/// Sets or removes process environment variables.
fn set_env(set: &[(&str, &str)], remove: &[&str]) {
    // SAFETY: this test binary has a single test, and no other thread of it (no runtime: the
    // runtimes above are dropped before returning) reads or writes the environment meanwhile.
    unsafe {
        for k in remove {
            std::env::remove_var(k);
        }
        for (k, v) in set {
            std::env::set_var(k, v);
        }
    }
}

#[test]
fn discovers_trail_locations() {
    let moto = Moto::start();

    // Test credentials for the SDK's default chain; nothing of the developer's AWS setup.
    let inherited: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("AWS_"))
        .collect();
    let inherited: Vec<&str> = inherited.iter().map(String::as_str).collect();
    let nowhere = std::env::temp_dir().join("trailguard-test-no-aws-config");
    let nowhere = nowhere.to_str().expect("utf-8 temp dir");
    set_env(
        &[
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", nowhere),
            ("AWS_SHARED_CREDENTIALS_FILE", nowhere),
        ],
        &inherited,
    );

    // No trail yet.
    assert_eq!(discover(&opts(Some(moto.endpoint()))), Ok(vec![]));

    moto.aws(&["s3api", "create-bucket", "--bucket", "audit-trail-logs"]);
    moto.aws(&["s3api", "create-bucket", "--bucket", "plain-trail-logs"]);
    // A multi-region trail with a key prefix, logging.
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "audit",
        "--s3-bucket-name",
        "audit-trail-logs",
        "--s3-key-prefix",
        "security/audit",
        "--is-multi-region-trail",
    ]);
    moto.aws(&["cloudtrail", "start-logging", "--name", "audit"]);
    // Another trail delivering to the same place: reported once.
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "audit-copy",
        "--s3-bucket-name",
        "audit-trail-logs",
        "--s3-key-prefix",
        "security/audit",
    ]);
    // A single-region trail without a prefix, never started.
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "plain",
        "--s3-bucket-name",
        "plain-trail-logs",
    ]);
    // A single-region trail homed in another region: not this region's trail.
    moto.aws(&[
        "--region",
        "eu-west-1",
        "cloudtrail",
        "create-trail",
        "--name",
        "eu-only",
        "--s3-bucket-name",
        "plain-trail-logs",
        "--s3-key-prefix",
        "eu",
    ]);

    let mut found = discover(&opts(Some(moto.endpoint()))).expect("discover");
    found.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = found.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names == ["audit", "plain"] || names == ["audit-copy", "plain"],
        "one location per bucket and prefix, this region only: {found:#?}"
    );
    let audit = &found[0];
    assert_eq!(audit.bucket, "audit-trail-logs");
    assert_eq!(audit.prefix, "security/audit/");
    assert_eq!(audit.home_region.as_deref(), Some("us-east-1"));
    assert!(
        audit
            .arn
            .as_deref()
            .is_some_and(|a| a.starts_with("arn:aws:cloudtrail:us-east-1:")),
        "{audit:?}"
    );
    assert!(!audit.is_organization_trail);
    if audit.name == "audit" {
        assert!(audit.is_multi_region, "{audit:?}");
        assert_eq!(audit.logging, Some(true), "{audit:?}");
    }
    let plain = &found[1];
    assert_eq!(plain.bucket, "plain-trail-logs");
    assert_eq!(plain.prefix, "");
    assert!(!plain.is_multi_region);
    assert_eq!(plain.logging, Some(false), "{plain:?}");

    let specs = trails::to_specs(&found);
    assert_eq!(
        specs,
        [
            SourceSpec::S3 {
                bucket: "audit-trail-logs".into(),
                prefix: "security/audit/AWSLogs/".into()
            },
            SourceSpec::S3 {
                bucket: "plain-trail-logs".into(),
                prefix: "AWSLogs/".into()
            },
        ]
    );
    let shown: Vec<String> = specs.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "s3://audit-trail-logs/security/audit/AWSLogs/",
            "s3://plain-trail-logs/AWSLogs/"
        ]
    );

    // The eu-west-1 client sees only the trail homed there and the multi-region one is a
    // shadow trail there, left out.
    let eu = discover(&S3Options {
        region: Some("eu-west-1".into()),
        ..opts(Some(moto.endpoint()))
    })
    .expect("discover in eu-west-1");
    assert_eq!(
        eu.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["eu-only"],
        "{eu:#?}"
    );
    assert_eq!(eu[0].prefix, "eu/");

    // The SDK's service-specific endpoint variable works when no endpoint is given.
    set_env(&[("AWS_ENDPOINT_URL_CLOUDTRAIL", &moto.endpoint())], &[]);
    let via_env = discover(&opts(None)).expect("discover via AWS_ENDPOINT_URL_CLOUDTRAIL");
    assert_eq!(via_env.len(), 2, "{via_env:#?}");
    set_env(&[], &["AWS_ENDPOINT_URL_CLOUDTRAIL"]);

    // Nothing listening: an error that says what failed, quickly.
    let start = std::time::Instant::now();
    let err = discover(&S3Options {
        max_attempts: 1,
        ..opts(Some(format!("http://127.0.0.1:{}", closed_port())))
    })
    .expect_err("discover against a closed port");
    assert!(err.contains("DescribeTrails"), "{err}");
    assert!(
        err.contains("Connection refused") && !err.contains("DispatchFailure("),
        "the error should be one readable line: {err}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}

/// `trailguard trails` (the binary, credentials in its own environment) against moto: every
/// trail once with its home region, logging and validation state, KMS key, the coverage of
/// basic and advanced selectors, and the warnings a reviewer needs; a dead endpoint is a
/// one-line error naming the call.
#[test]
fn the_trails_command_reports_status_selectors_and_warnings() {
    let moto = Moto::start();
    moto.aws(&["s3api", "create-bucket", "--bucket", "org-logs"]);
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "audit",
        "--s3-bucket-name",
        "org-logs",
        "--s3-key-prefix",
        "sec",
        "--is-multi-region-trail",
        "--enable-log-file-validation",
        "--kms-key-id",
        "arn:aws:kms:us-east-1:123456789012:key/k1",
    ]);
    moto.aws(&["cloudtrail", "start-logging", "--name", "audit"]);
    moto.aws(&[
        "cloudtrail", "put-event-selectors", "--trail-name", "audit", "--event-selectors",
        r#"[{"ReadWriteType":"All","IncludeManagementEvents":true,"ExcludeManagementEventSources":["kms.amazonaws.com"],"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]"#,
    ]);
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "writes",
        "--s3-bucket-name",
        "org-logs",
    ]);
    moto.aws(&[
        "cloudtrail", "put-event-selectors", "--trail-name", "writes", "--advanced-event-selectors",
        r#"[{"Name":"m","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]}]},{"Name":"d","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]}]}]"#,
    ]);
    // Homed in eu-west-1, multi-region: seen from both regions, reported once.
    moto.aws(&[
        "--region",
        "eu-west-1",
        "cloudtrail",
        "create-trail",
        "--name",
        "eu-audit",
        "--s3-bucket-name",
        "org-logs",
        "--is-multi-region-trail",
    ]);
    let run = |args: &[&str]| signed_trailguard().args(args).run();
    let endpoint = moto.endpoint();
    let r = run(&[
        "trails",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--json",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["audit", "eu-audit", "writes"], "{}", r.stdout);
    let get = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .unwrap()
            .clone()
    };
    let audit = get("audit");
    assert_eq!(audit["source"], "s3://org-logs/sec/AWSLogs/");
    assert_eq!(
        audit["kms_key"],
        "arn:aws:kms:us-east-1:123456789012:key/k1"
    );
    assert_eq!(audit["log_file_validation"], true);
    assert_eq!(audit["logging"], true);
    assert_eq!(audit["coverage"]["management"], "all");
    assert_eq!(audit["coverage"]["selectors"], "basic");
    assert_eq!(
        audit["coverage"]["excluded_management_sources"],
        serde_json::json!(["kms.amazonaws.com"])
    );
    assert_eq!(
        audit["coverage"]["data_events"],
        serde_json::json!({"AWS::S3::Object": ["all"]})
    );
    let writes = get("writes");
    assert_eq!(writes["logging"], false);
    assert_eq!(writes["coverage"]["selectors"], "advanced");
    assert_eq!(writes["coverage"]["management"], "write-only");
    assert_eq!(
        writes["coverage"]["data_events"],
        serde_json::json!({"AWS::Lambda::Function": ["all"]})
    );
    let w = writes["warnings"].to_string();
    for want in [
        "not logging",
        "validation is off",
        "single-region",
        "write-only management events only",
    ] {
        assert!(w.contains(want), "{want}: {w}");
    }
    let eu = get("eu-audit");
    assert_eq!(eu["home_region"], "eu-west-1");
    assert_eq!(eu["coverage"]["selectors"], "none");
    assert_eq!(eu["coverage"]["management"], "all");
    // The text form leads with each trail and its warnings.
    let r = run(&[
        "trails",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("writes (arn:aws:cloudtrail:us-east-1:"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  ! not logging"), "{}", r.stdout);
    assert!(
        r.stdout.contains("delivers to s3://org-logs/sec/AWSLogs/"),
        "{}",
        r.stdout
    );
    // Nothing listening: one line naming the call, no SDK dump.
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let r = run(&["trails", "--endpoint-url", &dead]);
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr.contains("CloudTrail DescribeTrails failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 2_000, "{}", r.stderr);
}

/// `scan --trail`: the trail's bucket and prefix are read (moto's S3), and its selectors decide
/// what is unobservable. With S3 data events recorded for every bucket and none seen, an unseen
/// `s3:PutObject` is unused; scanning the same prefix without `--trail` it is kept as
/// unobservable. An unknown trail is an error naming the trails there are.
#[test]
fn scan_by_trail_reads_its_location_and_uses_its_selectors() {
    use std::io::Write;
    let moto = Moto::start();
    let acct = "123456789012";
    moto.aws(&["s3api", "create-bucket", "--bucket", "audit-logs"]);
    moto.aws(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "audit",
        "--s3-bucket-name",
        "audit-logs",
        "--s3-key-prefix",
        "sec",
        "--is-multi-region-trail",
    ]);
    moto.aws(&[
        "cloudtrail", "put-event-selectors", "--trail-name", "audit", "--event-selectors",
        r#"[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]"#,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let ev = serde_json::json!({"Records": [{
        "eventVersion": "1.09", "eventTime": "2024-06-02T09:55:00Z",
        "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAAPP:s",
            "arn": format!("arn:aws:sts::{acct}:assumed-role/app/s"), "accountId": acct,
            "accessKeyId": "ASIAAPP0000000000001",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAAPP",
                "arn": format!("arn:aws:iam::{acct}:role/app"), "accountId": acct, "userName": "app"}}},
        "eventID": "00000000-0000-4000-8000-000000000001", "eventType": "AwsApiCall",
        "managementEvent": true, "eventCategory": "Management", "recipientAccountId": acct}]});
    let key = format!(
        "sec/AWSLogs/{acct}/CloudTrail/us-east-1/2024/06/02/{acct}_CloudTrail_us-east-1_20240602T1000Z_abc.json.gz"
    );
    let local = dir.path().join("log.json.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&local).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&serde_json::to_vec(&ev).unwrap()).unwrap();
    gz.finish().unwrap();
    moto.aws(&[
        "s3",
        "cp",
        &local.display().to_string(),
        &format!("s3://audit-logs/{key}"),
    ]);
    let details = dir.path().join("details.json");
    std::fs::write(&details, serde_json::to_vec(&serde_json::json!({"UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{"Path": "/", "RoleName": "app", "RoleId": "AROAAPP",
            "Arn": format!("arn:aws:iam::{acct}:role/app"), "CreateDate": "2022-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "InstanceProfileList": [], "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {},
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:PutObject"], "Resource": "*"}]}}]}]})).unwrap()).unwrap();
    let endpoint = moto.endpoint();
    let scan = |source: &[&str], out: &std::path::Path| {
        signed_trailguard()
            .args([
                "scan",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
                "--quiet",
            ])
            .args(source)
            .args([
                "--iam-details",
                &details.display().to_string(),
                "--out",
                &out.display().to_string(),
            ])
            .run()
    };
    let put_row = |out: &std::path::Path| {
        let t = crate::common::parquet(&out.join("permissions.parquet"));
        crate::common::duckdb(&format!(
            "select observable, used, suggested from {t} where action = 's3:PutObject'"
        ))
    };
    let plain = dir.path().join("plain");
    let r = scan(&["s3://audit-logs/sec/AWSLogs/"], &plain);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert_eq!(crate::common::read_summary(&plain)["events"], 1);
    let row = put_row(&plain);
    assert_eq!(row[0]["observable"], false, "{row:?}");
    assert_eq!(row[0]["suggested"], "kept-unobservable", "{row:?}");

    let by_trail = dir.path().join("trail");
    let r = scan(&["--trail", "audit"], &by_trail);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let s = crate::common::read_summary(&by_trail);
    assert_eq!(s["events"], 1, "{s:#}");
    assert_eq!(
        s["sources"],
        serde_json::json!(["s3://audit-logs/sec/AWSLogs/"])
    );
    assert_eq!(s["trails"][0]["name"], "audit");
    assert_eq!(
        s["trails"][0]["coverage"]["data_events"],
        serde_json::json!({"AWS::S3::Object": ["all"]})
    );
    let row = put_row(&by_trail);
    assert_eq!(row[0]["observable"], true, "{row:?}");
    assert_eq!(row[0]["used"], false);
    assert!(row[0]["suggested"].is_null(), "{row:?}");

    let r = scan(&["--trail", "nope"], &dir.path().join("none"));
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr
            .contains("--trail nope: no such trail here (trails: audit)"),
        "{}",
        r.stderr
    );
}
