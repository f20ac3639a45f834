//! Ed25519 keys and signatures with one verification policy for the whole
//! service.
//!
//! Policy ("strict"): public keys must be canonical encodings of points that
//! are not of small order, signatures must have a canonical `R` that is not
//! of small order and `S < ℓ`, and the cofactorless equation `[S]B = R + [k]A`
//! must hold (ed25519-dalek `verify_strict`). This rejects every malleability
//! and weak-key trick in the CCTV and Wycheproof suites, so a signed act has
//! exactly one valid signature encoding per (key, message) and no party can
//! register a key whose signatures verify for many messages.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::{CryptoError, base64url, hash};

/// A registered party's Ed25519 public key, validated on construction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses a 32-byte public key, rejecting invalid points, non-canonical
    /// encodings and small-order (weak) keys.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let bytes: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey)?;
        // dalek decompresses y >= p and "x = -0" encodings; re-encoding and
        // comparing rejects them so each key has exactly one byte form (and
        // therefore one key id).
        if key.to_edwards().compress().as_bytes() != bytes {
            return Err(CryptoError::InvalidPublicKey);
        }
        if key.is_weak() {
            return Err(CryptoError::WeakPublicKey);
        }
        Ok(Self(key))
    }

    /// Parses an unpadded base64url public key (the JWK `x` form).
    pub fn from_base64url(s: &str) -> Result<Self, CryptoError> {
        Self::from_bytes(&base64url::decode(s)?)
    }

    /// Unpadded base64url of the 32 key bytes.
    pub fn to_base64url(&self) -> String {
        base64url::encode(self.as_bytes())
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// RFC 7638 JWK thumbprint (SHA-256, unpadded base64url) of the RFC 8037
    /// OKP JWK of this key: a stable, standard identifier any JOSE library
    /// can recompute.
    pub fn key_id(&self) -> String {
        thumbprint(&self.to_base64url())
    }

    /// Verifies `sig` over `msg` under the strict policy (module docs).
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> Result<(), CryptoError> {
        self.0
            .verify_strict(msg, &sig.0)
            .map_err(|_| CryptoError::SignatureMismatch)
    }
}

/// RFC 7638 thumbprint of `{"crv":"Ed25519","kty":"OKP","x":x}`; the members
/// are already in lexicographic order and `x` needs no escaping.
fn thumbprint(x_b64url: &str) -> String {
    let jwk = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x_b64url}"}}"#);
    base64url::encode(&hash::sha256(jwk.as_bytes()))
}

/// Key id (RFC 7638 thumbprint) of a base64url public key, after validating
/// it exactly like [`PublicKey::from_base64url`].
pub fn key_id_of(public_key_b64url: &str) -> Result<String, CryptoError> {
    Ok(PublicKey::from_base64url(public_key_b64url)?.key_id())
}

/// A 64-byte Ed25519 signature. Only the length is checked here; scalar and
/// point validity are part of [`PublicKey::verify`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature(ed25519_dalek::Signature);

impl Signature {
    /// Parses a raw 64-byte signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != ed25519_dalek::SIGNATURE_LENGTH {
            return Err(CryptoError::InvalidSignature);
        }
        ed25519_dalek::Signature::from_slice(bytes)
            .map(Self)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    /// Parses an unpadded base64url signature (exactly 64 bytes).
    pub fn from_base64url(s: &str) -> Result<Self, CryptoError> {
        Self::from_bytes(&base64url::decode(s)?)
    }

    /// The 64 signature bytes (`R || S`).
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }

    /// Unpadded base64url of the 64 signature bytes.
    pub fn to_base64url(&self) -> String {
        base64url::encode(&self.to_bytes())
    }
}

/// An Ed25519 signing key, for clients, tests and fixtures (the service's
/// own key lives in [`super::ServiceKey`]). The secret is zeroized on drop.
#[derive(Clone)]
pub struct KeyPair(SigningKey);

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key", &self.public_key().to_base64url())
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a key from 32 bytes of OS randomness.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut()).map_err(|e| CryptoError::Randomness(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// Builds the key from an RFC 8032 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// Builds the key from an unpadded base64url 32-byte seed.
    pub fn from_seed_base64url(s: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(base64url::decode(s)?);
        let seed: &[u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            CryptoError::InvalidPrivateKey(format!("seed must be 32 bytes, got {}", bytes.len()))
        })?;
        Ok(Self::from_seed(seed))
    }

    /// The secret seed as unpadded base64url (zeroized when dropped).
    pub fn seed_base64url(&self) -> Zeroizing<String> {
        Zeroizing::new(base64url::encode(self.0.as_bytes()))
    }

    /// The public half. Not re-validated: it is `[a]B` for a clamped
    /// scalar `a`, so it always lies in the prime-order subgroup, is
    /// canonically encoded and is never weak.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `msg` (deterministic RFC 8032 Ed25519).
    pub fn sign(&self, msg: &[u8]) -> Signature {
        use ed25519_dalek::Signer as _;
        Signature(self.0.sign(msg))
    }

    /// PKCS#8 v2 (RFC 8410/5958) PEM with LF line endings, zeroized when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CryptoError::InvalidPrivateKey(e.to_string()))
    }

    /// Parses a PKCS#8 PEM Ed25519 private key; an embedded public key must
    /// match the secret.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(Self)
            .map_err(|e| CryptoError::InvalidPrivateKey(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
