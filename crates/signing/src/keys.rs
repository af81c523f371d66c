//! Public keys (verification, JWK) and key pairs (signing).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
// The `signature` 3 traits, shared by sm2 and ed25519-dalek.
use sm2::dsa::signature::{RandomizedSigner as _, Signer as _, Verifier as _};
use sm2::elliptic_curve::Generate as _;
use sm2::elliptic_curve::sec1::ToSec1Point as _;
use zeroize::Zeroizing;

use crate::{Algorithm, SM2_DEFAULT_SIGNER_ID, SignError, key_id};

/// Length of an SM2 public key: uncompressed SEC1 point `0x04 || x || y` (GB/T 32918.1 § 4.2.9).
const SM2_PUBLIC_LEN: usize = 65;
/// Length of an SM2 coordinate or private key.
const SM2_FIELD_LEN: usize = 32;
/// Length of an Ed25519 public key.
const ED25519_PUBLIC_LEN: usize = ed25519_dalek::PUBLIC_KEY_LENGTH;
/// Length of a signature: SM2 `r || s` and Ed25519 `R || S` are both 64 bytes.
const SIGNATURE_LEN: usize = 64;
/// Length of a stored secret: SM2 private key `d` or Ed25519 seed.
pub(crate) const SECRET_LEN: usize = 32;

/// A public key with its key id.
///
/// `bytes` is the 65-byte uncompressed SEC1 point `0x04 || x || y` for SM2 (GB/T 32918.1) and the
/// 32-byte RFC 8032 encoding for Ed25519. [`PublicKey::new`] checks the bytes and derives `kid`
/// with [`key_id`]; the fields are public, so a value built by hand is only checked when used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    /// The algorithm the key belongs to.
    pub alg: Algorithm,
    /// The key id, [`key_id`] of `alg` and `bytes`.
    pub kid: String,
    /// The encoded public key.
    pub bytes: Vec<u8>,
}

impl PublicKey {
    /// Checks that `bytes` is a valid public key of `alg` and derives its key id.
    pub fn new(alg: Algorithm, bytes: Vec<u8>) -> Result<Self, SignError> {
        match alg {
            Algorithm::Sm2Sm3 => {
                sm2_verifying_key(&bytes)?;
            }
            Algorithm::Ed25519 => {
                ed25519_verifying_key(&bytes)?;
            }
        }
        Ok(PublicKey {
            alg,
            kid: key_id(alg, &bytes),
            bytes,
        })
    }

