//! Waybills: issuing, later acts, reading the state and the signed chain,
//! listing. Parties see only their own waybills; authorities see all, and
//! every authority read is written to the access audit trail first.

use crate::domain::ids::{LogIndex, WaybillId};
use crate::problem_code::ProblemCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::act::SignedActEnvelope;
use crate::domain::lifecycle::Status;
use crate::domain::party::Role;
use crate::domain::projection::WaybillState;
use crate::storage::events;
use crate::storage::waybills::{self, Filter, Scope};
use crate::storage::{DbConnection, keys};
use crate::views::event::EventView;
use crate::views::waybill::WaybillSummary;

use super::accepted::ActAccepted;
use super::access::{WAYBILL_READERS, require_kind, sees_all, visible_waybill};
use super::audited_read::{AuditedQuery, record_access};
use super::auth::Caller;
use super::cursor::{decode_cursor, encode_cursor};
use super::input::{JsonValue, Query};
use super::intake::{Route, submit_one};
use super::negotiate::{Format, choose};
use super::parties::KeyView;
use super::problem::{ApiError, Problem};
use super::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct WaybillPage {
    pub items: Vec<WaybillSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What the access audit trail keeps of an authority's waybill list: its
/// filters as given (null where absent), cursor and page size.
#[derive(Debug, Serialize)]
struct ListAudit<'a> {
    number: Option<&'a str>,
    status: Option<&'a str>,
    issued_from: Option<&'a str>,
    issued_to: Option<&'a str>,
    cursor: Option<&'a str>,
    limit: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only waybills where the caller has this role (companies only).
    pub role: Option<Role>,
    pub status: Option<Status>,
    /// The consignor's document number, exactly as issued: an ERP that lost
    /// its state finds what it already issued. Only among the waybills the
    /// caller may see.
    pub number: Option<String>,
    /// Issued on or after this date (YYYY-MM-DD).
    pub issued_from: Option<chrono::NaiveDate>,
    /// Issued on or before this date (YYYY-MM-DD).
    pub issued_to: Option<chrono::NaiveDate>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// Issue a waybill: the consignor's signed `consignor.issue` act.
#[utoipa::path(
    post, path = "/v1/waybills", tag = "waybills",
    request_body = SignedActEnvelope,
    responses(
        (status = 201, description = "Issued", body = ActAccepted),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key not an active key of the consignor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Waybill exists, act replayed or number taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid act or document, or bad signature", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/waybills")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonValue,
) -> Result<HttpResponse, ApiError> {
    submit_one(&state, caller, body.into_inner(), Route::Issue).await
}

/// Append a later act (accept, decline, correct, cancel, change vehicle, ...).
#[utoipa::path(
    post, path = "/v1/waybills/{id}/events", tag = "waybills",
    params(("id" = Uuid, Path, description = "Waybill id")),
    request_body = SignedActEnvelope,
    responses(
        (status = 201, description = "Act recorded", body = ActAccepted),
        (status = 403, description = "Key not an active key of the party the act's role requires", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such waybill visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale prev, replayed act, or act not allowed in the current status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid act or bad signature", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/waybills/{id}/events")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn append(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonValue,
) -> Result<HttpResponse, ApiError> {
    submit_one(
        &state,
        caller,
        body.into_inner(),
        Route::Append(path.into_inner()),
    )
    .await
}

/// The current state of a waybill; with `Accept: application/xml`, its
/// document as an OASIS UBL 2.1 DespatchAdvice (see docs/ubl.md).
#[utoipa::path(
    get, path = "/v1/waybills/{id}", tag = "waybills",
    params(("id" = Uuid, Path, description = "Waybill id")),
    responses(
        (status = 200, description = "JSON state (default), or the document as a UBL 2.1 DespatchAdvice for `Accept: application/xml`",
            content((WaybillState = "application/json"), (String = "application/xml"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept allows neither JSON nor XML", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn get_waybill(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let format = choose(&req, &[Format::Json, Format::Xml])?;
    let id = WaybillId::from(path.into_inner());
    let waybill = state
        .db(move |conn| {
            let row = visible_waybill(conn, &caller, &id, "waybill.read")?;
            Ok(row.projection()?)
        })
        .await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(waybill)),
        Format::Xml => super::ubl::xml_response(crate::ubl::despatch_advice(
            &waybill.document,
            Some(waybill.id),
        )),
    }
}

/// The waybill's signed chain, exactly as signed, for offline re-verification.
#[utoipa::path(
    get, path = "/v1/waybills/{id}/events", tag = "waybills",
    params(("id" = Uuid, Path, description = "Waybill id")),
    responses(
        (status = 200, body = [EventView]),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}/events")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = read_visible(
        &state,
        caller,
        path.into_inner(),
        "waybill.events",
        events::of_waybill,
    )
    .await?;
    let events = rows
        .into_iter()
        .map(EventView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(events))
}

