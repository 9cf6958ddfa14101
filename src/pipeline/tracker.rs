//! Which delivery days are still being read, so that the merging thread knows when a day of
//! events is complete (every object whose delivery day could hold it has been merged).

use std::collections::BTreeMap;

/// Which delivery days are still being read.
#[derive(Default)]
pub(super) struct Tracker {
    inflight: BTreeMap<i32, usize>,
    last: Option<i32>,
}

impl Tracker {
    pub fn dispatch(&mut self, day: Option<i32>) {
        let d = day.unwrap_or(i32::MIN);
        *self.inflight.entry(d).or_default() += 1;
        self.last = Some(self.last.map_or(d, |l| l.max(d)));
    }
    pub fn complete(&mut self, day: Option<i32>) {
        let d = day.unwrap_or(i32::MIN);
        if let Some(n) = self.inflight.get_mut(&d) {
            *n -= 1;
            if *n == 0 {
                self.inflight.remove(&d);
            }
        }
    }
    /// The earliest delivery day that may still come: objects in flight, or (sorted order)
    /// anything not yet dispatched. `None` while undated objects are in flight.
    pub fn horizon(&self) -> Option<i32> {
        let h = self.inflight.keys().next().copied().or(self.last)?;
        (h != i32::MIN).then_some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_horizon_follows_the_oldest_day_in_flight() {
        let mut t = Tracker::default();
        assert_eq!(t.horizon(), None);
        t.dispatch(None);
        t.dispatch(Some(10));
        assert_eq!(t.horizon(), None, "undated objects block flushing");
        t.complete(None);
        assert_eq!(t.horizon(), Some(10));
        t.dispatch(Some(11));
        t.complete(Some(10));
        assert_eq!(t.horizon(), Some(11));
        t.complete(Some(11));
        assert_eq!(
            t.horizon(),
            Some(11),
            "nothing earlier than the last dispatched can come"
        );
    }
}
