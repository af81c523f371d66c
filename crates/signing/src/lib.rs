//! Signing and verification of OneWindow electronic licences.
//!
//! Two signature algorithms are supported:
//!
//! * [`Algorithm::Sm2Sm3`] (the default): SM2 digital signatures, GB/T 32918.2-2016, over the SM3
//!   hash, GB/T 32905-2016, used as GB/T 35276-2017 prescribes. The message digest is
//!   `e = SM3(Z_A || M)` where `Z_A` binds the signer's distinguishing identifier (signer ID) and
//!   public key; the ID is the GB/T 35276 default [`SM2_DEFAULT_SIGNER_ID`]
//!   (`"1234567812345678"`, also GM/T 0009's default). Signatures are 64 bytes `r || s`, each a
//!   32-byte big-endian integer (not DER). Public keys are 65-byte uncompressed SEC1 points
//!   `0x04 || x || y`.
//! * [`Algorithm::Ed25519`]: EdDSA over edwards25519 (RFC 8032), for relying parties without SM2
//!   support. Public keys are 32 bytes, signatures 64 bytes. Verification is strict (canonical `S`,
//!   no small-order keys).
//!
//! Key ids are derived from the public key ([`key_id`]): `"sm2-"` or `"ed25519-"` followed by the
//! first 16 hex digits of SM3 over the public key bytes.
//!
//! # API
//!
//! ```text
//! enum Algorithm { Sm2Sm3, Ed25519 }            // as_str(), parse(), FromStr, Display, serde, Default
//! const SM2_DEFAULT_SIGNER_ID: &str
//! fn sm3_hex(data: &[u8]) -> String
//! fn key_id(alg: Algorithm, public_bytes: &[u8]) -> String
//!
//! struct PublicKey { pub alg, pub kid, pub bytes }
//!     fn new(alg, bytes: Vec<u8>) -> Result<PublicKey, SignError>     // validates, computes kid
//!     fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignError>
//!     fn to_jwk(&self) -> serde_json::Value
//!     fn from_jwk(v: &serde_json::Value) -> Result<PublicKey, SignError>  // checks the kid
//! fn jwk_set(keys: &[PublicKey]) -> serde_json::Value                    // {"keys": [...]}
//!
//! struct KeyPair                                  // secret material private, Debug redacted
//!     fn generate(alg) -> Result<KeyPair, SignError>
//!     fn sign(&self, msg: &[u8]) -> Vec<u8>
//!     fn public(&self) -> PublicKey
//!     fn kid(&self) -> &str
//!     fn alg(&self) -> Algorithm
//!
//! struct FileKeyStore                             // private keys never leave it as bytes
//!     fn open(dir: &Path) -> Result<FileKeyStore, SignError>
//!     fn dir(&self) -> &Path
//!     fn generate(&self, alg) -> Result<KeyInfo, SignError>    // ActiveKeyExists if one is active
//!     fn rotate(&self, alg) -> Result<(KeyInfo, Option<KeyInfo>), SignError>  // (new, retired)
//!     fn list(&self) -> Result<Vec<KeyInfo>, SignError>        // oldest first
//!     fn active(&self) -> Result<Option<KeyPair>, SignError>
//!     fn public_keys(&self) -> Result<Vec<PublicKey>, SignError>
//!     fn public_key(&self, kid: &str) -> Result<PublicKey, SignError>  // UnknownKeyId
//! struct KeyInfo { pub kid, pub alg, pub status, pub created_at, pub retired_at, pub public }
//! enum KeyStatus { Active, Retired }
//! enum SignError { ... }
//! ```
//!
//! # JWK
//!
//! [`PublicKey::to_jwk`] follows RFC 7517/8037 for Ed25519
//! (`{"kty":"OKP","crv":"Ed25519","x","kid","alg":"EdDSA"}`) and uses the same shape as EC keys
//! for SM2 (`{"kty":"EC","crv":"SM2","x","y","kid","alg":"SM2-SM3"}`, `x`/`y` the 32-byte
//! coordinates). All binary members are unpadded base64url.
//!
//! # Key store layout
//!
//! [`FileKeyStore`] keeps, in its directory (created with mode 0700 on Unix):
//!
//! * `index.json`: the public part of every key and its status, e.g.
//!   `{"format":1,"keys":[{"kid":"sm2-…","alg":"SM2-SM3","status":"active",
//!   "created_at":"…","public_key":"04…"}]}` (`retired_at` is added on rotation, `public_key` is
//!   hex). It is replaced atomically: written to `.index.json.tmp`, synced, then renamed.
//! * `<kid>.key`, one per key, mode 0600 on Unix, created exclusively: the secret as 64 lowercase
//!   hex digits and a newline. For SM2 it is the private key `d` (32-byte big-endian integer,
//!   GB/T 32918.1); for Ed25519 the 32-byte secret seed of RFC 8032 § 5.1.5.
//! * `.lock`: an empty file locked exclusively while a key is generated or rotated, so that two
//!   processes never both make a key active.
//!
//! A key is never deleted: a rotated-out key becomes [`KeyStatus::Retired`], never signs again and
//! keeps verifying what it signed.
//!
//! # Example
//!
//! ```
//! use onewindow_signing::{Algorithm, FileKeyStore, PublicKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = FileKeyStore::open(&dir.path().join("keys"))?;
//! store.generate(Algorithm::Sm2Sm3)?;
//! let signer = store.active()?.ok_or("no active key")?;
//! let signature = signer.sign(b"licence body");
//!
//! // A relying party only has the JWK.
//! let jwk = signer.public().to_jwk();
//! let public = PublicKey::from_jwk(&jwk)?;
//! public.verify(b"licence body", &signature)?;
//! assert!(public.verify(b"licence b0dy", &signature).is_err());
//! # Ok(())
//! # }
//! ```

