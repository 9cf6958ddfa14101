//! What CloudTrail can show: data-event actions (logged only when the trail selects data
//! events for their service) and permission-only actions (no API call of that name) are
//! *unobservable*, never *unused*.

use crate::iam::catalog::{ActionId, catalog};
use crate::usage::Usage;

/// Whether an action is a CloudTrail data event (logged only when the trail selects data
/// events for its service). Returns the event source whose data events show it.
pub fn data_event_source(service: &str, name: &str) -> Option<&'static str> {
    let starts = |ps: &[&str]| ps.iter().any(|p| name.starts_with(p));
    match service {
        "s3" if starts(&[
            "GetObject",
            "PutObject",
            "DeleteObject",
            "RestoreObject",
            "AbortMultipartUpload",
            "ListMultipartUploadParts",
            "ListBucket",
            "ReplicateObject",
            "ReplicateDelete",
            "ReplicateTags",
        ]) =>
        {
            Some("s3.amazonaws.com")
        }
        "lambda" if name == "InvokeFunction" => Some("lambda.amazonaws.com"),
        "dynamodb"
            if starts(&[
                "GetItem",
                "BatchGetItem",
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "Query",
                "Scan",
                "ConditionCheckItem",
                "PartiQL",
                "GetRecords",
                "GetShardIterator",
            ]) =>
        {
            Some("dynamodb.amazonaws.com")
        }
        "sqs"
            if starts(&[
                "SendMessage",
                "ReceiveMessage",
                "DeleteMessage",
                "ChangeMessageVisibility",
            ]) =>
        {
            Some("sqs.amazonaws.com")
        }
        "sns" if starts(&["Publish"]) => Some("sns.amazonaws.com"),
        "kinesis"
            if starts(&[
                "PutRecord",
                "GetRecords",
                "GetShardIterator",
                "SubscribeToShard",
            ]) =>
        {
            Some("kinesis.amazonaws.com")
        }
        "s3-object-lambda" => Some("s3-object-lambda.amazonaws.com"),
        _ => None,
    }
}

/// Why an action cannot be seen in CloudTrail in `account`, if it cannot.
pub fn unobservable_reason(id: ActionId, account: &str, usage: &Usage) -> Option<&'static str> {
    let a = catalog().get(id);
    if a.api_op == Some(false) && !crate::iam::mapping::logged_by_exception(id) {
        return Some("permission-only action (no API call of that name is logged)");
    }
    let src = data_event_source(a.service, a.name)?;
    (!usage
        .data_sources
        .contains(&(account.to_string(), src.to_string())))
    .then_some("data event, and the trail delivered no data events for this service")
}
