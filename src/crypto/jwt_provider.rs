//! A `jsonwebtoken` crypto provider whose EdDSA verification is strict.
//!
//! jsonwebtoken 12's `rust_crypto` provider verifies EdDSA with
//! ed25519-dalek's permissive `verify` (accepts small-order keys/`R`), which
//! would make JWTs a weaker path than signed acts. This provider delegates
//! signing and JWK helpers to `rust_crypto::DEFAULT_PROVIDER`, verifies
//! EdDSA through [`PublicKey::verify`] (the service-wide strict policy) and
//! refuses to build a verifier for any other algorithm, so a token cannot
//! switch to HS256/RS256 (algorithm confusion) even if a caller's
//! `Validation` were misconfigured.

use std::sync::OnceLock;

use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::crypto::{CryptoProvider, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, new_error};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use super::{CryptoError, PublicKey, Signature};

/// Installs the strict provider as the process-wide `jsonwebtoken` default.
///
/// Idempotent and safe to call concurrently (jsonwebtoken stores the
/// default in a `OnceLock`; we compare the winner with ours by address).
/// Must run before any JWT is encoded or decoded: jsonwebtoken otherwise
/// auto-installs its permissive default, and then this returns
/// [`CryptoError::JwtProviderConflict`] instead of silently running with
/// weaker verification.
pub fn install_strict_eddsa_provider() -> Result<(), CryptoError> {
    let ours = strict_provider();
    match ours.install_default() {
        Ok(()) => Ok(()),
        Err(installed) if std::ptr::eq(installed, ours) => Ok(()),
        Err(_) => Err(CryptoError::JwtProviderConflict),
    }
}

/// The provider instance; built at runtime because `KeyUtils` is not `Copy`
/// and cannot be moved out of the `DEFAULT_PROVIDER` static in a const.
fn strict_provider() -> &'static CryptoProvider {
    static PROVIDER: OnceLock<CryptoProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| CryptoProvider {
        signer_factory: DEFAULT_PROVIDER.signer_factory,
        verifier_factory: strict_verifier,
        key_utils: DEFAULT_PROVIDER.key_utils.clone(),
    })
}

fn strict_verifier(
    algorithm: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::EdDSA {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    if key.family() != AlgorithmFamily::Ed {
        return Err(new_error(ErrorKind::InvalidKeyFormat));
    }
    // Exactly 32 raw bytes (from_ed_components / from_ed_pem); also rejects
    // weak and non-canonical keys.
    let public_key = PublicKey::from_bytes(key.try_get_as_bytes()?)
        .map_err(|_| new_error(ErrorKind::InvalidEddsaKey))?;
    Ok(Box::new(StrictEdDsaVerifier(public_key)))
}

struct StrictEdDsaVerifier(PublicKey);

impl Verifier<Vec<u8>> for StrictEdDsaVerifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let signature = Signature::from_bytes(signature).map_err(|_| signature::Error::new())?;
        self.0
            .verify(msg, &signature)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for StrictEdDsaVerifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KeyPair, base64url};
    use jsonwebtoken::{EncodingKey, Header, Validation, decode, encode};
    use serde_json::{Value, json};

    fn claims() -> Value {
        json!({ "sub": "party-1", "exp": 4_102_444_800u64 })
    }

    fn keys(kp: &KeyPair) -> (EncodingKey, DecodingKey) {
        let pem = kp.to_pkcs8_pem().unwrap();
        (
            EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
            DecodingKey::from_ed_components(&kp.public_key().to_base64url()).unwrap(),
        )
    }

    #[test]
    fn install_is_idempotent_and_concurrent() {
        let handles: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(install_strict_eddsa_provider))
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), Ok(()));
        }
        assert_eq!(install_strict_eddsa_provider(), Ok(()));
        assert!(std::ptr::eq(
            CryptoProvider::try_get_default().unwrap(),
            strict_provider()
        ));
    }

    #[test]
    fn eddsa_token_decodes() {
        install_strict_eddsa_provider().unwrap();
        let kp = KeyPair::from_seed(&[5; 32]);
        let (enc, dec) = keys(&kp);
        let token = encode(&Header::new(Algorithm::EdDSA), &claims(), &enc).unwrap();
        let data = decode::<Value>(&token, &dec, &Validation::new(Algorithm::EdDSA)).unwrap();
        assert_eq!(data.claims, claims());

        // Wrong key: rejected.
        let (_, other_dec) = keys(&KeyPair::from_seed(&[6; 32]));
        let err =
            decode::<Value>(&token, &other_dec, &Validation::new(Algorithm::EdDSA)).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidSignature), "{err:?}");
    }

    #[test]
    fn hs256_token_is_refused() {
        install_strict_eddsa_provider().unwrap();
        let secret = b"shared secret that must never be accepted";
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(secret).unwrap(),
        )
        .unwrap();
        // Even a caller that (wrongly) allows HS256 gets no verifier for it.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::EdDSA];
        let err = decode::<Value>(
            &token,
            &DecodingKey::from_secret(secret).unwrap(),
            &validation,
        )
        .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidAlgorithm), "{err:?}");

        // Algorithm confusion: HS256 "signed" with the Ed25519 public key bytes.
        let kp = KeyPair::from_seed(&[8; 32]);
        let (_, dec) = keys(&kp);
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(kp.public_key().as_bytes()).unwrap(),
        )
        .unwrap();
        assert!(decode::<Value>(&forged, &dec, &validation).is_err());
        assert!(decode::<Value>(&forged, &dec, &Validation::new(Algorithm::EdDSA)).is_err());
    }

    #[test]
    fn weak_key_and_small_order_signature_are_refused() {
        install_strict_eddsa_provider().unwrap();
        // Identity point as public key with an all-zero-ish forgery: the
        // permissive verifier would accept (R = identity, S = 0) for any
        // message under this key; ours refuses the key itself.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let dec = DecodingKey::from_ed_components(&base64url::encode(&identity)).unwrap();
        let header = base64url::encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
        let payload = base64url::encode(claims().to_string().as_bytes());
        let mut sig = [0u8; 64];
        sig[0] = 1; // R = identity (compressed y = 1), S = 0
        let token = format!("{header}.{payload}.{}", base64url::encode(&sig));
        let err = decode::<Value>(&token, &dec, &Validation::new(Algorithm::EdDSA)).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidEddsaKey), "{err:?}");

        // Short key material must be an error, not a panic.
        let short = DecodingKey::from_ed_components(&base64url::encode(&[1; 16])).unwrap();
        assert!(decode::<Value>(&token, &short, &Validation::new(Algorithm::EdDSA)).is_err());
    }
}
