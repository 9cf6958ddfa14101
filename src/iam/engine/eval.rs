//! [`Engine`]: evaluates users and roles against the catalog, layering identity policies,
//! permissions boundary and SCPs, and caching pattern expansions and policy evaluations.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::iam::catalog::catalog;
use crate::iam::details::{AccountDetails, PolicySource, Role, SourceKind, User};
use crate::iam::policy::{Effect, Match, Policy, Statement};

use super::action_set::ActionSet;
use super::applicability::applicability;
use super::grant::{Grant, GrantSource, PrincipalKind};
use super::policy_eval::{AllowStmt, DenyStmt, PolicyEval};
use super::scp::Organization;

/// Whether a `Deny`'s resource element covers every resource: `Resource` with `"*"`, or none.
fn covers_every_resource(r: &Option<Match<Vec<String>>>) -> bool {
    match r {
        None => true,
        Some(Match::Is(v)) => v.iter().any(|x| x == "*"),
        Some(Match::Not(_)) => false,
    }
}

/// A cached evaluation: the expanded document, or why it could not be parsed.
type Evaluated = Result<Arc<PolicyEval>, String>;

/// The actions of the services resource control policies bound ([`super::scp::RCP_SERVICES`]).
pub(super) fn rcp_actions() -> &'static ActionSet {
    static SET: std::sync::OnceLock<ActionSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        super::scp::RCP_SERVICES
            .iter()
            .flat_map(|s| catalog().expand(&format!("{s}:*")))
            .collect()
    })
}

/// Evaluates principals' grants, caching pattern expansions and policy evaluations.
#[derive(Debug, Default)]
pub struct Engine {
    /// The `--scp` level: applied to every account (union within the level).
    scps: Vec<Arc<PolicyEval>>,
    /// The organization's levels, per account (root first), and whether the account is exempt.
    org: Option<OrgLevels>,
    /// Lower-cased pattern -> its expansion (for the engine's lifetime).
    pub(super) patterns: HashMap<String, Arc<ActionSet>>,
    /// `R` or `N`, then the resource patterns NUL-joined -> the actions they can apply to.
    resources: HashMap<String, Arc<ActionSet>>,
    /// `account NUL arn NUL version` -> managed policy evaluation.
    managed: HashMap<String, Evaluated>,
    /// `account NUL group NUL policy name` -> group inline policy evaluation.
    group_inline: HashMap<String, Evaluated>,
}

#[derive(Debug, Default)]
struct OrgLevels {
    org: Organization,
    evals: HashMap<String, Arc<PolicyEval>>,
    /// The resource control policies bounding each placed account's resources.
    rcps: Arc<Rcps>,
}

/// Resource control policies by the account whose resources they bound ([`Grant::decide`]
/// looks up the account of the request's resource).
#[derive(Debug, Default)]
pub(crate) struct Rcps {
    pub(super) by_account: HashMap<String, Vec<Arc<PolicyEval>>>,
}

impl Engine {
    /// An engine applying these service control policies to every account, as one level
    /// (none: no SCP).
    pub fn new(scps: Vec<Policy>) -> Engine {
        let mut e = Engine::default();
        let evaluated = scps.iter().map(|p| Arc::new(e.eval_policy(p))).collect();
        e.scps = evaluated;
        e
    }

    /// Adds an organization's SCP hierarchy: an account gets the levels from the root down to
    /// itself (union within a level, intersection across levels, a deny anywhere wins); the
    /// management account gets none (SCPs never apply to it, nor does the `--scp` level).
    pub fn with_organization(mut self, org: Organization) -> Engine {
        let mut evals = HashMap::new();
        for (id, p) in &org.policies {
            evals.insert(id.clone(), Arc::new(self.eval_policy(p)));
        }
        let mut rcps = Rcps::default();
        let accounts = org
            .parents
            .keys()
            .chain(org.rcp_targets.keys())
            .filter(|t| crate::iam::is_account_id(t));
        for account in accounts {
            let list: Vec<Arc<PolicyEval>> = org
                .rcps(account)
                .iter()
                .filter_map(|id| evals.get(id).cloned())
                .collect();
            if !list.is_empty() {
                rcps.by_account.insert(account.clone(), list);
            }
        }
        self.org = Some(OrgLevels {
            org,
            evals,
            rcps: Arc::new(rcps),
        });
        self
    }

