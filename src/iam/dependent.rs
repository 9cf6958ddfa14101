//! Permissions a call needed that CloudTrail never logs as a call of their own, read from the
//! request (and, for SSE-KMS, from the response headers S3 logs). `iam:PassRole` is the main one: `lambda:CreateFunction` with a `role` parameter
//! needs `iam:PassRole` on that role, though no `PassRole` event is ever written. A suggestion
//! that left it out would break the next deployment.
//!
//! Table-driven ([`RULES`]): one row per event and request parameter, each documented by the
//! service as a role AWS assumes on the caller's behalf (the IAM user guide, "Granting a user
//! permissions to pass a role to an AWS service"). Only successful calls are read. A value that
//! is a role ARN becomes the resource; a role *name* (Glue accepts one) or an instance profile
//! leaves the resource unknown, and the suggestion then takes the granting statements' own
//! resources for it.

use simd_json::prelude::*;

use crate::event::{Event, Json};

/// The event source under which inferred permissions are kept in the usage (no real event
/// source has this form, so no call can be taken for one).
pub const INFERRED_SOURCE: &str = "trailguard:inferred";

/// Which part of an event a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// `requestParameters`.
    Request,
    /// `responseElements`.
    Response,
    /// `additionalEventData`.
    Additional,
}

/// One row: a call, and the part of the event that names what else it needed.
#[derive(Debug)]
pub struct Rule {
    /// `eventSource`.
    pub source: &'static str,
    /// `eventName`s (CloudTrail's names, with Lambda's API-version suffixes).
    pub names: &'static [&'static str],
    /// Where the value is read.
    pub part: Part,
    /// Path in that part. An array on the way is searched element by element.
    pub path: &'static [&'static str],
    /// The value must be this for the call to need the permission, whose resource is then not
    /// known from the event (`SSEApplied: SSE_KMS` says a key was used, not which).
    pub equals: Option<&'static str>,
    /// The permission the call needed.
    pub action: &'static str,
    /// The value is an instance profile (its role is found in the details), not a role.
    pub instance_profile: bool,
}

const LAMBDA_CREATE: &[&str] = &["CreateFunction", "CreateFunction20150331"];
const LAMBDA_UPDATE: &[&str] = &[
    "UpdateFunctionConfiguration",
    "UpdateFunctionConfiguration20150331",
    "UpdateFunctionConfiguration20150331v2",
];

const S3: &str = "s3.amazonaws.com";
/// The response (and request) header naming the KMS key of an SSE-KMS object.
const SSE_KEY: &str = "x-amz-server-side-encryption-aws-kms-key-id";
const S3_UPLOADS: &[&str] = &["PutObject", "CopyObject", "CreateMultipartUpload"];
const S3_MULTIPART: &[&str] = &[
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
];

