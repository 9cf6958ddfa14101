//! What CloudTrail says about the use of principals and credentials, for the rules that judge
//! the IAM inventory (unused users, roles, keys and passwords; keys never rotated).
//!
//! Two sources feed it:
//! * per event, in the decoder threads ([`FileUsage`]): long-term access keys (`AKIA...`) by
//!   key, successful console sign-ins by IAM user, and the access-key lifecycle
//!   (`CreateAccessKey`, `UpdateAccessKey`, `DeleteAccessKey`);
//! * per activity row, on the merging thread ([`Usage::add_rows`]): every principal's first and
//!   last event (a role's sessions count for the role).
//!
//! Memory grows with the number of principals and keys, not with events.

use crate::activity::Row;
use crate::event::Event;
use crate::time::{max_opt, min_opt};
use ahash::HashMap;
use std::collections::BTreeMap;

/// First and last time, and how many events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Earliest event time (epoch ms).
    pub first: i64,
    /// Latest event time (epoch ms).
    pub last: i64,
    /// Events.
    pub count: u64,
}

impl Span {
    fn at(t: i64) -> Self {
        Span {
            first: t,
            last: t,
            count: 1,
        }
    }
    fn add(&mut self, t: i64) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += 1;
    }
    /// Widens this span by another and adds its count.
    pub fn merge(&mut self, o: &Span) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// Use of one long-term access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUse {
    /// Account of the key's user.
    pub account: String,
    /// The user's ARN.
    pub user_arn: String,
    /// The user's name.
    pub user_name: Option<String>,
    /// When it was used.
    pub span: Span,
}

/// What happened to an access key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyChange {
    /// `CreateAccessKey`.
    Created,
    /// `UpdateAccessKey` to `Active`.
    Activated,
    /// `UpdateAccessKey` to `Inactive`.
    Deactivated,
    /// `DeleteAccessKey`.
    Deleted,
}

/// One access-key lifecycle event.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyEvent {
    /// The access key.
    pub key: String,
    /// When (epoch ms).
    pub time: i64,
    /// What happened.
    pub change: KeyChange,
    /// Account of the key's user.
    pub account: String,
    /// The key's user (the caller itself when the request names no user).
    pub user_name: Option<String>,
    /// Who made the call.
    pub actor: String,
    /// Event ID.
    pub event_id: Option<String>,
    /// Source IP.
    pub source_ip: Option<String>,
}

/// How many resource ARNs are kept per principal and API call; past it the call's resources
/// are generalized (see [`Resources::overflow`]).
pub const MAX_RESOURCES: usize = 64;

/// How many ARN shapes ([`crate::iam::arn::Arn::shape`]) are kept per principal and API call.
pub const MAX_SHAPES: usize = 16;

/// The resources a principal's calls of one API touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// Resource ARNs (`resources[].ARN`, or built from `requestParameters` for S3).
    pub arns: std::collections::BTreeSet<String>,
    /// More than [`MAX_RESOURCES`] distinct ARNs were seen (the set holds the first ones).
    pub overflow: bool,
    /// Some calls named no resource at all.
    pub unnamed: bool,
    /// The latest call (epoch ms), to age the entry out of a `--state` window.
    pub last: Option<i64>,
    /// The shape of every ARN seen (kept past [`MAX_RESOURCES`]), so that an action whose
    /// calls touched hundreds of keys is still scoped to `key/*` of their accounts and regions.
    pub shapes: std::collections::BTreeSet<String>,
    /// More than [`MAX_SHAPES`] shapes, or a shape not an ARN, or a `--state` written before
    /// shapes were kept: `shapes` does not cover every ARN seen.
    pub shapes_incomplete: bool,
    /// For a permission inferred from the request ([`crate::iam::dependent`]): the IDs of the
    /// first events that needed it (at most [`MAX_EXAMPLES`]).
    pub events: std::collections::BTreeSet<String>,
}

/// Event IDs kept per inferred permission.
pub const MAX_EXAMPLES: usize = 3;

impl Resources {
    /// Keeps the smallest [`MAX_EXAMPLES`] event IDs, so that the set does not depend on the
    /// order in which threads merge.
    fn add_example(&mut self, id: String) {
        self.events.insert(id);
        if self.events.len() > MAX_EXAMPLES {
            self.events.pop_last();
        }
    }

