//! Service control policies from files: [`load_scps`] and its [`EngineError`].

use std::path::PathBuf;

use crate::iam::policy::{Policy, PolicyError};

/// Why service control policies could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid policy document.
    #[error("{file}: not a valid service control policy: {source}")]
    Policy {
        /// The file, as given.
        file: String,
        /// What is wrong with it.
        #[source]
        source: PolicyError,
    },
}

/// Reads service control policies: each file holds one policy document (JSON, or URL-encoded
/// JSON).
pub fn load_scps(paths: &[PathBuf]) -> Result<Vec<Policy>, EngineError> {
    paths
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
                file: file.clone(),
                source,
            })?;
            Policy::parse_str(&text).map_err(|source| EngineError::Policy { file, source })
        })
        .collect()
}

/// An AWS Organizations structure with its service control policies: which SCPs are attached
/// to the root, to each OU and to each account, and each target's parent. Built from read-only
/// calls (`list-roots`, `list-organizational-units-for-parent`, `list-accounts-for-parent`,
/// `list-policies-for-target --filter SERVICE_CONTROL_POLICY`, `describe-policy`; see
/// `scripts/org-scps.sh`), in this shape:
///
/// ```json
/// {"ManagementAccountId": "111111111111",
///  "Policies": {"p-full": {"Version": "2012-10-17", "Statement": [...]}, "p-a": "{...}"},
///  "Targets": {"r-ab12": ["p-full"], "ou-ab12-1": ["p-full", "p-a"], "222233334444": ["p-full"]},
///  "Parents": {"ou-ab12-1": "r-ab12", "222233334444": "ou-ab12-1"},
///  "ResourceControlPolicies": {"r-ab12": ["p-rcp-perimeter"]}}
/// ```
///
/// `ResourceControlPolicies` (optional) lists the resource control policies attached to each
/// target (`list-policies-for-target --filter RESOURCE_CONTROL_POLICY`); only their `Deny`
/// statements are evaluated (AWS allows `Allow` only in `RCPFullAWSAccess`, which lets
/// everything through).
///
/// A policy document may be an object or its JSON text (as `describe-policy` gives `Content`).
#[derive(Clone, Debug, Default)]
pub struct Organization {
    /// The management account: SCPs never apply to it.
    pub management_account: Option<String>,
    /// Policy id -> document.
    pub policies: std::collections::BTreeMap<String, Policy>,
    /// Target (root, OU or account id) -> attached policy ids.
    pub targets: std::collections::BTreeMap<String, Vec<String>>,
    /// Target -> parent.
    pub parents: std::collections::BTreeMap<String, String>,
    /// Target -> attached resource control policy ids (`ResourceControlPolicies`, from
    /// `list-policies-for-target --filter RESOURCE_CONTROL_POLICY`). Their documents are in
    /// `policies` too.
    pub rcp_targets: std::collections::BTreeMap<String, Vec<String>>,
}

/// The services whose resources resource control policies bound (the AWS Organizations user
/// guide, "Resource control policies": the list of supported services), by IAM prefix.
pub const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "cognito-identity",
    "logs",
    "dynamodb",
    "ecr",
    "aoss",
];

impl Organization {
    /// The targets from the root down to `account` itself, by the `Parents` links (stopping at
    /// a cycle or an absurd depth: AWS allows five OU levels).
    fn chain(&self, account: &str) -> Vec<String> {
        let mut chain = vec![account.to_string()];
        let mut cur = account;
        while let Some(p) = self.parents.get(cur) {
            if chain.iter().any(|c| c == p) || chain.len() > 16 {
                break;
            }
            chain.push(p.clone());
            cur = p;
        }
        chain.reverse();
        chain
    }

    /// The resource control policies that bound the resources of an account: every one
    /// attached on the way from the root to the account (RCPs only deny, so the levels
    /// simply add up). Empty for the management account (RCPs never apply to it) and for
    /// accounts the file does not place.
    pub fn rcps(&self, account: &str) -> Vec<String> {
        if self.management_account.as_deref() == Some(account) {
            return Vec::new();
        }
        if !self.parents.contains_key(account) && !self.rcp_targets.contains_key(account) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for t in &self.chain(account) {
            for id in self.rcp_targets.get(t).into_iter().flatten() {
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
        out
    }

    /// The SCP levels of an account, from the root down to the account itself: each level the
    /// ids attached there. `None` for the management account and for accounts the file does not
    /// place.
    pub fn levels(&self, account: &str) -> Option<Vec<Vec<String>>> {
        if self.management_account.as_deref() == Some(account) {
            return None;
        }
        if !self.parents.contains_key(account) && !self.targets.contains_key(account) {
            return None;
        }
        Some(
            self.chain(account)
                .iter()
                .map(|t| self.targets.get(t).cloned().unwrap_or_default())
                .collect(),
        )
    }
}

/// Why an organization file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct OrganizationError {
    /// The file, as given.
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

/// Reads an organization file ([`Organization`]).
pub fn load_organization(path: &std::path::Path) -> Result<Organization, OrganizationError> {
    let file = path.display().to_string();
    let fail = |reason: String| OrganizationError {
        file: file.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let mut org = Organization {
        management_account: v["ManagementAccountId"].as_str().map(str::to_string),
        ..Default::default()
    };
    let obj = |k: &str| -> Result<serde_json::Map<String, serde_json::Value>, OrganizationError> {
        match &v[k] {
            serde_json::Value::Null => Ok(Default::default()),
            serde_json::Value::Object(m) => Ok(m.clone()),
            _ => Err(fail(format!("`{k}` must be an object"))),
        }
    };
    for (id, doc) in obj("Policies")? {
        let p = match &doc {
            serde_json::Value::String(s) => Policy::parse_str(s),
            other => Policy::from_value(other),
        }
        .map_err(|e| fail(format!("policy {id}: {e}")))?;
        org.policies.insert(id, p);
    }
    for (key, into_rcps) in [("Targets", false), ("ResourceControlPolicies", true)] {
        for (t, ids) in obj(key)? {
            let ids: Vec<String> = ids
                .as_array()
                .ok_or_else(|| fail(format!("{key}.{t} must be a list of policy ids")))?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| fail(format!("{key}.{t} must be a list of policy ids")))?;
            for id in &ids {
                if !org.policies.contains_key(id) {
                    return Err(fail(format!(
                        "{key}.{t} names policy {id}, not in Policies"
                    )));
                }
            }
            if into_rcps {
                org.rcp_targets.insert(t, ids);
            } else {
                org.targets.insert(t, ids);
            }
        }
    }
    for (t, p) in obj("Parents")? {
        let p = p
            .as_str()
            .ok_or_else(|| fail(format!("Parents.{t} must be a string")))?;
        org.parents.insert(t, p.to_string());
    }
    Ok(org)
}
