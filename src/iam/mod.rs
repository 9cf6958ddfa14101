//! What trailguard knows about IAM: the embedded action catalog and event mapping, policy
//! documents, and the inventory inputs (authorization details, credential report).
//!
//! * [`catalog`]: every IAM action (22,383, current and legacy) with its access level, looked
//!   up case-insensitively by name or expanded from IAM wildcards (`s3:Get*`).
//! * [`mapping`]: resolves a CloudTrail `(eventSource, eventName, eventType)` to the IAM
//!   actions it exercised, or says why it cannot.
//! * [`request`]: which of the actions a conditional event may need it did need, from its
//!   request parameters (`versionId`, the PartiQL verb, the kinds of transaction items, ...).
//! * [`policy`]: IAM policy documents (identity, resource and trust policies): a typed model,
//!   a parser for plain and URL-encoded JSON, and who a policy lets in (public, conditioned,
//!   other accounts).
//! * [`details`]: the output of `aws iam get-account-authorization-details` (CLI or raw API
//!   form, paginated, several accounts): users, groups, roles and managed policies per account,
//!   and every policy that applies to a principal.
//! * [`credreport`]: the IAM credential report (CSV, or the CLI's base64-wrapped JSON): password,
//!   MFA, access key and certificate state per user and for the root user.
//! * [`engine`]: what each user and role may do: its policies (with groups, permissions
//!   boundary and service control policies) expanded against the catalog into action sets,
//!   with the conditional part and the policies and resources behind each grant.
//!
//! The tables live in `src/iam/data/` and are generated from the shared `iam-data` bundle by
//! `scripts/gen-iam-data.py`; see `src/iam/data/PROVENANCE.md` for sources and licences. They
//! are embedded with `include_str!` and parsed once, lazily, on first use.

/// Whether `s` is an AWS account ID: exactly 12 ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub mod arn;
pub mod catalog;
pub mod credreport;
pub mod dependent;
pub mod details;
pub mod engine;
pub mod mapping;
pub mod policy;
pub mod request;

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers that read the shared bundle (`../shared/iam-data`, beside the repository) so the
    //! tests can check the embedded tables against it independently.

    /// Absolute path of a file in the shared bundle.
    pub fn shared_path(rel: &str) -> String {
        format!("{}/../shared/iam-data/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    /// Parses a JSON Lines file of the shared bundle.
    pub fn read_shared_jsonl(rel: &str) -> Vec<serde_json::Value> {
        let path = shared_path(rel);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {path}: {e} (is ../shared beside the repo?)"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
            .collect()
    }

    /// One row of `actions.jsonl`.
    pub struct ActionRow {
        pub service: String,
        pub action: String,
        pub access: String,
        pub api_op: Option<bool>,
        pub current: bool,
    }

    /// `actions.jsonl`, read straight from the shared bundle.
    pub fn read_actions_jsonl() -> Vec<ActionRow> {
        const PATH: &str = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/iam-data/actions.jsonl"
        );
        let text = std::fs::read_to_string(PATH)
            .unwrap_or_else(|e| panic!("cannot read {PATH}: {e} (is ../shared beside the repo?)"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("actions.jsonl row");
                let s = |k: &str| v[k].as_str().expect(k).to_owned();
                ActionRow {
                    service: s("service"),
                    action: s("action"),
                    access: s("access"),
                    api_op: v["api_op"].as_bool(),
                    current: v["sources"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "cc")),
                }
            })
            .collect()
    }

    /// A deliberately different (recursive, char-based) glob matcher to cross-check
    /// `Catalog::expand`.
    pub fn recursive_glob(pattern: &str, text: &str) -> bool {
        fn go(p: &[char], t: &[char]) -> bool {
            match p.split_first() {
                None => t.is_empty(),
                Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
                Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
                Some((c, rest)) => {
                    !t.is_empty() && t[0].eq_ignore_ascii_case(c) && go(rest, &t[1..])
                }
            }
        }
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        go(&p, &t)
    }
}
