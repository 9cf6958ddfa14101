//! Rules that judge the IAM inventory rather than single events: the account authorization
//! details (`--iam-details`), the credential report (`--credential-report`), and what
//! CloudTrail says about use ([`Usage`]). They run once, after the events are read.
//!
//! "Unused" is judged over a window of `--window` days that ends at `--until`, else at the
//! newest event read, else at the newest credential report's generation time: never at the
//! wall clock, so the same input always gives the same findings.

use super::{Input, Partial, RuleInfo, Seed, Severity, Trusted};
use crate::iam::credreport::CredentialReport;
use crate::iam::details::Inventory;
use crate::usage::Usage;
use anyhow::Context;
use serde::Serialize;
use std::path::PathBuf;

use crate::time::{DAY_MS, Window};

/// The inventory inputs and the thresholds, from the command line.
#[derive(Clone, Debug, Default)]
pub struct PostureConfig {
    /// `--iam-details` files.
    pub iam_details: Vec<PathBuf>,
    /// `--credential-report` files.
    pub credential_reports: Vec<PathBuf>,
    /// `--window` days.
    pub window_days: u32,
    /// `--max-key-age` days.
    pub max_key_age_days: u32,
    /// `--scp` files (service control policies).
    pub scps: Vec<PathBuf>,
    /// `--organization`: the SCP hierarchy.
    pub organization: Option<PathBuf>,
    /// `--grace` days.
    pub grace_days: Option<u32>,
    /// `--exclude` file.
    pub exclusions: Option<PathBuf>,
}

/// The loaded inventory inputs.
#[derive(Debug, Default)]
pub struct PostureInputs {
    /// Authorization details, when given.
    pub inventory: Option<Inventory>,
    /// Credential reports.
    pub reports: Vec<CredentialReport>,
    /// Service control policies.
    pub scps: Vec<crate::iam::policy::Policy>,
    /// The organization's SCP hierarchy.
    pub organization: Option<crate::iam::engine::Organization>,
    /// `--exclude`.
    pub exclusions: Option<crate::exclusions::Exclusions>,
}

impl PostureConfig {
    /// Reads and parses every inventory file. A file that cannot be used is an error naming
    /// it: better at second 0 than after an hour of reading CloudTrail.
    pub fn load(&self) -> anyhow::Result<PostureInputs> {
        let inventory = if self.iam_details.is_empty() {
            None
        } else {
            Some(Inventory::load(&self.iam_details).context("--iam-details")?)
        };
        let reports = self
            .credential_reports
            .iter()
            .map(|p| CredentialReport::load(p).context("--credential-report"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let scps = crate::iam::engine::load_scps(&self.scps).context("--scp")?;
        let organization = self
            .organization
            .as_deref()
            .map(crate::iam::engine::load_organization)
            .transpose()
            .context("--organization")?;
        let exclusions = self
            .exclusions
            .as_deref()
            .map(crate::exclusions::Exclusions::load)
            .transpose()
            .context("--exclude")?;
        Ok(PostureInputs {
            inventory,
            reports,
            scps,
            organization,
            exclusions,
        })
    }
}

/// What the inventory rules see.
pub struct PostureCtx<'a> {
    /// The "unused" window, when an end could be found.
    pub window: Option<Window>,
    /// `--max-key-age` days.
    pub max_key_age_days: u32,
    /// Accounts that are not external.
    pub trusted: &'a Trusted,
    /// Authorization details, when given.
    pub inventory: Option<&'a Inventory>,
    /// Credential reports.
    pub reports: &'a [CredentialReport],
    /// What CloudTrail says about use.
    pub usage: &'a Usage,
    /// Whether any CloudTrail source was read (events or not).
    pub cloudtrail: bool,
}

/// Why a rule could not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotRun {
    /// Rule id.
    pub rule: String,
    /// The reason, naming the missing input or option.
    pub reason: String,
}

