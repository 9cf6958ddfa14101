//! The detection rules, end to end: the `trailguard` binary on per-rule fixtures
//! (`tests/fixtures/rules/`), with positive and negative cases, and on the real samples in
//! `../shared/cloudtrail-samples/`. One module per rule (or family of rules).
//!
//! Findings are read from `findings.jsonl`; `findings.parquet` is read back by DuckDB where a
//! module checks that both agree.

mod admin_grant;
mod aws_managed_policy_only;
mod cross_account_access;
mod cross_account_trust;
mod event_rules;
mod inline_policy_only;
mod least_privilege;
mod least_privilege_exact;
mod logging_gap;
mod posture;
mod public_resource_policy;
mod unattached_policy;

use crate::common::{RunResult, TrailguardCmd, read_summary};
use serde_json::Value;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Per-rule fixtures, relative to the repository root.
pub const FIXTURES: &str = "tests/fixtures/rules";

/// Exit codes (`src/cli.rs`).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 4;

/// A finished scan: its output folder (kept alive), streams, summary and findings.
pub struct Scan {
    pub out: tempfile::TempDir,
    pub run: RunResult,
    pub summary: Value,
    pub findings: Vec<Value>,
}

impl Scan {
    /// The findings of one rule.
    pub fn of(&self, rule: &str) -> Vec<&Value> {
        self.findings.iter().filter(|f| f["rule"] == rule).collect()
    }
    /// The one finding of `rule` whose principal is `principal`; panics otherwise.
    #[track_caller]
    pub fn one(&self, rule: &str, principal: &str) -> &Value {
        let v: Vec<&Value> = self
            .of(rule)
            .into_iter()
            .filter(|f| f["principal"] == principal)
            .collect();
        assert_eq!(v.len(), 1, "{rule} findings for {principal}: {v:#?}");
        v[0]
    }
}

/// `trailguard scan SOURCES... --out <temp> --threads 2 EXTRA...` from the repository root,
/// asserting the exit code.
#[track_caller]
pub fn scan(sources: &[&str], extra: &[&str], code: i32) -> Scan {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(sources.iter().map(|s| s.to_string()));
    args.extend(["--out".into(), out.path().display().to_string()]);
    args.extend(["--threads".into(), "2".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut cmd = TrailguardCmd::new().args(&args);
    cmd.cmd.current_dir(ROOT);
    let run = cmd.run_with_timeout(std::time::Duration::from_secs(120));
    run.assert_code(code);
    let summary = read_summary(out.path());
    let findings = read_findings(out.path());
    Scan {
        out,
        run,
        summary,
        findings,
    }
}

/// Every line of `findings.jsonl`.
pub fn read_findings(out: &Path) -> Vec<Value> {
    let path = out.join("findings.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("findings.jsonl: {e}: {l}")))
        .collect()
}

/// A fixture path under `tests/fixtures/rules/`.
pub fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}
