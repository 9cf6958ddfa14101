//! Users and roles allowed every action on every resource.

use super::iam_grants::{self as g, Doc, Known, Principal};
use super::posture::{PostureCtx, finding, seed};
use super::{Partial, Severity, rule_info};
use crate::iam::details::PolicySource;
use crate::iam::policy::{Policy, Statement};

rule_info! {
    id: "admin-grant",
    anti_pattern: "4",
    severity: High,
    title: "User or role with full admin rights (* on *)",
    inputs: [IamDetails],
    what: "IAM users (through their own or their groups' policies) and roles allowed every action on every resource: AWS managed `AdministratorAccess`, or any inline or customer managed policy with an `Allow` of `\"Action\": \"*\"` (or `\"*:*\"`) on `\"Resource\": \"*\"`. One finding per principal (high), with the granting policies, whether the grant is conditional (and on which keys), the permissions boundary (and whether it allows everything too), `RoleLastUsed`, and whether CloudTrail saw the principal act. `NotAction` grants on `*` (\"everything except iam:*\") are reported as near-admin: medium when that is the only admin-like grant. An unconditional `Deny` of `*` on `*` among the same policies cancels everything (no finding). Service-linked roles are skipped; IAM Identity Center `AWSReservedSSO_*` roles are reported (the fix is in the permission set). `AdministratorAccess` and `PowerUserAccess` are recognized by ARN when their documents are not in the details.",
    why: "A principal with `*` on `*` can do anything, including creating new users and keys, disabling CloudTrail and deleting backups: whoever steals its credentials owns the account. Admin rights handed out for convenience are the most common way a small leak (a CI token, a developer's key) becomes a full compromise.",
    fix: "Give each principal a policy scoped to what it does (its CloudTrail activity in `activity.parquet`, or IAM Access Analyzer policy generation), then detach the admin policy (`aws iam detach-user-policy` / `detach-role-policy` / `detach-group-policy`, or `delete-*-policy` for inline ones). Keep full admin for a few break-glass roles that require MFA, and use permissions boundaries where teams create their own roles. For `AWSReservedSSO_*` roles, change the permission set in IAM Identity Center.",
}

/// One admin-like grant.
struct Grant<'a> {
    source: &'a PolicySource<'a>,
    /// `<policy>: <statement> allows ...`.
    text: String,
    /// What it allows, for the title: `every action except iam:*`.
    what: String,
    /// The statement's conditions, as evidence.
    conditions: Vec<String>,
    /// Their keys.
    keys: Vec<String>,
}

/// What a principal's policies add up to.
#[derive(Default)]
struct Judged<'a> {
    full: Vec<Grant<'a>>,
    near: Vec<Grant<'a>>,
    /// The first unconditional Deny of `*` on `*`, if any.
    cancelled_by: Option<String>,
    conditional_denies: Vec<String>,
    unparsed: Vec<String>,
    unknown: Vec<String>,
}

fn grant<'a>(
    source: &'a PolicySource<'a>,
    text: String,
    what: &str,
    st: Option<&Statement>,
) -> Grant<'a> {
    let conds = st.map(|s| s.conditions.as_slice()).unwrap_or_default();
    Grant {
        source,
        text,
        what: what
            .strip_suffix(" on every resource")
            .unwrap_or(what)
            .to_string(),
        conditions: conds.iter().map(g::show_condition).collect(),
        keys: conds.iter().map(|c| c.key.clone()).collect(),
    }
}

fn judge<'a>(p: &'a Principal<'a>) -> Judged<'a> {
    let mut j = Judged::default();
    for s in &p.sources {
        let label = g::describe(s);
        let policy = match g::parse(s) {
            Doc::Parsed(policy) => policy,
            Doc::Invalid(e) => {
                tracing::warn!(principal = p.arn(), policy = %label, error = %e, "admin-grant: policy document does not parse");
                j.unparsed.push(format!("{label}: {e}"));
                continue;
            }
            Doc::Missing => {
                match s.arn.and_then(g::known_aws_policy) {
                    Some(Known::Admin) => j.full.push(grant(
                        s,
                        format!(
                            "{label}: allows * on * (its document is not in the details; AdministratorAccess is * on *)"
                        ),
                        "* on *",
                        None,
                    )),
                    Some(Known::NearAdmin(what)) => j.near.push(grant(
                        s,
                        format!(
                            "{label}: allows {what} (its document is not in the details) — near-admin, not full admin"
                        ),
                        what,
                        None,
                    )),
                    None => j.unknown.push(label),
                }
                continue;
            }
        };
        for (i, st) in policy.statements.iter().enumerate() {
            let at = format!("{label}, {}", st.label(i));
            if g::denies_everything(st) {
                j.cancelled_by.get_or_insert(at);
            } else if g::denies_everything_if(st) {
                j.conditional_denies
                    .push(format!("{at}: denies * on * if {}", conditions_text(st)));
            } else if st.allows_everything() {
                let text = if st.conditional() {
                    format!("{at}: allows * on * if {}", conditions_text(st))
                } else {
                    format!("{at}: allows * on *")
                };
                j.full.push(grant(s, text, "* on *", Some(st)));
            } else if let Some(what) = g::near_admin(st) {
                let cond = if st.conditional() {
                    format!(" if {}", conditions_text(st))
                } else {
                    String::new()
                };
                j.near.push(grant(
                    s,
                    format!("{at}: allows {what}{cond} — near-admin (NotAction/NotResource), not full admin"),
                    &what,
                    Some(st),
                ));
            }
        }
    }
    j
}

