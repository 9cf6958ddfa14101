//! Structure-preserving refinement of the existing policies, beside the fresh suggestion (as
//! AWS Access Analyzer's unused-access recommendations do): each inline and customer managed
//! policy, the same document with the actions nobody it reaches needs removed, or *detach*
//! when nothing in it is needed; an AWS managed policy gets a customer managed replacement.
//!
//! The rules, per document, against the union of what every principal the policy reaches
//! needs ([`super::Basis::needed`]: observed, inferred and kept-unobservable actions):
//!
//! * `Deny` statements are kept as written (removing a `Deny` can widen another grant).
//! * In an `Allow` statement, an `Action` entry is kept when it names nothing outside the needed
//!   actions (among those its `Resource` can apply to), removed when it names none of them, and
//!   otherwise replaced by the needed actions it names, spelled out. An entry the catalog does
//!   not know (an action newer than it) is kept.
//! * A `NotAction` statement becomes an `Action` statement listing the needed actions it
//!   allowed (removing entries from a `NotAction` would widen it).
//! * `Sid`, `Resource`, `NotResource` and `Condition` are never touched; a statement left with
//!   no action is removed; a policy left with no statement is detached (deleted, if inline).
//!
//! A policy is refined only when everything it reaches is known: every principal it reaches
//! has a reviewed suggestion (not excluded, not in the grace period, CloudTrail of its account
//! read), a managed policy's attachments are all in the details and it is nobody's permissions
//! boundary. Each change is then replayed ([`super::verify`]) for every principal it reaches,
//! with all refinements of the account applied together: every observed call stays allowed,
//! and nothing is allowed that today's grant refuses. A refinement that fails is not written.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::Plan;
use super::refine_doc::{Spelling, refine_document};
use super::verify::{Verification, verify_changed};
use crate::iam::catalog::{ActionId, catalog};
use crate::iam::details::{AccountDetails, PolicySource, SourceKind};
use crate::iam::engine::{ActionSet, Engine, Grant};

/// IAM's size limits (characters without whitespace): a managed policy, and the inline
/// policies of one user, group or role together.
pub const MANAGED_LIMIT: usize = 6_144;
/// Inline policies of one user, together.
pub const USER_INLINE_LIMIT: usize = 2_048;
/// Inline policies of one group, together.
pub const GROUP_INLINE_LIMIT: usize = 5_120;
/// Inline policies of one role, together.
pub const ROLE_INLINE_LIMIT: usize = 10_240;
/// How many removed actions a refinement lists by name (riskiest first).
pub const LISTED_REMOVED: usize = 25;

/// The kind of IAM entity that holds or is attached to a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
}

impl Owner {
    /// `user`, `group` or `role` (as in the `aws iam` commands).
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::User => "user",
            Owner::Group => "group",
            Owner::Role => "role",
        }
    }
}

/// Which policy is refined.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A managed policy.
    Managed {
        /// Its ARN.
        arn: String,
        /// Its name.
        name: String,
        /// Its path.
        path: String,
        /// AWS managed (the refinement is then a customer managed replacement).
        aws_managed: bool,
        /// The version in effect.
        default_version: Option<String>,
        /// The other stored versions, oldest first (IAM keeps at most five).
        other_versions: Vec<String>,
    },
    /// An inline policy of one user, group or role.
    Inline {
        /// Who holds it.
        owner: Owner,
        /// The holder's name.
        owner_name: String,
        /// The policy's name.
        name: String,
    },
}

impl Target {
    /// `managed:ARN` or `inline:KIND/NAME/POLICY`.
    pub fn label(&self) -> String {
        match self {
            Target::Managed { arn, .. } => format!("managed:{arn}"),
            Target::Inline {
                owner,
                owner_name,
                name,
            } => format!("inline:{}/{owner_name}/{name}", owner.as_str()),
        }
    }
}

/// What happens to the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The refined document replaces it (for an AWS managed policy: a customer managed
    /// replacement takes its place).
    Refine,
    /// Nothing in it is needed: detach it (delete it, if inline).
    Detach,
    /// Everything it allows is needed.
    Unchanged,
    /// Not refined, and why.
    Skipped(String),
    /// The replay refused it: the failing request.
    Failed(String),
}

