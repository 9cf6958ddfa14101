//! Users and roles whose permissions come only from inline policies.

use super::iam_grants::{self as g, Principal};
use super::posture::{PostureCtx, finding, seed};
use super::{Partial, Severity, rule_info};
use crate::iam::details::SourceKind;

rule_info! {
    id: "inline-policy-only",
    anti_pattern: "4, 5",
    severity: Low,
    title: "Permissions only from inline policies",
    inputs: [IamDetails],
    what: "IAM users and roles whose permissions come only from inline policies: their own, or (for users) their groups' inline policies, with no managed policy attached to them or their groups. One finding per principal, naming the inline policies. Principals with no policy at all, service-linked roles, and users in a group missing from the details (its policies are unknown) are skipped.",
    why: "Inline policies have no versions (a change cannot be rolled back or reviewed as a diff), cannot be reused (the same grant is copied from principal to principal and drifts), and do not show up in policy listings, so they escape reviews and least-privilege work. They are also where hand-written `*` grants hide.",
    fix: "Turn each inline policy into a customer managed policy and attach it: `aws iam get-user-policy` (or `get-role-policy`) to read it, `aws iam create-policy --policy-document file://p.json`, `aws iam attach-user-policy` (or `attach-role-policy`), then `aws iam delete-user-policy` (or `delete-role-policy`). For IAM Identity Center `AWSReservedSSO_*` roles, move the permission set's inline policy into a customer managed policy reference.",
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    for p in g::principals(inv) {
        let only_inline = !p.sources.is_empty()
            && p.sources
                .iter()
                .all(|s| matches!(s.kind, SourceKind::Inline | SourceKind::GroupInline { .. }));
        if only_inline {
            out.push(report(ctx, &p));
        }
    }
    Ok(())
}

fn report(ctx: &PostureCtx<'_>, p: &Principal<'_>) -> Partial {
    let name = p.name();
    let names: Vec<String> = p.sources.iter().map(g::short).collect();
    let title = format!(
        "{} {name} gets its permissions only from inline policies ({}), no managed policy",
        p.noun(),
        names.join(", ")
    );
    let remediation = match p.permission_set() {
        Some(set) => format!(
            "{name} is managed by IAM Identity Center: in permission set {set}, move the inline policy into a customer managed policy (created in each account) and reference it from the permission set instead."
        ),
        None => {
            let s = &p.sources[0];
            let arn = format!(
                "arn:{}:iam::{}:policy/{}",
                p.account.partition, p.account.account, s.name
            );
            let (kind, owner) = match s.kind {
                SourceKind::GroupInline { group } => ("group", group),
                _ => (p.cli_kind(), name),
            };
            let more = if p.sources.len() > 1 {
                " Do the same for the other inline policies."
            } else {
                ""
            };
            format!(
                "Make inline policy {0} a customer managed policy and attach it instead: `aws iam get-{kind}-policy --{kind}-name {owner} --policy-name {0} --query PolicyDocument > {0}.json`; `aws iam create-policy --policy-name {0} --policy-document file://{0}.json`; `aws iam attach-{kind}-policy --{kind}-name {owner} --policy-arn {arn}`; `aws iam delete-{kind}-policy --{kind}-name {owner} --policy-name {0}`.{more}",
                s.name
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
        f.evidence("inline_policies", &g::describe(s));
        if let SourceKind::GroupInline { group } = s.kind {
            f.evidence("groups", group);
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
    fn only_inline() {
        let doc =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        let details = json!({
            "UserDetailList": [
                {"UserName": "own", "Arn": "arn:aws:iam::111122223333:user/own",
                 "UserPolicyList": [{"PolicyName": "a", "PolicyDocument": doc}, {"PolicyName": "b", "PolicyDocument": doc}]},
                {"UserName": "via-group", "Arn": "arn:aws:iam::111122223333:user/via-group", "GroupList": ["scripts"]},
                {"UserName": "mixed", "Arn": "arn:aws:iam::111122223333:user/mixed", "GroupList": ["readers"],
                 "UserPolicyList": [{"PolicyName": "a", "PolicyDocument": doc}]},
                {"UserName": "nothing", "Arn": "arn:aws:iam::111122223333:user/nothing"},
                {"UserName": "lost", "Arn": "arn:aws:iam::111122223333:user/lost", "GroupList": ["gone"],
                 "UserPolicyList": [{"PolicyName": "a", "PolicyDocument": doc}]}],
            "GroupDetailList": [
                {"GroupName": "scripts", "Arn": "arn:aws:iam::111122223333:group/scripts",
                 "GroupPolicyList": [{"PolicyName": "run", "PolicyDocument": doc}]},
                {"GroupName": "readers", "Arn": "arn:aws:iam::111122223333:group/readers",
                 "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],
            "RoleDetailList": [
                {"RoleName": "AWSServiceRoleForX", "Path": "/aws-service-role/x.amazonaws.com/",
                 "Arn": "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
                 "RolePolicyList": [{"PolicyName": "a", "PolicyDocument": doc}]}]
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
            cloudtrail: true,
        };
        let mut out = Vec::new();
        check(&ctx, &mut out).unwrap();
        let who: Vec<&str> = out.iter().map(|p| p.principal.as_str()).collect();
        assert_eq!(
            who,
            [
                "arn:aws:iam::111122223333:user/own",
                "arn:aws:iam::111122223333:user/via-group"
            ]
        );
        assert_eq!(
            out[0].title,
            "User own gets its permissions only from inline policies (inline policy a, inline policy b), no managed policy"
        );
        assert!(out[0].remediation.ends_with("`aws iam delete-user-policy --user-name own --policy-name a`. Do the same for the other inline policies."), "{}", out[0].remediation);
        assert_eq!(
            out[0].evidence_text("cloudtrail_activity")[0],
            "CloudTrail saw no activity by it; no CloudTrail event was read for 111122223333"
        );
        assert_eq!(
            out[1].remediation,
            "Make inline policy run a customer managed policy and attach it instead: `aws iam get-group-policy --group-name scripts --policy-name run --query PolicyDocument > run.json`; `aws iam create-policy --policy-name run --policy-document file://run.json`; `aws iam attach-group-policy --group-name scripts --policy-arn arn:aws:iam::111122223333:policy/run`; `aws iam delete-group-policy --group-name scripts --policy-name run`."
        );
        assert_eq!(out[1].evidence_text("groups"), ["scripts"]);
    }
}