fn conditions_text(st: &Statement) -> String {
    st.conditions
        .iter()
        .map(g::show_condition)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// What the permissions boundary does to the grant.
fn boundary_text(p: &Principal<'_>) -> String {
    let Some(arn) = p.boundary() else {
        return "none".to_string();
    };
    let doc = p
        .account
        .policy(arn)
        .and_then(|m| m.default_document.as_ref());
    match doc.map(Policy::from_value) {
        None => match g::known_aws_policy(arn) {
            Some(Known::Admin) => format!("{arn} (allows everything: it does not limit the grant)"),
            _ => format!(
                "{arn} (its document is not in the details: whether it limits the grant is unknown)"
            ),
        },
        Some(Err(e)) => format!("{arn} (its document does not parse: {e})"),
        Some(Ok(b)) => {
            if b.statements.iter().any(g::denies_everything) {
                format!("{arn} (denies everything: the principal can do nothing)")
            } else if b.statements.iter().any(|s| s.allows_everything()) {
                format!("{arn} (allows everything: it does not limit the grant)")
            } else {
                format!(
                    "{arn} (does not allow everything: the effective permissions are only what both it and the policies allow)"
                )
            }
        }
    }
}

/// Distinct granting policies, in the principal's order.
fn sources<'a>(grants: &[&'a Grant<'a>]) -> Vec<&'a PolicySource<'a>> {
    let mut out: Vec<&PolicySource> = Vec::new();
    for gr in grants {
        if !out.iter().any(|s| std::ptr::eq(*s, gr.source)) {
            out.push(gr.source);
        }
    }
    out
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    for p in g::principals(inv) {
        if let Some(f) = judge_principal(ctx, &p) {
            out.push(f);
        }
    }
    Ok(())
}