    /// The SCP levels that apply to an account.
    fn scp_levels(&self, account: &str) -> Vec<Vec<Arc<PolicyEval>>> {
        let mut out = Vec::new();
        if let Some(o) = &self.org {
            if o.org.management_account.as_deref() == Some(account) {
                return out;
            }
            if let Some(levels) = o.org.levels(account) {
                for ids in levels {
                    out.push(
                        ids.iter()
                            .filter_map(|id| o.evals.get(id).cloned())
                            .collect(),
                    );
                }
            }
        }
        if !self.scps.is_empty() {
            out.push(self.scps.clone());
        }
        out
    }

    /// The catalog actions an IAM action pattern matches (cached per pattern; patterns differing
    /// only in case share an entry).
    pub fn expand(&mut self, pattern: &str) -> Arc<ActionSet> {
        let key = pattern.to_ascii_lowercase();
        Arc::clone(
            self.patterns
                .entry(key)
                .or_insert_with(|| Arc::new(catalog().expand(pattern).into_iter().collect())),
        )
    }

    /// What a statement's `Action` or `NotAction` names, among the actions its `Resource` or
    /// `NotResource` can apply to.
    fn statement_actions(&mut self, st: &Statement) -> ActionSet {
        let mut set = ActionSet::new();
        if let Some(m) = &st.action {
            for p in m.value() {
                let s = self.expand(p);
                set.union_with(&s);
            }
            if m.is_not() {
                set.complement();
            }
        }
        if let Some(r) = &st.resource {
            set.intersect_with(&self.applicable(r));
        }
        set
    }

    /// What one `Allow` or `Deny` statement names: its `Action` (or the complement of its
    /// `NotAction`) among the actions its `Resource` or `NotResource` can apply to.
    pub fn statement_names(&mut self, st: &Statement) -> ActionSet {
        self.statement_actions(st)
    }

    /// What one entry of a statement's `Action` names among the actions the statement's
    /// resource element can apply to.
    pub fn entry_names(
        &mut self,
        pattern: &str,
        resource: Option<&Match<Vec<String>>>,
    ) -> ActionSet {
        let mut set = (*self.expand(pattern)).clone();
        if let Some(r) = resource {
            set.intersect_with(&self.applicable(r));
        }
        set
    }

    /// The actions a resource element can apply to (cached per element).
    fn applicable(&mut self, r: &Match<Vec<String>>) -> Arc<ActionSet> {
        let (tag, patterns) = match r {
            Match::Is(v) => ('R', v),
            Match::Not(v) => ('N', v),
        };
        let mut key = String::from(tag);
        for p in patterns {
            key.push('\0');
            key.push_str(p);
        }
        Arc::clone(self.resources.entry(key).or_insert_with(|| {
            let t = applicability();
            Arc::new(match r {
                Match::Is(v) => t.for_resources(v),
                Match::Not(v) => t.for_not_resources(v),
            })
        }))
    }

    fn eval_policy(&mut self, p: &Policy) -> PolicyEval {
        let mut ev = PolicyEval::default();
        for (i, st) in p.statements.iter().enumerate() {
            let actions = self.statement_actions(st);
            match st.effect {
                Effect::Allow => {
                    ev.has_allow = true;
                    ev.allow.union_with(&actions);
                    if st.conditions.is_empty() {
                        ev.allow_uncond.union_with(&actions);
                    }
                    ev.allow_stmts.push(AllowStmt {
                        label: st.label(i),
                        actions,
                        resource: st.resource.clone(),
                        conditions: st.conditions.clone(),
                    });
                }
                Effect::Deny => {
                    if st.conditions.is_empty() && covers_every_resource(&st.resource) {
                        ev.deny_hard.union_with(&actions);
                    } else {
                        ev.deny_soft.union_with(&actions);
                    }
                    ev.deny_stmts.push(DenyStmt {
                        actions,
                        statement: st.clone(),
                    });
                }
            }
        }
        ev
    }

