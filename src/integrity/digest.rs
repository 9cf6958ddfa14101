//! A CloudTrail digest file: its name (`<account>_CloudTrail-Digest_<region>_<trail>_<home
//! region>_<YYYYMMDDTHHMMSSZ>.json.gz` under `AWSLogs/[o-org/]<account>/CloudTrail-Digest/
//! <region>/<yyyy>/<mm>/<dd>/`) and its document (the log files of one hour of one trail in one
//! region, with their SHA-256, and the previous digest's hash and signature).
//!
//! Parsing is strict where the check depends on a field (a digest that lacks one cannot vouch
//! for anything and is reported as malformed) and bounded: a digest names at most
//! [`MAX_LOG_FILES`] log files.

use crate::error::IntegrityError;
use serde::Deserialize;

/// Most log files one digest may name. CloudTrail writes one digest per hour per region and
/// trail; a region rarely delivers more than a few hundred files an hour.
pub const MAX_LOG_FILES: usize = 1_000_000;

/// What a digest's key says about it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DigestName {
    /// The key from `AWSLogs/` on (the part every copy of the tree shares, whatever the bucket
    /// prefix or the local folder above it).
    pub tail: String,
    /// The prefix above `AWSLogs/` in the key or path (part of the chain's identity: two
    /// trails may deliver to two prefixes of one bucket).
    pub above: String,
    /// `o-...` for an organization trail.
    pub org: Option<String>,
    /// The account whose folder holds it.
    pub account: String,
    /// The region whose log files it covers.
    pub region: String,
    /// The trail's name.
    pub trail: String,
    /// The trail's home region.
    pub home_region: String,
    /// The end of the hour it covers (the time in its name), epoch ms.
    pub end: i64,
}

/// The identity of a chain: one trail, delivering one account's logs of one region, below one
/// prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainId {
    /// The prefix above `AWSLogs/`.
    pub above: String,
    /// The organization, for organization trails.
    pub org: Option<String>,
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The trail.
    pub trail: String,
    /// The trail's home region.
    pub home_region: String,
}

impl DigestName {
    /// The chain the digest belongs to.
    pub fn chain(&self) -> ChainId {
        ChainId {
            above: self.above.clone(),
            org: self.org.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
            trail: self.trail.clone(),
            home_region: self.home_region.clone(),
        }
    }
}

/// The part of a key or path from its `AWSLogs/` component on, with `/` separators, and the
/// part above it. `None` without an `AWSLogs` component.
pub fn split_tail(key: &str) -> Option<(&str, &str)> {
    let key_start = if key.starts_with("AWSLogs/") || key.starts_with("AWSLogs\\") {
        0
    } else {
        key.find("/AWSLogs/")
            .or_else(|| key.find("\\AWSLogs\\"))
            .map(|i| i + 1)?
    };
    Some((&key[..key_start], &key[key_start..]))
}

/// Parses a digest's key or local path. `None` when it is not in the digest layout.
pub fn parse_name(key: &str) -> Option<DigestName> {
    let (above, tail) = split_tail(key)?;
    let tail = tail.replace('\\', "/");
    let parts: Vec<&str> = tail.split('/').collect();
    // AWSLogs/[o-org/]acct/CloudTrail-Digest/region/yyyy/mm/dd/file
    let (org, rest) = match parts.get(1) {
        Some(p) if p.starts_with("o-") => (Some((*p).to_string()), &parts[2..]),
        _ => (None, &parts[1..]),
    };
    let [account, kind, region, y, m, d, file] = rest else {
        return None;
    };
    if *kind != "CloudTrail-Digest"
        || !crate::iam::is_account_id(account)
        || ![(y, 4), (m, 2), (d, 2)]
            .iter()
            .all(|(s, n)| s.len() == *n && s.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let stem = file.strip_suffix(".json.gz")?;
    // <acct>_CloudTrail-Digest_<region>_<trail>_<home>_<time>: the trail name may hold `_`.
    let rest = stem.strip_prefix(&format!("{account}_CloudTrail-Digest_{region}_"))?;
    let (rest, time) = rest.rsplit_once('_')?;
    let (trail, home_region) = rest.rsplit_once('_')?;
    if trail.is_empty() || home_region.is_empty() || time.len() != 16 {
        return None;
    }
    let end = crate::source::layout::name_time(time)?;
    Some(DigestName {
        tail: tail.clone(),
        above: above.replace('\\', "/"),
        org,
        account: (*account).to_string(),
        region: (*region).to_string(),
        trail: trail.to_string(),
        home_region: home_region.to_string(),
        end,
    })
}

/// One log file a digest names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// SHA-256 of the decompressed file.
    pub sha256: [u8; 32],
    /// Its newest event, epoch ms (if given).
    pub newest: Option<i64>,
    /// Its oldest event, epoch ms (if given).
    pub oldest: Option<i64>,
}

