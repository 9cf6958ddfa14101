//! The integrity findings: one per chain break, and one per stream (account and region) and
//! kind of damage, naming the files.

use super::check::{Break, DigestStatus, LogStatus, Report, Stream};
use crate::finding::{Partial, Seed, rule_info};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `log-file-modified`.
pub mod log_file_modified {
    use super::*;
    rule_info! {
        id: "log-file-modified",
        anti_pattern: "beyond",
        severity: Critical,
        title: "A log file differs from the one CloudTrail delivered",
        inputs: [Cloudtrail],
        what: "A log file whose SHA-256 (of its decompressed bytes) is not the one the digest file of its hour states. Needs `verify` or `scan --verify` and the trail's digest files (log file validation on).",
        why: "CloudTrail hashes every log file it delivers and signs the list hourly. A file that no longer matches was changed after delivery: events removed to hide activity, or forged ones added. Nothing read from it can be trusted.",
        fix: "Treat the account as compromised until explained: find who wrote the object (S3 server access logs, the bucket's object versions, `PutObject` data events), restore the delivered version from versioning or a replica, and protect the bucket (Object Lock, a bucket policy that denies deletes and overwrites, a separate log-archive account).",
    }
}

/// `log-file-deleted`.
pub mod log_file_deleted {
    use super::*;
    rule_info! {
        id: "log-file-deleted",
        anti_pattern: "beyond",
        severity: High,
        title: "A log file CloudTrail delivered is gone",
        inputs: [Cloudtrail],
        what: "A log file named by a digest file (so delivered by CloudTrail) that is not in the source read.",
        why: "Deleting log objects is how an intruder erases what they did. A copy that lost files (a partial `aws s3 sync`, a lifecycle rule) looks the same; either way the events in it were not checked.",
        fix: "Look for the object in the bucket's versions and in replicas; check the bucket's lifecycle rules and `DeleteObject` events (S3 server access logs or data events); protect the bucket with Object Lock or a deny-delete bucket policy.",
    }
}

/// `log-file-not-in-digest`.
pub mod log_file_not_in_digest {
    use super::*;
    rule_info! {
        id: "log-file-not-in-digest",
        anti_pattern: "beyond",
        severity: High,
        title: "A log file no digest names, in hours the digests cover",
        inputs: [Cloudtrail],
        what: "A log file whose name dates it inside a stretch of hours covered by valid digest files of its account and region, and that none of those digests names.",
        why: "CloudTrail names every file it delivers in the next digest, so a file it did not name was written by someone else: forged events planted among real ones, to accuse another principal or to drown a trail.",
        fix: "Do not trust the events in it; find who wrote the object (S3 server access logs, `PutObject` data events, the object's owner and versions) and remove write access to the log prefix from everyone but CloudTrail.",
    }
}

/// `digest-invalid`.
pub mod digest_invalid {
    use super::*;
    rule_info! {
        id: "digest-invalid",
        anti_pattern: "beyond",
        severity: Critical,
        title: "A digest file fails its checks",
        inputs: [Cloudtrail],
        what: "A digest file whose RSA signature does not verify under the CloudTrail public key its fingerprint names, whose SHA-256 is not the one the next digest states, that sits elsewhere than its `digestS3Object`, or that is not a digest document.",
        why: "The digest chain is what proves the log files complete and unchanged; a forged or altered digest is an attempt to make altered logs look valid.",
        fix: "Find who wrote the object (S3 server access logs, object versions); restore the delivered digest from versioning; check the log files it names against the restored one.",
    }
}

/// `digest-chain-gap`.
pub mod digest_chain_gap {
    use super::*;
    rule_info! {
        id: "digest-chain-gap",
        anti_pattern: "beyond",
        severity: High,
        title: "A digest file of the chain is missing",
        inputs: [Cloudtrail],
        what: "A digest file that the next digest names as its predecessor (`previousDigestS3Object`) and that is not in the source read. The log files of its hour cannot be checked.",
        why: "Each digest links to the one before it, so deleting one leaves a hole that cannot be hidden; it is what an intruder who deleted log files of that hour would also have to do.",
        fix: "Look for the digest in the bucket's versions and replicas; check the hour's log files against it once found; find who deleted it (S3 server access logs, `DeleteObject` data events).",
    }
}

/// `log-validation-disabled`.
pub mod log_validation_disabled {
    use super::*;
    rule_info! {
        id: "log-validation-disabled",
        anti_pattern: "beyond",
        severity: Medium,
        title: "Log file validation was off",
        inputs: [Cloudtrail],
        what: "A digest chain that starts again (a digest with no previous one after an earlier digest of the same trail): validation or logging was turned off and on in between. Or log files of an account and region with no digest file at all in the range: the trail that writes them does not validate.",
        why: "Without digests nothing proves the log files complete and unchanged; turning validation off for a while is a way to alter or delete the files of that stretch unnoticed.",
        fix: "Turn log file validation on for every trail (`aws cloudtrail update-trail --enable-log-file-validation`), alert on `UpdateTrail`/`StopLogging`, and check who turned it off (`cloudtrail-tampering` findings, the trail's events around the stretch).",
    }
}

/// The rules, for `trailguard rules`.
pub const RULES: [&crate::finding::RuleInfo; 6] = [
    &log_file_modified::INFO,
    &log_file_deleted::INFO,
    &log_file_not_in_digest::INFO,
    &digest_invalid::INFO,
    &digest_chain_gap::INFO,
    &log_validation_disabled::INFO,
];

