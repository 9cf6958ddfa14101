//! The checks of `aws cloudtrail validate-logs`, over what was read: every digest's place,
//! signature and link to the digest before it, and every log file's SHA-256 against the digest
//! that names it; then what no digest vouches for.
//!
//! A pure function of its inputs ([`check`]): the digests and log files found (with the SHA-256
//! of their decompressed bytes), the public keys if any, and the time range. Reading them is
//! [`super::read`]'s job (for `verify`) or the scan's (for `scan --verify`).

use super::digest::{ChainId, DigestDoc, DigestName, parse_name, split_tail, to_hex};
use super::keys::{PublicKeys, SignatureProblem};
use std::collections::{BTreeMap, HashMap};

/// Where a digest's signature came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureOrigin {
    /// The digest object's S3 metadata (`x-amz-meta-signature`), read from S3.
    S3Metadata,
    /// A sidecar file beside a local copy (`<digest>.metadata`).
    Sidecar,
    /// The next digest's `previousDigestSignature` (every digest but a chain's newest).
    NextDigest,
}

impl SignatureOrigin {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureOrigin::S3Metadata => "s3-metadata",
            SignatureOrigin::Sidecar => "sidecar",
            SignatureOrigin::NextDigest => "next-digest",
        }
    }
}

/// A digest's signature as stored beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSignature {
    /// Hex.
    pub signature: String,
    /// `signature-algorithm`, if given.
    pub algorithm: Option<String>,
    /// Where it was read.
    pub origin: SignatureOrigin,
}

/// A digest file that was read.
#[derive(Clone, Debug)]
pub struct DigestFile {
    /// Its key or path.
    pub location: String,
    /// Its parsed document, or why it is not one.
    pub doc: Result<DigestDoc, String>,
    /// SHA-256 of its decompressed bytes.
    pub sha256: [u8; 32],
    /// Its signature from S3 metadata or a sidecar.
    pub signature: Option<StoredSignature>,
}

/// A log file that was read (or could not be).
#[derive(Clone, Debug)]
pub struct LogFile {
    /// Its key or path.
    pub location: String,
    /// SHA-256 of its decompressed bytes, or why it could not be read.
    pub sha256: Result<[u8; 32], String>,
}

/// The time range of a check: digests whose hour ends in it, log files delivered in it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Range {
    /// Inclusive start, epoch ms.
    pub since: Option<i64>,
    /// Inclusive end, epoch ms.
    pub until: Option<i64>,
}

/// How late after `until` a digest may end and still cover log files of the range: CloudTrail
/// writes one digest per hour, within the hour after it.
const DIGEST_SLACK_MS: i64 = 2 * 3_600_000;
/// A log file's name gives its delivery time to the minute.
const NAME_PRECISION_MS: i64 = 60_000;

impl Range {
    fn digest_in(&self, end: i64) -> bool {
        self.since.is_none_or(|s| end >= s)
            && self
                .until
                .is_none_or(|u| end <= u.saturating_add(DIGEST_SLACK_MS))
    }
    fn log_in(&self, t: Option<i64>) -> bool {
        match t {
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
            None => self.since.is_none() && self.until.is_none(),
        }
    }
}

/// What became of a digest.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "why")]
pub enum DigestStatus {
    /// Every check that could run passed.
    Valid,
    /// A check failed: the reason.
    Invalid(String),
    /// Named as the previous digest of another, and not found.
    Missing,
}

/// How a digest's signature fared.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureCheck {
    /// Verified under the key its fingerprint names.
    Verified(SignatureOrigin),
    /// Did not verify.
    Failed(SignatureOrigin, String),
    /// No signature to check (a local copy's newest digest without a sidecar).
    NoSignature,
    /// No public keys were given (`--no-signatures`).
    NoKeys,
    /// Not checked: the digest did not parse, or is missing.
    NotChecked,
}

