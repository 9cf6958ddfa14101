//! What the rules that judge IAM principals and their policies share (`admin-grant`,
//! `inline-policy-only`, `aws-managed-policy-only`, `unattached-policy`,
//! `cross-account-trust`): the users and roles of the inventory with every policy that applies
//! to them, how a policy is named in evidence, the aws CLI command that takes it away, the
//! statement shapes that grant everything, and what CloudTrail saw a principal do.

use super::posture::{PostureCtx, ts};
use crate::iam::details::{
    AccountDetails, Inventory, PolicySource, Role, SourceKind, User, is_aws_managed_arn,
};
use crate::iam::policy::{Condition, Effect, Match, Policy, Statement};

/// A user or a role.
#[derive(Clone, Copy, Debug)]
pub enum Entity<'a> {
    /// An IAM user.
    User(&'a User),
    /// An IAM role.
    Role(&'a Role),
}

/// A user or role with every identity policy that applies to it.
#[derive(Debug)]
pub struct Principal<'a> {
    /// Its account.
    pub account: &'a AccountDetails,
    /// The user or role.
    pub entity: Entity<'a>,
    /// Its inline and attached policies, and for users those of their groups, in the order of
    /// [`AccountDetails::user_policies`] / [`AccountDetails::role_policies`].
    pub sources: Vec<PolicySource<'a>>,
}

impl<'a> Principal<'a> {
    /// `UserName` / `RoleName`.
    pub fn name(&self) -> &'a str {
        match self.entity {
            Entity::User(u) => &u.name,
            Entity::Role(r) => &r.name,
        }
    }
    /// The ARN.
    pub fn arn(&self) -> &'a str {
        match self.entity {
            Entity::User(u) => &u.arn,
            Entity::Role(r) => &r.arn,
        }
    }
    /// `IAMUser` or `Role`, as findings write principal types.
    pub fn principal_type(&self) -> &'static str {
        match self.entity {
            Entity::User(_) => "IAMUser",
            Entity::Role(_) => "Role",
        }
    }
    /// `User`, `Role` or `Identity Center role`, to start a title.
    pub fn noun(&self) -> &'static str {
        match self.entity {
            Entity::User(_) => "User",
            Entity::Role(r) if r.is_identity_center() => "Identity Center role",
            Entity::Role(_) => "Role",
        }
    }
    /// The permissions boundary's ARN.
    pub fn boundary(&self) -> Option<&'a str> {
        match self.entity {
            Entity::User(u) => u.permissions_boundary.as_deref(),
            Entity::Role(r) => r.permissions_boundary.as_deref(),
        }
    }
    /// The role, for roles.
    pub fn role(&self) -> Option<&'a Role> {
        match self.entity {
            Entity::Role(r) => Some(r),
            Entity::User(_) => None,
        }
    }
    /// The IAM Identity Center permission set behind an `AWSReservedSSO_<set>_<id>` role.
    pub fn permission_set(&self) -> Option<&'a str> {
        let r = self.role().filter(|r| r.is_identity_center())?;
        permission_set_name(&r.name)
    }
    /// `user` or `role`, as the aws CLI spells it in `--user-name` / `delete-role-policy`.
    pub fn cli_kind(&self) -> &'static str {
        match self.entity {
            Entity::User(_) => "user",
            Entity::Role(_) => "role",
        }
    }
}

/// The permission set name in `AWSReservedSSO_<PermissionSetName>_<16 hex digits>`.
pub fn permission_set_name(role_name: &str) -> Option<&str> {
    let rest = role_name.strip_prefix("AWSReservedSSO_")?;
    let (set, _id) = rest.rsplit_once('_')?;
    (!set.is_empty()).then_some(set)
}

/// Every user, then every role, of every account, with their policies. Service-linked roles
/// are left out: AWS owns their policies and the account cannot change them.
pub fn principals(inv: &Inventory) -> Vec<Principal<'_>> {
    let mut out = Vec::new();
    for a in inv.accounts.values() {
        for u in &a.users {
            out.push(Principal {
                account: a,
                entity: Entity::User(u),
                sources: a.user_policies(u),
            });
        }
        for r in a.roles.iter().filter(|r| !r.is_service_linked()) {
            out.push(Principal {
                account: a,
                entity: Entity::Role(r),
                sources: a.role_policies(r),
            });
        }
    }
    out
}

fn managed_kind(aws_managed: bool) -> &'static str {
    if aws_managed {
        "AWS managed"
    } else {
        "customer managed"
    }
}

/// How a policy is named in evidence: `inline policy p`, `AWS managed policy <arn>`,
/// `group g: customer managed policy <arn>`, `group g: inline policy p`.
pub fn describe(s: &PolicySource<'_>) -> String {
    let arn = s.arn.unwrap_or(s.name);
    match s.kind {
        SourceKind::Inline => format!("inline policy {}", s.name),
        SourceKind::Managed { aws_managed } => {
            format!("{} policy {arn}", managed_kind(aws_managed))
        }
        SourceKind::GroupInline { group } => format!("group {group}: inline policy {}", s.name),
        SourceKind::GroupManaged { group, aws_managed } => {
            format!("group {group}: {} policy {arn}", managed_kind(aws_managed))
        }
        SourceKind::MissingGroup { group } => {
            format!("group {group} (not in the details: its policies are unknown)")
        }
    }
}

