//! The IAM credential report (`aws iam generate-credential-report`, then
//! `aws iam get-credential-report`): one row per IAM user, plus `<root_account>` for the root
//! user, with the state of its password, MFA, access keys and signing certificates.
//!
//! Accepted input, recognised by content (a UTF-8 BOM and leading whitespace are skipped):
//!
//! * the decoded CSV (`user,arn,user_creation_time,password_enabled,...`);
//! * the AWS CLI's JSON output of `aws iam get-credential-report`
//!   (`{"Content": "<base64 of the CSV>", "ReportFormat": "text/csv", "GeneratedTime": ...}`);
//! * the bare base64 `Content` (`--query Content --output text`).
//!
//! Columns are found by header name: their order does not matter and unknown columns are
//! ignored. The columns that say whether a credential exists are required (see
//! [`REQUIRED_COLUMNS`]); the others (`password_next_rotation`, `access_key_N_last_used_*`,
//! `cert_N_*`) may be absent, as in reports from before 2015, and then read as "no information".
//!
//! The report's placeholders become `None` (or a [`LastUsed`] variant where the difference
//! matters): `N/A` (no such credential), `no_information` (never used, or not since IAM started
//! tracking), `not_supported` (the root user has no `password_enabled`) and the empty string.
//! Times are epoch milliseconds (UTC).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use super::details::{parse_aws_time, split_arn};

/// The user name the report gives the root user.
pub const ROOT_USER: &str = "<root_account>";

/// Columns a report must have.
pub const REQUIRED_COLUMNS: [&str; 11] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
];

/// Columns read when present.
const OPTIONAL_COLUMNS: [&str; 11] = [
    "password_next_rotation",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// Why a credential report could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum CredReportError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Nothing but whitespace.
    #[error("{file}: empty file")]
    Empty {
        /// The file, as given.
        file: String,
    },
    /// Neither a credential report CSV nor the CLI's JSON.
    #[error("{file}: not an IAM credential report: {reason}")]
    NotReport {
        /// The file, as given.
        file: String,
        /// What was found instead.
        reason: String,
    },
    /// The JSON form is broken (bad JSON, `Content` not base64, ...).
    #[error("{file}: {reason}")]
    Json {
        /// The file, as given.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The header lacks required columns.
    #[error("{file}: missing column(s) {}", .missing.join(", "))]
    MissingColumns {
        /// The file, as given.
        file: String,
        /// The required columns not in the header.
        missing: Vec<&'static str>,
    },
    /// A malformed CSV line (wrong number of fields, not UTF-8).
    #[error("{file}: line {line}: {reason}")]
    Csv {
        /// The file, as given.
        file: String,
        /// 1-based line in the CSV (of the decoded `Content` for the JSON form).
        line: u64,
        /// The CSV reader's message.
        reason: String,
    },
    /// A cell whose value cannot be read.
    #[error("{file}: line {line}, column {column}: {reason}")]
    Field {
        /// The file, as given.
        file: String,
        /// 1-based line in the CSV.
        line: u64,
        /// The column's name.
        column: &'static str,
        /// What is wrong, with the value.
        reason: String,
    },
}

/// A credential report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialReport {
    /// `GeneratedTime` of the JSON form; `None` for a bare CSV, which does not carry it.
    pub generated: Option<i64>,
    /// The file it was read from.
    pub source: PathBuf,
    /// One row per user, in file order.
    pub rows: Vec<CredentialRow>,
}

/// When a credential was last used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LastUsed {
    /// The credential exists but has no last-used date: never used, or (access keys) last used
    /// before IAM started tracking on 2015-04-22 (`N/A` for an existing access key).
    Never,
    /// `no_information`: for a password, never used or not used since IAM started tracking
    /// on 2014-10-20; also the value when the column is absent.
    NoInformation,
    /// The credential does not exist (`N/A`: no password, no such access key; `not_supported`).
    NotApplicable,
    /// Last used at this time (epoch milliseconds).
    At(i64),
}

