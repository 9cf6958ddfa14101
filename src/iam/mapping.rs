//! CloudTrail event -> IAM action mapping.
//!
//! Resolution order for `(eventSource, eventName, eventType)` (the bundle README's algorithm):
//!
//! 1. `eventType` `AwsConsoleSignIn` -> [`MappingStatus::NoIamAction`]; `AwsServiceEvent` and
//!    `AwsCloudTrailInsight` -> [`MappingStatus::ServiceEvent`] (no caller exercised a
//!    permission; an Insights event only summarises other calls). `AwsVpceEvent` (network
//!    activity through a VPC endpoint) names a real API call and is mapped normally.
//! 2. A missing (empty) `eventSource` or `eventName` -> [`MappingStatus::Unmapped`].
//! 3. The exception table `data/event_exceptions.tsv`, keyed case-insensitively on
//!    `(eventSource, eventName)`, trying the raw name and then the version-stripped name.
//! 4. Otherwise `prefix:name` where prefix is [`service_prefix`] and name is
//!    [`strip_version_suffix`] of the event name, checked case-insensitively against the
//!    [catalog](super::catalog). The raw name is tried too if stripping changed it.
//! 5. Anything else -> [`MappingStatus::Unmapped`] with no actions.
//!
//! The small tables are parsed once, lazily; every lookup is a binary search with a
//! case-insensitive comparator and does not allocate beyond the returned `Vec`.

use std::fmt;
use std::sync::OnceLock;

use super::catalog::{ActionId, catalog, cmp_ignore_ascii_case};

static PREFIX_TSV: &str = include_str!("data/eventsource_prefix.tsv");
static EXCEPTIONS_TSV: &str = include_str!("data/event_exceptions.tsv");

/// How an event was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MappingStatus {
    /// Resolved to one or more catalog actions.
    Mapped,
    /// The event needs no IAM permission (console sign-in, `sts:GetCallerIdentity`, ...).
    NoIamAction,
    /// Emitted by AWS itself (`AwsServiceEvent`, Insights), not by a caller.
    ServiceEvent,
    /// Could not be resolved to a catalog action.
    Unmapped,
}

impl MappingStatus {
    /// `"mapped"`, `"no_iam_action"`, `"service_event"` or `"unmapped"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            MappingStatus::Mapped => "mapped",
            MappingStatus::NoIamAction => "no_iam_action",
            MappingStatus::ServiceEvent => "service_event",
            MappingStatus::Unmapped => "unmapped",
        }
    }

    /// `true` for every status except [`MappingStatus::Unmapped`].
    pub fn is_resolved(&self) -> bool {
        !matches!(self, MappingStatus::Unmapped)
    }
}

impl fmt::Display for MappingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of [`map_event`]: a status and the IAM actions (non-empty only when
/// [`MappingStatus::Mapped`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMapping {
    /// How the event was resolved.
    pub status: MappingStatus,
    /// Catalog ids of the actions the event exercised, in table order.
    pub actions: Vec<ActionId>,
}

impl EventMapping {
    fn with_status(status: MappingStatus) -> EventMapping {
        EventMapping {
            status,
            actions: Vec::new(),
        }
    }

    /// Full action names (`"s3:ListBucket"`), cased as in the catalog.
    pub fn action_names(&self) -> Vec<String> {
        let cat = catalog();
        self.actions
            .iter()
            .map(|&id| cat.get(id).full_name())
            .collect()
    }

    /// The action names joined with `,`, or `None` if there are none.
    pub fn joined(&self) -> Option<String> {
        if self.actions.is_empty() {
            return None;
        }
        let cat = catalog();
        let mut s = String::new();
        for (i, &id) in self.actions.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let a = cat.get(id);
            s.push_str(a.service);
            s.push(':');
            s.push_str(a.name);
        }
        Some(s)
    }
}

/// One row of the exception table.
#[derive(Debug)]
struct Exception {
    source: &'static str,
    name: &'static str,
    actions: Box<[ActionId]>,
    no_iam: bool,
}

