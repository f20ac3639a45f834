//! `GET /v1/waybills/{id}/pdf`: the printable waybill for the road and the
//! archive. The waybill's parties and the authorities read it (an
//! authority's read is written to the access audit trail as `waybill.pdf`
//! first, like every other waybill read); it is gathered here (state,
//! signed chain, the roadside QR code's content, the log position) and
//! drawn by [`crate::views::pdf`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::document::WaybillDocument;
use crate::domain::ids::WaybillId;
use crate::domain::lifecycle::ActType;
use crate::domain::party::Role;
use crate::storage::events::{self, EventRow};
use crate::storage::{time, tree};
use crate::views::pdf::{self, Lang, PrintedWaybill, SignedAct};

use super::access::visible_waybill;
use super::auth::Caller;
use super::negotiate::choose_language;
use super::problem::{ApiError, Problem};
use super::roadside::{public_base, qr_content};
use super::state::AppState;

/// The audit trail's action for an authority's PDF read.
pub const AUDIT_ACTION: &str = "waybill.pdf";

/// The languages the PDF is printed in, the default first.
const LANGUAGES: &[&str] = &["en", "lv"];

/// The waybill as a printable A4 PDF/A-2b document.
#[utoipa::path(
    get, path = "/v1/waybills/{id}/pdf", tag = "waybills",
    params(
        ("id" = Uuid, Path, description = "Waybill id"),
        ("Accept-Language" = Option<String>, Header, description = "`lv` for Latvian; anything else (or nothing) gives English"),
    ),
    responses(
        (status = 200, description = "Every field of the document, the goods lines and totals, the current status, the signed history, the roadside QR code and the log receipt's index and checkpoint, in Latvian or English", content((String = "application/pdf")),
            headers(("Content-Language" = String, description = "`en` or `lv`: the language printed"))),
        (status = 403, description = "The operator, auditors and oversight do not read waybills", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such waybill visible to the caller", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}/pdf")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn waybill_pdf(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let lang = choose_language(&req, LANGUAGES)
        .and_then(Lang::from_tag)
        .unwrap_or(Lang::En);
    let id = WaybillId::from(path.into_inner());
    let key = state.service_key.clone();
    let base = public_base(&state);
    let printed = state
        .db(move |conn| {
            let row = visible_waybill(conn, &caller, &id, AUDIT_ACTION)?;
            let qr = qr_content(conn, &key, &base, &row, &caller.party_id)?;
            let waybill = row.projection()?;
            let chain = events::of_waybill(conn, &row.id)?;
            let checkpoint = tree::latest_checkpoint(conn)?
                .ok_or_else(|| ApiError::internal("no checkpoint is stored"))?;
            let history = chain
                .iter()
                .map(|event| signed_act(event, &waybill.document))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(PrintedWaybill {
                state: waybill,
                history,
                qr_text: qr.text,
                log_index: qr.summary.log_index,
                checkpoint: checkpoint.note,
                checkpoint_size: u64::try_from(checkpoint.size).unwrap_or(0),
                printed_at: time::now(),
            })
        })
        .await?;
    // Drawing a page of text and a QR code takes milliseconds of CPU: off
    // the async workers all the same.
    let bytes = web::block(move || pdf::render(&printed, lang))
        .await
        .map_err(|e| ApiError::internal_from(e, "the PDF renderer stopped"))?
        .map_err(|e| ApiError::internal_from(e, "rendering the PDF"))?;
    Ok(HttpResponse::Ok()
        .content_type(pdf::MEDIA_TYPE)
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .insert_header((header::VARY, "Accept-Language"))
        // It carries the roadside token, like the QR code itself.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// One event of the chain as the history prints it: who (the party the
/// document names in the act's role), when, with which key.
fn signed_act(event: &EventRow, document: &WaybillDocument) -> Result<SignedAct, ApiError> {
    #[derive(serde::Deserialize)]
    struct Header {
        signed_at: chrono::DateTime<chrono::Utc>,
    }
    let act = ActType::parse(&event.act_type)
        .map_err(|e| ApiError::internal_from(e, "a stored act has an unknown type"))?;
    let header: Header = serde_json::from_str(&event.act)
        .map_err(|e| ApiError::internal_from(e, "a stored act has no signing time"))?;
    let party = match act.role() {
        Role::Consignor => &document.consignor,
        Role::Carrier => &document.carrier,
        Role::Consignee => &document.consignee,
    };
    Ok(SignedAct {
        log_index: u64::try_from(event.seq.get()).unwrap_or(0),
        act,
        signed_by: party.name.clone(),
        signed_at: header.signed_at,
        received_at: time::from_db(event.received_at),
        key_id: event.key_id.to_string(),
    })
}

pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(waybill_pdf);
}