impl LastUsed {
    /// The time, when there is one.
    pub fn at(self) -> Option<i64> {
        match self {
            LastUsed::At(t) => Some(t),
            _ => None,
        }
    }
}

/// One access key slot of a row (`access_key_1_*`, `access_key_2_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyStatus {
    /// `access_key_N_active`: the key exists and its status is Active.
    pub active: bool,
    /// `access_key_N_last_rotated`: when the key was created or last rotated.
    pub last_rotated: Option<i64>,
    /// `access_key_N_last_used_date`: [`LastUsed::Never`] when the key exists (active or
    /// rotated) and has no date, [`LastUsed::NotApplicable`] when there is no key.
    pub last_used_date: LastUsed,
    /// `access_key_N_last_used_region`.
    pub last_used_region: Option<String>,
    /// `access_key_N_last_used_service` (a service namespace, `s3`).
    pub last_used_service: Option<String>,
}

/// One user's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRow {
    /// `user` (`<root_account>` for the root user).
    pub user: String,
    /// `arn`.
    pub arn: String,
    /// The account, from the ARN.
    pub account: String,
    /// The root user (`<root_account>`, ARN `arn:aws:iam::<account>:root`).
    pub is_root: bool,
    /// `user_creation_time` (for the root user, the account's creation).
    pub user_creation_time: Option<i64>,
    /// `password_enabled`; `None` for the root user (`not_supported`).
    pub password_enabled: Option<bool>,
    /// `password_last_used`: [`LastUsed::NotApplicable`] without a password (`N/A`),
    /// [`LastUsed::NoInformation`] when never used or not since 2014-10-20 (`no_information`),
    /// [`LastUsed::Never`] only for an `N/A` next to `password_enabled: true`. For the root user
    /// (`password_enabled` `not_supported`) `N/A` reads as [`LastUsed::NotApplicable`].
    pub password_last_used: LastUsed,
    /// `password_last_changed`.
    pub password_last_changed: Option<i64>,
    /// `password_next_rotation` (only with a password policy that expires passwords).
    pub password_next_rotation: Option<i64>,
    /// `mfa_active`: an MFA device is enabled.
    pub mfa_active: bool,
    /// `access_key_1_*` and `access_key_2_*`.
    pub access_keys: [AccessKeyStatus; 2],
    /// `(cert_N_active, cert_N_last_rotated)` for the two X.509 signing certificates.
    pub certs: [(bool, Option<i64>); 2],
}

impl CredentialRow {
    /// The active access keys.
    pub fn active_keys(&self) -> impl Iterator<Item = &AccessKeyStatus> {
        self.access_keys.iter().filter(|k| k.active)
    }
}

impl CredentialReport {
    /// Reads a report file (CSV or the CLI's JSON, told apart by content).
    pub fn load(path: &Path) -> Result<CredentialReport, CredReportError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CredReportError::Io {
            file: name.clone(),
            source,
        })?;
        let mut report = Self::parse_bytes(&name, &bytes)?;
        report.source = path.to_path_buf();
        Ok(report)
    }

    /// Parses a report from bytes; `name` is used in errors and as the source.
    pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<CredentialReport, CredReportError> {
        let body = trim_start(bytes);
        if body.is_empty() {
            return Err(CredReportError::Empty {
                file: name.to_owned(),
            });
        }
        let (generated, csv) = if body[0] == b'{' {
            parse_json(name, body)?
        } else if let Some(csv) = bare_base64(body) {
            (None, csv)
        } else {
            (None, body.to_vec())
        };
        Ok(CredentialReport {
            generated,
            source: PathBuf::from(name),
            rows: parse_csv(name, trim_start(&csv))?,
        })
    }

    /// The root user's row.
    pub fn root(&self) -> Option<&CredentialRow> {
        self.rows.iter().find(|r| r.is_root)
    }

    /// The row of the IAM user with this name.
    pub fn user(&self, name: &str) -> Option<&CredentialRow> {
        self.rows.iter().find(|r| !r.is_root && r.user == name)
    }

    /// The account the report is about (the root row's, else the first row's).
    pub fn account(&self) -> Option<&str> {
        self.root()
            .or(self.rows.first())
            .map(|r| r.account.as_str())
    }
}

