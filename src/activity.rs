//! Per-principal activity: one row per account, principal, principal type, event source, event
//! name, IAM action, region and day, with event and error counts and first and last times.
//!
//! Aggregation happens in two steps. Each decoder thread folds one object's events into a
//! [`FileActivity`] keyed by interned string IDs (no allocation per event); the object's
//! distinct rows are then merged into the run's [`Activity`], which keeps one map per day and
//! hands complete days to the writer ([`Activity::flush_before`]), so memory holds a few days
//! of rows however long the run.

use crate::event::{Event, PrincipalRef, principal_type};
use crate::iam::mapping::{self, MappingStatus};
use ahash::HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Day bucket for events without a usable `eventTime`.
pub const NO_DAY: i32 = i32::MIN;

/// Interns strings to small IDs, per decoder thread, across objects.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32>,
    strs: Vec<Arc<str>>,
}

impl Interner {
    /// The ID of a string, adding it the first time.
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strs.len() as u32;
        self.strs.push(Arc::from(s));
        self.ids.insert(Box::from(s), id);
        id
    }
    /// The string of an ID.
    pub fn get(&self, id: u32) -> &Arc<str> {
        &self.strs[id as usize]
    }
    /// Strings held.
    pub fn len(&self) -> usize {
        self.strs.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }
    /// Forgets every string once more than `max` are held. IDs are only meaningful within one
    /// object (its rows are resolved to strings before the next), so this may be called
    /// between objects: it bounds what a run of hostile objects, each full of new names, can
    /// make a thread hold.
    pub fn bound(&mut self, max: usize) {
        if self.strs.len() > max {
            *self = Interner::default();
        }
    }
}

/// Strings a decoder thread's [`Interner`] holds at most between objects.
pub const MAX_INTERNED: usize = 64 * 1024;

/// How an event's IAM action is resolved: API calls, console sign-ins and service events are
/// told apart because the mapping differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventClass {
    /// Anything else (`AwsApiCall`, missing `eventType`, ...).
    Call,
    /// `AwsConsoleSignIn`.
    SignIn,
    /// `AwsServiceEvent`.
    ServiceEvent,
}

impl EventClass {
    fn of(event_type: Option<&str>) -> Self {
        match event_type {
            Some("AwsConsoleSignIn") => EventClass::SignIn,
            Some("AwsServiceEvent") => EventClass::ServiceEvent,
            _ => EventClass::Call,
        }
    }
    fn event_type(self) -> Option<&'static str> {
        match self {
            EventClass::Call => None,
            EventClass::SignIn => Some("AwsConsoleSignIn"),
            EventClass::ServiceEvent => Some("AwsServiceEvent"),
        }
    }
}

/// Counts and times of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Agg {
    /// Events.
    pub events: u64,
    /// Events with an `errorCode`.
    pub errors: u64,
    /// Events never authorized: refused, or not authenticated (an `errorCode` such as
    /// `AccessDenied` or `InvalidClientTokenId`, see [`crate::event::is_denied`]); a subset of
    /// `errors`.
    pub denied: u64,
    /// Earliest `eventTime`, epoch ms (`i64::MAX` when none had a time).
    pub first: i64,
    /// Latest `eventTime`, epoch ms (`i64::MIN` when none had a time).
    pub last: i64,
    /// Earliest and latest `eventTime` of the events not refused (`i64::MAX`, `i64::MIN` when
    /// none): the use of the action is exact however events are split over rows or runs.
    pub allowed_first: i64,
    /// See `allowed_first`.
    pub allowed_last: i64,
    /// Earliest and latest `eventTime` of the refused events.
    pub denied_first: i64,
    /// See `denied_first`.
    pub denied_last: i64,
}

impl Default for Agg {
    fn default() -> Self {
        Agg {
            events: 0,
            errors: 0,
            denied: 0,
            first: i64::MAX,
            last: i64::MIN,
            allowed_first: i64::MAX,
            allowed_last: i64::MIN,
            denied_first: i64::MAX,
            denied_last: i64::MIN,
        }
    }
}