/// A shorter name, for titles: `AWS managed AdministratorAccess`, `inline policy p`,
/// `inline policy p of group g`.
pub fn short(s: &PolicySource<'_>) -> String {
    match s.kind {
        SourceKind::Inline => format!("inline policy {}", s.name),
        SourceKind::Managed { aws_managed } => format!("{} {}", managed_kind(aws_managed), s.name),
        SourceKind::GroupInline { group } => format!("inline policy {} of group {group}", s.name),
        SourceKind::GroupManaged { group, aws_managed } => {
            format!("{} {} of group {group}", managed_kind(aws_managed), s.name)
        }
        SourceKind::MissingGroup { group } => format!("group {group}"),
    }
}

/// The aws CLI command that takes the policy `s` away from `p`. For a group's policy: removing
/// the user from the group, or (for every member) the policy from the group.
pub fn removal(p: &Principal<'_>, s: &PolicySource<'_>) -> String {
    let (kind, name) = (p.cli_kind(), p.name());
    let arn = s.arn.unwrap_or(s.name);
    match s.kind {
        SourceKind::Inline => format!(
            "aws iam delete-{kind}-policy --{kind}-name {name} --policy-name {}",
            s.name
        ),
        SourceKind::Managed { .. } => {
            format!("aws iam detach-{kind}-policy --{kind}-name {name} --policy-arn {arn}")
        }
        SourceKind::GroupInline { group } => format!(
            "aws iam remove-user-from-group --group-name {group} --user-name {name} (or, for every member of {group}: aws iam delete-group-policy --group-name {group} --policy-name {})",
            s.name
        ),
        SourceKind::GroupManaged { group, .. } => format!(
            "aws iam remove-user-from-group --group-name {group} --user-name {name} (or, for every member of {group}: aws iam detach-group-policy --group-name {group} --policy-arn {arn})"
        ),
        SourceKind::MissingGroup { group } => {
            format!("aws iam remove-user-from-group --group-name {group} --user-name {name}")
        }
    }
}

/// A policy document as the rules see it.
pub enum Doc {
    /// Parsed.
    Parsed(Policy),
    /// Not in the details (a managed policy left out by `--filter`, an AWS managed policy
    /// nothing else in the page used, a group left out).
    Missing,
    /// Not a valid policy: the parser's message.
    Invalid(String),
}

/// Parses the document of `s`.
pub fn parse(s: &PolicySource<'_>) -> Doc {
    match s.document {
        None => Doc::Missing,
        Some(v) => match Policy::from_value(v) {
            Ok(p) => Doc::Parsed(p),
            Err(e) => Doc::Invalid(e.to_string()),
        },
    }
}

/// `*` or `*:*`: every action.
pub fn is_every_action(a: &str) -> bool {
    a == "*" || a == "*:*"
}

fn lists_every_resource(m: Option<&Match<Vec<String>>>) -> bool {
    matches!(m, Some(Match::Is(r)) if r.iter().any(|x| x == "*"))
}

/// An explicit `Deny` of every action on every resource without conditions: nothing the
/// principal's other policies allow takes effect.
pub fn denies_everything(s: &Statement) -> bool {
    s.effect == Effect::Deny
        && s.conditions.is_empty()
        && matches!(&s.action, Some(Match::Is(a)) if a.iter().any(|x| is_every_action(x)))
        && lists_every_resource(s.resource.as_ref())
}

/// The same `Deny` with conditions (`aws:MultiFactorAuthPresent`, `aws:SourceIp`, ...): it
/// fences the principal in under those conditions only.
pub fn denies_everything_if(s: &Statement) -> bool {
    s.effect == Effect::Deny
        && !s.conditions.is_empty()
        && matches!(&s.action, Some(Match::Is(a)) if a.iter().any(|x| is_every_action(x)))
        && lists_every_resource(s.resource.as_ref())
}

/// What an `Allow` statement grants when it is "almost everything": `NotAction` on `*` (every
/// action except the listed ones: `PowerUserAccess` is `NotAction iam:*, organizations:*,
/// account:*`), or every action on every resource except a `NotResource` list. `None` for
/// anything narrower, and for [`Statement::allows_everything`] itself.
pub fn near_admin(s: &Statement) -> Option<String> {
    if s.effect != Effect::Allow {
        return None;
    }
    match (&s.action, &s.resource) {
        (Some(Match::Not(excluded)), r) if lists_every_resource(r.as_ref()) => {
            if excluded.iter().any(|x| is_every_action(x)) {
                return None;
            }
            Some(format!(
                "every action except {} on every resource",
                if excluded.is_empty() {
                    "(none)".to_string()
                } else {
                    excluded.join(", ")
                }
            ))
        }
        (Some(Match::Is(a)), Some(Match::Not(excluded)))
            if a.iter().any(|x| is_every_action(x)) && !excluded.iter().any(|x| x == "*") =>
        {
            Some(format!(
                "every action on every resource except {}",
                excluded.join(", ")
            ))
        }
        _ => None,
    }
}