impl Outcome {
    /// `refine`, `replace` (an AWS managed policy refined), `detach`, `unchanged`, `skipped`,
    /// `failed`.
    pub fn as_str(&self, aws_managed: bool) -> &'static str {
        match self {
            Outcome::Refine if aws_managed => "replace",
            Outcome::Refine => "refine",
            Outcome::Detach => "detach",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped(_) => "skipped",
            Outcome::Failed(_) => "failed",
        }
    }

    /// Whether files are written for it.
    pub fn writes(&self) -> bool {
        matches!(self, Outcome::Refine | Outcome::Detach)
    }
}

/// One existing policy, refined.
#[derive(Clone, Debug)]
pub struct Refinement {
    /// The account.
    pub account: String,
    /// The policy.
    pub target: Target,
    /// Where it is attached (managed) or held (inline): kind and name, sorted.
    pub attachments: Vec<(Owner, String)>,
    /// The users and roles it reaches (through groups too), by ARN, sorted.
    pub principals: Vec<String>,
    /// The document in effect today.
    pub before: Value,
    /// The refined document (`None` unless [`Outcome::Refine`]).
    pub after: Option<Value>,
    /// How many actions it allowed and no longer allows.
    pub removed: usize,
    /// The riskiest of them (at most [`LISTED_REMOVED`]), `service:Action (access level)`.
    pub removed_listed: Vec<String>,
    /// How many actions it still allows.
    pub kept: usize,
    /// What changed, statement by statement.
    pub changes: Vec<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// Principals replayed, observed calls replayed and sampled requests checked.
    pub verified: Option<(usize, usize, usize)>,
}

impl Refinement {
    /// Whether it is an AWS managed policy's.
    pub fn aws_managed(&self) -> bool {
        matches!(
            self.target,
            Target::Managed {
                aws_managed: true,
                ..
            }
        )
    }
}

/// How a policy is named among an account's: managed by ARN, inline by holder and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Managed(String),
    Inline(Owner, String, String),
}

fn key_of(src: &PolicySource<'_>, owner: Owner, owner_name: &str) -> Option<Key> {
    match src.kind {
        SourceKind::Inline => Some(Key::Inline(owner, owner_name.into(), src.name.into())),
        SourceKind::GroupInline { group } => {
            Some(Key::Inline(Owner::Group, group.into(), src.name.into()))
        }
        SourceKind::Managed { .. } | SourceKind::GroupManaged { .. } => {
            src.arn.map(|a| Key::Managed(a.into()))
        }
        SourceKind::MissingGroup { .. } => None,
    }
}

struct Reach<'a> {
    document: Option<&'a Value>,
    principals: BTreeSet<String>,
}

/// Every principal's policies, each with its key: `(principal ARN, [(key, document)])`.
type Identities<'a> = Vec<(String, Vec<(Key, Option<&'a Value>)>)>;

fn identities(acct: &AccountDetails) -> Identities<'_> {
    let mut out = Vec::new();
    for u in &acct.users {
        let srcs = acct.user_policies(u);
        let v = srcs
            .iter()
            .filter_map(|s| key_of(s, Owner::User, &u.name).map(|k| (k, s.document)))
            .collect();
        out.push((u.arn.clone(), v));
    }
    for r in &acct.roles {
        let srcs = acct.role_policies(r);
        let v = srcs
            .iter()
            .filter_map(|s| key_of(s, Owner::Role, &r.name).map(|k| (k, s.document)))
            .collect();
        out.push((r.arn.clone(), v));
    }
    out
}

