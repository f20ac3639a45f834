//! Roadside verification: the per-waybill verification token, the signed
//! QR payload an inspector's device checks offline, and the QR images.
//!
//! Pure: no I/O, no database. The HTTP side is `crate::http::roadside`, the
//! token table `crate::storage::roadside`, the offline command
//! `ewaybill verify-qr` (`crate::cli::verify_qr`). See `docs/roadside.md`.
//!
//! # The token
//!
//! 16 bytes (128 bits) from the operating system's RNG, written as 22
//! characters of unpadded base64url. One per waybill, created on the first
//! QR request. The database keeps the lowercase hex SHA-256 of the token's
//! ASCII text (the lookup key) and the token sealed under a pad only the
//! service key can derive ([`seal_token`]), so a database leak alone reveals
//! no live token while the carrier can download the same QR code again.
//!
//! # The QR content
//!
//! One line of text, a link whose fragment is the signed payload:
//!
//! ```text
//! {public base}/v1/verify/{token}#EWB1.{base64url(summary)}.{base64url(signature)}
//! ```
//!
//! A phone camera opens the link (browsers never send the fragment); an
//! inspector's app reads the fragment and checks it offline.
//!
//! - `summary` is the RFC 8785 (JCS) canonical JSON of [`Summary`];
//! - `signature` is Ed25519 by the service key (the log's key, `GET
//!   /v1/log/key`) over the ASCII bytes `EWB1.{base64url(summary)}`, exactly
//!   as they appear in the payload (JWS-style signing input; the `EWB1.`
//!   prefix separates it from everything else the service key signs);
//! - base64url is unpadded RFC 4648 §5.
//!
//! A verifier checks, in order: the prefix `EWB1`, three dot-separated
//! parts, canonical base64url, the signature (strict Ed25519) under the
//! service key, that the summary is canonical JCS and parses with no unknown
//! member, that `k` (key id) is the RFC 7638 thumbprint of that key, and,
//! when it has the whole link, that `t` is the truncated SHA-256 of the
//! link's token (a QR spliced from two waybills fails). The summary's JSON
//! keys are short to keep the code small (a typical code is QR version
//! 20-25 at level M); [`Summary`] lists each key next to its field. The payload is a snapshot
//! taken at `issued_at`: the online check (`GET /v1/verify/{token}`) gives
//! the current status.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::{CryptoError, PublicKey, Signature, base64url, canonical_bytes_of, sha256};

/// The payload's format tag, first part of the payload.
pub const PAYLOAD_PREFIX: &str = "EWB1";

/// Bytes of randomness in a token.
pub const TOKEN_BYTES: usize = 16;

/// Characters of a token (unpadded base64url of [`TOKEN_BYTES`]).
pub const TOKEN_CHARS: usize = 22;

/// The path under the public base that resolves a token.
pub const VERIFY_PATH: &str = "/v1/verify/";

/// Payloads longer than this are refused (a QR code of version 40 at error
/// correction level M holds 2331 bytes; the link and margin take the rest).
pub const MAX_PAYLOAD_CHARS: usize = 2000;

/// The signed summary an inspector's device checks offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// The waybill id (UUID).
    pub id: String,
    /// The waybill number the consignor gave it.
    #[serde(rename = "no")]
    pub number: String,
    /// The status when the payload was signed.
    #[serde(rename = "st")]
    pub status: String,
    /// Number of acts in the waybill's chain.
    #[serde(rename = "v")]
    pub version: u64,
    /// Lowercase hex hash of the latest event (the waybill's `head`).
    #[serde(rename = "h")]
    pub head: String,
    /// The latest event's index in the verifiable log.
    #[serde(rename = "li")]
    pub log_index: u64,
    /// Size of the signed checkpoint that includes the latest event.
    #[serde(rename = "cs")]
    pub checkpoint_size: u64,
    /// YYYY-MM-DD.
    #[serde(rename = "d")]
    pub issue_date: String,
    #[serde(rename = "snd")]
    pub consignor: PartySummary,
    #[serde(rename = "rcv")]
    pub consignee: PartySummary,
    #[serde(rename = "car")]
    pub carrier: PartySummary,
    /// The vehicle carrying the goods now.
    #[serde(rename = "vp")]
    pub vehicle_plate: String,
    #[serde(rename = "tp", default, skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    #[serde(rename = "vc")]
    pub vehicle_country: String,
    #[serde(rename = "g")]
    pub goods: GoodsSummary,
    /// The first 16 bytes of the SHA-256 of the link's token (ASCII),
    /// base64url: binds the payload to its link.
    #[serde(rename = "t")]
    pub token_sha256: String,
    /// RFC 7638 thumbprint of the service key that signed.
    #[serde(rename = "k")]
    pub key_id: String,
    /// When the service signed this payload (RFC 3339, UTC, seconds).
    #[serde(rename = "at")]
    pub issued_at: String,
}

