//! The REST API: actix handlers, authentication, problem responses.

pub mod accepted;
pub mod access;
pub mod audit;
pub mod audited_read;
pub mod auth;
pub mod batch;
pub mod body;
pub mod cursor;
pub mod demo;
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
pub mod pdf;
pub mod problem;
pub mod receipts;
pub mod request_log;
pub mod risk;
pub mod roadside;
pub mod state;
pub mod tiles;
pub mod tokens;
pub mod ubl;
pub mod waybills;
pub mod webapp;
pub mod webhooks;

use crate::problem_code::ProblemCode;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use utoipa_actix_web::service_config::ServiceConfig as RouteList;
use utoipa_swagger_ui::SwaggerUi;

use problem::ApiError;

/// The one entry point the server and the tests build the app with: the
/// request-parsing error handlers, every route of [`routes`], the document
/// at `/openapi.json` with Swagger UI at `/docs/`, the web app at `/`
/// ([`webapp`]: a client of the API, not part of it, so registered here
/// and not in [`routes`]), and the `no_such_route` answer for everything
/// else. JSON bodies are read by [`input`]'s
/// extractors (size limit, content type, I-JSON, text policy), not by
/// actix's `web::Json`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error));
    routes(&mut RouteList::new(cfg));
    cfg.service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi::document()))
        .configure(webapp::configure)
        .default_service(web::to(not_found));
}

/// Every operation of the API, each module's list in turn. Registering a
/// handler here is what both serves it and puts it in the OpenAPI document
/// ([`openapi::document`] collects the same list), so the two cannot
/// differ. No two routes of one method match the same path, so the order
/// of the modules does not decide which handler answers (a test checks).
pub fn routes(cfg: &mut RouteList) {
    let modules: &[fn(&mut RouteList)] = &[
        health::routes,
        auth::routes,
        parties::routes,
        waybills::routes,
        batch::routes,
        ubl::routes,
        audit::routes,
        inspect::routes,
        risk::routes,
        log::routes,
        tiles::routes,
        roadside::routes,
        pdf::routes,
        webhooks::routes,
        feed::routes,
        demo::routes,
    ];
    for module_routes in modules {
        module_routes(cfg);
    }
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
