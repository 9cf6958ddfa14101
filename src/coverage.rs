//! What a run covered: objects, records and events delivered per account, region and hour of
//! delivery (`coverage.parquet`), so that a reader sees at a glance which parts of the estate
//! the run saw, and where deliveries stop.
//!
//! The hour is the object's delivery time as its name states it (`..._20240602T1005Z_...`),
//! else its day folder, else its modification time; the account and region are the key's
//! (`AWSLogs/[o-org/]<account>/CloudTrail/<region>/`), `unknown` outside that layout.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::source::ObjectRef;

const HOUR_MS: i64 = 3_600_000;

/// One `(account, region, hour)` cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Objects read.
    pub objects: u64,
    /// Records read in them.
    pub records: u64,
    /// Events counted (records less duplicates, filtered and set-aside ones).
    pub events: u64,
    /// Duplicates.
    pub duplicates: u64,
    /// Compressed bytes.
    pub bytes: u64,
}

/// A cell's key: account, region, hour start in epoch ms (`None`: no time known). The names
/// are shared by every cell of their stream (a run of years has a cell per hour).
pub type CellKey = (Arc<str>, Arc<str>, Option<i64>);

/// What a run delivered, by `(account, region, hour)`. Cells are kept only until their days
/// are complete ([`Coverage::take_before`]: the reader writes them to `coverage.parquet` as it
/// goes); what the rules need of the whole run is kept in a compact form: a bit per delivered
/// hour of each stream ([`Coverage::delivered`]) and the streams with events
/// ([`Coverage::logged`]). A run of years then holds a few days of cells, not one per hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// The cells not yet taken.
    cells: BTreeMap<CellKey, Cell>,
    /// The latest plausible delivery (the run's start plus the clock skew, epoch ms): a name
    /// that states a later one was not written by CloudTrail, and its object goes to the
    /// cell without a time.
    latest: i64,
    /// Account and region names, one allocation each for all their cells.
    names: BTreeSet<Arc<str>>,
    /// Per stream of the layout (account and region known), the hours objects were delivered
    /// in: for each day (days since the epoch), a bit per hour.
    delivered: BTreeMap<(Arc<str>, Arc<str>), BTreeMap<i64, u32>>,
    /// Streams of the layout with at least one event counted.
    logged: BTreeSet<(Arc<str>, Arc<str>)>,
    /// The whole run's totals per account (`unknown` outside the layout).
    accounts: BTreeMap<Arc<str>, Cell>,
    /// Events per day of delivery (days since the epoch), for the report's timeline.
    days: BTreeMap<i64, u64>,
}

/// What a run read of one account, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccountCoverage {
    /// The account (`unknown`: objects outside the `AWSLogs/<account>/` layout).
    pub account: String,
    /// Objects read.
    pub objects: u64,
    /// Events counted.
    pub events: u64,
    /// Regions with objects.
    pub regions: Vec<String>,
    /// Distinct (region, hour) pairs with a delivery.
    pub hours_delivered: u64,
    /// Findings naming the account (filled in by the scan).
    pub findings: u64,
}

impl Default for Coverage {
    fn default() -> Self {
        Coverage::new(i64::MAX)
    }
}

/// The name of an account or region outside the layout.
pub const UNKNOWN: &str = "unknown";

impl Coverage {
    /// Empty, for a run that started at `now` (epoch ms).
    pub fn new(now: i64) -> Self {
        Coverage {
            cells: BTreeMap::new(),
            latest: now.saturating_add(crate::pipeline::MAX_SKEW_MS),
            names: BTreeSet::new(),
            delivered: BTreeMap::new(),
            logged: BTreeSet::new(),
            accounts: BTreeMap::new(),
            days: BTreeMap::new(),
        }
    }

    /// Adds one object that was read.
    pub fn add(&mut self, obj: &ObjectRef, records: u64, events: u64, duplicates: u64, bytes: u64) {
        let layout = obj.layout.as_ref();
        let hour = crate::source::layout::name_time(&obj.display_name())
            .or_else(|| obj.day().map(|d| i64::from(d) * crate::time::DAY_MS))
            .or(obj.modified)
            .filter(|t| *t <= self.latest);
        self.add_cell(
            layout.and_then(|l| l.account.as_deref()),
            layout.and_then(|l| l.region.as_deref()),
            hour,
            Cell {
                objects: 1,
                records,
                events,
                duplicates,
                bytes,
            },
        );
    }