    fn add(&mut self, arn: &str) {
        if self.arns.contains(arn) {
            return;
        }
        match crate::iam::arn::Arn::parse(arn).map(|a| a.shape()) {
            Some(sh) if self.shapes.contains(&sh) => {}
            Some(sh) if self.shapes.len() < MAX_SHAPES => {
                self.shapes.insert(sh);
            }
            _ => self.shapes_incomplete = true,
        }
        if self.arns.len() >= MAX_RESOURCES {
            self.overflow = true;
        } else {
            self.arns.insert(arn.to_string());
        }
    }
    /// Adds another set (keeping at most [`MAX_RESOURCES`] ARNs).
    pub fn merge(&mut self, o: Resources) {
        for a in o.arns {
            self.add(&a);
        }
        for sh in o.shapes {
            if !self.shapes.contains(&sh) {
                if self.shapes.len() < MAX_SHAPES {
                    self.shapes.insert(sh);
                } else {
                    self.shapes_incomplete = true;
                }
            }
        }
        for id in o.events {
            self.add_example(id);
        }
        self.overflow |= o.overflow;
        self.unnamed |= o.unnamed;
        self.shapes_incomplete |= o.shapes_incomplete;
        self.last = max_opt(self.last, o.last);
    }
}

/// One object's usage, built in a decoder thread.
#[derive(Default)]
pub struct FileUsage {
    keys: HashMap<Box<str>, KeyUse>,
    console: HashMap<Box<str>, Span>,
    key_events: Vec<KeyEvent>,
    data_sources: Vec<(String, String, Option<i64>)>,
    resources: HashMap<String, Resources>,
    key_buf: String,
}

/// Separates the parts of a resource key (principal, event source, event name).
const SEP: char = '\u{1f}';

fn str_field<'i>(v: Option<crate::event::Json<'_, 'i>>, path: &[&str]) -> Option<&'i str> {
    use simd_json::prelude::*;
    let mut cur = v?;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.into_string()
}

impl FileUsage {
    /// Notes which resources the event touched, for the policy suggestions. Only successful
    /// calls count (a denied call used nothing).
    pub fn add_resources(&mut self, e: &Event<'_, '_>, principal: &str) {
        use simd_json::prelude::*;
        if e.is_denied() {
            return;
        }
        let (Some(source), Some(name)) = (e.event_source, e.event_name) else {
            return;
        };
        self.key_buf.clear();
        self.key_buf.push_str(principal);
        self.key_buf.push(SEP);
        self.key_buf.push_str(source);
        self.key_buf.push(SEP);
        self.key_buf.push_str(name);
        if !self.resources.contains_key(self.key_buf.as_str()) {
            self.resources
                .insert(self.key_buf.clone(), Resources::default());
        }
        let set = self
            .resources
            .get_mut(self.key_buf.as_str())
            .expect("inserted above");
        set.last = max_opt(set.last, e.time_ms);
        let mut named = false;
        if let Some(list) = e.resources.and_then(|r| r.as_array()) {
            for r in list.iter() {
                if let Some(arn) = r.get("ARN").and_then(|a| a.into_string()) {
                    set.add(arn);
                    named = true;
                }
            }
        }
        if !named
            && source == "s3.amazonaws.com"
            && let Some(bucket) = str_field(e.request_parameters, &["bucketName"])
        {
            let partition = crate::event::partition_of_region(e.aws_region.unwrap_or(""));
            match str_field(e.request_parameters, &["key"]) {
                Some(key) => set.add(&format!("arn:{partition}:s3:::{bucket}/{key}")),
                None => set.add(&format!("arn:{partition}:s3:::{bucket}")),
            }
            named = true;
        }
        if !named {
            set.unnamed = true;
        }
        if crate::iam::dependent::may_pass(source, name) {
            self.add_inferred(e, principal);
        }
    }

