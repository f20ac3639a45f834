//! RFC 9457 problem details: every error the API returns is
//! `application/problem+json` with a stable machine-readable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::field_error::FieldError;
use crate::ledger::{Rejection, WriteError};
pub use crate::problem_code::ProblemCode;
use crate::storage::StorageError;
use crate::views::event::EventViewError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:ewaybill:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code; clients branch on this.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every validation problem, each with the path of the offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Further members that depend on the code (e.g. `current_status`, `allowed_acts`, `head`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {detail}")]
pub struct ApiError {
    /// Always `code.status()`: set by the constructors from the catalog.
    pub status: StatusCode,
    pub code: ProblemCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub extensions: Map<String, Value>,
}

impl ApiError {
    /// A problem with `code`, sent with the status the catalog gives it.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: Map::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let count = errors.len();
        Self {
            errors,
            ..Self::new(
                ProblemCode::ValidationFailed,
                format!(
                    "the request has {count} problem{}; see errors",
                    if count == 1 { "" } else { "s" }
                ),
            )
        }
    }

    // The status-named constructors only say at the call site which kind
    // of code is meant; the status itself is always the catalog's.

    pub fn bad_request(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::new(code, detail)
    }

    pub fn unauthorized(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::new(code, detail)
    }

    pub fn forbidden(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::new(code, detail)
    }

    pub fn not_found(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::new(code, detail)
    }

    /// A 500 caused by `cause`, which is logged here with `what` failed, so
    /// that no opaque 500 goes unexplained in the logs. The log line lands
    /// in the handler's span, which carries the party and waybill.
    pub fn internal_from(cause: impl std::fmt::Display, what: &str) -> Self {
        tracing::error!(error = %cause, "{what}");
        Self::opaque()
    }

    /// A 500 for a broken invariant with no underlying error (a stored row
    /// that must exist is missing, an outcome of the wrong kind): `what`
    /// is logged.
    pub fn internal(what: &str) -> Self {
        tracing::error!("{what}");
        Self::opaque()
    }

    /// The 500 itself; every caller goes through `internal` or
    /// `internal_from`, which log.
    fn opaque() -> Self {
        Self::new(
            ProblemCode::InternalError,
            "the server failed; the request was not applied. It is safe to retry.",
        )
    }

    /// This error, met after the write was committed as event
    /// `event_hash`: the answer must not say nothing was written. A lost
    /// connection becomes `outcome_unknown` (the client resends and is told
    /// it was recorded), anything else keeps its code with a true detail.
    pub fn after_commit(self, event_hash: &str) -> Self {
        let code = if self.status == StatusCode::SERVICE_UNAVAILABLE {
            ProblemCode::OutcomeUnknown
        } else {
            self.code
        };
        Self {
            code,
            detail: format!(
                "the write was recorded (event {event_hash}), but its answer could not be built. \
                 Send the same request again: it is recognised as already done \
                 (an act is answered 409 act_replayed naming its event)."
            ),
            ..self
        }
        .with("event_hash", event_hash)
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:ewaybill:problem:{}", self.code.as_str()),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            code: self.code.as_str().to_owned(),
            detail: Some(self.detail.clone()),
            errors: self.errors.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.json(self.problem())
    }
}

impl ApiError {
    /// A 429 that tells the client when to come back: the `retry_after`
    /// member and the `Retry-After` header, in whole seconds (at least 1).
    pub fn too_many_requests(
        code: ProblemCode,
        detail: impl Into<String>,
        retry_after: std::time::Duration,
    ) -> Self {
        Self::new(code, detail).with("retry_after", retry_after.as_secs().max(1))
    }

