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
