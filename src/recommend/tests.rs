use super::suggest::{generalize, glob};
use super::*;
use crate::iam::catalog::catalog;

#[test]
fn s3_resources_are_generalized_by_action_kind() {
    let arns: BTreeSet<String> = [
        "arn:aws:s3:::b/k1",
        "arn:aws:s3:::b/dir/k2",
        "arn:aws:s3:::b",
        "arn:aws:s3:::c/x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        generalize("s3", "GetObject", &arns)
            .into_iter()
            .collect::<Vec<_>>(),
        ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]
    );
    assert_eq!(
        generalize("s3", "ListBucket", &arns)
            .into_iter()
            .collect::<Vec<_>>(),
        ["arn:aws:s3:::b"]
    );
}

#[test]
fn several_regions_become_a_region_wildcard() {
    let arns: BTreeSet<String> = [
        "arn:aws:dynamodb:us-east-1:111122223333:table/t",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
        "arn:aws:dynamodb:us-east-1:111122223333:table/u",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        generalize("dynamodb", "GetItem", &arns)
            .into_iter()
            .collect::<Vec<_>>(),
        [
            "arn:aws:dynamodb:*:111122223333:table/t",
            "arn:aws:dynamodb:us-east-1:111122223333:table/u"
        ]
    );
}

#[test]
fn data_events_and_permission_only_actions() {
    assert_eq!(
        data_event_source("s3", "GetObject"),
        Some("s3.amazonaws.com")
    );
    assert_eq!(data_event_source("s3", "GetBucketPolicy"), None);
    assert_eq!(
        data_event_source("lambda", "InvokeFunction"),
        Some("lambda.amazonaws.com")
    );
    assert_eq!(data_event_source("lambda", "GetFunction"), None);
    // From CloudTrail's data-event resource types, not a hand list: the event source of each
    // type, the actions its event names need (conditional ones too), and only those.
    for (service, name, source) in [
        ("s3", "GetObjectVersion", "s3.amazonaws.com"),
        ("s3", "ListBucket", "s3.amazonaws.com"),
        ("s3", "PutObjectTagging", "s3.amazonaws.com"),
        ("dynamodb", "PartiQLSelect", "dynamodb.amazonaws.com"),
        ("dynamodb", "ConditionCheckItem", "dynamodb.amazonaws.com"),
        ("dynamodb", "GetRecords", "streams.dynamodb.amazonaws.com"),
        ("sqs", "SendMessage", "sqs.amazonaws.com"),
        ("sqs", "GetQueueAttributes", "sqs.amazonaws.com"),
        ("sns", "Publish", "sns.amazonaws.com"),
        ("ebs", "GetSnapshotBlock", "ebs.amazonaws.com"),
        ("states", "StartSyncExecution", "states.amazonaws.com"),
        ("sagemaker", "InvokeEndpoint", "sagemaker.amazonaws.com"),
        ("s3express", "CreateSession", "s3express.amazonaws.com"),
    ] {
        assert_eq!(
            data_event_source(service, name),
            Some(source),
            "{service}:{name}"
        );
    }
    for (service, name) in [
        ("dynamodb", "CreateTable"),
        ("dynamodb", "DescribeStream"),
        ("sqs", "CreateQueue"),
        ("sqs", "SetQueueAttributes"),
        ("ebs", "StartSnapshot"),
        ("secretsmanager", "GetSecretValue"),
        ("kms", "Decrypt"),
        ("states", "StartExecution"),
    ] {
        assert_eq!(data_event_source(service, name), None, "{service}:{name}");
    }
    let usage = Usage::default();
    let pass = catalog().lookup("iam:PassRole").unwrap();
    assert!(unobservable_reason(pass, "1", &usage).is_some());
    let get = catalog().lookup("s3:GetObject").unwrap();
    assert!(unobservable_reason(get, "1", &usage).is_some());
    let list = catalog().lookup("iam:ListUsers").unwrap();
    assert!(unobservable_reason(list, "1", &usage).is_none());
}

#[test]
fn globs_are_case_sensitive_for_arns() {
    assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
    assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::B/x"));
    assert!(glob("*", "anything"));
}
