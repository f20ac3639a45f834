//! Cryptographic building blocks of the e-waybill ledger.
//!
//! Every signed act in the ledger is an Ed25519 signature over the RFC 8785
//! (JCS) canonical bytes of a JSON document, and parties are identified by the
//! RFC 7638 thumbprint of their public key. Keeping these primitives in one
//! module, each in a small file with one job, lets the policy decisions
//! (strict Ed25519 verification, unpadded base64url, I-JSON numbers) be made
//! once and pinned by test vectors instead of being re-decided at call sites.

#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod base64url;
pub mod hash;
pub mod jcs;
mod jwt_provider;
mod keys;
mod service_key;
#[cfg(test)]
pub(crate) mod test_vectors;

pub use hash::{sha256, sha256_hex};
pub use jcs::{canonical_bytes, canonical_bytes_of};
pub use jwt_provider::install_strict_eddsa_provider;
pub use keys::{KeyPair, PublicKey, Signature, key_id_of};
pub use service_key::{SERVICE_KEY_FILE_NAME, ServiceKey};

/// Errors produced by the crypto module.
///
/// The variants separate "the input is malformed" from "the input is well
/// formed but does not verify", because callers report them differently
/// (400 vs. 401/422) and because mixing them up hides attacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Text is not unpadded base64url (RFC 4648 §5) in canonical form.
    #[error(
        "invalid base64url: expected unpadded RFC 4648 §5 encoding with canonical trailing bits"
    )]
    InvalidBase64,
    /// Not 32 bytes, not a point on the curve, or a non-canonical point encoding.
    #[error("invalid Ed25519 public key")]
    InvalidPublicKey,
    /// A small-order ("weak") point: signatures under it can verify for many messages.
    #[error("weak (small-order) Ed25519 public key")]
    WeakPublicKey,
    /// The signature is not 64 bytes (malformed, as opposed to not verifying).
    #[error("malformed Ed25519 signature: expected 64 bytes")]
    InvalidSignature,
    /// The signature is well formed but does not verify under the strict policy.
    #[error("signature verification failed")]
    SignatureMismatch,
    /// The value cannot be canonicalized per RFC 8785 / I-JSON.
    #[error("JSON cannot be canonicalized (RFC 8785): {0}")]
    NonCanonicalJson(String),
    /// A private key could not be decoded (bad PKCS#8, bad seed length, ...).
    #[error("invalid Ed25519 private key: {0}")]
    InvalidPrivateKey(String),
    /// The operating system random number generator failed.
    #[error("random number generator failure: {0}")]
    Randomness(String),
    /// Reading, writing or validating the service key file failed.
    #[error("service key file: {0}")]
    KeyFile(String),
    /// Building a `jsonwebtoken` key failed.
    #[error("JWT key: {0}")]
    Jwt(String),
    /// A different `jsonwebtoken` crypto provider was installed before ours.
    #[error(
        "a different jsonwebtoken CryptoProvider is already installed for this process; \
         install_strict_eddsa_provider() must run before any JWT is encoded or decoded"
    )]
    JwtProviderConflict,
}