/// The parsed mapping tables.
#[derive(Debug)]
struct Tables {
    /// `(event_source, prefix)`, sorted case-insensitively by source.
    prefixes: Vec<(&'static str, &'static str)>,
    /// Sorted case-insensitively by `(source, name)`.
    exceptions: Vec<Exception>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(Tables::parse)
}

/// Whether some CloudTrail event is logged under another name for `id`: the action is the
/// first (main) action of an exception row (`s3:GetAccelerateConfiguration` is logged as
/// `GetBucketAccelerateConfiguration`). Actions that exceptions only add beside the main one
/// (`iam:PassRole` next to `lambda:CreateFunction`) are still permission-only: no call of their
/// own shows that the principal needs them.
pub fn logged_by_exception(id: ActionId) -> bool {
    static SET: OnceLock<std::collections::HashSet<ActionId>> = OnceLock::new();
    SET.get_or_init(|| {
        tables()
            .exceptions
            .iter()
            .filter_map(|e| e.actions.first().copied())
            .collect()
    })
    .contains(&id)
}

fn bad_row(file: &str, lineno: usize, what: &str, line: &str) -> ! {
    panic!("iam/data/{file} line {}: {what}: {line:?}", lineno + 1)
}

impl Tables {
    /// Parses the embedded tables. Panics on malformed data (a build defect the tests catch).
    fn parse() -> Tables {
        let file = "eventsource_prefix.tsv";
        let mut prefixes: Vec<(&'static str, &'static str)> = PREFIX_TSV
            .lines()
            .enumerate()
            .map(|(n, line)| match line.split_once('\t') {
                Some((s, p)) if !s.is_empty() && !p.is_empty() && !p.contains('\t') => (s, p),
                _ => bad_row(file, n, "expected 2 fields", line),
            })
            .collect();
        prefixes.sort_unstable_by(|a, b| cmp_ignore_ascii_case(a.0, b.0));

        let file = "event_exceptions.tsv";
        let cat = catalog();
        let mut exceptions: Vec<Exception> = EXCEPTIONS_TSV
            .lines()
            .enumerate()
            .map(|(n, line)| {
                let mut f = line.split('\t');
                let (Some(source), Some(name), Some(actions), Some(no_iam), None) =
                    (f.next(), f.next(), f.next(), f.next(), f.next())
                else {
                    bad_row(file, n, "expected 4 fields", line)
                };
                let actions: Box<[ActionId]> = actions
                    .split(',')
                    .filter(|a| !a.is_empty())
                    .map(|a| {
                        cat.lookup(a)
                            .unwrap_or_else(|| bad_row(file, n, "action not in catalog", line))
                    })
                    .collect();
                let no_iam = match no_iam {
                    "1" => true,
                    "0" => false,
                    _ => bad_row(file, n, "no_iam flag", line),
                };
                if source.is_empty() || name.is_empty() || (actions.is_empty() != no_iam) {
                    bad_row(file, n, "inconsistent row", line);
                }
                Exception {
                    source,
                    name,
                    actions,
                    no_iam,
                }
            })
            .collect();
        exceptions.sort_unstable_by(|a, b| {
            cmp_ignore_ascii_case(a.source, b.source).then(cmp_ignore_ascii_case(a.name, b.name))
        });
        Tables {
            prefixes,
            exceptions,
        }
    }

    fn prefix(&self, event_source: &str) -> Option<&'static str> {
        self.prefixes
            .binary_search_by(|(s, _)| cmp_ignore_ascii_case(s, event_source))
            .ok()
            .map(|i| self.prefixes[i].1)
    }

    fn exception(&self, event_source: &str, event_name: &str) -> Option<&Exception> {
        self.exceptions
            .binary_search_by(|e| {
                cmp_ignore_ascii_case(e.source, event_source)
                    .then_with(|| cmp_ignore_ascii_case(e.name, event_name))
            })
            .ok()
            .map(|i| &self.exceptions[i])
    }
}

/// The IAM service prefix for a CloudTrail `eventSource`: the explicit table entry
/// (`monitoring.amazonaws.com` -> `cloudwatch`), else the first DNS label (`s3.amazonaws.com`
/// -> `s3`). Case-insensitive table lookup; the fallback borrows from the input as is.
pub fn service_prefix(event_source: &str) -> &str {
    match tables().prefix(event_source) {
        Some(p) => p,
        None => event_source.split('.').next().unwrap_or(event_source),
    }
}

