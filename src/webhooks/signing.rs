//! Deliveries are signed by the service key: Ed25519 over the exact body
//! bytes, base64url without padding, with the key's RFC 7638 thumbprint
//! beside it so a receiver knows which key to check with (the key is the
//! one behind `GET /v1/log/key`).

use crate::crypto::{CryptoError, PublicKey, ServiceKey, Signature};

pub const SIGNATURE_HEADER: &str = "Ewaybill-Signature";
pub const KEY_ID_HEADER: &str = "Ewaybill-Key-Id";
pub const DELIVERY_ID_HEADER: &str = "Ewaybill-Delivery-Id";
pub const EVENT_SEQ_HEADER: &str = "Ewaybill-Event-Seq";
/// Which attempt this is (1 for the first); not signed, informative only.
pub const ATTEMPT_HEADER: &str = "Ewaybill-Delivery-Attempt";

/// The `Ewaybill-Signature` value for `body`.
pub fn sign(key: &ServiceKey, body: &[u8]) -> String {
    key.sign(body).to_base64url()
}

/// What a receiver does: the key id must name `service_key` and the
/// signature must verify (strictly) over the body exactly as received.
pub fn verify_delivery(
    service_key: &PublicKey,
    key_id: &str,
    signature: &str,
    body: &[u8],
) -> Result<(), CryptoError> {
    if key_id != service_key.key_id() {
        return Err(CryptoError::SignatureMismatch);
    }
    let signature = Signature::from_base64url(signature)?;
    service_key.verify(body, &signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_bodies_verify_and_altered_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = ServiceKey::load_or_create(dir.path()).unwrap();
        let body = br#"{"seq":3}"#;
        let signature = sign(&key, body);
        let public = key.public_key();
        assert!(verify_delivery(&public, &key.key_id(), &signature, body).is_ok());
        assert!(verify_delivery(&public, &key.key_id(), &signature, br#"{"seq":4}"#).is_err());
        assert!(verify_delivery(&public, "another-key", &signature, body).is_err());
        assert!(verify_delivery(&public, &key.key_id(), "not base64!", body).is_err());
    }
}
