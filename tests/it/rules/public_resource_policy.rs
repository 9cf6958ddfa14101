//! `public-resource-policy` on `tests/fixtures/rules/public-resource-policy.json` (one positive
//! and at least one negative case per API) and on the real samples in
//! `../shared/cloudtrail-samples/`.

use super::*;

const FIX: &str = "public-resource-policy.json";
const RULE: &str = "public-resource-policy";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const DEPLOY: &str = "arn:aws:iam::111122223333:role/deploy";

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

/// The findings of the rule whose `resource` evidence is `resource`.
fn on<'a>(sc: &'a Scan, resource: &str) -> Vec<&'a Value> {
    sc.of(RULE)
        .into_iter()
        .filter(|f| strs(&f["evidence"]["resource"]) == [resource])
        .collect()
}

/// The one finding on `resource`; panics otherwise.
#[track_caller]
fn one_on<'a>(sc: &'a Scan, resource: &str) -> &'a Value {
    let v = on(sc, resource);
    assert_eq!(v.len(), 1, "findings on {resource}: {v:#?}");
    v[0]
}

#[test]
fn fixture_findings_per_resource() {
    let sc = scan(&[&fixture(FIX)], &["--rules", RULE], EXIT_OK);
    let all = sc.of(RULE);

    // (resource, caller, count, severity, API calls)
    let want: &[(&str, &str, u64, &str, &[&str])] = &[
        (
            "arn:aws:s3:::pub-assets",
            ALICE,
            3,
            "high",
            &["PutBucketPolicy"],
        ),
        (
            "arn:aws:s3:::pub-assets",
            DEPLOY,
            1,
            "high",
            &["PutBucketPolicy"],
        ),
        (
            "arn:aws:s3:::acl-public",
            ALICE,
            1,
            "high",
            &["PutBucketAcl"],
        ),
        (
            "arn:aws:s3:::acl-canned",
            ALICE,
            1,
            "high",
            &["PutBucketAcl"],
        ),
        (
            "arn:aws:s3:::acl-header",
            ALICE,
            1,
            "high",
            &["PutBucketAcl"],
        ),
        (
            "arn:aws:s3:::created-public",
            ALICE,
            1,
            "high",
            &["CreateBucket"],
        ),
        (
            "arn:aws:s3:::objects-bucket",
            ALICE,
            2,
            "high",
            &["PutObject", "PutObjectAcl"],
        ),
        (
            "arn:aws:s3:::pab-bucket",
            ALICE,
            1,
            "medium",
            &["PutBucketPublicAccessBlock"],
        ),
        (
            "arn:aws:s3:::pab-deleted",
            ALICE,
            1,
            "medium",
            &["DeleteBucketPublicAccessBlock"],
        ),
        (
            "S3 account-level Block Public Access of 111122223333",
            ALICE,
            2,
            "high",
            &[
                "DeleteAccountPublicAccessBlock",
                "PutAccountPublicAccessBlock",
            ],
        ),
        (
            "arn:aws:lambda:us-east-1:111122223333:function:public-fn",
            ALICE,
            1,
            "high",
            &["AddPermission"],
        ),
        (
            "arn:aws:lambda:us-east-1:111122223333:function:url-fn",
            ALICE,
            2,
            "high",
            &["AddPermission", "CreateFunctionUrlConfig"],
        ),
        (
            "arn:aws:lambda:us-east-1:111122223333:layer:shared-layer:3",
            ALICE,
            1,
            "medium",
            &["AddLayerVersionPermission"],
        ),
        (
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ALICE,
            1,
            "high",
            &["PutKeyPolicy"],
        ),
        (
            "arn:aws:kms:us-east-1:111122223333:key/3334abcd-12ab-34cd-56ef-1234567890ab",
            ALICE,
            1,
            "high",
            &["CreateKey"],
        ),
        (
            "arn:aws:sqs:us-east-1:111122223333:public-q",
            ALICE,
            1,
            "high",
            &["SetQueueAttributes"],
        ),
        (
            "arn:aws:sqs:us-east-1:111122223333:created-q",
            ALICE,
            1,
            "high",
            &["CreateQueue"],
        ),
        (
            "arn:aws:sns:us-east-1:111122223333:public-topic",
            ALICE,
            1,
            "high",
            &["SetTopicAttributes"],
        ),
        (
            "arn:aws:sns:us-east-1:111122223333:created-topic",
            ALICE,
            1,
            "high",
            &["CreateTopic"],
        ),
        (
            "arn:aws:ecr:us-east-1:111122223333:repository/public-repo",
            ALICE,
            1,
            "high",
            &["SetRepositoryPolicy"],
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            ALICE,
            1,
            "high",
            &["PutResourcePolicy"],
        ),
        (
            "arn:aws:glacier:us-east-1:111122223333:vaults/archive",
            ALICE,
            1,
            "high",
            &["SetVaultAccessPolicy"],
        ),
        (
            "arn:aws:events:us-east-1:111122223333:event-bus/default",
            ALICE,
            1,
            "high",
            &["PutPermission"],
        ),
        (
            "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0",
            ALICE,
            1,
            "high",
            &["ModifySnapshotAttribute"],
        ),
        (
            "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
            ALICE,
            1,
            "high",
            &["ModifyImageAttribute"],
        ),
        (
            "arn:aws:rds:us-east-1:111122223333:snapshot:prod-db-2024-06-01",
            ALICE,
            1,
            "high",
            &["ModifyDBSnapshotAttribute"],
        ),
        (
            "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:aurora-2024-06-01",
            ALICE,
            1,
            "high",
            &["ModifyDBClusterSnapshotAttribute"],
        ),
    ];
    assert_eq!(all.len(), want.len(), "{all:#?}");
    for (resource, caller, count, severity, actions) in want {
        let f: Vec<&Value> = on(&sc, resource)
            .into_iter()
            .filter(|f| f["principal"] == *caller)
            .collect();
        assert_eq!(f.len(), 1, "{resource} by {caller}: {f:#?}");
        let f = f[0];
        assert_eq!(f["count"], *count, "{resource}: {f:#}");
        assert_eq!(f["severity"], *severity, "{resource}");
        assert_eq!(strs(&f["evidence"]["action"]), *actions, "{resource}");
        assert_eq!(f["account"], "111122223333");
        assert_eq!(f["anti_pattern"], "6");
        assert!(
            f["title"]
                .as_str()
                .unwrap()
                .ends_with(&format!(" by {caller}")),
            "{}",
            f["title"]
        );
        assert!(!strs(&f["evidence"]["grant"]).is_empty(), "{resource}");
    }
}