/// Strips a CloudTrail API-version suffix from an event name, exactly like the regex
/// `^(.*?)(\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$` (group 1 is returned; the input if no match):
/// `GetFunction20150331v2` -> `GetFunction`, `CreateDistribution2020_05_31` ->
/// `CreateDistribution`, while `CreateClusterV2` or `CreateLocationS3` are left alone.
pub fn strip_version_suffix(event_name: &str) -> &str {
    let b = event_name.as_bytes();
    let len = b.len();
    let all_digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    // Length of the maximal run of ASCII digits at the end.
    let run = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    // The lazy group 1 picks the smallest cut; collect every valid cut and keep the minimum.
    let mut cut: Option<usize> = None;
    // \d{8}$
    if run >= 8 {
        cut = Some(len - 8);
    }
    // \d{8}v\d+$ : the \d+ is exactly the trailing digit run, preceded by 'v' and 8 digits.
    if run >= 1 && len >= run + 9 && b[len - run - 1] == b'v' {
        let v = len - run - 1;
        if all_digits(v - 8..v) {
            cut = Some(cut.map_or(v - 8, |c| c.min(v - 8)));
        }
    }
    // \d{4}_\d{2}_\d{2}$
    if len >= 10
        && all_digits(len - 10..len - 6)
        && b[len - 6] == b'_'
        && all_digits(len - 5..len - 3)
        && b[len - 3] == b'_'
        && all_digits(len - 2..len)
    {
        cut = Some(cut.map_or(len - 10, |c| c.min(len - 10)));
    }
    // Every cut sits right before an ASCII digit, so it is a char boundary.
    cut.map_or(event_name, |c| &event_name[..c])
}