impl Agg {
    fn add(&mut self, time: Option<i64>, error: bool, denied: bool) {
        self.events += 1;
        self.errors += error as u64;
        self.denied += denied as u64;
        if let Some(t) = time {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
            if denied {
                self.denied_first = self.denied_first.min(t);
                self.denied_last = self.denied_last.max(t);
            } else {
                self.allowed_first = self.allowed_first.min(t);
                self.allowed_last = self.allowed_last.max(t);
            }
        }
    }
    fn merge(&mut self, o: &Agg) {
        self.events += o.events;
        self.errors += o.errors;
        self.denied += o.denied;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.allowed_first = self.allowed_first.min(o.allowed_first);
        self.allowed_last = self.allowed_last.max(o.allowed_last);
        self.denied_first = self.denied_first.min(o.denied_first);
        self.denied_last = self.denied_last.max(o.denied_last);
    }
    /// First and last time of the events not refused, if any had a time.
    pub fn allowed_span(&self) -> Option<(i64, i64)> {
        (self.allowed_first != i64::MAX).then_some((self.allowed_first, self.allowed_last))
    }
    /// First and last time of the refused events, if any had a time.
    pub fn denied_span(&self) -> Option<(i64, i64)> {
        (self.denied_first != i64::MAX).then_some((self.denied_first, self.denied_last))
    }
    /// First time, if any event had one.
    pub fn first_seen(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }
    /// Last time, if any event had one.
    pub fn last_seen(&self) -> Option<i64> {
        (self.last != i64::MIN).then_some(self.last)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct FileKey {
    strs: [u32; 6],
    class: EventClass,
    facts: crate::iam::request::Facts,
    day: i32,
}

/// The key of an activity row (before the IAM action is resolved).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityKey {
    /// Account the event happened in.
    pub account: Arc<str>,
    /// Attributed principal.
    pub principal: Arc<str>,
    /// Principal type.
    pub principal_type: Arc<str>,
    /// `eventSource`.
    pub event_source: Arc<str>,
    /// `eventName`.
    pub event_name: Arc<str>,
    /// `awsRegion`.
    pub region: Arc<str>,
    /// Event class, for the mapping.
    pub class: EventClass,
    /// What the request asked, for events whose actions depend on it
    /// ([`crate::iam::request`]; 0 for every other event).
    pub facts: crate::iam::request::Facts,
    /// Day of `eventTime`, or [`NO_DAY`].
    pub day: i32,
}

/// One object's activity.
#[derive(Default)]
pub struct FileActivity {
    rows: HashMap<FileKey, Agg>,
}

/// The principal of an event as a string, borrowed when the event holds it whole.
pub fn principal_string<'i>(p: PrincipalRef<'i>) -> Cow<'i, str> {
    match p {
        PrincipalRef::Arn(a) | PrincipalRef::Service(a) | PrincipalRef::Name(a) => Cow::Borrowed(a),
        other => Cow::Owned(other.arn()),
    }
}

impl FileActivity {
    /// Counts one event. `account` and `region` are already resolved by the caller (they fall
    /// back to the key layout).
    pub fn add(
        &mut self,
        e: &Event<'_, '_>,
        account: &str,
        region: &str,
        day: i32,
        it: &mut Interner,
    ) {
        let principal = principal_string(e.principal());
        let key = FileKey {
            strs: [
                it.id(account),
                it.id(&principal),
                it.id(principal_type(e)),
                it.id(e.event_source.unwrap_or("unknown")),
                it.id(e.event_name.unwrap_or("unknown")),
                it.id(region),
            ],
            class: EventClass::of(e.event_type),
            facts: crate::iam::request::facts(e),
            day,
        };
        self.rows
            .entry(key)
            .or_default()
            .add(e.time_ms, e.is_error(), e.is_denied());
    }

    /// The object's rows with shared strings, ready to send to the merging thread.
    pub fn into_rows(self, it: &Interner) -> Vec<(ActivityKey, Agg)> {
        self.rows
            .into_iter()
            .map(|(k, a)| {
                let s = |i: usize| it.get(k.strs[i]).clone();
                (
                    ActivityKey {
                        account: s(0),
                        principal: s(1),
                        principal_type: s(2),
                        event_source: s(3),
                        event_name: s(4),
                        region: s(5),
                        class: k.class,
                        facts: k.facts,
                        day: k.day,
                    },
                    a,
                )
            })
            .collect()
    }
}