#[test]
fn fixture_evidence_and_remediation() {
    let sc = scan(&[&fixture(FIX)], &["--rules", RULE], EXIT_OK);

    // The same bucket made public three times by one caller: one finding, three events.
    let pub_assets: Vec<&Value> = on(&sc, "arn:aws:s3:::pub-assets")
        .into_iter()
        .filter(|f| f["principal"] == ALICE)
        .collect();
    let f = pub_assets[0];
    assert_eq!(
        f["title"],
        format!("S3 bucket pub-assets made public by {ALICE}")
    );
    assert_eq!(f["principal_type"], "IAMUser");
    assert_eq!(
        strs(&f["event_ids"]),
        [
            "9b000001-0000-4000-8000-000000000001",
            "9b000002-0000-4000-8000-000000000002",
            "9b000003-0000-4000-8000-000000000003"
        ]
    );
    assert_eq!(
        strs(&f["evidence"]["grant"]),
        [
            "Principal * may s3:GetObject on arn:aws:s3:::pub-assets/*",
            "Principal * may s3:GetObject, s3:ListBucket on arn:aws:s3:::pub-assets, arn:aws:s3:::pub-assets/*"
        ]
    );
    assert_eq!(
        strs(&f["evidence"]["policy_statement"]),
        ["PublicRead", "Statement[0]"]
    );
    let rem = f["remediation"].as_str().unwrap();
    assert!(
        rem.contains("aws s3api delete-bucket-policy --bucket pub-assets"),
        "{rem}"
    );

    // A role session is attributed to its role.
    let d = on(&sc, "arn:aws:s3:::pub-assets")
        .into_iter()
        .find(|f| f["principal"] == DEPLOY)
        .unwrap();
    assert_eq!(d["principal_type"], "Role");
    assert_eq!(
        d["first_seen"].as_str().unwrap().get(..10),
        Some("2024-06-04")
    );

    // ACLs: body grants, canned ACLs and grant headers each say who got what.
    let g = |r: &str| {
        strs(&one_on(&sc, r)["evidence"]["grant"])
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(g("arn:aws:s3:::acl-public"), ["AllUsers may READ"]);
    assert_eq!(
        g("arn:aws:s3:::acl-canned"),
        ["canned ACL public-read-write: AllUsers may READ, WRITE"]
    );
    assert_eq!(
        g("arn:aws:s3:::acl-header"),
        ["AuthenticatedUsers may READ (x-amz-grant-read)"]
    );
    let acl = one_on(&sc, "arn:aws:s3:::acl-public");
    assert!(
        acl["remediation"]
            .as_str()
            .unwrap()
            .contains("aws s3api put-bucket-acl --bucket acl-public --acl private")
    );
    // Object ACLs group per bucket and list the objects; the private ones are not there.
    let o = one_on(&sc, "arn:aws:s3:::objects-bucket");
    assert_eq!(
        strs(&o["evidence"]["object"]),
        ["img/logo.png", "reports/q1.pdf"]
    );

    // Block Public Access: which settings, and how to put them back.
    let pab = one_on(&sc, "arn:aws:s3:::pab-bucket");
    assert_eq!(
        strs(&pab["evidence"]["grant"]),
        [
            "Block Public Access settings off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"
        ]
    );
    assert!(pab["remediation"].as_str().unwrap().contains(
        "aws s3api put-public-access-block --bucket pab-bucket --public-access-block-configuration BlockPublicAcls=true"
    ));
    let acct = one_on(&sc, "S3 account-level Block Public Access of 111122223333");
    assert_eq!(
        strs(&acct["evidence"]["grant"]),
        [
            "Block Public Access configuration deleted (all four settings off)",
            "Block Public Access settings off: BlockPublicPolicy"
        ]
    );
    assert!(
        acct["remediation"]
            .as_str()
            .unwrap()
            .contains("aws s3control put-public-access-block --account-id 111122223333")
    );

    // Lambda: the statement id to remove.
    let l = one_on(
        &sc,
        "arn:aws:lambda:us-east-1:111122223333:function:public-fn",
    );
    assert_eq!(
        l["title"],
        format!("Lambda function public-fn made public by {ALICE}")
    );
    assert_eq!(strs(&l["evidence"]["policy_statement"]), ["backdoor"]);
    assert!(l["remediation"].as_str().unwrap().contains(
        "aws lambda remove-permission --function-name public-fn --statement-id backdoor"
    ));
    let url = one_on(&sc, "arn:aws:lambda:us-east-1:111122223333:function:url-fn");
    assert_eq!(
        strs(&url["evidence"]["grant"]),
        [
            "Principal * may lambda:InvokeFunctionUrl on arn:aws:lambda:us-east-1:111122223333:function:url-fn",
            "function URL with AuthType NONE: anyone may invoke arn:aws:lambda:us-east-1:111122223333:function:url-fn over HTTPS"
        ]
    );

    // Policies given as JSON strings (KMS pretty-printed, SQS, SNS, ECR without Resource).
    let k = one_on(
        &sc,
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    assert_eq!(
        strs(&k["evidence"]["grant"]),
        ["Principal * may kms:Decrypt, kms:DescribeKey on *"]
    );
    assert_eq!(strs(&k["evidence"]["policy_statement"]), ["Anyone"]);
    let e = one_on(
        &sc,
        "arn:aws:ecr:us-east-1:111122223333:repository/public-repo",
    );
    assert_eq!(
        strs(&e["evidence"]["grant"]),
        ["Principal * may ecr:BatchGetImage, ecr:GetDownloadUrlForLayer"]
    );
    let ev = one_on(
        &sc,
        "arn:aws:events:us-east-1:111122223333:event-bus/default",
    );
    assert!(
        ev["remediation"].as_str().unwrap().contains(
            "aws events remove-permission --event-bus-name default --statement-id anyone"
        )
    );

    // Sharing attributes.
    let snap = one_on(
        &sc,
        "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0",
    );
    assert!(snap["remediation"].as_str().unwrap().contains(
        "aws ec2 modify-snapshot-attribute --snapshot-id snap-0123456789abcdef0 --attribute createVolumePermission --operation-type remove --group-names all"
    ));
    let rds = one_on(
        &sc,
        "arn:aws:rds:us-east-1:111122223333:snapshot:prod-db-2024-06-01",
    );
    assert!(rds["remediation"].as_str().unwrap().contains(
        "--db-snapshot-identifier prod-db-2024-06-01 --attribute-name restore --values-to-remove all"
    ));
}

#[test]
fn fixture_negative_cases_produce_nothing() {
    let sc = scan(&[&fixture(FIX)], &["--rules", RULE], EXIT_OK);
    // Each negative case names its resource; none may appear in any finding.
    let negatives = [
        "org-share",                            // Principal * with aws:PrincipalOrgID
        "partner-share",                        // one named account
        "pub-denied",                           // AccessDenied
        "trail-logs",                           // service principal
        "vpc-only",                             // fenced by a Deny outside a VPC endpoint
        "tls-only",        // aws:SourceAccount (SecureTransport alone would not do)
        "acl-private",     // private canned ACL, LogDelivery grant
        "acl-denied",      // AccessDenied
        "created-private", // private canned ACL
        "img/private.png", // PutObject without an ACL
        "reports/q2.pdf",  // bucket-owner-full-control
        "pab-restored",    // all four settings true
        "iam-url-fn",      // AuthType AWS_IAM
        "s3-trigger-fn",   // service with SourceArn and SourceAccount
        "sns-fn",          // * with SourceArn
        "org-fn",          // * with PrincipalOrgID
        "partner-fn",      // another account
        "denied-fn",       // AccessDeniedException
        "org-layer",       // organizationId
        "2234abcd-12ab-34cd-56ef-1234567890ab", // kms:CallerAccount
        "4444abcd-12ab-34cd-56ef-1234567890ab", // account root only
        "sns-fed-q",       // aws:SourceArn
        ":alerts",         // SNS default policy (AWS:SourceOwner)
        "partner-repo",    // another account
        "gallery-repo",    // ecr-public
        "org/shared",      // aws:PrincipalOrgID
        "snap-0fedcba9876543210", // shared with one account
        "ami-0fedcba9876543210", // public share removed
        "shared-db-2024-06-01", // shared with one account
        "aurora-denied",   // AccessDenied
    ];
    for f in sc.of(RULE) {
        let text = f.to_string();
        for n in negatives {
            assert!(!text.contains(n), "negative case {n} reported: {f:#}");
        }
    }
    // A later Block Public Access put back with all four true does not add to pab-bucket, and
    // the deploy role that put the account's setting back has no account-level finding.
    assert_eq!(one_on(&sc, "arn:aws:s3:::pab-bucket")["count"], 1);
    assert_eq!(
        one_on(&sc, "S3 account-level Block Public Access of 111122223333")["principal"],
        ALICE
    );
    // The display-name change on the public topic is not counted.
    assert_eq!(
        one_on(&sc, "arn:aws:sns:us-east-1:111122223333:public-topic")["count"],
        1
    );
}

#[test]
fn fail_on_high_exits_4() {
    let sc = scan(
        &[&fixture(FIX)],
        &["--rules", RULE, "--fail-on", "high"],
        EXIT_FINDINGS,
    );
    assert_eq!(sc.of(RULE).len(), 27);
    scan(
        &[&fixture(FIX)],
        &["--rules", RULE, "--fail-on", "critical"],
        EXIT_OK,
    );
}

/// Stratus Red Team detonations: `lambda-backdoor-function` adds a permission for `*`; the EBS
/// snapshot, AMI and RDS snapshot shares go to one named account each (cross-account, not
/// public), and there is no S3 or KMS detonation in this set.
#[test]
fn stratus_samples() {
    let sc = scan(
        &["../shared/cloudtrail-samples/stratus-red-team-detonation-logs"],
        &[],
        EXIT_OK,
    );
    let f = sc.of(RULE);
    assert_eq!(f.len(), 1, "{f:#?}");
    let l = f[0];
    assert_eq!(l["principal"], "arn:aws:iam::880896431042:user/christophe");
    assert_eq!(l["account"], "880896431042");
    assert_eq!(l["severity"], "high");
    assert_eq!(l["count"], 1);
    assert_eq!(
        strs(&l["event_ids"]),
        ["b67a9bba-d9da-4980-bf74-baed881b117d"]
    );
    assert_eq!(strs(&l["evidence"]["action"]), ["AddPermission"]);
    assert_eq!(
        strs(&l["evidence"]["resource"]),
        [
            "arn:aws:lambda:ca-centralnorth-1r:880896431042:function:stratus-red-team-backdoor-f-func"
        ]
    );
    assert_eq!(strs(&l["evidence"]["policy_statement"]), ["backdoor"]);
    assert!(l["remediation"].as_str().unwrap().contains(
        "aws lambda remove-permission --function-name stratus-red-team-backdoor-f-func --statement-id backdoor"
    ));
}

/// The Invictus IR dataset: the same Lambda backdoor (principal `*`); its `PutBucketPolicy`
/// calls grant one other account (`193672423079`, the S3 backdoor technique) or the CloudTrail
/// service, and its snapshot, AMI and RDS shares name one account: none of them is public.
#[test]
fn invictus_samples() {
    let sc = scan(
        &["../shared/cloudtrail-samples/invictus-ir-aws-dataset"],
        &[],
        EXIT_OK,
    );
    let f = sc.of(RULE);
    assert_eq!(f.len(), 1, "{f:#?}");
    let l = f[0];
    assert_eq!(l["principal"], "arn:aws:iam::123837392027:user/bert-jan");
    assert_eq!(l["account"], "123837392027");
    assert_eq!(
        strs(&l["event_ids"]),
        ["b1f37249-bb39-4b9c-a302-e6d0f807d70c"]
    );
    assert_eq!(
        strs(&l["evidence"]["resource"]),
        ["arn:aws:lambda:us-east-1:123837392027:function:stratus-red-team-backdoor-f-func"]
    );
}
