//! Detections of IAM security anti-patterns. One rule per file, each with a stable id, a
//! severity, and documentation (what it finds, why it matters, how to fix) that `trailguard
//! rules` prints.
//!
//! Event rules look at each CloudTrail event in the decoder threads and record *hits* into a
//! per-object [`Hits`] accumulator, grouped by a rule-specific key (4,000 calls by one key are one
//! finding). Accumulators merge on the aggregating thread into the run's findings.

pub mod access_key_not_rotated;
pub mod admin_grant;
pub mod aws_managed_policy_only;
pub mod cloudtrail_tampering;
pub mod console_login_without_mfa;
pub mod cross_account_access;
pub mod cross_account_trust;
pub(crate) mod iam_grants;
pub mod implausible_event_time;
pub mod inline_policy_only;
pub mod logging_gap;
pub mod long_term_key_without_mfa;
pub mod posture;
pub mod public_resource_policy;
pub mod region_not_logged;
pub mod root_access_key_created;
pub mod root_access_key_present;
pub mod root_api_call;
pub mod root_console_login;
pub mod root_console_login_failed;
pub mod root_mfa_disabled;
pub mod unattached_policy;
pub mod unused_access_key;
pub mod unused_password;
pub mod unused_permissions;
pub mod unused_role;
pub mod unused_user;
pub mod user_without_mfa;

use crate::activity::Interner;
use crate::event::Event;
pub(crate) use crate::finding::rule_info;
pub use crate::finding::{
    EventId, Input, MAX_EVENT_IDS, MAX_EVIDENCE_VALUES, Partial, RuleInfo, Seed, Severity,
};
use ahash::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A check run on every event. It calls [`Hits::hit`] for events that match.
pub type EventCheck = fn(&Event<'_, '_>, &EventCtx<'_>, &mut Hits);

/// A rule: its documentation and, for CloudTrail rules, its per-event check.
#[derive(Clone, Copy)]
pub struct Rule {
    /// Documentation and id.
    pub info: &'static RuleInfo,
    /// Per-event check, for rules that read CloudTrail.
    pub check: Option<EventCheck>,
    /// Check over the inventory, run once after the events.
    pub posture: Option<posture::PostureCheck>,
}

impl Rule {
    /// A rule that checks each CloudTrail event.
    pub const fn event(info: &'static RuleInfo, check: EventCheck) -> Self {
        Rule {
            info,
            check: Some(check),
            posture: None,
        }
    }
    /// A rule computed by a step of the pipeline (ingest, least privilege), not by a check.
    pub const fn computed(info: &'static RuleInfo) -> Self {
        Rule {
            info,
            check: None,
            posture: None,
        }
    }
    /// A rule that judges the inventory once, after the events.
    pub const fn posture(info: &'static RuleInfo, check: posture::PostureCheck) -> Self {
        Rule {
            info,
            check: None,
            posture: Some(check),
        }
    }
}

/// Every rule, in a stable order.
pub fn all_rules() -> Vec<Rule> {
    vec![
        Rule::event(&root_console_login::INFO, root_console_login::check),
        Rule::event(
            &root_console_login_failed::INFO,
            root_console_login_failed::check,
        ),
        Rule::event(&root_api_call::INFO, root_api_call::check),
        Rule::event(
            &root_access_key_created::INFO,
            root_access_key_created::check,
        ),
        Rule::event(
            &console_login_without_mfa::INFO,
            console_login_without_mfa::check,
        ),
        Rule::event(
            &long_term_key_without_mfa::INFO,
            long_term_key_without_mfa::check,
        ),
        Rule::event(&cross_account_access::INFO, cross_account_access::check),
        Rule::event(&cloudtrail_tampering::INFO, cloudtrail_tampering::check),
        Rule::posture(
            &root_access_key_present::INFO,
            root_access_key_present::check,
        ),
        Rule::posture(&root_mfa_disabled::INFO, root_mfa_disabled::check),
        Rule::posture(&user_without_mfa::INFO, user_without_mfa::check),
        Rule::posture(&access_key_not_rotated::INFO, access_key_not_rotated::check),
        Rule::posture(&unused_access_key::INFO, unused_access_key::check),
        Rule::posture(&unused_user::INFO, unused_user::check),
        Rule::posture(&unused_role::INFO, unused_role::check),
        Rule::posture(&unused_password::INFO, unused_password::check),
        Rule::event(&public_resource_policy::INFO, public_resource_policy::check),
        Rule::posture(&admin_grant::INFO, admin_grant::check),
        Rule::posture(&inline_policy_only::INFO, inline_policy_only::check),
        Rule::posture(
            &aws_managed_policy_only::INFO,
            aws_managed_policy_only::check,
        ),
        Rule::posture(&unattached_policy::INFO, unattached_policy::check),
        Rule::posture(&cross_account_trust::INFO, cross_account_trust::check),
        Rule::computed(&unused_permissions::INFO),
        Rule::computed(&implausible_event_time::INFO),
        Rule::computed(&logging_gap::INFO),
        Rule::computed(&region_not_logged::INFO),
    ]
}

/// What event checks know besides the event.
pub struct EventCtx<'a> {
    /// The resolved account of the event.
    pub account: &'a str,
    /// The resolved region.
    pub region: &'a str,
    /// Accounts that do not count as external (`--trusted-accounts`).
    pub trusted: &'a Trusted,
}