/// Every managed policy's attachments, by ARN: kind and name, sorted.
fn attachments(acct: &AccountDetails) -> HashMap<&str, Vec<(Owner, String)>> {
    let mut out: HashMap<&str, Vec<(Owner, String)>> = HashMap::new();
    let users = acct
        .users
        .iter()
        .map(|u| (Owner::User, &u.name, &u.attached));
    let groups = acct
        .groups
        .iter()
        .map(|g| (Owner::Group, &g.name, &g.attached));
    let roles = acct
        .roles
        .iter()
        .map(|r| (Owner::Role, &r.name, &r.attached));
    for (owner, name, attached) in users.chain(groups).chain(roles) {
        for a in attached {
            let list = out.entry(a.arn.as_str()).or_default();
            if !list.iter().any(|(o, n)| *o == owner && n == name) {
                list.push((owner, name.clone()));
            }
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

fn target_of(acct: &AccountDetails, key: &Key) -> Target {
    match key {
        Key::Managed(arn) => {
            let p = acct.policy(arn);
            let mut others: Vec<(Option<i64>, String)> = p
                .map(|p| {
                    p.other_versions
                        .iter()
                        .map(|v| (v.create_date, v.version_id.clone()))
                        .collect()
                })
                .unwrap_or_default();
            others.sort();
            Target::Managed {
                arn: arn.clone(),
                name: p.map_or_else(
                    || {
                        crate::iam::arn::Arn::parse(arn)
                            .map_or_else(|| arn.clone(), |a| a.resource_name().to_owned())
                    },
                    |p| p.name.clone(),
                ),
                path: p.map_or_else(|| "/".into(), |p| p.path.clone()),
                aws_managed: p.map_or_else(
                    || crate::iam::details::is_aws_managed_arn(arn),
                    |p| p.aws_managed,
                ),
                default_version: p.and_then(|p| p.default_version_id.clone()),
                other_versions: others.into_iter().map(|(_, v)| v).collect(),
            }
        }
        Key::Inline(owner, owner_name, name) => Target::Inline {
            owner: *owner,
            owner_name: owner_name.clone(),
            name: name.clone(),
        },
    }
}

fn compact_len(v: &Value) -> usize {
    serde_json::to_string(v).map_or(usize::MAX, |s| s.len())
}

/// Why a managed policy cannot be refined from what the details show, if it cannot.
fn managed_blocker(acct: &AccountDetails, arn: &str, attached: usize) -> Option<String> {
    let p = acct.policy(arn)?;
    if let Some(n) = p.permissions_boundary_usage_count.filter(|n| *n > 0) {
        return Some(format!(
            "it is also the permissions boundary of {n} principal(s): narrowing it would narrow them"
        ));
    }
    if let Some(n) = p.attachment_count.filter(|n| *n != attached as u64) {
        return Some(format!(
            "it is attached to {n} entities and the details show {attached}: the others' use is unknown"
        ));
    }
    None
}

/// Refines every inline and managed policy of one account that its principals' plans reach.
pub fn account(
    acct: &AccountDetails,
    grants: &[Grant],
    plans: &[Plan],
    engine: &mut Engine,
) -> Vec<Refinement> {
    let ids = identities(acct);
    let mut reach: BTreeMap<Key, Reach<'_>> = BTreeMap::new();
    for (arn, srcs) in &ids {
        for (k, doc) in srcs {
            let e = reach.entry(k.clone()).or_insert(Reach {
                document: *doc,
                principals: BTreeSet::new(),
            });
            e.principals.insert(arn.clone());
        }
    }
    // Inline policies of groups without members reach nobody: nothing to refine.
    let plan_of: HashMap<&str, &Plan> = plans.iter().map(|p| (p.arn.as_str(), p)).collect();
    let roles: HashMap<&str, &crate::iam::details::Role> =
        acct.roles.iter().map(|r| (r.arn.as_str(), r)).collect();
    let attached = attachments(acct);
    let mut out: Vec<Refinement> = Vec::new();
    for (key, r) in &reach {
        let target = target_of(acct, key);
        let atts = match key {
            Key::Managed(arn) => attached.get(arn.as_str()).cloned().unwrap_or_default(),
            Key::Inline(o, n, _) => vec![(*o, n.clone())],
        };
        let mut rf = Refinement {
            account: acct.account.clone(),
            target,
            attachments: atts,
            principals: r.principals.iter().cloned().collect(),
            before: r.document.cloned().unwrap_or(Value::Null),
            after: None,
            removed: 0,
            removed_listed: Vec::new(),
            kept: 0,
            changes: Vec::new(),
            outcome: Outcome::Unchanged,
            verified: None,
        };
        let Some(doc) = r.document else {
            rf.outcome = Outcome::Skipped("its document is not in the details".into());
            out.push(rf);
            continue;
        };
        let mut blocker = match key {
            Key::Managed(arn) => managed_blocker(acct, arn, rf.attachments.len()),
            Key::Inline(..) => None,
        };
        let mut needed = ActionSet::new();
        for p in &r.principals {
            if blocker.is_some() {
                break;
            }
            match plan_of.get(p.as_str()).map(|pl| &pl.basis) {
                Some(Ok(b)) => {
                    for id in &b.needed {
                        needed.insert(*id);
                    }
                }
                Some(Err(why)) => blocker = Some(format!("it reaches {p}, which is {why}")),
                None => {
                    let why = if roles.get(p.as_str()).is_some_and(|x| x.is_service_linked()) {
                        "a service-linked role (its policies belong to AWS)"
                    } else {
                        "not reviewed"
                    };
                    blocker = Some(format!("it reaches {p}, {why}"));
                }
            }
        }
        if blocker.is_none()
            && r.principals.iter().any(|p| {
                roles
                    .get(p.as_str())
                    .is_some_and(|x| x.is_identity_center())
            })
        {
            blocker = Some(
                "it reaches a role of IAM Identity Center: change the permission set instead"
                    .into(),
            );
        }
        if let Some(why) = blocker {
            rf.outcome = Outcome::Skipped(why);
            out.push(rf);
            continue;
        }
        let limit = match key {
            Key::Managed(_) => MANAGED_LIMIT,
            Key::Inline(Owner::User, ..) => USER_INLINE_LIMIT,
            Key::Inline(Owner::Group, ..) => GROUP_INLINE_LIMIT,
            Key::Inline(Owner::Role, ..) => ROLE_INLINE_LIMIT,
        };
        // Spelled out when it fits; else exact wildcards, at word boundaries first.
        let mut refined = refine_document(engine, doc, &needed, Spelling::Names);
        for how in [Spelling::Words, Spelling::Shortest] {
            let over = refined
                .as_ref()
                .is_ok_and(|r| r.after.as_ref().is_some_and(|a| compact_len(a) > limit));
            if over {
                refined = refine_document(engine, doc, &needed, how);
            }
        }
        match refined {
            Err(e) => rf.outcome = Outcome::Skipped(format!("its document does not read: {e}")),
            Ok(refined) => {
                let removed = refined.allowed_before.difference(&refined.allowed_after);
                rf.removed = removed.len();
                rf.kept = refined.allowed_after.len();
                let c = catalog();
                let mut listed: Vec<ActionId> = removed.iter().collect();
                listed.sort_by_key(|id| (super::plan::risk_rank(c.get(*id).access), *id));
                rf.removed_listed = listed
                    .iter()
                    .take(LISTED_REMOVED)
                    .map(|id| format!("{} ({})", c.get(*id), c.get(*id).access.as_str()))
                    .collect();
                rf.changes = refined.changes;
                rf.outcome = match &refined.after {
                    None => Outcome::Detach,
                    // Rewriting what allows the same (a NotAction spelled out) is no change.
                    Some(a) if a == doc || rf.removed == 0 => Outcome::Unchanged,
                    Some(_) => Outcome::Refine,
                };
                rf.after = refined.after.filter(|_| rf.outcome == Outcome::Refine);
                if rf.outcome == Outcome::Refine && rf.aws_managed() && rf.kept == 0 {
                    // Only Denies left in an AWS managed policy: nothing to replace it with.
                    rf.outcome = Outcome::Unchanged;
                    rf.after = None;
                }
            }
        }
        out.push(rf);
    }
    check_sizes(&mut out);
    replay(grants, plans, engine, &ids, &mut out);
    out
}

/// A refined document over IAM's size limit cannot be applied: skipped, with the fresh
/// suggestion as the way out.
fn check_sizes(out: &mut [Refinement]) {
    // Inline policies count together per holder.
    let mut inline_total: BTreeMap<(Owner, String), usize> = BTreeMap::new();
    for r in out.iter() {
        if let Target::Inline {
            owner, owner_name, ..
        } = &r.target
        {
            let doc = match r.outcome {
                Outcome::Refine => r.after.as_ref(),
                Outcome::Detach => None,
                _ => Some(&r.before),
            };
            *inline_total
                .entry((*owner, owner_name.clone()))
                .or_default() += doc.map_or(0, compact_len);
        }
    }
    for r in out.iter_mut() {
        let Some(after) = r.after.as_ref().filter(|_| r.outcome == Outcome::Refine) else {
            continue;
        };
        let (len, limit, what) = match &r.target {
            Target::Managed { .. } => (compact_len(after), MANAGED_LIMIT, "a managed policy"),
            Target::Inline {
                owner, owner_name, ..
            } => (
                inline_total[&(*owner, owner_name.clone())],
                match owner {
                    Owner::User => USER_INLINE_LIMIT,
                    Owner::Group => GROUP_INLINE_LIMIT,
                    Owner::Role => ROLE_INLINE_LIMIT,
                },
                match owner {
                    Owner::User => "a user's inline policies",
                    Owner::Group => "a group's inline policies",
                    Owner::Role => "a role's inline policies",
                },
            ),
        };
        if len > limit {
            r.outcome = Outcome::Skipped(format!(
                "refined, it would hold {len} characters, over IAM's limit of {limit} for {what} \
                 (spelled-out actions are longer than the wildcards they replace): apply the \
                 fresh suggestion instead"
            ));
            r.after = None;
        }
    }
}

/// Replays every principal that a written refinement reaches, with all of them applied.
fn replay(
    grants: &[Grant],
    plans: &[Plan],
    engine: &mut Engine,
    ids: &Identities<'_>,
    out: &mut [Refinement],
) {
    let grant_of: HashMap<&str, &Grant> = grants
        .iter()
        .map(|g| (g.principal_arn.as_str(), g))
        .collect();
    let plan_of: HashMap<&str, &Plan> = plans.iter().map(|p| (p.arn.as_str(), p)).collect();
    let key_of_target = |t: &Target| match t {
        Target::Managed { arn, .. } => Key::Managed(arn.clone()),
        Target::Inline {
            owner,
            owner_name,
            name,
        } => Key::Inline(*owner, owner_name.clone(), name.clone()),
    };
    let changed: BTreeMap<Key, usize> = out
        .iter()
        .enumerate()
        .filter(|(_, r)| r.outcome.writes())
        .map(|(i, r)| (key_of_target(&r.target), i))
        .collect();
    let mut totals: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    let mut failed: BTreeMap<usize, String> = BTreeMap::new();
    for (arn, srcs) in ids {
        let touched: Vec<usize> = srcs
            .iter()
            .filter_map(|(k, _)| changed.get(k))
            .copied()
            .collect();
        if touched.is_empty() {
            continue;
        }
        let (Some(g), Some(Ok(basis))) = (
            grant_of.get(arn.as_str()),
            plan_of.get(arn.as_str()).map(|p| &p.basis),
        ) else {
            continue;
        };
        let mut docs: Vec<Value> = Vec::new();
        let mut new_docs: Vec<Value> = Vec::new();
        for (k, doc) in srcs {
            match changed.get(k) {
                Some(&i) => {
                    if let Some(a) = &out[i].after {
                        docs.push(a.clone());
                        new_docs.push(a.clone());
                    }
                }
                None => docs.extend(doc.cloned()),
            }
        }
        match verify_changed(engine, g, &docs, &new_docs, &basis.replayed, &basis.touched) {
            Verification::Verified { observed, sampled } => {
                for i in &touched {
                    let t = totals.entry(*i).or_default();
                    t.0 += 1;
                    t.1 += observed;
                    t.2 += sampled;
                }
            }
            Verification::Failed(why) => {
                for i in &touched {
                    failed
                        .entry(*i)
                        .or_insert_with(|| format!("replayed for {arn}: {why}"));
                }
            }
        }
    }
    for (i, r) in out.iter_mut().enumerate() {
        if let Some(why) = failed.remove(&i) {
            r.outcome = Outcome::Failed(why);
            r.after = None;
        } else if r.outcome.writes() {
            r.verified = Some(totals.get(&i).copied().unwrap_or_default());
        }
    }
}