    /// Notes the permissions the call needed without a call of their own (`iam:PassRole` on
    /// the role a `CreateFunction` names), under [`crate::iam::dependent::INFERRED_SOURCE`].
    fn add_inferred(&mut self, e: &Event<'_, '_>, principal: &str) {
        for p in crate::iam::dependent::passed(e) {
            let key = format!(
                "{principal}{SEP}{}{SEP}{}",
                crate::iam::dependent::INFERRED_SOURCE,
                p.action
            );
            let set = self.resources.entry(key).or_default();
            set.last = max_opt(set.last, e.time_ms);
            match (p.arn, p.instance_profile) {
                (Some(arn), _) => set.add(arn),
                (None, Some(ip)) if ip.starts_with("arn:") => set.add(ip),
                (None, Some(name)) => match e.recipient_account_id {
                    Some(acct) => {
                        let partition =
                            crate::event::partition_of_region(e.aws_region.unwrap_or(""));
                        set.add(&format!(
                            "arn:{partition}:iam::{acct}:instance-profile/{name}"
                        ));
                    }
                    None => set.unnamed = true,
                },
                (None, None) => set.unnamed = true,
            }
            if let Some(id) = e.event_id {
                set.add_example(id.to_string());
            }
        }
    }

    /// Looks at one event (already deduplicated and inside the window).
    pub fn add(&mut self, e: &Event<'_, '_>, account: &str) {
        if (e.management_event == Some(false) || e.event_category == Some("Data"))
            && let Some(src) = e.event_source
        {
            match self
                .data_sources
                .iter_mut()
                .find(|(a, s, _)| a == account && s == src)
            {
                Some((_, _, t)) => *t = max_opt(*t, e.time_ms),
                None => self
                    .data_sources
                    .push((account.to_string(), src.to_string(), e.time_ms)),
            }
        }
        let (Some(t), Some(u)) = (e.time_ms, e.user_identity) else {
            return;
        };
        if let Some(key) = u.access_key_id
            && key.starts_with("AKIA")
            && u.kind == Some("IAMUser")
        {
            match self.keys.get_mut(key) {
                Some(k) => k.span.add(t),
                None => {
                    self.keys.insert(
                        key.into(),
                        KeyUse {
                            account: account.to_string(),
                            user_arn: u.arn.unwrap_or_default().to_string(),
                            user_name: u.user_name.map(str::to_string),
                            span: Span::at(t),
                        },
                    );
                }
            }
        }
        let Some(name) = e.event_name else { return };
        match name {
            "ConsoleLogin"
                if u.kind == Some("IAMUser")
                    && str_field(e.response_elements, &["ConsoleLogin"]) == Some("Success") =>
            {
                if let Some(arn) = u.arn {
                    self.console
                        .entry(arn.into())
                        .and_modify(|s| s.add(t))
                        .or_insert_with(|| Span::at(t));
                }
            }
            "CreateAccessKey" | "UpdateAccessKey" | "DeleteAccessKey"
                if e.event_source == Some("iam.amazonaws.com") && !e.is_error() =>
            {
                let change = match name {
                    "CreateAccessKey" => KeyChange::Created,
                    "DeleteAccessKey" => KeyChange::Deleted,
                    _ => match str_field(e.request_parameters, &["status"]) {
                        Some("Active") => KeyChange::Activated,
                        Some("Inactive") => KeyChange::Deactivated,
                        _ => return,
                    },
                };
                let key = match change {
                    KeyChange::Created => {
                        str_field(e.response_elements, &["accessKey", "accessKeyId"])
                    }
                    _ => str_field(e.request_parameters, &["accessKeyId"]),
                };
                let Some(key) = key else { return };
                let user_name = match change {
                    KeyChange::Created => {
                        str_field(e.response_elements, &["accessKey", "userName"])
                    }
                    _ => None,
                }
                .or_else(|| str_field(e.request_parameters, &["userName"]))
                .or(if u.kind == Some("IAMUser") {
                    u.user_name
                } else {
                    None
                });
                self.key_events.push(KeyEvent {
                    key: key.to_string(),
                    time: t,
                    change,
                    account: account.to_string(),
                    user_name: user_name.map(str::to_string),
                    actor: e.principal().arn(),
                    event_id: e.event_id.map(str::to_string),
                    source_ip: e.source_ip.map(str::to_string),
                });
            }
            _ => {}
        }
    }

    /// Takes the collected usage out, leaving this empty.
    pub fn take(&mut self) -> FileUsage {
        std::mem::take(self)
    }
}