/// Maps one CloudTrail event to the IAM actions it exercised. See the module docs for the
/// resolution order. `event_type` is the record's `eventType`, if present.
pub fn map_event(event_source: &str, event_name: &str, event_type: Option<&str>) -> EventMapping {
    if let Some(t) = event_type {
        if t.eq_ignore_ascii_case("AwsConsoleSignIn") {
            return EventMapping::with_status(MappingStatus::NoIamAction);
        }
        if t.eq_ignore_ascii_case("AwsServiceEvent")
            || t.eq_ignore_ascii_case("AwsCloudTrailInsight")
        {
            return EventMapping::with_status(MappingStatus::ServiceEvent);
        }
    }
    if event_source.is_empty() || event_name.is_empty() {
        return EventMapping::with_status(MappingStatus::Unmapped);
    }
    let tables = tables();
    let stripped = strip_version_suffix(event_name);
    let was_stripped = stripped.len() != event_name.len() && !stripped.is_empty();
    let exception = tables
        .exception(event_source, event_name)
        .or_else(|| was_stripped.then(|| tables.exception(event_source, stripped))?);
    if let Some(e) = exception {
        return if e.no_iam {
            EventMapping::with_status(MappingStatus::NoIamAction)
        } else {
            EventMapping {
                status: MappingStatus::Mapped,
                actions: e.actions.to_vec(),
            }
        };
    }
    let prefix = service_prefix(event_source);
    let cat = catalog();
    let id = if was_stripped {
        cat.lookup_parts(prefix, stripped)
            .or_else(|| cat.lookup_parts(prefix, event_name))
    } else {
        cat.lookup_parts(prefix, event_name)
    };
    match id {
        Some(id) => EventMapping {
            status: MappingStatus::Mapped,
            actions: vec![id],
        },
        None => EventMapping::with_status(MappingStatus::Unmapped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::test_util::read_shared_jsonl;

    fn names(src: &str, name: &str) -> Vec<String> {
        let m = map_event(src, name, Some("AwsApiCall"));
        assert_eq!(m.status, MappingStatus::Mapped, "{src} {name}: {m:?}");
        m.action_names()
    }

    #[test]
    fn tables_parse_completely() {
        let t = tables();
        assert_eq!(t.prefixes.len(), PREFIX_TSV.lines().count());
        assert_eq!(t.prefixes.len(), 331);
        assert_eq!(t.exceptions.len(), EXCEPTIONS_TSV.lines().count());
        assert_eq!(t.exceptions.iter().filter(|e| e.no_iam).count(), 11);
        // No duplicate keys after case folding.
        assert!(t.exceptions.windows(2).all(|w| {
            cmp_ignore_ascii_case(w[0].source, w[1].source)
                .then(cmp_ignore_ascii_case(w[0].name, w[1].name))
                .is_lt()
        }));
        for (src, prefix) in &t.prefixes {
            assert!(catalog().has_service(prefix), "{src} -> {prefix}");
        }
    }

    #[test]
    fn strip_version_suffix_matches_regex() {
        // Expected values computed with Python's re on the README regex.
        for (input, want) in [
            ("GetFunction20150331v2", "GetFunction"),
            ("UpdateFunctionCode20150331v2", "UpdateFunctionCode"),
            ("ListFunctions20150331", "ListFunctions"),
            ("CreateDistribution2020_05_31", "CreateDistribution"),
            ("CreateClusterV2", "CreateClusterV2"),
            ("CreateLocationS3", "CreateLocationS3"),
            ("Invoke", "Invoke"),
            ("Foo123456789", "Foo1"),
            ("A12345678v12345678", "A"),
            ("a1234567812345678", "a12345678"),
            ("20150331", ""),
            ("2020_05_31", ""),
            ("X12345678v", "X12345678v"),
            ("Ab2020_05_311", "Ab2020_05_311"),
            ("Get2020_5_31", "Get2020_5_31"),
            ("x12345678v1v2", "x12345678v1v2"),
            ("Foo20150331V2", "Foo20150331V2"),
            ("Get1234567", "Get1234567"),
            ("", ""),
        ] {
            assert_eq!(strip_version_suffix(input), want, "input {input:?}");
        }
    }

    #[test]
    fn lambda_versioned_names() {
        let src = "lambda.amazonaws.com";
        assert_eq!(names(src, "GetFunction20150331v2"), ["lambda:GetFunction"]);
        assert_eq!(names(src, "Invoke"), ["lambda:InvokeFunction"]);
        assert_eq!(
            names(src, "UpdateFunctionCode20150331v2"),
            ["lambda:UpdateFunctionCode"]
        );
        assert_eq!(
            names(src, "ListFunctions20150331"),
            ["lambda:ListFunctions"]
        );
    }

    #[test]
    fn cloudfront_underscore_versions() {
        let src = "cloudfront.amazonaws.com";
        assert_eq!(
            names(src, "CreateDistribution2020_05_31"),
            ["cloudfront:CreateDistribution"]
        );
        assert_eq!(
            names(src, "ListDistributions2020_05_31"),
            ["cloudfront:ListDistributions"]
        );
    }

    #[test]
    fn kafka_v2_is_not_stripped() {
        assert_eq!(strip_version_suffix("CreateClusterV2"), "CreateClusterV2");
        assert_eq!(
            names("kafka.amazonaws.com", "CreateClusterV2"),
            ["kafka:CreateClusterV2"]
        );
    }

    #[test]
    fn s3_exceptions_and_case() {
        let s3 = "s3.amazonaws.com";
        assert_eq!(names(s3, "ListObjects"), ["s3:ListBucket"]);
        assert_eq!(names(s3, "listobjects"), ["s3:ListBucket"]);
        assert_eq!(names(s3, "ListBuckets"), ["s3:ListAllMyBuckets"]);
        assert_eq!(names(s3, "GetBucketCors"), ["s3:GetBucketCORS"]);
        let copy = map_event(s3, "CopyObject", None);
        assert_eq!(copy.status, MappingStatus::Mapped);
        let copy_names = copy.action_names();
        assert!(copy_names.len() >= 3, "{copy_names:?}");
        for want in ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] {
            assert!(copy_names.iter().any(|n| n == want), "{copy_names:?}");
        }
        assert_eq!(copy.joined(), Some(copy_names.join(",")));
    }

    #[test]
    fn no_iam_action_events() {
        let login = map_event(
            "signin.amazonaws.com",
            "ConsoleLogin",
            Some("AwsConsoleSignIn"),
        );
        assert_eq!(login.status, MappingStatus::NoIamAction);
        assert!(login.actions.is_empty());
        // Also resolved through the table when the type is absent.
        let login = map_event("signin.amazonaws.com", "ConsoleLogin", None);
        assert_eq!(login.status, MappingStatus::NoIamAction);
        let who = map_event("sts.amazonaws.com", "GetCallerIdentity", Some("AwsApiCall"));
        assert_eq!(who.status, MappingStatus::NoIamAction);
        assert_eq!(who.joined(), None);
        assert!(who.action_names().is_empty());
        assert_eq!(who.status.as_str(), "no_iam_action");
    }

    #[test]
    fn prefixes_from_table_and_dns_label() {
        assert_eq!(service_prefix("monitoring.amazonaws.com"), "cloudwatch");
        assert_eq!(service_prefix("MONITORING.amazonaws.com"), "cloudwatch");
        assert_eq!(service_prefix("newthing.amazonaws.com"), "newthing");
        assert_eq!(service_prefix("nodots"), "nodots");
        assert_eq!(service_prefix(""), "");
        assert_eq!(
            names("monitoring.amazonaws.com", "PutMetricData"),
            ["cloudwatch:PutMetricData"]
        );
    }

    #[test]
    fn event_types_and_missing_fields() {
        let svc = map_event(
            "secretsmanager.amazonaws.com",
            "StartSecretVersionDelete",
            Some("AwsServiceEvent"),
        );
        assert_eq!(svc.status, MappingStatus::ServiceEvent);
        assert!(svc.actions.is_empty());
        assert_eq!(svc.status.to_string(), "service_event");
        let insight = map_event(
            "ec2.amazonaws.com",
            "RunInstances",
            Some("AwsCloudTrailInsight"),
        );
        assert_eq!(insight.status, MappingStatus::ServiceEvent);
        let vpce = map_event("s3.amazonaws.com", "GetObject", Some("AwsVpceEvent"));
        assert_eq!(vpce.action_names(), ["s3:GetObject"]);
        let none = map_event("", "GetObject", Some("AwsApiCall"));
        assert_eq!(none.status, MappingStatus::Unmapped);
        assert_eq!(none.status.as_str(), "unmapped");
        assert!(!none.status.is_resolved());
        let unknown = map_event(
            "s3.amazonaws.com",
            "GetStorageLensDashboardDataInternal",
            None,
        );
        assert_eq!(unknown.status, MappingStatus::Unmapped);
        assert!(unknown.actions.is_empty() && unknown.joined().is_none());
        assert_eq!(MappingStatus::Mapped.as_str(), "mapped");
    }

    #[test]
    fn invictus_observed_pairs_resolve() {
        let rows = read_shared_jsonl("samples/invictus_observed_pairs.jsonl");
        assert_eq!(rows.len(), 262);
        let field = |r: &serde_json::Value, k: &str| r[k].as_str().map(str::to_owned);
        let (mut typed, mut untyped) = (0, 0);
        let mut unresolved = Vec::new();
        for r in &rows {
            let src = field(r, "event_source").unwrap_or_default();
            let name = field(r, "event_name").unwrap_or_default();
            let ty = field(r, "event_type");
            let m = map_event(&src, &name, ty.as_deref());
            if m.status.is_resolved() {
                typed += 1;
            } else {
                unresolved.push(format!("{src} {name} {ty:?}"));
            }
            assert_eq!(m.actions.is_empty(), m.status != MappingStatus::Mapped);
            // The README's count ignores eventType (exception or catalog hit only).
            if map_event(&src, &name, None).status.is_resolved() {
                untyped += 1;
            }
        }
        eprintln!("invictus: {typed}/262 resolved with eventType, {untyped}/262 without");
        eprintln!("unresolved: {unresolved:?}");
        assert!(untyped >= 258, "README definition: {untyped} < 258");
        assert!(
            typed >= 258,
            "with eventType: {typed} < 258: {unresolved:?}"
        );
    }
}
