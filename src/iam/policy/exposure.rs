//! Who a policy lets in: [`Grantee`] (someone a statement names), [`Statement::grantees`], and
//! [`Policy::exposure`]: per `Allow` statement, whether it is public, public but conditioned, or
//! granted to other accounts ([`Exposure`], [`ExposureKind`]).

use crate::iam::catalog::glob_match;
use crate::iam::is_account_id;

use super::condition::is_restricting_deny;
use super::model::{Condition, Effect, Match, Policy, Principals, Statement};

/// Someone a statement names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Grantee {
    /// Everyone: `"*"`, `{"AWS": "*"}`, or everyone but a `NotPrincipal` list.
    Public,
    /// An AWS account: a 12-digit ID, `arn:<partition>:iam::<account>:root`, or any IAM or STS
    /// principal ARN of that account.
    Account {
        /// The 12-digit account ID.
        account: String,
        /// The principal as written (the ID itself, or the ARN).
        principal: String,
    },
    /// An AWS service (`Service`).
    Service(String),
    /// An identity provider (`Federated`).
    Federated(String),
    /// An S3 canonical user (`CanonicalUser`).
    CanonicalUser(String),
    /// An `AWS` principal that names no account: the unique ID (`AROA...`) IAM writes in place
    /// of a deleted principal, or a malformed value.
    Unresolved(String),
}

impl Grantee {
    /// Classifies an `AWS` principal value.
    pub fn from_aws(s: &str) -> Grantee {
        if s == "*" {
            return Grantee::Public;
        }
        if is_account_id(s) {
            return Grantee::Account {
                account: s.to_string(),
                principal: s.to_string(),
            };
        }
        if let Some(a) = crate::iam::arn::Arn::parse(s)
            && matches!(a.service, "iam" | "sts")
            && a.region.is_empty()
            && is_account_id(a.account)
        {
            return Grantee::Account {
                account: a.account.to_string(),
                principal: s.to_string(),
            };
        }
        Grantee::Unresolved(s.to_string())
    }

    /// The account, for [`Grantee::Account`].
    pub fn account(&self) -> Option<&str> {
        match self {
            Grantee::Account { account, .. } => Some(account),
            _ => None,
        }
    }
}

impl Statement {
    /// Who the statement names. `Principal: "*"` and `{"AWS": "*"}` are [`Grantee::Public`];
    /// so is any `NotPrincipal` (everyone except the listed ones). No principal element: none.
    pub fn grantees(&self) -> Vec<Grantee> {
        let Some(p) = &self.principal else {
            return Vec::new();
        };
        let p = match p {
            Match::Not(_) => return vec![Grantee::Public],
            Match::Is(p) => p,
        };
        let mut out = Vec::new();
        if p.any {
            out.push(Grantee::Public);
        }
        out.extend(p.aws.iter().map(|a| Grantee::from_aws(a)));
        out.extend(p.service.iter().cloned().map(Grantee::Service));
        out.extend(p.federated.iter().cloned().map(Grantee::Federated));
        out.extend(p.canonical_user.iter().cloned().map(Grantee::CanonicalUser));
        out
    }

    /// Whether the statement names everyone ([`Statement::grantees`] has [`Grantee::Public`]).
    pub fn is_public_principal(&self) -> bool {
        match &self.principal {
            Some(Match::Not(_)) => true,
            Some(Match::Is(p)) => p.any,
            None => false,
        }
    }
}

/// What an `Allow` statement exposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExposureKind {
    /// Everyone, without a restricting condition.
    Public,
    /// Everyone, but conditions limit who (the statement's own restricting conditions, or
    /// those of a `Deny` statement that fences it in).
    PublicConditioned(Vec<Condition>),
    /// Named accounts other than the owner.
    CrossAccount {
        /// Their 12-digit IDs, sorted, without duplicates.
        accounts: Vec<String>,
        /// The principals as written (IDs or ARNs).
        principals: Vec<String>,
    },
}

/// One `Allow` statement that lets in someone outside the owner's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// Index of the statement in [`Policy::statements`].
    pub statement: usize,
    /// The statement's `Sid`, else `Statement[i]`.
    pub label: String,
    /// Who.
    pub kind: ExposureKind,
    /// Whether it came from `NotPrincipal` (everyone except `not_principals`).
    pub not_principals: Option<Principals>,
    /// What they may do.
    pub actions: Option<Match<Vec<String>>>,
    /// On what.
    pub resources: Option<Match<Vec<String>>>,
}

impl Exposure {
    /// Everyone, without a restricting condition.
    pub fn is_public(&self) -> bool {
        self.kind == ExposureKind::Public
    }

