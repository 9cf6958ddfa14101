//! Non-event files that sit beside the logs: digest files and CloudTrail Insights files.

use std::fmt::Write as _;

use crate::util::*;

pub struct LogRef<'a> {
    pub key: &'a str,
    pub oldest: i64,
    pub newest: i64,
    /// SHA-256 of the decompressed log file.
    pub sha256: [u8; 32],
}

/// The digest before this one in its chain: its key, the SHA-256 of its decompressed bytes,
/// and its signature (hex).
pub struct PrevRef<'a> {
    pub key: &'a str,
    pub sha256: [u8; 32],
    pub signature: &'a str,
}

pub fn push_bytes_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// A digest file (CloudTrail log file integrity validation): JSON object, not `{"Records":[...]}`,
/// with the fields and order CloudTrail writes. `fingerprint` names the signing key.
#[allow(clippy::too_many_arguments)]
pub fn write_digest(
    out: &mut String,
    account: &str,
    bucket: &str,
    key: &str,
    fingerprint: &str,
    prev: Option<&PrevRef>,
    start: i64,
    end: i64,
    logs: &[LogRef],
) {
    let oldest = logs.iter().map(|l| l.oldest).min();
    let newest = logs.iter().map(|l| l.newest).max();
    let _ = write!(out, r#"{{"awsAccountId":"{account}","digestStartTime":""#);
    push_time(out, start);
    out.push_str(r#"","digestEndTime":""#);
    push_time(out, end);
    let _ = write!(
        out,
        r#"","digestS3Bucket":"{bucket}","digestS3Object":"{key}","digestPublicKeyFingerprint":"{fingerprint}","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"#
    );
    match newest {
        Some(t) => {
            out.push('"');
            push_time(out, t);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    out.push_str(r#","oldestEventTime":"#);
    match oldest {
        Some(t) => {
            out.push('"');
            push_time(out, t);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    match prev {
        Some(p) => {
            let _ = write!(
                out,
                r#","previousDigestS3Bucket":"{bucket}","previousDigestS3Object":"{}","previousDigestHashValue":""#,
                p.key
            );
            push_bytes_hex(out, &p.sha256);
            let _ = write!(
                out,
                r#"","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"{}""#,
                p.signature
            );
        }
        None => out.push_str(
            r#","previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null"#,
        ),
    }
    out.push_str(r#","logFiles":["#);
    for (i, l) in logs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"s3Bucket":"{bucket}","s3Object":"{}","hashValue":""#,
            l.key
        );
        push_bytes_hex(out, &l.sha256);
        out.push_str(r#"","hashAlgorithm":"SHA-256","newestEventTime":""#);
        push_time(out, l.newest);
        out.push_str(r#"","oldestEventTime":""#);
        push_time(out, l.oldest);
        out.push_str("\"}");
    }
    out.push_str("]}");
}

const INSIGHTS: [(&str, &str, &str); 4] = [
    (
        "ssm.amazonaws.com",
        "UpdateInstanceInformation",
        "ApiCallRateInsight",
    ),
    ("iam.amazonaws.com", "ListRoles", "ApiCallRateInsight"),
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        "ApiErrorRateInsight",
    ),
    ("kms.amazonaws.com", "Decrypt", "ApiCallRateInsight"),
];

/// `{"Records":[start, end]}` of eventType AwsCloudTrailInsight. Returns the record count.
pub fn write_insight(
    out: &mut String,
    rng: &mut Rng,
    account: &str,
    region: &str,
    t: i64,
    principal_arn: &str,
) -> u64 {
    let (src, name, kind) = *rng.pick(&INSIGHTS);
    let shared = uuid(rng);
    let baseline = rng.range(5, 200);
    let peak = baseline * rng.range(20, 80);
    let dur = rng.range(1, 15) as i64;
    out.push_str(r#"{"Records":["#);
    for (i, state) in ["Start", "End"].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"eventVersion":"1.08","eventTime":""#);
        push_time(out, t + i as i64 * dur * 60);
        let _ = write!(out, r#"","awsRegion":"{region}","eventID":""#);
        push_uuid(out, rng);
        let _ = write!(
            out,
            r#"","eventType":"AwsCloudTrailInsight","recipientAccountId":"{account}","sharedEventID":"{shared}","insightDetails":{{"state":"{state}","eventSource":"{src}","eventName":"{name}","insightType":"{kind}","insightContext":{{"statistics":{{"baseline":{{"average":{}.{:03}}},"insight":{{"average":{}.{:03}}}"#,
            baseline / 1000,
            baseline % 1000,
            peak / 1000,
            peak % 1000
        );
        if i == 0 {
            let _ = write!(
                out,
                r#"}},"attributions":[{{"attribute":"userIdentityArn","insight":[{{"value":"{principal_arn}","average":{}.{:03}}}],"baseline":[{{"value":"{principal_arn}","average":{}.{:03}}}]}},{{"attribute":"errorCode","insight":[{{"value":"null","average":{}.{:03}}}],"baseline":[{{"value":"null","average":{}.{:03}}}]}}]}}}},"eventCategory":"Insight"}}"#,
                peak / 1000,
                peak % 1000,
                baseline / 1000,
                baseline % 1000,
                peak / 1000,
                peak % 1000,
                baseline / 1000,
                baseline % 1000
            );
        } else {
            let _ = write!(
                out,
                r#","insightDuration":{dur},"baselineDuration":10079}}}}}},"eventCategory":"Insight"}}"#
            );
        }
    }
    out.push_str("]}");
    2
}
