//! Webhook subscriptions and their delivery history. Companies register
//! URLs for the act types they want; each party sees and manages only its
//! own webhooks (another party's id answers 404, as a missing one does).

use crate::domain::ids::LogIndex;
use crate::problem_code::ProblemCode;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::field_error::FieldError;
use crate::domain::validation::{TextKind, codes, forbidden_char};
use crate::storage::deliveries::{self, DeliveryRow};
use crate::storage::time;
use crate::storage::webhooks::{self, WebhookRow};
use crate::webhooks::{EventTypes, target};

use super::access::require_company;
use super::auth::Caller;
use super::cursor::{decode_cursor, encode_cursor};
use super::input::{Json, Query};
use super::problem::{ApiError, Problem};
use super::state::AppState;

/// Most webhooks one party may have: each event fans out to all of them.
pub const MAX_WEBHOOKS_PER_PARTY: i64 = 10;
const MAX_DESCRIPTION_LEN: usize = 500;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST events: http or https, a public address.
    #[schema(example = "https://erp.example.com/hooks/ewaybill")]
    pub url: String,
    /// Act types to receive (e.g. `carrier.accept`, `consignee.reject`),
    /// or `["*"]` for every act on the party's waybills.
    #[schema(example = json!(["carrier.accept", "consignee.accept", "consignee.reject"]))]
    pub event_types: Vec<String>,
    /// Free text for the party's own bookkeeping.
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Id (RFC 7638 thumbprint) of the service key that signs deliveries;
    /// the key itself is the one `GET /v1/log/key` publishes.
    pub signing_key_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// Where one delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet delivered; will be attempted at `next_attempt_at`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the attempts or the age ran out.
    Failed,
}

crate::text_enum!(DeliveryState);

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub waybill_id: Uuid,
    /// The event's position in the log.
    pub seq: i64,
    pub event_type: String,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i32,
    /// HTTP status of the last attempt, if the receiver answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the next attempt is due (pending deliveries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    pub state: Option<DeliveryState>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

fn company(caller: &Caller) -> Result<(), ApiError> {
    require_company(caller, "webhooks notify the companies named on waybills")
}

fn not_found() -> ApiError {
    ApiError::not_found(ProblemCode::WebhookNotFound, "webhook not found")
}

fn parse_id(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|e| ApiError::internal_from(e, "stored webhook id is not a UUID"))
}

fn view(row: WebhookRow, signing_key_id: &str) -> Result<WebhookView, ApiError> {
    let event_types = EventTypes::from_stored(&row.event_types).ok_or_else(|| {
        ApiError::internal(&format!(
            "webhook {}: stored event_types unreadable",
            row.id
        ))
    })?;
    Ok(WebhookView {
        id: parse_id(&row.id)?,
        url: row.url,
        event_types: event_types.names(),
        description: row.description,
        created_at: time::from_db(row.created_at),
        signing_key_id: signing_key_id.to_owned(),
    })
}

fn delivery_view(row: DeliveryRow) -> Result<DeliveryView, ApiError> {
    let state = DeliveryState::parse(&row.state)
        .map_err(|e| ApiError::internal_from(e, "stored delivery state unreadable"))?;
    Ok(DeliveryView {
        id: parse_id(&row.id)?,
        webhook_id: parse_id(&row.webhook_id)?,
        waybill_id: parse_id(&row.waybill_id)?,
        seq: row.seq.get(),
        event_type: row.event_type,
        state,
        attempts: row.attempts,
        last_status_code: row.last_status,
        last_error: row.last_error,
        last_attempt_at: row.last_attempt_at.map(time::from_db),
        next_attempt_at: (state == DeliveryState::Pending)
            .then(|| time::from_db(row.next_attempt_at)),
        delivered_at: row.delivered_at.map(time::from_db),
        created_at: time::from_db(row.created_at),
    })
}

