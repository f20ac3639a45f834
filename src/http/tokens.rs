//! Access tokens: short-lived JWTs the service signs (EdDSA) after a party
//! proves possession of its key with a signed assertion.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::crypto::ServiceKey;
use crate::domain::party::PartyKind;

/// The audience of client assertions and access tokens alike.
pub const AUDIENCE: &str = "ewaybill";
/// The issuer of access tokens.
pub const ISSUER: &str = "ewaybill";
/// Longest lifetime a client assertion may claim (exp - iat).
pub const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The party id.
    pub sub: String,
    /// The key the party authenticated with.
    pub key_id: String,
    pub kind: PartyKind,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Claims of a client assertion (RFC 7523 style, signed by the party's key).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    key_id: String,
    pub ttl_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

impl TokenIssuer {
    pub fn new(service_key: &ServiceKey, ttl_secs: u64) -> Self {
        Self {
            encoding: service_key.jwt_encoding_key(),
            decoding: service_key.jwt_decoding_key(),
            key_id: service_key.key_id(),
            ttl_secs,
        }
    }

    pub fn issue(
        &self,
        party_id: &str,
        key_id: &str,
        kind: PartyKind,
    ) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: party_id.into(),
            key_id: key_id.into(),
            kind,
            iat: now,
            exp: now + i64::try_from(self.ttl_secs).unwrap_or(900),
            jti: Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.key_id.clone());
        header.typ = Some("JWT".into());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// Checks an access token's signature, audience, issuer and expiry.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        Ok(jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)?.claims)
    }
}
