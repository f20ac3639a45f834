//! Bulk acts: up to 1,000 signed acts in one request, as a JSON array or as
//! NDJSON, each answered on its own: `created` (with the same body the
//! single endpoint answers), `existed` (the act, or for consignor.issue an
//! identical re-signed document from the same consignor, was recorded
//! before: its original answer, nothing written), or `rejected` (with the
//! problem a single request would have got).
//!
//! Every item takes the single-request path ([`super::intake`]); only the
//! work around it is shared: one key lookup per distinct key, signatures
//! checked in parallel off the async workers, and every good act queued to
//! the sequencer at once, in request order, so acts on one waybill apply in
//! that order. The sequencer checks each act on its own and writes only
//! the accepted ones: a refused item leaves no trace and sinks nothing else.

use crate::domain::ids::{KeyId, PartyId, WaybillId};
use crate::problem_code::ProblemCode;
use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::crypto::canonical_bytes;
use crate::domain::act::SignedActEnvelope;
use crate::domain::field_error::FieldError;
use crate::domain::lifecycle::ActType;
use crate::ledger::{Command, Committed, Rejection, WriteError};
use crate::storage::{DbConnection, events, keys, waybills};

use super::accepted::ActAccepted;
use super::auth::Caller;
use super::body::read_limited;
use super::idempotency::DoNotStore;
use super::intake::{self, Route};
use super::problem::{ApiError, Problem};
use super::state::AppState;

/// Most acts in one bulk request.
pub const MAX_ITEMS: usize = 1000;
/// The content type of one envelope per line.
pub const NDJSON: &str = "application/x-ndjson";

/// What became of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Recorded now.
    Created,
    /// Recorded before (a retry): the original answer, nothing written.
    Existed,
    /// Refused; `problem` says why, exactly as a single request would.
    Rejected,
}

/// One item's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    /// Position of the item in the request, from 0 (NDJSON: blank lines
    /// are not items).
    pub index: usize,
    pub status: ItemStatus,
    /// The waybill the act names, when it could be read.
    pub waybill_id: Option<Uuid>,
    /// For `created` and `existed`: the 201 body of the single endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ActAccepted>,
    /// For `rejected`: the problem a single request would have got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// The answer to a bulk request: every item, in request order, and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub items: Vec<BatchItem>,
    pub created: usize,
    pub existed: usize,
    pub rejected: usize,
}

/// What both bulk endpoints answer (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // never built: it only describes the responses
enum BatchResponses {
    /// Every item's outcome, in request order
    #[response(status = 200)]
    Done(BatchResult),
    /// Malformed JSON array
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// The caller is not a company
    #[response(status = 403, content_type = "application/problem+json")]
    NotACompany(Problem),
    /// More than 1000 items, or the body is too large
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Neither application/json nor application/x-ndjson
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// No items, or the JSON body is not an array
    #[response(status = 422, content_type = "application/problem+json")]
    NotAList(Problem),
}

/// Issue many waybills: a JSON array (or NDJSON) of signed `consignor.issue` acts.
#[utoipa::path(
    post, path = "/v1/waybills:batch", tag = "waybills",
    request_body(
        description = "1 to 1000 signed consignor.issue envelopes, as POST /v1/waybills takes them: a JSON array, or NDJSON (one envelope per line)",
        content(
            (Vec<SignedActEnvelope> = "application/json"),
            (String = "application/x-ndjson"),
        ),
    ),
    responses(BatchResponses),
    security(("bearer" = []))
)]
#[post("/v1/waybills:batch")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, items = tracing::field::Empty))]
pub async fn issue_batch(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    submit_batch(&state, caller, &request, payload, Route::IssueBatch).await
}

/// Record many later acts (accept, decline, correct, cancel, change vehicle,
/// ...) on any of the caller's waybills; each act names its waybill in
/// `act.waybill_id`. Acts on one waybill apply in request order.
#[utoipa::path(
    post, path = "/v1/events:batch", tag = "waybills",
    request_body(
        description = "1 to 1000 signed later acts, as POST /v1/waybills/{id}/events takes them: a JSON array, or NDJSON (one envelope per line)",
        content(
            (Vec<SignedActEnvelope> = "application/json"),
            (String = "application/x-ndjson"),
        ),
    ),
    responses(BatchResponses),
    security(("bearer" = []))
)]
#[post("/v1/events:batch")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, items = tracing::field::Empty))]
pub async fn events_batch(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    submit_batch(&state, caller, &request, payload, Route::EventsBatch).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonArray,
    Ndjson,
}

