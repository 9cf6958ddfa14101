//! Hours without logs where logs are usual: a delivery stream (an account and region of the
//! CloudTrail layout) that goes silent at hours of the day it otherwise always delivers.
//!
//! From the hours each stream delivered in ([`Coverage::delivered`], the same hours as
//! `coverage.parquet`'s rows): for each stream with at least
//! [`MIN_DAYS`] days of deliveries, an hour of the day is *usual* when objects arrived in it on
//! at least [`USUAL_SHARE`] of the stream's days. A gap is a run of hours without any object
//! inside the stream's span; it is reported when at least `min_hours` of its hours are usual
//! ones. Nights and weekends that are quiet every week stay unreported, because their hours
//! are not usual. `cloudtrail-tampering` findings of the account around the gap are named in
//! its evidence.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Findings, rule_info};
use crate::coverage::Coverage;
use crate::finding::{Partial, Seed, Severity};

const HOUR_MS: i64 = 3_600_000;
const DAY_HOURS: i64 = 24;
/// Days of deliveries a stream needs before its silences mean anything.
pub const MIN_DAYS: usize = 3;
/// Share of a stream's days an hour of the day must have deliveries in to be usual.
pub const USUAL_SHARE: f64 = 0.75;
/// The default `--gap-hours`.
pub const DEFAULT_GAP_HOURS: u32 = 4;

rule_info! {
    id: "logging-gap",
    anti_pattern: "beyond",
    severity: Medium,
    title: "A log stream went silent at hours it always delivers",
    inputs: [Cloudtrail],
    what: "An account and region whose CloudTrail objects stop arriving for at least `--gap-hours` (default 4) of the hours of the day in which that stream delivered on at least 75% of its days (with at least 3 days of deliveries). Quiet nights and weekends that recur are not gaps. The finding gives the gap's first and last silent hour, how many usual hours it covers, and any `cloudtrail-tampering` finding of the account from two hours before the gap to its end.",
    why: "Hours without logs are hours in which nothing can be proven: an attacker who stops a trail, deletes its objects or changes its bucket leaves exactly this hole. Outages and changed trail settings do too, and are worth knowing about as well.",
    fix: "Check the trail's status and history for the gap (`trailguard trails`, `GetTrailStatus`, the `StopLogging`/`UpdateTrail`/`PutEventSelectors` events around it), the bucket's object history (versioning, S3 server access logs) and the digest files, which name every log file CloudTrail delivered.",
}

/// The gaps of every stream, as findings. `findings` gives the `cloudtrail-tampering`
/// findings to name beside them.
pub fn find(coverage: &Coverage, min_hours: u32, findings: &Findings) -> Vec<Partial> {
    let mut out = Vec::new();
    for ((account, region), hours) in coverage.delivered() {
        let days: BTreeSet<i64> = hours.iter().map(|h| h.div_euclid(DAY_HOURS)).collect();
        if days.len() < MIN_DAYS {
            continue;
        }
        let mut per_hour = [0usize; DAY_HOURS as usize];
        for h in &hours {
            per_hour[h.rem_euclid(DAY_HOURS) as usize] += 1;
        }
        let usual: Vec<bool> = per_hour
            .iter()
            .map(|n| *n as f64 >= USUAL_SHARE * days.len() as f64)
            .collect();
        let usual_per_day = usual.iter().filter(|u| **u).count();
        // Usual hours in [a, b]: whole days counted at once, so a silence of years (an object
        // whose name claims the year 9999) costs no more than one of hours.
        let usual_in = |a: i64, b: i64| -> usize {
            let len = b - a + 1;
            let whole = (len / DAY_HOURS) as usize * usual_per_day;
            let rest = (a..a + len % DAY_HOURS)
                .filter(|x| usual[x.rem_euclid(DAY_HOURS) as usize])
                .count();
            whole + rest
        };
        // The silences are the spaces between consecutive delivery hours.
        for w in hours.windows(2) {
            let (start, end) = (w[0] + 1, w[1] - 1);
            if start > end {
                continue;
            }
            let usual_hours = usual_in(start, end);
            if usual_hours >= min_hours as usize {
                out.push(gap(account, region, start, end, usual_hours, findings));
            }
        }
    }
    out
}

