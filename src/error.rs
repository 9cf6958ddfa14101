//! Typed errors of the library. Every error that concerns one input is reported with the input's
//! name by the caller ([`crate::source::ObjectRef::display_name`]).

use std::io;

/// Why an object could not be turned into events.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file or object has no bytes at all.
    #[error("empty file")]
    Empty,
    /// The gzip stream is truncated or corrupt.
    #[error("corrupt or truncated gzip data: {0}")]
    Gzip(#[source] io::Error),
    /// Decompression would exceed the per-object cap: a gzip bomb or an absurd object.
    #[error(
        "decompressed size exceeds the limit of {limit} bytes (gzip bomb?); raise --max-object-size to read it"
    )]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The bytes are not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The JSON nests deeper than the configured cap.
    #[error("JSON nesting deeper than {0} levels")]
    TooDeep(usize),
    /// A JSON object that is neither a CloudTrail event nor a `{"Records": [...]}` document.
    #[error("JSON document has no \"Records\" array and is not a CloudTrail event")]
    NoRecords,
    /// `Records` exists but is not an array.
    #[error("\"Records\" is not an array")]
    RecordsNotArray,
    /// The document is a JSON scalar or something else that cannot hold events.
    #[error("not a CloudTrail document: top-level JSON {0}")]
    NotCloudTrail(&'static str),
    /// The object did not parse as a whole; its records were read one by one.
    #[error(
        "{cause}; {kept} records recovered one by one, {lost} lost{}",
        if *repaired > 0 { format!(", {repaired} repaired (invalid bytes replaced)") } else { String::new() }
    )]
    Salvaged {
        /// The code of what went wrong (`gzip`, `json`).
        code: &'static str,
        /// What went wrong.
        cause: String,
        /// Records read.
        kept: u64,
        /// Records that could not be read (a truncated tail counts as one).
        lost: u64,
        /// Records read after invalid bytes were replaced.
        repaired: u64,
    },
    /// Some lines of a JSON Lines file were broken; the good lines were read.
    #[error(
        "{bad} of {total} JSON lines are invalid (first at line {first_line}: {first_error}); the other lines were read"
    )]
    BadLines {
        /// Lines that failed.
        bad: usize,
        /// Non-empty lines in the file.
        total: usize,
        /// 1-based number of the first bad line.
        first_line: usize,
        /// Its parse error.
        first_error: String,
    },
}

impl DecodeError {
    /// A short stable code for the summary (`gzip`, `json`, `too_large`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::Gzip(_) => "gzip",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Json(_) => "json",
            DecodeError::TooDeep(_) => "too_deep",
            DecodeError::NoRecords => "no_records",
            DecodeError::RecordsNotArray => "records_not_array",
            DecodeError::NotCloudTrail(_) => "not_cloudtrail",
            DecodeError::BadLines { .. } => "bad_lines",
            DecodeError::Salvaged { code, .. } => code,
        }
    }
}

/// Why an object could not be listed or read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Local I/O.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A FIFO, socket or device where a log file was expected.
    #[error("{0}, not a regular file: not read")]
    NotRegularFile(&'static str),
    /// An S3 call failed after retries.
    #[error("S3 {op} failed: {message}")]
    S3 {
        /// The operation (`GetObject`, `ListObjectsV2`).
        op: &'static str,
        /// The service's or transport's message.
        message: String,
    },
    /// The object is larger than the per-object cap, known before reading it.
    #[error(
        "object size {size} exceeds the limit of {limit} bytes; raise --max-object-size to read it"
    )]
    TooLarge {
        /// Size reported by the listing.
        size: u64,
        /// The cap.
        limit: u64,
    },
}

impl SourceError {
    /// A short stable code for the summary.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::Io(_) => "io",
            SourceError::NotRegularFile(_) => "not_regular_file",
            SourceError::S3 { .. } => "s3",
            SourceError::TooLarge { .. } => "too_large",
        }
    }
}

/// Why a digest, a public key or a signature could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    /// A digest document that lacks a field the checks need, or has one of the wrong form.
    #[error("malformed digest: {0}")]
    Malformed(String),
    /// The public keys file (`--public-keys`) cannot be used.
    #[error("{file}: {reason}")]
    PublicKeys {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// ListPublicKeys failed.
    #[error("CloudTrail ListPublicKeys failed: {0}")]
    ListPublicKeys(String),
}
