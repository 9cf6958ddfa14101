//! What CloudTrail can show: data-event actions (logged only when the trail selects data
//! events for their service) and permission-only actions (no API call of that name) are
//! *unobservable*, never *unused*.

use crate::iam::catalog::{ActionId, catalog};
use crate::usage::Usage;
use std::collections::HashMap;
use std::sync::OnceLock;

/// CloudTrail's data-event resource types, the event source and the event names it logs as
/// data events of each (`src/iam/data/data_events.tsv`, from the AWS documentation pages it
/// names).
const DATA_EVENTS: &str = include_str!("../iam/data/data_events.tsv");

/// Every data-event action, with the event source whose data events show it: the IAM actions
/// the table's event names map to, conditional ones included (`HeadObject` with a `versionId`
/// needs `s3:GetObjectVersion`).
fn data_event_actions() -> &'static HashMap<ActionId, &'static str> {
    static TABLE: OnceLock<HashMap<ActionId, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out = HashMap::new();
        for line in DATA_EVENTS
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .skip(1)
        {
            let mut f = line.split('\t');
            let (Some(_), Some(source), Some(names)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            for name in names.split(',').filter(|n| !n.is_empty()) {
                let ids = crate::iam::request::resolve(
                    source,
                    name,
                    crate::iam::request::READ | crate::iam::request::UNKNOWN,
                )
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| crate::iam::mapping::map_event(source, name, None).actions);
                for id in ids {
                    out.entry(id).or_insert(source);
                }
            }
        }
        out
    })
}

/// Whether an action is a CloudTrail data event (logged only when the trail selects data
/// events of its resource type). Returns the event source whose data events show it.
pub fn data_event_source(service: &str, name: &str) -> Option<&'static str> {
    let id = catalog().lookup_parts(service, name)?;
    data_event_actions().get(&id).copied()
}

/// Whether the data events of `src` can be seen in `account`: some were read there, or the
/// scanned trails' selectors record them all ([`Usage::recorded`]).
pub fn observed_source(usage: &Usage, account: &str, src: &str) -> bool {
    let src = src.to_string();
    usage.recorded.contains(&("*".to_string(), src.clone()))
        || usage.recorded.contains(&(account.to_string(), src.clone()))
        || usage.data_sources.contains(&(account.to_string(), src))
}

/// The event source of a CloudTrail data-event resource type (`AWS::S3::Object` ->
/// `s3.amazonaws.com`), from `data_events.tsv`.
pub fn data_event_type_source(resource_type: &str) -> Option<&'static str> {
    DATA_EVENTS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .find_map(|l| {
            let mut f = l.split('\t');
            (f.next() == Some(resource_type))
                .then(|| f.next())
                .flatten()
        })
}

/// Why an action cannot be seen in CloudTrail in `account`, if it cannot.
pub fn unobservable_reason(id: ActionId, account: &str, usage: &Usage) -> Option<&'static str> {
    let a = catalog().get(id);
    if a.api_op == Some(false) && !crate::iam::mapping::logged_by_exception(id) {
        return Some("permission-only action (no API call of that name is logged)");
    }
    let src = data_event_source(a.service, a.name)?;
    (!observed_source(usage, account, src))
        .then_some("data event, and the trail delivered no data events for this service")
}
