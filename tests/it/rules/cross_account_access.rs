//! `cross-account-access` on `tests/fixtures/rules/cross-account-access.json`.

use super::*;

const FIX: &str = "cross-account-access.json";
const RULE: &str = "cross-account-access";

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn external_calls_are_grouped_per_account_and_target() {
    let sc = scan(&[&fixture(FIX)], &["--rules", RULE], EXIT_OK);
    let f = sc.of(RULE);
    assert_eq!(f.len(), 5, "{f:#?}");

    // AssumeRole into prod-deploy: one success (delivered twice, counted once) and one denial.
    let deploy: Vec<&&Value> = f
        .iter()
        .filter(|x| {
            strs(&x["evidence"]["target"]) == ["arn:aws:iam::111122223333:role/prod-deploy"]
        })
        .collect();
    assert_eq!(deploy.len(), 1);
    let d = deploy[0];
    assert_eq!(d["count"], 2);
    assert_eq!(d["severity"], "medium");
    assert_eq!(d["account"], "111122223333");
    assert_eq!(
        strs(&d["evidence"]["principals"]),
        [
            "arn:aws:iam::999988887777:role/ci-deployer",
            "arn:aws:iam::999988887777:user/mallory"
        ]
    );
    assert_eq!(strs(&d["evidence"]["outcome"]), ["AccessDenied", "success"]);
    assert_eq!(
        strs(&d["event_ids"]),
        [
            "ca000001-0000-4000-8000-000000000001",
            "ca000002-0000-4000-8000-000000000002"
        ]
    );
    assert_eq!(strs(&d["source_ips"]), ["198.51.100.66", "203.0.113.10"]);

    // Data read from a bucket by another account: one finding for the bucket.
    let bucket: Vec<&&Value> = f
        .iter()
        .filter(|x| strs(&x["evidence"]["target"]) == ["arn:aws:s3:::prod-exports"])
        .collect();
    assert_eq!(bucket.len(), 1);
    assert_eq!(bucket[0]["count"], 2);
    assert_eq!(
        strs(&bucket[0]["evidence"]["api_calls"]),
        ["s3.amazonaws.com:GetObject"]
    );

    // Anonymous (public) access is high.
    let anon = sc.one(RULE, "ANONYMOUS_PRINCIPAL");
    assert_eq!(anon["severity"], "high");
    assert_eq!(anon["principal_type"], "Anonymous");
    assert_eq!(
        strs(&anon["evidence"]["target"]),
        ["arn:aws:s3:::public-assets"]
    );

    // GovCloud keeps its partition.
    let gov = sc.one(RULE, "arn:aws-us-gov:iam::210987654321:root");
    assert_eq!(gov["account"], "777788889999");

    // Same-account and AWS service calls are never findings.
    for x in &f {
        assert_ne!(x["principal"], "arn:aws:iam::111122223333:root");
        assert!(!x["title"].as_str().unwrap().contains("fn-exec"), "{x}");
    }
    assert!(
        sc.one(RULE, "arn:aws:iam::123456789012:root")["title"]
            .as_str()
            .unwrap()
            .contains("security-audit")
    );
}

#[test]
fn trusted_accounts_are_not_external() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("trusted.txt");
    std::fs::write(&list, "# partners\n123456789012\n999988887777 # CI\n").unwrap();
    let path = list.display().to_string();
    let sc = scan(
        &[&fixture(FIX)],
        &["--rules", RULE, "--trusted-accounts", &path],
        EXIT_OK,
    );
    let principals: Vec<&str> = sc
        .of(RULE)
        .iter()
        .map(|f| f["principal"].as_str().unwrap())
        .collect();
    assert_eq!(
        principals,
        [
            "ANONYMOUS_PRINCIPAL",
            "arn:aws-us-gov:iam::210987654321:root"
        ]
    );
    let sc = scan(
        &[&fixture(FIX)],
        &[
            "--rules",
            RULE,
            "--trusted-accounts",
            "123456789012,210987654321",
        ],
        EXIT_OK,
    );
    assert_eq!(sc.of(RULE).len(), 3);
}

#[test]
fn bad_trusted_accounts_are_refused() {
    let mut cmd = TrailguardCmd::new().args([
        "scan",
        &fixture(FIX),
        "--out",
        "/tmp/never-written",
        "--trusted-accounts",
        "12345",
    ]);
    cmd.cmd.current_dir(ROOT);
    let run = cmd.run();
    run.assert_code(1);
    assert!(
        run.stderr.contains("`12345` is not an AWS account ID"),
        "{}",
        run.stderr
    );
}

#[test]
fn shared_samples_are_single_account() {
    for set in [
        "../shared/cloudtrail-samples/invictus-ir-aws-dataset",
        "../shared/cloudtrail-samples/stratus-red-team-detonation-logs",
    ] {
        let sc = scan(&[set], &["--rules", RULE], EXIT_OK);
        assert_eq!(sc.of(RULE).len(), 0, "{set}: {:#?}", sc.of(RULE));
    }
}