/// A party as the roadside sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartySummary {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "r")]
    pub reg_no: String,
    /// ISO 3166-1 alpha-2.
    #[serde(rename = "c")]
    pub country: String,
}

/// What is carried, without prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsSummary {
    /// Number of goods lines.
    #[serde(rename = "l")]
    pub lines: u64,
    /// Total gross weight in kg, a decimal string.
    #[serde(rename = "w")]
    pub gross_weight_kg: String,
    /// Whether any line carries excise goods.
    #[serde(rename = "x")]
    pub excise: bool,
}

/// Why a payload or a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadsideError {
    /// The text does not follow the format.
    #[error("malformed payload: {0}")]
    Malformed(&'static str),
    /// The signature does not verify under the given key.
    #[error("the payload's signature does not verify with this key")]
    BadSignature,
    /// The summary names another service key than the one verifying it.
    #[error("the payload names service key {claimed}, not {actual}")]
    WrongKey {
        /// `key_id` in the summary.
        claimed: String,
        /// Thumbprint of the verifying key.
        actual: String,
    },
    /// The link's token is not the one the summary was signed for.
    #[error("the link's token does not belong to this payload (spliced QR?)")]
    TokenMismatch,
    /// Canonicalization or randomness failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The QR encoder refused the text (too long).
    #[error("cannot render the QR code: {0}")]
    Qr(String),
}

/// Signs a summary: `EWB1.{b64(JCS summary)}.{b64(signature)}`.
pub fn sign_payload(
    summary: &Summary,
    sign: impl FnOnce(&[u8]) -> Signature,
) -> Result<String, RoadsideError> {
    let body = base64url::encode(&canonical_bytes_of(summary)?);
    let input = format!("{PAYLOAD_PREFIX}.{body}");
    let signature = sign(input.as_bytes());
    Ok(format!("{input}.{}", signature.to_base64url()))
}

/// What an offline check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload {
    pub summary: Summary,
    /// The link's token, when the input was the whole link.
    pub token: Option<String>,
    /// Whether the token was checked against `token_sha256`.
    pub token_checked: bool,
}

/// Splits QR text into the link's token (if it is a link) and the payload.
/// Accepts the whole link, a bare `EWB1...` payload, and surrounding
/// whitespace.
pub fn split_qr_text(text: &str) -> Result<(Option<String>, String), RoadsideError> {
    let text = text.trim();
    let (link, payload) = match text.split_once('#') {
        Some((link, payload)) => (Some(link), payload),
        None if text.starts_with(PAYLOAD_PREFIX) => (None, text),
        None => {
            return Err(RoadsideError::Malformed(
                "no EWB1 payload (expected a link with #EWB1... or the payload itself)",
            ));
        }
    };
    let token = match link {
        None => None,
        Some(link) => {
            let (_, token) = link
                .rsplit_once(VERIFY_PATH)
                .ok_or(RoadsideError::Malformed(
                    "the link has no /v1/verify/{token}",
                ))?;
            if !is_token_syntax(token) {
                return Err(RoadsideError::Malformed(
                    "the link's token is not 22 base64url characters",
                ));
            }
            Some(token.to_owned())
        }
    };
    Ok((token, payload.to_owned()))
}

