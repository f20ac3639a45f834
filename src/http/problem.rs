//! RFC 9457 problem details: every error the API returns is
//! `application/problem+json` with a stable machine-readable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::validation::FieldError;
use crate::ledger::{Rejection, WriteError};
use crate::storage::StorageError;

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
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub extensions: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
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
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!(
                    "the request has {count} problem{}; see errors",
                    if count == 1 { "" } else { "s" }
                ),
            )
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed; the request was not applied. It is safe to retry.",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:ewaybill:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
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
        HttpResponse::build(self.status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .json(self.problem())
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        match e {
            StorageError::Pool(_) | StorageError::Connect(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is not reachable right now; nothing was written. Retry later.",
            ),
            _ => Self::internal(),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        Self::internal()
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Rejected(r) => r.into(),
            WriteError::Storage(e) => e.into(),
            WriteError::Crypto(e) => {
                tracing::error!(error = %e, "signing failed");
                Self::internal()
            }
            WriteError::Unavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the service is shutting down; nothing was written",
            ),
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let detail = r.to_string();
        match r {
            Rejection::UnknownKey => Self::forbidden("unknown_key", detail),
            Rejection::KeyRevoked => Self::forbidden("key_revoked", detail),
            Rejection::NotPartyRole(role) => {
                Self::forbidden("wrong_party_for_role", detail).with("required_role", role.as_str())
            }
            Rejection::NotACompany => Self::forbidden("not_a_company", detail),
            Rejection::SignerNotCaller => Self::forbidden("signer_not_caller", detail),
            Rejection::WaybillNotFound => Self::not_found("waybill_not_found", detail),
            Rejection::WaybillExists => Self::new(StatusCode::CONFLICT, "waybill_exists", detail),
            Rejection::Replayed { hash, waybill_id } => {
                Self::new(StatusCode::CONFLICT, "act_replayed", detail)
                    .with("event_hash", hash)
                    .with("waybill_id", waybill_id)
            }
            Rejection::StalePrev { head } => {
                Self::new(StatusCode::CONFLICT, "stale_prev", detail).with("head", head)
            }
            Rejection::IllegalTransition(t) => Self::new(
                StatusCode::CONFLICT,
                "illegal_transition",
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
            } => Self::new(StatusCode::CONFLICT, "duplicate_number", detail)
                .with("existing_waybill_id", existing_waybill_id),
            Rejection::PartyExists => Self::new(StatusCode::CONFLICT, "party_exists", detail),
            Rejection::PartyNotFound => Self::not_found("party_not_found", detail),
            Rejection::KeyExists => Self::new(StatusCode::CONFLICT, "key_exists", detail),
            Rejection::KeyNotFound => Self::not_found("key_not_found", detail),
            Rejection::KeyAlreadyRevoked => {
                Self::new(StatusCode::CONFLICT, "key_already_revoked", detail)
            }
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