fn gap(
    account: &str,
    region: &str,
    start: i64,
    end: i64,
    usual: usize,
    findings: &Findings,
) -> Partial {
    let (from, to) = (start * HOUR_MS, (end + 1) * HOUR_MS);
    let hours = end - start + 1;
    let mut p = Partial::new(
        &INFO,
        Arc::from(format!("{account}|{region}|{start}")),
        Seed {
            severity: Severity::Medium,
            title: format!(
                "No CloudTrail logs from {account} in {region} for {hours} hours ({} to {})",
                crate::time::format_ms(from),
                crate::time::format_ms(to)
            ),
            account: account.to_string(),
            principal: format!("trail logs of {account} in {region}"),
            principal_type: "LogStream".into(),
            access_key_id: None,
            target: Some(format!("from {}", crate::time::format_ms(from))),
            remediation: "Check the trail's status and events around the gap, the bucket's object history and the digest files for the missing hours.".into(),
        },
    );
    p.first = Some(from);
    p.last = Some(to);
    p.count = hours as u64;
    p.unit = "hours";
    p.regions.insert(region.to_string());
    p.evidence("gap_start", &crate::time::format_ms(from))
        .evidence("gap_end", &crate::time::format_ms(to))
        .evidence_num("silent_hours", hours)
        .evidence_num("usual_hours_silent", usual as i64);
    for f in findings.iter().filter(|f| {
        f.rule == "cloudtrail-tampering"
            && f.account == account
            && f.first.is_some_and(|t| t >= from - 2 * HOUR_MS && t <= to)
    }) {
        p.evidence("tampering_nearby", &f.title);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Cell;

    fn cov(hours: impl Iterator<Item = i64>) -> Coverage {
        let mut c = Coverage::default();
        for h in hours {
            c.add_cell(
                Some("111122223333"),
                Some("us-east-1"),
                Some(h * HOUR_MS),
                Cell {
                    objects: 1,
                    ..Default::default()
                },
            );
        }
        c
    }

    /// Five days, deliveries from 06:00 to 21:59 every day (quiet nights).
    fn working_hours() -> Vec<i64> {
        let day0 = 19_876 * DAY_HOURS;
        (0..5)
            .flat_map(|d| (6..22).map(move |h| day0 + d * DAY_HOURS + h))
            .collect()
    }

    #[test]
    fn quiet_nights_are_no_gap_but_a_silent_afternoon_is() {
        let f = Findings::default();
        assert!(find(&cov(working_hours().into_iter()), 4, &f).is_empty());
        // Day 3, 12:00 to 17:59 silent.
        let day3 = 19_876 * DAY_HOURS + 2 * DAY_HOURS;
        let hours: Vec<i64> = working_hours()
            .into_iter()
            .filter(|h| !(day3 + 12..day3 + 18).contains(h))
            .collect();
        let gaps = find(&cov(hours.iter().copied()), 4, &f);
        assert_eq!(gaps.len(), 1);
        let g = &gaps[0];
        assert_eq!(g.count, 6);
        assert!(g.evidence["usual_hours_silent"].contains(&crate::finding::Value::Int(6)));
        assert!(g.title.contains("for 6 hours"), "{}", g.title);
        // Over the threshold only: a 3-hour silence passes at --gap-hours 4.
        let short: Vec<i64> = working_hours()
            .into_iter()
            .filter(|h| !(day3 + 12..day3 + 15).contains(h))
            .collect();
        assert!(find(&cov(short.iter().copied()), 4, &f).is_empty());
        assert_eq!(find(&cov(short.iter().copied()), 3, &f).len(), 1);
        // Too few days to judge.
        let two: Vec<i64> = working_hours().into_iter().take(20).collect();
        assert!(find(&cov(two.into_iter()), 1, &f).is_empty());
    }
}
