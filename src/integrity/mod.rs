//! Can the logs be trusted? CloudTrail log file integrity validation, offline and fast: the
//! same guarantees as `aws cloudtrail validate-logs`, for a local tree or an S3 prefix.
//!
//! * [`digest`]: a digest file's name and document, and the string CloudTrail signs;
//! * [`keys`]: CloudTrail's public keys (a `list-public-keys` file or ListPublicKeys) and the
//!   RSA-SHA256 check (`aws-lc-rs`);
//! * [`read`]: reading and hashing every digest and log file of the sources;
//! * [`check`]: the chain walk and the verdict on every digest and log file;
//! * [`findings`]: the findings of a verdict; [`summary`]: counts, the terminal report and
//!   `integrity.parquet`;
//! * [`verify`]: the `verify` command; `scan --verify` runs [`check`] over what the scan read.
//!
//! Where each fact lives: a digest's own signature is S3 object metadata (`signature`,
//! `signature-algorithm`), not part of its bytes; the next digest repeats it
//! (`previousDigestSignature`) with the hash of the digest's bytes. So a local copy without
//! metadata still proves every digest but the newest of each chain; a sidecar
//! (`<digest>.metadata`, [`crate::source::SIDECAR_SUFFIX`]) restores the newest's.

pub mod check;
pub mod digest;
pub mod findings;
pub mod keys;
pub mod read;
pub mod summary;
pub mod verify;
