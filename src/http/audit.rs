//! The access audit trail, readable by oversight parties and the operator
//! only: companies never learn that an authority looked at their data.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::ids::WaybillId;
use crate::storage::audit::{self, AccessRecord};
use crate::storage::time;

use super::access::require_trail_reader;
use super::auth::Caller;
use super::input::Query;
use super::problem::{ApiError, Problem};
use super::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRecordView {
    pub id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The authority party that read.
    pub party_id: String,
    pub key_id: String,
    /// `waybill.read`, `waybill.events`, `waybill.receipt_advice` or `waybill.list`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waybill_id: Option<String>,
    /// The listing's filters, as JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_count: Option<i64>,
}

impl From<AccessRecord> for AccessRecordView {
    fn from(r: AccessRecord) -> Self {
        Self {
            id: r.id,
            at: time::from_db(r.at),
            party_id: r.party_id.into_string(),
            key_id: r.key_id.into_string(),
            action: r.action,
            waybill_id: r.waybill_id.map(WaybillId::into_string),
            query: r.query,
            result_count: r.result_count,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub waybill_id: Option<uuid::Uuid>,
    /// The `id` of the last record of the previous page.
    pub before: Option<String>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<u32>,
}

/// Authority reads, newest first (oversight parties and the operator).
#[utoipa::path(
    get, path = "/v1/audit/access", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = [AccessRecordView]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/audit/access")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn access_trail(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    require_trail_reader(&caller)?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 100, 500)?;
    let rows = state
        .db(move |conn| {
            Ok(audit::list(
                conn,
                query.waybill_id.map(WaybillId::from).as_ref(),
                query.before.as_deref(),
                i64::from(limit),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(AccessRecordView::from)
            .collect::<Vec<_>>(),
    ))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(access_trail);
}