/// A finished activity row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Key.
    pub key: ActivityKey,
    /// IAM action(s), comma-joined; `None` when no IAM action applies or none is known.
    pub iam_action: Option<Arc<str>>,
    /// How the action was resolved.
    pub mapping: MappingStatus,
    /// Counts and times.
    pub agg: Agg,
}

#[derive(Clone)]
struct Resolved {
    action: Option<Arc<str>>,
    status: MappingStatus,
}

/// Mapping coverage over the run.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Events per mapping status.
    pub events_by_status: BTreeMap<&'static str, u64>,
    /// Distinct `(eventSource, eventName)` per status.
    pub names_by_status: BTreeMap<&'static str, u64>,
    /// Events of each unmapped `(eventSource, eventName)`.
    pub unmapped: HashMap<(Arc<str>, Arc<str>), u64>,
}

/// The run's activity, bucketed by day.
#[derive(Default)]
pub struct Activity {
    days: BTreeMap<i32, HashMap<ActivityKey, Agg>>,
    flushed_before: Option<i32>,
    late_events: u64,
    resolved: HashMap<(Arc<str>, Arc<str>, EventClass, crate::iam::request::Facts), Resolved>,
    names_seen: HashMap<(Arc<str>, Arc<str>), MappingStatus>,
    coverage: Coverage,
}

impl Activity {
    /// Merges one object's rows.
    pub fn merge(&mut self, rows: Vec<(ActivityKey, Agg)>) {
        for (k, a) in rows {
            if let Some(f) = self.flushed_before
                && k.day < f
                && k.day != NO_DAY
            {
                self.late_events += a.events;
            }
            self.days
                .entry(k.day)
                .or_default()
                .entry(k)
                .or_default()
                .merge(&a);
        }
    }

    /// Events that arrived for a day already written (delivered later than the reorder
    /// margin); they are written as extra rows at the next flush.
    pub fn late_events(&self) -> u64 {
        self.late_events
    }

    /// Rows held in memory.
    pub fn rows_in_memory(&self) -> usize {
        self.days.values().map(HashMap::len).sum()
    }

    /// Takes every complete day before `day` as sorted rows. Rows without a day stay until
    /// [`Activity::flush_all`].
    pub fn flush_before(&mut self, day: i32) -> Vec<Row> {
        let keep = self.days.split_off(&day);
        let done = std::mem::replace(&mut self.days, keep);
        let mut out = Vec::new();
        for (d, rows) in done {
            if d == NO_DAY {
                self.days.insert(d, rows);
                continue;
            }
            self.finish_rows(rows, &mut out);
        }
        self.flushed_before = Some(self.flushed_before.map_or(day, |f| f.max(day)));
        out
    }

    /// Takes every remaining row, sorted.
    pub fn flush_all(&mut self) -> Vec<Row> {
        let mut out = Vec::new();
        for (_, rows) in std::mem::take(&mut self.days) {
            self.finish_rows(rows, &mut out);
        }
        out
    }

    fn resolve(&mut self, k: &ActivityKey) -> Resolved {
        let rk = (
            k.event_source.clone(),
            k.event_name.clone(),
            k.class,
            k.facts,
        );
        if let Some(r) = self.resolved.get(&rk) {
            return r.clone();
        }
        let mut m = mapping::map_event(&k.event_source, &k.event_name, k.class.event_type());
        if m.status == MappingStatus::Mapped
            && let Some(actions) =
                crate::iam::request::resolve(&k.event_source, &k.event_name, k.facts)
        {
            m.actions = actions;
        }
        let r = Resolved {
            action: m.joined().map(Arc::from),
            status: m.status,
        };
        self.resolved.insert(rk, r.clone());
        r
    }

