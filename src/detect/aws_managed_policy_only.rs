//! Users and roles whose only policies are AWS managed policies.

use super::iam_grants::{self as g, Principal};
use super::posture::{PostureCtx, finding, seed};
use super::{Partial, Severity, rule_info};
use crate::iam::details::SourceKind;

rule_info! {
    id: "aws-managed-policy-only",
    anti_pattern: "4",
    severity: Low,
    title: "Permissions only from AWS managed policies",
    inputs: [IamDetails],
    what: "IAM users and roles whose only policies are AWS managed policies (`arn:aws:iam::aws:policy/...`), attached to them or (for users) to their groups: no inline and no customer managed policy. One finding per principal, listing the AWS managed policies. Principals with no policy at all, service-linked roles, and users in a group missing from the details are skipped.",
    why: "AWS managed policies are written for every customer at once, so they are broad (`ReadOnlyAccess` reads every S3 object and secret value it can reach; `AmazonS3FullAccess` is every bucket) and AWS adds actions to them without notice. A principal that has only them was never given least privilege.",
    fix: "Write a customer managed policy scoped to what the principal does (its CloudTrail activity in `activity.parquet`, or IAM Access Analyzer policy generation), attach it (`aws iam create-policy`, `aws iam attach-user-policy` / `attach-role-policy`), then detach the AWS managed ones (`aws iam detach-user-policy` / `detach-role-policy` / `detach-group-policy`). For IAM Identity Center `AWSReservedSSO_*` roles, change the permission set.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    for p in g::principals(inv) {
        let only_aws = !p.sources.is_empty()
            && p.sources.iter().all(|s| {
                matches!(
                    s.kind,
                    SourceKind::Managed { aws_managed: true }
                        | SourceKind::GroupManaged {
                            aws_managed: true,
                            ..
                        }
                )
            });
        if only_aws {
            out.push(report(ctx, &p));
        }
    }
    Ok(())
}

fn report(ctx: &PostureCtx<'_>, p: &Principal<'_>) -> Partial {
    let name = p.name();
    let mut names: Vec<&str> = Vec::new();
    for s in &p.sources {
        if !names.contains(&s.name) {
            names.push(s.name);
        }
    }
    let title = format!(
        "{} {name} has only AWS managed policies ({})",
        p.noun(),
        names.join(", ")
    );
    let remediation = match p.permission_set() {
        Some(set) => format!(
            "{name} is managed by IAM Identity Center: in permission set {set}, replace the AWS managed policies with an inline policy or a customer managed policy reference scoped to what its users do."
        ),
        None => {
            let kind = p.cli_kind();
            let scoped = format!("{name}-scoped");
            let arn = format!(
                "arn:{}:iam::{}:policy/{scoped}",
                p.account.partition, p.account.account
            );
            let detach: Vec<String> = p
                .sources
                .iter()
                .map(|s| format!("`{}`", g::removal(p, s)))
                .collect();
            format!(
                "Write a policy scoped to what {name} does (its CloudTrail activity in activity.parquet, or IAM Access Analyzer policy generation) and attach it: `aws iam create-policy --policy-name {scoped} --policy-document file://{scoped}.json`; `aws iam attach-{kind}-policy --{kind}-name {name} --policy-arn {arn}`. Then detach the AWS managed policies: {}.",
                detach.join("; ")
            )
        }
    };
    let mut f = finding(
        &INFO,
        p.arn(),
        seed(
            Severity::Low,
            title,
            &p.account.account,
            p.arn(),
            p.principal_type(),
            remediation,
        ),
    );
    for s in &p.sources {
        f.evidence("aws_managed_policies", &g::describe(s));
        if s.document.is_none() {
            f.evidence("documents_not_in_details", s.arn.unwrap_or(s.name));
        }
    }
    f.evidence(
        "cloudtrail_activity",
        &g::activity(ctx, &p.account.account, p.arn()),
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Trusted;
    use crate::iam::details::Inventory;
    use crate::usage::Usage;
    use serde_json::json;

    #[test]
    fn only_aws_managed() {
        let ro = json!({"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"});
        let mine =
            json!({"PolicyName": "Mine", "PolicyArn": "arn:aws:iam::111122223333:policy/Mine"});
        let details = json!({
            "UserDetailList": [
                {"UserName": "direct", "Arn": "arn:aws:iam::111122223333:user/direct", "AttachedManagedPolicies": [ro]},
                {"UserName": "via-group", "Arn": "arn:aws:iam::111122223333:user/via-group", "GroupList": ["readers"]},
                {"UserName": "mixed", "Arn": "arn:aws:iam::111122223333:user/mixed", "GroupList": ["readers"],
                 "AttachedManagedPolicies": [mine]},
                {"UserName": "nothing", "Arn": "arn:aws:iam::111122223333:user/nothing"}],
            "GroupDetailList": [
                {"GroupName": "readers", "Arn": "arn:aws:iam::111122223333:group/readers", "AttachedManagedPolicies": [ro]}],
            "RoleDetailList": [
                {"RoleName": "AWSServiceRoleForX", "Path": "/aws-service-role/x.amazonaws.com/",
                 "Arn": "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
                 "AttachedManagedPolicies": [{"PolicyName": "XServiceRolePolicy", "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/XServiceRolePolicy"}]},
                {"RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/app", "AttachedManagedPolicies": [ro]}]
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
        let who: Vec<&str> = out.iter().map(|p| p.principal.as_str()).collect();
        assert_eq!(
            who,
            [
                "arn:aws:iam::111122223333:user/direct",
                "arn:aws:iam::111122223333:user/via-group",
                "arn:aws:iam::111122223333:role/app"
            ]
        );
        assert_eq!(
            out[1].title,
            "User via-group has only AWS managed policies (ReadOnlyAccess)"
        );
        assert_eq!(
            out[1].evidence_text("aws_managed_policies"),
            ["group readers: AWS managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"]
        );
        assert_eq!(
            out[2].remediation,
            "Write a policy scoped to what app does (its CloudTrail activity in activity.parquet, or IAM Access Analyzer policy generation) and attach it: `aws iam create-policy --policy-name app-scoped --policy-document file://app-scoped.json`; `aws iam attach-role-policy --role-name app --policy-arn arn:aws:iam::111122223333:policy/app-scoped`. Then detach the AWS managed policies: `aws iam detach-role-policy --role-name app --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess`."
        );
    }
}
