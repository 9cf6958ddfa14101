//! The "granted" half of the least-privilege engine: for every IAM user and role of an account,
//! which catalog actions its policies let it perform, which only under conditions, and which
//! policies grant each.
//!
//! # What is evaluated
//!
//! A principal's identity policies are those [`AccountDetails::user_policies`] and
//! [`AccountDetails::role_policies`] list: its inline and attached managed policies (the
//! default version) and, for a user, its groups' inline and attached policies. Its permissions
//! boundary ([`User::permissions_boundary`], [`Role::permissions_boundary`]) and the service
//! control policies given to [`Engine::new`] filter them:
//!
//! ```text
//! granted     = identity allows ∩ boundary allows ∩ each SCP's allows
//!               − actions any of them denies unconditionally
//! conditional = the part of granted that is allowed only by statements with a Condition (in
//!               some layer), or that a Deny with a Condition or a narrower Resource may refuse
//! ```
//!
//! * Action patterns are IAM globs (`*`, `?`, case-insensitive), expanded with
//!   [`Catalog::expand`](super::catalog::Catalog::expand); `NotAction` is the complement within
//!   the catalog. Patterns naming nothing in the catalog (a typo, a service newer than the
//!   catalog) expand to nothing.
//! * A `Deny` is *unconditional* when it has no `Condition` and its `Resource` contains `"*"`
//!   (or it has no resource element at all). Any other `Deny` (a `Condition`, narrower
//!   resources, `NotResource`) does not remove its actions: they stay granted, marked
//!   conditional.
//! * An `Allow` scoped to some resources still grants its actions (unconditionally, if it has
//!   no `Condition`): [`Grant::resources_for`] and [`Grant::statements_for`] say on what.
//! * A service control policy with no `Allow` statement at all (a deny list, meant to sit beside
//!   `FullAWSAccess`) only denies; it is not intersected. SCPs do not apply to service-linked
//!   roles ([`Role::is_service_linked`]), as in AWS.
//! * A policy whose document is not in the details (an AWS managed policy exported with
//!   `--filter`, a group left out) or does not parse is listed in
//!   [`Grant::unknown_policies`] (and a parse error in [`Grant::errors`]): the grant is then a
//!   lower bound for identity policies. An unknown permissions boundary is listed the same way
//!   (`boundary:ARN`) and not applied, so the grant is not narrowed by it.
//!
//! Not modelled: resource policies, session policies, the SCP exemption of an organization's
//! management account, and the evaluation of condition values.
//!
//! # Cost
//!
//! Sets are [`ActionSet`] bitsets over catalog ids. Each distinct pattern is expanded once per
//! [`Engine`]; each managed policy (by ARN and default version) and each group inline policy is
//! parsed and expanded once per account; per principal only word-wise OR/AND loops remain.
//!
//! [`User::permissions_boundary`]: super::details::User::permissions_boundary
//! [`Role::permissions_boundary`]: super::details::Role::permissions_boundary
//! [`Role::is_service_linked`]: super::details::Role::is_service_linked

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::catalog::{ActionId, catalog};
use super::details::{AccountDetails, PolicySource, Role, SourceKind, User};
use super::policy::{Condition, Effect, Match, Policy, PolicyError, Statement};

// ---------------------------------------------------------------------------------------------
// ActionSet

/// A set of catalog actions: a bitset over [`ActionId`]s.
///
/// Only the words between the first and the last non-empty one are stored (services occupy
/// contiguous id ranges, so a set about a few services is a few words), and the form is
/// normalized, so equal sets compare equal. Every operation is a loop over 64-bit words.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ActionSet {
    /// Index of the word `words[0]` stands for; 0 when empty.
    start: usize,
    /// The words from `start`; the first and the last are non-zero (empty when the set is).
    words: Vec<u64>,
}

/// Number of words a full set needs.
fn universe_words() -> usize {
    catalog().len().div_ceil(64)
}

/// The mask of valid bits in the last word of a full set.
fn last_word_mask() -> u64 {
    match catalog().len() % 64 {
        0 => u64::MAX,
        r => (1u64 << r) - 1,
    }
}

impl ActionSet {
    /// The empty set.
    pub fn new() -> ActionSet {
        ActionSet::default()
    }

    /// Every action of the catalog.
    pub fn full() -> ActionSet {
        let n = universe_words();
        let mut words = vec![u64::MAX; n];
        if let Some(last) = words.last_mut() {
            *last = last_word_mask();
        }
        let mut s = ActionSet { start: 0, words };
        s.trim();
        s
    }

