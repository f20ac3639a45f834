//! The risk list: `GET /v1/inspect/risk` ranks shipments by risk and
//! explains every score. Authorities only; every list is audited, every
//! score served is kept as a risk assessment (model version and inputs, so
//! it can be reproduced) that an inspection can refer to.
//!
//! The handler parses the query, checks the caller, asks the risk service
//! ([`crate::risk::list`]) for the list, audits it and renders it.

use crate::domain::ids::{AssessmentId, WaybillId};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::lifecycle::Status;
use crate::domain::selection::ListSelection;
use crate::risk::list::{self, RiskFilter};
use crate::risk::score::{Band, Reason};
use crate::storage::DbConnection;
use crate::storage::risk::{self as store, AssessmentRow};

use super::access::require_authority;
use super::audited_read::{AuditedQuery, record_access};
use super::auth::Caller;
use super::input::{Query, check_cn_prefix};
use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::views::waybill::WaybillSummary;

/// What the access audit trail keeps of a risk list: its filters and each
/// assessment it offered.
#[derive(Debug, Serialize)]
struct RiskAudit<'a> {
    filters: &'a RiskFilter,
    returned: Vec<AssessmentShown<'a>>,
}

#[derive(Debug, Serialize)]
struct AssessmentShown<'a> {
    waybill_id: &'a WaybillId,
    assessment_id: &'a AssessmentId,
    score: i32,
    model_version: &'a str,
    selection: &'a str,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RiskQuery {
    /// Default `in_transit`: the trucks on the road now.
    pub status: Option<Status>,
    /// Only shipments with excise goods.
    pub excise: Option<bool>,
    /// Leading digits of a CN code.
    pub cn: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// The risk list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskList {
    pub model_version: String,
    pub generated_at: DateTime<Utc>,
    /// Share of the list drawn at random from below the top.
    pub random_share: f64,
    /// How many shipments matched the filters and were ranked.
    pub ranked: usize,
    pub items: Vec<RiskItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskItem {
    /// Name this in `POST /v1/inspect/shipments/{id}/inspections` when the
    /// truck is stopped.
    pub assessment_id: String,
    pub waybill: WaybillSummary,
    /// 0 to 100.
    pub score: u8,
    pub band: Band,
    pub model_version: String,
    /// `ranking` (from the top) or `random` (the control share).
    pub selection: ListSelection,
    /// The probability that this shipment was on the list, a decimal string.
    pub selection_probability: String,
    /// Every factor that applies, strongest first.
    pub reasons: Vec<Reason>,
    #[schema(value_type = std::collections::BTreeMap<String, f64>)]
    pub inputs: std::collections::BTreeMap<crate::risk::factor::Factor, f64>,
}

/// Shipments ranked by risk, with reasons (authorities only; audited).
#[utoipa::path(
    get, path = "/v1/inspect/risk", tag = "inspect",
    params(RiskQuery),
    responses(
        (status = 200, body = RiskList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/inspect/risk")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn risk_list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<RiskQuery>,
) -> Result<HttpResponse, ApiError> {
    require_authority(&caller)?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)? as usize;
    check_cn_prefix(query.cn.as_deref())?;
    let filter = RiskFilter {
        cn: query.cn,
        excise: query.excise,
        limit,
        status: query.status.unwrap_or(Status::InTransit),
    };
    let live = state.risk.clone();
    let mut seed = [0u8; 8];
    getrandom::getrandom(&mut seed)
        .map_err(|e| ApiError::internal_from(e, "seeding the risk list"))?;
    let list = state
        .db(move |conn| {
            let drawn = list::draw(
                conn,
                &live,
                &filter,
                u64::from_le_bytes(seed),
                &caller.party_id,
            )?;
            let rows: Vec<&AssessmentRow> = drawn.items.iter().map(|(_, row)| row).collect();
            let summaries = summaries(conn, &rows)?;
            let audited = RiskAudit {
                filters: &filter,
                returned: rows
                    .iter()
                    .map(|r| AssessmentShown {
                        waybill_id: &r.waybill_id,
                        assessment_id: &r.id,
                        score: r.score,
                        model_version: &r.model_version,
                        selection: &r.selection,
                    })
                    .collect(),
            };
            record_access(
                conn,
                &caller,
                "inspect.risk",
                None,
                Some(AuditedQuery::of(&audited)?),
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            let items = drawn
                .items
                .into_iter()
                .zip(summaries)
                .map(|((s, row), waybill)| RiskItem {
                    assessment_id: row.id.into_string(),
                    waybill,
                    score: s.assessment.score,
                    band: s.assessment.band,
                    model_version: s.assessment.model_version,
                    selection: s.selection,
                    selection_probability: row.selection_probability,
                    reasons: s.assessment.reasons,
                    inputs: s.assessment.inputs,
                })
                .collect();
            Ok(RiskList {
                model_version: drawn.model_version,
                generated_at: drawn.generated_at,
                random_share: drawn.random_share,
                ranked: drawn.ranked,
                items,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

fn summaries(
    conn: &mut DbConnection,
    rows: &[&AssessmentRow],
) -> Result<Vec<WaybillSummary>, ApiError> {
    let ids: Vec<WaybillId> = rows.iter().map(|r| r.waybill_id.clone()).collect();
    let mut by_id: std::collections::HashMap<WaybillId, WaybillSummary> =
        store::waybills_by_id(conn, &ids)?
            .iter()
            .map(|row| Ok((row.id.clone(), WaybillSummary::from(row.projection()?))))
            .collect::<Result<_, crate::storage::StorageError>>()?;
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| ApiError::internal("an assessed waybill is missing"))
        })
        .collect()
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(risk_list);
}
