//! The CloudTrail key layout:
//! `AWSLogs/[o-orgid/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<file>`
//! (and `CloudTrail-Digest/`, `CloudTrail-Insight/` beside `CloudTrail/`).
//!
//! Parsing a key or path tells which account, region and delivery day an object holds, so that
//! `--since/--until/--accounts/--regions` can prune before anything is downloaded.

use super::Selection;
use crate::time::{self, date_to_day, days_from_civil};
use chrono::NaiveDate;

/// What a folder under `AWSLogs/<account>/` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// `CloudTrail/`: event logs.
    CloudTrail,
    /// `CloudTrail-Digest/`: integrity digests, not events.
    Digest,
    /// `CloudTrail-Insight/`: Insights events, not API activity.
    Insight,
    /// Any other folder (`Config/`, `vpcflowlogs/`, ...).
    Other,
}

/// Where an object sits in the CloudTrail layout. Fields are `None` when the key stops early.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyLayout {
    /// `o-xxxxxxxxxx` for organization trails.
    pub org: Option<String>,
    /// The 12-digit account.
    pub account: Option<String>,
    /// The log kind folder.
    pub kind: Option<LogKind>,
    /// The region folder.
    pub region: Option<String>,
    /// The delivery day (days since the epoch).
    pub day: Option<i32>,
}

fn kind_of(s: &str) -> LogKind {
    match s {
        "CloudTrail" => LogKind::CloudTrail,
        "CloudTrail-Digest" => LogKind::Digest,
        "CloudTrail-Insight" => LogKind::Insight,
        _ => LogKind::Other,
    }
}

/// Parses a key, a key prefix or a local path. Returns `None` when it has no `AWSLogs/`
/// component. Works on prefixes too: `AWSLogs/o-abc/111122223333/CloudTrail/` gives the account
/// and kind with no region or day.
pub fn parse(key: &str) -> Option<KeyLayout> {
    let mut parts = key.split(['/', '\\']);
    parts.by_ref().find(|p| *p == "AWSLogs")?;
    let rest: Vec<&str> = parts.collect();
    let mut i = 0;
    let mut out = KeyLayout::default();
    if let Some(p) = rest.get(i)
        && p.starts_with("o-")
    {
        out.org = Some((*p).to_string());
        i += 1;
    }
    match rest.get(i) {
        Some(p) if crate::iam::is_account_id(p) => out.account = Some((*p).to_string()),
        _ => return Some(out),
    }
    i += 1;
    match rest.get(i) {
        Some(p) if !p.is_empty() => out.kind = Some(kind_of(p)),
        _ => return Some(out),
    }
    i += 1;
    // A region folder has a dash (`us-east-1`, `cn-north-1`, `us-gov-west-1`).
    match rest.get(i) {
        Some(p) if p.contains('-') => out.region = Some((*p).to_string()),
        _ => return Some(out),
    }
    i += 1;
    let num = |j: usize, len: usize| -> Option<u32> {
        let p = rest.get(j)?;
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    if let (Some(y), Some(m), Some(d)) = (num(i, 4), num(i + 1, 2), num(i + 2, 2))
        && (1..=12).contains(&m)
        && (1..=31).contains(&d)
        && rest.get(i + 3).is_some_and(|f| !f.is_empty())
    {
        out.day = Some(days_from_civil(y as i64, m, d) as i32);
    }
    Some(out)
}

/// The decision for one key or prefix under a selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Read it.
    Keep,
    /// A digest file, never event input.
    Digest,
    /// An Insights file, never API activity.
    Insight,
    /// A folder of another log type (`Config/`, ...).
    OtherKind,
    /// Its delivery day cannot hold events inside `--since/--until`.
    OutsideWindow,
    /// Excluded by `--accounts` or `--regions`.
    Filtered,
}

/// How many days after an event's day CloudTrail may still deliver it. Objects delivered up to
/// this many days after `--until` are still read (their events are then filtered by
/// `eventTime`).
pub const LATE_DELIVERY_DAYS: i32 = 1;

