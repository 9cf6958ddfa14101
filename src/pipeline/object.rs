//! One object, on a decoder thread: decode it, filter and deduplicate its events, and
//! aggregate what the rules, the activity table and the usage need, into an [`ObjectResult`]
//! that the merging thread tallies.

use crate::activity::{ActivityKey, Agg, FileActivity, Interner, NO_DAY};
use crate::decode::{Decoded, Decoder};
use crate::dedup::Dedup;
use crate::detect::{Detector, EventCtx, Hits, Partial, Trusted};
use crate::event::Event;
use crate::source::{ObjectRef, Selection, SourceItem};
use crate::time::day_of;
use crate::usage::FileUsage;

/// Per-object counters.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FileStats {
    pub records: u64,
    pub duplicates: u64,
    pub outside: u64,
    pub filtered: u64,
    pub events: u64,
}

/// What one object gave, or why it gave nothing.
pub(super) enum ObjectResult {
    Read {
        obj: ObjectRef,
        decoded: Decoded,
        stats: FileStats,
        rows: Vec<(ActivityKey, Agg)>,
        findings: Vec<Partial>,
        usage: Box<FileUsage>,
    },
    Failed {
        obj: ObjectRef,
        kind: &'static str,
        error: String,
        compressed: u64,
    },
    Note(SourceItem),
}

/// What every decoder thread reads.
pub(super) struct Shared<'a> {
    pub sel: &'a Selection,
    pub dedup: &'a Dedup,
    pub detector: &'a Detector,
    pub trusted: &'a Trusted,
    pub collect_resources: bool,
}

fn in_window(sel: &Selection, t: Option<i64>) -> bool {
    match t {
        Some(t) => sel.since.is_none_or(|s| t >= s) && sel.until.is_none_or(|u| t <= u),
        None => sel.since.is_none() && sel.until.is_none(),
    }
}

/// Decodes one object and aggregates its events.
pub(super) fn decode_object(
    obj: ObjectRef,
    data: Vec<u8>,
    decoder: &mut Decoder,
    interner: &mut Interner,
    hits: &mut Hits,
    usage: &mut FileUsage,
    sh: &Shared<'_>,
) -> ObjectResult {
    let compressed = data.len() as u64;
    let mut fa = FileActivity::default();
    let mut st = FileStats::default();
    let key_account = obj.account().map(str::to_string);
    let key_region = obj.layout.as_ref().and_then(|l| l.region.clone());
    let result = decoder.decode(data, |e: &Event<'_, '_>| {
        st.records += 1;
        if !in_window(sh.sel, e.time_ms) {
            st.outside += 1;
            return;
        }
        let account = e.account().or(key_account.as_deref()).unwrap_or("unknown");
        let region = e.aws_region.or(key_region.as_deref()).unwrap_or("unknown");
        if sh
            .sel
            .accounts
            .as_ref()
            .is_some_and(|a| !a.iter().any(|x| x == account))
            || sh
                .sel
                .regions
                .as_ref()
                .is_some_and(|r| !r.iter().any(|x| x == region))
        {
            st.filtered += 1;
            return;
        }
        let day = e.time_ms.map(day_of).unwrap_or(NO_DAY);
        if let Some(id) = e.event_id
            && !sh.dedup.insert(day, id)
        {
            st.duplicates += 1;
            return;
        }
        st.events += 1;
        fa.add(e, account, region, day, interner);
        usage.add(e, account);
        if sh.collect_resources {
            usage.add_resources(e, &crate::activity::principal_string(e.principal()));
        }
        sh.detector.check(
            e,
            &EventCtx {
                account,
                region,
                trusted: sh.trusted,
            },
            hits,
        );
    });
    match result {
        Ok(decoded) => ObjectResult::Read {
            obj,
            decoded,
            stats: st,
            rows: fa.into_rows(interner),
            findings: hits.take(),
            usage: Box::new(usage.take()),
        },
        Err(e) => {
            // A document that fails to parse calls back no event; JSON Lines with no good line
            // neither. Nothing to keep.
            hits.take();
            usage.take();
            ObjectResult::Failed {
                obj,
                kind: e.code(),
                error: e.to_string(),
                compressed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_excludes_untimed_events_only_when_bounded() {
        let open = Selection::default();
        assert!(in_window(&open, None));
        let bounded = Selection {
            since: Some(100),
            until: Some(200),
            ..Default::default()
        };
        assert!(!in_window(&bounded, None));
        assert!(in_window(&bounded, Some(100)));
        assert!(in_window(&bounded, Some(200)));
        assert!(!in_window(&bounded, Some(201)));
    }
}
