//! `--exclude FILE`: principals a team has decided not to review (break-glass roles, a
//! vendor's role, accounts in migration). An excluded principal keeps its rows in
//! `permissions.parquet`, gets a report that names the matching entry, and no finding and no
//! policy.
//!
//! ```json
//! {
//!   "accounts":   ["111122223333"],
//!   "principals": ["arn:aws:iam::*:role/break-glass-*", "arn:aws:iam::444455556666:user/vendor"],
//!   "tags":       {"least-privilege": "skip", "owner": "*"}
//! }
//! ```
//!
//! Every key is optional. `principals` are IAM globs matched against the principal's ARN,
//! with case (ARNs are case-sensitive); a tag entry matches a principal carrying that tag key
//! with that value (`*`: any value). Anything else in the file is an error naming it, so a
//! typo never silently excludes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::glob::{Case, matches_str};

/// A file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct ExclusionsError {
    /// The file, as given.
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

/// The parsed file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// Account IDs.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// ARN globs.
    #[serde(default)]
    pub principals: Vec<String>,
    /// Tag key -> value (`*`: any).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Exclusions {
    /// Reads the file.
    pub fn load(path: &Path) -> Result<Exclusions, ExclusionsError> {
        let fail = |reason: String| ExclusionsError {
            file: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let x: Exclusions = serde_json::from_str(&text)
            .map_err(|e| fail(format!("not an exclusions file: {e}")))?;
        if let Some(a) = x
            .accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|c| c.is_ascii_digit()))
        {
            return Err(fail(format!("account {a:?} is not a 12-digit account ID")));
        }
        Ok(x)
    }

    /// Why the principal is excluded (the matching entry), if it is.
    pub fn matches(&self, account: &str, arn: &str, tags: &[(String, String)]) -> Option<String> {
        if self.accounts.iter().any(|a| a == account) {
            return Some(format!("account {account}"));
        }
        if let Some(p) = self
            .principals
            .iter()
            .find(|p| matches_str(p, arn, Case::Sensitive))
        {
            return Some(format!("principal pattern {p}"));
        }
        for (k, v) in tags {
            if let Some(want) = self.tags.get(k)
                && (want == "*" || want == v)
            {
                return Some(format!("tag {k}={v}"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_patterns_and_tags_match_and_bad_files_are_named() {
        let x: Exclusions = serde_json::from_str(
            r#"{"accounts": ["111122223333"], "principals": ["arn:aws:iam::*:role/break-glass-*"],
                "tags": {"least-privilege": "skip", "owner": "*"}}"#,
        )
        .unwrap();
        let none: &[(String, String)] = &[];
        assert_eq!(
            x.matches("111122223333", "arn:aws:iam::111122223333:role/app", none),
            Some("account 111122223333".into())
        );
        assert!(
            x.matches(
                "444455556666",
                "arn:aws:iam::444455556666:role/break-glass-1",
                none
            )
            .is_some()
        );
        assert!(
            x.matches(
                "444455556666",
                "arn:aws:iam::444455556666:role/Break-glass-1",
                none
            )
            .is_none(),
            "ARNs compare with case"
        );
        let tagged = [("owner".to_string(), "team-a".to_string())];
        assert_eq!(
            x.matches(
                "444455556666",
                "arn:aws:iam::444455556666:role/app",
                &tagged
            ),
            Some("tag owner=team-a".into())
        );
        let other = [("least-privilege".to_string(), "review".to_string())];
        assert!(
            x.matches("444455556666", "arn:aws:iam::444455556666:role/app", &other)
                .is_none()
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.json");
        std::fs::write(&f, r#"{"principal": ["arn:*"]}"#).unwrap();
        let e = Exclusions::load(&f).unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("unknown field"), "{e}");
        std::fs::write(&f, r#"{"accounts": ["1111"]}"#).unwrap();
        assert!(
            Exclusions::load(&f)
                .unwrap_err()
                .to_string()
                .contains("12-digit")
        );
    }
}
