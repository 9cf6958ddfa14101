//! Role trust policies that let in other accounts, everyone, or any identity of a web identity
//! provider.

use super::iam_grants as g;
use super::posture::{PostureCtx, finding, seed};
use super::{Partial, Severity, rule_info};
use crate::iam::catalog::glob_match;
use crate::iam::details::{AccountDetails, Role};
use crate::iam::policy::{Effect, ExposureKind, Grantee, Match, Policy, Statement};

rule_info! {
    id: "cross-account-trust",
    anti_pattern: "6",
    severity: Critical,
    title: "Role assumable from outside the account",
    inputs: [IamDetails],
    what: "Role trust policies whose `Allow` statements for `sts:AssumeRole*` (action patterns such as `sts:*` and `*` included, matched case-insensitively) let in: everyone (`Principal \"*\"`, `{\"AWS\": \"*\"}` or `NotPrincipal`): critical without a restricting condition (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceIp`, ...), high with one; an account other than the role's own and not in `--trusted-accounts`: high without conditions, medium with `sts:ExternalId` or another restricting condition; a web identity provider without a condition on who the token is for: `token.actions.githubusercontent.com` (or any OIDC provider) without a `<provider>:sub` condition, `cognito-identity.amazonaws.com` without `cognito-identity.amazonaws.com:aud`: high (medium for an EKS cluster's provider). One finding per role, with each outside principal, the statements and their conditions, `RoleLastUsed`, and whether CloudTrail saw the role used. AWS services and the account's own SAML providers are not outside principals; service-linked roles are skipped.",
    why: "A trust policy decides who can become the role. `Principal \"*\"` lets any AWS customer in; a vendor account without an external ID is open to the confused-deputy attack (anyone who is a customer of the vendor can make it assume your role); a GitHub OIDC trust without a `sub` condition lets every workflow of every GitHub repository, including an attacker's, get credentials. These are the trusts attackers scan for.",
    fix: "Edit the trust policy (`aws iam get-role --role-name r --query Role.AssumeRolePolicyDocument > trust.json`, then `aws iam update-assume-role-policy --role-name r --policy-document file://trust.json`): name the exact accounts or role ARNs instead of `*`, require `sts:ExternalId` for vendors, pin `token.actions.githubusercontent.com:sub` to `repo:ORG/REPO:...` and `cognito-identity.amazonaws.com:aud` to your identity pool. Add expected partner accounts to `--trusted-accounts`.",
}

/// The `sts` actions that assume a role.
const ASSUME: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
];

/// Whether the statement's actions include one of [`ASSUME`] (patterns are IAM globs, matched
/// case-insensitively; `NotAction` includes what it does not list).
fn allows_assume(st: &Statement) -> bool {
    let hit =
        |pats: &[String], a: &str| pats.iter().any(|p| glob_match(p.as_bytes(), a.as_bytes()));
    match &st.action {
        Some(Match::Is(pats)) => ASSUME.iter().any(|a| hit(pats, a)),
        Some(Match::Not(pats)) => ASSUME.iter().any(|a| !hit(pats, a)),
        None => false,
    }
}

/// One outside principal a statement lets in.
struct Hit {
    severity: Severity,
    /// After "Role r ": `can be assumed by any AWS account (Principal "*")`.
    title: String,
    /// Evidence (`trusted_principals`).
    text: String,
    /// The outside account, if one is named.
    account: Option<String>,
    /// A remediation sentence.
    fix: String,
}

fn keys(conds: &[&crate::iam::policy::Condition]) -> String {
    let mut k: Vec<&str> = conds.iter().map(|c| c.key.as_str()).collect();
    k.dedup();
    k.join(", ")
}

