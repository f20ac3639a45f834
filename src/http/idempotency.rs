//! `Idempotency-Key` for every POST, as one middleware around the whole app,
//! so a new POST endpoint is covered without doing anything.
//!
//! A client that sends `Idempotency-Key: <1 to 255 printable ASCII
//! characters>` with a POST gets, for any retry with the same key, the
//! first answer byte for byte (marked `Idempotent-Replayed: true`) instead
//! of a second execution. Keys are scoped to the caller's party and kept 24
//! hours. The same key with another body, path or method is refused with
//! 422 `idempotency_key_reused`; a retry while the first request still runs
//! gets 409 `idempotency_key_in_progress`.
//!
//! Client mistakes (4xx) are answers too and are kept; server failures
//! (5xx) are not, so a retry runs again. A handler can also refuse to have
//! its answer kept by putting [`DoNotStore`] in the response's extensions
//! (a batch in which some items hit a server failure does so).
//!
//! Requests without a valid access token pass through untouched: there is
//! no caller to scope the key to, and the only such POST, the token
//! exchange, must not keep its answer (a bearer token) at rest. A new
//! assertion is the safe retry there.

use crate::problem_code::ProblemCode;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use sha2::{Digest, Sha256};

use crate::storage::idempotency::{self, Claim, KeyUse, StoredResponse};
use crate::storage::time;

use super::auth::Caller;
use super::body::read_limited;
use super::problem::ApiError;
use super::state::AppState;

/// The request header carrying the key.
pub const HEADER: &str = "Idempotency-Key";
/// Set to `true` on a replayed answer.
pub const REPLAYED: &str = "Idempotent-Replayed";
/// How long a key and its answer are kept.
pub const RETENTION_HOURS: i64 = 24;
/// A key claimed longer ago than this without an answer belongs to a
/// request that died with its process; a retry may take it over.
pub const ABANDONED_AFTER_SECS: i64 = 300;
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// In a response's extensions: do not keep this answer for replay.
#[derive(Debug, Clone, Copy)]
pub struct DoNotStore;

/// The middleware; install with `actix_web::middleware::from_fn(idempotency::middleware)`.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST {
        return pass(req, next).await;
    }
    let Some(raw_key) = req.headers().get(HEADER).cloned() else {
        return pass(req, next).await;
    };
    let key = match parse_key(&raw_key) {
        Ok(key) => key,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return pass(req, next).await;
    };
    // Run to the end even if the client hangs up: a claimed key must be
    // answered or released, the work happens either way once it started,
    // and the client's retry must find its answer.
    let task = actix_web::rt::spawn(handle(req, next, state, key));
    task.await
        .map_err(|e| ApiError::internal_from(e, "idempotent request task failed"))?
}

/// Claims the key, runs the request and keeps its answer.
async fn handle(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: web::Data<AppState>,
    key: String,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Ok(caller) = req.extract::<Caller>().await else {
        // The handler answers the authentication problem itself.
        return pass(req, next).await;
    };
    req.extensions_mut().insert(caller.clone());
    let limit = state
        .config
        .max_body_bytes
        .max(state.config.max_batch_body_bytes);
    let body = match read_limited(req.take_payload(), limit).await {
        Ok(body) => body,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };
    let key_use = KeyUse {
        party_id: caller.party_id,
        key,
        method: req.method().as_str().to_owned(),
        path: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned()),
        request_hash: hex::encode(Sha256::digest(&body)),
    };
    let claimed = {
        let key_use = key_use.clone();
        state
            .db(move |conn| {
                let now = time::now();
                Ok(idempotency::claim(
                    conn,
                    &key_use,
                    time::to_db(now),
                    time::to_db(now + chrono::Duration::hours(RETENTION_HOURS)),
                    time::to_db(now - chrono::Duration::seconds(ABANDONED_AFTER_SECS)),
                )?)
            })
            .await
    };
    match claimed {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Answered(stored)) => return Ok(req.into_response(replay(stored))),
        Ok(Claim::Reused) => {
            return Ok(req.into_response(
                ApiError::new(
                    ProblemCode::IdempotencyKeyReused,
                    "this Idempotency-Key was used for a different request (body, path or method); use a new key for a new request",
                )
                .error_response(),
            ));
        }
        Ok(Claim::InProgress) => {
            let mut response = ApiError::new(
                ProblemCode::IdempotencyKeyInProgress,
                "the first request with this Idempotency-Key is still being processed; retry shortly",
            )
            .error_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Ok(req.into_response(response));
        }
        Err(e) => return Ok(req.into_response(e.error_response())),
    }
    req.set_payload(Payload::from(body));
    let outcome = next.call(req).await;
    record(&state, &key_use, outcome).await
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// 1 to 255 printable ASCII characters (space to tilde).
fn parse_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let bytes = raw.as_bytes();
    if bytes.is_empty()
        || bytes.len() > MAX_KEY_LEN
        || !bytes.iter().all(|b| (b' '..=b'~').contains(b))
    {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidIdempotencyKey,
            format!("{HEADER} must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
        ));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = stored.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = stored.location {
        response.insert_header((header::LOCATION, location));
    }
    response.insert_header((REPLAYED, "true")).body(stored.body)
}

/// Keeps the handler's answer for the key, or gives the key back when the
/// answer is a server failure.
async fn record<B: MessageBody + 'static>(
    state: &AppState,
    key_use: &KeyUse,
    outcome: Result<ServiceResponse<B>, actix_web::Error>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = match outcome {
        Ok(response) => response,
        Err(e) => {
            release(state, key_use).await;
            return Err(e);
        }
    };
    let status = response.status();
    if status.is_server_error() || response.response().extensions().contains::<DoNotStore>() {
        release(state, key_use).await;
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            release(state, key_use).await;
            let e: Box<dyn std::error::Error> = e.into();
            return Err(ApiError::internal_from(e, "reading the response to store it").into());
        }
    };
    let header_text = |name| {
        head.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        content_type: header_text(header::CONTENT_TYPE),
        location: header_text(header::LOCATION),
        body: bytes.to_vec(),
    };
    let (party_id, key) = (key_use.party_id.clone(), key_use.key.clone());
    let kept = state
        .db(move |conn| Ok(idempotency::complete(conn, &party_id, &key, &stored)?))
        .await;
    if let Err(e) = kept {
        // The work is done; the answer still goes out. A retry will run the
        // request again, which for signed acts is refused as a replay.
        tracing::error!(error = %e, "could not keep the answer of an idempotent request");
        release(state, key_use).await;
    }
    Ok(ServiceResponse::new(request, head.set_body(bytes)).map_into_boxed_body())
}

async fn release(state: &AppState, key_use: &KeyUse) {
    let (party_id, key) = (key_use.party_id.clone(), key_use.key.clone());
    if let Err(e) = state
        .db(move |conn| Ok(idempotency::release(conn, &party_id, &key)?))
        .await
    {
        tracing::error!(error = %e, "could not release an idempotency key");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_printable_ascii_up_to_255() {
        let ok = |s: &str| parse_key(&HeaderValue::from_str(s).unwrap()).is_ok();
        assert!(ok("a"));
        assert!(ok("order 2026/11/29 #17"));
        assert!(ok(&"k".repeat(255)));
        assert!(!ok(&"k".repeat(256)));
        assert!(!ok(""));
        assert!(!ok("tab\there"));
        let non_ascii = HeaderValue::from_bytes("ključs".as_bytes()).unwrap();
        assert!(parse_key(&non_ascii).is_err());
    }
}
