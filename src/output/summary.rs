//! `summary.json` and the human summary printed on stdout.

use super::terminal::{self, Screen, group_digits};
use crate::text::escape;
use serde::Serialize;
use std::collections::BTreeMap;

/// An input that could not be read, or only partly.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// `s3://bucket/key` or the local path.
    pub path: String,
    /// Stable reason code (`gzip`, `json`, `too_large`, `too_deep`, `no_records`,
    /// `records_not_array`, `empty`, `not_cloudtrail`, `bad_lines`, `io`, `s3`, `list`).
    pub kind: String,
    /// The full message.
    pub error: String,
    /// Whether records of this object were still read (JSON Lines with some bad lines).
    pub partial: bool,
}

/// An unmapped `(eventSource, eventName)` and its event count.
#[derive(Clone, Debug, Serialize)]
pub struct Unmapped {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// Events.
    pub events: u64,
}

/// How well events mapped to IAM actions.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MappingCoverage {
    /// Share of events whose IAM action is known (mapped, or known to need none).
    pub events_resolved_share: f64,
    /// Share of events mapped to at least one IAM action.
    pub events_mapped_share: f64,
    /// Share of distinct `(eventSource, eventName)` pairs resolved.
    pub event_names_resolved_share: f64,
    /// Distinct `(eventSource, eventName)` pairs.
    pub distinct_event_names: u64,
    /// Events per status (`mapped`, `no_iam_action`, `service_event`, `unmapped`).
    pub events_by_status: BTreeMap<String, u64>,
    /// Distinct names per status.
    pub event_names_by_status: BTreeMap<String, u64>,
    /// The most frequent unmapped names (up to 20).
    pub top_unmapped: Vec<Unmapped>,
}

/// Records set aside for an implausible `eventTime`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImplausibleTime {
    /// How many.
    pub events: u64,
    /// The first few, with the object that held them.
    pub examples: Vec<ImplausibleExample>,
}

/// One record set aside for its time.
#[derive(Clone, Debug, Serialize)]
pub struct ImplausibleExample {
    /// The object.
    pub path: String,
    /// Its `eventID`.
    pub event_id: String,
    /// Its `eventTime`, as written.
    pub event_time: String,
}

/// Everything a run did, written as `summary.json`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    /// trailguard version.
    pub version: String,
    /// Sources as given.
    pub sources: Vec<String>,
    /// `--since`, RFC 3339.
    pub since: Option<String>,
    /// `--until`, RFC 3339.
    pub until: Option<String>,
    /// Objects listed (read + skipped + failed).
    pub objects_listed: u64,
    /// Objects decoded (including partly read ones).
    pub objects_read: u64,
    /// Objects listed but not read, per reason.
    pub objects_skipped: BTreeMap<String, u64>,
    /// S3 prefixes pruned without listing, per reason.
    pub prefixes_skipped: BTreeMap<String, u64>,
    /// Objects that failed entirely or partly.
    pub objects_failed: u64,
    /// Every failure, with its path and reason.
    pub failed: Vec<Failure>,
    /// Records parsed, including duplicates and filtered ones.
    pub records_read: u64,
    /// Array elements or lines that were not JSON objects.
    pub invalid_records: u64,
    /// Records dated where CloudTrail cannot have written them (after their object's delivery,
    /// or long before it): set aside, not counted as events.
    pub implausible_time: ImplausibleTime,
    /// Records dropped as duplicates of an `eventID` already counted.
    pub duplicates: u64,
    /// Records outside `--since/--until`.
    pub events_outside_window: u64,
    /// Records excluded by `--accounts/--regions`.
    pub events_filtered: u64,
    /// Events counted in `activity.parquet` (`records_read - duplicates - outside - filtered`).
    pub events: u64,
    /// Events that arrived after their day had been written (extra rows for that day).
    pub late_events: u64,
    /// Rows in `activity.parquet`.
    pub activity_rows: u64,
    /// Objects per document shape.
    pub shapes: BTreeMap<String, u64>,
    /// Bytes as read.
    pub compressed_bytes: u64,
    /// Bytes after decompression.
    pub uncompressed_bytes: u64,
    /// Wall time.
    pub elapsed_seconds: f64,
    /// `events / elapsed_seconds`.
    pub events_per_second: f64,
    /// Uncompressed MB (10^6 bytes) per second.
    pub uncompressed_mb_per_second: f64,
    /// Peak resident memory of the process.
    pub peak_rss_bytes: u64,
    /// Decoder threads.
    pub threads: usize,
    /// Event -> IAM action mapping coverage.
    pub mapping: MappingCoverage,
    /// Detection rules that ran.
    pub rules_run: Vec<String>,
    /// Rows of `permissions.parquet`.
    pub permission_rows: u64,
    /// Policy documents written under `policies/`.
    pub policies_written: u64,
    /// Principals whose suggestion passed the replay (each observed call still allowed, no
    /// sampled request allowed that today's grant refuses).
    pub suggestions_verified: u64,
    /// The trails `--trail` named: location, status and what their selectors record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trails: Vec<crate::source::trail_report::TrailReport>,
    /// Existing policies considered for refinement (`policies/refinements.json`), by outcome:
    /// `refine`, `replace`, `detach`, `unchanged`, `skipped`, `failed`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub refinements: std::collections::BTreeMap<String, u64>,
    /// Principals `--exclude` names: `ARN: the matching entry`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded_principals: Vec<String>,
    /// Principals left alone for `--grace`: `ARN: what changed recently`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub in_grace_period: Vec<String>,
    /// Principals whose suggestion failed the replay and was not written: `ARN: reason`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions_unverified: Vec<String>,
    /// Accounts of `--iam-details` of which no CloudTrail event was read in the window: their
    /// principals get "no evidence" (a report, no finding, no suggestion).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub no_evidence_accounts: Vec<String>,
    /// Entities of `--iam-details` left out because IAM could not have produced them (a bad
    /// account, name, path or ARN), each with its file and why.
    pub inventory_rejected: Vec<crate::iam::details::Rejected>,
    /// Selected rules that could not run, with why (a missing input).
    pub rules_not_run: Vec<crate::detect::posture::NotRun>,
    /// The period "unused" was judged over (`--window`), when an end could be found.
    pub window: Option<crate::time::Window>,
    /// Findings per severity.
    pub findings_by_severity: BTreeMap<String, u64>,
    /// Findings per rule.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// The findings, for the summary on stdout (written to findings.*, not to summary.json).
    #[serde(skip)]
    pub findings: Vec<super::findings::Finding>,
    /// Per account: objects, events, regions and hours delivered, findings.
    pub accounts: Vec<crate::coverage::AccountCoverage>,
    /// Why the run exits with `exit_code`: every condition met (a partial read, no events,
    /// `--fail-on`), the deciding one first; empty for a clean run.
    pub exit_reasons: Vec<String>,
    /// The files written in the output folder, relative to it.
    pub outputs: Vec<String>,
    /// The output folder.
    pub out_dir: String,
    /// `--state`: what was loaded, added, aged out and written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateSummary>,
    /// The process exit code this run ends with.
    pub exit_code: i32,
    /// `--verify`: the integrity counts over every account and region (digests valid,
    /// invalid, missing; log files valid, modified, deleted, not in any digest, undigested).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub integrity: std::collections::BTreeMap<String, u64>,
    /// `--verify`: the checks that ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub integrity_checks: Vec<String>,
}