/// An item on its way through: where it is, what it names, and how far it got.
struct Item<T> {
    index: usize,
    waybill_id: Option<Uuid>,
    stage: Result<T, ApiError>,
}

impl<T> Item<T> {
    fn then<U>(self, next: impl FnOnce(T) -> Result<U, ApiError>) -> Item<U> {
        Item {
            index: self.index,
            waybill_id: self.waybill_id,
            stage: self.stage.and_then(next),
        }
    }
}

/// What is needed after commit to tell a retry from a conflict.
struct Submitted {
    index: usize,
    waybill_id: Option<Uuid>,
    act_type: ActType,
    /// The act's RFC 8785 text (its body is compared for re-signed issues).
    canonical_act: String,
}

async fn submit_batch(
    state: &AppState,
    caller: Caller,
    request: &HttpRequest,
    payload: web::Payload,
    route: Route,
) -> Result<HttpResponse, ApiError> {
    intake::require_signer(&caller)?;
    let format = body_format(request)?;
    let body = read_limited(payload, state.config.max_batch_body_bytes).await?;
    let item_limit = state.config.max_body_bytes;
    let now = Utc::now();

    // Parsing and the self-contained checks: CPU work, off the async worker.
    let checked = web::block(move || -> Result<Vec<Item<intake::Checked>>, ApiError> {
        Ok(split_items(&body, format, item_limit)?
            .into_iter()
            .map(|item| item.then(|envelope| intake::check_envelope(envelope, route, now)))
            .collect())
    })
    .await??;
    // The handler's span (its `items` field) learns the batch size here.
    tracing::Span::current().record("items", checked.len());

    let key_ids: BTreeSet<KeyId> = checked
        .iter()
        .filter_map(|item| item.stage.as_ref().ok())
        .map(|c| c.header.key_id.clone())
        .collect();
    let keys = state
        .db(move |conn| {
            let mut found = HashMap::new();
            for key_id in key_ids {
                if let Some(key) = keys::find(conn, &key_id)? {
                    found.insert(key_id, key);
                }
            }
            Ok(found)
        })
        .await?;

    // Signatures: the bulk of the CPU work, in parallel.
    let party_id = caller.party_id.clone();
    let verified = web::block(move || {
        checked
            .into_par_iter()
            .map(|item| {
                item.then(|c| {
                    let key = keys.get(&c.header.key_id);
                    intake::verify(c, key, &party_id)
                })
            })
            .collect::<Vec<_>>()
    })
    .await?;

    let mut answers: Vec<Option<BatchItem>> = Vec::with_capacity(verified.len());
    let mut submitted = Vec::new();
    let mut commands = Vec::new();
    for item in verified {
        match item.stage {
            Ok(prepared) => {
                submitted.push(Submitted {
                    index: item.index,
                    waybill_id: item.waybill_id,
                    act_type: prepared.act.header.act_type,
                    canonical_act: prepared.canonical_act.clone(),
                });
                commands.push(Command::AppendAct(Box::new(prepared)));
                answers.push(None);
            }
            Err(problem) => answers.push(Some(rejected(item.index, item.waybill_id, &problem))),
        }
    }
    let results = state.sequencer.submit_many(commands).await;

    let party_id = caller.party_id;
    let resolved = state
        .db(move |conn| {
            submitted
                .into_iter()
                .zip(results)
                .map(|(item, result)| resolve(conn, &party_id, item, result))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a bulk request's answers could not be built");
            ApiError::new(
                // A lost connection is a 503 like every other; the code and
                // the advice stay the same.
                if e.status == StatusCode::SERVICE_UNAVAILABLE {
                    ProblemCode::BatchAnswerUnavailable
                } else {
                    ProblemCode::BatchAnswerFailed
                },
                "the answers could not be built, though items may have been recorded; send the same batch again: recorded items come back as existed",
            )
        })?;
    for answer in resolved {
        let index = answer.index;
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(answer);
        }
    }
    let items: Vec<BatchItem> = answers.into_iter().flatten().collect();
    let count = |status| items.iter().filter(|i| i.status == status).count();
    let server_failed = items
        .iter()
        .any(|i| i.problem.as_ref().is_some_and(|p| p.status >= 500));
    let result = BatchResult {
        created: count(ItemStatus::Created),
        existed: count(ItemStatus::Existed),
        rejected: count(ItemStatus::Rejected),
        items,
    };
    let mut response = HttpResponse::Ok().json(result);
    if server_failed {
        // A retry must run the failed items again, not see the failure.
        response.extensions_mut().insert(DoNotStore);
    }
    Ok(response)
}

