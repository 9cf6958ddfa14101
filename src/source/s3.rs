//! S3 through `aws-sdk-s3`: planning by the CloudTrail layout with delimiter listings, lazy
//! paginated listing of day folders, and size-capped GETs. Retries with backoff on throttling and
//! 5xx come from the SDK's standard retry strategy.

use super::{
    KeyLayout, Location, ObjectRef, Seen, Selection, SkipReason, SourceItem, Unit, layout,
};
use crate::error::SourceError;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// How to reach S3.
#[derive(Clone, Debug, Default)]
pub struct S3Options {
    /// An S3-compatible endpoint (`http://127.0.0.1:8333`); `AWS_ENDPOINT_URL_S3` also works.
    pub endpoint_url: Option<String>,
    /// Region for signing; default from the profile or environment, else `us-east-1`.
    pub region: Option<String>,
    /// Named profile.
    pub profile: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`). Implied for loopback endpoints.
    pub path_style: bool,
    /// Attempts per request, including the first.
    pub max_attempts: u32,
}

/// A connected S3 client.
#[derive(Clone, Debug)]
pub struct S3 {
    client: Client,
}

/// A one-line description of an SDK error: the service's code and message
/// (`SignatureDoesNotMatch: The request signature ...`), or for transport failures the chain of
/// causes (`dispatch failure: io error: ...: Connection refused (os error 111)`), without the
/// SDK's debug dump of the raw response that `DisplayErrorContext` appends.
fn describe<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let Some(service) = e.as_service_error()
        && let Some(code) = service.code()
    {
        return match service.message() {
            Some(m) => format!("{code}: {m}"),
            None => code.to_string(),
        };
    }
    chain(e)
}

/// An error and its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn s3_err<E, R>(op: &'static str, e: SdkError<E, R>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    SourceError::S3 {
        op,
        message: describe(&e),
    }
}

fn is_loopback(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host == "localhost" || host.starts_with("127.") || host == "[" || url.contains("[::1]")
}

impl S3 {
    /// Builds a client from the SDK's default credential chain (environment, profile, SSO,
    /// container and instance roles), like the AWS CLI.
    pub async fn connect(opts: &S3Options) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)),
        );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        let shared = loader.load().await;
        // gzip carries its own CRC-32 and a corrupt object fails decoding with its name, so
        // the SDK's extra whole-body checksum pass is only done where S3 requires it.
        let mut b = aws_sdk_s3::config::Builder::from(&shared).response_checksum_validation(
            aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
        );
        if shared.region().is_none() {
            b = b.region(aws_config::Region::new("us-east-1"));
        }
        let env_endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .ok();
        let loopback = opts
            .endpoint_url
            .as_deref()
            .or(env_endpoint.as_deref())
            .is_some_and(is_loopback);
        if opts.path_style || loopback {
            b = b.force_path_style(true);
        }
        S3 {
            client: Client::from_conf(b.build()),
        }
    }

    /// One delimiter listing, all pages: the child prefixes and the objects directly under
    /// `prefix`.
    pub async fn list_level(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<(Vec<String>, Vec<ObjectRef>), SourceError> {
        let mut prefixes = Vec::new();
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| s3_err("ListObjectsV2", e))?;
            prefixes.extend(
                out.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_string)),
            );
            objects.extend(out.contents().iter().filter_map(|o| to_ref(bucket, o)));
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok((prefixes, objects))
    }

    /// One page of a recursive listing. Returns the objects and the token for the next page.
    pub async fn list_page(
        &self,
        bucket: &str,
        prefix: &str,
        token: Option<String>,
    ) -> Result<(Vec<ObjectRef>, Option<String>), SourceError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| s3_err("ListObjectsV2", e))?;
        let objects = out
            .contents()
            .iter()
            .filter_map(|o| to_ref(bucket, o))
            .collect();
        let next = match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => Some(t.to_string()),
            _ => None,
        };
        Ok((objects, next))
    }

    /// Downloads an object, refusing more than `limit` bytes.
    pub async fn get(&self, bucket: &str, key: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        Ok(self.get_with_meta(bucket, key, limit, false).await?.0)
    }

    /// Downloads an object, refusing more than `limit` bytes, with its user metadata when
    /// `with_meta` (at most a few small entries are kept: S3 caps user metadata at 2 KB).
    pub async fn get_with_meta(
        &self,
        bucket: &str,
        key: &str,
        limit: u64,
        with_meta: bool,
    ) -> Result<(Vec<u8>, std::collections::BTreeMap<String, String>), SourceError> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_err("GetObject", e))?;
        let len = out.content_length().unwrap_or(0).max(0) as u64;
        if len > limit {
            return Err(SourceError::TooLarge { size: len, limit });
        }
        let meta = if with_meta {
            out.metadata()
                .map(|m| {
                    m.iter()
                        .take(32)
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Default::default()
        };
        let mut body = out.body;
        let mut buf = Vec::with_capacity(len as usize);
        while let Some(chunk) = body.try_next().await.map_err(|e| SourceError::S3 {
            op: "GetObject",
            message: chain(&e),
        })? {
            if (buf.len() + chunk.len()) as u64 > limit {
                return Err(SourceError::TooLarge {
                    size: (buf.len() + chunk.len()) as u64,
                    limit,
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok((buf, meta))
    }

    /// Plans `s3://bucket/prefix` under the selection into day-folder units, descending the
    /// CloudTrail layout with delimiter listings and pruning accounts, regions, log kinds and
    /// dates by key. Outside the layout, folders are descended looking for `AWSLogs/`, and
    /// objects found on the way become units of their own. With `seen` (`--state`), the day
    /// folders of a delivery stream older than the ledger keeps for it are pruned too.
    pub async fn plan(
        &self,
        bucket: &str,
        prefix: &str,
        asked: &Selection,
        seen: Option<&Seen>,
        units: &mut Vec<Unit>,
        notes: &mut Vec<SourceItem>,
    ) {
        // Depth-first over prefixes; a stack keeps it iterative.
        let mut stack = vec![prefix.to_string()];
        while let Some(p) = stack.pop() {
            let lay = layout::parse(&p);
            // Below a region folder the ledger's floor for that stream raises `--since`.
            let floored = stream_prefix(&p)
                .and_then(|sp| seen?.floor(&format!("s3://{bucket}/{sp}")))
                .map(|day| Selection {
                    since: Some(
                        asked
                            .since
                            .unwrap_or(i64::MIN)
                            .max(i64::from(day) * crate::time::DAY_MS),
                    ),
                    ..asked.clone()
                });
            let sel = floored.as_ref().unwrap_or(asked);
            // A prune the asked window would not make is the ledger's.
            let why = |v: layout::Verdict, kept: bool| match SkipReason::from_verdict(v) {
                Some(SkipReason::OutsideWindow) if kept => Some(SkipReason::BeforeLedger),
                r => r,
            };
            if let Some(l) = &lay
                && let Some(reason) = SkipReason::from_verdict(layout::judge(l, sel))
            {
                notes.push(SourceItem::SkippedPrefix {
                    prefix: format!("s3://{bucket}/{p}"),
                    reason,
                });
                continue;
            }
            // A prefix that does not end in `/`: `AWSLogs` names the folder `AWSLogs/` as often
            // as `.../2024/05/01/1111_CloudTrail_` names part of a day. One delimiter listing
            // tells: folders that start with it are planned like any folder (so the layout
            // still prunes them), objects that start with it are read.
            if !p.is_empty() && !p.ends_with('/') {
                match self.list_level(bucket, &p).await {
                    Ok((children, objects)) => {
                        let mut direct = Vec::new();
                        for o in objects {
                            let verdict = o.layout.as_ref().and_then(|l| {
                                why(
                                    layout::judge(l, sel),
                                    layout::judge(l, asked) == layout::Verdict::Keep,
                                )
                            });
                            match verdict {
                                Some(reason) => notes.push(SourceItem::Skipped { obj: o, reason }),
                                None if o.layout.is_none()
                                    && !super::looks_like_log_name(key_name(&o)) =>
                                {
                                    notes.push(SourceItem::Skipped {
                                        obj: o,
                                        reason: SkipReason::NotLogFile,
                                    })
                                }
                                None => direct.push(o),
                            }
                        }
                        if !direct.is_empty() {
                            units.push(Unit::S3Objects(direct));
                        }
                        stack.extend(children.into_iter().rev());
                    }
                    Err(error) => notes.push(SourceItem::ListFailed {
                        location: format!("s3://{bucket}/{p}"),
                        error,
                    }),
                }
                continue;
            }
            if let Some(l) = &lay
                && l.region.is_some()
            {
                let depth_below_region = depth_below_region(&p);
                if depth_below_region == 3 {
                    // A day folder.
                    let mut l = l.clone();
                    l.day = layout::parse(&format!("{p}x")).and_then(|x| x.day);
                    let kept = layout::judge(&l, asked) == layout::Verdict::Keep;
                    if let Some(reason) = why(layout::judge(&l, sel), kept) {
                        notes.push(SourceItem::SkippedPrefix {
                            prefix: format!("s3://{bucket}/{p}"),
                            reason,
                        });
                        continue;
                    }
                    units.push(Unit::S3Prefix {
                        bucket: bucket.into(),
                        prefix: p.clone(),
                        layout: Some(l),
                    });
                    continue;
                }
                // Short windows: list the window's day folders directly. Long ones: list the
                // year and month folders (pruned by the window) instead of one request per day.
                if depth_below_region == 0
                    && let Some(days) =
                        layout::day_prefixes(sel).filter(|d| d.len() <= MAX_DAY_PREFIXES)
                {
                    for d in days {
                        let dp = format!("{p}{d}");
                        let dl = layout::parse(&format!("{dp}x"));
                        units.push(Unit::S3Prefix {
                            bucket: bucket.into(),
                            prefix: dp,
                            layout: dl,
                        });
                    }
                    continue;
                }
            }
            let (children, objects) = match self.list_level(bucket, &p).await {
                Ok(x) => x,
                Err(error) => {
                    notes.push(SourceItem::ListFailed {
                        location: format!("s3://{bucket}/{p}"),
                        error,
                    });
                    continue;
                }
            };
            // Objects directly at this level.
            let mut direct = Vec::new();
            for o in objects {
                if let Some(reason) = o.layout.as_ref().and_then(|l| {
                    why(
                        layout::judge(l, sel),
                        layout::judge(l, asked) == layout::Verdict::Keep,
                    )
                }) {
                    notes.push(SourceItem::Skipped { obj: o, reason });
                } else if lay.is_none() && !super::looks_like_log_name(key_name(&o)) {
                    notes.push(SourceItem::Skipped {
                        obj: o,
                        reason: SkipReason::NotLogFile,
                    });
                } else {
                    direct.push(o);
                }
            }
            if !direct.is_empty() {
                units.push(Unit::S3Objects(direct));
            }
            // Year and month folders: prune by the window before descending.
            let below = lay
                .as_ref()
                .filter(|l| l.region.is_some())
                .map(|_| depth_below_region(&p));
            for c in children.into_iter().rev() {
                if let Some(depth) = below
                    && !year_month_in_window(&c, depth, sel)
                {
                    notes.push(SourceItem::SkippedPrefix {
                        prefix: format!("s3://{bucket}/{c}"),
                        reason: if year_month_in_window(&c, depth, asked) {
                            SkipReason::BeforeLedger
                        } else {
                            SkipReason::OutsideWindow
                        },
                    });
                    continue;
                }
                stack.push(c);
            }
        }
    }
}