/// Use of one IAM action by one principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionUse {
    /// Calls that passed authorization.
    pub count: u64,
    /// Calls refused for lack of permission (not use).
    pub denied: u64,
    /// First and last call that passed authorization.
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
    /// First and last refused call.
    pub denied_first: Option<i64>,
    /// See `denied_first`.
    pub denied_last: Option<i64>,
}

/// A principal's use of IAM actions, with its account and type.
#[derive(Clone, Debug, Default)]
pub struct PrincipalActions {
    /// Account of the events.
    pub account: String,
    /// Principal type.
    pub principal_type: String,
    /// Action (`s3:GetObject`, as the mapping names it) -> use.
    pub actions: BTreeMap<std::sync::Arc<str>, ActionUse>,
}

/// A principal's activity over the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalUse {
    /// Account the principal belongs to (its ARN's account, else the event's account).
    pub account: String,
    /// Principal type.
    pub principal_type: String,
    /// Its events.
    pub span: Span,
}

/// The run's usage.
#[derive(Default, Debug)]
pub struct Usage {
    /// Long-term access keys by key ID.
    pub keys: BTreeMap<String, KeyUse>,
    /// Successful console sign-ins by IAM user ARN.
    pub console: BTreeMap<String, Span>,
    /// Access-key lifecycle events, sorted by key and time.
    pub key_events: Vec<KeyEvent>,
    /// Principals by ARN (as in `activity.parquet`).
    pub principals: HashMap<std::sync::Arc<str>, PrincipalUse>,
    /// IAM actions used (or refused) per principal ARN.
    pub actions: HashMap<std::sync::Arc<str>, PrincipalActions>,
    /// `(account, eventSource)` pairs for which data events were read: their data-event
    /// actions are observable there.
    pub data_sources: std::collections::BTreeSet<(String, String)>,
    /// The latest data event of each of `data_sources` (absent when no such event had a time).
    pub data_source_last: BTreeMap<(String, String), i64>,
    /// `(account, eventSource)` whose data events the scanned trails' selectors record for
    /// every resource (`scan --trail`; account `*` for an organization trail): their data-event
    /// actions are observable there even when no such event was read. Set for the run, never
    /// kept in the state.
    pub recorded: std::collections::BTreeSet<(String, String)>,
    /// Resources touched, by `(principal, eventSource, eventName)`.
    pub resources: BTreeMap<(String, String, String), Resources>,
    /// Accounts whose events were read, with their first and last event.
    pub accounts: BTreeMap<String, Span>,
    /// Newest event time read.
    pub newest: Option<i64>,
    /// Oldest event time read.
    pub oldest: Option<i64>,
    /// IAM users and roles by `(account, kind, name)`, built by [`Usage::finish`].
    by_key: HashMap<(String, String, String), std::sync::Arc<str>>,
}

/// What [`Usage::age_out`] dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Aged {
    /// `(principal, action)` entries.
    pub actions: u64,
    /// `(principal, eventSource, eventName)` resource sets.
    pub resources: u64,
    /// `(account, eventSource)` data-event sources.
    pub data_sources: u64,
    /// Lifecycle events of keys deleted before the window.
    pub key_events: u64,
}

/// The account in an ARN (`arn:partition:service:region:account:...`).
pub fn arn_account(arn: &str) -> Option<&str> {
    crate::iam::arn::Arn::parse(arn)?.account_id()
}

impl Usage {
    /// Merges one object's per-event usage.
    pub fn merge(&mut self, f: FileUsage) {
        for (k, v) in f.keys {
            match self.keys.get_mut(&*k) {
                Some(have) => have.span.merge(&v.span),
                None => {
                    self.keys.insert(k.into(), v);
                }
            }
        }
        for (arn, s) in f.console {
            self.console
                .entry(arn.into())
                .and_modify(|h| h.merge(&s))
                .or_insert(s);
        }
        self.key_events.extend(f.key_events);
        for (account, source, t) in f.data_sources {
            let k = (account, source);
            if let Some(t) = t {
                let last = self.data_source_last.entry(k.clone()).or_insert(t);
                *last = (*last).max(t);
            }
            self.data_sources.insert(k);
        }
        for (k, v) in f.resources {
            let mut parts = k.splitn(3, SEP);
            let key = (
                parts.next().unwrap_or_default().to_string(),
                parts.next().unwrap_or_default().to_string(),
                parts.next().unwrap_or_default().to_string(),
            );
            self.resources.entry(key).or_default().merge(v);
        }
    }

