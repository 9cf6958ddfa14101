//! Customer managed policies attached to nothing.

use super::iam_grants as g;
use super::posture::{PostureCtx, finding, seed, ts};
use super::{Partial, Severity, rule_info};
use crate::iam::details::{AccountDetails, ManagedPolicy};
use crate::iam::policy::Policy;

rule_info! {
    id: "unattached-policy",
    anti_pattern: "5",
    severity: Medium,
    title: "Customer managed policy attached to nothing",
    inputs: [IamDetails],
    what: "Customer managed policies with `AttachmentCount` 0 that are not a permissions boundary either (`PermissionsBoundaryUsageCount` 0 or absent), and that no user, group or role in the details names. Low; medium when the default version allows every action on every resource. Evidence: the versions, creation and update dates, and what the default version grants. AWS managed policies and policies whose `AttachmentCount` is not in the details are skipped.",
    why: "Unattached policies are clutter that nobody reviews: they are left over from removed principals and experiments, count against the account's quota, and can be attached again in one call. One that grants `*` on `*` is a loaded gun: whoever can call `iam:AttachUserPolicy` or `iam:AttachRolePolicy` becomes an administrator with a single, innocent-looking request.",
    fix: "Confirm nothing needs the policy (check infrastructure-as-code too), then delete it: its non-default versions first (`aws iam delete-policy-version --policy-arn ARN --version-id vN`), then `aws iam delete-policy --policy-arn ARN`.",
}

/// Whether a user, group or role of the account attaches `arn` or uses it as a boundary: the
/// details disagree with `AttachmentCount` (pages exported at different times).
fn named_by_an_entity(acct: &AccountDetails, arn: &str) -> bool {
    let attached = |list: &[crate::iam::details::AttachedPolicy]| list.iter().any(|a| a.arn == arn);
    acct.users
        .iter()
        .any(|u| attached(&u.attached) || u.permissions_boundary.as_deref() == Some(arn))
        || acct.groups.iter().any(|gr| attached(&gr.attached))
        || acct
            .roles
            .iter()
            .any(|r| attached(&r.attached) || r.permissions_boundary.as_deref() == Some(arn))
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    for acct in inv.accounts.values() {
        for pol in &acct.policies {
            if pol.aws_managed
                || pol.attachment_count != Some(0)
                || pol.permissions_boundary_usage_count.unwrap_or(0) > 0
                || named_by_an_entity(acct, &pol.arn)
            {
                continue;
            }
            out.push(report(acct, pol));
        }
    }
    Ok(())
}

/// What the default version grants: (evidence, allows everything).
fn default_grants(pol: &ManagedPolicy) -> (Vec<(&'static str, String)>, bool) {
    let Some(doc) = &pol.default_document else {
        return (
            vec![(
                "default_version_allows_everything",
                "unknown: the policy's versions are not in the details".to_string(),
            )],
            false,
        );
    };
    let policy = match Policy::from_value(doc) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(policy = %pol.arn, error = %e, "unattached-policy: default version does not parse");
            return (
                vec![
                    (
                        "default_version_allows_everything",
                        "unknown: the default version does not parse".to_string(),
                    ),
                    (
                        "unparsed_policies",
                        format!("{} (default version): {e}", pol.arn),
                    ),
                ],
                false,
            );
        }
    };
    let mut ev = Vec::new();
    let cancelled = policy.statements.iter().any(g::denies_everything);
    let mut all = false;
    for (i, st) in policy.statements.iter().enumerate() {
        if st.allows_everything() && !cancelled {
            all = true;
            ev.push((
                "default_version_allows_everything",
                format!("yes: {} allows * on *", st.label(i)),
            ));
        } else if let Some(what) = g::near_admin(st).filter(|_| !cancelled) {
            ev.push((
                "default_version_near_admin",
                format!("{} allows {what}", st.label(i)),
            ));
        }
    }
    if !all {
        ev.push(("default_version_allows_everything", "no".to_string()));
    }
    (ev, all)
}

