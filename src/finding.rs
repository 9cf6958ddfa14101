//! What a rule reports: severities, rule documentation ([`RuleInfo`]) and findings under
//! construction ([`Partial`]), shared by the detections ([`crate::detect`]) and the
//! least-privilege step ([`crate::recommend`]).

use crate::event::Event;
pub use crate::event_id::EventId;
use crate::time::{max_opt, min_opt};
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
        pub const INFO: $crate::finding::RuleInfo = $crate::finding::RuleInfo {
            id: $id,
            anti_pattern: $ap,
            severity: $crate::finding::Severity::$sev,
            title: $title,
            inputs: &[$($crate::finding::Input::$input),*],
            what: $what,
            why: $why,
            fix: $fix,
        };
    };
}
pub(crate) use rule_info;

/// How many event IDs a finding keeps (the earliest ones); the count says how many there were.
pub const MAX_EVENT_IDS: usize = 100;
/// How many values each evidence field keeps.
pub const MAX_EVIDENCE_VALUES: usize = 100;

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
    /// What tells this finding apart from the rule's other findings of the same principal (a
    /// trail, a key, a bucket, an external account, an IP), when the principal alone does not.
    pub target: Option<String>,
    /// What to do.
    pub remediation: String,
}

/// One evidence value, typed: written as a JSON boolean, number or string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A yes/no fact (`mfa_used`).
    Bool(bool),
    /// A count or an age (`age_days`).
    Int(i64),
    /// Anything else: names, ARNs, times (RFC 3339), sentences.
    Text(String),
}

impl Value {
    /// The text of a [`Value::Text`], else `None`.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, o: &&str) -> bool {
        self.as_text() == Some(*o)
    }
}

/// The stable ID of a finding: the first 128 bits of SHA-256 over its rule, account,
/// principal and target (NUL-separated), in hex. The same finding gets the same ID in every
/// run and every format, so it can be tracked and suppressed across runs.
pub fn stable_id(rule: &str, account: &str, principal: &str, target: Option<&str>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [rule, account, principal, target.unwrap_or("")] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
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
    /// What tells it apart from the rule's other findings of the principal.
    pub target: Option<String>,
    /// Remediation.
    pub remediation: String,
    /// Matching events, or what [`Partial::unit`] says is counted.
    pub count: u64,
    /// What `count` counts (`events` unless the rule says otherwise: `hours`, `regions`,
    /// `log files`, `actions used`).
    pub unit: &'static str,
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
    pub evidence: BTreeMap<&'static str, BTreeSet<Value>>,
    /// The calls the matching events made: `(eventSource, eventName, events)`, at most
    /// [`MAX_CALLS`] distinct (the least-privilege step keeps actions used only in flagged
    /// calls out of its suggestion).
    pub calls: Vec<(Box<str>, Box<str>, u64)>,
}

/// Distinct calls a finding keeps.
pub const MAX_CALLS: usize = 64;

fn add_call(calls: &mut Vec<(Box<str>, Box<str>, u64)>, source: &str, name: &str, n: u64) {
    if let Some(c) = calls
        .iter_mut()
        .find(|(s, e, _)| &**s == source && &**e == name)
    {
        c.2 += n;
    } else if calls.len() < MAX_CALLS {
        calls.push((source.into(), name.into(), n));
    }
}

fn capped_insert(set: &mut BTreeSet<String>, v: &str) {
    if set.len() < MAX_EVIDENCE_VALUES && !set.contains(v) {
        set.insert(v.to_string());
    }
}

fn capped_value(set: &mut BTreeSet<Value>, v: Value) {
    if set.len() < MAX_EVIDENCE_VALUES {
        set.insert(v);
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
            target: s.target,
            remediation: s.remediation,
            count: 0,
            unit: "events",
            first: None,
            last: None,
            event_ids: BTreeSet::new(),
            source_ips: BTreeSet::new(),
            regions: BTreeSet::new(),
            evidence: BTreeMap::new(),
            calls: Vec::new(),
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
        self.first = min_opt(self.first, Some(t));
        self.last = max_opt(self.last, Some(t));
        self
    }

    pub(crate) fn record(&mut self, e: &Event<'_, '_>, region: &str) {
        self.count += 1;
        self.first = min_opt(self.first, e.time_ms);
        self.last = max_opt(self.last, e.time_ms);
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
        if let (Some(s), Some(n)) = (e.event_source, e.event_name) {
            add_call(&mut self.calls, s, n, 1);
        }
    }

    /// Adds a text value to a rule-specific evidence field.
    pub fn evidence(&mut self, field: &'static str, value: &str) -> &mut Self {
        let set = self.evidence.entry(field).or_default();
        if set.len() < MAX_EVIDENCE_VALUES && !set.iter().any(|v| v == &value) {
            set.insert(Value::Text(value.to_string()));
        }
        self
    }

    /// Adds a number to a rule-specific evidence field.
    pub fn evidence_num(&mut self, field: &'static str, value: i64) -> &mut Self {
        capped_value(self.evidence.entry(field).or_default(), Value::Int(value));
        self
    }

    /// Adds a boolean to a rule-specific evidence field.
    pub fn evidence_bool(&mut self, field: &'static str, value: bool) -> &mut Self {
        capped_value(self.evidence.entry(field).or_default(), Value::Bool(value));
        self
    }

    /// The values of an evidence field as text, in order (empty when there are none).
    pub fn evidence_text(&self, field: &str) -> Vec<String> {
        self.evidence
            .get(field)
            .map(|s| s.iter().map(Value::to_string).collect())
            .unwrap_or_default()
    }

    /// The finding's stable ID ([`stable_id`]).
    pub fn id(&self) -> String {
        stable_id(
            self.rule,
            &self.account,
            &self.principal,
            self.target.as_deref(),
        )
    }

    /// Merges another partial of the same rule and group.
    pub fn merge(&mut self, o: Partial) {
        self.severity = self.severity.max(o.severity);
        self.count += o.count;
        self.first = min_opt(self.first, o.first);
        self.last = max_opt(self.last, o.last);
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
                capped_value(set, v);
            }
        }
        for (s, n, c) in o.calls {
            add_call(&mut self.calls, &s, &n, c);
        }
    }
}