fn judge_principal(ctx: &PostureCtx<'_>, p: &Principal<'_>) -> Option<Partial> {
    let j = judge(p);
    if j.full.is_empty() && j.near.is_empty() {
        return None;
    }
    // IAM evaluates an explicit Deny before any Allow: an unconditional `Deny` of `*` on `*` in
    // any of the principal's policies (its own, or a group's) means no request it makes is
    // allowed, whatever the other policies grant. Such a principal is quarantined, not an
    // admin: no finding.
    if let Some(by) = &j.cancelled_by {
        tracing::debug!(principal = p.arn(), deny = %by, "admin-grant: cancelled by a Deny of * on *");
        return None;
    }
    let full = !j.full.is_empty();
    let main: Vec<&Grant> = if full {
        j.full.iter().collect()
    } else {
        j.near.iter().collect()
    };
    let all: Vec<&Grant> = j.full.iter().chain(&j.near).collect();
    let main_sources = sources(&main);
    let conditional = main.iter().all(|gr| !gr.conditions.is_empty());
    let mut keys: Vec<&str> = main
        .iter()
        .flat_map(|gr| gr.keys.iter().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();

    let name = p.name();
    let what = if full {
        "full admin rights (* on *)".to_string()
    } else {
        format!("near-admin rights ({})", main[0].what)
    };
    let title = format!(
        "{} {name} has {what} via {}{}{}",
        p.noun(),
        g::short(main_sources[0]),
        match main_sources.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        },
        if conditional {
            format!(" (conditional on {})", keys.join(", "))
        } else {
            String::new()
        },
    );

    let remediation = match p.permission_set() {
        Some(set) => format!(
            "{name} is managed by IAM Identity Center: edit permission set {set} (IAM Identity Center > Permission sets) to grant only what its users need, or remove its assignment to account {}; changes made in IAM are overwritten. Keep full admin for a break-glass permission set with few assignments and MFA.",
            p.account.account
        ),
        None => {
            let cmds: Vec<String> = sources(&all)
                .iter()
                .map(|s| format!("`{}`", g::removal(p, s)))
                .collect();
            format!(
                "Give {name} a policy scoped to what it does (its CloudTrail activity in activity.parquet, or IAM Access Analyzer policy generation), then remove the admin grant: {}.",
                cmds.join("; ")
            )
        }
    };

    let mut f = finding(
        &INFO,
        p.arn(),
        seed(
            if full {
                Severity::High
            } else {
                Severity::Medium
            },
            title,
            &p.account.account,
            p.arn(),
            p.principal_type(),
            remediation,
        ),
    );
    for gr in &j.full {
        f.evidence("granting_policies", &g::describe(gr.source));
        f.evidence("admin_statements", &gr.text);
    }
    for gr in &j.near {
        f.evidence("near_admin_policies", &g::describe(gr.source));
        f.evidence("near_admin_statements", &gr.text);
    }
    f.evidence(
        "conditional",
        &if conditional {
            format!("yes: every grant has conditions ({})", keys.join(", "))
        } else {
            "no: at least one grant has no condition".to_string()
        },
    );
    for gr in &all {
        for c in &gr.conditions {
            f.evidence("conditions", &format!("{}: {c}", g::describe(gr.source)));
        }
    }
    for d in &j.conditional_denies {
        f.evidence("conditional_denies", d);
    }
    f.evidence("permissions_boundary", &boundary_text(p));
    if let Some(r) = p.role() {
        f.evidence("role_last_used", &g::role_last_used(r));
    }
    f.evidence(
        "cloudtrail_activity",
        &g::activity(ctx, &p.account.account, p.arn()),
    );
    for u in &j.unparsed {
        f.evidence("unparsed_policies", u);
    }
    for u in &j.unknown {
        f.evidence("unknown_policies", u);
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Trusted;
    use crate::iam::details::Inventory;
    use crate::usage::Usage;
    use serde_json::{Value, json};

    fn run(details: Value) -> Vec<Partial> {
        let inv = Inventory::parse_bytes("t.json", details.to_string().as_bytes()).unwrap();
        let usage = Usage::default();
        let trusted = Trusted::default();
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
        out
    }

    fn user(name: &str, inline: Value) -> Value {
        json!({"UserName": name, "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
               "UserPolicyList": inline})
    }

    fn inline(name: &str, stmts: Value) -> Value {
        json!({"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": stmts}})
    }

    fn ev(p: &Partial, k: &str) -> Vec<String> {
        p.evidence_text(k)
    }

    #[test]
    fn grants_and_cancels() {
        let out = run(json!({"UserDetailList": [
            user("plain", json!([inline("all", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))])),
            user("colon", json!([inline("all", json!({"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}))])),
            user("mfa", json!([inline("all", json!([{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]))])),
            user("denied", json!([
                inline("all", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
                inline("quarantine", json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]))])),
            user("deny-if", json!([inline("all", json!([
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]))])),
            user("near", json!([inline("power", json!([{"Sid": "AllButIam", "Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}]))])),
            user("narrow", json!([inline("s3", json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))])),
            user("broken", json!([
                inline("bad", json!([{"Effect": "allow", "Action": "*", "Resource": "*"}])),
                inline("all", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))])),
        ]}));
        let by = |n: &str| {
            out.iter()
                .find(|p| p.principal == format!("arn:aws:iam::111122223333:user/{n}"))
        };
        assert_eq!(out.len(), 6, "{out:#?}");
        assert!(by("denied").is_none() && by("narrow").is_none());

        let plain = by("plain").unwrap();
        assert_eq!(plain.severity, Severity::High);
        assert_eq!(
            plain.title,
            "User plain has full admin rights (* on *) via inline policy all"
        );
        assert_eq!(
            ev(plain, "admin_statements"),
            ["inline policy all, Statement[0]: allows * on *"]
        );
        assert_eq!(
            ev(plain, "conditional"),
            ["no: at least one grant has no condition"]
        );
        assert_eq!(ev(plain, "permissions_boundary"), ["none"]);
        assert_eq!(
            ev(plain, "cloudtrail_activity"),
            ["unknown: no CloudTrail source was scanned"]
        );
        assert_eq!(
            plain.remediation,
            "Give plain a policy scoped to what it does (its CloudTrail activity in activity.parquet, or IAM Access Analyzer policy generation), then remove the admin grant: `aws iam delete-user-policy --user-name plain --policy-name all`."
        );
        assert_eq!(by("colon").unwrap().severity, Severity::High);

        let mfa = by("mfa").unwrap();
        assert_eq!(mfa.severity, Severity::High);
        assert!(
            mfa.title
                .ends_with("via inline policy all (conditional on aws:MultiFactorAuthPresent)"),
            "{}",
            mfa.title
        );
        assert_eq!(
            ev(mfa, "conditional"),
            ["yes: every grant has conditions (aws:MultiFactorAuthPresent)"]
        );
        assert_eq!(
            ev(mfa, "conditions"),
            ["inline policy all: Bool aws:MultiFactorAuthPresent true"]
        );

        let deny_if = by("deny-if").unwrap();
        assert_eq!(
            ev(deny_if, "conditional_denies"),
            [
                "inline policy all, Statement[1]: denies * on * if BoolIfExists aws:MultiFactorAuthPresent false"
            ]
        );

        let near = by("near").unwrap();
        assert_eq!(near.severity, Severity::Medium);
        assert_eq!(
            near.title,
            "User near has near-admin rights (every action except iam:*) via inline policy power"
        );
        assert_eq!(
            ev(near, "near_admin_statements"),
            [
                "inline policy power, AllButIam: allows every action except iam:* on every resource — near-admin (NotAction/NotResource), not full admin"
            ]
        );
        assert!(ev(near, "admin_statements").is_empty());

        let broken = by("broken").unwrap();
        assert_eq!(
            ev(broken, "unparsed_policies"),
            ["inline policy bad: Statement[0]: Effect must be Allow or Deny, got \"allow\""]
        );
    }

    #[test]
    fn boundaries_groups_and_known_policies() {
        let out = run(json!({
            "UserDetailList": [
                {"UserName": "member", "Arn": "arn:aws:iam::111122223333:user/member", "GroupList": ["admins", "gone"],
                 "PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Fence"}},
                {"UserName": "both", "Arn": "arn:aws:iam::111122223333:user/both",
                 "UserPolicyList": [inline("power", json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]))],
                 "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
            "GroupDetailList": [{"GroupName": "admins", "Arn": "arn:aws:iam::111122223333:group/admins",
                "AttachedManagedPolicies": [{"PolicyName": "PowerUserAccess", "PolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}]}],
            "RoleDetailList": [
                {"RoleName": "AWSServiceRoleForX", "Path": "/aws-service-role/x.amazonaws.com/",
                 "Arn": "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
                 "RolePolicyList": [inline("all", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))]},
                {"RoleName": "AWSReservedSSO_Admins_0123456789abcdef", "Path": "/aws-reserved/sso.amazonaws.com/",
                 "Arn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admins_0123456789abcdef",
                 "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
            "Policies": [{"PolicyName": "Fence", "Arn": "arn:aws:iam::111122223333:policy/Fence", "AttachmentCount": 0,
                "PermissionsBoundaryUsageCount": 1, "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                "Document": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}]
        }));
        assert_eq!(out.len(), 3, "{out:#?}");
        let member = &out[1];
        assert_eq!(member.principal, "arn:aws:iam::111122223333:user/member");
        assert_eq!(member.severity, Severity::Medium);
        assert!(
            member
                .title
                .starts_with("User member has near-admin rights (every action except iam:*, organizations:*, account:*) via AWS managed PowerUserAccess of group admins"),
            "{}",
            member.title
        );
        assert_eq!(
            ev(member, "permissions_boundary"),
            [
                "arn:aws:iam::111122223333:policy/Fence (does not allow everything: the effective permissions are only what both it and the policies allow)"
            ]
        );
        assert_eq!(
            ev(member, "unknown_policies"),
            ["group gone (not in the details: its policies are unknown)"]
        );
        assert!(member.remediation.contains("`aws iam remove-user-from-group --group-name admins --user-name member (or, for every member of admins: aws iam detach-group-policy --group-name admins --policy-arn arn:aws:iam::aws:policy/PowerUserAccess)`"), "{}", member.remediation);

        let both = &out[0];
        assert_eq!(both.severity, Severity::High);
        assert_eq!(
            ev(both, "granting_policies"),
            ["AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess"]
        );
        assert_eq!(ev(both, "near_admin_policies"), ["inline policy power"]);
        assert!(both.remediation.ends_with("`aws iam detach-user-policy --user-name both --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`; `aws iam delete-user-policy --user-name both --policy-name power`."), "{}", both.remediation);

        let sso = &out[2];
        assert_eq!(sso.principal_type, "Role");
        assert!(sso.title.starts_with(
            "Identity Center role AWSReservedSSO_Admins_0123456789abcdef has full admin rights"
        ));
        assert!(
            sso.remediation.contains("edit permission set Admins"),
            "{}",
            sso.remediation
        );
        assert_eq!(
            ev(sso, "role_last_used"),
            ["never, as far as IAM tracks (400 days)"]
        );
    }

    #[test]
    fn needs_details() {
        let usage = Usage::default();
        let trusted = Trusted::default();
        let ctx = PostureCtx {
            window: None,
            max_key_age_days: 90,
            trusted: &trusted,
            inventory: None,
            reports: &[],
            usage: &usage,
            cloudtrail: true,
        };
        let e = check(&ctx, &mut Vec::new()).unwrap_err();
        assert!(e.contains("--iam-details"), "{e}");
    }
}