/// The rows, by event source.
pub const RULES: &[Rule] = &[
    Rule {
        source: "cloudformation.amazonaws.com",
        names: &["CreateStack", "UpdateStack", "CreateChangeSet"],
        part: Part::Request,
        path: &["roleARN"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "codebuild.amazonaws.com",
        names: &["CreateProject", "UpdateProject"],
        part: Part::Request,
        path: &["serviceRole"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "ec2.amazonaws.com",
        names: &[
            "RunInstances",
            "AssociateIamInstanceProfile",
            "ReplaceIamInstanceProfileAssociation",
        ],
        part: Part::Request,
        path: &["iamInstanceProfile", "arn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: true,
    },
    Rule {
        source: "ec2.amazonaws.com",
        names: &[
            "RunInstances",
            "AssociateIamInstanceProfile",
            "ReplaceIamInstanceProfileAssociation",
        ],
        part: Part::Request,
        path: &["iamInstanceProfile", "name"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: true,
    },
    Rule {
        source: "ecs.amazonaws.com",
        names: &["RegisterTaskDefinition"],
        part: Part::Request,
        path: &["taskRoleArn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "ecs.amazonaws.com",
        names: &["RegisterTaskDefinition"],
        part: Part::Request,
        path: &["executionRoleArn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "glue.amazonaws.com",
        names: &[
            "CreateJob",
            "CreateCrawler",
            "UpdateCrawler",
            "CreateDevEndpoint",
        ],
        part: Part::Request,
        path: &["role"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "glue.amazonaws.com",
        names: &["UpdateJob"],
        part: Part::Request,
        path: &["jobUpdate", "role"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "lambda.amazonaws.com",
        names: LAMBDA_CREATE,
        part: Part::Request,
        path: &["role"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "lambda.amazonaws.com",
        names: LAMBDA_UPDATE,
        part: Part::Request,
        path: &["role"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "sagemaker.amazonaws.com",
        names: &[
            "CreateTrainingJob",
            "CreateProcessingJob",
            "CreateNotebookInstance",
            "CreateCompilationJob",
        ],
        part: Part::Request,
        path: &["roleArn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "sagemaker.amazonaws.com",
        names: &["CreateModel"],
        part: Part::Request,
        path: &["executionRoleArn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
    // SSE-KMS (the S3 user guide, "Using server-side encryption with AWS KMS keys"): an
    // upload encrypted under a KMS key needs `kms:GenerateDataKey` on it, a multipart upload
    // `kms:Decrypt` too, a download `kms:Decrypt`. S3 makes the KMS calls, so a trail that
    // leaves KMS events out shows none of them; the key is in the response's headers (or the
    // request's, when the caller named it).
    Rule {
        source: S3,
        names: S3_UPLOADS,
        part: Part::Response,
        path: &[SSE_KEY],
        equals: None,
        action: "kms:GenerateDataKey",
        instance_profile: false,
    },
    Rule {
        source: S3,
        names: S3_UPLOADS,
        part: Part::Request,
        path: &[SSE_KEY],
        equals: None,
        action: "kms:GenerateDataKey",
        instance_profile: false,
    },
    Rule {
        source: S3,
        names: S3_MULTIPART,
        part: Part::Response,
        path: &[SSE_KEY],
        equals: None,
        action: "kms:Decrypt",
        instance_profile: false,
    },
    Rule {
        source: S3,
        names: &["GetObject"],
        part: Part::Additional,
        path: &["SSEApplied"],
        equals: Some("SSE_KMS"),
        action: "kms:Decrypt",
        instance_profile: false,
    },
    Rule {
        source: "states.amazonaws.com",
        names: &["CreateStateMachine", "UpdateStateMachine"],
        part: Part::Request,
        path: &["roleArn"],
        equals: None,
        action: "iam:PassRole",
        instance_profile: false,
    },
];

/// What a request passed: the permission and the role ARN (`None`: named another way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed<'i> {
    /// The rule's permission (`iam:PassRole`).
    pub action: &'static str,
    /// The resource's ARN (the role, the KMS key), when the value is one.
    pub arn: Option<&'i str>,
    /// The instance profile (name or ARN) whose role is passed, for EC2's calls.
    pub instance_profile: Option<&'i str>,
}

/// Values read per rule and event: a request is written by the caller, and a list of a
/// million roles must cost no more than this.
pub const MAX_VALUES: usize = 16;

/// The strings at `path` below `v`; an array on the way (one level, as `targets[]`) is read
/// element by element. At most [`MAX_VALUES`].
fn values<'t, 'i>(v: Json<'t, 'i>, path: &[&str], out: &mut Vec<&'i str>) {
    if let Some(a) = v.as_array() {
        for x in a.iter() {
            if out.len() >= MAX_VALUES {
                return;
            }
            if x.as_array().is_none() {
                values(x, path, out);
            }
        }
        return;
    }
    if out.len() >= MAX_VALUES {
        return;
    }
    match path.split_first() {
        None => {
            if let Some(s) = v.into_string()
                && !s.is_empty()
            {
                out.push(s);
            }
        }
        Some((k, rest)) => {
            if let Some(x) = v.get(*k) {
                values(x, rest, out);
            }
        }
    }
}

/// Whether an event may carry a dependent permission (cheap: source and name only).
pub fn may_pass(source: &str, name: &str) -> bool {
    RULES
        .iter()
        .any(|r| r.source == source && r.names.contains(&name))
}

/// The dependent permissions of one event, from its `requestParameters`.
pub fn passed<'i>(e: &Event<'_, 'i>) -> Vec<Passed<'i>> {
    let mut out = Vec::new();
    let (Some(source), Some(name)) = (e.event_source, e.event_name) else {
        return out;
    };
    for r in RULES
        .iter()
        .filter(|r| r.source == source && r.names.contains(&name))
    {
        let part = match r.part {
            Part::Request => e.request_parameters,
            Part::Response => e.response_elements,
            Part::Additional => e.additional_event_data,
        };
        let Some(part) = part else {
            continue;
        };
        let mut found = Vec::new();
        values(part, r.path, &mut found);
        let (service, prefix) = if r.action.starts_with("kms:") {
            ("kms", "key/")
        } else {
            ("iam", "role/")
        };
        for v in found {
            if r.equals.is_some_and(|want| want != v) {
                continue;
            }
            let is_arn = r.equals.is_none()
                && !r.instance_profile
                && crate::iam::arn::Arn::parse(v)
                    .is_some_and(|a| a.service == service && a.resource.starts_with(prefix));
            let p = Passed {
                action: r.action,
                arn: is_arn.then_some(v),
                instance_profile: r.instance_profile.then_some(v),
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::catalog::catalog;

    #[test]
    fn every_row_names_a_catalog_action_and_a_known_source() {
        for r in RULES {
            assert!(catalog().lookup(r.action).is_some(), "{}", r.action);
            assert!(
                catalog().has_service(crate::iam::mapping::service_prefix(r.source)),
                "{}",
                r.source
            );
            assert!(!r.names.is_empty() && !r.path.is_empty());
        }
    }

    fn passed_by(
        source: &str,
        name: &str,
        params: serde_json::Value,
    ) -> Vec<(String, Option<String>)> {
        let ev = serde_json::json!({"eventVersion": "1.09", "eventTime": "2024-06-02T10:00:00Z",
            "eventSource": source, "eventName": name, "eventID": "e1",
            "requestParameters": params});
        let mut buf = serde_json::to_vec(&ev).unwrap();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let e = Event::from_value(tape.as_value()).unwrap();
        passed(&e)
            .into_iter()
            .map(|p| (p.action.to_string(), p.arn.map(str::to_string)))
            .collect()
    }

    fn needed_by(ev: serde_json::Value) -> Vec<(String, Option<String>)> {
        let mut buf = serde_json::to_vec(&ev).unwrap();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let e = Event::from_value(tape.as_value()).unwrap();
        passed(&e)
            .into_iter()
            .map(|p| (p.action.to_string(), p.arn.map(str::to_string)))
            .collect()
    }

    #[test]
    fn sse_kms_uploads_and_downloads_need_the_key() {
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let ev = |name: &str, resp: serde_json::Value, extra: serde_json::Value| {
            serde_json::json!({"eventVersion": "1.09", "eventTime": "2024-06-02T10:00:00Z",
                "eventSource": "s3.amazonaws.com", "eventName": name, "eventID": "e1",
                "requestParameters": {"bucketName": "b", "key": "k"},
                "responseElements": resp, "additionalEventData": extra})
        };
        let kms = serde_json::json!({"x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": key});
        assert_eq!(
            needed_by(ev("PutObject", kms.clone(), serde_json::json!({}))),
            vec![("kms:GenerateDataKey".into(), Some(key.into()))]
        );
        assert_eq!(
            needed_by(ev(
                "CreateMultipartUpload",
                kms.clone(),
                serde_json::json!({})
            )),
            vec![
                ("kms:GenerateDataKey".into(), Some(key.into())),
                ("kms:Decrypt".into(), Some(key.into()))
            ]
        );
        // A download says only that a KMS key was used.
        assert_eq!(
            needed_by(ev(
                "GetObject",
                serde_json::Value::Null,
                serde_json::json!({"SSEApplied": "SSE_KMS"})
            )),
            vec![("kms:Decrypt".into(), None)]
        );
        // SSE-S3 needs nothing; a key given as an alias is a need without a known key.
        assert!(
            needed_by(ev(
                "GetObject",
                serde_json::Value::Null,
                serde_json::json!({"SSEApplied": "Default_SSE_S3"})
            ))
            .is_empty()
        );
        assert!(
            needed_by(ev(
                "PutObject",
                serde_json::json!({"x-amz-server-side-encryption": "AES256"}),
                serde_json::json!({})
            ))
            .is_empty()
        );
        assert_eq!(
            needed_by(ev(
                "PutObject",
                serde_json::json!({"x-amz-server-side-encryption-aws-kms-key-id": "alias/app"}),
                serde_json::json!({})
            )),
            vec![("kms:GenerateDataKey".into(), None)]
        );
    }

    #[test]
    fn roles_are_read_from_the_documented_parameters() {
        let role = "arn:aws:iam::111122223333:role/service-role/fn-exec";
        assert_eq!(
            passed_by(
                "lambda.amazonaws.com",
                "CreateFunction20150331",
                serde_json::json!({"functionName": "f", "role": role})
            ),
            vec![("iam:PassRole".into(), Some(role.into()))]
        );
        // Both ECS roles, each once.
        let exec = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";
        assert_eq!(
            passed_by(
                "ecs.amazonaws.com",
                "RegisterTaskDefinition",
                serde_json::json!({"family": "web", "taskRoleArn": role, "executionRoleArn": exec})
            )
            .len(),
            2
        );
        // A Glue role given by name: inferred, resource unknown.
        assert_eq!(
            passed_by(
                "glue.amazonaws.com",
                "CreateJob",
                serde_json::json!({"name": "j", "role": "GlueJobRole"})
            ),
            vec![("iam:PassRole".into(), None)]
        );
        // An instance profile: inferred, its role found elsewhere.
        assert_eq!(
            passed_by(
                "ec2.amazonaws.com",
                "RunInstances",
                serde_json::json!({"iamInstanceProfile": {"arn": "arn:aws:iam::111122223333:instance-profile/web"}})
            ),
            vec![("iam:PassRole".into(), None)]
        );
        // No role parameter, another event, or an empty value: nothing.
        assert!(
            passed_by(
                "lambda.amazonaws.com",
                "CreateFunction20150331",
                serde_json::json!({"functionName": "f"})
            )
            .is_empty()
        );
        assert!(
            passed_by(
                "lambda.amazonaws.com",
                "Invoke",
                serde_json::json!({"role": role})
            )
            .is_empty()
        );
        assert!(
            passed_by(
                "states.amazonaws.com",
                "CreateStateMachine",
                serde_json::json!({"roleArn": ""})
            )
            .is_empty()
        );
        // A hostile request: a huge list, nested lists. Bounded, no recursion into lists of
        // lists.
        let many: Vec<String> = (0..100_000)
            .map(|i| format!("arn:aws:iam::111122223333:role/r{i}"))
            .collect();
        assert_eq!(
            passed_by(
                "lambda.amazonaws.com",
                "CreateFunction20150331",
                serde_json::json!({"role": many})
            )
            .len(),
            MAX_VALUES
        );
        let nested = (0..200).fold(serde_json::json!(role), |v, _| serde_json::json!([v]));
        assert!(
            passed_by(
                "lambda.amazonaws.com",
                "CreateFunction20150331",
                serde_json::json!({"role": nested})
            )
            .is_empty()
        );
        assert!(may_pass("ecs.amazonaws.com", "RegisterTaskDefinition"));
        assert!(!may_pass("ecs.amazonaws.com", "ListClusters"));
    }
}
