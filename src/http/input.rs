//! What a request carries, read under the same rules on every endpoint, so
//! that nothing the database cannot store (or a second reader would read
//! differently) gets past the door.
//!
//! * JSON bodies ([`Json`], [`JsonValue`], and [`parse_value`] for each item
//!   of a bulk request) are I-JSON: a duplicate member name is 400
//!   `duplicate_member` naming its path. Every string and member name is
//!   then held to the text policy of
//!   [`check_json_text`](crate::domain::validation::check_json_text) (no
//!   control characters but tab and line breaks): 422 `validation_failed`
//!   naming each offending path. A typed body reports every structural
//!   problem at once ([`read_all`]).
//! * Query strings ([`Query`]) and text path segments ([`path_text`]): no
//!   control character at all, 400 naming the parameter.

use crate::problem_code::ProblemCode;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::field_error::FieldError;
use crate::domain::ijson::{self, JsonError};
use crate::domain::strict_json::read_all;
use crate::domain::validation::{TextKind, check_json_text, codes, forbidden_char};

use super::body::read_limited;
use super::problem::ApiError;
use super::state::AppState;

/// A JSON body read as a `T`, every problem reported at once.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A JSON body kept as a value (signed envelopes: what was signed is read
/// later, from the value exactly as sent).
#[derive(Debug)]
pub struct JsonValue(pub Value);

impl JsonValue {
    pub fn into_inner(self) -> Value {
        self.0
    }
}

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        with_body(req, payload, |value| {
            let mut errors = Vec::new();
            check_json_text(&value, "", &mut errors);
            match read_all::<T>(&value) {
                Ok(body) if errors.is_empty() => Ok(Json(body)),
                Ok(_) => Err(ApiError::validation(errors)),
                Err(structural) => {
                    errors.extend(structural);
                    Err(ApiError::validation(errors))
                }
            }
        })
    }
}

impl FromRequest for JsonValue {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        with_body(req, payload, |value| checked_text(value).map(JsonValue))
    }
}

/// Reads the request's JSON body, then makes `S` of it.
fn with_body<S: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    make: impl FnOnce(Value) -> Result<S, ApiError> + 'static,
) -> LocalBoxFuture<'static, Result<S, ApiError>> {
    let req = req.clone();
    let payload = payload.take();
    Box::pin(async move { make(read_body(&req, payload).await?) })
}

/// Reads one JSON value under the rules above: I-JSON, then the text policy.
pub fn parse_value(bytes: &[u8]) -> Result<Value, ApiError> {
    checked_text(parse_ijson(bytes)?)
}

fn parse_ijson(bytes: &[u8]) -> Result<Value, ApiError> {
    ijson::parse(bytes).map_err(|e| match e {
        JsonError::Malformed(_) => ApiError::bad_request(ProblemCode::MalformedJson, e.to_string()),
        JsonError::DuplicateMember { ref path, .. } => {
            let field = FieldError::new(path, "duplicate_member", e.to_string());
            ApiError {
                errors: vec![field],
                ..ApiError::bad_request(
                    ProblemCode::DuplicateMember,
                    "a member name occurs twice in one object; JSON texts here are I-JSON (RFC 7493)",
                )
            }
        }
    })
}

fn checked_text(value: Value) -> Result<Value, ApiError> {
    let mut errors = Vec::new();
    check_json_text(&value, "", &mut errors);
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The body of a JSON request: `application/json` (or `+json`), within the
/// configured size limit, parsed as I-JSON.
async fn read_body(req: &HttpRequest, payload: Payload) -> Result<Value, ApiError> {
    let unsupported = || {
        ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "send Content-Type: application/json",
        )
    };
    let mime = req
        .mime_type()
        .map_err(|_| unsupported())?
        .ok_or_else(unsupported)?;
    let json =
        mime.subtype().as_str() == "json" || mime.suffix().map(|s| s.as_str()) == Some("json");
    if mime.type_().as_str() != "application" || !json {
        return Err(unsupported());
    }
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.max_body_bytes)
        .ok_or_else(|| ApiError::internal("AppState is not registered; cannot read a JSON body"))?;
    let bytes = read_limited(payload, limit).await?;
    parse_ijson(&bytes)
}