fn shown(conds: &[crate::iam::policy::Condition]) -> String {
    conds
        .iter()
        .map(g::show_condition)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The condition keys that say which tokens of a web identity provider may assume the role.
fn subject_keys(issuer: &str) -> Vec<String> {
    match issuer {
        "cognito-identity.amazonaws.com" => vec![format!("{issuer}:aud")],
        "accounts.google.com" => ["aud", "oaud", "sub"]
            .iter()
            .map(|k| format!("{issuer}:{k}"))
            .collect(),
        "www.amazon.com" => ["app_id", "user_id"]
            .iter()
            .map(|k| format!("{issuer}:{k}"))
            .collect(),
        "graph.facebook.com" => ["app_id", "id"]
            .iter()
            .map(|k| format!("{issuer}:{k}"))
            .collect(),
        _ => vec![format!("{issuer}:sub")],
    }
}

/// Whether a condition of `st` limits the provider's tokens to some subjects: a positive
/// string test on one of `keys`, not `IfExists`, whose values do not match everyone (`*`;
/// for GitHub, `repo:*...`, any repository).
fn pins_subject(st: &Statement, keys: &[String], github: bool) -> bool {
    st.conditions.iter().any(|c| {
        let base = c.base_operator();
        let like = base == "StringLike";
        keys.iter().any(|k| c.key_is(k))
            && !c.if_exists()
            && !c.for_all_values()
            && matches!(
                base,
                "StringEquals" | "StringEqualsIgnoreCase" | "StringLike"
            )
            && !c.values.is_empty()
            && c.values.iter().all(|v| {
                !(like && (v.bytes().all(|b| b == b'*') || (github && v.starts_with("repo:*"))))
            })
    })
}

/// `(account, kind, rest)` of `arn:partition:iam::account:kind/rest`.
fn iam_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let a = crate::iam::arn::Arn::parse(arn).filter(|a| a.is_iam())?;
    let (kind, rest) = a.resource_type()?;
    Some((a.account, kind, rest))
}

/// How a remediation names a statement: `Statement[0]`, or `statement Sid`.
fn place(label: &str) -> String {
    if label.starts_with("Statement[") {
        label.to_string()
    } else {
        format!("statement {label}")
    }
}

fn outside_account(account: &str, who: &str, label: &str, st: &Statement, role: &str) -> Hit {
    let restricting = st.restricting_conditions();
    let place = place(label);
    let via = if who == account {
        format!("account {account}")
    } else {
        format!("account {account} ({who})")
    };
    if restricting.is_empty() {
        let others = if st.conditional() {
            format!(" (conditions: {})", shown(&st.conditions))
        } else {
            String::new()
        };
        Hit {
            severity: Severity::High,
            title: format!(
                "can be assumed from account {account} without an external ID or other restricting condition"
            ),
            text: format!("{via} in {label}: no restricting condition{others}"),
            account: Some(account.to_string()),
            fix: format!(
                "Confirm account {account} should assume {role}: if not, remove {who} from {place}; if it should, require an sts:ExternalId condition there and add {account} to --trusted-accounts."
            ),
        }
    } else {
        Hit {
            severity: Severity::Medium,
            title: format!(
                "can be assumed from account {account}, only with {}",
                keys(&restricting)
            ),
            text: format!("{via} in {label}: only with {}", shown(&st.conditions)),
            account: Some(account.to_string()),
            fix: format!(
                "Confirm account {account} should assume {role}: if it should, add it to --trusted-accounts; if not, remove {who} from {place}."
            ),
        }
    }
}