/// What an AWS managed policy is known to grant when its document is not in the details
/// (exported with `--filter LocalManagedPolicy`, or a page that did not include it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known {
    /// `AdministratorAccess`: `*` on `*`.
    Admin,
    /// `PowerUserAccess`: every action except IAM, Organizations and Account management.
    NearAdmin(&'static str),
}

/// [`Known`] grants of AWS managed policies, by ARN (any partition).
pub fn known_aws_policy(arn: &str) -> Option<Known> {
    if !is_aws_managed_arn(arn) {
        return None;
    }
    match arn.rsplit_once(":policy/")?.1 {
        "AdministratorAccess" => Some(Known::Admin),
        "PowerUserAccess" => Some(Known::NearAdmin(
            "every action except iam:*, organizations:*, account:* on every resource",
        )),
        _ => None,
    }
}

/// A condition as evidence. `sts:ExternalId` values are not shown: AWS does not treat them as
/// secrets, but findings travel to chat rooms and ticket systems.
pub fn show_condition(c: &Condition) -> String {
    if c.key_is("sts:ExternalId") {
        format!("{} {} (value not shown)", c.operator, c.key)
    } else {
        c.to_string()
    }
}

/// What CloudTrail saw `arn` (a user, or a role's sessions) do, for evidence.
pub fn activity(ctx: &PostureCtx<'_>, account: &str, arn: &str) -> String {
    match ctx.usage.principal(arn) {
        Some(u) => format!(
            "CloudTrail saw it act: {} event{} from {} to {}",
            u.span.count,
            if u.span.count == 1 { "" } else { "s" },
            ts(u.span.first),
            ts(u.span.last)
        ),
        None if ctx.cloudtrail => format!(
            "CloudTrail saw no activity by it; {}",
            ctx.cloudtrail_coverage(account)
        ),
        None => "unknown: no CloudTrail source was scanned".to_string(),
    }
}

/// `RoleLastUsed` as evidence.
pub fn role_last_used(r: &Role) -> String {
    match r.role_last_used {
        Some(t) => format!(
            "{}{}",
            ts(t),
            r.role_last_used_region
                .as_ref()
                .map(|x| format!(" in {x}"))
                .unwrap_or_default()
        ),
        None => "never, as far as IAM tracks (400 days)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(v: serde_json::Value) -> Statement {
        Policy::from_value(&json!({"Statement": v}))
            .unwrap()
            .statements
            .remove(0)
    }

    #[test]
    fn statement_shapes() {
        let deny = st(json!({"Effect": "Deny", "Action": "*", "Resource": "*"}));
        assert!(denies_everything(&deny) && !denies_everything_if(&deny));
        let deny_if = st(
            json!({"Effect": "Deny", "Action": "*:*", "Resource": ["*"], "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
        );
        assert!(!denies_everything(&deny_if) && denies_everything_if(&deny_if));
        assert!(!denies_everything(&st(
            json!({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
        )));
        assert_eq!(
            near_admin(&st(
                json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
            ))
            .as_deref(),
            Some("every action except iam:*, organizations:* on every resource")
        );
        assert_eq!(
            near_admin(&st(
                json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"})
            ))
            .as_deref(),
            Some("every action on every resource except arn:aws:s3:::audit/*")
        );
        for narrow in [
            json!({"Effect": "Allow", "NotAction": "*", "Resource": "*"}),
            json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}),
            json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}),
        ] {
            assert_eq!(near_admin(&st(narrow.clone())), None, "{narrow}");
        }
    }

    #[test]
    fn known_policies_and_names() {
        assert_eq!(
            known_aws_policy("arn:aws-us-gov:iam::aws:policy/AdministratorAccess"),
            Some(Known::Admin)
        );
        assert!(matches!(
            known_aws_policy("arn:aws:iam::aws:policy/PowerUserAccess"),
            Some(Known::NearAdmin(_))
        ));
        assert_eq!(
            known_aws_policy("arn:aws:iam::111122223333:policy/AdministratorAccess"),
            None
        );
        assert_eq!(
            known_aws_policy("arn:aws:iam::aws:policy/job-function/AdministratorAccess-x"),
            None
        );
        assert_eq!(
            permission_set_name("AWSReservedSSO_Admin_Team_0123456789abcdef"),
            Some("Admin_Team")
        );
        assert_eq!(permission_set_name("AWSReservedSSO__x"), None);
        assert_eq!(permission_set_name("deploy"), None);
    }
}