impl SignatureCheck {
    /// The name in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureCheck::Verified(_) => "verified",
            SignatureCheck::Failed(..) => "invalid",
            SignatureCheck::NoSignature => "no-signature",
            SignatureCheck::NoKeys => "no-public-keys",
            SignatureCheck::NotChecked => "not-checked",
        }
    }
    /// Where the signature came from, if one was checked.
    pub fn origin(&self) -> Option<SignatureOrigin> {
        match self {
            SignatureCheck::Verified(o) | SignatureCheck::Failed(o, _) => Some(*o),
            _ => None,
        }
    }
}

/// One digest's verdict.
#[derive(Clone, Debug)]
pub struct DigestVerdict {
    /// Its key or path (for a missing one, the key its successor names).
    pub location: String,
    /// What its key says.
    pub name: Option<DigestName>,
    /// Its verdict.
    pub status: DigestStatus,
    /// Its signature's.
    pub signature: SignatureCheck,
    /// Whether the next digest's `previousDigestHashValue` was compared with it.
    pub hash_chained: bool,
    /// The hour it covers, epoch ms (from the document, else the name).
    pub start: Option<i64>,
    /// End of that hour.
    pub end: Option<i64>,
    /// SHA-256 of its decompressed bytes, hex (`None` for a missing one).
    pub sha256: Option<String>,
    /// The log files it names.
    pub log_files: usize,
}

/// What became of a log file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogStatus {
    /// Its SHA-256 is the one its digest states.
    Valid,
    /// Its SHA-256 differs from the one its digest states.
    Modified,
    /// Named in a digest and not found.
    Deleted,
    /// Named in a digest, found, and could not be read.
    Unreadable,
    /// Present, delivered inside a stretch its stream's digests cover, and named by none.
    NotInDigest,
    /// Present and outside every stretch the digests read cover (before the first, after the
    /// newest, or while validation was off): nothing vouches for it, nothing contradicts it.
    Undigested,
}

impl LogStatus {
    /// The name in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            LogStatus::Valid => "valid",
            LogStatus::Modified => "modified",
            LogStatus::Deleted => "deleted",
            LogStatus::Unreadable => "unreadable",
            LogStatus::NotInDigest => "not-in-digest",
            LogStatus::Undigested => "undigested",
        }
    }
}

/// One log file's verdict.
#[derive(Clone, Debug)]
pub struct LogVerdict {
    /// Its key or path (for a deleted one, the key the digest names).
    pub location: String,
    /// `(org, account, region)` from its key.
    pub stream: Stream,
    /// Its delivery time from its name, epoch ms.
    pub delivered: Option<i64>,
    /// Its verdict.
    pub status: LogStatus,
    /// The digest that names it.
    pub digest: Option<String>,
    /// The SHA-256 the digest states, hex.
    pub expected: Option<String>,
    /// The SHA-256 found, hex.
    pub actual: Option<String>,
    /// For unreadable files, why.
    pub detail: Option<String>,
}

/// Where a log file or digest belongs: prefix above `AWSLogs/`, organization, account, region.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stream {
    /// The prefix above `AWSLogs/`.
    pub above: String,
    /// `o-...`.
    pub org: Option<String>,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
}

impl From<&ChainId> for Stream {
    fn from(c: &ChainId) -> Self {
        Stream {
            above: c.above.clone(),
            org: c.org.clone(),
            account: c.account.clone(),
            region: c.region.clone(),
        }
    }
}

/// A break in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// A digest names a previous digest that is not there.
    Missing {
        /// The digest that names it.
        after: String,
        /// The key it names.
        missing: String,
    },
    /// A digest starts a new chain although an earlier digest of the same trail exists:
    /// validation (or logging) was off in between.
    Restart {
        /// The last digest before the restart.
        before: String,
        /// The digest that starts again.
        after: String,
    },
}