/// Skips a UTF-8 BOM and leading whitespace.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

fn decode_base64(text: &[u8]) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    BASE64.decode(compact)
}

/// The JSON form: `(GeneratedTime, decoded Content)`.
fn parse_json(file: &str, body: &[u8]) -> Result<(Option<i64>, Vec<u8>), CredReportError> {
    let json_err = |reason: String| CredReportError::Json {
        file: file.to_owned(),
        reason,
    };
    let v: Value =
        serde_json::from_slice(body).map_err(|e| json_err(format!("not valid JSON: {e}")))?;
    let Some(content) = v.get("Content") else {
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().take(6).map(String::as_str).collect())
            .unwrap_or_default();
        return Err(CredReportError::NotReport {
            file: file.to_owned(),
            reason: format!(
                "a JSON object without \"Content\" (keys: {}), not the output of `aws iam \
                 get-credential-report`",
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        });
    };
    let Value::String(content) = content else {
        return Err(json_err(
            "\"Content\" is not a string (expected the base64 of the CSV)".to_owned(),
        ));
    };
    match v.get("ReportFormat") {
        None | Some(Value::Null) => {}
        Some(Value::String(f)) if f.eq_ignore_ascii_case("text/csv") => {}
        Some(other) => {
            return Err(json_err(format!(
                "\"ReportFormat\" is {other}, only \"text/csv\" is known"
            )));
        }
    }
    let generated =
        match v.get("GeneratedTime") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_aws_time(s).ok_or_else(|| {
                json_err(format!("\"GeneratedTime\" `{s}` is not an ISO 8601 time"))
            })?),
            Some(other) => {
                return Err(json_err(format!(
                    "\"GeneratedTime\" is {other}, not an ISO 8601 time"
                )));
            }
        };
    let csv = decode_base64(content.as_bytes())
        .map_err(|e| json_err(format!("\"Content\" is not valid base64: {e}")))?;
    Ok((generated, csv))
}

/// The bare base64 `Content`, decoded, if the body is one.
fn bare_base64(body: &[u8]) -> Option<Vec<u8>> {
    let is_b64 =
        |c: &u8| c.is_ascii_alphanumeric() || b"+/=".contains(c) || c.is_ascii_whitespace();
    if body.len() < 8 || !body.iter().all(is_b64) {
        return None;
    }
    let decoded = decode_base64(body).ok()?;
    let first_line = trim_start(&decoded).split(|&c| c == b'\n').next()?;
    let first_line = std::str::from_utf8(first_line).ok()?.to_ascii_lowercase();
    (first_line.contains("user") && first_line.contains("arn")).then_some(decoded)
}

/// Header name -> index, for the columns this module reads.
struct Columns {
    at: Vec<(&'static str, usize)>,
}

impl Columns {
    fn index(&self, name: &str) -> Option<usize> {
        self.at.iter().find(|(n, _)| *n == name).map(|(_, i)| *i)
    }
}

/// A cell, classified.
enum Cell<'a> {
    /// The column is not in the report.
    Absent,
    /// `N/A`, `not_supported` or empty.
    NotApplicable,
    /// `no_information`.
    NoInformation,
    /// Anything else.
    Value(&'a str),
}

/// One record, with what is needed to name errors.
struct Row<'a> {
    rec: &'a csv::StringRecord,
    cols: &'a Columns,
    file: &'a str,
    line: u64,
}