fn body_format(request: &HttpRequest) -> Result<Format, ApiError> {
    let unsupported = || {
        ApiError::new(
            ProblemCode::UnsupportedMediaType,
            format!("send Content-Type: application/json (a JSON array) or {NDJSON}"),
        )
    };
    let mime = request
        .mime_type()
        .map_err(|_| unsupported())?
        .ok_or_else(unsupported)?;
    match mime.essence_str() {
        "application/json" => Ok(Format::JsonArray),
        NDJSON => Ok(Format::Ndjson),
        _ => Err(unsupported()),
    }
}

/// Splits the body into items. A body that cannot be split (not a JSON
/// array, no items, too many) fails as a whole; an item that cannot be
/// read (an NDJSON line that is not JSON, an item over the single-request
/// size limit) fails alone, with the problem a single request would get.
fn split_items(
    body: &[u8],
    format: Format,
    item_limit: usize,
) -> Result<Vec<Item<Value>>, ApiError> {
    let texts: Vec<&str> = match format {
        Format::JsonArray => serde_json::from_slice::<Vec<&RawValue>>(body)
            .map_err(|e| {
                if e.is_data() {
                    ApiError::validation(vec![FieldError::new(
                        "",
                        "invalid_body",
                        "the body must be a JSON array of signed act envelopes",
                    )])
                } else {
                    malformed(&e)
                }
            })?
            .into_iter()
            .map(RawValue::get)
            .collect(),
        Format::Ndjson => std::str::from_utf8(body)
            .map_err(|_| {
                ApiError::bad_request(ProblemCode::MalformedJson, "the body is not UTF-8 text")
            })?
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .filter(|line| !line.trim().is_empty())
            .collect(),
    };
    if texts.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "",
            "empty_batch",
            format!("send 1 to {MAX_ITEMS} signed acts"),
        )]));
    }
    if texts.len() > MAX_ITEMS {
        return Err(ApiError::new(
            ProblemCode::BatchTooLarge,
            format!(
                "{} items; at most {MAX_ITEMS} go in one request",
                texts.len()
            ),
        ));
    }
    Ok(texts
        .into_iter()
        .enumerate()
        .map(|(index, text)| {
            let stage = if text.len() > item_limit {
                Err(ApiError::new(
                    ProblemCode::BodyTooLarge,
                    format!(
                        "the body is {} bytes; the limit is {item_limit}",
                        text.len()
                    ),
                ))
            } else {
                super::input::parse_value(text.as_bytes())
            };
            let waybill_id = stage.as_ref().ok().and_then(named_waybill);
            Item {
                index,
                waybill_id,
                stage,
            }
        })
        .collect())
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        ProblemCode::MalformedJson,
        format!("the body is not valid JSON: {e}"),
    )
}

