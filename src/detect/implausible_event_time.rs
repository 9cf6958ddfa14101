//! Events dated where no genuine CloudTrail event can be: after the object that holds them was
//! delivered, or long before it. CloudTrail stamps `eventTime` itself and delivers an event
//! minutes (rarely days) after it happened, so such an event was forged or corrupted. The
//! pipeline sets these events apart before any rule, activity or usage sees them (they never
//! move the "unused" window or the dedup days) and reports them here.

use super::{Hits, Seed, Severity, rule_info};
use crate::event::Event;

rule_info! {
    id: "implausible-event-time",
    anti_pattern: "beyond",
    severity: High,
    title: "Log records dated where CloudTrail cannot have written them",
    inputs: [Cloudtrail],
    what: "Records whose `eventTime` is later than the delivery of the object holding them (the time in its CloudTrail name, its delivery-day folder, its S3 `LastModified` or file modification time, and never later than the time of the run, plus one hour of clock skew), or more than 7 days earlier than the delivery its CloudTrail key states. One finding per account and claimed principal, with the objects and event IDs. These records are counted in `summary.json` (`implausible_time`) and set aside: they are not counted as events, not used as evidence of use, and cannot move the `--window` end.",
    why: "CloudTrail writes `eventTime` itself and delivers within minutes, so a record dated in the future of its own delivery was not written by CloudTrail. Someone who can write to the log bucket can plant such records to hide activity (a record dated 2099 would otherwise make every permission look unused) or to confuse an investigation; a corrupted copy does the same by accident.",
    fix: "Treat the objects named in the evidence as tampered with: compare them with CloudTrail's digest files (log file integrity validation), find who wrote them (S3 server access logs or CloudTrail data events on the bucket), and restrict write access to the log bucket (a bucket policy that allows only the CloudTrail service principal to write).",
}

/// Records one implausible event of an object delivered by `delivered_by` (epoch ms).
pub fn hit(
    e: &Event<'_, '_>,
    account: &str,
    region: &str,
    path: &str,
    delivered_by: Option<i64>,
    hits: &mut Hits,
) {
    let principal = super::util::principal(e);
    let group = format!("{account}|{principal}");
    let p = hits.hit(&INFO, &group, e, region, || Seed {
        severity: Severity::High,
        title: format!(
            "Records of {principal} in the logs of {account} are dated where CloudTrail cannot have written them"
        ),
        account: account.to_string(),
        principal: principal.clone(),
        principal_type: super::util::ptype(e),
        access_key_id: None,
        target: None,
        remediation: "Check these objects against CloudTrail's digest files and find who wrote them to the bucket; restrict write access to the log bucket to the CloudTrail service.".into(),
    });
    p.evidence("object", path);
    if let Some(t) = e.event_time {
        p.evidence("event_time", t);
    }
    if let Some(d) = delivered_by {
        p.evidence("delivered_by", &crate::time::format_ms(d));
    }
}
