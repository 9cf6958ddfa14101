//! Lambda: `AddPermission` for everyone, function URLs without authentication, public layer
//! versions.

use super::json::{get, text};
use super::{Change, Place, from_policy};
use crate::finding::Severity;
use serde_json::{Map, Value, json};

/// The function's ARN (without a version or alias) and its name, from `functionName` (a name,
/// `account:function:name`, or an ARN, each possibly with `:qualifier`).
pub(super) fn lambda_function(name: &str, at: &Place<'_>) -> (String, String) {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            fname,
            ..,
        ] => (
            format!("arn:{partition}:lambda:{region}:{account}:function:{fname}"),
            fname.to_string(),
        ),
        [account, "function", fname, ..] => (
            format!(
                "arn:{}:lambda:{}:{account}:function:{fname}",
                at.partition, at.region
            ),
            fname.to_string(),
        ),
        [fname, ..] => (
            at.arn("lambda", &format!("function:{fname}")),
            fname.to_string(),
        ),
        [] => (at.arn("lambda", "function:unknown"), "unknown".into()),
    }
}

/// The statement `AddPermission` adds, as a policy document.
fn add_permission_policy(p: &Value, function_arn: &str) -> Value {
    let principal = text(p, "principal").unwrap_or("");
    let principal = if principal == "*" {
        json!("*")
    } else if principal.starts_with("arn:") || crate::iam::is_account_id(principal) {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    };
    let mut equals = Map::new();
    for (param, key) in [
        ("sourceAccount", "AWS:SourceAccount"),
        ("principalOrgID", "aws:PrincipalOrgID"),
        ("functionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ("eventSourceToken", "lambda:EventSourceToken"),
    ] {
        if let Some(v) = text(p, param) {
            equals.insert(key.into(), json!(v));
        }
    }
    let mut cond = Map::new();
    if !equals.is_empty() {
        cond.insert("StringEquals".into(), Value::Object(equals));
    }
    if let Some(arn) = text(p, "sourceArn") {
        cond.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut stmt = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": text(p, "action").unwrap_or("lambda:InvokeFunction"),
        "Resource": function_arn,
    });
    if let Some(sid) = text(p, "statementId") {
        stmt["Sid"] = json!(sid);
    }
    if !cond.is_empty() {
        stmt["Condition"] = Value::Object(cond);
    }
    json!({ "Version": "2012-10-17", "Statement": [stmt] })
}

pub(super) fn lambda(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    match name {
        "AddPermission" => {
            let given = text(p, "functionName").unwrap_or("unknown");
            let (arn, fname) = lambda_function(given, at);
            let sid = text(p, "statementId")
                .unwrap_or("<statement-id>")
                .to_string();
            let qualifier = text(p, "qualifier")
                .map(|q| format!(" --qualifier {q}"))
                .unwrap_or_default();
            let doc = add_permission_policy(p, &arn);
            from_policy(
                Some(&doc),
                at.account,
                arn,
                format!("Lambda function {fname} made public"),
                |_| {
                    format!(
                        "Remove the permission: `aws lambda remove-permission --function-name {given} --statement-id {sid}{qualifier}` (and likewise any other statement in `policy_statement`); if a service must invoke the function, add it back with `--source-arn` and `--source-account`. If the function has a URL with AuthType NONE, require IAM: `aws lambda update-function-url-config --function-name {given} --auth-type AWS_IAM`."
                    )
                },
            )
        }
        "CreateFunctionUrlConfig" | "UpdateFunctionUrlConfig" => {
            if text(p, "authType") != Some("NONE") {
                return None;
            }
            let given = text(p, "functionName").unwrap_or("unknown");
            let (arn, fname) = lambda_function(given, at);
            let qualifier = text(p, "qualifier")
                .map(|q| format!(" --qualifier {q}"))
                .unwrap_or_default();
            let mut c = Change::public(
                arn.clone(),
                format!("Lambda function {fname} made public"),
                format!(
                    "Require IAM authentication on the function URL: `aws lambda update-function-url-config --function-name {given}{qualifier} --auth-type AWS_IAM` (or delete it: `aws lambda delete-function-url-config --function-name {given}{qualifier}`), and remove its public `lambda:InvokeFunctionUrl` permission: `aws lambda remove-permission --function-name {given}{qualifier} --statement-id FunctionURLAllowPublicAccess` (the console's statement id; see `policy_statement` for the one used)."
                ),
            );
            c.grants = vec![format!(
                "function URL with AuthType NONE: anyone may invoke {arn} over HTTPS"
            )];
            Some(c)
        }
        "AddLayerVersionPermission" => {
            if text(p, "principal") != Some("*") || text(p, "organizationId").is_some() {
                return None;
            }
            let layer = text(p, "layerName").unwrap_or("unknown");
            let version = get(p, "versionNumber")
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
                .unwrap_or_else(|| "?".into());
            let arn = if layer.starts_with("arn:") {
                format!("{layer}:{version}")
            } else {
                at.arn("lambda", &format!("layer:{layer}:{version}"))
            };
            let sid = text(p, "statementId").unwrap_or("<statement-id>");
            let action = text(p, "action").unwrap_or("lambda:GetLayerVersion");
            let mut c = Change::public(
                arn.clone(),
                format!("Lambda layer {layer} version {version} made public"),
                format!(
                    "Remove the permission: `aws lambda remove-layer-version-permission --layer-name {layer} --version-number {version} --statement-id {sid}`."
                ),
            );
            c.severity = Severity::Medium;
            c.grants = vec![format!("Principal * may {action} on {arn}")];
            c.statements = vec![sid.to_string()];
            Some(c)
        }
        _ => None,
    }
}