/// Accounts whose access is expected (`--trusted-accounts`): calls from them and trust in
/// them are not cross-account findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trusted {
    accounts: BTreeSet<String>,
}

impl Trusted {
    /// From account IDs.
    pub fn new<I: IntoIterator<Item = String>>(accounts: I) -> Self {
        Trusted {
            accounts: accounts.into_iter().collect(),
        }
    }
    /// Whether `account` is trusted.
    pub fn contains(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }
    /// The trusted accounts.
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.accounts.iter().map(String::as_str)
    }
    /// Parses `--trusted-accounts`: account IDs separated by commas or whitespace, or `@FILE`
    /// / a path to a file holding them (one per line, `#` comments). Every ID must have 12
    /// digits.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let text;
        let body = match spec.strip_prefix('@') {
            Some(path) => {
                text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read trusted accounts file {path}: {e}"))?;
                text.as_str()
            }
            None if std::path::Path::new(spec).is_file() => {
                text = std::fs::read_to_string(spec)
                    .map_err(|e| format!("cannot read trusted accounts file {spec}: {e}"))?;
                text.as_str()
            }
            None => spec,
        };
        let mut accounts = BTreeSet::new();
        for line in body.lines() {
            let line = line.split('#').next().unwrap_or("");
            for id in line.split(|c: char| c == ',' || c.is_whitespace()) {
                if id.is_empty() {
                    continue;
                }
                if !crate::iam::is_account_id(id) {
                    return Err(format!(
                        "`{id}` is not an AWS account ID (12 digits) in --trusted-accounts"
                    ));
                }
                accounts.insert(id.to_string());
            }
        }
        Ok(Trusted { accounts })
    }
}

/// One object's hits, keyed by rule and group.
#[derive(Default)]
pub struct Hits {
    map: HashMap<(&'static str, u32), Partial>,
    interner: Interner,
}

impl Hits {
    /// Records that `e` matches `rule` in `group`. `seed` is called only the first time the
    /// group is seen in this object. Returns the partial finding, to add evidence.
    pub fn hit(
        &mut self,
        info: &'static RuleInfo,
        group: &str,
        e: &Event<'_, '_>,
        region: &str,
        seed: impl FnOnce() -> Seed,
    ) -> &mut Partial {
        let gid = self.interner.id(group);
        let p = self
            .map
            .entry((info.id, gid))
            .or_insert_with(|| Partial::new(info, self.interner.get(gid).clone(), seed()));
        p.record(e, region);
        p
    }

    /// Takes the partials out, leaving the accumulator empty (its interner is kept).
    pub fn take(&mut self) -> Vec<Partial> {
        self.map.drain().map(|(_, p)| p).collect()
    }
}

/// The run's findings, merged across objects.
#[derive(Default)]
pub struct Findings {
    map: BTreeMap<(&'static str, Arc<str>), Partial>,
}

impl Findings {
    /// Merges an object's partials.
    pub fn merge(&mut self, parts: Vec<Partial>) {
        for p in parts {
            match self.map.entry((p.rule, p.group.clone())) {
                std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().merge(p),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(p);
                }
            }
        }
    }
    /// Every finding, in key order.
    pub fn iter(&self) -> impl Iterator<Item = &Partial> {
        self.map.values()
    }
    /// Adds findings that do not come from events (IAM details, credential report).
    pub fn push(&mut self, p: Partial) {
        self.merge(vec![p]);
    }
    /// All findings, most severe first, then by rule, account, principal.
    pub fn into_sorted(self) -> Vec<Partial> {
        let mut v: Vec<Partial> = self.map.into_values().collect();
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule.cmp(b.rule))
                .then_with(|| a.account.cmp(&b.account))
                .then_with(|| a.principal.cmp(&b.principal))
                .then_with(|| a.group.cmp(&b.group))
        });
        v
    }
}