    /// Adds to the cell of an account, region (`None`: outside the layout) and time (epoch ms,
    /// `None`: unknown; the cell is its hour).
    pub fn add_cell(
        &mut self,
        account: Option<&str>,
        region: Option<&str>,
        time: Option<i64>,
        add: Cell,
    ) {
        let account = self.name(account);
        let region = self.name(region);
        let hour = time.map(|t| t.div_euclid(HOUR_MS));
        let known = &*account != UNKNOWN && &*region != UNKNOWN;
        if known {
            if let Some(h) = hour
                && add.objects > 0
            {
                *self
                    .delivered
                    .entry((account.clone(), region.clone()))
                    .or_default()
                    .entry(h.div_euclid(24))
                    .or_default() |= 1 << h.rem_euclid(24);
            }
            if add.events > 0 {
                self.logged.insert((account.clone(), region.clone()));
            }
        }
        if let Some(h) = hour
            && add.events > 0
        {
            *self.days.entry(h.div_euclid(24)).or_default() += add.events;
        }
        let t = self.accounts.entry(account.clone()).or_default();
        t.objects += add.objects;
        t.events += add.events;
        let c = self
            .cells
            .entry((account, region, hour.map(|h| h * HOUR_MS)))
            .or_default();
        c.objects += add.objects;
        c.records += add.records;
        c.events += add.events;
        c.duplicates += add.duplicates;
        c.bytes += add.bytes;
    }

    /// Takes the cells of hours before `cut` (epoch ms), in key order: their days are
    /// complete. An object read later that names an hour before `cut` (one filed under a later
    /// day than its name states: not CloudTrail's doing) starts a new cell for that hour.
    pub fn take_before(&mut self, cut: i64) -> Vec<(CellKey, Cell)> {
        self.cells
            .extract_if(.., |k, _| k.2.is_some_and(|h| h < cut))
            .collect()
    }

    /// Takes every cell left, in key order.
    pub fn take_all(&mut self) -> Vec<(CellKey, Cell)> {
        std::mem::take(&mut self.cells).into_iter().collect()
    }

    /// The cells not yet taken.
    pub fn cells(&self) -> &BTreeMap<CellKey, Cell> {
        &self.cells
    }

