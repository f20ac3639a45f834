//! Reading a whole request body under a size limit, for handlers and
//! middleware that need the raw bytes rather than an extractor; and the
//! deadline every request body must meet.

use crate::problem_code::ProblemCode;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, header};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, ResponseError};
use futures_util::{Stream, StreamExt};
use tokio::time::Sleep;

use super::problem::ApiError;
use super::state::AppState;

/// Collects `payload`, refusing with 413 as soon as it exceeds `limit`.
pub async fn read_limited<S, E>(mut payload: S, limit: usize) -> Result<Bytes, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(ProblemCode::UnreadableBody, e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                ProblemCode::BodyTooLarge,
                format!("the body exceeds the limit of {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Installs the body deadline: `actix_web::middleware::from_fn(body::deadline)`.
///
/// A request body must arrive whole within `EWAYBILL_BODY_TIMEOUT_SECS` of
/// the request head (actix's own `client_request_timeout` covers only the
/// head). When it does not, whatever reads the body sees an error, the
/// answer is replaced by 408 `body_timeout`, and the connection is closed,
/// so a client trickling its body cannot keep a connection (or a handler)
/// for longer than that.
pub async fn deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| Duration::from_secs(s.config.body_timeout_secs));
    let has_body = req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let Some(limit) = limit.filter(|_| has_body) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let expired = Rc::new(Cell::new(false));
    let payload = DeadlinePayload {
        inner: req.take_payload(),
        deadline: Box::pin(tokio::time::sleep(limit)),
        expired: expired.clone(),
        finished: false,
    };
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(payload);
    req.set_payload(Payload::from(stream));
    let result = next.call(req).await;
    if !expired.get() {
        return result.map(ServiceResponse::map_into_boxed_body);
    }
    let error = body_timeout(limit);
    tracing::info!(
        seconds = limit.as_secs(),
        "request body timed out; closing the connection"
    );
    match result {
        Ok(res) => {
            let mut response = error.error_response();
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            Ok(res.into_response(response))
        }
        Err(_) => Err(error.into()),
    }
}

fn body_timeout(limit: Duration) -> ApiError {
    ApiError::new(
        ProblemCode::BodyTimeout,
        format!(
            "the request body did not arrive within {} s; the connection is closed",
            limit.as_secs()
        ),
    )
}

/// A request body that fails with `TimedOut` once its deadline passes.
struct DeadlinePayload {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
    finished: bool,
}

impl Stream for DeadlinePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        // What has arrived is passed on even after the deadline.
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(None) => {
                this.finished = true;
                return Poll::Ready(None);
            }
            Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
            Poll::Pending => {}
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.finished = true;
                this.expired.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