    /// A sentence: `Principal * may s3:GetObject on arn:aws:s3:::b/*`.
    pub fn describe(&self) -> String {
        let who = match (&self.not_principals, &self.kind) {
            (Some(np), _) => format!("Everyone except NotPrincipal {np}"),
            (None, ExposureKind::CrossAccount { accounts, .. }) => {
                format!("Account {}", accounts.join(", "))
            }
            (None, _) => "Principal *".to_string(),
        };
        let what = match &self.actions {
            None => "any action".to_string(),
            Some(Match::Is(a)) => a.join(", "),
            Some(Match::Not(a)) => format!("any action except {}", a.join(", ")),
        };
        let on = match &self.resources {
            None => String::new(),
            Some(Match::Is(r)) => format!(" on {}", r.join(", ")),
            Some(Match::Not(r)) => format!(" on any resource except {}", r.join(", ")),
        };
        let cond = match &self.kind {
            ExposureKind::PublicConditioned(c) => format!(
                " if {}",
                c.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            _ => String::new(),
        };
        format!("{who} may {what}{on}{cond}")
    }
}

/// Whether `outer` (a list of patterns, or everything when `None`) covers every item of
/// `inner`, read as literal text. `Not` forms never cover and are never covered, except by `*`.
fn covers(outer: Option<&Match<Vec<String>>>, inner: Option<&Match<Vec<String>>>) -> bool {
    let outer = match outer {
        None => return true,
        Some(Match::Not(_)) => return false,
        Some(Match::Is(o)) => o,
    };
    if outer.iter().any(|p| p == "*") {
        return true;
    }
    match inner {
        Some(Match::Is(i)) => i
            .iter()
            .all(|x| outer.iter().any(|p| glob_match(p.as_bytes(), x.as_bytes()))),
        _ => false,
    }
}

impl Policy {
    /// Per `Allow` statement that lets in anyone outside `own_account`: whether it is
    /// [public](ExposureKind::Public), [public but conditioned](ExposureKind::PublicConditioned)
    /// or [granted to other accounts](ExposureKind::CrossAccount), with its actions and
    /// resources. Independent of the service the policy belongs to.
    ///
    /// * `NotPrincipal` in an `Allow` counts as everyone.
    /// * A grant to everyone is conditioned by its own [restricting](super::is_restricting)
    ///   conditions, or by a `Deny` statement for everyone (`Principal` `*`) that covers all of
    ///   its actions and resources and whose conditions are all
    ///   [restricting denials](is_restricting_deny) (the "deny unless from my organization or
    ///   VPC endpoint" pattern). Other `Deny` statements are not evaluated.
    /// * Accounts are 12-digit IDs and IAM/STS ARNs; when `own_account` is `None` every named
    ///   account is listed. Services, identity providers and canonical users are not exposure
    ///   (whether they are depends on the service and on trust-policy conditions).
    pub fn exposure(&self, own_account: Option<&str>) -> Vec<Exposure> {
        let mut out = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let not_principals = match &s.principal {
                Some(Match::Not(p)) => Some(p.clone()),
                _ => None,
            };
            let kind = if s.is_public_principal() {
                let mut conds: Vec<Condition> =
                    s.restricting_conditions().into_iter().cloned().collect();
                if conds.is_empty() {
                    conds = self.fencing_denials(s);
                }
                if conds.is_empty() {
                    ExposureKind::Public
                } else {
                    ExposureKind::PublicConditioned(conds)
                }
            } else {
                let mut accounts = Vec::new();
                let mut principals = Vec::new();
                for g in s.grantees() {
                    if let Grantee::Account { account, principal } = g
                        && own_account != Some(account.as_str())
                    {
                        accounts.push(account);
                        principals.push(principal);
                    }
                }
                if accounts.is_empty() {
                    continue;
                }
                accounts.sort();
                accounts.dedup();
                ExposureKind::CrossAccount {
                    accounts,
                    principals,
                }
            };
            out.push(Exposure {
                statement: i,
                label: s.label(i),
                kind,
                not_principals,
                actions: s.action.clone(),
                resources: s.resource.clone(),
            });
        }
        out
    }

    /// The conditions of `Deny` statements that fence `allow` in (see [`Policy::exposure`]).
    fn fencing_denials(&self, allow: &Statement) -> Vec<Condition> {
        let mut out = Vec::new();
        for d in &self.statements {
            let for_everyone = matches!(&d.principal, Some(Match::Is(p)) if p.any);
            if d.effect != Effect::Deny
                || !for_everyone
                || d.conditions.is_empty()
                || !d.conditions.iter().all(is_restricting_deny)
                || !covers(d.action.as_ref(), allow.action.as_ref())
                || !covers(d.resource.as_ref(), allow.resource.as_ref())
            {
                continue;
            }
            out.extend(d.conditions.iter().cloned());
        }
        out
    }
}