    /// Counts finished activity rows (each event is in exactly one row).
    pub fn add_rows(&mut self, rows: &[Row]) {
        for r in rows {
            let (Some(first), Some(last)) = (r.agg.first_seen(), r.agg.last_seen()) else {
                continue;
            };
            let span = Span {
                first,
                last,
                count: r.agg.events,
            };
            self.newest = Some(self.newest.map_or(last, |n| n.max(last)));
            self.oldest = Some(self.oldest.map_or(first, |o| o.min(first)));
            self.accounts
                .entry(r.key.account.to_string())
                .and_modify(|s| s.merge(&span))
                .or_insert(span);
            if let Some(actions) = &r.iam_action {
                let ok = r.agg.events - r.agg.denied;
                let pa = self
                    .actions
                    .entry(r.key.principal.clone())
                    .or_insert_with(|| PrincipalActions {
                        account: r.key.account.to_string(),
                        principal_type: r.key.principal_type.to_string(),
                        actions: BTreeMap::new(),
                    });
                // A principal seen in several accounts (a service, a cross-account role):
                // the smallest, so that the result does not depend on the order of rows.
                if *r.key.account < *pa.account {
                    pa.account = r.key.account.to_string();
                }
                for a in actions.split(',') {
                    let u = pa.actions.entry(a.into()).or_insert(ActionUse {
                        count: 0,
                        denied: 0,
                        first: None,
                        last: None,
                        denied_first: None,
                        denied_last: None,
                    });
                    u.count += ok;
                    u.denied += r.agg.denied;
                    if let Some((f, l)) = r.agg.allowed_span() {
                        u.first = min_opt(u.first, Some(f));
                        u.last = max_opt(u.last, Some(l));
                    }
                    if let Some((f, l)) = r.agg.denied_span() {
                        u.denied_first = min_opt(u.denied_first, Some(f));
                        u.denied_last = max_opt(u.denied_last, Some(l));
                    }
                }
            }
            match self.principals.get_mut(&r.key.principal) {
                Some(p) => {
                    p.span.merge(&span);
                    if arn_account(&r.key.principal).is_none() && *r.key.account < *p.account {
                        p.account = r.key.account.to_string();
                    }
                }
                None => {
                    let account = arn_account(&r.key.principal)
                        .unwrap_or(&r.key.account)
                        .to_string();
                    self.principals.insert(
                        r.key.principal.clone(),
                        PrincipalUse {
                            account,
                            principal_type: r.key.principal_type.to_string(),
                            span,
                        },
                    );
                }
            }
        }
    }

    /// Adds the usage of other events (an earlier run's, kept by `--state`): counts add up,
    /// first and last times widen, sets unite. Call [`Usage::finish`] afterwards.
    pub fn absorb(&mut self, o: Usage) {
        for (k, v) in o.keys {
            match self.keys.get_mut(&k) {
                Some(have) => have.span.merge(&v.span),
                None => {
                    self.keys.insert(k, v);
                }
            }
        }
        for (arn, s) in o.console {
            self.console
                .entry(arn)
                .and_modify(|h| h.merge(&s))
                .or_insert(s);
        }
        self.key_events.extend(o.key_events);
        for (k, v) in o.principals {
            match self.principals.get_mut(&k) {
                Some(have) => {
                    have.span.merge(&v.span);
                    if v.account < have.account {
                        have.account = v.account;
                    }
                }
                None => {
                    self.principals.insert(k, v);
                }
            }
        }
        for (k, v) in o.actions {
            let Some(have) = self.actions.get_mut(&k) else {
                self.actions.insert(k, v);
                continue;
            };
            if v.account < have.account {
                have.account = v.account;
            }
            for (a, u) in v.actions {
                match have.actions.get_mut(&a) {
                    Some(h) => {
                        h.count += u.count;
                        h.denied += u.denied;
                        h.first = min_opt(h.first, u.first);
                        h.last = max_opt(h.last, u.last);
                        h.denied_first = min_opt(h.denied_first, u.denied_first);
                        h.denied_last = max_opt(h.denied_last, u.denied_last);
                    }
                    None => {
                        have.actions.insert(a, u);
                    }
                }
            }
        }
        self.data_sources.extend(o.data_sources);
        for (k, t) in o.data_source_last {
            let last = self.data_source_last.entry(k).or_insert(t);
            *last = (*last).max(t);
        }
        for (k, v) in o.resources {
            self.resources.entry(k).or_default().merge(v);
        }
        for (k, s) in o.accounts {
            self.accounts
                .entry(k)
                .and_modify(|h| h.merge(&s))
                .or_insert(s);
        }
        self.newest = max_opt(self.newest, o.newest);
        self.oldest = min_opt(self.oldest, o.oldest);
    }