/// The longest window (in day folders per region) planned by naming its day folders; longer
/// windows are planned by listing year and month folders.
const MAX_DAY_PREFIXES: usize = 62;

fn key_name(o: &ObjectRef) -> &str {
    match &o.location {
        Location::S3 { key, .. } => key.rsplit('/').next().unwrap_or(key),
        Location::Local(_) => "",
    }
}

/// The part of a prefix up to and including its region folder (`.../CloudTrail/us-east-1/`),
/// when it reaches that deep: the delivery stream, as [`super::stream_of`] names it for keys.
fn stream_prefix(p: &str) -> Option<&str> {
    let parts: Vec<&str> = p.split('/').collect();
    let i = parts.iter().position(|x| *x == "AWSLogs")?;
    let mut j = i + 1;
    if parts.get(j).is_some_and(|x| x.starts_with("o-")) {
        j += 1;
    }
    let region_at = j + 2;
    // The region folder must be complete (followed by `/`).
    if parts.len() <= region_at + 1 || !parts[region_at].contains('-') {
        return None;
    }
    let len: usize = parts[..=region_at].iter().map(|x| x.len() + 1).sum();
    Some(&p[..len])
}

/// How many folders below the region folder a prefix ending in `/` is (0 = the region folder).
fn depth_below_region(p: &str) -> usize {
    let parts: Vec<&str> = p.trim_end_matches('/').split('/').collect();
    let Some(i) = parts.iter().position(|x| *x == "AWSLogs") else {
        return 0;
    };
    let mut j = i + 1;
    if parts.get(j).is_some_and(|x| x.starts_with("o-")) {
        j += 1;
    }
    // account, kind, region
    let region_at = j + 2;
    parts.len().saturating_sub(region_at + 1)
}