    /// `Retry-After` of a 429 (RFC 6585 §4): its `retry_after` member, else 1 s.
    pub fn retry_after(&self) -> Option<u64> {
        (self.status == StatusCode::TOO_MANY_REQUESTS).then(|| {
            self.extensions
                .get("retry_after")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1)
        })
    }

    /// `WWW-Authenticate` of a 401 (RFC 6750 §3): the bare challenge when
    /// no credentials were sent, else `error="invalid_token"` with the
    /// detail as `error_description` (reduced to the characters it allows).
    pub fn challenge(&self) -> Option<String> {
        if self.status != StatusCode::UNAUTHORIZED {
            return None;
        }
        const REALM: &str = "Bearer realm=\"ewaybill\"";
        if self.code == ProblemCode::MissingToken {
            return Some(REALM.to_owned());
        }
        let description: String = self
            .detail
            .chars()
            .map(|c| match c {
                ' ' | '!' | '#'..='[' | ']'..='~' => c,
                _ => '\'',
            })
            .collect();
        Some(format!(
            "{REALM}, error=\"invalid_token\", error_description=\"{description}\""
        ))
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            return Self::new(
                ProblemCode::DatabaseUnavailable,
                "the database is not reachable right now; nothing was written. Retry later.",
            );
        }
        Self::internal_from(e, "storage failure")
    }
}