impl<'a> Row<'a> {
    fn cell(&self, col: &'static str) -> Cell<'a> {
        let Some(i) = self.cols.index(col) else {
            return Cell::Absent;
        };
        let v = self.rec.get(i).unwrap_or("").trim();
        if v.is_empty() || v.eq_ignore_ascii_case("N/A") || v.eq_ignore_ascii_case("not_supported")
        {
            Cell::NotApplicable
        } else if v.eq_ignore_ascii_case("no_information") {
            Cell::NoInformation
        } else {
            Cell::Value(v)
        }
    }

    fn err(&self, column: &'static str, reason: String) -> CredReportError {
        CredReportError::Field {
            file: self.file.to_owned(),
            line: self.line,
            column,
            reason,
        }
    }

    fn text(&self, col: &'static str) -> Option<String> {
        match self.cell(col) {
            Cell::Value(v) => Some(v.to_owned()),
            _ => None,
        }
    }

    fn time(&self, col: &'static str) -> Result<Option<i64>, CredReportError> {
        match self.cell(col) {
            Cell::Value(v) => parse_aws_time(v).map(Some).ok_or_else(|| {
                self.err(
                    col,
                    format!(
                        "`{v}` is not a time (expected ISO 8601, e.g. 2024-06-30T12:00:00+00:00)"
                    ),
                )
            }),
            _ => Ok(None),
        }
    }

    fn bool(&self, col: &'static str) -> Result<Option<bool>, CredReportError> {
        match self.cell(col) {
            Cell::Value(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Cell::Value(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Cell::Value(v) => Err(self.err(col, format!("`{v}` is not true or false"))),
            _ => Ok(None),
        }
    }

    /// A last-used date; `exists` says whether the credential exists, which tells
    /// [`LastUsed::Never`] from [`LastUsed::NotApplicable`] for `N/A`.
    fn last_used(&self, col: &'static str, exists: bool) -> Result<LastUsed, CredReportError> {
        Ok(match self.cell(col) {
            Cell::Value(_) => LastUsed::At(self.time(col)?.unwrap_or_default()),
            Cell::NoInformation | Cell::Absent => LastUsed::NoInformation,
            Cell::NotApplicable if exists => LastUsed::Never,
            Cell::NotApplicable => LastUsed::NotApplicable,
        })
    }

    fn key(&self, n: usize) -> Result<AccessKeyStatus, CredReportError> {
        let [active, rotated, used, region, service] = if n == 1 {
            [
                "access_key_1_active",
                "access_key_1_last_rotated",
                "access_key_1_last_used_date",
                "access_key_1_last_used_region",
                "access_key_1_last_used_service",
            ]
        } else {
            [
                "access_key_2_active",
                "access_key_2_last_rotated",
                "access_key_2_last_used_date",
                "access_key_2_last_used_region",
                "access_key_2_last_used_service",
            ]
        };
        let active = self.bool(active)?.unwrap_or(false);
        let last_rotated = self.time(rotated)?;
        Ok(AccessKeyStatus {
            active,
            last_rotated,
            last_used_date: self.last_used(used, active || last_rotated.is_some())?,
            last_used_region: self.text(region),
            last_used_service: self.text(service),
        })
    }

    fn parse(&self) -> Result<CredentialRow, CredReportError> {
        let user = match self.cell("user") {
            Cell::Value(v) => v.to_owned(),
            _ => return Err(self.err("user", "empty user name".to_owned())),
        };
        let arn = self.text("arn").unwrap_or_default();
        let Some((_, account)) = split_arn(&arn) else {
            return Err(self.err(
                "arn",
                format!("`{arn}` is not an ARN (arn:partition:iam::account:...)"),
            ));
        };
        let account = account.to_owned();
        let is_root = user == ROOT_USER || arn.ends_with(":root");
        let password_enabled = self.bool("password_enabled")?;
        Ok(CredentialRow {
            user_creation_time: self.time("user_creation_time")?,
            password_last_used: self
                .last_used("password_last_used", password_enabled == Some(true))?,
            password_last_changed: self.time("password_last_changed")?,
            password_next_rotation: self.time("password_next_rotation")?,
            mfa_active: self.bool("mfa_active")?.unwrap_or(false),
            access_keys: [self.key(1)?, self.key(2)?],
            certs: [
                (
                    self.bool("cert_1_active")?.unwrap_or(false),
                    self.time("cert_1_last_rotated")?,
                ),
                (
                    self.bool("cert_2_active")?.unwrap_or(false),
                    self.time("cert_2_last_rotated")?,
                ),
            ],
            password_enabled,
            user,
            arn,
            account,
            is_root,
        })
    }
}

fn csv_line(e: &csv::Error) -> u64 {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos: Some(p), .. }
        | csv::ErrorKind::UnequalLengths { pos: Some(p), .. } => p.line(),
        _ => e.position().map_or(0, |p| p.line()),
    }
}

fn parse_csv(file: &str, csv: &[u8]) -> Result<Vec<CredentialRow>, CredReportError> {
    let not_report = |reason: &str| CredReportError::NotReport {
        file: file.to_owned(),
        reason: reason.to_owned(),
    };
    if csv.is_empty() {
        return Err(not_report("the report is empty (not even a header line)"));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(csv);
    let headers = rdr
        .headers()
        .map_err(|_| not_report("the first line is not a CSV header of UTF-8 text"))?
        .clone();
    let mut at = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_ascii_lowercase();
        if let Some(&name) = REQUIRED_COLUMNS
            .iter()
            .chain(OPTIONAL_COLUMNS.iter())
            .find(|n| **n == h)
            && !at.iter().any(|(n, _)| *n == name)
        {
            at.push((name, i));
        }
    }
    let cols = Columns { at };
    let missing: Vec<&'static str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| cols.index(c).is_none())
        .collect();
    if cols.at.len() < 2 {
        return Err(not_report(
            "the first line is not the report's header (user,arn,user_creation_time,...)",
        ));
    }
    if !missing.is_empty() {
        return Err(CredReportError::MissingColumns {
            file: file.to_owned(),
            missing,
        });
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CredReportError::Csv {
            file: file.to_owned(),
            line: csv_line(&e),
            reason: e.to_string(),
        })?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = Row {
            rec: &rec,
            cols: &cols,
            file,
            line: rec.position().map_or(0, |p| p.line()),
        };
        rows.push(row.parse()?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_event_time;
    use proptest::prelude::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/iam")).join(name)
    }

    fn csv_text() -> String {
        std::fs::read_to_string(fixture("credential-report.csv")).unwrap()
    }

    fn ms(s: &str) -> i64 {
        parse_event_time(s).unwrap()
    }

    fn parse(text: &str) -> Result<CredentialReport, CredReportError> {
        CredentialReport::parse_bytes("r.csv", text.as_bytes())
    }

    fn err(text: &[u8]) -> String {
        CredentialReport::parse_bytes("r.csv", text)
            .unwrap_err()
            .to_string()
    }

    /// The CSV with one column removed.
    fn without_columns(drop: &[&str]) -> String {
        let text = csv_text();
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = rdr.headers().unwrap().clone();
        let keep: Vec<usize> = (0..headers.len())
            .filter(|&i| !drop.contains(&&headers[i]))
            .collect();
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(keep.iter().map(|&i| &headers[i])).unwrap();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            out.write_record(keep.iter().map(|&i| &rec[i])).unwrap();
        }
        String::from_utf8(out.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn both_forms_give_the_same_report() {
        let csv = CredentialReport::load(&fixture("credential-report.csv")).unwrap();
        let json = CredentialReport::load(&fixture("credential-report.json")).unwrap();
        assert_eq!(csv.generated, None);
        assert_eq!(json.generated, Some(ms("2024-06-30T12:00:00Z")));
        assert_eq!(csv.source, fixture("credential-report.csv"));
        assert_eq!(json.source, fixture("credential-report.json"));
        assert_eq!(csv.rows.len(), 6);
        assert_eq!(csv.rows, json.rows);
        assert_eq!(csv.account(), Some("111122223333"));

        // The bare base64 `Content`, with a BOM, whitespace and line breaks.
        let v: Value =
            serde_json::from_slice(&std::fs::read(fixture("credential-report.json")).unwrap())
                .unwrap();
        let b64 = v["Content"].as_str().unwrap();
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let bare = format!("\u{FEFF}\n  {}\n", wrapped.join("\n"));
        assert_eq!(parse(&bare).unwrap().rows, csv.rows);

        // JSON with a BOM and leading whitespace; CSV with a BOM and CRLF.
        let json_text = std::fs::read_to_string(fixture("credential-report.json")).unwrap();
        let r = parse(&format!("\u{FEFF} \r\n{json_text}")).unwrap();
        assert_eq!((r.generated, &r.rows), (json.generated, &csv.rows));
        let crlf = format!("\u{FEFF}{}", csv_text().replace('\n', "\r\n"));
        assert_eq!(parse(&crlf).unwrap().rows, csv.rows);
    }

    #[test]
    fn root_row() {
        let r = CredentialReport::load(&fixture("credential-report.csv")).unwrap();
        let root = r.root().unwrap();
        assert_eq!(root.user, ROOT_USER);
        assert!(root.is_root);
        assert_eq!(root.arn, "arn:aws:iam::111122223333:root");
        assert_eq!(root.account, "111122223333");
        assert_eq!(root.user_creation_time, Some(ms("2017-03-01T09:00:00Z")));
        assert_eq!(root.password_enabled, None);
        assert_eq!(
            root.password_last_used,
            LastUsed::At(ms("2024-05-02T08:15:44Z"))
        );
        assert_eq!(root.password_last_changed, None);
        assert_eq!(root.password_next_rotation, None);
        assert!(!root.mfa_active);
        let k = &root.access_keys[0];
        assert!(k.active);
        assert_eq!(k.last_rotated, Some(ms("2019-04-10T12:00:00Z")));
        assert_eq!(k.last_used_date, LastUsed::At(ms("2024-06-01T09:30:00Z")));
        assert_eq!(k.last_used_region.as_deref(), Some("us-east-1"));
        assert_eq!(k.last_used_service.as_deref(), Some("iam"));
        assert_eq!(
            root.access_keys[1],
            AccessKeyStatus {
                active: false,
                last_rotated: None,
                last_used_date: LastUsed::NotApplicable,
                last_used_region: None,
                last_used_service: None,
            }
        );
        assert_eq!(root.active_keys().count(), 1);
        assert_eq!(root.certs, [(false, None), (false, None)]);
        assert!(r.user(ROOT_USER).is_none());
    }

    #[test]
    fn user_rows() {
        let r = CredentialReport::load(&fixture("credential-report.csv")).unwrap();
        let users: Vec<&str> = r.rows.iter().map(|r| r.user.as_str()).collect();
        assert_eq!(
            users,
            [ROOT_USER, "alice", "bob", "carol-admin", "dave", "erin"]
        );

        let alice = r.user("alice").unwrap();
        assert!(!alice.is_root);
        assert_eq!(alice.password_enabled, Some(true));
        assert_eq!(
            alice.password_last_used,
            LastUsed::At(ms("2024-06-29T14:02:11Z"))
        );
        assert_eq!(
            alice.password_last_changed,
            Some(ms("2024-01-10T09:00:00Z"))
        );
        assert!(alice.mfa_active);
        assert_eq!(alice.active_keys().count(), 0);

        let bob = r.user("bob").unwrap();
        assert_eq!(bob.arn, "arn:aws:iam::111122223333:user/ci/bob");
        assert_eq!(bob.password_enabled, Some(true));
        assert!(!bob.mfa_active);
        assert_eq!(
            bob.password_last_used.at(),
            Some(ms("2023-02-14T18:20:00Z"))
        );
        assert_eq!(
            bob.certs,
            [(true, Some(ms("2020-01-15T10:00:00Z"))), (false, None)]
        );

        let carol = r.user("carol-admin").unwrap();
        assert_eq!(carol.password_enabled, Some(false));
        assert_eq!(carol.password_last_used, LastUsed::NotApplicable);
        let [k1, k2] = &carol.access_keys;
        assert!(k1.active && k2.active);
        assert_eq!(k1.last_rotated, Some(ms("2022-06-30T10:00:00Z")));
        assert_eq!(k1.last_used_date, LastUsed::At(ms("2024-06-29T21:13:00Z")));
        assert_eq!(
            (
                k1.last_used_region.as_deref(),
                k1.last_used_service.as_deref()
            ),
            (Some("eu-west-1"), Some("s3"))
        );
        assert_eq!(k2.last_rotated, Some(ms("2024-03-01T08:00:00Z")));
        assert_eq!(k2.last_used_date, LastUsed::Never);
        assert_eq!(
            (&k2.last_used_region, &k2.last_used_service),
            (&None, &None)
        );

        let dave = r.user("dave").unwrap();
        assert_eq!(dave.password_enabled, Some(true));
        assert_eq!(dave.password_last_used, LastUsed::NoInformation);
        assert_eq!(dave.password_last_used.at(), None);

        let erin = r.user("erin").unwrap();
        assert_eq!(erin.password_enabled, Some(false));
        assert_eq!(erin.password_last_used, LastUsed::NotApplicable);
        assert_eq!(erin.password_last_changed, None);
        assert!(!erin.mfa_active);
        for k in &erin.access_keys {
            assert_eq!(
                (k.active, k.last_rotated, k.last_used_date),
                (false, None, LastUsed::NotApplicable)
            );
        }
        assert_eq!(erin.certs, [(false, None), (false, None)]);
    }

    #[test]
    fn columns_by_name() {
        let full = parse(&csv_text()).unwrap();
        // Reversed order plus an unknown column.
        let text = csv_text();
        let mut out = csv::Writer::from_writer(Vec::new());
        for (i, line) in text.lines().enumerate() {
            let rec = csv::StringRecord::from(line.split(',').collect::<Vec<_>>());
            let mut cells: Vec<&str> = rec.iter().rev().collect();
            cells.push(if i == 0 { "future_column" } else { "x" });
            out.write_record(&cells).unwrap();
        }
        let shuffled = String::from_utf8(out.into_inner().unwrap()).unwrap();
        assert_eq!(parse(&shuffled).unwrap().rows, full.rows);

        // Optional columns absent: no information.
        let old = without_columns(&[
            "access_key_1_last_used_date",
            "access_key_1_last_used_region",
            "access_key_1_last_used_service",
            "access_key_2_last_used_date",
            "access_key_2_last_used_region",
            "access_key_2_last_used_service",
            "cert_1_active",
            "cert_1_last_rotated",
            "cert_2_active",
            "cert_2_last_rotated",
            "password_next_rotation",
        ]);
        let r = parse(&old).unwrap();
        let carol = r.user("carol-admin").unwrap();
        assert_eq!(carol.access_keys[1].last_used_date, LastUsed::NoInformation);
        assert_eq!(carol.access_keys[0].last_used_region, None);
        assert_eq!(r.user("bob").unwrap().certs, [(false, None), (false, None)]);
    }

    #[test]
    fn missing_columns_are_named() {
        let e = parse(&without_columns(&["mfa_active"])).unwrap_err();
        assert!(matches!(e, CredReportError::MissingColumns { .. }));
        assert_eq!(e.to_string(), "r.csv: missing column(s) mfa_active");
        assert_eq!(
            parse(&without_columns(&["arn", "access_key_2_active"]))
                .unwrap_err()
                .to_string(),
            "r.csv: missing column(s) arn, access_key_2_active"
        );
    }

    #[test]
    fn bad_cells_are_named() {
        let text = csv_text().replace("2022-06-30T10:00:00+00:00", "last summer");
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "r.csv: line 5, column access_key_1_last_rotated: `last summer` is not a time \
             (expected ISO 8601, e.g. 2024-06-30T12:00:00+00:00)"
        );
        let text = csv_text().replace(
            "alice,arn:aws:iam::111122223333:user/alice,2021-03-15T10:22:31+00:00,true",
            "alice,arn:aws:iam::111122223333:user/alice,2021-03-15T10:22:31+00:00,yes",
        );
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "r.csv: line 3, column password_enabled: `yes` is not true or false"
        );
        let text = csv_text().replace("arn:aws:iam::111122223333:user/dave", "dave");
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "r.csv: line 6, column arn: `dave` is not an ARN (arn:partition:iam::account:...)"
        );
        // A line cut short.
        let mut text = csv_text();
        text.push_str("frank,arn:aws:iam::111122223333:user/frank,2024-01-01T00:00:00+00:00\n");
        let e = parse(&text).unwrap_err();
        assert!(matches!(e, CredReportError::Csv { line: 8, .. }), "{e}");
    }

    #[test]
    fn garbage() {
        assert_eq!(err(b""), "r.csv: empty file");
        assert_eq!(err(b"\xEF\xBB\xBF  \n"), "r.csv: empty file");
        assert_eq!(
            err(b"hello world\nthis is not a report\n"),
            "r.csv: not an IAM credential report: the first line is not the report's header \
             (user,arn,user_creation_time,...)"
        );
        assert_eq!(
            err(b"\x00\xFF\xFE garbage"),
            "r.csv: not an IAM credential report: the first line is not a CSV header of UTF-8 text"
        );
        assert_eq!(
            err(br#"{"UserDetailList": []}"#),
            "r.csv: not an IAM credential report: a JSON object without \"Content\" (keys: \
             UserDetailList), not the output of `aws iam get-credential-report`"
        );
        let e = err(br#"{"Content": "not base64!", "ReportFormat": "text/csv"}"#);
        assert!(
            e.starts_with("r.csv: \"Content\" is not valid base64: "),
            "{e}"
        );
        let e = err(br#"{"Content": "dXNlcg==", "ReportFormat": "application/pdf"}"#);
        assert_eq!(
            e,
            "r.csv: \"ReportFormat\" is \"application/pdf\", only \"text/csv\" is known"
        );
        let e = err(br#"{"Content": "dXNlcg==", "GeneratedTime": "soon"}"#);
        assert_eq!(e, "r.csv: \"GeneratedTime\" `soon` is not an ISO 8601 time");
        let e = err(br#"{"Content": 5}"#);
        assert!(e.contains("\"Content\" is not a string"), "{e}");
        let e = err(b"{\"Content\": ");
        assert!(e.starts_with("r.csv: not valid JSON: "), "{e}");
        // base64 of something else.
        let e = err(br#"{"Content": "aGVsbG8="}"#);
        assert!(e.contains("not the report's header"), "{e}");
        let e = err(br#"{"Content": ""}"#);
        assert!(e.contains("the report is empty"), "{e}");
        let e = CredentialReport::load(Path::new("/nonexistent/report.csv")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/report.csv: cannot read: ")
        );
    }

    #[test]
    fn header_only_is_an_empty_report() {
        let header = csv_text().lines().next().unwrap().to_owned();
        let r = parse(&header).unwrap();
        assert!(r.rows.is_empty());
        assert_eq!(r.account(), None);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = CredentialReport::parse_bytes("r.csv", &bytes);
            let mut json = b"{\"Content\": \"".to_vec();
            json.extend(BASE64.encode(&bytes).as_bytes());
            json.extend(b"\"}");
            let _ = CredentialReport::parse_bytes("r.json", &json);
        }

        #[test]
        fn random_cells_never_panic(
            cells in prop::collection::vec(
                prop_oneof![
                    Just("N/A".to_owned()),
                    Just("no_information".to_owned()),
                    Just("true".to_owned()),
                    Just("2024-06-30T12:00:00+00:00".to_owned()),
                    "[a-z0-9:/+ -]{0,30}",
                ],
                0..30,
            ),
        ) {
            let mut text = csv_text().lines().next().unwrap().to_owned();
            text.push('\n');
            text.push_str(&cells.join(","));
            let _ = parse(&text);
        }
    }
}