/// Whether a child folder of a region (year) or year (month) folder can hold days in the window.
fn year_month_in_window(child: &str, parent_depth: usize, sel: &Selection) -> bool {
    let parts: Vec<&str> = child.trim_end_matches('/').rsplitn(3, '/').collect();
    match parent_depth {
        0 => parts[0]
            .parse::<i32>()
            .map(|y| layout::period_in_window(sel, y, None))
            .unwrap_or(true),
        1 => match (
            parts.get(1).and_then(|y| y.parse::<i32>().ok()),
            parts[0].parse::<u32>(),
        ) {
            (Some(y), Ok(m)) => layout::period_in_window(sel, y, Some(m)),
            _ => true,
        },
        _ => true,
    }
}

fn to_ref(bucket: &str, o: &aws_sdk_s3::types::Object) -> Option<ObjectRef> {
    let key = o.key()?;
    if key.ends_with('/') {
        return None;
    }
    Some(ObjectRef {
        location: Location::S3 {
            bucket: bucket.to_string(),
            key: key.to_string(),
        },
        size: o.size().map(|s| s.max(0) as u64),
        etag: o.e_tag().map(|e| e.trim_matches('"').to_string()),
        layout: layout::parse(key).map(|l: KeyLayout| l),
        modified: o.last_modified().and_then(|t| t.to_millis().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_window_pruning() {
        assert_eq!(
            depth_below_region("AWSLogs/o-1/111122223333/CloudTrail/us-east-1/"),
            0
        );
        assert_eq!(
            depth_below_region("AWSLogs/111122223333/CloudTrail/us-east-1/2024/"),
            1
        );
        assert_eq!(
            depth_below_region("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"),
            3
        );
        let sel = Selection {
            since: Some(crate::time::parse_bound("2024-05-02", false).unwrap()),
            ..Default::default()
        };
        let r = "AWSLogs/111122223333/CloudTrail/us-east-1/";
        assert!(!year_month_in_window(&format!("{r}2023/"), 0, &sel));
        assert!(year_month_in_window(&format!("{r}2024/"), 0, &sel));
        assert!(!year_month_in_window(&format!("{r}2024/04/"), 1, &sel));
        assert!(year_month_in_window(&format!("{r}2024/05/"), 1, &sel));
        assert_eq!(
            stream_prefix("x/AWSLogs/o-1/111122223333/CloudTrail/us-east-1/2024/"),
            Some("x/AWSLogs/o-1/111122223333/CloudTrail/us-east-1/")
        );
        assert_eq!(
            stream_prefix("AWSLogs/111122223333/CloudTrail/us-east-1/"),
            Some("AWSLogs/111122223333/CloudTrail/us-east-1/")
        );
        assert_eq!(stream_prefix("AWSLogs/111122223333/CloudTrail/us-ea"), None);
        assert_eq!(
            super::super::stream_of(
                "s3://b/x/AWSLogs/o-1/111122223333/CloudTrail/us-east-1/2024/05/01/f.json.gz"
            )
            .as_deref(),
            Some("s3://b/x/AWSLogs/o-1/111122223333/CloudTrail/us-east-1/")
        );
        assert!(is_loopback("http://127.0.0.1:8333"));
        assert!(is_loopback("http://localhost:9000/"));
        assert!(!is_loopback("https://s3.eu-west-1.amazonaws.com"));
    }
}
