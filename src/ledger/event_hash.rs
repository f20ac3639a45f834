//! How an event is identified: the lowercase hex SHA-256 of the RFC 8785
//! bytes of `{"act": ..., "signature": ...}`. Clients compute the same hash to
//! fill `prev`, so this must never change.

use serde_json::{Value, json};

use crate::crypto::{CryptoError, hash::sha256_hex, jcs::canonical_bytes};

/// The canonical text of an act, as stored.
pub fn canonical_act(act: &Value) -> Result<String, CryptoError> {
    let bytes = canonical_bytes(act)?;
    String::from_utf8(bytes).map_err(|e| CryptoError::NonCanonicalJson(e.to_string()))
}

/// The event hash of a signed act.
pub fn event_hash(act: &Value, signature: &str) -> Result<String, CryptoError> {
    let event = json!({ "act": act, "signature": signature });
    Ok(sha256_hex(&canonical_bytes(&event)?))
}
