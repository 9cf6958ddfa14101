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
pub mod inline_policy_only;
pub mod long_term_key_without_mfa;
pub mod posture;
pub mod public_resource_policy;
pub mod root_access_key_created;
pub mod root_access_key_present;
pub mod root_api_call;
pub mod root_console_login;
pub mod root_console_login_failed;
pub mod root_mfa_disabled;
pub mod unattached_policy;
pub mod unused_access_key;
pub mod unused_password;
pub mod unused_role;
pub mod unused_user;
pub mod user_without_mfa;

use crate::activity::Interner;
use crate::event::Event;
use ahash::HashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Hygiene.
    Low,
    /// Fix soon.
    Medium,
    /// Fix now.
    High,
    /// Possible compromise in progress.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// What a rule needs to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// CloudTrail events.
    Cloudtrail,
    /// `aws iam get-account-authorization-details` output (`--iam-details`).
    IamDetails,
    /// `aws iam get-credential-report` output (`--credential-report`).
    CredentialReport,
}

/// A rule's identity and documentation.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleInfo {
    /// Stable id (`root-console-login`).
    pub id: &'static str,
    /// The anti-pattern(s) it belongs to (1-6, or `beyond`).
    pub anti_pattern: &'static str,
    /// Highest severity it reports.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// Inputs it needs (all of them).
    pub inputs: &'static [Input],
    /// What it finds.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix.
    pub fix: &'static str,
}

/// Declares a rule's [`RuleInfo`] as `pub const INFO` with the same text as its doc comment.
macro_rules! rule_info {
    (
        id: $id:literal,
        anti_pattern: $ap:literal,
        severity: $sev:ident,
        title: $title:literal,
        inputs: [$($input:ident),*],
        what: $what:literal,
        why: $why:literal,
        fix: $fix:literal $(,)?
    ) => {
        #[doc = concat!("`", $id, "`: ", $title, "\n\n## What it finds\n", $what,
            "\n\n## Why is this bad?\n", $why, "\n\n## How to fix\n", $fix)]
        pub const INFO: $crate::detect::RuleInfo = $crate::detect::RuleInfo {
            id: $id,
            anti_pattern: $ap,
            severity: $crate::detect::Severity::$sev,
            title: $title,
            inputs: &[$($crate::detect::Input::$input),*],
            what: $what,
            why: $why,
            fix: $fix,
        };
    };
}
pub(crate) use rule_info;

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
    /// A rule computed by the least-privilege step ([`crate::recommend`]), not by a check.
    pub const fn recommend(info: &'static RuleInfo) -> Self {
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
        Rule::recommend(&crate::recommend::INFO),
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

/// How many event IDs a finding keeps (the earliest ones); the count says how many there were.
pub const MAX_EVENT_IDS: usize = 100;
/// How many values each evidence field keeps.
pub const MAX_EVIDENCE_VALUES: usize = 100;

/// An event ID kept as evidence: a lower-case UUID as a number (no allocation), else the text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventId {
    /// A lower-case UUID.
    Uuid(u128),
    /// Anything else.
    Text(Box<str>),
}

impl EventId {
    /// Keeps an ID.
    pub fn new(s: &str) -> Self {
        match crate::dedup::parse_uuid(s, true) {
            Some(v) => EventId::Uuid(v),
            None => EventId::Text(s.into()),
        }
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventId::Uuid(v) => f.write_str(&crate::dedup::format_uuid(*v)),
            EventId::Text(t) => f.write_str(t),
        }
    }
}

/// What a rule says about a new group the first time it matches.
pub struct Seed {
    /// Severity.
    pub severity: Severity,
    /// Title, naming the principal.
    pub title: String,
    /// Account.
    pub account: String,
    /// Principal ARN (or name).
    pub principal: String,
    /// Principal type.
    pub principal_type: String,
    /// Access key, where relevant.
    pub access_key_id: Option<String>,
    /// What to do.
    pub remediation: String,
}