/// A query string read as a `T`, after checking that no parameter name or
/// value holds a control character (400 `invalid_query` naming it).
/// Otherwise exactly `web::Query` (and its configured error handler).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = query_text(req.query_string());
        let query = web::Query::<T>::from_request(req, payload);
        Box::pin(async move {
            checked?;
            Ok(Query(query.await?.into_inner()))
        })
    }
}

/// Every parameter name and value of `query` is single-line text.
fn query_text(query: &str) -> Result<(), ApiError> {
    // Undecodable strings are left to the typed reading to refuse.
    let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(query) else {
        return Ok(());
    };
    let errors: Vec<FieldError> = pairs
        .iter()
        .filter_map(|(name, value)| {
            let c = forbidden_char(name, TextKind::SingleLine)
                .or_else(|| forbidden_char(value, TextKind::SingleLine))?;
            Some(control_character(name, c))
        })
        .collect();
    match errors.first() {
        None => Ok(()),
        Some(first) => Err(ApiError {
            detail: format!(
                "the query parameter `{}` {}",
                first.path.escape_debug(),
                first.message
            ),
            errors,
            ..ApiError::bad_request(ProblemCode::InvalidQuery, "")
        }),
    }
}

/// A text path segment (`/v1/parties/{id}`) holds no control character:
/// 400 `invalid_path` naming the parameter.
pub fn path_text(name: &str, value: &str) -> Result<(), ApiError> {
    match forbidden_char(value, TextKind::SingleLine) {
        None => Ok(()),
        Some(c) => {
            let error = control_character(name, c);
            Err(ApiError {
                detail: format!("the path parameter `{name}` {}", error.message),
                errors: vec![error],
                ..ApiError::bad_request(ProblemCode::InvalidPath, "")
            })
        }
    }
}

fn control_character(path: &str, c: char) -> FieldError {
    FieldError::new(
        path,
        codes::CONTROL_CHARACTER,
        format!(
            "must not contain the control character U+{:04X}",
            u32::from(c)
        ),
    )
}

/// The `cn` filter of the inspectors' search and risk list: the leading 1
/// to 8 digits of a CN code, or a 400 `invalid_cn`.
pub(crate) fn check_cn_prefix(cn: Option<&str>) -> Result<(), ApiError> {
    match cn {
        Some(cn) if cn.is_empty() || cn.len() > 8 || !cn.bytes().all(|b| b.is_ascii_digit()) => {
            Err(ApiError::bad_request(
                ProblemCode::InvalidCn,
                "cn is 1 to 8 digits of a CN code",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    #[test]
    fn duplicate_members_are_a_400_naming_the_path() {
        let e = parse_value(br#"{"act":{"body":{"a":1,"a":1}},"signature":"x"}"#).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::BAD_REQUEST, "duplicate_member")
        );
        assert_eq!(e.errors[0].path, "act.body.a");
    }

    #[test]
    fn control_characters_are_a_422_naming_every_path() {
        let e =
            parse_value(br#"{"a":"x\u0000","b":["ok\n\t\r","\u001b"],"c\u0007":1}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        let paths: Vec<_> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a", "b[1]", "c\u{7}"]);
        assert!(e.errors[0].message.contains("U+0000"));
        assert!(parse_value("{\"notes\":\"line 1\\nline 2\"}".as_bytes()).is_ok());
    }

    #[test]
    fn query_parameters_are_single_line() {
        assert!(query_text("plate=AB-1234&party=4000").is_ok());
        let e = query_text("limit=5&party=40%00").unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_query")
        );
        assert_eq!(e.errors[0].path, "party");
        assert!(e.detail.contains("`party`"), "{}", e.detail);
        assert_eq!(
            query_text("city=R%0Aga").unwrap_err().errors[0].path,
            "city"
        );
        assert!(path_text("id", "abc").is_ok());
        assert_eq!(path_text("id", "a\0").unwrap_err().code, "invalid_path");
    }
}