/// Checks a registration; every problem at once, with its field path.
fn validate(body: &NewWebhook, allow_private: bool) -> Result<EventTypes, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    // The URL parser would drop a tab or line break silently; the stored
    // URL must be the one that was checked.
    if forbidden_char(&body.url, TextKind::SingleLine).is_some() {
        errors.push(FieldError::new(
            "url",
            codes::CONTROL_CHARACTER,
            "the URL must not contain control characters",
        ));
    } else if let Err(e) = target::check_url(body.url.trim(), allow_private) {
        errors.push(e);
    }
    let types = EventTypes::parse(&body.event_types).map_err(|e| errors.extend(e));
    if body
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_LEN)
    {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!("at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    match types {
        Ok(types) if errors.is_empty() => Ok(types),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Register a webhook for the caller's party.
#[utoipa::path(
    post, path = "/v1/webhooks", tag = "notifications",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered", body = WebhookView),
        (status = 403, description = "Not a company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The party has the most webhooks allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or event types", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/webhooks")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    company(&caller)?;
    let body = body.into_inner();
    let types = validate(&body, state.config.webhooks.allow_private)?;
    let row = WebhookRow {
        id: Uuid::now_v7().to_string(),
        party_id: caller.party_id.clone(),
        url: body.url.trim().to_owned(),
        event_types: types.to_stored(),
        description: body.description.filter(|d| !d.trim().is_empty()),
        created_at: time::to_db(time::now()),
    };
    let stored = row.clone();
    state
        .db(move |conn| {
            // A bound on fan-out, not an invariant: two registrations racing
            // may both pass, which costs nothing.
            if webhooks::count_of_party(conn, &stored.party_id)? >= MAX_WEBHOOKS_PER_PARTY {
                return Err(ApiError::new(
                    ProblemCode::TooManyWebhooks,
                    format!(
                        "a party may have at most {MAX_WEBHOOKS_PER_PARTY} webhooks; delete one first"
                    ),
                ));
            }
            webhooks::insert(conn, &stored)?;
            Ok(())
        })
        .await?;
    let location = format!("/v1/webhooks/{}", row.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(view(row, &state.service_key.key_id())?))
}

/// The caller's webhooks, oldest first.
#[utoipa::path(
    get, path = "/v1/webhooks", tag = "notifications",
    responses(
        (status = 200, body = WebhookList),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/webhooks")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    company(&caller)?;
    let rows = state
        .db(move |conn| Ok(webhooks::of_party(conn, &caller.party_id)?))
        .await?;
    let key_id = state.service_key.key_id();
    let items = rows
        .into_iter()
        .map(|row| view(row, &key_id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(WebhookList { items }))
}

/// One of the caller's webhooks.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}", tag = "notifications",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, body = WebhookView),
        (status = 403, description = "Not a company", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, webhook = %path))]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    company(&caller)?;
    let id = path.into_inner().to_string();
    let row = state
        .db(move |conn| webhooks::find_own(conn, &caller.party_id, &id)?.ok_or_else(not_found))
        .await?;
    Ok(HttpResponse::Ok().json(view(row, &state.service_key.key_id())?))
}

/// Delete one of the caller's webhooks; its pending deliveries are dropped.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", tag = "notifications",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not a company", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, webhook = %path))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    company(&caller)?;
    let id = path.into_inner().to_string();
    let deleted = state
        .db(move |conn| Ok(webhooks::delete_own(conn, &caller.party_id, &id)?))
        .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found())
    }
}

/// A webhook's deliveries, newest event first, with their state.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", tag = "notifications",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a company", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/webhooks/{id}/deliveries")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, webhook = %path))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    company(&caller)?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)?;
    let before = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let id = path.into_inner().to_string();
    let filter = query.state.map(DeliveryState::as_str);
    let rows = state
        .db(move |conn| {
            webhooks::find_own(conn, &caller.party_id, &id)?.ok_or_else(not_found)?;
            Ok(deliveries::of_webhook(
                conn,
                &id,
                filter,
                before.map(LogIndex::from),
                i64::from(limit),
            )?)
        })
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_cursor(r.seq.get())))
        .flatten();
    let items = rows
        .into_iter()
        .map(delivery_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(DeliveryPage { items, next_cursor }))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(list_deliveries)
        .service(get_webhook)
        .service(delete_webhook);
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    fn body(url: &str, types: &[&str], description: Option<String>) -> NewWebhook {
        NewWebhook {
            url: url.into(),
            event_types: types.iter().map(|t| t.to_string()).collect(),
            description,
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let e = validate(
            &body("ftp://x", &["carrier.fly"], Some("d".repeat(501))),
            true,
        )
        .unwrap_err();
        let paths: Vec<_> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["url", "event_types[0]", "description"]);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_good_registration_passes() {
        let t = validate(&body("https://erp.example.com/h", &["*"], None), false).unwrap();
        assert_eq!(t, EventTypes::All);
    }

    #[test]
    fn delivery_states_round_trip() {
        for (s, stored) in [
            (DeliveryState::Pending, deliveries::PENDING),
            (DeliveryState::Delivered, deliveries::DELIVERED),
            (DeliveryState::Failed, deliveries::FAILED),
        ] {
            assert_eq!(s.as_str(), stored);
            assert_eq!(DeliveryState::parse(s.as_str()), Ok(s));
        }
    }
}