/// A chain break with its place and time.
#[derive(Clone, Debug)]
pub struct ChainBreak {
    /// The chain.
    pub chain: ChainId,
    /// What broke.
    pub what: Break,
    /// The stretch without a valid digest: from (end of the last digest before, if known).
    pub from: Option<i64>,
    /// To (start of the digest after).
    pub to: Option<i64>,
}

/// What the check found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every digest read or missing, in chain order.
    pub digests: Vec<DigestVerdict>,
    /// Every log file named or present in the range.
    pub logs: Vec<LogVerdict>,
    /// The chain breaks.
    pub breaks: Vec<ChainBreak>,
    /// The chains seen.
    pub chains: Vec<ChainId>,
    /// Where the public keys came from (`None` with `--no-signatures`).
    pub keys: Option<String>,
}

fn tail_of(key: &str) -> &str {
    split_tail(key).map_or(key, |(_, t)| t)
}

fn stream_of_log(location: &str) -> Stream {
    let (above, _) = split_tail(location).unwrap_or(("", ""));
    let l = crate::source::layout::parse(location).unwrap_or_default();
    Stream {
        above: above.replace('\\', "/"),
        org: l.org,
        account: l.account.unwrap_or_default(),
        region: l.region.unwrap_or_default(),
    }
}

/// Runs every check. Digests outside the range are left out; log files named by a digest of
/// the range and delivered outside it are not judged.
pub fn check(
    digests: Vec<DigestFile>,
    logs: Vec<LogFile>,
    keys: Option<&PublicKeys>,
    range: Range,
) -> Report {
    let mut report = Report {
        keys: keys.map(|k| k.origin.clone()),
        ..Default::default()
    };
    // The digests of the range, by chain, oldest first.
    let mut chains: BTreeMap<ChainId, Vec<(DigestName, DigestFile)>> = BTreeMap::new();
    for d in digests {
        let Some(name) = parse_name(&d.location) else {
            continue;
        };
        if range.digest_in(name.end) {
            chains.entry(name.chain()).or_default().push((name, d));
        }
    }
    // Log files by the key from `AWSLogs/` on (a local copy and S3 share it).
    let mut present: HashMap<String, (LogFile, bool)> = HashMap::with_capacity(logs.len());
    for l in logs {
        let tail = tail_of(&l.location).replace('\\', "/");
        present.insert(tail, (l, false));
    }
    // The stretches each stream's digests cover, for the log files none names.
    let mut covered: BTreeMap<Stream, Vec<(i64, i64)>> = BTreeMap::new();

    for (chain, mut ds) in chains {
        ds.sort_by(|a, b| (a.0.end, &a.0.tail).cmp(&(b.0.end, &b.0.tail)));
        let by_tail: HashMap<&str, usize> = ds
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.tail.as_str(), i))
            .collect();
        // successor[i]: the digest that names digest i as its previous one.
        let mut successor: Vec<Option<usize>> = vec![None; ds.len()];
        let mut missing: Vec<(usize, String)> = Vec::new();
        for (i, (_, d)) in ds.iter().enumerate() {
            let Ok(doc) = &d.doc else { continue };
            let Some(p) = &doc.previous else { continue };
            match by_tail.get(tail_of(&p.object)) {
                Some(&j) if j != i && successor[j].is_none() => successor[j] = Some(i),
                Some(_) => {}
                None => {
                    // A previous digest from before the range is not a gap of it.
                    let before_range = parse_name(&p.object)
                        .is_some_and(|n| range.since.is_some_and(|s| n.end < s));
                    if !before_range {
                        missing.push((i, p.object.clone()));
                    }
                }
            }
        }
        let stream = Stream::from(&chain);
        let mut verdicts: Vec<DigestVerdict> = Vec::with_capacity(ds.len());
        for (i, (name, d)) in ds.iter().enumerate() {
            let next = successor[i].and_then(|j| ds[j].1.doc.as_ref().ok());
            verdicts.push(judge_digest(name, d, next, keys));
        }
        // Restarts: a digest with no previous one after an earlier digest of the chain.
        for (i, (_, d)) in ds.iter().enumerate() {
            if i > 0
                && let Ok(doc) = &d.doc
                && doc.previous.is_none()
            {
                let before = &ds[i - 1];
                report.breaks.push(ChainBreak {
                    chain: chain.clone(),
                    what: Break::Restart {
                        before: before.1.location.clone(),
                        after: d.location.clone(),
                    },
                    from: Some(before.1.doc.as_ref().map_or(before.0.end, |b| b.end)),
                    to: Some(doc.start),
                });
            }
        }
        for (i, key) in missing {
            let after = &ds[i];
            let missing_name = parse_name(&key);
            // The end of the digest before the missing one, if it was read.
            let from = ds[..i]
                .iter()
                .rev()
                .find(|(n, _)| missing_name.as_ref().is_none_or(|m| n.end < m.end))
                .map(|(n, d)| d.doc.as_ref().map_or(n.end, |doc| doc.end));
            report.breaks.push(ChainBreak {
                chain: chain.clone(),
                what: Break::Missing {
                    after: after.1.location.clone(),
                    missing: key.clone(),
                },
                from,
                to: after.1.doc.as_ref().ok().map(|d| d.start),
            });
            verdicts.push(DigestVerdict {
                location: key.clone(),
                start: missing_name.as_ref().map(|n| n.end - 3_600_000),
                end: missing_name.as_ref().map(|n| n.end),
                name: missing_name,
                status: DigestStatus::Missing,
                signature: SignatureCheck::NotChecked,
                hash_chained: false,
                sha256: None,
                log_files: 0,
            });
        }
        // The log files each digest names.
        for ((_, d), v) in ds.iter().zip(&verdicts) {
            let Ok(doc) = &d.doc else { continue };
            if matches!(v.status, DigestStatus::Valid) {
                covered
                    .entry(stream.clone())
                    .or_default()
                    .push((doc.start, doc.end));
            }
            for e in &doc.logs {
                let tail = tail_of(&e.key).replace('\\', "/");
                let delivered = crate::source::layout::name_time(&e.key);
                let expected = Some(to_hex(&e.sha256));
                let (status, location, actual, detail) = match present.get_mut(&tail) {
                    Some((l, named)) => {
                        *named = true;
                        match &l.sha256 {
                            Ok(h) if *h == e.sha256 => {
                                (LogStatus::Valid, l.location.clone(), Some(to_hex(h)), None)
                            }
                            Ok(h) => (
                                LogStatus::Modified,
                                l.location.clone(),
                                Some(to_hex(h)),
                                None,
                            ),
                            Err(why) => (
                                LogStatus::Unreadable,
                                l.location.clone(),
                                None,
                                Some(why.clone()),
                            ),
                        }
                    }
                    None if range.log_in(delivered) || delivered.is_none() => {
                        (LogStatus::Deleted, e.key.clone(), None, None)
                    }
                    None => continue,
                };
                report.logs.push(LogVerdict {
                    location,
                    stream: stream_of_log(&e.key).with_above(&stream.above),
                    delivered,
                    status,
                    digest: Some(d.location.clone()),
                    expected,
                    actual,
                    detail,
                });
            }
        }
        report.chains.push(chain);
        report.digests.extend(verdicts);
    }

    // Present log files no digest names.
    for spans in covered.values_mut() {
        spans.sort_unstable();
        // Merge stretches that touch (one digest's end is the next one's start).
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for &(s, e) in spans.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1000 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *spans = merged;
    }
    let mut unnamed: Vec<(String, (LogFile, bool))> = present
        .into_iter()
        .filter(|(_, (_, named))| !named)
        .collect();
    unnamed.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, (l, _)) in unnamed {
        let delivered = crate::source::layout::name_time(&l.location);
        if !range.log_in(delivered) {
            continue;
        }
        let stream = stream_of_log(&l.location);
        // Inside a covered stretch, away from its edges (a name gives the minute only).
        let inside = delivered.is_some_and(|t| {
            covered.get(&stream).is_some_and(|spans| {
                spans
                    .iter()
                    .any(|&(s, e)| t >= s && t.saturating_add(NAME_PRECISION_MS) <= e)
            })
        });
        report.logs.push(LogVerdict {
            actual: l.sha256.as_ref().ok().map(|h| to_hex(h)),
            detail: l.sha256.as_ref().err().cloned(),
            location: l.location,
            stream,
            delivered,
            status: if inside {
                LogStatus::NotInDigest
            } else {
                LogStatus::Undigested
            },
            digest: None,
            expected: None,
        });
    }
    report
}