    /// The word at absolute index `w` (0 outside the stored range).
    fn word(&self, w: usize) -> u64 {
        w.checked_sub(self.start)
            .and_then(|i| self.words.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// One past the last stored word.
    fn end(&self) -> usize {
        self.start + self.words.len()
    }

    /// Restores the normal form: no zero word at either end.
    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        let lead = self.words.iter().take_while(|&&w| w == 0).count();
        if lead > 0 {
            self.words.drain(..lead);
            self.start += lead;
        }
        if self.words.is_empty() {
            self.start = 0;
        }
    }

    /// Makes the stored range cover words `lo..hi` (which must include the current range).
    fn grow(&mut self, lo: usize, hi: usize) {
        if self.words.is_empty() {
            self.start = lo;
            self.words = vec![0; hi - lo];
            return;
        }
        if lo < self.start {
            let n = self.start - lo;
            self.words.splice(0..0, std::iter::repeat_n(0, n));
            self.start = lo;
        }
        if hi > self.end() {
            self.words.resize(hi - self.start, 0);
        }
    }

    /// Adds `a`; `true` if it was not in the set. Panics if `a` is not a catalog id.
    pub fn insert(&mut self, a: ActionId) -> bool {
        let a = a as usize;
        assert!(a < catalog().len(), "action id {a} out of range");
        let w = a / 64;
        self.grow(w.min(self.start_or(w)), (w + 1).max(self.end()));
        let bit = 1u64 << (a % 64);
        let word = &mut self.words[w - self.start];
        let added = *word & bit == 0;
        *word |= bit;
        added
    }

    /// `start`, or `w` when empty (so an empty set grows from `w`).
    fn start_or(&self, w: usize) -> usize {
        if self.words.is_empty() { w } else { self.start }
    }

    /// Removes `a`; `true` if it was in the set.
    pub fn remove(&mut self, a: ActionId) -> bool {
        let a = a as usize;
        let w = a / 64;
        if w < self.start || w >= self.end() {
            return false;
        }
        let bit = 1u64 << (a % 64);
        let word = &mut self.words[w - self.start];
        let had = *word & bit != 0;
        *word &= !bit;
        self.trim();
        had
    }

    /// Whether `a` is in the set (`false` for ids outside the catalog).
    pub fn contains(&self, a: ActionId) -> bool {
        let a = a as usize;
        self.word(a / 64) & (1u64 << (a % 64)) != 0
    }

    /// `self = self ∪ other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        if other.words.is_empty() {
            return;
        }
        if self.words.is_empty() {
            self.clone_from(other);
            return;
        }
        self.grow(self.start.min(other.start), self.end().max(other.end()));
        let off = other.start - self.start;
        for (d, s) in self.words[off..].iter_mut().zip(&other.words) {
            *d |= s;
        }
    }

    /// `self = self ∩ other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        if lo >= hi {
            self.clear();
            return;
        }
        self.words.truncate(hi - self.start);
        self.words.drain(..lo - self.start);
        self.start = lo;
        let off = lo - other.start;
        for (d, s) in self.words.iter_mut().zip(&other.words[off..]) {
            *d &= s;
        }
        self.trim();
    }

    /// `self = self − other`.
    pub fn subtract(&mut self, other: &ActionSet) {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        if lo >= hi {
            return;
        }
        let (a, b) = (lo - self.start, lo - other.start);
        for (d, s) in self.words[a..hi - self.start]
            .iter_mut()
            .zip(&other.words[b..])
        {
            *d &= !s;
        }
        self.trim();
    }

    /// `self = catalog − self`.
    pub fn complement(&mut self) {
        let n = universe_words();
        let mut words: Vec<u64> = (0..n).map(|w| !self.word(w)).collect();
        if let Some(last) = words.last_mut() {
            *last &= last_word_mask();
        }
        self.start = 0;
        self.words = words;
        self.trim();
    }

    /// The union, as a new set.
    pub fn union(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.union_with(other);
        s
    }

    /// The intersection, as a new set.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.intersect_with(other);
        s
    }

    /// The difference `self − other`, as a new set.
    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.subtract(other);
        s
    }

    /// The complement within the catalog, as a new set.
    pub fn complemented(&self) -> ActionSet {
        let mut s = self.clone();
        s.complement();
        s
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.words.clear();
        self.start = 0;
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// `true` if the set holds no action.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// `true` if every action of `self` is in `other`.
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        (self.start..self.end()).all(|w| self.word(w) & !other.word(w) == 0)
    }

    /// `true` if the sets share an action.
    pub fn intersects(&self, other: &ActionSet) -> bool {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        (lo..hi).any(|w| self.word(w) & other.word(w) != 0)
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = ActionId> + '_ {
        let start = self.start;
        self.words.iter().enumerate().flat_map(move |(i, &w)| {
            let base = ((start + i) * 64) as ActionId;
            BitIter(w).map(move |b| base + b)
        })
    }

    /// The full names (`s3:GetObject`), in id order.
    pub fn names(&self) -> Vec<String> {
        let cat = catalog();
        self.iter().map(|a| cat.get(a).full_name()).collect()
    }
}

/// The set bits of one word, ascending.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = ActionId;
    fn next(&mut self) -> Option<ActionId> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(b)
    }
}

impl FromIterator<ActionId> for ActionSet {
    fn from_iter<I: IntoIterator<Item = ActionId>>(iter: I) -> ActionSet {
        let mut s = ActionSet::new();
        s.extend(iter);
        s
    }
}

impl Extend<ActionId> for ActionSet {
    fn extend<I: IntoIterator<Item = ActionId>>(&mut self, iter: I) {
        for a in iter {
            self.insert(a);
        }
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        let cat = catalog();
        let n = self.len();
        write!(f, "ActionSet({n}: ")?;
        let mut list = f.debug_list();
        for a in self.iter().take(SHOWN) {
            list.entry(&format_args!("{}", cat.get(a)));
        }
        if n > SHOWN {
            list.entry(&format_args!("... {} more", n - SHOWN));
        }
        list.finish()?;
        f.write_str(")")
    }
}

// ---------------------------------------------------------------------------------------------
// One evaluated policy document

/// An `Allow` statement, kept to answer "on which resources, under which conditions".
#[derive(Debug)]
struct AllowStmt {
    /// `Sid`, else `Statement[i]`.
    label: String,
    actions: ActionSet,
    resource: Option<Match<Vec<String>>>,
    conditions: Vec<Condition>,
}

/// A policy document expanded against the catalog.
#[derive(Debug, Default)]
struct PolicyEval {
    /// Allowed by some `Allow` statement (with or without a condition).
    allow: ActionSet,
    /// Allowed by some `Allow` statement without a condition.
    allow_uncond: ActionSet,
    /// Denied by a `Deny` without condition on every resource.
    deny_hard: ActionSet,
    /// Named by any other `Deny` (conditional, or on some resources only).
    deny_soft: ActionSet,
    /// The document has at least one `Allow` statement.
    has_allow: bool,
    allow_stmts: Vec<AllowStmt>,
}