fn report(acct: &AccountDetails, pol: &ManagedPolicy) -> Partial {
    let (grants, all) = default_grants(pol);
    let arn = &pol.arn;
    let title = if all {
        format!(
            "Customer managed policy {} allows * on * and is attached to nothing",
            pol.name
        )
    } else {
        format!(
            "Customer managed policy {} is attached to nothing",
            pol.name
        )
    };
    let mut steps: Vec<String> = pol
        .other_versions
        .iter()
        .map(|v| {
            format!(
                "`aws iam delete-policy-version --policy-arn {arn} --version-id {}`",
                v.version_id
            )
        })
        .collect();
    steps.push(format!("`aws iam delete-policy --policy-arn {arn}`"));
    let remediation = format!(
        "Confirm nothing needs {} (search your infrastructure code for its name), then delete it{}: {}.",
        pol.name,
        if pol.other_versions.is_empty() {
            ""
        } else {
            ", non-default versions first"
        },
        steps.join("; ")
    );
    let mut f = finding(
        &INFO,
        arn,
        seed(
            if all { Severity::Medium } else { Severity::Low },
            title,
            &acct.account,
            arn,
            "ManagedPolicy",
            remediation,
        ),
    );
    let default = pol.default_version_id.as_deref().unwrap_or("?");
    f.evidence("versions", &format!("{default} (default)"));
    for v in &pol.other_versions {
        f.evidence(
            "versions",
            &match v.create_date {
                Some(t) => format!("{} (created {})", v.version_id, ts(t)),
                None => v.version_id.clone(),
            },
        );
        if Policy::from_value(&v.document)
            .is_ok_and(|p| p.statements.iter().any(|s| s.allows_everything()))
        {
            f.evidence(
                "other_versions_allowing_everything",
                &format!(
                    "{} (not in effect; one iam:SetDefaultPolicyVersion away)",
                    v.version_id
                ),
            );
        }
    }
    if let Some(t) = pol.create_date {
        f.evidence("created", &ts(t));
    }
    if let Some(t) = pol.update_date {
        f.evidence("updated", &ts(t));
    }
    if let Some(d) = &pol.description {
        f.evidence("description", d);
    }
    f.evidence(
        "attachments",
        &format!(
            "AttachmentCount {}, PermissionsBoundaryUsageCount {}",
            pol.attachment_count.unwrap_or(0),
            pol.permissions_boundary_usage_count
                .map_or("absent".to_string(), |c| c.to_string())
        ),
    );
    for (k, v) in &grants {
        f.evidence(k, v);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Trusted;
    use crate::iam::details::Inventory;
    use crate::usage::Usage;
    use serde_json::{Value, json};

    fn policy(name: &str, counts: Value, versions: Value) -> Value {
        let mut p = json!({"PolicyName": name, "Arn": format!("arn:aws:iam::111122223333:policy/{name}"),
            "DefaultVersionId": "v2", "PolicyVersionList": versions,
            "CreateDate": "2020-01-01T00:00:00Z", "UpdateDate": "2021-01-01T00:00:00Z"});
        for (k, v) in counts.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    }

    #[test]
    fn unattached() {
        let all = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let some =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]});
        let v = |doc: &Value| {
            json!([{"VersionId": "v2", "IsDefaultVersion": true, "Document": doc},
                   {"VersionId": "v1", "IsDefaultVersion": false, "CreateDate": "2020-01-01T00:00:00Z", "Document": all}])
        };
        let details = json!({
            "UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u",
                "AttachedManagedPolicies": [{"PolicyName": "Stale", "PolicyArn": "arn:aws:iam::111122223333:policy/Stale"}]}],
            "Policies": [
                policy("Gun", json!({"AttachmentCount": 0}), v(&all)),
                policy("Old", json!({"AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0}), v(&some)),
                policy("Boundary", json!({"AttachmentCount": 0, "PermissionsBoundaryUsageCount": 2}), v(&some)),
                policy("Used", json!({"AttachmentCount": 3}), v(&some)),
                policy("NoCounts", json!({}), v(&some)),
                policy("Stale", json!({"AttachmentCount": 0}), v(&some)),
                policy("Broken", json!({"AttachmentCount": 0}),
                    json!([{"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow"}]}}])),
                {"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "AttachmentCount": 0}
            ]
        });
        let inv = Inventory::parse_bytes("t.json", details.to_string().as_bytes()).unwrap();
        let (usage, trusted) = (Usage::default(), Trusted::default());
        let ctx = PostureCtx {
            window: None,
            max_key_age_days: 90,
            trusted: &trusted,
            inventory: Some(&inv),
            reports: &[],
            usage: &usage,
            cloudtrail: false,
        };
        let mut out = Vec::new();
        check(&ctx, &mut out).unwrap();
        let who: Vec<(&str, Severity)> = out
            .iter()
            .map(|p| (p.principal.as_str(), p.severity))
            .collect();
        assert_eq!(
            who,
            [
                ("arn:aws:iam::111122223333:policy/Broken", Severity::Low),
                ("arn:aws:iam::111122223333:policy/Gun", Severity::Medium),
                ("arn:aws:iam::111122223333:policy/Old", Severity::Low),
            ]
        );
        let ev = |p: &Partial, k: &str| -> Vec<String> { p.evidence_text(k) };
        let gun = &out[1];
        assert_eq!(gun.principal_type, "ManagedPolicy");
        assert_eq!(
            gun.title,
            "Customer managed policy Gun allows * on * and is attached to nothing"
        );
        assert_eq!(
            ev(gun, "default_version_allows_everything"),
            ["yes: Statement[0] allows * on *"]
        );
        assert_eq!(
            ev(gun, "versions"),
            ["v1 (created 2020-01-01T00:00:00Z)", "v2 (default)"]
        );
        assert_eq!(ev(gun, "created"), ["2020-01-01T00:00:00Z"]);
        assert_eq!(
            gun.remediation,
            "Confirm nothing needs Gun (search your infrastructure code for its name), then delete it, non-default versions first: `aws iam delete-policy-version --policy-arn arn:aws:iam::111122223333:policy/Gun --version-id v1`; `aws iam delete-policy --policy-arn arn:aws:iam::111122223333:policy/Gun`."
        );
        assert_eq!(ev(&out[2], "default_version_allows_everything"), ["no"]);
        assert_eq!(
            ev(&out[2], "other_versions_allowing_everything"),
            ["v1 (not in effect; one iam:SetDefaultPolicyVersion away)"]
        );
        assert_eq!(
            ev(&out[0], "unparsed_policies"),
            [
                "arn:aws:iam::111122223333:policy/Broken (default version): Statement[0]: missing Action or NotAction"
            ]
        );
    }
}