    /// Verifies `sig` over `msg`.
    ///
    /// SM2 (GB/T 32918.2 § 7): `sig` is `r || s` (32 bytes each, big-endian), the digest is
    /// `SM3(Z_A || msg)` with the GB/T 35276 default signer ID [`SM2_DEFAULT_SIGNER_ID`].
    /// Ed25519: RFC 8032 verification in its strict form (canonical `S`, no small-order key).
    ///
    /// Errors: [`SignError::BadSignature`] if the signature does not match,
    /// [`SignError::SignatureLength`] / [`SignError::SignatureMalformed`] if `sig` cannot be a
    /// signature, [`SignError::PublicKeyMalformed`] if `self.bytes` is not a key.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SignError> {
        if sig.len() != SIGNATURE_LEN {
            return Err(SignError::SignatureLength {
                alg: self.alg,
                expected: SIGNATURE_LEN,
                actual: sig.len(),
            });
        }
        match self.alg {
            Algorithm::Sm2Sm3 => {
                let key = sm2_verifying_key(&self.bytes)?;
                let sig = sm2::dsa::Signature::from_slice(sig).map_err(|_| {
                    SignError::SignatureMalformed {
                        alg: self.alg,
                        reason: "r or s is zero or not below the group order",
                    }
                })?;
                key.verify(msg, &sig).map_err(|_| SignError::BadSignature)
            }
            Algorithm::Ed25519 => {
                let key = ed25519_verifying_key(&self.bytes)?;
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| {
                    SignError::SignatureMalformed {
                        alg: self.alg,
                        reason: "not an Ed25519 signature",
                    }
                })?;
                key.verify_strict(msg, &sig)
                    .map_err(|_| SignError::BadSignature)
            }
        }
    }

    /// The key as a JWK (RFC 7517). Ed25519 follows RFC 8037:
    /// `{"kty":"OKP","crv":"Ed25519","x","kid","alg":"EdDSA"}`. SM2 uses the EC shape:
    /// `{"kty":"EC","crv":"SM2","x","y","kid","alg":"SM2-SM3"}` with 32-byte coordinates.
    /// Binary members are unpadded base64url.
    pub fn to_jwk(&self) -> Value {
        match self.alg {
            Algorithm::Sm2Sm3 => {
                let (x, y) = match self.bytes.get(1..SM2_PUBLIC_LEN) {
                    Some(xy) if self.bytes.len() == SM2_PUBLIC_LEN => xy.split_at(SM2_FIELD_LEN),
                    // Not a valid key: export what there is; from_jwk will refuse it.
                    _ => (self.bytes.as_slice(), &[][..]),
                };
                json!({
                    "kty": "EC",
                    "crv": "SM2",
                    "x": URL_SAFE_NO_PAD.encode(x),
                    "y": URL_SAFE_NO_PAD.encode(y),
                    "kid": self.kid,
                    "alg": jwk_alg(self.alg),
                })
            }
            Algorithm::Ed25519 => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(&self.bytes),
                "kid": self.kid,
                "alg": jwk_alg(self.alg),
            }),
        }
    }

    /// Reads a JWK written by [`PublicKey::to_jwk`] (or any JWK of the same shape). `kid` is
    /// required and must be the key id derived from the key ([`SignError::KidMismatch`]);
    /// `alg`, when present, must be `"EdDSA"` or `"SM2-SM3"` to match the curve.
    pub fn from_jwk(v: &Value) -> Result<Self, SignError> {
        let obj = v
            .as_object()
            .ok_or_else(|| SignError::Jwk("not a JSON object".into()))?;
        let kty = jwk_str(obj, "kty")?;
        let crv = jwk_str(obj, "crv")?;
        let (alg, bytes) = match (kty, crv) {
            ("OKP", "Ed25519") => {
                let x = jwk_b64(obj, "x", ED25519_PUBLIC_LEN)?;
                (Algorithm::Ed25519, x)
            }
            ("EC", "SM2") => {
                let x = jwk_b64(obj, "x", SM2_FIELD_LEN)?;
                let y = jwk_b64(obj, "y", SM2_FIELD_LEN)?;
                let mut bytes = Vec::with_capacity(SM2_PUBLIC_LEN);
                bytes.push(0x04);
                bytes.extend_from_slice(&x);
                bytes.extend_from_slice(&y);
                (Algorithm::Sm2Sm3, bytes)
            }
            _ => {
                return Err(SignError::Jwk(format!(
                    "unsupported key type kty={kty:?} crv={crv:?} \
                     (expected OKP/Ed25519 or EC/SM2)"
                )));
            }
        };
        if let Some(a) = obj.get("alg")
            && a.as_str() != Some(jwk_alg(alg))
        {
            return Err(SignError::Jwk(format!(
                "\"alg\" is {a}, expected \"{}\" for {crv}",
                jwk_alg(alg)
            )));
        }
        let claimed = jwk_str(obj, "kid")?;
        let key = PublicKey::new(alg, bytes)?;
        if key.kid != claimed {
            return Err(SignError::KidMismatch {
                claimed: claimed.to_owned(),
                actual: key.kid,
            });
        }
        Ok(key)
    }
}

/// A JWK set (RFC 7517 § 5), `{"keys": [...]}`, of `keys` in order.
pub fn jwk_set(keys: &[PublicKey]) -> Value {
    json!({ "keys": keys.iter().map(PublicKey::to_jwk).collect::<Vec<_>>() })
}

/// The JWK `alg` of an algorithm: `"SM2-SM3"`, or `"EdDSA"` (RFC 8037 § 3.1).
fn jwk_alg(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Sm2Sm3 => "SM2-SM3",
        Algorithm::Ed25519 => "EdDSA",
    }
}

fn jwk_str<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, SignError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(SignError::Jwk(format!(
            "\"{name}\" must be a string, got {other}"
        ))),
        None => Err(SignError::Jwk(format!("missing \"{name}\""))),
    }
}