/// The event rules selected for a run.
#[derive(Clone)]
pub struct Detector {
    checks: Vec<EventCheck>,
    posture: Vec<(&'static RuleInfo, posture::PostureCheck)>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Detector({} event checks)", self.checks.len())
    }
}

impl Detector {
    /// The rules whose ids are in `only` (all when `None`), minus `skip`.
    pub fn new(only: Option<&[String]>, skip: &[String]) -> Result<Self, String> {
        let rules = all_rules();
        for id in only.unwrap_or_default().iter().chain(skip) {
            if !rules.iter().any(|r| r.info.id == id) {
                return Err(format!("unknown rule `{id}` (see `trailguard rules`)"));
            }
        }
        let selected: Vec<Rule> = rules
            .into_iter()
            .filter(|r| only.is_none_or(|o| o.iter().any(|x| x == r.info.id)))
            .filter(|r| !skip.iter().any(|x| x == r.info.id))
            .collect();
        Ok(Detector {
            checks: selected.iter().filter_map(|r| r.check).collect(),
            posture: selected
                .iter()
                .filter_map(|r| Some((r.info, r.posture?)))
                .collect(),
        })
    }

    /// A detector with no rules.
    pub fn none() -> Self {
        Detector {
            checks: Vec::new(),
            posture: Vec::new(),
        }
    }

    /// Runs the selected inventory rules; returns the rules that could not run, with why.
    pub fn run_posture(
        &self,
        ctx: &posture::PostureCtx<'_>,
        findings: &mut Findings,
    ) -> Vec<posture::NotRun> {
        let mut not_run = Vec::new();
        for (info, check) in &self.posture {
            let mut out = Vec::new();
            match check(ctx, &mut out) {
                Ok(()) => {
                    for p in out {
                        findings.push(p);
                    }
                }
                Err(reason) => not_run.push(posture::NotRun {
                    rule: info.id.to_string(),
                    reason,
                }),
            }
        }
        not_run
    }

    /// Runs every selected check on an event.
    pub fn check(&self, e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
        for c in &self.checks {
            c(e, ctx, hits);
        }
    }
}

/// Helpers shared by rules.
pub mod util {
    use crate::event::{Event, principal_type};

    /// The principal ARN of an event, rendered.
    pub fn principal(e: &Event<'_, '_>) -> String {
        e.principal().arn()
    }

    /// The principal type of an event.
    pub fn ptype(e: &Event<'_, '_>) -> String {
        principal_type(e).to_string()
    }

    /// A string field of a JSON object value.
    pub fn field<'i>(v: Option<crate::event::Json<'_, 'i>>, key: &str) -> Option<&'i str> {
        use simd_json::prelude::*;
        v?.get(key)?.into_string()
    }

    /// Whether the event is an IAM Identity Center, SAML or web-identity federated sign-in or
    /// a role session (not an IAM user's own password).
    pub fn is_federated_or_role(e: &Event<'_, '_>) -> bool {
        let Some(u) = e.user_identity else {
            return true;
        };
        matches!(
            u.kind,
            Some("AssumedRole")
                | Some("FederatedUser")
                | Some("SAMLUser")
                | Some("WebIdentityUser")
                | Some("IdentityCenterUser")
                | Some("Unknown")
                | None
        ) || field(e.additional_event_data, "SamlProviderArn").is_some()
    }

    /// Whether the call was made by an AWS service on the account's behalf.
    pub fn by_service(e: &Event<'_, '_>) -> bool {
        e.event_type == Some("AwsServiceEvent")
            || e.user_identity.and_then(|u| u.invoked_by).is_some()
    }
}
