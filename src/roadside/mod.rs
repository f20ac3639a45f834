//! Roadside verification: the per-waybill verification token, the signed
//! QR payload an inspector's device checks offline, and the QR images.
//!
//! Pure: no I/O, no database. The HTTP side is `crate::http::roadside`, the
//! token table `crate::storage::roadside`, the offline command
//! `ewaybill verify-qr` (`crate::cli::verify_qr`). The byte layout, for
//! independent verifiers, is in `docs/roadside.md`.
//!
//! # The token
//!
//! 16 bytes (128 bits) from the operating system's RNG, written as 26
//! characters of unpadded RFC 4648 base32 (`A`-`Z`, `2`-`7`): it survives
//! QR alphanumeric mode, which has no lowercase. One per waybill, created on
//! the first QR request. The database keeps the lowercase hex SHA-256 of the
//! token's ASCII text (the lookup key) and the token sealed under a pad only
//! the service key can derive ([`seal_token`]), so a database leak alone
//! reveals no live token while the carrier can download the same QR code
//! again.
//!
//! # The QR content
//!
//! One line of text, all of it in the QR alphanumeric set but the `#`:
//!
//! ```text
//! HTTPS://EWB.EXAMPLE.LV/V/{token}#EWB2:{Base45(zlib(COSE_Sign1))}
//! ```
//!
//! A phone camera opens the link (browsers never send the fragment); an
//! inspector's app reads the fragment and checks it offline: the COSE_Sign1
//! ([`payload`]) is signed by the service key (EdDSA, the key id in the
//! protected header) over the CBOR [`Summary`] with the link's token as
//! external AAD, so a payload moved onto another waybill's link fails. The
//! summary is true as of its `issued_at`; the link gives the current status.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use crate::crypto::{CryptoError, Signature, base64url, sha256};

pub mod link;
pub mod payload;
pub mod summary;

pub use link::{
    LINK_PATH, QrModules, QrParts, link_base, qr_modules, qr_png, qr_svg, qr_text, qr_version,
    split_qr_text, verify_link,
};
pub use payload::{PAYLOAD_PREFIX, VerifiedPayload, key_id_bytes, sign_payload, verify_qr_text};
pub use summary::{GoodsSummary, PartySummary, Summary};

/// The largest QR version a roadside code may have (level M).
pub const MAX_QR_VERSION: i16 = 15;

/// A signed roadside QR code: the summary it carries, the payload and the
/// code's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedQr {
    pub summary: Summary,
    pub payload: String,
    pub text: String,
    pub version: i16,
}

/// Signs the summary of `waybill` for the link `{public_base}/V/{token}`,
/// cut (see [`Summary::of`]) only as far as needed for the code to be at
/// most [`MAX_QR_VERSION`].
pub fn signed_qr(
    waybill: &crate::domain::projection::WaybillState,
    log_index: u64,
    signed_at: chrono::DateTime<chrono::Utc>,
    public_base: &str,
    token: &str,
    key: &crate::crypto::PublicKey,
    sign: impl Fn(&[u8]) -> Signature,
) -> Result<SignedQr, RoadsideError> {
    let mut budget = summary::SUMMARY_BYTES;
    loop {
        let summary = Summary::of(waybill, log_index, signed_at, budget);
        let payload = sign_payload(&summary, token, key, &sign)?;
        let text = qr_text(public_base, token, &payload);
        let version = qr_version(&text)?;
        if version <= MAX_QR_VERSION || budget < 64 {
            return Ok(SignedQr {
                summary,
                payload,
                text,
                version,
            });
        }
        budget -= 4;
    }
}

/// Bytes of randomness in a token.
pub const TOKEN_BYTES: usize = 16;

/// Characters of a token (unpadded base32 of [`TOKEN_BYTES`]).
pub const TOKEN_CHARS: usize = 26;

