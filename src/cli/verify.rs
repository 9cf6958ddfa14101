//! `trailguard verify`: its arguments and their configuration.

use super::{parse_severity, parse_size, parse_window, validate_accounts};
use crate::detect::Severity;
use crate::source::fetch::FetchOptions;
use crate::source::s3::S3Options;
use crate::source::{Selection, SourceSpec};
use clap::Args;
use std::path::PathBuf;

pub(super) const VERIFY_EXAMPLES: &str = "\
Examples:
  # A trail bucket, signatures checked with the keys ListPublicKeys gives
  trailguard verify s3://my-trail-bucket/AWSLogs/ --since 2024-05-01 --until 2024-05-31 --out out/

  # Offline: a local copy and the keys saved beforehand
  aws cloudtrail list-public-keys --start-time 2024-05-01 > keys.json
  trailguard verify ./copy/AWSLogs/ --public-keys keys.json

  # Download while verifying, keeping each digest's signature in a sidecar for later offline runs
  trailguard verify s3://my-trail-bucket/AWSLogs/ --public-keys keys.json --download ./copy/

  # Hash chain and log hashes only, no signatures
  trailguard verify ./copy/ --no-signatures --json";

/// `trailguard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Local folders and s3://bucket/prefix URLs holding `AWSLogs/.../CloudTrail/` and
    /// `CloudTrail-Digest/`.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Write integrity.parquet, integrity.json, findings.jsonl and findings.parquet here.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only digests of hours ending at or after this time, and log files delivered from it.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only log files delivered at or before this time (and the digests up to two hours later
    /// that name them).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only these accounts (comma-separated 12-digit IDs).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub accounts: Option<Vec<String>>,
    /// Only these regions (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Option<Vec<String>>,
    /// CloudTrail's public keys: the JSON of `aws cloudtrail list-public-keys`. Without it,
    /// verify calls ListPublicKeys in the trails' home regions.
    #[arg(long, value_name = "FILE", conflicts_with = "no_signatures")]
    pub public_keys: Option<PathBuf>,
    /// Check the hash chain and the log hashes only, no signatures.
    #[arg(long)]
    pub no_signatures: bool,
    /// Keep a copy of every log and digest file read under DIR (by key), each digest's S3
    /// metadata in a `<digest>.metadata` sidecar, so that a later offline verify checks every
    /// signature.
    #[arg(long, value_name = "DIR")]
    pub download: Option<PathBuf>,
    /// Exit with code 4 when a problem at or above this severity is found.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Print the summary as JSON (the content of integrity.json) instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Hashing threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// CloudTrail endpoint for ListPublicKeys (also AWS_ENDPOINT_URL_CLOUDTRAIL).
    #[arg(long, value_name = "URL")]
    pub cloudtrail_endpoint_url: Option<String>,
    /// How to reach S3.
    #[command(flatten)]
    pub s3: super::S3Args,
    /// Refuse objects larger than this, compressed or decompressed. Accepts K, M, G suffixes.
    #[arg(long, default_value = "256M", value_name = "BYTES")]
    pub max_object_size: String,
    /// No report on stdout.
    #[arg(short, long)]
    pub quiet: bool,
}

impl VerifyArgs {
    /// The configuration of a verify run.
    pub fn to_config(&self) -> anyhow::Result<crate::integrity::verify::VerifyConfig> {
        use crate::integrity::verify::{KeySource, VerifyConfig};
        let sources = self
            .sources
            .iter()
            .map(|s| SourceSpec::parse(s).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (since, until) = parse_window(self.since.as_deref(), self.until.as_deref())?;
        if let Some(a) = &self.accounts {
            validate_accounts(a)?;
        }
        let max = parse_size(&self.max_object_size)
            .map_err(|e| anyhow::anyhow!("--max-object-size: {e}"))?;
        let threads = self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
        let s3 = self.s3.options();
        let keys = match (&self.public_keys, self.no_signatures) {
            (Some(p), _) => KeySource::File(p.clone()),
            (None, true) => KeySource::None,
            (None, false) => KeySource::Api(S3Options {
                endpoint_url: self.cloudtrail_endpoint_url.clone(),
                path_style: false,
                ..s3.clone()
            }),
        };
        Ok(VerifyConfig {
            sources,
            selection: Selection {
                since,
                until,
                accounts: self.accounts.clone(),
                regions: self.regions.clone(),
                digests: true,
            },
            fetch: FetchOptions {
                max_object_size: max,
                s3_concurrency: self.s3.s3_concurrency.max(1),
                local_concurrency: threads.max(2) * 2,
                s3,
                seen: None,
                in_flight_bytes: (max * 2).max(64 << 20),
                exclude: Vec::new(),
            },
            threads,
            keys,
            out_dir: self.out.clone(),
            download: self.download.clone(),
            fail_on: self.fail_on,
        })
    }
}
