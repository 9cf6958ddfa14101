//! Trail discovery: asks CloudTrail where an account's trails deliver their logs, so that a run
//! can scan `s3://bucket/<S3KeyPrefix>/AWSLogs/` without the user knowing the bucket layout.
//!
//! [`discover`] calls `DescribeTrails` (trails whose home region is the client's region; shadow
//! copies of multi-region trails are left out) and `GetTrailStatus` for each, then keeps one
//! [`TrailLocation`] per distinct bucket and prefix. [`to_specs`] turns them into
//! [`SourceSpec`]s.

use super::SourceSpec;
use super::s3::S3Options;
use crate::error::SourceError;
use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::error::{ProvideErrorMetadata, SdkError};
use std::collections::HashSet;

/// Where one trail delivers its logs, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailLocation {
    /// The trail's name.
    pub name: String,
    /// The trail's ARN.
    pub arn: Option<String>,
    /// The region the trail was created in.
    pub home_region: Option<String>,
    /// The bucket the trail delivers to.
    pub bucket: String,
    /// `"<S3KeyPrefix>/"`, or `""` without a key prefix: the folder that contains `AWSLogs/`.
    pub prefix: String,
    /// An organization trail (logs under `AWSLogs/o-xxxxxxxxxx/<account>/`).
    pub is_organization_trail: bool,
    /// Logs every region.
    pub is_multi_region: bool,
    /// Whether the trail is logging now; `None` when `GetTrailStatus` could not tell (for
    /// example an organization trail seen from a member account).
    pub logging: Option<bool>,
}

impl TrailLocation {
    /// `s3://bucket/<prefix>AWSLogs/`, the source to scan for this trail.
    pub fn spec(&self) -> SourceSpec {
        SourceSpec::S3 {
            bucket: self.bucket.clone(),
            prefix: format!("{}AWSLogs/", self.prefix),
        }
    }
}

/// Normalises a trail's `S3KeyPrefix` to the folder form used by [`TrailLocation::prefix`]:
/// no leading slash, exactly one trailing slash, empty when there is no prefix.
pub(super) fn folder_prefix(p: Option<&str>) -> String {
    let p = p.unwrap_or("").trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

/// A one-line description of an SDK error: the service's code and message
/// (`AccessDeniedException: User ... is not authorized ...`), or for transport failures the
/// chain of causes (`dispatch failure: io error: ...: Connection refused (os error 111)`),
/// without the SDK's debug dump of the raw response.
pub(super) fn describe<E, R>(e: &SdkError<E, R>) -> String
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
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

pub(crate) fn cloudtrail_err<E, R>(op: &str, e: SdkError<E, R>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    // `SourceError` has no CloudTrail variant; an I/O error of kind `Other` carries the message.
    SourceError::Io(std::io::Error::other(format!(
        "CloudTrail {op} failed: {}",
        describe(&e)
    )))
}

/// Builds a CloudTrail client the way [`super::s3::S3::connect`] builds the S3 one: the SDK's
/// default credential chain, then the profile, region and endpoint of `opts`.
/// `AWS_ENDPOINT_URL_CLOUDTRAIL` is honoured by the SDK when `opts.endpoint_url` is unset.
pub(crate) async fn connect(opts: &S3Options) -> Client {
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
    let mut b = aws_sdk_cloudtrail::config::Builder::from(&shared);
    if shared.region().is_none() {
        b = b.region(aws_config::Region::new("us-east-1"));
    }
    Client::from_conf(b.build())
}

/// Lists the trails of the client's region with `DescribeTrails` (shadow trails excluded) and
/// asks `GetTrailStatus` whether each is logging. Trails that deliver to the same bucket and
/// prefix are reported once (the first in `DescribeTrails` order). A trail without a bucket is
/// left out. A failed `GetTrailStatus` leaves [`TrailLocation::logging`] unknown; a failed
/// `DescribeTrails` is an error.
pub async fn discover(opts: &S3Options) -> Result<Vec<TrailLocation>, SourceError> {
    let client = connect(opts).await;
    let out = client
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
        .map_err(|e| cloudtrail_err("DescribeTrails", e))?;
    let mut seen = HashSet::new();
    let mut trails = Vec::new();
    for t in out.trail_list() {
        let Some(bucket) = t.s3_bucket_name().filter(|b| !b.is_empty()) else {
            continue;
        };
        let prefix = folder_prefix(t.s3_key_prefix());
        if !seen.insert((bucket.to_string(), prefix.clone())) {
            continue;
        }
        let name = t.name().unwrap_or_default().to_string();
        // The ARN names the trail unambiguously, also outside its home region.
        let id = t.trail_arn().unwrap_or(&name).to_string();
        let logging = if id.is_empty() {
            None
        } else {
            match client.get_trail_status().name(&id).send().await {
                Ok(s) => s.is_logging(),
                Err(e) => {
                    tracing::warn!(
                        trail = %id,
                        error = %describe(&e),
                        "GetTrailStatus failed; the trail's logging state is unknown"
                    );
                    None
                }
            }
        };
        trails.push(TrailLocation {
            name,
            arn: t.trail_arn().map(str::to_string),
            home_region: t.home_region().map(str::to_string),
            bucket: bucket.to_string(),
            prefix,
            is_organization_trail: t.is_organization_trail().unwrap_or(false),
            is_multi_region: t.is_multi_region_trail().unwrap_or(false),
            logging,
        });
    }
    Ok(trails)
}

/// One `s3://bucket/<prefix>AWSLogs/` source per distinct trail location, in the given order.
pub fn to_specs(trails: &[TrailLocation]) -> Vec<SourceSpec> {
    let mut specs: Vec<SourceSpec> = Vec::with_capacity(trails.len());
    for spec in trails.iter().map(TrailLocation::spec) {
        if !specs.contains(&spec) {
            specs.push(spec);
        }
    }
    specs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(name: &str, bucket: &str, prefix: &str) -> TrailLocation {
        TrailLocation {
            name: name.into(),
            arn: None,
            home_region: Some("us-east-1".into()),
            bucket: bucket.into(),
            prefix: prefix.into(),
            is_organization_trail: false,
            is_multi_region: true,
            logging: Some(true),
        }
    }

    #[test]
    fn folder_prefixes() {
        assert_eq!(folder_prefix(None), "");
        assert_eq!(folder_prefix(Some("")), "");
        assert_eq!(folder_prefix(Some("/")), "");
        assert_eq!(folder_prefix(Some("org")), "org/");
        assert_eq!(folder_prefix(Some("a/b/")), "a/b/");
        assert_eq!(folder_prefix(Some("/a/b")), "a/b/");
    }

    #[test]
    fn specs_per_distinct_location() {
        let trails = [
            loc("a", "logs", "org/"),
            loc("b", "logs", ""),
            loc("c", "logs", "org/"),
            loc("d", "other", "org/"),
        ];
        let specs = to_specs(&trails);
        let shown: Vec<String> = specs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "s3://logs/org/AWSLogs/",
                "s3://logs/AWSLogs/",
                "s3://other/org/AWSLogs/"
            ]
        );
        assert_eq!(
            specs[0],
            SourceSpec::S3 {
                bucket: "logs".into(),
                prefix: "org/AWSLogs/".into()
            }
        );
    }
}