/// A digest document, with the fields the checks use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestDoc {
    /// `awsAccountId`.
    pub account: String,
    /// `digestStartTime`, as written.
    pub start_text: String,
    /// `digestStartTime`, epoch ms.
    pub start: i64,
    /// `digestEndTime`, as written (it is part of the signing string).
    pub end_text: String,
    /// `digestEndTime`, epoch ms.
    pub end: i64,
    /// `digestS3Bucket`.
    pub bucket: String,
    /// `digestS3Object`: where CloudTrail wrote it.
    pub object: String,
    /// `digestPublicKeyFingerprint`.
    pub fingerprint: String,
    /// `digestSignatureAlgorithm`.
    pub algorithm: String,
    /// The previous digest, `None` when this one starts a chain (validation was just turned
    /// on, or turned off and on again).
    pub previous: Option<Previous>,
    /// The log files delivered in the hour.
    pub logs: Vec<LogEntry>,
}

/// What a digest says of the digest before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Previous {
    /// `previousDigestS3Bucket`.
    pub bucket: String,
    /// `previousDigestS3Object`.
    pub object: String,
    /// `previousDigestHashValue`: SHA-256 of the previous digest, decompressed.
    pub sha256: [u8; 32],
    /// `previousDigestSignature`: the previous digest's signature, hex.
    pub signature: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDoc {
    aws_account_id: String,
    digest_start_time: String,
    digest_end_time: String,
    #[serde(rename = "digestS3Bucket")]
    digest_s3_bucket: String,
    #[serde(rename = "digestS3Object")]
    digest_s3_object: String,
    digest_public_key_fingerprint: String,
    digest_signature_algorithm: String,
    #[serde(rename = "previousDigestS3Bucket")]
    previous_digest_s3_bucket: Option<String>,
    #[serde(rename = "previousDigestS3Object")]
    previous_digest_s3_object: Option<String>,
    previous_digest_hash_value: Option<String>,
    previous_digest_hash_algorithm: Option<String>,
    previous_digest_signature: Option<String>,
    log_files: Vec<RawLog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(rename = "s3Bucket")]
    s3_bucket: String,
    #[serde(rename = "s3Object")]
    s3_object: String,
    hash_value: String,
    hash_algorithm: Option<String>,
    newest_event_time: Option<String>,
    oldest_event_time: Option<String>,
}

/// Decodes 64 hex digits.
pub fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let h = (b[2 * i] as char).to_digit(16)?;
        let l = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (h * 16 + l) as u8;
    }
    Some(out)
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn time(field: &'static str, s: &str) -> Result<i64, IntegrityError> {
    crate::time::parse_event_time(s)
        .ok_or_else(|| IntegrityError::Malformed(format!("{field} {s:?} is not a time")))
}

impl DigestDoc {
    /// Parses a decompressed digest.
    pub fn parse(json: &[u8]) -> Result<Self, IntegrityError> {
        let raw: RawDoc = serde_json::from_slice(json)
            .map_err(|e| IntegrityError::Malformed(format!("not a digest document: {e}")))?;
        if raw.log_files.len() > MAX_LOG_FILES {
            return Err(IntegrityError::Malformed(format!(
                "names {} log files, more than the {MAX_LOG_FILES} one digest may",
                raw.log_files.len()
            )));
        }
        let previous = match (
            raw.previous_digest_s3_bucket,
            raw.previous_digest_s3_object,
            raw.previous_digest_hash_value,
            raw.previous_digest_signature,
        ) {
            (None, None, None, None) => None,
            (Some(bucket), Some(object), Some(hash), Some(signature)) => {
                if raw
                    .previous_digest_hash_algorithm
                    .as_deref()
                    .is_some_and(|a| a != "SHA-256")
                {
                    return Err(IntegrityError::Malformed(format!(
                        "previousDigestHashAlgorithm {:?} is not SHA-256",
                        raw.previous_digest_hash_algorithm.unwrap_or_default()
                    )));
                }
                Some(Previous {
                    bucket,
                    object,
                    sha256: parse_sha256(&hash).ok_or_else(|| {
                        IntegrityError::Malformed(format!(
                            "previousDigestHashValue {hash:?} is not a SHA-256"
                        ))
                    })?,
                    signature,
                })
            }
            _ => {
                return Err(IntegrityError::Malformed(
                    "the previousDigest fields are partly null".into(),
                ));
            }
        };
        let mut logs = Vec::with_capacity(raw.log_files.len());
        for l in raw.log_files {
            if l.hash_algorithm.as_deref().is_some_and(|a| a != "SHA-256") {
                return Err(IntegrityError::Malformed(format!(
                    "log file {:?}: hashAlgorithm {:?} is not SHA-256",
                    l.s3_object,
                    l.hash_algorithm.unwrap_or_default()
                )));
            }
            let sha256 = parse_sha256(&l.hash_value).ok_or_else(|| {
                IntegrityError::Malformed(format!(
                    "log file {:?}: hashValue {:?} is not a SHA-256",
                    l.s3_object, l.hash_value
                ))
            })?;
            logs.push(LogEntry {
                bucket: l.s3_bucket,
                key: l.s3_object,
                sha256,
                newest: l
                    .newest_event_time
                    .as_deref()
                    .and_then(crate::time::parse_event_time),
                oldest: l
                    .oldest_event_time
                    .as_deref()
                    .and_then(crate::time::parse_event_time),
            });
        }
        Ok(DigestDoc {
            account: raw.aws_account_id,
            start: time("digestStartTime", &raw.digest_start_time)?,
            start_text: raw.digest_start_time,
            end: time("digestEndTime", &raw.digest_end_time)?,
            end_text: raw.digest_end_time,
            bucket: raw.digest_s3_bucket,
            object: raw.digest_s3_object,
            fingerprint: raw.digest_public_key_fingerprint,
            algorithm: raw.digest_signature_algorithm,
            previous,
            logs,
        })
    }

