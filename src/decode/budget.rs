//! The decoders' memory budget: every object reserves what decoding it will cost before a byte
//! is inflated, so the total held by all decoder threads never exceeds the budget, whatever
//! the input (several gzip bombs at once, one huge object, many large ones).
//!
//! A reservation is taken whole, once per attempt: a thread never waits while it holds one,
//! so threads cannot deadlock on the budget. An object that needs more than the budget is
//! refused by its cap ([`super::Limits::max_decompressed`]), never waited for.

use std::sync::{Arc, Condvar, Mutex};

/// Bytes of decoding memory per byte of inflated JSON: the inflated text, simd-json's tape
/// (about 1.7 bytes per byte on CloudTrail), its string buffer and structural indexes.
pub const DECODE_FACTOR: u64 = 5;

/// A shared budget of bytes.
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    state: Mutex<State>,
    freed: Condvar,
}

/// Bytes in use, and the ticket queue that grants reservations in arrival order (so a large
/// one is not starved by a stream of small ones).
#[derive(Debug, Default)]
struct State {
    used: u64,
    next_ticket: u64,
    serving: u64,
}

impl MemoryBudget {
    /// A budget of `total` bytes.
    pub fn new(total: u64) -> Arc<Self> {
        Arc::new(MemoryBudget {
            total: total.max(1),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
        })
    }

    /// The budget's size.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Reserves `n` bytes (at most the whole budget), waiting until they are free and every
    /// earlier request was granted.
    pub fn reserve(self: &Arc<Self>, n: u64) -> Reservation {
        let n = n.min(self.total);
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        while st.serving != ticket || st.used + n > self.total {
            st = self.freed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.serving += 1;
        st.used += n;
        // The next in line may fit too.
        self.freed.notify_all();
        Reservation {
            budget: Some(self.clone()),
            n,
        }
    }

    /// Bytes reserved now.
    pub fn used(&self) -> u64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).used
    }
}

/// Bytes held from a [`MemoryBudget`], given back when dropped.
#[derive(Debug, Default)]
pub struct Reservation {
    budget: Option<Arc<MemoryBudget>>,
    n: u64,
}

impl Reservation {
    /// No reservation (decoding without a budget).
    pub fn none() -> Self {
        Reservation::default()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(b) = self.budget.take() {
            let mut st = b.state.lock().unwrap_or_else(|e| e.into_inner());
            st.used -= self.n;
            b.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_wait_for_each_other_and_never_exceed_the_budget() {
        let b = MemoryBudget::new(100);
        let peak = Arc::new(Mutex::new(0u64));
        std::thread::scope(|s| {
            for i in 0..8 {
                let (b, peak) = (b.clone(), peak.clone());
                s.spawn(move || {
                    for _ in 0..50 {
                        let _r = b.reserve(30 + i);
                        let u = b.used();
                        let mut p = peak.lock().unwrap();
                        *p = (*p).max(u);
                    }
                });
            }
        });
        assert!(*peak.lock().unwrap() <= 100);
        assert_eq!(b.used(), 0);
        // More than the budget is clamped to it, not waited for forever.
        let r = b.reserve(1_000);
        assert_eq!(b.used(), 100);
        drop(r);
        assert_eq!(b.used(), 0);
    }
}
