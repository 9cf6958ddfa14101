use super::lambda::lambda_function;
use super::resource_policies::sqs_queue;
use super::s3::{pab_off, s3_acl_grants};
use super::*;
use serde_json::json;

fn at() -> Place<'static> {
    Place {
        partition: "aws",
        region: "us-east-1",
        account: "111122223333",
    }
}

#[test]
fn tape_values_convert() {
    let mut text = br#"{"a":[1,-2,1.5,true,null,"x",{"b":18446744073709551615}],"c":{}}"#.to_vec();
    let tape = simd_json::to_tape(&mut text).unwrap();
    let v = to_json(tape.as_value());
    assert_eq!(
        v,
        json!({"a": [1, -2, 1.5, true, null, "x", {"b": 18446744073709551615u64}], "c": {}})
    );
}

#[test]
fn acl_grants() {
    let p = json!({
        "bucketName": "b",
        "AccessControlPolicy": {"AccessControlList": {"Grant": [
            {"Grantee": {"xsi:type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
            {"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}
        ]}}
    });
    assert_eq!(s3_acl_grants(&p), vec!["AllUsers may READ"]);
    let p = json!({"accessControlPolicy": {"accessControlList": {"grant":
        {"grantee": {"uri": "https://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "permission": "WRITE"}}}});
    assert_eq!(s3_acl_grants(&p), vec!["AuthenticatedUsers may WRITE"]);
    let p = json!({"x-amz-acl": ["public-read-write"],
                   "x-amz-grant-read": "id=\"abc\", uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"",
                   "x-amz-grant-write": "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"});
    assert_eq!(
        s3_acl_grants(&p),
        vec![
            "canned ACL public-read-write: AllUsers may READ, WRITE",
            "AllUsers may READ (x-amz-grant-read)"
        ]
    );
    for acl in [
        "private",
        "bucket-owner-full-control",
        "aws-exec-read",
        "log-delivery-write",
    ] {
        assert!(
            s3_acl_grants(&json!({ "x-amz-acl": acl })).is_empty(),
            "{acl}"
        );
    }
}

#[test]
fn public_access_block_flags() {
    let p = json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": "true",
                   "BlockPublicPolicy": false, "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}});
    assert_eq!(
        pab_off(&p),
        Some(vec!["BlockPublicPolicy", "RestrictPublicBuckets"])
    );
    assert_eq!(pab_off(&json!({"bucketName": "b"})), None);
}

#[test]
fn lambda_names_and_permissions() {
    let a = at();
    assert_eq!(
        lambda_function("f", &a),
        (
            "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
            "f".into()
        )
    );
    assert_eq!(
        lambda_function("arn:aws:lambda:eu-west-1:444455556666:function:g:prod", &a),
        (
            "arn:aws:lambda:eu-west-1:444455556666:function:g".into(),
            "g".into()
        )
    );
    assert_eq!(
        lambda_function("444455556666:function:h", &a).0,
        "arn:aws:lambda:us-east-1:444455556666:function:h"
    );
    let public = |p: Value| lambda("AddPermission", &p, &a).is_some();
    assert!(public(
        json!({"functionName": "f", "statementId": "s", "action": "lambda:InvokeFunction", "principal": "*"})
    ));
    assert!(public(
        json!({"functionName": "f", "principal": "*", "functionUrlAuthType": "NONE"})
    ));
    assert!(!public(
        json!({"functionName": "f", "principal": "*", "sourceArn": "arn:aws:s3:::b"})
    ));
    assert!(!public(
        json!({"functionName": "f", "principal": "*", "sourceAccount": "111122223333"})
    ));
    assert!(!public(
        json!({"functionName": "f", "principal": "*", "principalOrgID": "o-abc"})
    ));
    assert!(!public(
        json!({"functionName": "f", "principal": "444455556666"})
    ));
    assert!(!public(
        json!({"functionName": "f", "principal": "s3.amazonaws.com"})
    ));
}

#[test]
fn sharing_attributes() {
    let a = at();
    assert!(ec2(
        "ModifySnapshotAttribute",
        &json!({"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}),
        &a
    )
    .is_some());
    assert!(
        ec2(
            "ModifyImageAttribute",
            &json!({"imageId": "ami-1", "operationType": "add", "userGroup": ["all"]}),
            &a
        )
        .is_some()
    );
    assert!(ec2(
        "ModifyImageAttribute",
        &json!({"imageId": "ami-1", "launchPermission": {"add": {"items": [{"userId": "444455556666"}]}}}),
        &a
    )
    .is_none());
    assert!(ec2(
        "ModifySnapshotAttribute",
        &json!({"snapshotId": "snap-1", "createVolumePermission": {"remove": {"items": [{"group": "all"}]}}}),
        &a
    )
    .is_none());
    assert!(rds(
        "ModifyDBClusterSnapshotAttribute",
        &json!({"dBClusterSnapshotIdentifier": "c", "attributeName": "restore", "valuesToAdd": ["all"]}),
        &a
    )
    .is_some());
    assert!(rds(
        "ModifyDBSnapshotAttribute",
        &json!({"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToRemove": ["all"]}),
        &a
    )
    .is_none());
}

#[test]
fn sqs_urls() {
    assert_eq!(
        sqs_queue("https://sqs.us-east-1.amazonaws.com/444455556666/q1", &at()),
        ("arn:aws:sqs:us-east-1:444455556666:q1".into(), "q1".into())
    );
}
