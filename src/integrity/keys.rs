//! CloudTrail's public keys: the RSA keys whose private halves sign digests, named by
//! fingerprint. From `aws cloudtrail list-public-keys` output (`--public-keys FILE`, the API's
//! JSON shape `{"PublicKeyList":[{"Value","ValidityStartTime","ValidityEndTime",
//! "Fingerprint"}]}`, `Value` base64 DER) or from ListPublicKeys itself.
//!
//! Verification is `aws-lc-rs`'s RSA PKCS#1 v1.5 with SHA-256 (keys of 2048 to 8192 bits);
//! trailguard writes no cryptography of its own.

use crate::error::IntegrityError;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The largest public keys file read (a list of a few keys is a few KiB).
pub const MAX_KEYS_FILE: u64 = 4 << 20;

/// One public key.
#[derive(Clone, Debug)]
pub struct PublicKey {
    /// DER (PKCS#1 `RSAPublicKey`, as CloudTrail gives it, or SubjectPublicKeyInfo).
    pub der: Vec<u8>,
    /// Start of validity, epoch ms, if given.
    pub valid_from: Option<i64>,
    /// End of validity, epoch ms, if given.
    pub valid_until: Option<i64>,
}

/// The keys by fingerprint.
#[derive(Clone, Debug, Default)]
pub struct PublicKeys {
    keys: BTreeMap<String, PublicKey>,
    /// Where they came from, for the report.
    pub origin: String,
}

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureProblem {
    /// No key of that fingerprint is known.
    UnknownKey,
    /// The signature is not hex.
    NotHex,
    /// The algorithm is not `SHA256withRSA`.
    Algorithm(String),
    /// The signature does not match the signing string under the key.
    Mismatch,
}

impl std::fmt::Display for SignatureProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureProblem::UnknownKey => write!(f, "no public key has its fingerprint"),
            SignatureProblem::NotHex => write!(f, "the signature is not hex"),
            SignatureProblem::Algorithm(a) => {
                write!(f, "signature algorithm {a:?} is not SHA256withRSA")
            }
            SignatureProblem::Mismatch => {
                write!(
                    f,
                    "the signature does not match the digest under its public key"
                )
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawList {
    public_key_list: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawKey {
    value: String,
    fingerprint: String,
    validity_start_time: Option<serde_json::Value>,
    validity_end_time: Option<serde_json::Value>,
}

/// A time as the CLI prints it (RFC 3339) or as the API encodes it (epoch seconds).
fn json_time(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => crate::time::parse_event_time(s),
        serde_json::Value::Number(n) => n.as_f64().map(|s| (s * 1000.0) as i64),
        _ => None,
    }
}

/// Decodes hex (either case).
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.trim().as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let h = (p[0] as char).to_digit(16)?;
            let l = (p[1] as char).to_digit(16)?;
            Some((h * 16 + l) as u8)
        })
        .collect()
}

impl PublicKeys {
    /// Parses the JSON of `aws cloudtrail list-public-keys`. `file` names it in errors.
    pub fn parse(file: &str, json: &[u8]) -> Result<Self, IntegrityError> {
        let err = |reason: String| IntegrityError::PublicKeys {
            file: file.to_string(),
            reason,
        };
        let raw: RawList = serde_json::from_slice(json).map_err(|e| {
            err(format!(
                "not the output of `aws cloudtrail list-public-keys` ({{\"PublicKeyList\": [...]}}): {e}"
            ))
        })?;
        let mut keys = PublicKeys {
            origin: file.to_string(),
            ..Default::default()
        };
        for (i, k) in raw.public_key_list.into_iter().enumerate() {
            let der = base64::engine::general_purpose::STANDARD
                .decode(k.value.trim())
                .map_err(|e| {
                    err(format!(
                        "key {i} ({}): Value is not base64: {e}",
                        k.fingerprint
                    ))
                })?;
            keys.insert(
                k.fingerprint,
                PublicKey {
                    der,
                    valid_from: k.validity_start_time.as_ref().and_then(json_time),
                    valid_until: k.validity_end_time.as_ref().and_then(json_time),
                },
            );
        }
        Ok(keys)
    }