/// The waybill an envelope names, if it names one readably.
fn named_waybill(envelope: &Value) -> Option<Uuid> {
    envelope
        .pointer("/act/waybill_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

fn rejected(index: usize, waybill_id: Option<Uuid>, problem: &ApiError) -> BatchItem {
    BatchItem {
        index,
        status: ItemStatus::Rejected,
        waybill_id,
        result: None,
        problem: Some(problem.problem()),
    }
}

/// Turns the sequencer's answer into the item's answer. A refusal that
/// only says "this was done before" by this caller becomes `existed`, with
/// the original answer.
fn resolve(
    conn: &mut DbConnection,
    caller_party_id: &PartyId,
    item: Submitted,
    result: Result<Committed, WriteError>,
) -> Result<BatchItem, ApiError> {
    let answer = |status, accepted: ActAccepted| BatchItem {
        index: item.index,
        status,
        waybill_id: Some(accepted.waybill.id),
        result: Some(accepted),
        problem: None,
    };
    let rejection = match result {
        Ok(committed) => {
            return Ok(answer(
                ItemStatus::Created,
                intake::accepted(conn, committed)?,
            ));
        }
        Err(WriteError::Rejected(rejection)) => rejection,
        Err(other) => return Ok(rejected(item.index, item.waybill_id, &other.into())),
    };
    let earlier = match &rejection {
        Rejection::Replayed { hash, .. } => events::by_hash(conn, hash)?,
        Rejection::WaybillExists if item.act_type == ActType::ConsignorIssue => {
            same_issue(conn, caller_party_id, &item)?
        }
        _ => None,
    };
    Ok(match earlier {
        Some(event) => answer(ItemStatus::Existed, intake::original_answer(conn, event)?),
        None => rejected(item.index, item.waybill_id, &rejection.into()),
    })
}

/// The issuing event of the existing waybill with the item's id, if the
/// caller issued it over the very same document: the item is then a
/// re-signed retry of an issue whose answer was lost.
fn same_issue(
    conn: &mut DbConnection,
    caller_party_id: &PartyId,
    item: &Submitted,
) -> Result<Option<crate::storage::events::EventRow>, ApiError> {
    let Some(id) = item.waybill_id else {
        return Ok(None);
    };
    let Some(row) = waybills::find(conn, &WaybillId::from(id))? else {
        return Ok(None);
    };
    let Some(issued) = events::by_seq(conn, row.created_seq)? else {
        return Ok(None);
    };
    let same = issued.act_type == ActType::ConsignorIssue.as_str()
        && issued.party_id.as_ref() == Some(caller_party_id)
        && act_body(&issued.act)? == act_body(&item.canonical_act)?;
    Ok(same.then_some(issued))
}

/// The RFC 8785 bytes of an act's body, from the act's canonical text.
fn act_body(canonical_act: &str) -> Result<Vec<u8>, ApiError> {
    let act: Value = serde_json::from_str(canonical_act)
        .map_err(|e| ApiError::internal_from(e, "stored canonical act is not JSON"))?;
    canonical_bytes(act.get("body").unwrap_or(&Value::Null))
        .map_err(|e| ApiError::internal_from(e, "canonicalising a stored act body"))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(issue_batch).service(events_batch);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(items: &[Item<Value>]) -> Vec<Option<u16>> {
        items
            .iter()
            .map(|i| i.stage.as_ref().err().map(|e| e.status.as_u16()))
            .collect()
    }

    #[test]
    fn ndjson_lines_fail_alone_and_blank_lines_are_not_items() {
        let body = b"{\"act\":{\"waybill_id\":\"0192f0c4-1111-7000-8000-000000000001\"}}\r\n\n{oops\n  \n[1]\n";
        let items = split_items(body, Format::Ndjson, 1000).unwrap();
        assert_eq!(statuses(&items), vec![None, Some(400), None]);
        assert_eq!(
            items[0].waybill_id.map(|u| u.to_string()).as_deref(),
            Some("0192f0c4-1111-7000-8000-000000000001")
        );
        assert_eq!(items[2].index, 2);
    }

    #[test]
    fn an_item_over_the_single_request_limit_fails_alone() {
        let big = format!("[{{\"pad\":\"{}\"}}, {{}}]", "x".repeat(100));
        let items = split_items(big.as_bytes(), Format::JsonArray, 50).unwrap();
        assert_eq!(statuses(&items), vec![Some(413), None]);
    }

    #[test]
    fn the_body_must_be_an_array_of_1_to_1000_items() {
        let code = |body: &[u8], format| {
            split_items(body, format, 1000)
                .err()
                .map(|e| e.code.as_str())
        };
        assert_eq!(code(b"{}", Format::JsonArray), Some("validation_failed"));
        assert_eq!(code(b"[", Format::JsonArray), Some("malformed_json"));
        assert_eq!(code(b"[]", Format::JsonArray), Some("validation_failed"));
        assert_eq!(code(b"\n\n", Format::Ndjson), Some("validation_failed"));
        let many = format!("[{}{{}}]", "{},".repeat(MAX_ITEMS));
        assert_eq!(
            code(many.as_bytes(), Format::JsonArray),
            Some("batch_too_large")
        );
    }
}