mod keys;
mod store;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sm3::{Digest, Sm3};

pub use keys::{KeyPair, PublicKey, jwk_set};
pub use store::{FileKeyStore, IndexStamp, KeyInfo, KeyStatus};

/// The SM2 signer ID (distinguishing identifier `ID_A` hashed into `Z_A`) used for every SM2
/// signature and verification: the default of GB/T 35276-2017 (and GM/T 0009-2012).
pub const SM2_DEFAULT_SIGNER_ID: &str = "1234567812345678";

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// SM2 signature (GB/T 32918.2) with the SM3 hash (GB/T 32905), as used by GB/T 35276.
    #[default]
    Sm2Sm3,
    /// Ed25519 (RFC 8032).
    Ed25519,
}

impl Algorithm {
    /// Every algorithm, default first.
    pub const ALL: [Algorithm; 2] = [Algorithm::Sm2Sm3, Algorithm::Ed25519];

    /// The canonical name: `"SM2-SM3"` or `"Ed25519"` (also the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "SM2-SM3",
            Algorithm::Ed25519 => "Ed25519",
        }
    }

    /// Parses a name, case-insensitively: `"SM2-SM3"` or `"sm2"`, `"Ed25519"`.
    pub fn parse(s: &str) -> Result<Self, SignError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("SM2-SM3") || s.eq_ignore_ascii_case("sm2") {
            Ok(Algorithm::Sm2Sm3)
        } else if s.eq_ignore_ascii_case("Ed25519") {
            Ok(Algorithm::Ed25519)
        } else {
            Err(SignError::UnknownAlgorithm(s.to_owned()))
        }
    }

    /// The prefix of this algorithm's key ids: `"sm2-"` or `"ed25519-"`.
    fn kid_prefix(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "sm2-",
            Algorithm::Ed25519 => "ed25519-",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = SignError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::parse(s)
    }
}

