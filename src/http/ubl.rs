//! UBL 2.1 representations: the consignee's ReceiptAdvice (the
//! DespatchAdvice is `GET /v1/waybills/{id}` with `Accept: application/xml`).

use crate::domain::ids::WaybillId;
use crate::problem_code::ProblemCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use super::access::visible_waybill;
use super::auth::Caller;
use super::negotiate::{Format, choose};
use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::ubl::UblError;

pub const XML: &str = "application/xml; charset=utf-8";

/// A UBL document as a 200 response, or the problem that kept it from
/// being written.
pub(crate) fn xml_response(xml: Result<String, UblError>) -> Result<HttpResponse, ApiError> {
    match xml {
        Ok(xml) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, XML))
            .insert_header((header::VARY, "Accept"))
            .body(xml)),
        Err(UblError::NoReceipt { status }) => Err(ApiError::new(
            ProblemCode::NoReceipt,
            format!(
                "the consignee has neither accepted nor rejected the goods yet (status {status})"
            ),
        )
        .with("current_status", status)),
        Err(e) => Err(ApiError::internal_from(e, "writing UBL failed")),
    }
}

/// The consignee's acceptance (received, short and rejected quantities per
/// line) as an OASIS UBL 2.1 ReceiptAdvice.
#[utoipa::path(
    get, path = "/v1/waybills/{id}/receipt-advice", tag = "waybills",
    params(("id" = Uuid, Path, description = "Waybill id")),
    responses(
        (status = 200, description = "UBL 2.1 ReceiptAdvice", body = String, content_type = "application/xml"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept does not allow XML", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The consignee has not accepted or rejected the goods yet (`no_receipt`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}/receipt-advice")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn receipt_advice(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    choose(&req, &[Format::Xml])?;
    let id = WaybillId::from(path.into_inner());
    let waybill = state
        .db(move |conn| {
            let row = visible_waybill(conn, &caller, &id, "waybill.receipt_advice")?;
            Ok(row.projection()?)
        })
        .await?;
    xml_response(crate::ubl::receipt_advice(&waybill))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(receipt_advice);
}