/// Whether a `Deny`'s resource element covers every resource: `Resource` with `"*"`, or none.
fn covers_every_resource(r: &Option<Match<Vec<String>>>) -> bool {
    match r {
        None => true,
        Some(Match::Is(v)) => v.iter().any(|x| x == "*"),
        Some(Match::Not(_)) => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Results

/// User or role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

impl PrincipalKind {
    /// `"user"` or `"role"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        }
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One identity policy of a principal whose document is known.
#[derive(Clone, Debug)]
pub struct GrantSource {
    /// `inline:NAME`, `managed:ARN`, `group:GROUP/inline:NAME` or `group:GROUP/managed:ARN`.
    pub label: String,
    /// The managed policy's ARN (`None` for inline policies).
    pub arn: Option<String>,
    /// The group it reaches a user through.
    pub group: Option<String>,
    eval: Arc<PolicyEval>,
}

impl GrantSource {
    /// What this policy's `Allow` statements allow, before any `Deny` (its own or others'),
    /// boundary or SCP.
    pub fn allows(&self) -> &ActionSet {
        &self.eval.allow
    }

    /// What this policy allows without a `Condition`.
    pub fn allows_unconditionally(&self) -> &ActionSet {
        &self.eval.allow_uncond
    }
}

/// One `Allow` statement that allows an action (see [`Grant::statements_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementRef<'a> {
    /// The policy's label ([`GrantSource::label`]).
    pub source: &'a str,
    /// The statement's `Sid`, else `Statement[i]`.
    pub statement: &'a str,
    /// `Resource` or `NotResource`, as written (`None` when absent).
    pub resource: Option<&'a Match<Vec<String>>>,
    /// The statement's conditions (empty when unconditional).
    pub conditions: &'a [Condition],
}

/// What one user or role may do.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The account id.
    pub account: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// User or role.
    pub kind: PrincipalKind,
    /// The user or role name.
    pub name: String,
    /// Effective grant: allowed by an identity policy (with or without a condition), by the
    /// boundary (if any, and known) and by every SCP that has `Allow` statements, and not
    /// removed by an unconditional `Deny` in any of them.
    pub granted: ActionSet,
    /// The part of `granted` that is allowed only under a `Condition` (in the identity policies,
    /// the boundary or an SCP), or that a conditional or resource-scoped `Deny` names.
    pub conditional: ActionSet,
    /// The identity policies whose documents are known, in the order of
    /// [`AccountDetails::user_policies`] / [`AccountDetails::role_policies`].
    pub sources: Vec<GrantSource>,
    /// The permissions boundary's ARN.
    pub boundary: Option<String>,
    /// Whether the SCPs were applied (not for service-linked roles).
    pub scps_applied: bool,
    /// Policies that apply but could not be evaluated: labels as in [`GrantSource::label`],
    /// `group:GROUP` for a group missing from the details, `boundary:ARN` for the boundary.
    /// Missing documents and documents that do not parse both land here.
    pub unknown_policies: Vec<String>,
    /// Why a document could not be evaluated: `LABEL: message`.
    pub errors: Vec<String>,
}

impl Grant {
    /// `true` if every policy that applies was evaluated.
    pub fn is_complete(&self) -> bool {
        self.unknown_policies.is_empty()
    }

    /// The labels of the identity policies that allow `a` (raw allows: before denies, the
    /// boundary and SCPs).
    pub fn granted_by(&self, a: ActionId) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.eval.allow.contains(a))
            .map(|s| s.label.as_str())
            .collect()
    }

    /// The `Allow` statements of the identity policies that allow `a`, in policy and statement
    /// order.
    pub fn statements_for(&self, a: ActionId) -> Vec<StatementRef<'_>> {
        let mut out = Vec::new();
        for s in &self.sources {
            if !s.eval.allow.contains(a) {
                continue;
            }
            for st in s
                .eval
                .allow_stmts
                .iter()
                .filter(|st| st.actions.contains(a))
            {
                out.push(StatementRef {
                    source: &s.label,
                    statement: &st.label,
                    resource: st.resource.as_ref(),
                    conditions: &st.conditions,
                });
            }
        }
        out
    }

    /// The union of the `Resource` patterns of the identity `Allow` statements that allow `a`,
    /// sorted and deduplicated. A statement with `NotResource` (or no resource element)
    /// contributes `"*"`: use [`Grant::statements_for`] to see the exclusions and conditions.
    pub fn resources_for(&self, a: ActionId) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for st in self.statements_for(a) {
            match st.resource {
                Some(Match::Is(v)) => out.extend(v.iter().cloned()),
                Some(Match::Not(_)) | None => out.push("*".to_owned()),
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why service control policies could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid policy document.
    #[error("{file}: not a valid service control policy: {source}")]
    Policy {
        /// The file, as given.
        file: String,
        /// What is wrong with it.
        #[source]
        source: PolicyError,
    },
}

/// Reads service control policies: each file holds one policy document (JSON, or URL-encoded
/// JSON).
pub fn load_scps(paths: &[PathBuf]) -> Result<Vec<Policy>, EngineError> {
    paths
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
                file: file.clone(),
                source,
            })?;
            Policy::parse_str(&text).map_err(|source| EngineError::Policy { file, source })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Engine

/// A cached evaluation: the expanded document, or why it could not be parsed.
type Evaluated = Result<Arc<PolicyEval>, String>;

/// Evaluates principals' grants, caching pattern expansions and policy evaluations.
#[derive(Debug, Default)]
pub struct Engine {
    scps: Vec<Arc<PolicyEval>>,
    /// Lower-cased pattern -> its expansion (for the engine's lifetime).
    patterns: HashMap<String, Arc<ActionSet>>,
    /// `account NUL arn NUL version` -> managed policy evaluation.
    managed: HashMap<String, Evaluated>,
    /// `account NUL group NUL policy name` -> group inline policy evaluation.
    group_inline: HashMap<String, Evaluated>,
}

impl Engine {
    /// An engine applying these service control policies to every account (none: no SCP).
    pub fn new(scps: Vec<Policy>) -> Engine {
        let mut e = Engine::default();
        let evaluated = scps.iter().map(|p| Arc::new(e.eval_policy(p))).collect();
        e.scps = evaluated;
        e
    }