/// A finding of one log stream: the stream (its `AWSLogs/` folder) stands where a principal
/// would, and the rule's fix is the remediation.
fn stream_finding(
    info: &'static crate::finding::RuleInfo,
    group: String,
    title: String,
    stream: &Stream,
) -> Partial {
    let mut p = Partial::new(
        info,
        Arc::from(group),
        Seed {
            severity: info.severity,
            title,
            account: stream.account.clone(),
            principal: format!(
                "{}AWSLogs/{}{}/{}",
                stream.above,
                stream
                    .org
                    .as_ref()
                    .map(|o| format!("{o}/"))
                    .unwrap_or_default(),
                stream.account,
                stream.region
            ),
            principal_type: "LogStream".into(),
            access_key_id: None,
            target: None,
            remediation: info.fix.to_string(),
        },
    );
    p.regions.insert(stream.region.clone());
    p.unit = "log files";
    p
}

/// The findings of a report.
pub fn findings(r: &Report) -> Vec<Partial> {
    let mut out = Vec::new();
    // Damaged log files, per stream and kind.
    let mut groups: BTreeMap<(Stream, &'static str), Partial> = BTreeMap::new();
    for l in &r.logs {
        let info = match l.status {
            LogStatus::Modified => &log_file_modified::INFO,
            LogStatus::Deleted => &log_file_deleted::INFO,
            LogStatus::NotInDigest => &log_file_not_in_digest::INFO,
            _ => continue,
        };
        let p = groups
            .entry((l.stream.clone(), info.id))
            .or_insert_with(|| {
                let what = match l.status {
                    LogStatus::Modified => "log files modified after delivery",
                    LogStatus::Deleted => "log files deleted",
                    _ => "log files no digest names",
                };
                stream_finding(
                    info,
                    format!("{:?}", l.stream),
                    format!("{what} in {} {}", l.stream.account, l.stream.region),
                    &l.stream,
                )
            });
        p.count += 1;
        if let Some(t) = l.delivered {
            p.seen(t);
        }
        p.evidence("log_files", &l.location);
        if let Some(d) = &l.digest {
            p.evidence("digests", d);
        }
    }
    out.extend(groups.into_values());
    // Invalid digests, per stream.
    let mut bad: BTreeMap<Stream, Partial> = BTreeMap::new();
    for d in &r.digests {
        let (DigestStatus::Invalid(why), Some(name)) = (&d.status, &d.name) else {
            continue;
        };
        let stream = Stream::from(&name.chain());
        let info = &digest_invalid::INFO;
        let p = bad.entry(stream.clone()).or_insert_with(|| {
            stream_finding(
                info,
                format!("{stream:?}"),
                format!(
                    "digest files fail their checks in {} {}",
                    stream.account, stream.region
                ),
                &stream,
            )
        });
        p.count += 1;
        p.unit = "digest files";
        if let Some(t) = d.end {
            p.seen(t);
        }
        p.evidence("digests", &d.location);
        p.evidence("trails", &name.trail);
        p.evidence("reasons", &format!("{}: {why}", d.location));
    }
    out.extend(bad.into_values());
    // Chain breaks, one finding each.
    for b in &r.breaks {
        let stream = Stream::from(&b.chain);
        let (info, title, key) = match &b.what {
            Break::Missing { missing, .. } => (
                &digest_chain_gap::INFO,
                format!(
                    "digest missing from the chain of trail {} in {} {}",
                    b.chain.trail, stream.account, stream.region
                ),
                missing.clone(),
            ),
            Break::Restart { after, .. } => (
                &log_validation_disabled::INFO,
                format!(
                    "log file validation of trail {} was off in {} {}",
                    b.chain.trail, stream.account, stream.region
                ),
                after.clone(),
            ),
        };
        let mut p = stream_finding(info, format!("{:?}:{key}", b.chain), title, &stream);
        p.target = Some(format!("trail {}: {key}", b.chain.trail));
        p.count = 1;
        p.unit = "chain breaks";
        p.evidence("trails", &b.chain.trail);
        p.evidence("home_region", &b.chain.home_region);
        if let Some(t) = b.from {
            p.seen(t);
            p.evidence("no_valid_digest_from", &crate::time::format_ms(t));
        }
        if let Some(t) = b.to {
            p.seen(t);
            p.evidence("no_valid_digest_until", &crate::time::format_ms(t));
        }
        match &b.what {
            Break::Missing { after, missing } => {
                p.evidence("missing_digest", missing);
                p.evidence("named_by", after);
            }
            Break::Restart { before, after } => {
                p.evidence("last_digest_before", before);
                p.evidence("first_digest_after", after);
            }
        }
        out.push(p);
    }
    // Streams with log files and no digest at all.
    let chained: std::collections::BTreeSet<Stream> = r.chains.iter().map(Stream::from).collect();
    let mut unvalidated: BTreeMap<Stream, Partial> = BTreeMap::new();
    for l in &r.logs {
        if l.status != LogStatus::Undigested
            || chained.contains(&l.stream)
            || l.stream.account.is_empty()
        {
            continue;
        }
        let info = &log_validation_disabled::INFO;
        let p = unvalidated.entry(l.stream.clone()).or_insert_with(|| {
            stream_finding(
                info,
                format!("{:?}:none", l.stream),
                format!(
                    "log files without any digest in {} {}",
                    l.stream.account, l.stream.region
                ),
                &l.stream,
            )
        });
        p.count += 1;
        if let Some(t) = l.delivered {
            p.seen(t);
        }
        p.evidence("log_files", &l.location);
    }
    for p in unvalidated.values_mut() {
        p.target = Some("no digest".into());
    }
    out.extend(unvalidated.into_values());
    out
}