    /// The string CloudTrail signs (the AWS CLI's `validate-logs` builds the same):
    /// `digestEndTime`, `bucket/object`, the hex SHA-256 of the decompressed digest, and the
    /// previous digest's signature (`null` at the start of a chain), one per line.
    pub fn signing_string(&self, sha256: &[u8; 32]) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.end_text,
            self.bucket,
            self.object,
            to_hex(sha256),
            self.previous
                .as_ref()
                .map_or("null", |p| p.signature.as_str())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "logs/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/111122223333_CloudTrail-Digest_us-east-1_org_trail_eu-west-1_20240501T101500Z.json.gz";

    #[test]
    fn names() {
        let n = parse_name(KEY).unwrap();
        assert_eq!(n.above, "logs/");
        assert_eq!(n.org.as_deref(), Some("o-abc123"));
        assert_eq!(n.account, "111122223333");
        assert_eq!(n.region, "us-east-1");
        assert_eq!(n.trail, "org_trail", "trail names may hold underscores");
        assert_eq!(n.home_region, "eu-west-1");
        assert_eq!(
            n.end,
            crate::time::parse_event_time("2024-05-01T10:15:00Z").unwrap()
        );
        assert!(n.tail.starts_with("AWSLogs/o-abc123/"));
        // A log file, a digest of another account's folder, a bad date: not digests.
        assert!(parse_name(&KEY.replace("CloudTrail-Digest/", "CloudTrail/")).is_none());
        assert!(parse_name(&KEY.replace("/111122223333_", "/444455556666_")).is_none());
        assert!(parse_name(&KEY.replace("20240501T101500Z", "20240501T1015Z")).is_none());
        assert!(parse_name(&KEY.replace("/2024/", "/24/")).is_none());
        let local = parse_name(&format!("/tmp/x/{}", &KEY[5..])).unwrap();
        assert_eq!(local.above, "/tmp/x/");
        assert_eq!(local.tail, n.tail);
    }

    fn doc(prev: &str) -> String {
        format!(
            r#"{{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T09:15:00Z","digestEndTime":"2024-05-01T10:15:00Z","digestS3Bucket":"b","digestS3Object":"AWSLogs/x.json.gz","digestPublicKeyFingerprint":"ab","digestSignatureAlgorithm":"SHA256withRSA",{prev},"logFiles":[{{"s3Bucket":"b","s3Object":"AWSLogs/l.json.gz","hashValue":"{}","hashAlgorithm":"SHA-256","newestEventTime":"2024-05-01T10:00:00Z","oldestEventTime":"2024-05-01T09:00:00Z"}}]}}"#,
            "0f".repeat(32)
        )
    }

    #[test]
    fn documents() {
        let first = doc(
            r#""previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null"#,
        );
        let d = DigestDoc::parse(first.as_bytes()).unwrap();
        assert!(d.previous.is_none());
        assert_eq!(d.logs[0].sha256, [0x0f; 32]);
        assert_eq!(
            d.signing_string(&[0xab; 32]),
            format!(
                "2024-05-01T10:15:00Z\nb/AWSLogs/x.json.gz\n{}\nnull",
                "ab".repeat(32)
            )
        );
        let next = doc(&format!(
            r#""previousDigestS3Bucket":"b","previousDigestS3Object":"AWSLogs/p.json.gz","previousDigestHashValue":"{}","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"beef""#,
            "11".repeat(32)
        ));
        let d = DigestDoc::parse(next.as_bytes()).unwrap();
        assert_eq!(d.previous.as_ref().unwrap().sha256, [0x11; 32]);
        assert!(d.signing_string(&[0; 32]).ends_with("\nbeef"));
        // Half a previous digest, a short hash, a missing field: malformed, with the reason.
        let half = doc(
            r#""previousDigestS3Bucket":"b","previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestSignature":null"#,
        );
        assert!(
            DigestDoc::parse(half.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("partly null")
        );
        let short = first.replace(&"0f".repeat(32), "0f0f");
        assert!(
            DigestDoc::parse(short.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("hashValue")
        );
        let missing = first.replace(r#""digestS3Bucket":"b","#, "");
        assert!(
            DigestDoc::parse(missing.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("digestS3Bucket")
        );
    }

    #[test]
    fn hex() {
        assert_eq!(parse_sha256(&to_hex(&[7u8; 32])), Some([7u8; 32]));
        assert_eq!(parse_sha256(&"g".repeat(64)), None);
    }
}