    /// Forgets the use that ended before `start` (the `--state` window): IAM actions whose last
    /// call, allowed or refused, is older; resources and data-event sources last seen before
    /// it; the lifecycle of keys deleted before it. What is kept per identity (principals' and
    /// keys' first and last use, console sign-ins, the accounts CloudTrail covers) stays, so
    /// the unused-* rules can still tell how long ago something was last used.
    pub fn age_out(&mut self, start: i64) -> Aged {
        let mut aged = Aged::default();
        self.actions.retain(|_, pa| {
            let before = pa.actions.len();
            pa.actions
                .retain(|_, u| max_opt(u.last, u.denied_last).is_some_and(|t| t >= start));
            aged.actions += (before - pa.actions.len()) as u64;
            !pa.actions.is_empty()
        });
        let before = self.resources.len();
        self.resources
            .retain(|_, r| r.last.is_none_or(|t| t >= start));
        aged.resources = (before - self.resources.len()) as u64;
        let old: Vec<(String, String)> = self
            .data_source_last
            .iter()
            .filter(|(_, t)| **t < start)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &old {
            self.data_source_last.remove(k);
            self.data_sources.remove(k);
        }
        aged.data_sources = old.len() as u64;
        let mut last: HashMap<&str, &KeyEvent> = HashMap::default();
        for e in &self.key_events {
            match last.get(e.key.as_str()) {
                Some(l) if l.time > e.time => {}
                _ => {
                    last.insert(&e.key, e);
                }
            }
        }
        let gone: std::collections::BTreeSet<String> = last
            .values()
            .filter(|e| e.change == KeyChange::Deleted && e.time < start)
            .map(|e| e.key.clone())
            .collect();
        let before = self.key_events.len();
        self.key_events.retain(|e| !gone.contains(&e.key));
        aged.key_events = (before - self.key_events.len()) as u64;
        aged
    }

    /// Sorts what needs an order; call once after the last merge.
    pub fn finish(&mut self) {
        self.key_events.sort();
        self.key_events.dedup();
        self.by_key = self
            .principals
            .keys()
            .filter_map(|k| Some((principal_key(k)?, k.clone())))
            .collect();
    }

    /// The use of a principal, matched by account, kind and name so that an ARN with or
    /// without its path finds the same principal (`role/service-role/x` and `role/x`).
    pub fn principal(&self, arn: &str) -> Option<&PrincipalUse> {
        if let Some(p) = self.principals.get(arn) {
            return Some(p);
        }
        let k = self.by_key.get(&principal_key(arn)?)?;
        self.principals.get(k)
    }
}

/// `(account, "user"|"role", name)` of an IAM user or role ARN, ignoring the path.
pub fn principal_key(arn: &str) -> Option<(String, String, String)> {
    let a = crate::iam::arn::Arn::parse(arn).filter(|a| a.service == "iam")?;
    let (kind, _) = a.resource_type()?;
    Some((
        a.account.to_string(),
        kind.to_string(),
        a.resource_name().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_key_ignores_paths() {
        assert_eq!(
            principal_key("arn:aws:iam::111122223333:role/service-role/x"),
            principal_key("arn:aws:iam::111122223333:role/x")
        );
        assert_eq!(
            principal_key("arn:aws-cn:iam::555566667777:user/a/b/bob"),
            Some(("555566667777".into(), "user".into(), "bob".into()))
        );
        assert_eq!(principal_key("arn:aws:s3:::bucket/x"), None);
        assert_eq!(
            arn_account("arn:aws:iam::111122223333:root"),
            Some("111122223333")
        );
        assert_eq!(arn_account("config.amazonaws.com"), None);
    }
}