fn jwk_b64(obj: &Map<String, Value>, name: &str, len: usize) -> Result<Vec<u8>, SignError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(jwk_str(obj, name)?)
        .map_err(|e| SignError::Jwk(format!("\"{name}\" is not unpadded base64url: {e}")))?;
    if bytes.len() != len {
        return Err(SignError::Jwk(format!(
            "\"{name}\" must be {len} bytes, got {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn sm2_verifying_key(bytes: &[u8]) -> Result<sm2::dsa::VerifyingKey, SignError> {
    if bytes.len() != SM2_PUBLIC_LEN || bytes.first() != Some(&0x04) {
        return Err(SignError::PublicKeyMalformed(format!(
            "an SM2 public key must be the {SM2_PUBLIC_LEN}-byte uncompressed point \
             0x04 || x || y, got {} bytes",
            bytes.len()
        )));
    }
    sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_SIGNER_ID, bytes)
        .map_err(|_| SignError::PublicKeyMalformed("the SM2 point is not on the curve".into()))
}

fn ed25519_verifying_key(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey, SignError> {
    let array: &[u8; ED25519_PUBLIC_LEN] = bytes.try_into().map_err(|_| {
        SignError::PublicKeyMalformed(format!(
            "an Ed25519 public key must be {ED25519_PUBLIC_LEN} bytes, got {}",
            bytes.len()
        ))
    })?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(array)
        .map_err(|_| SignError::PublicKeyMalformed("not an Ed25519 curve point encoding".into()))?;
    if key.is_weak() {
        return Err(SignError::PublicKeyMalformed(
            "the Ed25519 point has small order".into(),
        ));
    }
    Ok(key)
}

/// A private key and its public key, able to sign.
///
/// The secret never leaves the value: there is no accessor for it, and `Debug` prints only the
/// algorithm and key id. The Ed25519 secret is wiped from memory on drop; the SM2 one is held by
/// `sm2::dsa::SigningKey`, which (in sm2 0.14) does not wipe itself.
pub struct KeyPair {
    secret: Secret,
    public: PublicKey,
}

enum Secret {
    Sm2(Box<sm2::dsa::SigningKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl KeyPair {
    /// Generates a key pair from the operating system's CSPRNG (via `rand::rng()`). An SM2
    /// private key is uniform in `[1, n-1]` (GB/T 32918.1 § 6.1).
    pub fn generate(alg: Algorithm) -> Result<Self, SignError> {
        let mut rng = rand::rng();
        match alg {
            Algorithm::Sm2Sm3 => {
                let d = sm2::NonZeroScalar::generate_from_rng(&mut rng);
                let key = sm2::dsa::SigningKey::from_nonzero_scalar(SM2_DEFAULT_SIGNER_ID, d)
                    .map_err(|_| SignError::KeyGeneration("SM2 signing key setup failed"))?;
                Ok(Self::from_sm2(key))
            }
            Algorithm::Ed25519 => Ok(Self::from_ed25519(ed25519_dalek::SigningKey::generate(
                &mut rng,
            ))),
        }
    }

    /// Rebuilds a key pair from its 32 stored secret bytes (SM2 `d` big-endian, Ed25519 seed).
    pub(crate) fn from_secret(alg: Algorithm, secret: &[u8; SECRET_LEN]) -> Result<Self, String> {
        match alg {
            Algorithm::Sm2Sm3 => sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_SIGNER_ID, secret)
                .map(Self::from_sm2)
                .map_err(|_| "not an SM2 private key (must be in [1, n-1])".to_owned()),
            Algorithm::Ed25519 => Ok(Self::from_ed25519(ed25519_dalek::SigningKey::from_bytes(
                secret,
            ))),
        }
    }

    /// The 32 secret bytes, for the key store's secret file only.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; SECRET_LEN]> {
        match &self.secret {
            Secret::Sm2(key) => {
                let mut out = Zeroizing::new([0u8; SECRET_LEN]);
                let d = Zeroizing::new(key.to_bytes());
                out.copy_from_slice(&d);
                out
            }
            Secret::Ed25519(key) => Zeroizing::new(key.to_bytes()),
        }
    }

    fn from_sm2(key: sm2::dsa::SigningKey) -> Self {
        let point = key.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes().to_vec();
        KeyPair {
            public: PublicKey {
                alg: Algorithm::Sm2Sm3,
                kid: key_id(Algorithm::Sm2Sm3, &bytes),
                bytes,
            },
            secret: Secret::Sm2(Box::new(key)),
        }
    }

    fn from_ed25519(key: ed25519_dalek::SigningKey) -> Self {
        let bytes = key.verifying_key().to_bytes().to_vec();
        KeyPair {
            public: PublicKey {
                alg: Algorithm::Ed25519,
                kid: key_id(Algorithm::Ed25519, &bytes),
                bytes,
            },
            secret: Secret::Ed25519(Box::new(key)),
        }
    }

    /// Signs `msg`; the signature is 64 bytes.
    ///
    /// SM2 (GB/T 32918.2 § 6.1): `r || s`, 32 bytes each, big-endian, over
    /// `SM3(Z_A || msg)` with the GB/T 35276 default signer ID. The per-signature `k` comes from
    /// RFC 6979 mixed with fresh randomness, so SM2 signatures of the same message differ.
    /// Ed25519 (RFC 8032) signatures are deterministic.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match &self.secret {
            Secret::Sm2(key) => {
                let sig: sm2::dsa::Signature = key.sign_with_rng(&mut rand::rng(), msg);
                sig.to_vec()
            }
            Secret::Ed25519(key) => key.sign(msg).to_bytes().to_vec(),
        }
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.public.clone()
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.public.alg
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("alg", &self.public.alg)
            .field("kid", &self.public.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const MSG: &[u8] = "电子证照 OneWindow licence No. 0001".as_bytes();

    fn flip_one_byte(data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        out[3] ^= 0x01;
        out
    }

    #[test]
    fn sign_verify_round_trip_both_algorithms() {
        for alg in Algorithm::ALL {
            let pair = KeyPair::generate(alg).unwrap();
            assert_eq!(pair.alg(), alg);
            let public = pair.public();
            assert_eq!(public.kid, pair.kid());
            assert_eq!(public.kid, key_id(alg, &public.bytes));
            let expected_len = match alg {
                Algorithm::Sm2Sm3 => 65,
                Algorithm::Ed25519 => 32,
            };
            assert_eq!(public.bytes.len(), expected_len);
            assert_eq!(PublicKey::new(alg, public.bytes.clone()).unwrap(), public);

            let sig = pair.sign(MSG);
            assert_eq!(sig.len(), 64, "{alg}");
            public.verify(MSG, &sig).unwrap();
            public.verify(MSG, &pair.sign(MSG)).unwrap();
        }
    }

    #[test]
    fn one_byte_change_in_message_or_signature_fails() {
        for alg in Algorithm::ALL {
            let pair = KeyPair::generate(alg).unwrap();
            let sig = pair.sign(MSG);
            let err = pair.public().verify(&flip_one_byte(MSG), &sig).unwrap_err();
            assert!(matches!(err, SignError::BadSignature), "{alg}: {err}");
            assert_eq!(err.to_string(), "signature does not match the data");

            let err = pair.public().verify(MSG, &flip_one_byte(&sig)).unwrap_err();
            assert!(matches!(err, SignError::BadSignature), "{alg}: {err}");

            let err = pair.public().verify(b"", &sig).unwrap_err();
            assert!(matches!(err, SignError::BadSignature), "{alg}: {err}");
        }
    }

    #[test]
    fn signature_from_another_key_fails() {
        for alg in Algorithm::ALL {
            let a = KeyPair::generate(alg).unwrap();
            let b = KeyPair::generate(alg).unwrap();
            assert_ne!(a.kid(), b.kid());
            let err = b.public().verify(MSG, &a.sign(MSG)).unwrap_err();
            assert!(matches!(err, SignError::BadSignature), "{alg}: {err}");
        }
        // And across algorithms: an Ed25519 signature is not an SM2 signature.
        let sm2 = KeyPair::generate(Algorithm::Sm2Sm3).unwrap();
        let ed = KeyPair::generate(Algorithm::Ed25519).unwrap();
        assert!(sm2.public().verify(MSG, &ed.sign(MSG)).is_err());
        assert!(ed.public().verify(MSG, &sm2.sign(MSG)).is_err());
    }

    #[test]
    fn malformed_signatures_and_keys_are_named() {
        let pair = KeyPair::generate(Algorithm::Sm2Sm3).unwrap();
        let err = pair.public().verify(MSG, &[0u8; 63]).unwrap_err();
        assert!(
            matches!(
                err,
                SignError::SignatureLength {
                    expected: 64,
                    actual: 63,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "SM2-SM3 signature must be 64 bytes, got 63"
        );
        let err = pair.public().verify(MSG, &[0u8; 64]).unwrap_err();
        assert!(matches!(err, SignError::SignatureMalformed { .. }), "{err}");
        let err = pair.public().verify(MSG, &[0xffu8; 64]).unwrap_err();
        assert!(matches!(err, SignError::SignatureMalformed { .. }), "{err}");

        let mut compressed = pair.public();
        compressed.bytes.truncate(33);
        compressed.bytes[0] = 0x02;
        let err = compressed.verify(MSG, &pair.sign(MSG)).unwrap_err();
        assert!(matches!(err, SignError::PublicKeyMalformed(_)), "{err}");
        assert!(err.to_string().starts_with("public key malformed: "));

        let mut off_curve = pair.public().bytes;
        off_curve[64] ^= 1;
        let err = PublicKey::new(Algorithm::Sm2Sm3, off_curve).unwrap_err();
        assert!(matches!(err, SignError::PublicKeyMalformed(_)), "{err}");

        let err = PublicKey::new(Algorithm::Ed25519, vec![0u8; 31]).unwrap_err();
        assert!(matches!(err, SignError::PublicKeyMalformed(_)), "{err}");
        // The identity point: a small-order (weak) key.
        let mut identity = vec![0u8; 32];
        identity[0] = 1;
        let err = PublicKey::new(Algorithm::Ed25519, identity).unwrap_err();
        assert!(matches!(err, SignError::PublicKeyMalformed(_)), "{err}");
    }

    /// Interoperability: a signature made by OpenSSL 3.0
    /// (`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678`, DER
    /// converted to `r || s`) verifies, so our `Z_A` and digest match other implementations.
    #[test]
    fn sm2_signature_from_openssl_verifies() {
        let public = PublicKey::new(
            Algorithm::Sm2Sm3,
            hex::decode(
                "0424476a3372bf4168cdce099c56ed3b4986b2a4ff5287efd18cc7bdcb166d5acb\
                 4427ab07124918f7ab6cd1ae1c1a94e00d2dc9442b6f11967a07a438df649e19",
            )
            .unwrap(),
        )
        .unwrap();
        let sig = hex::decode(
            "86ab8bd023ac4a5aa376f90d3bf5a930d7ebfd63cc78471cf387087a8c28c697\
             9a35c75d5c4ecd4600cbbf785f7f8ff51bd456a47aaeea09f7835d8751f04552",
        )
        .unwrap();
        public.verify(b"OneWindow licence 0001", &sig).unwrap();
        assert!(matches!(
            public.verify(b"OneWindow licence 0002", &sig),
            Err(SignError::BadSignature)
        ));
    }

    /// RFC 8032 § 7.1, TEST 2.
    #[test]
    fn ed25519_rfc8032_vector() {
        let seed: [u8; 32] =
            hex::decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
                .unwrap()
                .try_into()
                .unwrap();
        let pair = KeyPair::from_secret(Algorithm::Ed25519, &seed).unwrap();
        assert_eq!(
            hex::encode(&pair.public().bytes),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        );
        let sig = pair.sign(&[0x72]);
        assert_eq!(
            hex::encode(&sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
        pair.public().verify(&[0x72], &sig).unwrap();
        assert_eq!(*pair.secret_bytes(), seed);
    }

    #[test]
    fn sm2_secret_round_trip() {
        let pair = KeyPair::generate(Algorithm::Sm2Sm3).unwrap();
        let again = KeyPair::from_secret(Algorithm::Sm2Sm3, &pair.secret_bytes()).unwrap();
        assert_eq!(again.public(), pair.public());
        pair.public().verify(MSG, &again.sign(MSG)).unwrap();
        assert!(KeyPair::from_secret(Algorithm::Sm2Sm3, &[0u8; 32]).is_err());
        assert!(KeyPair::from_secret(Algorithm::Sm2Sm3, &[0xffu8; 32]).is_err());
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        for alg in Algorithm::ALL {
            let pair = KeyPair::generate(alg).unwrap();
            let debug = format!("{pair:?}");
            assert!(debug.contains("<redacted>"));
            assert!(debug.contains(pair.kid()));
            let secret_hex = hex::encode(*pair.secret_bytes());
            assert!(!debug.contains(&secret_hex));
            assert!(!debug.to_lowercase().contains(&secret_hex[..16]));
        }
    }

    #[test]
    fn jwk_round_trip_both_algorithms() {
        for alg in Algorithm::ALL {
            let public = KeyPair::generate(alg).unwrap().public();
            let jwk = public.to_jwk();
            assert_eq!(jwk["kid"], public.kid.as_str());
            assert_eq!(PublicKey::from_jwk(&jwk).unwrap(), public);
            // Through text too, as a relying party would receive it.
            let text = serde_json::to_string(&jwk_set(std::slice::from_ref(&public))).unwrap();
            let set: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(PublicKey::from_jwk(&set["keys"][0]).unwrap(), public);
        }
    }

    #[test]
    fn jwk_shapes() {
        let ed = KeyPair::generate(Algorithm::Ed25519).unwrap().public();
        let jwk = ed.to_jwk();
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(
            URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap(),
            ed.bytes
        );
        assert_eq!(jwk.as_object().unwrap().len(), 5);

        let sm2 = KeyPair::generate(Algorithm::Sm2Sm3).unwrap().public();
        let jwk = sm2.to_jwk();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "SM2");
        assert_eq!(jwk["alg"], "SM2-SM3");
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
        assert_eq!(x, sm2.bytes[1..33]);
        assert_eq!(y, sm2.bytes[33..65]);
        assert_eq!(jwk.as_object().unwrap().len(), 6);
        assert!(!jwk["x"].as_str().unwrap().contains('='));
    }

    #[test]
    fn jwk_with_wrong_kid_is_refused() {
        for alg in Algorithm::ALL {
            let public = KeyPair::generate(alg).unwrap().public();
            let other = KeyPair::generate(alg).unwrap().public();
            let mut jwk = public.to_jwk();
            jwk["kid"] = Value::from(other.kid.clone());
            let err = PublicKey::from_jwk(&jwk).unwrap_err();
            assert!(
                matches!(&err, SignError::KidMismatch { claimed, actual }
                    if *claimed == other.kid && *actual == public.kid),
                "{err}"
            );

            let mut jwk = public.to_jwk();
            jwk.as_object_mut().unwrap().remove("kid");
            assert!(matches!(PublicKey::from_jwk(&jwk), Err(SignError::Jwk(_))));
        }
    }

    #[test]
    fn jwk_other_defects_are_refused() {
        let sm2 = KeyPair::generate(Algorithm::Sm2Sm3).unwrap().public();
        let ed = KeyPair::generate(Algorithm::Ed25519).unwrap().public();

        let mut jwk = sm2.to_jwk();
        jwk["alg"] = "EdDSA".into();
        assert!(matches!(PublicKey::from_jwk(&jwk), Err(SignError::Jwk(_))));

        let mut jwk = sm2.to_jwk();
        jwk["crv"] = "P-256".into();
        assert!(matches!(PublicKey::from_jwk(&jwk), Err(SignError::Jwk(_))));

        let mut jwk = ed.to_jwk();
        jwk["x"] = format!("{}=", jwk["x"].as_str().unwrap()).into();
        assert!(matches!(PublicKey::from_jwk(&jwk), Err(SignError::Jwk(_))));

        let mut jwk = ed.to_jwk();
        jwk["x"] = URL_SAFE_NO_PAD.encode([1u8; 31]).into();
        assert!(matches!(PublicKey::from_jwk(&jwk), Err(SignError::Jwk(_))));

        // A point that is not on the curve, even with the "right" kid for its bytes.
        let mut bytes = sm2.bytes.clone();
        bytes[64] ^= 1;
        let mut jwk = sm2.to_jwk();
        jwk["y"] = URL_SAFE_NO_PAD.encode(&bytes[33..]).into();
        jwk["kid"] = key_id(Algorithm::Sm2Sm3, &bytes).into();
        assert!(matches!(
            PublicKey::from_jwk(&jwk),
            Err(SignError::PublicKeyMalformed(_))
        ));

        assert!(matches!(
            PublicKey::from_jwk(&Value::from("x")),
            Err(SignError::Jwk(_))
        ));
    }
}
