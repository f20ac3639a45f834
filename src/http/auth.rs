//! Authentication: a party proves possession of a registered key with a
//! signed assertion and receives a short-lived bearer token; every other
//! request carries that token and becomes a [`Caller`].

use crate::problem_code::ProblemCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, http::header, post, web,
};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::ids::{KeyId, PartyId};
use crate::domain::party::PartyKind;
use crate::storage::{assertions, keys, time};

use super::input::Json;
use super::problem::{ApiError, Problem};
use super::state::AppState;
use super::tokens::{AUDIENCE, AssertionClaims, MAX_ASSERTION_LIFETIME_SECS};
use crate::domain::validation::{TextKind, forbidden_char};

/// The authenticated party behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub party_id: PartyId,
    pub key_id: KeyId,
    pub kind: PartyKind,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already authenticated for this request (by the idempotency layer).
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::internal("AppState is not registered; cannot check a token")
            })?;
            let token = token?;
            let claims = state.tokens.verify(&token).map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::unauthorized(
                    ProblemCode::TokenExpired,
                    "the access token has expired",
                ),
                _ => ApiError::unauthorized(
                    ProblemCode::InvalidToken,
                    "the access token is not valid",
                ),
            })?;
            // A revoked key loses access at once, not when its token expires.
            let key_id = KeyId::from(claims.key_id.as_str());
            let key = state.db(move |conn| Ok(keys::find(conn, &key_id)?)).await?;
            match key {
                Some(k)
                    if k.key.party_id == claims.sub.as_str()
                        && k.party_kind == claims.kind.as_str() =>
                {
                    if k.key.is_active() {
                        Ok(Caller {
                            party_id: claims.sub.into(),
                            key_id: claims.key_id.into(),
                            kind: claims.kind,
                        })
                    } else {
                        Err(ApiError::unauthorized(
                            ProblemCode::CredentialKeyRevoked,
                            "the key behind this token is no longer active",
                        ))
                    }
                }
                // Signed with this service key but naming a key or party
                // this ledger does not have: issued by another instance
                // (another database), not a revocation here.
                _ => Err(ApiError::unauthorized(
                    ProblemCode::InvalidToken,
                    "the access token was not issued by this service",
                )),
            }
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                ProblemCode::MissingToken,
                "send Authorization: Bearer <token>; get a token from POST /v1/auth/token",
            )
        })?
        .to_str()
        .map_err(|_| {
            ApiError::unauthorized(ProblemCode::InvalidToken, "malformed Authorization header")
        })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(ProblemCode::InvalidToken, "expected Bearer <token>")
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "expected Bearer <token>",
        ));
    }
    Ok(token.trim().to_owned())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A compact JWS the client signed with its own key: header
    /// `{"alg":"EdDSA","typ":"JWT","kid":"<key_id>"}`, claims `iss` = key_id,
    /// `aud` = "ewaybill", `iat`, `exp` (at most 5 minutes after iat), `jti` (single use).
    pub assertion: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Exchange a signed assertion for an access token.