fn web_identity(issuer: &str, provider: &str, label: &str, st: &Statement) -> Option<Hit> {
    let github = issuer == "token.actions.githubusercontent.com";
    let keys = subject_keys(issuer);
    if pins_subject(st, &keys, github) {
        return None;
    }
    let key = &keys[0];
    let place = place(label);
    let (severity, who, fix) = if github {
        (
            Severity::High,
            "any GitHub repository".to_string(),
            format!(
                "In {place}, add a StringLike condition on {key} naming the repository and branch or environment (for example \"repo:ORG/REPO:ref:refs/heads/main\"), and StringEquals token.actions.githubusercontent.com:aud \"sts.amazonaws.com\"."
            ),
        )
    } else if issuer == "cognito-identity.amazonaws.com" {
        (
            Severity::High,
            "any Cognito identity pool in any AWS account".to_string(),
            format!(
                "In {place}, add StringEquals {key} with your identity pool ID (and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr \"authenticated\" if only signed-in users should get the role)."
            ),
        )
    } else if issuer.starts_with("oidc.eks.") {
        (
            Severity::Medium,
            "any service account of the EKS cluster".to_string(),
            format!(
                "In {place}, add StringEquals {key} \"system:serviceaccount:NAMESPACE:NAME\" for the service account that needs the role."
            ),
        )
    } else {
        (
            Severity::High,
            format!("any identity {issuer} issues tokens for"),
            format!(
                "In {place}, add a StringEquals (or StringLike) condition on {key} naming the identities that may assume the role."
            ),
        )
    };
    let conds = if st.conditional() {
        format!(" (conditions: {})", shown(&st.conditions))
    } else {
        String::new()
    };
    Some(Hit {
        severity,
        title: format!(
            "can be assumed by {who} (web identity provider {issuer} without a {key} condition)"
        ),
        text: format!(
            "web identity provider {provider} in {label}: no {key} condition, so {who} can assume the role{conds}"
        ),
        account: None,
        fix,
    })
}

/// The check.
pub fn check(ctx: &PostureCtx<'_>, out: &mut Vec<Partial>) -> Result<(), String> {
    let inv = ctx.need_inventory()?;
    for acct in inv.accounts.values() {
        for r in acct.roles.iter().filter(|r| !r.is_service_linked()) {
            let Some(doc) = &r.trust_policy else { continue };
            match Policy::from_value(doc) {
                Ok(policy) => {
                    if let Some(f) = judge(ctx, acct, r, &policy) {
                        out.push(f);
                    }
                }
                Err(e) => {
                    tracing::warn!(role = %r.arn, error = %e, "cross-account-trust: trust policy does not parse; role not judged");
                }
            }
        }
    }
    Ok(())
}

