//! The REST API: actix handlers, authentication, problem responses.

pub mod audit;
pub mod auth;
pub mod batch;
pub mod body;
pub mod feed;
pub mod health;
pub mod idempotency;
pub mod input;
pub mod inspect;
pub mod intake;
pub mod log;
pub mod negotiate;
pub mod openapi;
pub mod parties;
pub mod problem;
pub mod receipts;
pub mod risk;
pub mod roadside;
pub mod state;
pub mod tokens;
pub mod ubl;
pub mod waybills;
pub mod webhooks;

use crate::problem_code::ProblemCode;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use problem::ApiError;

/// Registers every route and the request-parsing error handlers. JSON
/// bodies are read by [`input`]'s extractors (size limit, content type,
/// I-JSON, text policy), not by actix's `web::Json`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .service(health::healthz)
        .service(health::readyz)
        .service(auth::issue_token)
        .service(parties::create_party)
        .service(parties::list_parties)
        .service(parties::me)
        .service(parties::get_party)
        .service(parties::register_key)
        .service(parties::list_keys)
        .service(parties::revoke_key)
        .service(waybills::issue)
        .service(batch::issue_batch)
        .service(batch::events_batch)
        .service(waybills::list_waybills)
        .service(waybills::append)
        .service(waybills::list_events)
        .service(waybills::signing_keys)
        .service(ubl::receipt_advice)
        .service(waybills::get_waybill)
        .service(audit::access_trail)
        .service(inspect::shipments)
        .service(inspect::record_inspection)
        .service(inspect::list_inspections)
        .service(risk::risk_list)
        .service(log::log_key)
        .service(log::latest_checkpoint)
        .service(log::checkpoints)
        .service(log::inclusion)
        .service(log::consistency)
        .service(log::entries)
        .service(log::event_proof)
        .service(roadside::waybill_qr)
        .service(roadside::verify_token)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::list_deliveries)
        .service(webhooks::get_webhook)
        .service(webhooks::delete_webhook)
        .service(feed::feed)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi::ApiDoc::openapi()))
        .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(
        ProblemCode::NoSuchRoute,
        format!(
            "{} {} is not part of the API; see /openapi.json",
            req.method(),
            req.path()
        ),
    ))
}

/// A page size from the query: `default` when absent, 1 to `max` otherwise.
pub(crate) fn page_limit(requested: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = requested.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request(
            ProblemCode::InvalidLimit,
            format!("limit must be 1 to {max}"),
        ))
    }
}

fn path_error(err: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(
        ProblemCode::InvalidPath,
        format!("a path segment is not valid: {err}"),
    )
    .into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(
        ProblemCode::InvalidQuery,
        format!("the query string is not valid: {err}"),
    )
    .into()
}