impl From<EventViewError> for ApiError {
    fn from(e: EventViewError) -> Self {
        match e {
            EventViewError::ActNotJson { seq, source } => {
                Self::internal_from(source, &format!("stored act {seq} is not JSON"))
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal_from(e, "blocking task failed")
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Rejected(r) => r.into(),
            WriteError::Storage(e) => e.into(),
            WriteError::Crypto(e) => Self::internal_from(e, "signing failed"),
            WriteError::OutcomeUnknown => Self::new(
                ProblemCode::OutcomeUnknown,
                "the connection to the database was lost while the act was being committed, \
                 so whether it was recorded is not known. Send the same signed envelope again: \
                 if it was recorded the answer is 409 act_replayed naming its event, \
                 otherwise it is recorded now.",
            ),
            WriteError::Unavailable => Self::new(
                ProblemCode::ShuttingDown,
                "the service is shutting down; nothing was written",
            ),
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let detail = r.to_string();
        match r {
            Rejection::UnknownKey => Self::forbidden(ProblemCode::UnknownKey, detail),
            Rejection::KeyRevoked => Self::forbidden(ProblemCode::KeyRevoked, detail),
            Rejection::NotPartyRole(role) => {
                Self::forbidden(ProblemCode::WrongPartyForRole, detail)
                    .with("required_role", role.as_str())
            }
            Rejection::NotACompany => Self::forbidden(ProblemCode::NotACompany, detail),
            Rejection::SignerNotCaller => Self::forbidden(ProblemCode::SignerNotCaller, detail),
            Rejection::WaybillNotFound => Self::not_found(ProblemCode::WaybillNotFound, detail),
            Rejection::WaybillExists => Self::new(ProblemCode::WaybillExists, detail),
            Rejection::Replayed { hash, waybill_id } => Self::new(ProblemCode::ActReplayed, detail)
                .with("event_hash", hash)
                .with("waybill_id", waybill_id),
            Rejection::StalePrev { head } => {
                Self::new(ProblemCode::StalePrev, detail).with("head", head)
            }
            Rejection::IllegalTransition(t) => Self::new(
                ProblemCode::IllegalTransition,
                format!(
                    "{detail}; allowed now: {}",
                    if t.allowed.is_empty() {
                        "nothing (final status)".to_owned()
                    } else {
                        t.allowed
                            .iter()
                            .map(|a| a.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            )
            .with(
                "current_status",
                t.status.map_or(Value::Null, |s| s.as_str().into()),
            )
            .with(
                "allowed_acts",
                t.allowed
                    .iter()
                    .map(|a| Value::from(a.as_str()))
                    .collect::<Vec<_>>(),
            ),
            Rejection::Invalid(errors) => Self::validation(errors),
            Rejection::DuplicateNumber {
                existing_waybill_id,
            } => Self::new(ProblemCode::DuplicateNumber, detail)
                .with("existing_waybill_id", existing_waybill_id),
            Rejection::PartyExists => Self::new(ProblemCode::PartyExists, detail),
            Rejection::PartyNotFound => Self::not_found(ProblemCode::PartyNotFound, detail),
            Rejection::KeyExists => Self::new(ProblemCode::KeyExists, detail),
            Rejection::KeyNotFound => Self::not_found(ProblemCode::KeyNotFound, detail),
            Rejection::KeyAlreadyRevoked => Self::new(ProblemCode::KeyAlreadyRevoked, detail),
            Rejection::LastActiveKey => Self::new(ProblemCode::LastActiveKey, detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::{ActType, IllegalTransition, Status};

    #[test]
    fn illegal_transition_names_status_and_allowed_acts() {
        let err: ApiError = Rejection::IllegalTransition(IllegalTransition {
            act: "consignee.accept",
            status: Some(Status::Issued),
            allowed: vec![ActType::CarrierAccept],
        })
        .into();
        let body = serde_json::to_value(err.problem()).unwrap();
        assert_eq!(body["status"], 409);
        assert_eq!(body["code"], "illegal_transition");
        assert_eq!(body["current_status"], "issued");
        assert_eq!(body["allowed_acts"][0], "carrier.accept");
        assert_eq!(body["type"], "urn:ewaybill:problem:illegal_transition");
    }

    #[test]
    fn every_500_logs_its_cause() {
        let captured = crate::http::request_log::tests::Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let (from, bare) = tracing::subscriber::with_default(subscriber, || {
            (
                ApiError::internal_from("disk on fire", "writing the ledger"),
                ApiError::internal("the head event is missing"),
            )
        });
        for err in [&from, &bare] {
            assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(err.code, "internal_error");
            // The client is told nothing of the cause.
            assert!(!err.detail.contains("disk") && !err.detail.contains("head"));
        }
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].contains("ERROR"), "{text}");
        assert!(lines[0].contains("writing the ledger"), "{text}");
        assert!(lines[0].contains("error=disk on fire"), "{text}");
        assert!(lines[1].contains("ERROR"), "{text}");
        assert!(lines[1].contains("the head event is missing"), "{text}");
    }

    #[test]
    fn challenges_and_retry_after() {
        let missing = ApiError::unauthorized(ProblemCode::MissingToken, "send a token");
        assert_eq!(missing.challenge().unwrap(), "Bearer realm=\"ewaybill\"");
        let bad =
            ApiError::unauthorized(ProblemCode::TokenExpired, "the \"token\" expired → retry");
        assert_eq!(
            bad.challenge().unwrap(),
            "Bearer realm=\"ewaybill\", error=\"invalid_token\", \
             error_description=\"the 'token' expired ' retry\""
        );
        assert_eq!(
            ApiError::bad_request(ProblemCode::InvalidQuery, "y").challenge(),
            None
        );
        let limited = ApiError::too_many_requests(
            ProblemCode::RateLimited,
            "slow down",
            std::time::Duration::from_millis(200),
        );
        assert_eq!(limited.retry_after(), Some(1));
        let response = limited.error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert_eq!(
            ApiError::new(ProblemCode::RateLimited, "later").retry_after(),
            Some(1)
        );
        assert_eq!(ApiError::internal("test").retry_after(), None);
        let response = bad.error_response();
        assert!(
            response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
    }

    #[test]
    fn lost_connections_are_503_and_other_failures_500() {
        let lost: ApiError = StorageError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("server closed the connection unexpectedly".to_owned()),
        ))
        .into();
        assert_eq!(lost.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(lost.code, "database_unavailable");
        let failed: ApiError = StorageError::Query(diesel::result::Error::NotFound).into();
        assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
        let unknown: ApiError = WriteError::OutcomeUnknown.into();
        assert_eq!(unknown.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unknown.code, "outcome_unknown");
    }

    #[test]
    fn validation_lists_paths() {
        let err = ApiError::validation(vec![FieldError::new(
            "lines[2].quantity",
            "must_be_positive",
            "x",
        )]);
        let body = serde_json::to_value(err.problem()).unwrap();
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["path"], "lines[2].quantity");
    }
}