fn judge(
    ctx: &PostureCtx<'_>,
    acct: &AccountDetails,
    r: &Role,
    policy: &Policy,
) -> Option<Partial> {
    let own = crate::usage::arn_account(&r.arn).unwrap_or(&acct.account);
    let outside = |a: &str| a != own && !ctx.trusted.contains(a);
    let exposure = policy.exposure(Some(own));
    let mut hits: Vec<Hit> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    let mut unresolved: Vec<String> = Vec::new();
    for (i, st) in policy.statements.iter().enumerate() {
        if st.effect != Effect::Allow || !allows_assume(st) {
            continue;
        }
        let label = st.label(i);
        let before = hits.len();
        for gr in st.grantees() {
            match gr {
                Grantee::Public => {
                    let e = exposure.iter().find(|e| e.statement == i);
                    let conds = match e.map(|e| &e.kind) {
                        Some(ExposureKind::PublicConditioned(c)) => c.clone(),
                        _ => Vec::new(),
                    };
                    let everyone = match e.and_then(|e| e.not_principals.as_ref()) {
                        Some(np) => format!("anyone except NotPrincipal {np}"),
                        None => "any AWS account (Principal \"*\")".to_string(),
                    };
                    hits.push(if conds.is_empty() {
                        Hit {
                            severity: Severity::Critical,
                            title: format!("can be assumed by {everyone}"),
                            text: format!(
                                "{everyone} in {label}: no restricting condition{}",
                                if st.conditional() {
                                    format!(" (conditions: {})", shown(&st.conditions))
                                } else {
                                    String::new()
                                }
                            ),
                            account: None,
                            fix: format!(
                                "In {}, replace the principal \"*\" with the account or role ARNs that need {}.",
                                place(&label),
                                r.name
                            ),
                        }
                    } else {
                        let refs: Vec<&crate::iam::policy::Condition> = conds.iter().collect();
                        Hit {
                            severity: Severity::High,
                            title: format!(
                                "can be assumed by {everyone} that meets {}",
                                keys(&refs)
                            ),
                            text: format!("{everyone} in {label}: only with {}", shown(&conds)),
                            account: None,
                            fix: format!(
                                "In {}, replace the principal \"*\" with the account or role ARNs that need {}: only the condition on {} keeps other AWS accounts out.",
                                place(&label),
                                r.name,
                                keys(&refs)
                            ),
                        }
                    });
                }
                Grantee::Account { account, principal } => {
                    if outside(&account) {
                        hits.push(outside_account(&account, &principal, &label, st, &r.name));
                    }
                }
                Grantee::Federated(f) => match iam_arn(&f) {
                    Some((a, "saml-provider", _)) => {
                        if outside(a) {
                            let mut h = outside_account(a, &f, &label, st, &r.name);
                            h.title = h.title.replacen(
                                "from account",
                                "through a SAML provider of account",
                                1,
                            );
                            hits.push(h);
                        }
                    }
                    Some((_, "oidc-provider", issuer)) => {
                        hits.extend(web_identity(issuer, &f, &label, st));
                    }
                    _ => hits.extend(web_identity(&f, &f, &label, st)),
                },
                Grantee::Unresolved(u) => unresolved.push(format!(
                    "{u} in {label}: names no account (IAM writes a unique ID like this in place of a deleted principal)"
                )),
                Grantee::Service(_) | Grantee::CanonicalUser(_) => {}
            }
        }
        if hits.len() > before {
            labels.push(label.clone());
            if st.conditions.is_empty() {
                conditions.push(format!("{label}: none"));
            }
            for c in &st.conditions {
                conditions.push(format!("{label}: {}", g::show_condition(c)));
            }
        }
    }
    if hits.is_empty() {
        return None;
    }
    // Most severe first; the title names the worst.
    hits.sort_by_key(|h| std::cmp::Reverse(h.severity));
    let worst = &hits[0];
    let more = match hits.len() {
        1 => String::new(),
        n => format!(
            ", and {} more outside principal{}",
            n - 1,
            if n > 2 { "s" } else { "" }
        ),
    };
    let title = format!("Role {} {}{more}", r.name, worst.title);
    let mut fixes: Vec<&str> = Vec::new();
    for h in &hits {
        if !fixes.contains(&h.fix.as_str()) {
            fixes.push(&h.fix);
        }
    }
    let remediation = format!(
        "{} Apply the edited trust policy: `aws iam get-role --role-name {n} --query Role.AssumeRolePolicyDocument > trust.json`, edit trust.json, then `aws iam update-assume-role-policy --role-name {n} --policy-document file://trust.json`.",
        fixes.join(" "),
        n = r.name
    );
    let mut f = finding(
        &INFO,
        &r.arn,
        seed(
            worst.severity,
            title,
            &acct.account,
            &r.arn,
            "Role",
            remediation,
        ),
    );
    for h in &hits {
        f.evidence("trusted_principals", &h.text);
        if let Some(a) = &h.account {
            f.evidence("external_accounts", a);
        }
    }
    for l in &labels {
        f.evidence("statements", l);
    }
    for c in &conditions {
        f.evidence("conditions", c);
    }
    for u in &unresolved {
        f.evidence("unresolved_principals", u);
    }
    f.evidence("role_last_used", &g::role_last_used(r));
    f.evidence(
        "cloudtrail_activity",
        &g::activity(ctx, &acct.account, &r.arn),
    );
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Trusted;
    use crate::iam::details::Inventory;
    use crate::usage::Usage;
    use serde_json::{Value, json};

    fn role(name: &str, stmts: Value) -> Value {
        json!({"RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
               "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": stmts}})
    }

    fn run(roles: Vec<Value>, trusted: &[&str]) -> Vec<Partial> {
        let inv = Inventory::parse_bytes(
            "t.json",
            json!({"RoleDetailList": roles}).to_string().as_bytes(),
        )
        .unwrap();
        let usage = Usage::default();
        let trusted = Trusted::new(trusted.iter().map(|s| s.to_string()));
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

    fn sev(out: &[Partial], name: &str) -> Option<Severity> {
        out.iter()
            .find(|p| p.principal == format!("arn:aws:iam::111122223333:role/{name}"))
            .map(|p| p.severity)
    }

    #[test]
    fn actions_and_principals() {
        let aws = |p: &str, action: Value| json!([{"Effect": "Allow", "Principal": {"AWS": p}, "Action": action}]);
        let out = run(
            vec![
                role("star", aws("*", json!("sts:AssumeRole"))),
                role(
                    "star-org",
                    json!([{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]),
                ),
                role(
                    "not-principal",
                    json!([{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]),
                ),
                role("sts-star", aws("999988887777", json!("sts:*"))),
                role("all-actions", aws("999988887777", json!("*"))),
                role("lower-case", aws("999988887777", json!("STS:assumerole"))),
                role(
                    "not-action",
                    json!([{"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "NotAction": "sts:TagSession"}]),
                ),
                role("tag-only", aws("999988887777", json!("sts:TagSession"))),
                role(
                    "deny-only",
                    json!([{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]),
                ),
                role(
                    "own",
                    aws("arn:aws:iam::111122223333:root", json!("sts:AssumeRole")),
                ),
                role(
                    "own-role",
                    aws("arn:aws:iam::111122223333:role/x", json!("sts:AssumeRole")),
                ),
                role("trusted", aws("888877776666", json!("sts:AssumeRole"))),
                role(
                    "mfa-only",
                    json!([{"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
                ),
                role(
                    "external-id",
                    json!([{"Effect": "Allow", "Principal": {"AWS": "999988887777"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t"}}}]),
                ),
                role(
                    "deleted",
                    aws("AROAQ3EGQKLZDELETED01", json!("sts:AssumeRole")),
                ),
                role(
                    "service",
                    json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
                ),
                role(
                    "saml-own",
                    json!([{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}, "Action": "sts:AssumeRoleWithSAML"}]),
                ),
                role(
                    "saml-other",
                    json!([{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::999988887777:saml-provider/Okta"}, "Action": "sts:AssumeRoleWithSAML"}]),
                ),
                json!({"RoleName": "AWSServiceRoleForX", "Path": "/aws-service-role/x.amazonaws.com/",
                       "Arn": "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
                       "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}}),
            ],
            &["888877776666"],
        );
        for (name, want) in [
            ("star", Some(Severity::Critical)),
            ("star-org", Some(Severity::High)),
            ("not-principal", Some(Severity::Critical)),
            ("sts-star", Some(Severity::High)),
            ("all-actions", Some(Severity::High)),
            ("lower-case", Some(Severity::High)),
            ("not-action", Some(Severity::High)),
            ("tag-only", None),
            ("deny-only", None),
            ("own", None),
            ("own-role", None),
            ("trusted", None),
            ("mfa-only", Some(Severity::High)),
            ("external-id", Some(Severity::Medium)),
            ("deleted", None),
            ("service", None),
            ("saml-own", None),
            ("saml-other", Some(Severity::High)),
        ] {
            assert_eq!(sev(&out, name), want, "{name}");
        }
        assert_eq!(out.len(), 10);
        let get = |n: &str| {
            out.iter()
                .find(|p| p.principal.ends_with(&format!("/{n}")))
                .unwrap()
        };
        assert_eq!(
            get("star").title,
            "Role star can be assumed by any AWS account (Principal \"*\")"
        );
        assert_eq!(
            get("star-org").title,
            "Role star-org can be assumed by any AWS account (Principal \"*\") that meets aws:PrincipalOrgID"
        );
        assert_eq!(
            get("not-principal").title,
            "Role not-principal can be assumed by anyone except NotPrincipal AWS:arn:aws:iam::111122223333:root"
        );
        let ext = get("external-id");
        assert_eq!(
            ext.title,
            "Role external-id can be assumed from account 999988887777, only with sts:ExternalId"
        );
        assert_eq!(
            ext.evidence_text("conditions"),
            ["Statement[0]: StringEquals sts:ExternalId (value not shown)"]
        );
        assert!(!format!("{ext:?}").contains("s3cr3t"));
        assert_eq!(
            get("mfa-only").evidence_text("trusted_principals"),
            [
                "account 999988887777 in Statement[0]: no restricting condition (conditions: Bool aws:MultiFactorAuthPresent true)"
            ]
        );
        assert_eq!(
            get("saml-other").title,
            "Role saml-other can be assumed through a SAML provider of account 999988887777 without an external ID or other restricting condition"
        );
    }

    #[test]
    fn web_identity_providers() {
        let gh = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let oidc = |provider: &str, cond: Value| {
            json!([{"Effect": "Allow", "Principal": {"Federated": provider},
                    "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}])
        };
        let aud = json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}});
        let out = run(
            vec![
                role("gh-any", oidc(gh, aud.clone())),
                role(
                    "gh-pinned",
                    oidc(
                        gh,
                        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example-org/infra:ref:refs/heads/main"}}),
                    ),
                ),
                role(
                    "gh-star",
                    oidc(
                        gh,
                        json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}),
                    ),
                ),
                role(
                    "gh-if-exists",
                    oidc(
                        gh,
                        json!({"StringLikeIfExists": {"token.actions.githubusercontent.com:sub": "repo:a/b:*"}}),
                    ),
                ),
                role(
                    "gh-not",
                    oidc(
                        gh,
                        json!({"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:evil/*"}}),
                    ),
                ),
                role(
                    "cognito-any",
                    oidc(
                        "cognito-identity.amazonaws.com",
                        json!({"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}),
                    ),
                ),
                role(
                    "cognito-pinned",
                    oidc(
                        "cognito-identity.amazonaws.com",
                        json!({"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"}}),
                    ),
                ),
                role(
                    "eks-any",
                    oidc(
                        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
                        json!({}),
                    ),
                ),
                role(
                    "gitlab-pinned",
                    oidc(
                        "arn:aws:iam::111122223333:oidc-provider/gitlab.com",
                        json!({"StringLike": {"gitlab.com:sub": "project_path:group/app:ref_type:branch:ref:main"}}),
                    ),
                ),
            ],
            &[],
        );
        for (name, want) in [
            ("gh-any", Some(Severity::High)),
            ("gh-pinned", None),
            ("gh-star", Some(Severity::High)),
            ("gh-if-exists", Some(Severity::High)),
            ("gh-not", Some(Severity::High)),
            ("cognito-any", Some(Severity::High)),
            ("cognito-pinned", None),
            ("eks-any", Some(Severity::Medium)),
            ("gitlab-pinned", None),
        ] {
            assert_eq!(sev(&out, name), want, "{name}");
        }
        let any = out
            .iter()
            .find(|p| p.principal.ends_with("/gh-any"))
            .unwrap();
        assert_eq!(
            any.title,
            "Role gh-any can be assumed by any GitHub repository (web identity provider token.actions.githubusercontent.com without a token.actions.githubusercontent.com:sub condition)"
        );
        assert!(
            any.remediation.contains("repo:ORG/REPO:ref:refs/heads/main")
                && any.remediation.ends_with("`aws iam update-assume-role-policy --role-name gh-any --policy-document file://trust.json`."),
            "{}",
            any.remediation
        );
    }
}