impl Stream {
    fn with_above(mut self, above: &str) -> Self {
        // A digest names its log files by S3 key; the local prefix is the digest's.
        self.above = above.to_string();
        self
    }
}

fn judge_digest(
    name: &DigestName,
    d: &DigestFile,
    next: Option<&DigestDoc>,
    keys: Option<&PublicKeys>,
) -> DigestVerdict {
    let mut v = DigestVerdict {
        location: d.location.clone(),
        name: Some(name.clone()),
        status: DigestStatus::Valid,
        signature: SignatureCheck::NotChecked,
        hash_chained: false,
        start: Some(name.end - 3_600_000),
        end: Some(name.end),
        sha256: Some(to_hex(&d.sha256)),
        log_files: 0,
    };
    let doc = match &d.doc {
        Ok(doc) => doc,
        Err(why) => {
            v.status = DigestStatus::Invalid(why.clone());
            return v;
        }
    };
    v.start = Some(doc.start);
    v.end = Some(doc.end);
    v.log_files = doc.logs.len();
    let mut problems: Vec<String> = Vec::new();
    if tail_of(&doc.object) != name.tail {
        problems.push(format!(
            "it is not where CloudTrail wrote it (digestS3Object {:?})",
            doc.object
        ));
    }
    if doc.account != name.account {
        problems.push(format!(
            "its awsAccountId {} is not the account of its folder",
            doc.account
        ));
    }
    // The next digest vouches for this one's bytes and carries its signature.
    let from_next = next.and_then(|n| n.previous.as_ref());
    if let Some(p) = from_next {
        v.hash_chained = true;
        if p.sha256 != d.sha256 {
            problems.push(
                "its SHA-256 is not the one the next digest states (changed after the next digest was written)"
                    .into(),
            );
        }
    }
    let signature = d.signature.clone().or_else(|| {
        from_next.map(|p| StoredSignature {
            signature: p.signature.clone(),
            algorithm: None,
            origin: SignatureOrigin::NextDigest,
        })
    });
    v.signature = match (keys, signature) {
        (None, _) => SignatureCheck::NoKeys,
        (Some(_), None) => SignatureCheck::NoSignature,
        (Some(keys), Some(s)) => {
            let message = doc.signing_string(&d.sha256);
            let algorithm = s.algorithm.as_deref().unwrap_or(&doc.algorithm);
            let mut result = keys.verify(
                &doc.fingerprint,
                algorithm,
                message.as_bytes(),
                &s.signature,
            );
            // Both a stored signature and the next digest's: both must hold.
            if result.is_ok()
                && s.origin != SignatureOrigin::NextDigest
                && let Some(p) = from_next
                && !p.signature.eq_ignore_ascii_case(&s.signature)
            {
                result = keys
                    .verify(
                        &doc.fingerprint,
                        algorithm,
                        message.as_bytes(),
                        &p.signature,
                    )
                    .map_err(|_| SignatureProblem::Mismatch);
            }
            match result {
                Ok(()) => SignatureCheck::Verified(s.origin),
                Err(p) => {
                    problems.push(format!("signature ({}): {p}", s.origin.as_str()));
                    SignatureCheck::Failed(s.origin, p.to_string())
                }
            }
        }
    };
    if !problems.is_empty() {
        v.status = DigestStatus::Invalid(problems.join("; "));
    }
    v
}