    fn eval_document(&mut self, doc: &Value) -> Evaluated {
        match Policy::from_value(doc) {
            Ok(p) => Ok(Arc::new(self.eval_policy(&p))),
            Err(e) => Err(e.to_string()),
        }
    }

    /// A managed policy's default version, evaluated once per account; `None` if its document
    /// is not in the details.
    fn eval_managed(&mut self, acct: &AccountDetails, arn: &str) -> Option<Evaluated> {
        let policy = acct.policy(arn)?;
        let doc = policy.default_document.as_ref()?;
        let version = policy.default_version_id.as_deref().unwrap_or("");
        let key = format!("{}\0{arn}\0{version}", acct.account);
        if let Some(ev) = self.managed.get(&key) {
            return Some(ev.clone());
        }
        let ev = self.eval_document(doc);
        self.managed.insert(key, ev.clone());
        Some(ev)
    }

    /// `g` with its identity policies replaced by `documents` (its boundary and SCP levels
    /// kept): what the principal could do if a suggestion replaced its policies. A document
    /// that does not parse is an error naming it.
    pub fn with_identity(&mut self, g: &Grant, documents: &[Value]) -> Result<Grant, String> {
        let mut out = g.clone();
        out.sources.clear();
        out.unknown_policies.clear();
        out.errors.clear();
        for (i, doc) in documents.iter().enumerate() {
            let label = format!("suggested:{}", i + 1);
            let p = Policy::from_value(doc).map_err(|e| format!("{label}: {e}"))?;
            out.sources.push(GrantSource {
                label,
                arn: None,
                group: None,
                eval: Arc::new(self.eval_policy(&p)),
            });
        }
        Ok(out)
    }

    /// Evaluates every user, then every role, of an account (in the details' order).
    pub fn evaluate_account(&mut self, acct: &AccountDetails) -> Vec<Grant> {
        // Documents are cached per account; start afresh so that details read separately for
        // the same account never share entries.
        self.managed.clear();
        self.group_inline.clear();
        let mut out = Vec::with_capacity(acct.users.len() + acct.roles.len());
        for u in &acct.users {
            out.push(self.evaluate_user(acct, u));
        }
        for r in &acct.roles {
            out.push(self.evaluate_role(acct, r));
        }
        out
    }

    /// Evaluates one user of `acct`.
    pub fn evaluate_user(&mut self, acct: &AccountDetails, u: &User) -> Grant {
        let sources = acct.user_policies(u);
        self.evaluate(
            acct,
            PrincipalKind::User,
            &u.name,
            &u.arn,
            &sources,
            u.permissions_boundary.as_deref(),
            true,
        )
    }