/// A finding under construction, mergeable.
#[derive(Clone, Debug)]
pub struct Partial {
    /// Rule id.
    pub rule: &'static str,
    /// Rule's anti-pattern.
    pub anti_pattern: &'static str,
    /// Group key within the rule.
    pub group: Arc<str>,
    /// Seed fields.
    pub severity: Severity,
    /// Title.
    pub title: String,
    /// Account.
    pub account: String,
    /// Principal.
    pub principal: String,
    /// Principal type.
    pub principal_type: String,
    /// Access key.
    pub access_key_id: Option<String>,
    /// Remediation.
    pub remediation: String,
    /// Matching events.
    pub count: u64,
    /// Earliest time.
    pub first: Option<i64>,
    /// Latest time.
    pub last: Option<i64>,
    /// The earliest event IDs with their times.
    pub event_ids: BTreeSet<(i64, EventId)>,
    /// Source IPs.
    pub source_ips: BTreeSet<String>,
    /// Regions.
    pub regions: BTreeSet<String>,
    /// Rule-specific evidence: field -> values.
    pub evidence: BTreeMap<&'static str, BTreeSet<String>>,
}

fn capped_insert(set: &mut BTreeSet<String>, v: &str) {
    if set.len() < MAX_EVIDENCE_VALUES && !set.contains(v) {
        set.insert(v.to_string());
    }
}

impl Partial {
    /// A finding with no events yet.
    pub fn new(info: &'static RuleInfo, group: Arc<str>, s: Seed) -> Self {
        Partial {
            rule: info.id,
            anti_pattern: info.anti_pattern,
            group,
            severity: s.severity,
            title: s.title,
            account: s.account,
            principal: s.principal,
            principal_type: s.principal_type,
            access_key_id: s.access_key_id,
            remediation: s.remediation,
            count: 0,
            first: None,
            last: None,
            event_ids: BTreeSet::new(),
            source_ips: BTreeSet::new(),
            regions: BTreeSet::new(),
            evidence: BTreeMap::new(),
        }
    }

    /// Adds an event ID (with its time) as evidence, keeping the earliest
    /// [`MAX_EVENT_IDS`].
    pub fn event_id(&mut self, time: i64, id: &str) -> &mut Self {
        self.event_ids.insert((time, EventId::new(id)));
        if self.event_ids.len() > MAX_EVENT_IDS {
            self.event_ids.pop_last();
        }
        self
    }

    /// Widens first/last to include `t`.
    pub fn seen(&mut self, t: i64) -> &mut Self {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        self
    }

    fn record(&mut self, e: &Event<'_, '_>, region: &str) {
        self.count += 1;
        if let Some(t) = e.time_ms {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if let Some(id) = e.event_id {
            let t = e.time_ms.unwrap_or(i64::MAX);
            let full = self.event_ids.len() >= MAX_EVENT_IDS;
            // Past 100 IDs, most later events are later in time: skip them before building a key.
            if !full || self.event_ids.last().is_some_and(|(lt, _)| t <= *lt) {
                self.event_ids.insert((t, EventId::new(id)));
                if self.event_ids.len() > MAX_EVENT_IDS {
                    self.event_ids.pop_last();
                }
            }
        }
        if let Some(ip) = e.source_ip {
            capped_insert(&mut self.source_ips, ip);
        }
        capped_insert(&mut self.regions, region);
    }

    /// Adds a value to a rule-specific evidence field.
    pub fn evidence(&mut self, field: &'static str, value: &str) -> &mut Self {
        capped_insert(self.evidence.entry(field).or_default(), value);
        self
    }

    /// Merges another partial of the same rule and group.
    pub fn merge(&mut self, o: Partial) {
        self.severity = self.severity.max(o.severity);
        self.count += o.count;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.event_ids.extend(o.event_ids);
        while self.event_ids.len() > MAX_EVENT_IDS {
            self.event_ids.pop_last();
        }
        for ip in o.source_ips {
            capped_insert(&mut self.source_ips, &ip);
        }
        for r in o.regions {
            capped_insert(&mut self.regions, &r);
        }
        for (k, vs) in o.evidence {
            let set = self.evidence.entry(k).or_default();
            for v in vs {
                capped_insert(set, &v);
            }
        }
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