/// The public keys the waybill's acts were signed with, active or revoked
/// since, in registration order: with the chain from
/// `GET /v1/waybills/{id}/events`, everything a party needs to re-verify
/// each signature offline. The same parties as the waybill itself may read
/// it (authorities too, audited).
#[utoipa::path(
    get, path = "/v1/waybills/{id}/keys", tag = "waybills",
    params(("id" = Uuid, Path, description = "Waybill id")),
    responses(
        (status = 200, description = "Every key named by an act of the waybill", body = [KeyView]),
        (status = 403, description = "The operator and auditors do not read waybills", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such waybill visible to the caller", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}/keys")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn signing_keys(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = read_visible(
        &state,
        caller,
        path.into_inner(),
        "waybill.keys",
        keys::signing_keys_of_waybill,
    )
    .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(KeyView::from).collect::<Vec<_>>()))
}

/// Reads something of a waybill once [`visible_waybill`] lets the caller
/// see it (an authority's read audited as `action`).
async fn read_visible<T, F>(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    action: &'static str,
    read: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &WaybillId) -> crate::storage::StorageResult<T> + Send + 'static,
{
    let id = WaybillId::from(id);
    state
        .db(move |conn| {
            visible_waybill(conn, &caller, &id, action)?;
            Ok(read(conn, &id)?)
        })
        .await
}

/// The caller's waybills, newest first (authorities: all waybills, audited);
/// `number` finds one by the consignor's document number.
#[utoipa::path(
    get, path = "/v1/waybills", tag = "waybills",
    params(ListQuery),
    responses(
        (status = 200, body = WaybillPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn list_waybills(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)?;
    require_kind(
        &caller,
        WAYBILL_READERS,
        "the operator and auditors do not list waybills",
    )?;
    let scope = match (sees_all(&caller), query.role) {
        (false, None) => Scope::Party(caller.party_id.clone()),
        (false, Some(role)) => Scope::PartyAs(caller.party_id.clone(), role),
        (true, None) => Scope::All,
        (true, Some(_)) => {
            return Err(ApiError::bad_request(
                ProblemCode::RoleNotApplicable,
                "role filters a company's own waybills; authorities see all",
            ));
        }
    };
    let before_seq = query
        .cursor
        .as_deref()
        .map(decode_cursor)
        .transpose()?
        .map(LogIndex::from);
    let filter = Filter {
        number: query.number.clone(),
        status: query.status.map(|s| s.as_str().to_owned()),
        issued_from: query.issued_from.map(|d| d.to_string()),
        issued_to: query.issued_to.map(|d| d.to_string()),
        before_seq,
    };
    let audited_query = AuditedQuery::of(&ListAudit {
        number: filter.number.as_deref(),
        status: filter.status.as_deref(),
        issued_from: filter.issued_from.as_deref(),
        issued_to: filter.issued_to.as_deref(),
        cursor: query.cursor.as_deref(),
        limit,
    })?;
    let rows = state
        .db(move |conn| {
            let rows = waybills::list(conn, &scope, &filter, i64::from(limit))?;
            if sees_all(&caller) {
                let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                record_access(
                    conn,
                    &caller,
                    "waybill.list",
                    None,
                    Some(audited_query),
                    Some(count),
                )?;
            }
            Ok(rows)
        })
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_cursor(r.created_seq.get())))
        .flatten();
    let items = rows
        .iter()
        .map(|r| r.projection().map(WaybillSummary::from))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(WaybillPage { items, next_cursor }))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(issue)
        .service(list_waybills)
        .service(append)
        .service(list_events)
        .service(signing_keys)
        .service(get_waybill);
}
