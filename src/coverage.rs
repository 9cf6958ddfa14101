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

/// The cells of a run, by `(account, region, hour start in epoch ms)` (`None`: no time known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// The cells.
    pub cells: BTreeMap<CellKey, Cell>,
    /// The latest plausible delivery (the run's start plus the clock skew, epoch ms): a name
    /// that states a later one was not written by CloudTrail, and its object goes to the
    /// cell without a time.
    latest: i64,
    /// Account and region names, one allocation each for all their cells.
    names: BTreeSet<Arc<str>>,
}

impl Default for Coverage {
    fn default() -> Self {
        Coverage::new(i64::MAX)
    }
}

impl Coverage {
    /// Empty, for a run that started at `now` (epoch ms).
    pub fn new(now: i64) -> Self {
        Coverage {
            cells: BTreeMap::new(),
            latest: now.saturating_add(crate::pipeline::MAX_SKEW_MS),
            names: BTreeSet::new(),
        }
    }

    /// Adds one object that was read.
    pub fn add(&mut self, obj: &ObjectRef, records: u64, events: u64, duplicates: u64, bytes: u64) {
        let layout = obj.layout.as_ref();
        let account = self.name(layout.and_then(|l| l.account.as_deref()));
        let region = self.name(layout.and_then(|l| l.region.as_deref()));
        let hour = crate::source::layout::name_time(&obj.display_name())
            .or_else(|| obj.day().map(|d| i64::from(d) * crate::time::DAY_MS))
            .or(obj.modified)
            .filter(|t| *t <= self.latest)
            .map(|t| t.div_euclid(HOUR_MS) * HOUR_MS);
        let c = self.cells.entry((account, region, hour)).or_default();
        c.objects += 1;
        c.records += records;
        c.events += events;
        c.duplicates += duplicates;
        c.bytes += bytes;
    }

    /// The shared copy of a name (`unknown` when there is none).
    fn name(&mut self, s: Option<&str>) -> Arc<str> {
        let s = s.unwrap_or("unknown");
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
            c.cells[&("111122223333".into(), "us-east-1".into(), Some(hour))],
            Cell {
                objects: 2,
                records: 15,
                events: 14,
                duplicates: 1,
                bytes: 150
            }
        );
        assert!(
            c.cells
                .contains_key(&("unknown".into(), "unknown".into(), None))
        );
        // A name claiming a delivery after the run started has no time.
        let mut c = Coverage::new(1_717_322_400_000);
        let future = "AWSLogs/111122223333/CloudTrail/us-east-1/9999/12/31/111122223333_CloudTrail_us-east-1_99991231T2355Z_x.json.gz";
        c.add(&obj(future), 1, 1, 0, 10);
        assert_eq!(c.cells.len(), 1);
        assert!(
            c.cells
                .contains_key(&("111122223333".into(), "us-east-1".into(), None))
        );
    }
}