    /// Evaluates one role of `acct` (SCPs are not applied to a service-linked role).
    pub fn evaluate_role(&mut self, acct: &AccountDetails, r: &Role) -> Grant {
        let sources = acct.role_policies(r);
        self.evaluate(
            acct,
            PrincipalKind::Role,
            &r.name,
            &r.arn,
            &sources,
            r.permissions_boundary.as_deref(),
            !r.is_service_linked(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &mut self,
        acct: &AccountDetails,
        kind: PrincipalKind,
        name: &str,
        arn: &str,
        policies: &[PolicySource<'_>],
        boundary: Option<&str>,
        apply_scps: bool,
    ) -> Grant {
        let mut g = Grant {
            account: acct.account.clone(),
            principal_arn: arn.to_owned(),
            kind,
            name: name.to_owned(),
            granted: ActionSet::new(),
            conditional: ActionSet::new(),
            sources: Vec::with_capacity(policies.len()),
            boundary: boundary.map(str::to_owned),
            scps_applied: false,
            unknown_policies: Vec::new(),
            errors: Vec::new(),
            boundary_eval: None,
            scp_levels: Vec::new(),
            rcps: None,
        };
        let mut allow = ActionSet::new();
        let mut sure = ActionSet::new();
        let mut deny_hard = ActionSet::new();
        let mut deny_soft = ActionSet::new();

        for src in policies {
            let (label, group) = match src.kind {
                SourceKind::Inline => (format!("inline:{}", src.name), None),
                SourceKind::Managed { .. } => (format!("managed:{}", src.arn.unwrap_or("")), None),
                SourceKind::GroupInline { group } => {
                    (format!("group:{group}/inline:{}", src.name), Some(group))
                }
                SourceKind::GroupManaged { group, .. } => (
                    format!("group:{group}/managed:{}", src.arn.unwrap_or("")),
                    Some(group),
                ),
                SourceKind::MissingGroup { group } => {
                    g.unknown_policies.push(format!("group:{group}"));
                    continue;
                }
            };
            let evaluated = match (src.kind, src.arn, src.document) {
                (_, _, None) => None,
                (_, Some(arn), Some(_)) => self.eval_managed(acct, arn),
                (SourceKind::GroupInline { group }, None, Some(doc)) => {
                    let key = format!("{}\0{group}\0{}", acct.account, src.name);
                    let ev = match self.group_inline.get(&key) {
                        Some(ev) => ev.clone(),
                        None => {
                            let ev = self.eval_document(doc);
                            self.group_inline.insert(key, ev.clone());
                            ev
                        }
                    };
                    Some(ev)
                }
                (_, None, Some(doc)) => Some(self.eval_document(doc)),
            };
            match evaluated {
                None => g.unknown_policies.push(label),
                Some(Err(e)) => {
                    g.errors.push(format!("{label}: {e}"));
                    g.unknown_policies.push(label);
                }
                Some(Ok(ev)) => {
                    allow.union_with(&ev.allow);
                    sure.union_with(&ev.allow_uncond);
                    deny_hard.union_with(&ev.deny_hard);
                    deny_soft.union_with(&ev.deny_soft);
                    g.sources.push(GrantSource {
                        label,
                        arn: src.arn.map(str::to_owned),
                        group: group.map(str::to_owned),
                        eval: ev,
                    });
                }
            }
        }

        if let Some(b) = boundary {
            let label = format!("boundary:{b}");
            match self.eval_managed(acct, b) {
                None => g.unknown_policies.push(label),
                Some(Err(e)) => {
                    g.errors.push(format!("{label}: {e}"));
                    g.unknown_policies.push(label);
                }
                Some(Ok(ev)) => {
                    allow.intersect_with(&ev.allow);
                    sure.intersect_with(&ev.allow_uncond);
                    deny_hard.union_with(&ev.deny_hard);
                    deny_soft.union_with(&ev.deny_soft);
                    g.boundary_eval = Some(ev);
                }
            }
        }

        if apply_scps {
            for level in self.scp_levels(&acct.account) {
                g.scps_applied = true;
                // Within a level the attached SCPs are unioned: an action passes the level
                // when any of them allows it. A level of deny lists only (meant beside
                // `FullAWSAccess`, which the files may leave out) does not filter.
                let mut lv_allow = ActionSet::new();
                let mut lv_sure = ActionSet::new();
                let mut has_allow = false;
                for scp in &level {
                    if scp.has_allow {
                        has_allow = true;
                        lv_allow.union_with(&scp.allow);
                        lv_sure.union_with(&scp.allow_uncond);
                    }
                    deny_hard.union_with(&scp.deny_hard);
                    deny_soft.union_with(&scp.deny_soft);
                }
                if has_allow {
                    allow.intersect_with(&lv_allow);
                    sure.intersect_with(&lv_sure);
                }
                g.scp_levels.push(level);
            }
        }

        // Resource control policies bound the resources, not the principal: an action they
        // deny on this account's resources may still be used on other accounts' resources,
        // so it stays granted, marked conditional (a resource-scoped Deny names it).
        if apply_scps && let Some(o) = &self.org {
            if !o.rcps.by_account.is_empty() {
                g.rcps = Some(Arc::clone(&o.rcps));
            }
            for ev in o.rcps.by_account.get(&acct.account).into_iter().flatten() {
                let mut named = ev.deny_hard.union(&ev.deny_soft);
                named.intersect_with(rcp_actions());
                deny_soft.union_with(&named);
            }
        }

        allow.subtract(&deny_hard);
        sure.subtract(&deny_soft);
        g.conditional = allow.difference(&sure);
        g.granted = allow;
        g
    }
}
