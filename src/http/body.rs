//! Reading a whole request body under a size limit, for handlers and
//! middleware that need the raw bytes rather than an extractor.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use super::problem::ApiError;

/// Collects `payload`, refusing with 413 as soon as it exceeds `limit`.
pub async fn read_limited<S, E>(mut payload: S, limit: usize) -> Result<Bytes, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("unreadable_body", e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body exceeds the limit of {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