/// A check over the inventory. Returns why it could not run, if it could not.
pub type PostureCheck = fn(&PostureCtx<'_>, &mut Vec<Partial>) -> Result<(), String>;

impl<'a> PostureCtx<'a> {
    /// The inventory, or the reason a rule needing it cannot run.
    pub fn need_inventory(&self) -> Result<&'a Inventory, String> {
        self.inventory
            .ok_or_else(|| "needs --iam-details (aws iam get-account-authorization-details)".into())
    }
    /// The credential reports, or the reason a rule needing them cannot run.
    pub fn need_reports(&self) -> Result<&'a [CredentialReport], String> {
        if self.reports.is_empty() {
            Err("needs --credential-report (aws iam get-credential-report)".into())
        } else {
            Ok(self.reports)
        }
    }
    /// The window, or the reason a rule needing it cannot run.
    pub fn need_window(&self) -> Result<Window, String> {
        self.window.ok_or_else(|| {
            "no end for the --window: no event was read, no --until, no credential report time"
                .into()
        })
    }
    /// Whether CloudTrail was read for `account` over the whole window: its first event is no
    /// later than a day after the window starts and it is [current](Self::cloudtrail_current).
    pub fn cloudtrail_covers(&self, account: &str) -> bool {
        match (self.window, self.usage.accounts.get(account)) {
            (Some(w), Some(span)) => {
                span.first <= w.start + DAY_MS && self.cloudtrail_current(account)
            }
            _ => false,
        }
    }

    /// Whether CloudTrail for `account` reaches the end of the window (an event in its last two
    /// days): only then can the logs say a key is still active or was never used since. A set
    /// of logs that stops earlier (another account's detonation, a trail turned off) cannot.
    pub fn cloudtrail_current(&self, account: &str) -> bool {
        match (self.window, self.usage.accounts.get(account)) {
            (Some(w), Some(span)) => span.last >= w.end - 2 * DAY_MS,
            _ => false,
        }
    }
    /// A sentence saying what CloudTrail covers for `account`, for evidence.
    pub fn cloudtrail_coverage(&self, account: &str) -> String {
        match self.usage.accounts.get(account) {
            Some(s) => format!(
                "CloudTrail read for {account} from {} to {} ({} events)",
                crate::time::format_ms(s.first),
                crate::time::format_ms(s.last),
                s.count
            ),
            None if self.cloudtrail => format!("no CloudTrail event was read for {account}"),
            None => "no CloudTrail source was scanned".to_string(),
        }
    }
}

/// A finding that does not come from events: count 0 (or what the rule sets), no event IDs.
pub fn finding(info: &'static RuleInfo, group: &str, seed: Seed) -> Partial {
    Partial::new(info, group.into(), seed)
}

/// Shorthand for a seed.
pub fn seed(
    severity: Severity,
    title: String,
    account: &str,
    principal: &str,
    principal_type: &str,
    remediation: String,
) -> Seed {
    Seed {
        severity,
        title,
        account: account.to_string(),
        principal: principal.to_string(),
        principal_type: principal_type.to_string(),
        access_key_id: None,
        target: None,
        remediation,
    }
}

/// Whether a rule needs only CloudTrail.
pub fn cloudtrail_only(info: &RuleInfo) -> bool {
    info.inputs == [Input::Cloudtrail]
}

/// A time as text for evidence.
pub fn ts(t: i64) -> String {
    crate::time::format_ms(t)
}

/// Every row of every credential report.
pub fn report_rows<'a>(
    reports: &'a [CredentialReport],
) -> impl Iterator<Item = &'a crate::iam::credreport::CredentialRow> + 'a {
    reports.iter().flat_map(|r| r.rows.iter())
}

/// A credential report "last used" value as evidence text.
pub fn last_used_text(l: crate::iam::credreport::LastUsed) -> String {
    use crate::iam::credreport::LastUsed;
    match l {
        LastUsed::At(t) => ts(t),
        LastUsed::Never => "never".into(),
        LastUsed::NoInformation => "no information (never, or not since 2014-10-20)".into(),
        LastUsed::NotApplicable => "n/a".into(),
    }
}

/// The user name in an IAM user ARN (`arn:aws:iam::1:user/path/name` -> `name`).
pub fn user_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The report file a row came from, for evidence.
pub fn row_source(
    reports: &[CredentialReport],
    row: &crate::iam::credreport::CredentialRow,
) -> String {
    reports
        .iter()
        .find(|r| r.rows.iter().any(|x| std::ptr::eq(x, row)))
        .map(|r| {
            format!(
                "credential report {}{}",
                r.source.display(),
                r.generated
                    .map(|g| format!(" generated {}", ts(g)))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default()
}
