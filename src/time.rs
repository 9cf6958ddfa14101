//! Time handling: CloudTrail `eventTime` parsing on the hot path, and `--since/--until` values.
//!
//! Times are kept as milliseconds since the Unix epoch (UTC) and days as days since the epoch,
//! which is also Arrow's `Date32`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 for a civil date (proleptic Gregorian), without allocation.
/// Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The earlier of two optional times (`None` is "not seen", not "earliest").
pub fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The later of two optional times.
pub fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// The day (days since the epoch) of a time in epoch milliseconds.
pub fn day_of(ms: i64) -> i32 {
    ms.div_euclid(DAY_MS) as i32
}

/// A day number as a calendar date.
pub fn day_to_date(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or(NaiveDate::MIN)
}

/// A calendar date as a day number.
pub fn date_to_day(date: NaiveDate) -> i32 {
    date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
        .num_days() as i32
}

/// Formats epoch milliseconds as RFC 3339 UTC with second precision (`2023-07-10T11:42:36Z`),
/// adding milliseconds only when present.
pub fn format_ms(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Parses a CloudTrail `eventTime` into epoch milliseconds.
///
/// The fast path handles the form CloudTrail writes (`2023-07-10T11:42:36Z`, optionally with
/// fractional seconds); anything else RFC 3339 allows (offsets) goes through chrono.
pub fn parse_event_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
        && (b[b.len() - 1] == b'Z' || b[b.len() - 1] == b'z')
    {
        let y = digits(&b[0..4])? as i64;
        let mo = digits(&b[5..7])?;
        let d = digits(&b[8..10])?;
        let h = digits(&b[11..13])? as i64;
        let mi = digits(&b[14..16])? as i64;
        let sec = digits(&b[17..19])? as i64;
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut ms = 0i64;
        let rest = &b[19..b.len() - 1];
        if !rest.is_empty() {
            if rest[0] != b'.' || rest.len() < 2 {
                return None;
            }
            let frac = &rest[1..];
            let mut scale = 100i64;
            for &c in frac {
                if !c.is_ascii_digit() {
                    return None;
                }
                ms += (c - b'0') as i64 * scale;
                scale /= 10;
            }
        }
        let days = days_from_civil(y, mo, d);
        return Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms);
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Parses a `--since`/`--until` value: an RFC 3339 time, or a date (`2024-05-01`).
///
/// A bare date means the start of that day for `--since`, and the end of that day (inclusive)
/// for `--until`.
pub fn parse_bound(s: &str, end_of_day: bool) -> Result<i64, String> {
    parse_bound_at(s, end_of_day, chrono::Utc::now().timestamp_millis())
}

/// [`parse_bound`] with `now` (epoch ms) for relative times: `90m`, `24h`, `7d`, `2w` ago.
pub fn parse_bound_at(s: &str, end_of_day: bool, now: i64) -> Result<i64, String> {
    let s = s.trim();
    if let Some(unit) = s.chars().last().filter(|c| "mhdw".contains(*c))
        && let Ok(n) = s[..s.len() - 1].parse::<u32>()
    {
        let ms: i64 = match unit {
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => DAY_MS,
            _ => 7 * DAY_MS,
        };
        return Ok(now - i64::from(n) * ms);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let start = NaiveDateTime::new(d, NaiveTime::MIN)
            .and_utc()
            .timestamp_millis();
        return Ok(if end_of_day {
            start + DAY_MS - 1
        } else {
            start
        });
    }
    if let Some(ms) = parse_event_time(s) {
        return Ok(ms);
    }
    Err(format!(
        "`{s}` is neither a date (2024-05-01), an RFC 3339 time (2024-05-01T12:00:00Z) nor a time ago (90m, 24h, 7d, 2w)"
    ))
}

/// Where the window's end came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowEnd {
    /// `--until`.
    Until,
    /// The newest event read.
    NewestEvent,
    /// The newest credential report's generation time.
    CredentialReport,
}

/// The period "unused" is judged over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start (epoch ms, inclusive).
    #[serde(serialize_with = "ser_ms")]
    pub start: i64,
    /// End (epoch ms, inclusive).
    #[serde(serialize_with = "ser_ms")]
    pub end: i64,
    /// Length in days.
    pub days: u32,
    /// Where the end came from.
    pub end_from: WindowEnd,
}

fn ser_ms<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_ms(*v))
}

impl Window {
    /// The window ending at `--until`, else the newest event, else the newest report.
    pub fn choose(
        days: u32,
        until: Option<i64>,
        newest_event: Option<i64>,
        newest_report: Option<i64>,
    ) -> Option<Window> {
        let (end, end_from) = if let Some(u) = until {
            (u, WindowEnd::Until)
        } else if let Some(n) = newest_event {
            (n, WindowEnd::NewestEvent)
        } else {
            (newest_report?, WindowEnd::CredentialReport)
        };
        Some(Window {
            start: end - i64::from(days) * DAY_MS,
            end,
            days,
            end_from,
        })
    }
    /// Whether `t` falls inside the window.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && t <= self.end
    }
    /// Whole days from `t` to the window's end.
    pub fn days_before_end(&self, t: i64) -> i64 {
        (self.end - t).div_euclid(DAY_MS)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn relative_bounds_count_back_from_now() {
        let now = 1_717_000_000_000;
        assert_eq!(parse_bound_at("24h", false, now), Ok(now - 24 * 3_600_000));
        assert_eq!(parse_bound_at("7d", true, now), Ok(now - 7 * DAY_MS));
        assert_eq!(parse_bound_at("90m", false, now), Ok(now - 90 * 60_000));
        assert_eq!(parse_bound_at("2w", false, now), Ok(now - 14 * DAY_MS));
        assert!(parse_bound_at("h", false, now).is_err());
        assert!(parse_bound_at("-3d", false, now).is_err());
        assert!(parse_bound_at("3y", false, now).is_err());
        assert_eq!(
            parse_bound_at("2024-05-01", false, now),
            parse_bound("2024-05-01", false)
        );
    }

    use super::*;

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2023-07-10T11:42:36Z"),
            Some(
                DateTime::parse_from_rfc3339("2023-07-10T11:42:36Z")
                    .unwrap()
                    .timestamp_millis()
            )
        );
        assert_eq!(
            parse_event_time("2023-07-10T11:42:36.250Z").map(|m| m % 1000),
            Some(250)
        );
        assert_eq!(
            parse_event_time("2023-07-10T13:42:36+02:00"),
            parse_event_time("2023-07-10T11:42:36Z")
        );
        assert_eq!(parse_event_time("2023-13-10T11:42:36Z"), None);
        assert_eq!(parse_event_time("yesterday"), None);
        assert_eq!(parse_event_time(""), None);
    }

    #[test]
    fn days_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(day_to_date(date_to_day(d)), d);
        assert_eq!(days_from_civil(2024, 2, 29) as i32, date_to_day(d));
        assert_eq!(day_of(-1), -1);
        assert_eq!(format_ms(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn bounds() {
        let since = parse_bound("2024-05-01", false).unwrap();
        let until = parse_bound("2024-05-01", true).unwrap();
        assert_eq!(until - since, DAY_MS - 1);
        assert!(parse_bound("2024-05-01T10:00:00Z", false).unwrap() > since);
        assert!(parse_bound("May 1st", false).is_err());
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_chrono(secs in 0i64..4_102_444_800i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            let s = t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            proptest::prop_assert_eq!(parse_event_time(&s), Some(secs * 1000));
        }
    }
}