    fn finish_rows(&mut self, rows: HashMap<ActivityKey, Agg>, out: &mut Vec<Row>) {
        let start = out.len();
        for (key, agg) in rows {
            let r = self.resolve(&key);
            let status = r.status.as_str();
            *self.coverage.events_by_status.entry(status).or_default() += agg.events;
            let name = (key.event_source.clone(), key.event_name.clone());
            if !self.names_seen.contains_key(&name) {
                self.names_seen.insert(name.clone(), r.status);
                *self.coverage.names_by_status.entry(status).or_default() += 1;
            }
            if r.status == MappingStatus::Unmapped {
                *self.coverage.unmapped.entry(name).or_default() += agg.events;
            }
            out.push(Row {
                key,
                iam_action: r.action,
                mapping: r.status,
                agg,
            });
        }
        out[start..].sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// Mapping coverage of the rows flushed so far.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_is_bounded_between_objects() {
        let mut it = Interner::default();
        let a = it.id("GetObject");
        assert_eq!(it.id("GetObject"), a, "one ID per string");
        for i in 0..10 {
            it.id(&format!("Forged{i}"));
        }
        it.bound(100);
        assert_eq!(it.len(), 11, "under the bound nothing is forgotten");
        it.bound(10);
        assert!(it.is_empty());
        let id = it.id("GetObject");
        assert_eq!(&**it.get(id), "GetObject");
    }

    fn key(day: i32, name: &str) -> ActivityKey {
        let a: Arc<str> = Arc::from("111122223333");
        ActivityKey {
            account: a.clone(),
            principal: Arc::from("arn:aws:iam::111122223333:user/alice"),
            principal_type: Arc::from("IAMUser"),
            event_source: Arc::from("s3.amazonaws.com"),
            event_name: Arc::from(name),
            region: Arc::from("us-east-1"),
            class: EventClass::Call,
            facts: 0,
            day,
        }
    }

    fn agg(n: u64, t: i64) -> Agg {
        Agg {
            events: n,
            errors: 1,
            denied: 1,
            first: t,
            last: t + 5,
            denied_first: t,
            denied_last: t + 5,
            ..Default::default()
        }
    }

    #[test]
    fn merges_flushes_by_day_and_resolves_actions() {
        let mut a = Activity::default();
        a.merge(vec![
            (key(1, "ListObjects"), agg(2, 100)),
            (key(2, "GetObject"), agg(1, 50)),
        ]);
        a.merge(vec![(key(1, "ListObjects"), agg(3, 10))]);
        assert_eq!(a.rows_in_memory(), 2);
        let rows = a.flush_before(2);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].agg,
            Agg {
                events: 5,
                errors: 2,
                denied: 2,
                first: 10,
                last: 105,
                denied_first: 10,
                denied_last: 105,
                ..Default::default()
            }
        );
        assert_eq!(rows[0].agg.allowed_span(), None);
        assert_eq!(rows[0].agg.denied_span(), Some((10, 105)));
        assert_eq!(rows[0].iam_action.as_deref(), Some("s3:ListBucket"));
        assert_eq!(a.rows_in_memory(), 1);
        // A late arrival for a flushed day is counted and still written.
        a.merge(vec![(key(1, "ListObjects"), agg(1, 10))]);
        assert_eq!(a.late_events(), 1);
        let rest = a.flush_all();
        assert_eq!(rest.len(), 2);
        assert_eq!(a.coverage().events_by_status.get("mapped"), Some(&7));
    }

    #[test]
    fn file_activity_counts_each_event_once() {
        let mut buf = br#"{"Records":[
          {"eventTime":"2024-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}},
          {"eventTime":"2024-05-01T11:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}
        ]}"#
        .to_vec();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let mut it = Interner::default();
        let mut fa = FileActivity::default();
        for v in tape
            .as_value()
            .get("Records")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
        {
            let e = Event::from_value(v).unwrap();
            fa.add(&e, "111122223333", "us-east-1", 5, &mut it);
        }
        let rows = fa.into_rows(&it);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].1.events, rows[0].1.errors), (2, 1));
        assert_eq!(
            &*rows[0].0.principal,
            "arn:aws:iam::111122223333:user/alice"
        );
    }
}
