//! Signing digests as CloudTrail does: RSA PKCS#1 v1.5 with SHA-256 over the signing string
//! (`aws-lc-rs`). The key pair is the generator's own, kept beside the corpus
//! (`SIGNING-KEY.pk8`) so that regenerating gives the same signatures and tests can re-sign a
//! digest they altered; its public half is written as `aws cloudtrail list-public-keys`
//! output (`PUBLIC-KEYS.txt`). A throwaway key: it signs nothing but synthetic digests.

use anyhow::{Context, Result, anyhow};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use std::path::Path;

/// A digest signing key.
pub struct Signer {
    key: KeyPair,
    /// The key's fingerprint as digests name it (hex of the first 16 bytes of the SHA-256 of
    /// the public key's DER).
    pub fingerprint: String,
    /// The public key, PKCS#1 DER (as ListPublicKeys gives it).
    pub public_der: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Signer {
    /// A new random 2048-bit key.
    pub fn generate() -> Result<Self> {
        let key = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow!("RSA key generation failed"))?;
        Ok(Self::from_key(key))
    }

    /// A key from PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self> {
        let key = KeyPair::from_pkcs8(der).map_err(|e| anyhow!("not an RSA PKCS#8 key: {e}"))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: KeyPair) -> Self {
        let public_der = key.public_key().as_ref().to_vec();
        let fingerprint = hex(&Sha256::digest(&public_der)[..16]);
        Signer {
            key,
            fingerprint,
            public_der,
        }
    }

    /// The key in `path`, or a new one saved there.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(der) => Self::from_pkcs8(&der).with_context(|| format!("{}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let s = Self::generate()?;
                let der = s.key.as_der().map_err(|_| anyhow!("encoding the key"))?;
                std::fs::write(path, der.as_ref())
                    .with_context(|| format!("writing {}", path.display()))?;
                Ok(s)
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The signature of `message`, hex.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        let mut sig = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .expect("RSA signing");
        hex(&sig)
    }

    /// `aws cloudtrail list-public-keys` output naming this key, valid over `[from, to]`
    /// (epoch seconds).
    pub fn public_keys_json(&self, from: i64, to: i64) -> String {
        let value = base64::engine::general_purpose::STANDARD.encode(&self.public_der);
        let time = |t: i64| {
            let mut s = String::new();
            crate::util::push_time(&mut s, t);
            s
        };
        serde_json::to_string_pretty(&serde_json::json!({
            "PublicKeyList": [{
                "Value": value,
                "ValidityStartTime": time(from),
                "ValidityEndTime": time(to),
                "Fingerprint": self.fingerprint,
            }]
        }))
        .expect("JSON")
            + "\n"
    }
}

/// The string CloudTrail signs for a digest: its `digestEndTime` (as written), `bucket/key`,
/// the hex SHA-256 of the decompressed digest, and the previous digest's signature (`null` at
/// the start of a chain).
pub fn signing_string(
    end: &str,
    bucket: &str,
    key: &str,
    sha256: &[u8; 32],
    prev: Option<&str>,
) -> String {
    format!(
        "{end}\n{bucket}/{key}\n{}\n{}",
        hex(sha256),
        prev.unwrap_or("null")
    )
}

/// The sidecar of a digest (its S3 user metadata, as `aws s3api head-object --query
/// Metadata` prints it).
pub fn sidecar_json(signature: &str) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "signature": signature,
        "signature-algorithm": "SHA256withRSA",
    }))
    .expect("JSON")
        + "\n"
}