impl Serialize for Algorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Algorithm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Algorithm::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What went wrong while signing, verifying or managing keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The signature is well-formed but was not made by this key over these bytes.
    #[error("signature does not match the data")]
    BadSignature,
    /// The signature has the wrong length for the algorithm.
    #[error("{alg} signature must be {expected} bytes, got {actual}")]
    SignatureLength {
        /// The key's algorithm.
        alg: Algorithm,
        /// The length the algorithm uses.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The signature has the right length but cannot be a signature at all.
    #[error("{alg} signature malformed: {reason}")]
    SignatureMalformed {
        /// The key's algorithm.
        alg: Algorithm,
        /// Why.
        reason: &'static str,
    },
    /// The public key bytes are not a valid key of their algorithm.
    #[error("public key malformed: {0}")]
    PublicKeyMalformed(String),
    /// An algorithm name that is not supported.
    #[error("unknown signature algorithm {0:?} (expected \"SM2-SM3\" or \"Ed25519\")")]
    UnknownAlgorithm(String),
    /// A JWK that is not a supported public key.
    #[error("JWK invalid: {0}")]
    Jwk(String),
    /// A key id that is not the one derived from the key it labels.
    #[error("key id {claimed:?} does not match the public key (whose key id is {actual:?})")]
    KidMismatch {
        /// The key id given.
        claimed: String,
        /// The key id of the key.
        actual: String,
    },
    /// No key with this id.
    #[error("unknown key id {0:?}")]
    UnknownKeyId(String),
    /// `FileKeyStore::generate` while a key is active.
    #[error("key store: an active key already exists ({0}); use rotate to replace it")]
    ActiveKeyExists(String),
    /// Generating a key pair failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(&'static str),
    /// A file operation of the key store failed.
    #[error("key store: cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "read".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `index.json` cannot be used.
    #[error("key store: index {} is corrupt: {reason}", path.display())]
    CorruptIndex {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A secret key file cannot be used.
    #[error("key store: secret key {kid} unusable: {reason}")]
    SecretKey {
        /// The key's id.
        kid: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// SM3 (GB/T 32905-2016) of `data`, as 64 lowercase hex digits.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// The key id of a public key: `"sm2-"` or `"ed25519-"` followed by the first 16 hex digits
/// (64 bits) of SM3 (GB/T 32905-2016) over the public key bytes (65-byte uncompressed SEC1 point
/// for SM2, 32 bytes for Ed25519).
pub fn key_id(alg: Algorithm, public_bytes: &[u8]) -> String {
    let digest = Sm3::digest(public_bytes);
    let mut kid = String::with_capacity(alg.kid_prefix().len() + 16);
    kid.push_str(alg.kid_prefix());
    kid.push_str(&hex::encode(&digest[..8]));
    kid
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vectors() {
        // GB/T 32905-2016, Appendix A, examples 1 and 2.
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            sm3_hex(&b"abcd".repeat(16)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn key_id_shape() {
        let kid = key_id(Algorithm::Sm2Sm3, b"abc");
        assert_eq!(kid, "sm2-66c7f0f462eeedd9");
        assert_eq!(
            key_id(Algorithm::Ed25519, b"abc"),
            "ed25519-66c7f0f462eeedd9"
        );
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::default(), Algorithm::Sm2Sm3);
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::parse(alg.as_str()).unwrap(), alg);
            assert_eq!(alg.to_string(), alg.as_str());
        }
        assert_eq!(Algorithm::parse("sm2").unwrap(), Algorithm::Sm2Sm3);
        assert_eq!(Algorithm::parse("Sm2-sM3").unwrap(), Algorithm::Sm2Sm3);
        assert_eq!(Algorithm::parse("ED25519").unwrap(), Algorithm::Ed25519);
        assert_eq!("ed25519".parse::<Algorithm>().unwrap(), Algorithm::Ed25519);
        let err = Algorithm::parse("rsa").unwrap_err();
        assert!(matches!(err, SignError::UnknownAlgorithm(_)));
        assert!(err.to_string().contains("rsa"));

        assert_eq!(
            serde_json::to_string(&Algorithm::Sm2Sm3).unwrap(),
            "\"SM2-SM3\""
        );
        assert_eq!(
            serde_json::to_string(&Algorithm::Ed25519).unwrap(),
            "\"Ed25519\""
        );
        let back: Algorithm = serde_json::from_str("\"SM2-SM3\"").unwrap();
        assert_eq!(back, Algorithm::Sm2Sm3);
        assert!(serde_json::from_str::<Algorithm>("\"dsa\"").is_err());
    }
}