/// Why a payload or a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadsideError {
    /// The text does not follow the format.
    #[error("malformed payload: {0}")]
    Malformed(&'static str),
    /// The signature does not verify under the given key with this link's
    /// token (a forgery, or a payload moved onto another waybill's link).
    #[error(
        "the payload's signature does not verify with this key and this link's token (forged, or spliced onto another waybill's link?)"
    )]
    BadSignature,
    /// The protected header names another service key than the one
    /// verifying it.
    #[error("the payload names service key id {claimed}, not {actual}")]
    WrongKey {
        /// The `kid` in the protected header (hex).
        claimed: String,
        /// The verifying key's `kid` (hex).
        actual: String,
    },
    /// Canonicalization or randomness failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The QR encoder refused the text (too long).
    #[error("cannot render the QR code: {0}")]
    Qr(String),
}

/// A fresh token: [`TOKEN_BYTES`] from the OS RNG, unpadded base32.
pub fn new_token() -> Result<String, RoadsideError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| CryptoError::Randomness(e.to_string()))?;
    Ok(encode_token(&bytes))
}

fn encode_token(bytes: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(bytes)
}

/// The token's 16 bytes, when `s` is a token: [`TOKEN_CHARS`] characters
/// of canonical unpadded base32 in either case (links may be lowercased on
/// the way; the canonical form is uppercase).
pub fn token_bytes(s: &str) -> Option<[u8; TOKEN_BYTES]> {
    if s.len() != TOKEN_CHARS {
        return None;
    }
    let upper = s.to_ascii_uppercase();
    let bytes = data_encoding::BASE32_NOPAD.decode(upper.as_bytes()).ok()?;
    let bytes: [u8; TOKEN_BYTES] = bytes.try_into().ok()?;
    (encode_token(&bytes) == upper).then_some(bytes)
}

/// The canonical (uppercase) form of a token, when `s` is one.
pub fn canonical_token(s: &str) -> Option<String> {
    token_bytes(s).map(|b| encode_token(&b))
}

/// Whether `s` can be a token (see [`token_bytes`]).
pub fn is_token_syntax(s: &str) -> bool {
    token_bytes(s).is_some()
}

/// The lookup key stored in the database: lowercase hex SHA-256 of the
/// token's canonical ASCII text.
pub fn token_lookup_hash(token: &str) -> String {
    let canonical = canonical_token(token).unwrap_or_else(|| token.to_owned());
    hex::encode(sha256(canonical.as_bytes()))
}

/// The message whose signature by the service key derives a token's pad.
/// Never published; the prefix keeps it apart from everything the key signs.
fn pad_message(waybill_id: &str, lookup_hash: &str) -> String {
    format!("ewaybill roadside token seal v1\n{waybill_id}\n{lookup_hash}\n")
}

fn pad(waybill_id: &str, lookup_hash: &str, sign: impl FnOnce(&[u8]) -> Signature) -> [u8; 32] {
    let signature = sign(pad_message(waybill_id, lookup_hash).as_bytes());
    sha256(&signature.to_bytes())
}

/// Seals a token for storage: token bytes XOR SHA-256(Ed25519 signature by
/// the service key over a message naming the waybill and the token's lookup
/// hash). Ed25519 is deterministic, so the service can unseal; without the
/// service key the pad is unpredictable. Each pad seals one token only.
pub fn seal_token(
    waybill_id: &str,
    token: &str,
    sign: impl FnOnce(&[u8]) -> Signature,
) -> Result<String, RoadsideError> {
    let bytes = token_bytes(token).ok_or(RoadsideError::Malformed("not a token"))?;
    let pad = pad(waybill_id, &token_lookup_hash(token), sign);
    let sealed: Vec<u8> = bytes.iter().zip(pad.iter()).map(|(b, p)| b ^ p).collect();
    Ok(base64url::encode(&sealed))
}

/// Unseals a stored token; `None` when it does not match its lookup hash
/// (the service key changed, or the row was tampered with).
pub fn unseal_token(
    waybill_id: &str,
    lookup_hash: &str,
    sealed: &str,
    sign: impl FnOnce(&[u8]) -> Signature,
) -> Option<String> {
    let sealed = base64url::decode(sealed).ok()?;
    if sealed.len() != TOKEN_BYTES {
        return None;
    }
    let pad = pad(waybill_id, lookup_hash, sign);
    let bytes: Vec<u8> = sealed.iter().zip(pad.iter()).map(|(b, p)| b ^ p).collect();
    let token = encode_token(&bytes);
    (token_lookup_hash(&token) == lookup_hash).then_some(token)
}

#[cfg(test)]
mod tests;
