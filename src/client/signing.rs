//! What a client signs: acts (Ed25519 over RFC 8785 bytes) and the
//! assertion that buys an access token.

use chrono::{DateTime, SecondsFormat, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::crypto::{CryptoError, KeyPair, canonical_bytes};

/// Builds and signs `{"act": {...}, "signature": "..."}`.
pub fn sign_act(
    key: &KeyPair,
    act_type: &str,
    waybill_id: Uuid,
    prev: Option<&str>,
    body: Value,
    signed_at: DateTime<Utc>,
) -> Result<Value, CryptoError> {
    let act = json!({
        "type": act_type,
        "waybill_id": waybill_id,
        "prev": prev,
        "key_id": key.public_key().key_id(),
        "signed_at": signed_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "body": body,
    });
    let signature = key.sign(&canonical_bytes(&act)?).to_base64url();
    Ok(json!({ "act": act, "signature": signature }))
}

/// A single-use client assertion valid for two minutes.
pub fn client_assertion(key: &KeyPair) -> Result<String, CryptoError> {
    let key_id = key.public_key().key_id();
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": key_id, "aud": "ewaybill", "iat": now, "exp": now + 120,
        "jti": Uuid::new_v4().to_string(),
    });
    let pem = key.to_pkcs8_pem()?;
    let encoding =
        EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| CryptoError::Jwt(e.to_string()))?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key_id);
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, &claims, &encoding).map_err(|e| CryptoError::Jwt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Signature;

    #[test]
    fn signed_acts_verify_over_their_canonical_bytes() {
        let key = KeyPair::generate().unwrap();
        let envelope = sign_act(
            &key,
            "carrier.accept",
            Uuid::now_v7(),
            Some(&"a".repeat(64)),
            json!({"reservations": []}),
            Utc::now(),
        )
        .unwrap();
        let bytes = canonical_bytes(&envelope["act"]).unwrap();
        let sig = Signature::from_base64url(envelope["signature"].as_str().unwrap()).unwrap();
        key.public_key().verify(&bytes, &sig).unwrap();
    }
}