    /// Reads and parses a public keys file.
    pub fn load(path: &std::path::Path) -> Result<Self, IntegrityError> {
        let file = path.display().to_string();
        let err = |reason: String| IntegrityError::PublicKeys {
            file: file.clone(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if meta.len() > MAX_KEYS_FILE {
            return Err(err(format!(
                "{} bytes, more than the {MAX_KEYS_FILE} a list of public keys can be",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        Self::parse(&file, &bytes)
    }

    /// Adds a key.
    pub fn insert(&mut self, fingerprint: String, key: PublicKey) {
        self.keys.insert(fingerprint.to_ascii_lowercase(), key);
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks a digest signature: `signature_hex` over `message` under the key named by
    /// `fingerprint`.
    pub fn verify(
        &self,
        fingerprint: &str,
        algorithm: &str,
        message: &[u8],
        signature_hex: &str,
    ) -> Result<(), SignatureProblem> {
        if algorithm != "SHA256withRSA" {
            return Err(SignatureProblem::Algorithm(algorithm.to_string()));
        }
        let key = self
            .keys
            .get(&fingerprint.to_ascii_lowercase())
            .ok_or(SignatureProblem::UnknownKey)?;
        let sig = from_hex(signature_hex).ok_or(SignatureProblem::NotHex)?;
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key.der)
            .verify(message, &sig)
            .map_err(|_| SignatureProblem::Mismatch)
    }
}

/// The keys CloudTrail signed with between `start` and `end` (epoch ms), from ListPublicKeys
/// in each of `regions` (the trails' home regions; keys are regional), every page.
pub async fn list_public_keys(
    opts: &crate::source::s3::S3Options,
    regions: &[String],
    start: Option<i64>,
    end: Option<i64>,
) -> Result<PublicKeys, IntegrityError> {
    use aws_sdk_cloudtrail::primitives::DateTime;
    let mut keys = PublicKeys {
        origin: format!("ListPublicKeys ({})", regions.join(", ")),
        ..Default::default()
    };
    for region in regions {
        let o = crate::source::s3::S3Options {
            region: Some(region.clone()),
            ..opts.clone()
        };
        let client = crate::source::trails::connect(&o).await;
        let mut token: Option<String> = None;
        loop {
            let mut req = client.list_public_keys();
            if let Some(s) = start {
                req = req.start_time(DateTime::from_millis(s));
            }
            if let Some(e) = end {
                req = req.end_time(DateTime::from_millis(e));
            }
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            let out = req.send().await.map_err(|e| {
                IntegrityError::ListPublicKeys(format!(
                    "{region}: {}",
                    crate::source::trails::cloudtrail_err("ListPublicKeys", e)
                ))
            })?;
            for k in out.public_key_list() {
                let (Some(fp), Some(v)) = (k.fingerprint(), k.value()) else {
                    continue;
                };
                keys.insert(
                    fp.to_string(),
                    PublicKey {
                        der: v.as_ref().to_vec(),
                        valid_from: k.validity_start_time().and_then(|t| t.to_millis().ok()),
                        valid_until: k.validity_end_time().and_then(|t| t.to_millis().ok()),
                    },
                );
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};

    fn signed(msg: &[u8]) -> (Vec<u8>, String) {
        let kp = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let mut sig = vec![0; kp.public_modulus_len()];
        kp.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .unwrap();
        (
            kp.public_key().as_ref().to_vec(),
            crate::integrity::digest::to_hex(&sig),
        )
    }

    #[test]
    fn verifies_and_names_what_is_wrong() {
        let (der, sig) = signed(b"message");
        let list = format!(
            r#"{{"PublicKeyList":[{{"Value":"{}","ValidityStartTime":"2024-01-01T00:00:00Z","ValidityEndTime":1767225600.0,"Fingerprint":"ABCD"}}]}}"#,
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        let keys = PublicKeys::parse("keys.json", list.as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            keys.verify("abcd", "SHA256withRSA", b"message", &sig),
            Ok(())
        );
        assert_eq!(
            keys.verify("abcd", "SHA256withRSA", b"messagf", &sig),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            keys.verify("ffff", "SHA256withRSA", b"message", &sig),
            Err(SignatureProblem::UnknownKey)
        );
        assert_eq!(
            keys.verify("abcd", "SHA256withRSA", b"message", "xyz"),
            Err(SignatureProblem::NotHex)
        );
        assert!(matches!(
            keys.verify("abcd", "SHA1withRSA", b"message", &sig),
            Err(SignatureProblem::Algorithm(_))
        ));
        // Another key's signature does not verify.
        let (_, other) = signed(b"message");
        assert_eq!(
            keys.verify("abcd", "SHA256withRSA", b"message", &other),
            Err(SignatureProblem::Mismatch)
        );
        let bad = PublicKeys::parse("k.json", b"[]").unwrap_err().to_string();
        assert!(bad.starts_with("k.json: not the output of"), "{bad}");
    }
}