/// The delivery time in a CloudTrail object name, epoch ms: the `YYYYMMDDTHHmmZ` (log files)
/// or `YYYYMMDDTHHmmssZ` (digests) field between underscores of the last path component.
pub fn name_time(key: &str) -> Option<i64> {
    let base = key.rsplit(['/', '\\']).next()?;
    base.split('_').find_map(|f| {
        let b = f.split('.').next().unwrap_or(f).as_bytes();
        if !(b.len() == 14 || b.len() == 16) || b[8] != b'T' || b[b.len() - 1] != b'Z' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = std::str::from_utf8(b.get(r)?).ok()?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (y, m, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
        let (hh, mm) = (digits(9..11)?, digits(11..13)?);
        let ss = if b.len() == 16 { digits(13..15)? } else { 0 };
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        let day = time::days_from_civil(i64::from(y), m, d);
        Some(day * time::DAY_MS + i64::from(hh * 3600 + mm * 60 + ss) * 1000)
    })
}

/// Decides a parsed layout under a selection. Missing parts are kept (a prefix above the region
/// level is not pruned by region).
pub fn judge(l: &KeyLayout, sel: &Selection) -> Verdict {
    match l.kind {
        Some(LogKind::Digest) if !sel.digests => return Verdict::Digest,
        Some(LogKind::Insight) => return Verdict::Insight,
        Some(LogKind::Other) => return Verdict::OtherKind,
        _ => {}
    }
    if let (Some(a), Some(accounts)) = (&l.account, &sel.accounts)
        && !accounts.iter().any(|x| x == a)
    {
        return Verdict::Filtered;
    }
    if let (Some(r), Some(regions)) = (&l.region, &sel.regions)
        && !regions.iter().any(|x| x == r)
    {
        return Verdict::Filtered;
    }
    if let Some(day) = l.day {
        // An object delivered on day D holds events of day D or, delivered late, of D-1.
        if let Some(since) = sel.since_day()
            && day < since
        {
            return Verdict::OutsideWindow;
        }
        if let Some(until) = sel.until_day()
            && day > until + LATE_DELIVERY_DAYS
        {
            return Verdict::OutsideWindow;
        }
    }
    Verdict::Keep
}

/// The day prefixes (`yyyy/mm/dd/`) to list under a region prefix for the selection's window, or
/// `None` when the window is open on either side and the tree must be discovered by listing.
pub fn day_prefixes(sel: &Selection) -> Option<Vec<String>> {
    let since = sel.since_day()?;
    let until = sel.until_day()? + LATE_DELIVERY_DAYS;
    if until < since || until - since > 20_000 {
        return Some(Vec::new());
    }
    Some(
        (since..=until)
            .map(|d| crate::time::day_to_date(d).format("%Y/%m/%d/").to_string())
            .collect(),
    )
}

/// Whether a year (`2024`) or year/month (`2024`, `05`) folder can hold a day inside the window.
pub fn period_in_window(sel: &Selection, year: i32, month: Option<u32>) -> bool {
    let (first, last) = match month {
        Some(m) => {
            let first = NaiveDate::from_ymd_opt(year, m, 1);
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, m + 1, 1)
            };
            match (first, next) {
                (Some(f), Some(n)) => (date_to_day(f), date_to_day(n) - 1),
                _ => return true,
            }
        }
        None => match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(f), Some(l)) => (date_to_day(f), date_to_day(l)),
            _ => return true,
        },
    };
    if let Some(since) = sel.since_day()
        && last < since
    {
        return false;
    }
    if let Some(until) = sel.until_day()
        && first > until + LATE_DELIVERY_DAYS
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel() -> Selection {
        Selection::default()
    }

    #[test]
    fn reads_the_delivery_time_in_object_names() {
        let t = name_time(
            "AWSLogs/1/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T2355Z_Q1w2E3r4T5y6U7i8.json.gz",
        );
        assert_eq!(
            t.map(time::format_ms).as_deref(),
            Some("2024-05-01T23:55:00Z")
        );
        let d = name_time(
            "111122223333_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20240501T235959Z.json.gz",
        );
        assert_eq!(
            d.map(time::format_ms).as_deref(),
            Some("2024-05-01T23:59:59Z")
        );
        assert_eq!(name_time("x_20241301T0000Z_y.json"), None);
        assert_eq!(name_time("events.json"), None);
    }

    #[test]
    fn parses_org_and_account_layouts() {
        let l = parse("AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2024/05/01/x.json.gz")
            .unwrap();
        assert_eq!(l.org.as_deref(), Some("o-abc123"));
        assert_eq!(l.account.as_deref(), Some("111122223333"));
        assert_eq!(l.kind, Some(LogKind::CloudTrail));
        assert_eq!(l.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            l.day,
            Some(date_to_day(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()))
        );
        let l = parse("/data/bucket/AWSLogs/111122223333/CloudTrail-Digest/us-gov-west-1/2024/05/01/d.json.gz")
            .unwrap();
        assert_eq!(l.org, None);
        assert_eq!(l.kind, Some(LogKind::Digest));
        assert_eq!(l.region.as_deref(), Some("us-gov-west-1"));
        assert!(parse("random/file.json").is_none());
        // A prefix: no day without a file name after it.
        let p = parse("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/").unwrap();
        assert_eq!(p.day, None);
        assert_eq!(p.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn judges_kinds_filters_and_window() {
        let mut s = sel();
        let k = |k: &str| parse(k).unwrap();
        assert_eq!(
            judge(
                &k("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d"),
                &s
            ),
            Verdict::Digest
        );
        assert_eq!(
            judge(
                &k("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/d"),
                &s
            ),
            Verdict::Insight
        );
        s.accounts = Some(vec!["999999999999".into()]);
        assert_eq!(
            judge(
                &k("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f"),
                &s
            ),
            Verdict::Filtered
        );
        s.accounts = None;
        s.regions = Some(vec!["eu-west-1".into()]);
        assert_eq!(
            judge(
                &k("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f"),
                &s
            ),
            Verdict::Filtered
        );
        // Above the region level nothing is pruned by region.
        assert_eq!(
            judge(&k("AWSLogs/111122223333/CloudTrail/"), &s),
            Verdict::Keep
        );
        s.regions = None;
        s.since = Some(crate::time::parse_bound("2024-05-02", false).unwrap());
        s.until = Some(crate::time::parse_bound("2024-05-03", true).unwrap());
        let at = |d: &str| k(&format!("AWSLogs/111122223333/CloudTrail/us-east-1/{d}/f"));
        assert_eq!(judge(&at("2024/05/01"), &s), Verdict::OutsideWindow);
        assert_eq!(judge(&at("2024/05/02"), &s), Verdict::Keep);
        // Delivered a day late: still read.
        assert_eq!(judge(&at("2024/05/04"), &s), Verdict::Keep);
        assert_eq!(judge(&at("2024/05/05"), &s), Verdict::OutsideWindow);
        assert_eq!(
            day_prefixes(&s).unwrap(),
            vec!["2024/05/02/", "2024/05/03/", "2024/05/04/"]
        );
        assert!(period_in_window(&s, 2024, None));
        assert!(!period_in_window(&s, 2023, None));
        assert!(period_in_window(&s, 2024, Some(5)));
        assert!(!period_in_window(&s, 2024, Some(4)));
        assert!(!period_in_window(&s, 2024, Some(6)));
    }
}
