//! [`ActionSet`]: a set of catalog actions, stored as a trimmed bitset over [`ActionId`]s.

use std::fmt;

use crate::iam::catalog::{ActionId, catalog};

/// A set of catalog actions: a bitset over [`ActionId`]s.
///
/// Only the words between the first and the last non-empty one are stored (services occupy
/// contiguous id ranges, so a set about a few services is a few words), and the form is
/// normalized, so equal sets compare equal. Every operation is a loop over 64-bit words.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ActionSet {
    /// Index of the word `words[0]` stands for; 0 when empty.
    start: usize,
    /// The words from `start`; the first and the last are non-zero (empty when the set is).
    words: Vec<u64>,
}

/// Number of words a full set needs.
fn universe_words() -> usize {
    catalog().len().div_ceil(64)
}

/// The mask of valid bits in the last word of a full set.
fn last_word_mask() -> u64 {
    match catalog().len() % 64 {
        0 => u64::MAX,
        r => (1u64 << r) - 1,
    }
}

impl ActionSet {
    /// The empty set.
    pub fn new() -> ActionSet {
        ActionSet::default()
    }

    /// Every action of the catalog.
    pub fn full() -> ActionSet {
        let n = universe_words();
        let mut words = vec![u64::MAX; n];
        if let Some(last) = words.last_mut() {
            *last = last_word_mask();
        }
        let mut s = ActionSet { start: 0, words };
        s.trim();
        s
    }

    /// The word at absolute index `w` (0 outside the stored range).
    fn word(&self, w: usize) -> u64 {
        w.checked_sub(self.start)
            .and_then(|i| self.words.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// One past the last stored word.
    fn end(&self) -> usize {
        self.start + self.words.len()
    }

    /// Restores the normal form: no zero word at either end.
    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        let lead = self.words.iter().take_while(|&&w| w == 0).count();
        if lead > 0 {
            self.words.drain(..lead);
            self.start += lead;
        }
        if self.words.is_empty() {
            self.start = 0;
        }
    }

    /// Makes the stored range cover words `lo..hi` (which must include the current range).
    fn grow(&mut self, lo: usize, hi: usize) {
        if self.words.is_empty() {
            self.start = lo;
            self.words = vec![0; hi - lo];
            return;
        }
        if lo < self.start {
            let n = self.start - lo;
            self.words.splice(0..0, std::iter::repeat_n(0, n));
            self.start = lo;
        }
        if hi > self.end() {
            self.words.resize(hi - self.start, 0);
        }
    }

    /// Adds `a`; `true` if it was not in the set. Panics if `a` is not a catalog id.
    pub fn insert(&mut self, a: ActionId) -> bool {
        let a = a as usize;
        assert!(a < catalog().len(), "action id {a} out of range");
        let w = a / 64;
        self.grow(w.min(self.start_or(w)), (w + 1).max(self.end()));
        let bit = 1u64 << (a % 64);
        let word = &mut self.words[w - self.start];
        let added = *word & bit == 0;
        *word |= bit;
        added
    }

    /// `start`, or `w` when empty (so an empty set grows from `w`).
    fn start_or(&self, w: usize) -> usize {
        if self.words.is_empty() { w } else { self.start }
    }

    /// Removes `a`; `true` if it was in the set.
    pub fn remove(&mut self, a: ActionId) -> bool {
        let a = a as usize;
        let w = a / 64;
        if w < self.start || w >= self.end() {
            return false;
        }
        let bit = 1u64 << (a % 64);
        let word = &mut self.words[w - self.start];
        let had = *word & bit != 0;
        *word &= !bit;
        self.trim();
        had
    }

    /// Whether `a` is in the set (`false` for ids outside the catalog).
    pub fn contains(&self, a: ActionId) -> bool {
        let a = a as usize;
        self.word(a / 64) & (1u64 << (a % 64)) != 0
    }

    /// `self = self ∪ other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        if other.words.is_empty() {
            return;
        }
        if self.words.is_empty() {
            self.clone_from(other);
            return;
        }
        self.grow(self.start.min(other.start), self.end().max(other.end()));
        let off = other.start - self.start;
        for (d, s) in self.words[off..].iter_mut().zip(&other.words) {
            *d |= s;
        }
    }

    /// `self = self ∩ other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        if lo >= hi {
            self.clear();
            return;
        }
        self.words.truncate(hi - self.start);
        self.words.drain(..lo - self.start);
        self.start = lo;
        let off = lo - other.start;
        for (d, s) in self.words.iter_mut().zip(&other.words[off..]) {
            *d &= s;
        }
        self.trim();
    }

    /// `self = self − other`.
    pub fn subtract(&mut self, other: &ActionSet) {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        if lo >= hi {
            return;
        }
        let (a, b) = (lo - self.start, lo - other.start);
        for (d, s) in self.words[a..hi - self.start]
            .iter_mut()
            .zip(&other.words[b..])
        {
            *d &= !s;
        }
        self.trim();
    }

    /// `self = catalog − self`.
    pub fn complement(&mut self) {
        let n = universe_words();
        let mut words: Vec<u64> = (0..n).map(|w| !self.word(w)).collect();
        if let Some(last) = words.last_mut() {
            *last &= last_word_mask();
        }
        self.start = 0;
        self.words = words;
        self.trim();
    }

    /// The union, as a new set.
    pub fn union(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.union_with(other);
        s
    }

    /// The intersection, as a new set.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.intersect_with(other);
        s
    }

    /// The difference `self − other`, as a new set.
    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        let mut s = self.clone();
        s.subtract(other);
        s
    }

    /// The complement within the catalog, as a new set.
    pub fn complemented(&self) -> ActionSet {
        let mut s = self.clone();
        s.complement();
        s
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.words.clear();
        self.start = 0;
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// `true` if the set holds no action.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// `true` if every action of `self` is in `other`.
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        (self.start..self.end()).all(|w| self.word(w) & !other.word(w) == 0)
    }

    /// `true` if the sets share an action.
    pub fn intersects(&self, other: &ActionSet) -> bool {
        let lo = self.start.max(other.start);
        let hi = self.end().min(other.end());
        (lo..hi).any(|w| self.word(w) & other.word(w) != 0)
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = ActionId> + '_ {
        let start = self.start;
        self.words.iter().enumerate().flat_map(move |(i, &w)| {
            let base = ((start + i) * 64) as ActionId;
            BitIter(w).map(move |b| base + b)
        })
    }

    /// The full names (`s3:GetObject`), in id order.
    pub fn names(&self) -> Vec<String> {
        let cat = catalog();
        self.iter().map(|a| cat.get(a).full_name()).collect()
    }
}

/// The set bits of one word, ascending.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = ActionId;
    fn next(&mut self) -> Option<ActionId> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(b)
    }
}

impl FromIterator<ActionId> for ActionSet {
    fn from_iter<I: IntoIterator<Item = ActionId>>(iter: I) -> ActionSet {
        let mut s = ActionSet::new();
        s.extend(iter);
        s
    }
}

impl Extend<ActionId> for ActionSet {
    fn extend<I: IntoIterator<Item = ActionId>>(&mut self, iter: I) {
        for a in iter {
            self.insert(a);
        }
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        let cat = catalog();
        let n = self.len();
        write!(f, "ActionSet({n}: ")?;
        let mut list = f.debug_list();
        for a in self.iter().take(SHOWN) {
            list.entry(&format_args!("{}", cat.get(a)));
        }
        if n > SHOWN {
            list.entry(&format_args!("... {} more", n - SHOWN));
        }
        list.finish()?;
        f.write_str(")")
    }
}
