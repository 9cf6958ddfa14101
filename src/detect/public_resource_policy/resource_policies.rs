//! Services whose resource policy is a document: KMS keys, SQS queues, SNS topics, ECR
//! repositories, Secrets Manager secrets, Glacier vaults and EventBridge buses.

use super::json::{get, text};
use super::{Change, Place, from_policy};
use serde_json::{Map, Value, json};

/// `https://sqs.<region>.amazonaws.com/<account>/<name>` -> its ARN and name.
pub(super) fn sqs_queue(url: &str, at: &Place<'_>) -> (String, String) {
    let mut segs = url.trim_end_matches('/').rsplit('/');
    let name = segs.next().unwrap_or("unknown");
    let account = segs
        .next()
        .filter(|a| crate::iam::is_account_id(a))
        .unwrap_or(at.account);
    (
        format!("arn:{}:sqs:{}:{account}:{name}", at.partition, at.region),
        name.to_string(),
    )
}

pub(super) fn policy_service(
    source: &str,
    name: &str,
    p: &Value,
    resp: &Value,
    at: &Place<'_>,
) -> Option<Change> {
    let own = at.account;
    match (source, name) {
        ("kms.amazonaws.com", "PutKeyPolicy" | "CreateKey") => {
            let key = if name == "CreateKey" {
                get(resp, "keyMetadata")
                    .and_then(|m| text(m, "arn").or_else(|| text(m, "keyId")))
                    .unwrap_or("unknown")
            } else {
                text(p, "keyId").unwrap_or("unknown")
            };
            let arn = if key.starts_with("arn:") {
                key.to_string()
            } else {
                at.arn("kms", &format!("key/{key}"))
            };
            let key = key.rsplit_once(":key/").map_or(key, |(_, id)| id);
            from_policy(
                get(p, "policy"),
                own,
                arn.clone(),
                format!("KMS key {key} made public"),
                |_| {
                    format!(
                        "Put back a key policy without the public statements (`policy_statement`): `aws kms put-key-policy --key-id {arn} --policy-name default --policy file://policy.json` (a key policy cannot be deleted, only replaced)."
                    )
                },
            )
        }
        ("sqs.amazonaws.com", "SetQueueAttributes" | "CreateQueue") => {
            let url = text(p, "queueUrl")
                .or_else(|| text(resp, "queueUrl"))
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let q = text(p, "queueName").unwrap_or("unknown");
                    format!("https://sqs.{}.amazonaws.com/{own}/{q}", at.region)
                });
            let (arn, qname) = sqs_queue(&url, at);
            let doc = get(p, "attributes").and_then(|a| get(a, "Policy"));
            from_policy(
                doc,
                own,
                arn,
                format!("SQS queue {qname} made public"),
                |_| {
                    format!(
                        "Put back a queue policy without the public statements (`policy_statement`): `aws sqs set-queue-attributes --queue-url {url} --attributes file://attributes.json` (`{{\"Policy\": \"...\"}}`; an empty Policy removes it)."
                    )
                },
            )
        }
        ("sns.amazonaws.com", "SetTopicAttributes" | "CreateTopic") => {
            let doc = if name == "SetTopicAttributes" {
                if text(p, "attributeName") != Some("Policy") {
                    return None;
                }
                get(p, "attributeValue")
            } else {
                get(p, "attributes").and_then(|a| get(a, "Policy"))
            };
            let arn = text(p, "topicArn")
                .or_else(|| text(resp, "topicArn"))
                .map(str::to_string)
                .unwrap_or_else(|| at.arn("sns", text(p, "name").unwrap_or("unknown")));
            let tname = arn.rsplit(':').next().unwrap_or("unknown").to_string();
            from_policy(
                doc,
                own,
                arn.clone(),
                format!("SNS topic {tname} made public"),
                |_| {
                    format!(
                        "Put back a topic policy without the public statements (`policy_statement`): `aws sns set-topic-attributes --topic-arn {arn} --attribute-name Policy --attribute-value file://policy.json`."
                    )
                },
            )
        }
        ("ecr.amazonaws.com", "SetRepositoryPolicy") => {
            let repo = text(p, "repositoryName").unwrap_or("unknown");
            let registry = text(p, "registryId").unwrap_or(own);
            let arn = format!(
                "arn:{}:ecr:{}:{registry}:repository/{repo}",
                at.partition, at.region
            );
            from_policy(
                get(p, "policyText"),
                own,
                arn,
                format!("ECR repository {repo} made public"),
                |_| {
                    format!(
                        "Remove the public statements (`policy_statement`) from the repository policy (`aws ecr set-repository-policy --repository-name {repo} --policy-text file://policy.json`) or delete it: `aws ecr delete-repository-policy --repository-name {repo}`."
                    )
                },
            )
        }
        ("secretsmanager.amazonaws.com", "PutResourcePolicy") => {
            let secret = text(p, "secretId").unwrap_or("unknown");
            let arn = if secret.starts_with("arn:") {
                secret.to_string()
            } else {
                at.arn("secretsmanager", &format!("secret:{secret}"))
            };
            let short = secret.split_once(":secret:").map_or(secret, |(_, n)| n);
            from_policy(
                get(p, "resourcePolicy"),
                own,
                arn,
                format!("Secrets Manager secret {short} made public"),
                |_| {
                    format!(
                        "Delete the resource policy (`aws secretsmanager delete-resource-policy --secret-id {secret}`) or put one back without the public statements (`policy_statement`) with `--block-public-policy`."
                    )
                },
            )
        }
        ("glacier.amazonaws.com", "SetVaultAccessPolicy") => {
            let vault = text(p, "vaultName").unwrap_or("unknown");
            let doc = get(p, "policy").map(|d| get(d, "policy").unwrap_or(d));
            from_policy(
                doc,
                own,
                at.arn("glacier", &format!("vaults/{vault}")),
                format!("Glacier vault {vault} made public"),
                |_| {
                    format!(
                        "Delete the vault access policy (`aws glacier delete-vault-access-policy --account-id - --vault-name {vault}`) or set one without the public statements (`policy_statement`)."
                    )
                },
            )
        }
        ("events.amazonaws.com", "PutPermission") => {
            let bus = text(p, "eventBusName").unwrap_or("default");
            let arn = if bus.starts_with("arn:") {
                bus.to_string()
            } else {
                at.arn("events", &format!("event-bus/{bus}"))
            };
            let synthesized;
            let doc = match get(p, "policy") {
                Some(d) => d,
                None => {
                    synthesized = put_permission_policy(p, &arn);
                    &synthesized
                }
            };
            let sid = text(p, "statementId").map(str::to_string);
            from_policy(
                Some(doc),
                own,
                arn,
                format!("EventBridge event bus {bus} made public"),
                |sids| {
                    let sid = sid.unwrap_or_else(|| sids.join(", "));
                    format!(
                        "Remove the permission: `aws events remove-permission --event-bus-name {bus} --statement-id {sid}`."
                    )
                },
            )
        }
        _ => None,
    }
}

/// The statement EventBridge `PutPermission` adds without a `policy`.
fn put_permission_policy(p: &Value, bus_arn: &str) -> Value {
    let principal = text(p, "principal").unwrap_or("");
    let principal = if principal == "*" {
        json!("*")
    } else {
        json!({ "AWS": principal })
    };
    let mut stmt = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": text(p, "action").unwrap_or("events:PutEvents"),
        "Resource": bus_arn,
    });
    if let Some(sid) = text(p, "statementId") {
        stmt["Sid"] = json!(sid);
    }
    if let Some(c) = get(p, "condition")
        && let (Some(op), Some(key), Some(value)) =
            (text(c, "type"), text(c, "key"), text(c, "value"))
    {
        let mut keys = Map::new();
        keys.insert(key.to_string(), json!(value));
        let mut ops = Map::new();
        ops.insert(op.to_string(), Value::Object(keys));
        stmt["Condition"] = Value::Object(ops);
    }
    json!({ "Version": "2012-10-17", "Statement": [stmt] })
}