fn mb(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

impl RunSummary {
    /// The human summary for stdout, laid out for `screen`: what was read, per account, what
    /// could not run and what failed, then the findings (most severe first, as many as fit a
    /// terminal), what was written, what to run next, and why the run exits as it does.
    pub fn human(&self, screen: &Screen) -> String {
        let mut top: Vec<String> = Vec::new();
        let skipped: u64 = self.objects_skipped.values().sum();
        top.push(format!(
            "trailguard: {} objects read, {} skipped, {} failed ({} compressed, {} JSON)",
            group_digits(self.objects_read),
            group_digits(skipped),
            self.objects_failed,
            mb(self.compressed_bytes),
            mb(self.uncompressed_bytes),
        ));
        top.push(format!(
            "  time: {:.2} s ({:.0} MB/s of JSON, {} events/s)",
            self.elapsed_seconds,
            self.uncompressed_mb_per_second,
            group_digits(self.events_per_second as u64)
        ));
        let mut set_aside = Vec::new();
        for (n, what) in [
            (self.duplicates, "duplicates"),
            (self.events_outside_window, "outside --since/--until"),
            (self.events_filtered, "filtered by --accounts/--regions"),
            (self.implausible_time.events, "implausible times set aside"),
        ] {
            if n > 0 {
                set_aside.push(format!("{} {what}", group_digits(n)));
            }
        }
        top.push(format!(
            "  events: {} counted of {} records{}{}",
            group_digits(self.events),
            group_digits(self.records_read),
            if set_aside.is_empty() {
                String::new()
            } else {
                format!(" ({})", set_aside.join(", "))
            },
            if self.events > 0 {
                format!(
                    "; IAM action known for {:.1}% of them",
                    self.mapping.events_resolved_share * 100.0
                )
            } else {
                String::new()
            },
        ));
        if !self.objects_skipped.is_empty() || !self.prefixes_skipped.is_empty() {
            let list = |m: &BTreeMap<String, u64>| {
                m.iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut line = format!("  skipped objects: {}", list(&self.objects_skipped));
            if !self.prefixes_skipped.is_empty() {
                line.push_str(&format!(
                    "; pruned prefixes: {}",
                    list(&self.prefixes_skipped)
                ));
            }
            top.push(line);
        }
        if let Some(st) = &self.state {
            top.push(format!(
                "  state {}: generation {} -> {}; {} objects added to the ledger ({} held), {} usage rows, {} aged out",
                escape(&st.dir),
                st.loaded_generation,
                if st.written_generation == 0 {
                    "not written".to_string()
                } else {
                    st.written_generation.to_string()
                },
                st.objects_added,
                st.ledger_objects,
                st.usage_rows,
                st.aged_out.actions
            ));
        }
        if !self.no_evidence_accounts.is_empty() {
            top.push(format!(
                "  least privilege: no CloudTrail read for account(s) {} of --iam-details: no evidence, nothing proposed for them",
                self.no_evidence_accounts.join(", ")
            ));
        }
        if !self.inventory_rejected.is_empty() {
            top.push(format!(
                "  inventory: {} entities of --iam-details left out (not as IAM writes them): see inventory_rejected in summary.json",
                self.inventory_rejected.len()
            ));
        }
        if self.policies_written > 0 {
            top.push(format!(
                "  least privilege: {} policies written ({} verified by replay{})",
                self.policies_written,
                self.suggestions_verified,
                if self.suggestions_unverified.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} not written: failed the replay",
                        self.suggestions_unverified.len()
                    )
                }
            ));
        }
        let mut top: Vec<String> = top.iter().flat_map(|l| terminal::fit(l, screen)).collect();
        if !self.accounts.is_empty() {
            top.push(format!("accounts ({}):", self.accounts.len()));
            top.extend(terminal::account_lines(&self.accounts, screen, 10));
        }
        top.push(format!(
            "rules: {} ran{}",
            self.rules_run.len(),
            if self.rules_not_run.is_empty() {
                String::new()
            } else {
                format!(", {} could not run", self.rules_not_run.len())
            }
        ));
        top.extend(terminal::not_run_line(&self.rules_not_run, screen));
        for f in self.failed.iter().take(10) {
            top.extend(terminal::fit(
                &format!(
                    "  FAILED {}: {} ({})",
                    escape(&f.path),
                    escape(&f.error),
                    f.kind
                ),
                screen,
            ));
        }
        if self.failed.len() > 10 {
            top.push(format!(
                "  ... and {} more failures in summary.json",
                self.failed.len() - 10
            ));
        }

        // The end: what was written, what next, and why the exit code.
        let out = if self.out_dir.ends_with('/') {
            self.out_dir.clone()
        } else {
            format!("{}/", self.out_dir)
        };
        let out = escape(&out).into_owned();
        let mut end: Vec<String> = Vec::new();
        if !self.outputs.is_empty() {
            end.extend(terminal::wrap_indented(
                &format!(
                    "wrote {out} ({} files): {}",
                    self.outputs.len(),
                    self.outputs.join(", ")
                ),
                screen,
            ));
        }
        let mut next = Vec::new();
        if self.outputs.iter().any(|o| o == "report.html") {
            next.push(format!("open {out}report.html"));
        }
        if let Some(f) = self.findings.first() {
            next.push(format!("trailguard rules {}", f.rule));
        }
        if self.events > 0
            && self
                .rules_not_run
                .iter()
                .any(|n| n.reason.contains("--iam-details"))
        {
            next.push("add --iam-details details.json (aws iam get-account-authorization-details) for least-privilege policies".into());
        }
        if !next.is_empty() {
            for (i, n) in next.iter().enumerate() {
                if i == 0 {
                    end.extend(terminal::wrap_indented(&format!("next: {n}"), screen));
                } else {
                    end.extend(terminal::fit(&format!("      {n}"), screen));
                }
            }
        }
        for (i, r) in self.exit_reasons.iter().enumerate() {
            let line = if i == 0 {
                format!("exit {}: {r}", self.exit_code)
            } else {
                format!("  also: {r}")
            };
            for l in terminal::fit(&line, screen) {
                end.push(terminal::strong(screen, &l));
            }
        }

        // The findings, sized to fit between the two on a terminal.
        let head = if self.findings.is_empty() {
            "findings: none".to_string()
        } else {
            format!(
                "findings: {} ({})",
                self.findings.len(),
                terminal::severity_counts(&self.findings)
            )
        };
        let max_rows = match screen.height {
            // Three lines a finding, plus the header, the "more" line and the prompt.
            Some(h) => (h.saturating_sub(end.len() + 4) / 3).max(4),
            None => 50,
        };
        let table = terminal::findings_table(
            &self.findings,
            screen,
            max_rows,
            &format!("{out}findings.jsonl"),
        );
        let mut s = String::new();
        for l in top
            .iter()
            .chain(std::iter::once(&terminal::strong(screen, &head)))
            .chain(table.iter())
            .chain(end.iter())
        {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), 0 where unknown.
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// What `summary.json` says about the state (`state`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StateSummary {
    /// The state directory.
    pub dir: String,
    /// The generation loaded (0: none, a fresh state).
    pub loaded_generation: u64,
    /// The generation written (0: none was, the run did not complete).
    pub written_generation: u64,
    /// Objects read by this run and added to the ledger.
    pub objects_added: u64,
    /// Objects that failed (or cannot be recognised later): not in the ledger, read again
    /// next run.
    pub objects_not_recorded: u64,
    /// Objects in the ledger written.
    pub ledger_objects: u64,
    /// `(principal, action)` rows of `usage.parquet` written.
    pub usage_rows: u64,
    /// Event IDs kept for the next run's deduplication.
    pub event_ids: u64,
    /// What aged out of the window.
    pub aged_out: crate::usage::Aged,
    /// Leftovers of killed runs that were removed (`CURRENT.tmp`, `gen-*`).
    pub cleaned: Vec<String>,
}