    /// The catalog actions an IAM action pattern matches (cached per pattern; patterns differing
    /// only in case share an entry).
    pub fn expand(&mut self, pattern: &str) -> &ActionSet {
        let key = pattern.to_ascii_lowercase();
        self.patterns
            .entry(key)
            .or_insert_with(|| Arc::new(catalog().expand(pattern).into_iter().collect()))
    }

    fn expand_arc(&mut self, pattern: &str) -> Arc<ActionSet> {
        let key = pattern.to_ascii_lowercase();
        Arc::clone(
            self.patterns
                .entry(key)
                .or_insert_with(|| Arc::new(catalog().expand(pattern).into_iter().collect())),
        )
    }

    /// What a statement's `Action` or `NotAction` names.
    fn statement_actions(&mut self, st: &Statement) -> ActionSet {
        let mut set = ActionSet::new();
        if let Some(m) = &st.action {
            for p in m.value() {
                let s = self.expand_arc(p);
                set.union_with(&s);
            }
            if m.is_not() {
                set.complement();
            }
        }
        set
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
            scps_applied: apply_scps && !self.scps.is_empty(),
            unknown_policies: Vec::new(),
            errors: Vec::new(),
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
                }
            }
        }

        if apply_scps {
            for scp in &self.scps {
                if scp.has_allow {
                    allow.intersect_with(&scp.allow);
                    sure.intersect_with(&scp.allow_uncond);
                }
                deny_hard.union_with(&scp.deny_hard);
                deny_soft.union_with(&scp.deny_soft);
            }
        }

        allow.subtract(&deny_hard);
        sure.subtract(&deny_soft);
        g.conditional = allow.difference(&sure);
        g.granted = allow;
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::details::Inventory;
    use crate::iam::test_util::{read_actions_jsonl, recursive_glob};
    use serde_json::json;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn id(name: &str) -> ActionId {
        catalog()
            .lookup(name)
            .unwrap_or_else(|| panic!("{name} not in catalog"))
    }

    fn pol(v: Value) -> Policy {
        Policy::from_value(&v).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    /// The ids of the bundle rows `keep` selects, computed from `actions.jsonl` alone.
    fn expected(keep: impl Fn(&str, &str) -> bool) -> BTreeSet<String> {
        read_actions_jsonl()
            .into_iter()
            .filter(|r| keep(&r.service, &r.action))
            .map(|r| format!("{}:{}", r.service, r.action))
            .collect()
    }

    fn names(s: &ActionSet) -> BTreeSet<String> {
        s.names().into_iter().collect()
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/iam")
            .join(name)
    }

    /// An account from a `get-account-authorization-details` JSON value.
    fn account(v: Value) -> AccountDetails {
        let bytes = serde_json::to_vec(&v).unwrap();
        let inv = Inventory::parse_bytes("test.json", &bytes).unwrap();
        assert_eq!(inv.accounts.len(), 1);
        inv.accounts.into_values().next().unwrap()
    }

    const ACCT: &str = "123456789012";

    fn doc(statements: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// A user with inline policies `(name, statements)`.
    fn user_json(name: &str, inline: &[(&str, Value)]) -> Value {
        let list: Vec<Value> = inline
            .iter()
            .map(|(n, st)| json!({"PolicyName": n, "PolicyDocument": doc(st.clone())}))
            .collect();
        json!({
            "UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
            "Arn": format!("arn:aws:iam::{ACCT}:user/{name}"),
            "UserPolicyList": list, "GroupList": [], "AttachedManagedPolicies": []
        })
    }

    fn managed_json(name: &str, versions: &[(&str, bool, Value)]) -> Value {
        let default = versions.iter().find(|v| v.1).map(|v| v.0).unwrap_or("v1");
        let list: Vec<Value> = versions
            .iter()
            .map(|(v, d, st)| json!({"VersionId": v, "IsDefaultVersion": d, "Document": doc(st.clone())}))
            .collect();
        json!({
            "PolicyName": name, "PolicyId": format!("ANPA{name}"), "Path": "/",
            "Arn": format!("arn:aws:iam::{ACCT}:policy/{name}"),
            "DefaultVersionId": default, "PolicyVersionList": list
        })
    }

    /// Evaluates a single user with one inline policy under the given SCPs.
    fn one_user(statements: Value, scps: Vec<Policy>) -> Grant {
        let acct = account(json!({"UserDetailList": [user_json("u", &[("p", statements)])]}));
        let mut grants = Engine::new(scps).evaluate_account(&acct);
        assert_eq!(grants.len(), 1);
        grants.remove(0)
    }

    fn allow(actions: Value) -> Value {
        json!({"Effect": "Allow", "Action": actions, "Resource": "*"})
    }

    // --- ActionSet -----------------------------------------------------------------------------

    #[test]
    fn action_set_basics() {
        let n = catalog().len();
        let mut s = ActionSet::new();
        assert!(s.is_empty());
        assert_eq!(s.len(), 0);
        assert!(s.insert(5));
        assert!(!s.insert(5));
        assert!(s.insert(n as ActionId - 1));
        assert!(s.insert(200));
        assert_eq!(s.iter().collect::<Vec<_>>(), [5, 200, n as ActionId - 1]);
        assert_eq!(s.len(), 3);
        assert!(s.contains(200) && !s.contains(201) && !s.contains(n as ActionId + 10));
        assert!(s.remove(n as ActionId - 1) && !s.remove(n as ActionId - 1));
        assert_eq!(s, [200, 5].into_iter().collect::<ActionSet>());
        let full = ActionSet::full();
        assert_eq!(full.len(), n);
        assert_eq!(full.iter().last(), Some(n as ActionId - 1));
        assert_eq!(s.complemented().len(), n - 2);
        assert_eq!(s.complemented().complemented(), s);
        assert!(ActionSet::new().complemented() == full);
        assert!(full.complemented().is_empty());
        assert!(s.is_subset(&full) && !full.is_subset(&s));
        assert!(s.intersects(&full) && !s.intersects(&ActionSet::new()));
        let dbg = format!("{s:?}");
        assert!(dbg.starts_with("ActionSet(2: ["), "{dbg}");
    }

    proptest::proptest! {
        #[test]
        fn action_set_matches_a_btreeset(
            a in proptest::collection::vec(0u32..22_383, 0..40),
            b in proptest::collection::vec(0u32..22_383, 0..40),
            clustered in proptest::bool::ANY,
        ) {
            // Clustered ids exercise overlapping word ranges; spread ones disjoint ranges.
            let fix = |v: Vec<u32>| -> Vec<u32> {
                if clustered { v.into_iter().map(|x| 1000 + x % 700).collect() } else { v }
            };
            let (a, b) = (fix(a), fix(b));
            let sa: ActionSet = a.iter().copied().collect();
            let sb: ActionSet = b.iter().copied().collect();
            let ma: BTreeSet<u32> = a.iter().copied().collect();
            let mb: BTreeSet<u32> = b.iter().copied().collect();
            let v = |s: &ActionSet| s.iter().collect::<Vec<_>>();
            let m = |s: BTreeSet<u32>| s.into_iter().collect::<Vec<_>>();
            proptest::prop_assert_eq!(v(&sa), m(ma.clone()));
            proptest::prop_assert_eq!(v(&sa.union(&sb)), m(&ma | &mb));
            proptest::prop_assert_eq!(v(&sa.intersection(&sb)), m(&ma & &mb));
            proptest::prop_assert_eq!(v(&sa.difference(&sb)), m(&ma - &mb));
            proptest::prop_assert_eq!(sa.complemented().len(), catalog().len() - ma.len());
            proptest::prop_assert_eq!(sa.is_subset(&sb), ma.is_subset(&mb));
            proptest::prop_assert_eq!(sa.intersects(&sb), !ma.is_disjoint(&mb));
            // Normal form: equal sets are equal values, whatever the construction.
            let rebuilt: ActionSet = (&ma & &mb).into_iter().collect();
            proptest::prop_assert_eq!(sa.intersection(&sb), rebuilt);
            let mut removed = sa.clone();
            for x in &a { removed.remove(*x); }
            proptest::prop_assert_eq!(removed, ActionSet::new());
        }
    }

    // --- Expansion ----------------------------------------------------------------------------

    #[test]
    fn expand_exact_against_the_bundle() {
        let mut e = Engine::new(Vec::new());
        let get = expected(|s, a| s == "s3" && a.to_ascii_lowercase().starts_with("get"));
        assert!(get.len() > 50);
        assert_eq!(names(e.expand("s3:Get*")), get);
        assert_eq!(names(e.expand("S3:get*")), get);
        // `*` alone, and `*:*`: the whole catalog.
        let all = expected(|_, _| true);
        assert_eq!(all.len(), catalog().len());
        assert_eq!(names(e.expand("*")), all);
        assert_eq!(e.expand("*:*").len(), catalog().len());
        // `s3:*`: the service; `*:Get*`: every service.
        assert_eq!(names(e.expand("s3:*")), expected(|s, _| s == "s3"));
        assert_eq!(
            names(e.expand("*:Get*")),
            expected(|_, a| a.to_ascii_lowercase().starts_with("get"))
        );
        // `?` is exactly one character; compared with an independent matcher.
        for pat in [
            "s3:GetObjec?",
            "ec2:?escribeTag?",
            "?am:*Role?olicy",
            "s3?GetObject",
        ] {
            let want = expected(|s, a| recursive_glob(pat, &format!("{s}:{a}")));
            assert!(!want.is_empty(), "{pat}");
            assert_eq!(names(e.expand(pat)), want, "pattern {pat}");
        }
        assert_eq!(
            names(e.expand("s3:GetObjec?")),
            ["s3:GetObject".to_owned()].into()
        );
        // Case-insensitive exact names.
        assert_eq!(
            e.expand("S3:getobject").iter().collect::<Vec<_>>(),
            [id("s3:GetObject")]
        );
        // Unknown service or action, empty, or no colon with no match: nothing.
        assert!(e.expand("nosuchservice:*").is_empty());
        assert!(e.expand("s3:NoSuchAction").is_empty());
        assert!(e.expand("").is_empty());
        assert!(e.expand("s3").is_empty());
        // Cached per pattern, case-folded.
        let before = e.patterns.len();
        e.expand("S3:GET*");
        assert_eq!(e.patterns.len(), before);
    }

    // --- Statement semantics ------------------------------------------------------------------

    #[test]
    fn not_action_allow_is_the_complement() {
        let g = one_user(
            json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
            vec![],
        );
        assert_eq!(names(&g.granted), expected(|s, _| s != "iam"));
        assert!(g.conditional.is_empty());
        assert!(!g.granted.contains(id("iam:CreateUser")));
        assert!(g.granted.contains(id("s3:GetObject")));
    }

    #[test]
    fn unconditional_deny_removes() {
        let g = one_user(
            json!([allow(json!("s3:*")),
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
                {"Effect": "Deny", "Action": "S3:deletebucket"}]),
            vec![],
        );
        assert!(!g.granted.contains(id("s3:DeleteObject")));
        assert!(!g.granted.contains(id("s3:DeleteBucket")));
        assert!(g.granted.contains(id("s3:GetObject")));
        assert_eq!(g.granted.len(), expected(|s, _| s == "s3").len() - 2);
        assert!(g.conditional.is_empty());
        // A Deny NotAction removes everything else.
        let g = one_user(
            json!([allow(json!("*")),
                {"Effect": "Deny", "NotAction": ["s3:Get*", "sts:*"], "Resource": "*"}]),
            vec![],
        );
        assert_eq!(
            names(&g.granted),
            expected(|s, a| s == "sts" || (s == "s3" && a.to_ascii_lowercase().starts_with("get")))
        );
    }

    #[test]
    fn conditional_or_scoped_deny_marks_conditional() {
        let g = one_user(
            json!([allow(json!(["s3:DeleteObject", "s3:PutObject", "s3:GetObject"])),
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
                {"Effect": "Deny", "Action": "s3:PutObject",
                 "Resource": "arn:aws:s3:::prod-bucket/*"},
                {"Effect": "Deny", "Action": "s3:GetObject",
                 "NotResource": "arn:aws:s3:::public/*"}]),
            vec![],
        );
        let all3: ActionSet = ["s3:DeleteObject", "s3:PutObject", "s3:GetObject"]
            .map(id)
            .into_iter()
            .collect();
        assert_eq!(g.granted, all3);
        assert_eq!(g.conditional, all3);
    }

    #[test]
    fn condition_on_allow_is_conditional() {
        let g = one_user(
            json!([
                {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                 "Resource": "*",
                 "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}},
                // Also allowed unconditionally elsewhere: not conditional.
                {"Effect": "Allow", "Action": "ec2:StopInstances",
                 "Resource": "arn:aws:ec2:*:*:instance/i-1"}]),
            vec![],
        );
        assert!(g.granted.contains(id("ec2:StartInstances")));
        assert!(g.granted.contains(id("ec2:StopInstances")));
        assert_eq!(
            g.conditional.iter().collect::<Vec<_>>(),
            [id("ec2:StartInstances")]
        );
    }

    // --- Boundary and SCPs --------------------------------------------------------------------

    #[test]
    fn boundary_intersects() {
        let mut u = user_json("u", &[("p", json!([allow(json!("s3:*"))]))]);
        u["PermissionsBoundary"] = json!({
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/Boundary")
        });
        let acct = account(json!({
            "UserDetailList": [u],
            "Policies": [managed_json("Boundary", &[("v1", true, json!([
                allow(json!("s3:Get*")),
                {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
            ]))])]
        }));
        let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
        let mut want = expected(|s, a| s == "s3" && a.to_ascii_lowercase().starts_with("get"));
        want.remove("s3:GetObjectAcl");
        assert_eq!(names(&g.granted), want);
        assert!(g.conditional.is_empty());
        assert_eq!(
            g.boundary.as_deref(),
            Some("arn:aws:iam::123456789012:policy/Boundary")
        );
        assert!(g.is_complete());
        // Sources are the identity policies only; the boundary grants nothing.
        assert_eq!(g.granted_by(id("s3:GetObject")), ["inline:p"]);
        assert!(g.granted_by(id("iam:CreateUser")).is_empty());
    }

    #[test]
    fn missing_boundary_is_unknown_and_not_applied() {
        let mut u = user_json("u", &[("p", json!([allow(json!("s3:GetObject"))]))]);
        u["PermissionsBoundary"] = json!({
            "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"
        });
        let acct = account(json!({"UserDetailList": [u]}));
        let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
        assert_eq!(g.granted.iter().collect::<Vec<_>>(), [id("s3:GetObject")]);
        assert_eq!(
            g.unknown_policies,
            ["boundary:arn:aws:iam::aws:policy/PowerUserAccess"]
        );
        assert!(!g.is_complete());
    }

    #[test]
    fn scps_intersect_and_deny() {
        let scp_allow = pol(doc(json!([allow(json!(["s3:*", "ec2:*"]))])));
        let scp_cond = pol(doc(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
        ])));
        let scp_deny = pol(doc(json!([
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/role": "admin"}}}
        ])));
        let statements = json!([allow(json!([
            "s3:GetObject",
            "s3:DeleteBucket",
            "ec2:TerminateInstances",
            "ec2:DescribeInstances",
            "iam:ListUsers"
        ]))]);

        // SCP allow-list intersects; a deny-only SCP removes without intersecting.
        let g = one_user(
            statements.clone(),
            vec![scp_allow.clone(), scp_deny.clone()],
        );
        let set = |v: &[&str]| v.iter().map(|n| id(n)).collect::<ActionSet>();
        assert_eq!(
            g.granted,
            set(&[
                "s3:GetObject",
                "ec2:TerminateInstances",
                "ec2:DescribeInstances"
            ])
        );
        assert_eq!(g.conditional, set(&["ec2:TerminateInstances"]));
        assert!(g.scps_applied);

        // A conditional SCP allow makes everything it lets through conditional.
        let g = one_user(statements.clone(), vec![scp_cond]);
        assert_eq!(g.granted.len(), 5);
        assert_eq!(g.conditional, g.granted);

        // Without SCPs.
        let g = one_user(statements, vec![]);
        assert_eq!(g.granted.len(), 5);
        assert!(!g.scps_applied);
    }

    #[test]
    fn scps_skip_service_linked_roles() {
        let acct = account(json!({"RoleDetailList": [{
            "RoleName": "AWSServiceRoleForX", "RoleId": "AROAX",
            "Path": "/aws-service-role/x.amazonaws.com/",
            "Arn": format!("arn:aws:iam::{ACCT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"),
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": doc(json!([allow(json!("s3:GetObject"))]))}],
            "AttachedManagedPolicies": []
        }]}));
        let deny_all = pol(doc(
            json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
        ));
        let g = &Engine::new(vec![deny_all]).evaluate_account(&acct)[0];
        assert_eq!(g.kind, PrincipalKind::Role);
        assert!(!g.scps_applied);
        assert_eq!(g.granted.len(), 1);
    }

    #[test]
    fn load_scps_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        let bad = dir.path().join("bad.json");
        std::fs::write(&good, r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#).unwrap();
        std::fs::write(
            &bad,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"deny","Action":"s3:*"}}"#,
        )
        .unwrap();
        let scps = load_scps(std::slice::from_ref(&good)).unwrap();
        assert_eq!(scps.len(), 1);
        let err = load_scps(&[good.clone(), bad.clone()])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&bad.display().to_string()), "{err}");
        assert!(err.contains("Effect"), "{err}");
        let missing = dir.path().join("missing.json");
        let err = load_scps(std::slice::from_ref(&missing))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&missing.display().to_string()), "{err}");
    }

    // --- Authorization details fixtures -------------------------------------------------------

    fn cli_grants() -> Vec<Grant> {
        let inv = Inventory::load(&[fixture("auth-details-cli.json")]).unwrap();
        let acct = inv.account("111122223333").unwrap();
        Engine::new(vec![]).evaluate_account(acct)
    }

    fn find<'a>(grants: &'a [Grant], name: &str) -> &'a Grant {
        grants.iter().find(|g| g.name == name).unwrap()
    }

    #[test]
    fn group_policies_reach_the_user_and_boundary_applies() {
        let grants = cli_grants();
        // 5 users, 6 roles: nothing skipped.
        assert_eq!(grants.len(), 11);
        let alice = find(&grants, "alice");
        assert_eq!(alice.kind, PrincipalKind::User);
        assert_eq!(alice.principal_arn, "arn:aws:iam::111122223333:user/alice");
        assert!(alice.is_complete() && alice.errors.is_empty());
        let labels: Vec<&str> = alice.sources.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "group:developers/inline:dev-s3-access",
                "group:developers/managed:arn:aws:iam::111122223333:policy/DeveloperAccess"
            ]
        );
        assert_eq!(alice.sources[0].group.as_deref(), Some("developers"));
        assert_eq!(alice.sources[0].arn, None);
        // Group inline: s3:GetObject and s3:ListBucket on one bucket.
        assert_eq!(
            alice.granted_by(id("s3:GetObject")),
            ["group:developers/inline:dev-s3-access"]
        );
        assert_eq!(
            alice.resources_for(id("s3:GetObject")),
            [
                "arn:aws:s3:::example-dev-data",
                "arn:aws:s3:::example-dev-data/*"
            ]
        );
        // DeveloperAccess v2 (default) through the group; DeveloperBoundary keeps ec2, logs,
        // s3 and iam:PassRole.
        let mut want: BTreeSet<String> =
            expected(|s, a| s == "ec2" && a.to_ascii_lowercase().starts_with("describe"));
        want.extend(
            [
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
                "s3:ListAllMyBuckets",
                "iam:PassRole",
                "s3:GetObject",
                "s3:ListBucket",
            ]
            .map(String::from),
        );
        assert_eq!(names(&alice.granted), want);
        assert_eq!(
            alice.conditional.iter().collect::<Vec<_>>(),
            [id("iam:PassRole")]
        );
        let st = alice.statements_for(id("iam:PassRole"));
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].statement, "PassAppRole");
        assert_eq!(st[0].conditions.len(), 1);
        assert_eq!(
            alice.resources_for(id("iam:PassRole")),
            ["arn:aws:iam::111122223333:role/app/*"]
        );

        // dave: same group, no boundary: same grant here (the boundary removed nothing).
        let dave = find(&grants, "dave");
        assert_eq!(dave.granted, alice.granted);
        assert_eq!(dave.boundary, None);
    }

    #[test]
    fn managed_policy_default_version_is_used() {
        let grants = cli_grants();
        let ec2_app = find(&grants, "ec2-app");
        assert_eq!(ec2_app.kind, PrincipalKind::Role);
        // v2 (default) only: v1 would grant ec2:*, iam:*, s3:*.
        assert!(ec2_app.granted.contains(id("ec2:DescribeInstances")));
        assert!(!ec2_app.granted.contains(id("ec2:RunInstances")));
        assert!(!ec2_app.granted.contains(id("iam:CreateUser")));
        assert!(!ec2_app.granted.contains(id("s3:GetObject")));
        assert_eq!(
            ec2_app.granted.len(),
            expected(|s, a| s == "ec2" && a.to_ascii_lowercase().starts_with("describe")).len() + 4
        );
        assert_eq!(
            ec2_app.granted_by(id("logs:GetLogEvents")),
            ["managed:arn:aws:iam::111122223333:policy/DeveloperAccess"]
        );
        // bob: inline, two statements.
        let bob = find(&grants, "bob");
        assert_eq!(names(&bob.granted), {
            let mut w = expected(|s, _| s == "cloudformation");
            w.extend(["s3:PutObject", "s3:GetObject"].map(String::from));
            w
        });
        assert_eq!(
            bob.resources_for(id("s3:PutObject")),
            ["arn:aws:s3:::example-ci-artifacts/*"]
        );
        assert_eq!(bob.resources_for(id("cloudformation:CreateStack")), ["*"]);
        assert!(bob.resources_for(id("ec2:RunInstances")).is_empty());
        // Admins: the whole catalog; erin: nothing, yet complete.
        assert_eq!(find(&grants, "carol-admin").granted, ActionSet::full());
        assert_eq!(find(&grants, "legacy-deploy").granted, ActionSet::full());
        let erin = find(&grants, "erin");
        assert!(erin.granted.is_empty() && erin.is_complete() && erin.sources.is_empty());
    }

    #[test]
    fn missing_aws_managed_policy_is_unknown() {
        let inv = Inventory::load(&[
            fixture("auth-details-api-page1.json"),
            fixture("auth-details-api-page2.json"),
        ])
        .unwrap();
        let acct = inv.account("444455556666").unwrap();
        let grants = Engine::new(vec![]).evaluate_account(acct);
        let grace = find(&grants, "grace");
        assert!(grace.granted.is_empty());
        assert!(grace.sources.is_empty());
        assert_eq!(
            grace.unknown_policies,
            ["managed:arn:aws:iam::aws:policy/ReadOnlyAccess"]
        );
        assert!(!grace.is_complete());
        assert!(grace.errors.is_empty());
        let frank = find(&grants, "frank");
        assert_eq!(
            frank.unknown_policies,
            ["group:ops/managed:arn:aws:iam::aws:policy/ReadOnlyAccess"]
        );
        assert!(frank.granted.contains(id("secretsmanager:GetSecretValue")));
        assert!(frank.granted.contains(id("iam:PassRole")));
        assert_eq!(
            frank.granted_by(id("iam:PassRole")),
            ["group:ops/inline:ops-iam"]
        );
        let admin = find(&grants, "OrganizationAccountAccessRole");
        assert!(admin.granted.is_empty());
        assert_eq!(
            admin.unknown_policies,
            ["managed:arn:aws:iam::aws:policy/AdministratorAccess"]
        );
    }

    #[test]
    fn missing_group_and_bad_document_are_unknown() {
        let mut u = user_json(
            "u",
            &[
                ("good", json!([allow(json!("s3:GetObject"))])),
                (
                    "bad",
                    json!([{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]),
                ),
            ],
        );
        u["GroupList"] = json!(["ghosts"]);
        let acct = account(json!({"UserDetailList": [u]}));
        let g = &Engine::new(vec![]).evaluate_account(&acct)[0];
        assert_eq!(g.granted.iter().collect::<Vec<_>>(), [id("s3:GetObject")]);
        assert_eq!(g.unknown_policies, ["inline:bad", "group:ghosts"]);
        assert_eq!(g.errors.len(), 1);
        assert!(
            g.errors[0].starts_with("inline:bad: Statement[0]"),
            "{:?}",
            g.errors
        );
    }

    #[test]
    fn shared_policies_are_evaluated_once_per_account() {
        let grants = cli_grants();
        let a = &find(&grants, "alice").sources;
        let d = &find(&grants, "dave").sources;
        // The group inline policy and DeveloperAccess are the same evaluations.
        assert!(Arc::ptr_eq(&a[0].eval, &d[0].eval));
        assert!(Arc::ptr_eq(&a[1].eval, &d[1].eval));
        let ec2_app = &find(&grants, "ec2-app").sources;
        assert!(Arc::ptr_eq(&a[1].eval, &ec2_app[0].eval));
    }

    // --- Scale --------------------------------------------------------------------------------

    /// A synthetic account: `users` users and as many roles, 40 customer managed policies, 20
    /// groups, boundaries on a third of the users.
    fn synthetic_account(users: usize) -> AccountDetails {
        let patterns = [
            "s3:Get*",
            "s3:List*",
            "ec2:Describe*",
            "logs:*",
            "iam:Get*",
            "iam:List*",
            "dynamodb:*Item",
            "lambda:Invoke*",
            "sqs:*",
            "sns:Publish",
            "kms:Decrypt",
            "cloudwatch:*",
            "*:Describe*",
            "ssm:GetParameter?",
            "sts:AssumeRole",
        ];
        let stmt = |i: usize| {
            json!({"Effect": "Allow",
                   "Action": [patterns[i % patterns.len()], patterns[(i * 7 + 3) % patterns.len()]],
                   "Resource": format!("arn:aws:s3:::bucket-{i}/*")})
        };
        let policies: Vec<Value> = (0..40)
            .map(|i| {
                let mut p = managed_json(
                    &format!("pol{i}"),
                    &[(
                        "v1",
                        true,
                        json!([stmt(i), stmt(i + 1),
                        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]),
                    )],
                );
                p["PolicyName"] = json!(format!("pol{i}"));
                p
            })
            .collect();
        let parn = |i: usize| format!("arn:aws:iam::{ACCT}:policy/pol{}", i % 40);
        let groups: Vec<Value> = (0..20)
            .map(|i| {
                json!({"GroupName": format!("g{i}"), "GroupId": format!("AGPA{i}"), "Path": "/",
                    "Arn": format!("arn:aws:iam::{ACCT}:group/g{i}"),
                    "GroupPolicyList": [{"PolicyName": "gi", "PolicyDocument": doc(json!([stmt(i * 3)]))}],
                    "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": parn(i)}]})
            })
            .collect();
        let mut ulist = Vec::new();
        let mut rlist = Vec::new();
        for i in 0..users {
            let mut u = user_json(
                &format!("user{i:05}"),
                &[(
                    "own",
                    json!([stmt(i), {"Effect": "Allow", "Action": format!("s3:Put{}*", ["Object", "Bucket"][i % 2]),
                        "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]),
                )],
            );
            u["GroupList"] = json!([format!("g{}", i % 20), format!("g{}", (i + 7) % 20)]);
            u["AttachedManagedPolicies"] = json!([{"PolicyName": "x", "PolicyArn": parn(i)}]);
            if i % 3 == 0 {
                u["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": parn(i + 5)});
            }
            ulist.push(u);
            rlist.push(json!({"RoleName": format!("role{i:05}"), "RoleId": format!("AROA{i}"), "Path": "/",
                "Arn": format!("arn:aws:iam::{ACCT}:role/role{i:05}"),
                "RolePolicyList": [{"PolicyName": "own", "PolicyDocument": doc(json!([stmt(i + 11)]))}],
                "AttachedManagedPolicies": [{"PolicyName": "x", "PolicyArn": parn(i + 1)},
                                            {"PolicyName": "y", "PolicyArn": parn(i + 2)}]}));
        }
        account(json!({"UserDetailList": ulist, "GroupDetailList": groups,
                       "RoleDetailList": rlist, "Policies": policies}))
    }

    /// Prints how long 5,000 principals take (not a timed assertion; run with `--ignored
    /// --nocapture`). The benchmark is `benches/engine.rs`.
    #[test]
    #[ignore]
    fn five_thousand_principals() {
        let acct = synthetic_account(2_500);
        let scp = pol(doc(
            json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]),
        ));
        let t = std::time::Instant::now();
        let grants = Engine::new(vec![scp]).evaluate_account(&acct);
        let elapsed = t.elapsed();
        assert_eq!(grants.len(), 5_000);
        let total: usize = grants.iter().map(|g| g.granted.len()).sum();
        println!(
            "evaluated {} principals in {elapsed:?} ({total} granted actions in all)",
            grants.len()
        );
    }

    #[test]
    fn synthetic_account_is_sane() {
        let acct = synthetic_account(30);
        let grants = Engine::new(vec![]).evaluate_account(&acct);
        assert_eq!(grants.len(), 60);
        for g in &grants {
            assert!(g.is_complete(), "{:?}", g.unknown_policies);
            assert!(!g.granted.is_empty());
            assert!(g.conditional.is_subset(&g.granted));
            assert!(!g.granted.contains(id("s3:DeleteBucket")));
        }
    }
}