/// Checks QR text (the whole link or the bare payload) offline with the
/// service key. Every check in the module docs; nothing is trusted before
/// the signature verifies.
pub fn verify_qr_text(
    text: &str,
    service_key: &PublicKey,
) -> Result<VerifiedPayload, RoadsideError> {
    let (token, payload) = split_qr_text(text)?;
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(RoadsideError::Malformed("payload too long"));
    }
    let mut parts = payload.split('.');
    let (Some(prefix), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RoadsideError::Malformed(
            "expected EWB1.<summary>.<signature>",
        ));
    };
    if prefix != PAYLOAD_PREFIX {
        return Err(RoadsideError::Malformed(
            "unknown format tag (expected EWB1)",
        ));
    }
    let signature = Signature::from_base64url(sig)
        .map_err(|_| RoadsideError::Malformed("the signature is not 64 bytes of base64url"))?;
    let body_bytes = base64url::decode(body)
        .map_err(|_| RoadsideError::Malformed("the summary is not base64url"))?;
    let input = format!("{prefix}.{body}");
    service_key
        .verify(input.as_bytes(), &signature)
        .map_err(|_| RoadsideError::BadSignature)?;
    let summary: Summary = serde_json::from_slice(&body_bytes)
        .map_err(|_| RoadsideError::Malformed("the summary is not the EWB1 JSON object"))?;
    if canonical_bytes_of(&summary)? != body_bytes {
        return Err(RoadsideError::Malformed(
            "the summary is not RFC 8785 canonical JSON",
        ));
    }
    let actual = service_key.key_id();
    if summary.key_id != actual {
        return Err(RoadsideError::WrongKey {
            claimed: summary.key_id.clone(),
            actual,
        });
    }
    let token_checked = match &token {
        Some(token) if token_sha256_b64(token) != summary.token_sha256 => {
            return Err(RoadsideError::TokenMismatch);
        }
        Some(_) => true,
        None => false,
    };
    Ok(VerifiedPayload {
        summary,
        token,
        token_checked,
    })
}

/// A fresh token: [`TOKEN_BYTES`] from the OS RNG, unpadded base64url.
pub fn new_token() -> Result<String, RoadsideError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| CryptoError::Randomness(e.to_string()))?;
    Ok(base64url::encode(&bytes))
}

/// Whether `s` can be a token: exactly [`TOKEN_CHARS`] characters of
/// canonical base64url decoding to [`TOKEN_BYTES`] bytes.
pub fn is_token_syntax(s: &str) -> bool {
    s.len() == TOKEN_CHARS && base64url::decode(s).is_ok_and(|b| b.len() == TOKEN_BYTES)
}

/// The lookup key stored in the database: lowercase hex SHA-256 of the
/// token's ASCII text.
pub fn token_lookup_hash(token: &str) -> String {
    hex::encode(sha256(token.as_bytes()))
}

/// The summary's `t`: base64url of the first 16 bytes of SHA-256 of the
/// token's ASCII text.
pub fn token_sha256_b64(token: &str) -> String {
    base64url::encode(&sha256(token.as_bytes())[..16])
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
    let bytes = base64url::decode(token)?;
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
    let token = base64url::encode(&bytes);
    (token_lookup_hash(&token) == lookup_hash).then_some(token)
}

/// The link in the QR code: `{base}/v1/verify/{token}#{payload}`.
pub fn qr_text(public_base: &str, token: &str, payload: &str) -> String {
    format!(
        "{}{VERIFY_PATH}{token}#{payload}",
        public_base.trim_end_matches('/')
    )
}

fn qr_code(text: &str) -> Result<qrcode::QrCode, RoadsideError> {
    qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| RoadsideError::Qr(e.to_string()))
}

/// A QR code's modules, for a renderer of its own (the printable PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    /// Row by row, `true` where the module is dark.
    pub dark: Vec<bool>,
}

/// The modules of the QR code of `text`: the same code [`qr_png`] and
/// [`qr_svg`] draw.
pub fn qr_modules(text: &str) -> Result<QrModules, RoadsideError> {
    let code = qr_code(text)?;
    Ok(QrModules {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    })
}

/// The QR code (byte mode, error correction M) as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, RoadsideError> {
    Ok(qr_code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// The QR code (byte mode, error correction M) as a PNG image.
pub fn qr_png(text: &str) -> Result<Vec<u8>, RoadsideError> {
    let image = qr_code(text)?
        .render::<image::Luma<u8>>()
        .module_dimensions(4, 4)
        .quiet_zone(true)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| RoadsideError::Qr(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests;