#[utoipa::path(
    post,
    path = "/v1/auth/token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Access token issued", body = TokenResponse),
        (status = 401, description = "Assertion refused (expired, replayed, wrong audience, unknown or revoked key, bad signature)", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/v1/auth/token")]
#[tracing::instrument(skip_all)]
pub async fn issue_token(
    state: web::Data<AppState>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let assertion = body.into_inner().assertion;
    let refuse = |code: ProblemCode, detail: &str| ApiError::unauthorized(code, detail.to_owned());

    let header = jsonwebtoken::decode_header(&assertion).map_err(|_| {
        refuse(
            ProblemCode::InvalidAssertion,
            "the assertion is not a compact JWS",
        )
    })?;
    if header.alg != Algorithm::EdDSA {
        return Err(refuse(
            ProblemCode::InvalidAssertion,
            "only alg EdDSA is accepted",
        ));
    }
    let kid = header.kid.ok_or_else(|| {
        refuse(
            ProblemCode::InvalidAssertion,
            "the JWS header needs kid (the key_id)",
        )
    })?;

    if forbidden_char(&kid, TextKind::SingleLine).is_some() {
        return Err(refuse(
            ProblemCode::InvalidAssertion,
            "the JWS header's kid holds a control character",
        ));
    }
    let lookup_kid = KeyId::from(kid.as_str());
    let key = state
        .db(move |conn| Ok(keys::find(conn, &lookup_kid)?))
        .await?
        .ok_or_else(|| {
            refuse(
                ProblemCode::CredentialKeyUnknown,
                "no key with this kid is registered",
            )
        })?;
    if !key.key.is_active() {
        return Err(refuse(
            ProblemCode::CredentialKeyRevoked,
            "this key was revoked",
        ));
    }
    let kind = PartyKind::parse(&key.party_kind)
        .map_err(|e| ApiError::internal_from(e, "stored party kind unreadable"))?;

    let decoding = DecodingKey::from_ed_components(&key.key.public_key)
        .map_err(|e| ApiError::internal_from(e, "stored signing key unusable for JWT"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[kid.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    validation.leeway = 60;
    let claims = jsonwebtoken::decode::<AssertionClaims>(&assertion, &decoding, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => {
                refuse(ProblemCode::AssertionExpired, "the assertion has expired")
            }
            ErrorKind::InvalidAudience => refuse(
                ProblemCode::InvalidAudience,
                "the assertion's aud must be \"ewaybill\"",
            ),
            ErrorKind::InvalidIssuer => refuse(
                ProblemCode::InvalidIssuer,
                "the assertion's iss must equal its kid",
            ),
            ErrorKind::InvalidSignature | ErrorKind::InvalidEddsaKey => refuse(
                ProblemCode::AssertionSignatureInvalid,
                "the assertion's signature does not verify",
            ),
            ErrorKind::MissingRequiredClaim(c) => ApiError::unauthorized(
                ProblemCode::InvalidAssertion,
                format!("the assertion lacks the {c} claim"),
            ),
            _ => refuse(ProblemCode::InvalidAssertion, "the assertion is not valid"),
        })?
        .claims;

    let now = chrono::Utc::now().timestamp();
    if claims.exp - claims.iat > MAX_ASSERTION_LIFETIME_SECS {
        return Err(refuse(
            ProblemCode::AssertionLifetimeTooLong,
            "exp may be at most 5 minutes after iat",
        ));
    }
    if claims.iat > now + 60 {
        return Err(refuse(
            ProblemCode::AssertionNotYetValid,
            "iat is in the future",
        ));
    }
    if claims.jti.is_empty()
        || claims.jti.len() > 200
        || forbidden_char(&claims.jti, TextKind::SingleLine).is_some()
    {
        return Err(refuse(
            ProblemCode::InvalidAssertion,
            "jti must be 1 to 200 characters, none of them a control character",
        ));
    }

    let expires_at = chrono::DateTime::from_timestamp(claims.exp + 60, 0)
        .ok_or_else(|| refuse(ProblemCode::InvalidAssertion, "exp is out of range"))?;
    let (key_id, jti) = (kid.clone(), claims.jti.clone());
    let fresh = state
        .db(move |conn| {
            assertions::purge_expired(conn, time::to_db(time::now()))?;
            Ok(assertions::remember(
                conn,
                &key_id,
                &jti,
                time::to_db(expires_at),
            )?)
        })
        .await?;
    if !fresh {
        return Err(refuse(
            ProblemCode::AssertionReplayed,
            "this assertion (jti) was already used",
        ));
    }

    let access_token = state
        .tokens
        .issue(&key.key.party_id, &kid, kind)
        .map_err(|e| ApiError::internal_from(e, "cannot issue token"))?;
    tracing::info!(party_id = %key.key.party_id, key_id = %kid, "access token issued");
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs,
    }))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(issue_token);
}