    /// Per stream (account, region), the hours objects were delivered in, as hours since the
    /// epoch in order.
    pub fn delivered(&self) -> impl Iterator<Item = ((&str, &str), Vec<i64>)> + '_ {
        self.delivered.iter().map(|((a, r), days)| {
            let hours = days
                .iter()
                .flat_map(|(d, mask)| {
                    (0..24)
                        .filter(move |h| mask & (1 << h) != 0)
                        .map(move |h| d * 24 + h)
                })
                .collect();
            ((&**a, &**r), hours)
        })
    }

    /// Events per day of delivery (days since the epoch).
    pub fn days(&self) -> &BTreeMap<i64, u64> {
        &self.days
    }

    /// Per account, what the run read: objects, events, regions and delivered hours.
    pub fn accounts(&self) -> Vec<AccountCoverage> {
        self.accounts
            .iter()
            .map(|(a, c)| {
                let streams = self.delivered.iter().filter(|((sa, _), _)| sa == a);
                let mut regions: Vec<String> = Vec::new();
                let mut hours = 0u64;
                for ((_, r), days) in streams {
                    regions.push(r.to_string());
                    hours += days
                        .values()
                        .map(|m| u64::from(m.count_ones()))
                        .sum::<u64>();
                }
                AccountCoverage {
                    account: a.to_string(),
                    objects: c.objects,
                    events: c.events,
                    regions,
                    hours_delivered: hours,
                    findings: 0,
                }
            })
            .collect()
    }

    /// The streams (account, region) with events counted.
    pub fn logged(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.logged.iter().map(|(a, r)| (&**a, &**r))
    }

    /// The shared copy of a name (`unknown` when there is none).
    fn name(&mut self, s: Option<&str>) -> Arc<str> {
        let s = s.unwrap_or(UNKNOWN);
        if let Some(a) = self.names.get(s) {
            return a.clone();
        }
        let a: Arc<str> = s.into();
        self.names.insert(a.clone());
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_land_in_their_delivery_hour() {
        let obj = |key: &str| ObjectRef {
            layout: crate::source::layout::parse(key),
            location: crate::source::Location::Local(key.into()),
            size: None,
            etag: None,
            modified: None,
        };
        let mut c = Coverage::default();
        let k1 = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T1005Z_a.json.gz";
        let k2 = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T1055Z_b.json.gz";
        c.add(&obj(k1), 10, 9, 1, 100);
        c.add(&obj(k2), 5, 5, 0, 50);
        c.add(&obj("loose.json"), 1, 1, 0, 10);
        let hour = 1_717_322_400_000; // 2024-06-02T10:00:00Z
        assert_eq!(
            c.cells()[&("111122223333".into(), "us-east-1".into(), Some(hour))],
            Cell {
                objects: 2,
                records: 15,
                events: 14,
                duplicates: 1,
                bytes: 150
            }
        );
        assert!(
            c.cells()
                .contains_key(&("unknown".into(), "unknown".into(), None))
        );
        // A name claiming a delivery after the run started has no time.
        let mut c = Coverage::new(1_717_322_400_000);
        let future = "AWSLogs/111122223333/CloudTrail/us-east-1/9999/12/31/111122223333_CloudTrail_us-east-1_99991231T2355Z_x.json.gz";
        c.add(&obj(future), 1, 1, 0, 10);
        assert_eq!(c.cells().len(), 1);
        assert!(
            c.cells()
                .contains_key(&("111122223333".into(), "us-east-1".into(), None))
        );
    }

    #[test]
    fn complete_days_are_taken_and_the_rules_keep_their_hours() {
        let mut c = Coverage::default();
        let day = 19_876 * crate::time::DAY_MS;
        let one = |objects, events| Cell {
            objects,
            events,
            ..Default::default()
        };
        for h in [1, 5, 23, 24 + 2, 48 + 7] {
            c.add_cell(
                Some("111122223333"),
                Some("us-east-1"),
                Some(day + h * HOUR_MS + 59_000),
                one(1, 3),
            );
        }
        c.add_cell(
            Some("111122223333"),
            Some("eu-west-1"),
            Some(day),
            one(1, 0),
        );
        c.add_cell(None, None, Some(day), one(1, 9));
        c.add_cell(Some("111122223333"), Some("us-east-1"), None, one(1, 1));
        // The first two days are complete: their cells are taken, in key order.
        let taken = c.take_before(day + 2 * crate::time::DAY_MS);
        let hours: Vec<_> = taken
            .iter()
            .map(|(k, _)| (&*k.1, k.2.map(|t| (t - day) / HOUR_MS)))
            .collect();
        assert_eq!(
            hours,
            [
                ("eu-west-1", Some(0)),
                ("us-east-1", Some(1)),
                ("us-east-1", Some(5)),
                ("us-east-1", Some(23)),
                ("us-east-1", Some(26)),
                ("unknown", Some(0))
            ]
        );
        assert_eq!(
            c.cells().len(),
            2,
            "the third day and the cell without a time stay"
        );
        // A late object of a taken hour starts a new cell; the sums stay whole.
        c.add_cell(
            Some("111122223333"),
            Some("us-east-1"),
            Some(day + HOUR_MS),
            one(1, 1),
        );
        let rest = c.take_all();
        assert_eq!(rest.len(), 3);
        let events: u64 = taken.iter().chain(&rest).map(|(_, c)| c.events).sum();
        assert_eq!(events, 5 * 3 + 9 + 1 + 1);
        assert!(c.cells().is_empty());
        // What the rules read survives the takes: every delivered hour of the layout's
        // streams (the late one already known), and the streams with events.
        let delivered: Vec<_> = c.delivered().collect();
        let base = day / HOUR_MS;
        assert_eq!(
            delivered,
            [
                (("111122223333", "eu-west-1"), vec![base]),
                (
                    ("111122223333", "us-east-1"),
                    [1, 5, 23, 26, 55].iter().map(|h| base + h).collect()
                ),
            ]
        );
        assert_eq!(
            c.logged().collect::<Vec<_>>(),
            [("111122223333", "us-east-1")]
        );
    }
}
