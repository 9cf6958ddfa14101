//! Permissions a call needed that CloudTrail never logs as a call of their own, read from the
//! request. `iam:PassRole` is the main one: `lambda:CreateFunction` with a `role` parameter
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

/// One row: a call, and the request parameter that names a role it passes.
#[derive(Debug)]
pub struct Rule {
    /// `eventSource`.
    pub source: &'static str,
    /// `eventName`s (CloudTrail's names, with Lambda's API-version suffixes).
    pub names: &'static [&'static str],
    /// Path in `requestParameters`. An array on the way is searched element by element.
    pub path: &'static [&'static str],
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

/// The rows, by event source.
pub const RULES: &[Rule] = &[
    Rule {
        source: "cloudformation.amazonaws.com",
        names: &["CreateStack", "UpdateStack", "CreateChangeSet"],
        path: &["roleARN"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "codebuild.amazonaws.com",
        names: &["CreateProject", "UpdateProject"],
        path: &["serviceRole"],
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
        path: &["iamInstanceProfile", "arn"],
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
        path: &["iamInstanceProfile", "name"],
        action: "iam:PassRole",
        instance_profile: true,
    },
    Rule {
        source: "ecs.amazonaws.com",
        names: &["RegisterTaskDefinition"],
        path: &["taskRoleArn"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "ecs.amazonaws.com",
        names: &["RegisterTaskDefinition"],
        path: &["executionRoleArn"],
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
        path: &["role"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "glue.amazonaws.com",
        names: &["UpdateJob"],
        path: &["jobUpdate", "role"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "lambda.amazonaws.com",
        names: LAMBDA_CREATE,
        path: &["role"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "lambda.amazonaws.com",
        names: LAMBDA_UPDATE,
        path: &["role"],
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
        path: &["roleArn"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "sagemaker.amazonaws.com",
        names: &["CreateModel"],
        path: &["executionRoleArn"],
        action: "iam:PassRole",
        instance_profile: false,
    },
    Rule {
        source: "states.amazonaws.com",
        names: &["CreateStateMachine", "UpdateStateMachine"],
        path: &["roleArn"],
        action: "iam:PassRole",
        instance_profile: false,
    },
];

/// What a request passed: the permission and the role ARN (`None`: named another way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passed<'i> {
    /// The rule's permission (`iam:PassRole`).
    pub action: &'static str,
    /// The role ARN, when the parameter holds one.
    pub role_arn: Option<&'i str>,
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
    let (Some(source), Some(name), Some(params)) =
        (e.event_source, e.event_name, e.request_parameters)
    else {
        return out;
    };
    for r in RULES
        .iter()
        .filter(|r| r.source == source && r.names.contains(&name))
    {
        let mut found = Vec::new();
        values(params, r.path, &mut found);
        for v in found {
            let is_role_arn = !r.instance_profile
                && crate::iam::arn::Arn::parse(v)
                    .is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"));
            let p = Passed {
                action: r.action,
                role_arn: is_role_arn.then_some(v),
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
            .map(|p| (p.action.to_string(), p.role_arn.map(str::to_string)))
            .collect()
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
