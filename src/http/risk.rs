//! The risk list: `GET /v1/inspect/risk` ranks shipments by risk and
//! explains every score. Authorities only; every list is audited, every
//! score served is kept as a risk assessment (model version and inputs, so
//! it can be reproduced) that an inspection can refer to.

use crate::problem_code::ProblemCode;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::lifecycle::Status;
use crate::ledger::apply::parse_state;
use crate::risk::live::LiveRisk;
use crate::risk::rng::SplitMix64;
use crate::risk::score::{Assessment, Band, Reason};
use crate::risk::selection::{Selection, select};
use crate::storage::risk::{self as store, AssessmentRow};
use crate::storage::{DbConnection, time};

use super::audit::record_access;
use super::auth::Caller;
use super::input::Query;
use super::inspect::{require_authority, to_text};
use super::problem::{ApiError, Problem};
use super::state::AppState;
use super::waybills::WaybillSummary;

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
    pub selection: Selection,
    /// The probability that this shipment was on the list, a decimal string.
    pub selection_probability: String,
    /// Every factor that applies, strongest first.
    pub reasons: Vec<Reason>,
    #[schema(value_type = std::collections::BTreeMap<String, f64>)]
    pub inputs: std::collections::BTreeMap<crate::risk::factor::Factor, f64>,
}

/// The brief risk shown with each search hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskBrief {
    pub assessment_id: String,
    pub score: u8,
    pub band: Band,
    pub model_version: String,
    /// The strongest reason, if any factor applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_reason: Option<String>,
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
    if let Some(cn) = &query.cn
        && (cn.is_empty() || cn.len() > 8 || !cn.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidCn,
            "cn is 1 to 8 digits of a CN code",
        ));
    }
    let status = query.status.unwrap_or(Status::InTransit);
    let live = state.risk.clone();
    let mut seed = [0u8; 8];
    getrandom::getrandom(&mut seed)
        .map_err(|e| ApiError::internal_from(e, "seeding the risk list"))?;
    let list = state
        .db(move |conn| {
            let now = time::now();
            let caught = live.catch_up(conn)?;
            let engine = &caught.engine;
            let model = engine.model().clone();
            let ranked = engine.rank(
                |s| {
                    s.status == status
                        && (query.excise != Some(true) || s.lines.iter().any(|l| l.excise.is_some()))
                        && query.cn.as_deref().is_none_or(|cn| {
                            s.lines
                                .iter()
                                .any(|l| l.cn_code.as_deref().is_some_and(|c| c.starts_with(cn)))
                        })
                },
                now,
            );
            drop(caught);
            let ranked_count = ranked.len();
            let mut rng = SplitMix64::new(u64::from_le_bytes(seed));
            let selected = select(ranked, limit, model.random_share, &mut rng);
            let rows: Vec<AssessmentRow> = selected
                .iter()
                .map(|s| {
                    assessment_row(
                        &s.assessment,
                        &to_text(&s.selection),
                        s.probability,
                        &caller.party_id,
                    )
                })
                .collect();
            store::insert_assessments(conn, &rows)?;
            let summaries = summaries(conn, &rows)?;
            let returned: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "waybill_id": r.waybill_id, "assessment_id": r.id, "score": r.score,
                        "model_version": r.model_version, "selection": r.selection,
                    })
                })
                .collect();
            record_access(
                conn,
                &caller,
                "inspect.risk",
                None,
                Some(
                    serde_json::json!({
                        "filters": {"status": status, "excise": query.excise, "cn": query.cn, "limit": limit},
                        "returned": returned,
                    })
                    .to_string(),
                ),
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            let items = selected
                .into_iter()
                .zip(rows)
                .zip(summaries)
                .map(|((s, row), waybill)| RiskItem {
                    assessment_id: row.id,
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
                model_version: model.version.clone(),
                generated_at: now,
                random_share: model.random_share,
                ranked: ranked_count,
                items,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Scores search hits and keeps each score as an assessment, so that a
/// stop found by search can name the score it saw.
pub(crate) fn brief_for(
    conn: &mut DbConnection,
    live: &LiveRisk,
    caller: &Caller,
    ids: &[uuid::Uuid],
) -> Result<Vec<Option<RiskBrief>>, ApiError> {
    let now = time::now();
    let assessments: Vec<Option<Assessment>> = {
        let caught = live.catch_up(conn)?;
        ids.iter().map(|id| caught.engine.assess(id, now)).collect()
    };
    let rows: Vec<AssessmentRow> = assessments
        .iter()
        .flatten()
        .map(|a| assessment_row(a, "search", 1.0, &caller.party_id))
        .collect();
    store::insert_assessments(conn, &rows)?;
    let mut rows = rows.into_iter();
    Ok(assessments
        .into_iter()
        .map(|a| {
            let a = a?;
            let row = rows.next()?;
            Some(RiskBrief {
                assessment_id: row.id,
                score: a.score,
                band: a.band,
                model_version: a.model_version,
                top_reason: a.reasons.into_iter().next().map(|r| r.detail),
            })
        })
        .collect())
}

fn assessment_row(a: &Assessment, selection: &str, probability: f64, party: &str) -> AssessmentRow {
    AssessmentRow {
        id: uuid::Uuid::now_v7().to_string(),
        waybill_id: a.waybill_id.to_string(),
        model_version: a.model_version.clone(),
        score: i32::from(a.score),
        band: to_text(&a.band),
        inputs: serde_json::to_string(&a.inputs).unwrap_or_default(),
        reasons: serde_json::to_string(&a.reasons).unwrap_or_default(),
        selection: selection.to_owned(),
        selection_probability: probability_text(probability),
        party_id: party.to_owned(),
        assessed_at: time::to_db(a.assessed_at),
    }
}

/// A probability as a decimal string with enough digits for weighting.
fn probability_text(p: f64) -> String {
    let text = format!("{:.8}", p.clamp(0.0, 1.0));
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "0" {
        "0.00000001".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn summaries(
    conn: &mut DbConnection,
    rows: &[AssessmentRow],
) -> Result<Vec<WaybillSummary>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.waybill_id.clone()).collect();
    let mut by_id: std::collections::HashMap<String, WaybillSummary> =
        store::waybills_by_id(conn, &ids)?
            .iter()
            .map(|row| Ok((row.id.clone(), WaybillSummary::from(parse_state(row)?))))
            .collect::<Result<_, crate::storage::StorageError>>()?;
    ids.iter()
        .map(|id| {
            by_id
                .remove(id)
                .ok_or_else(|| ApiError::internal("an assessed waybill is missing"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::probability_text;

    #[test]
    fn probabilities_as_decimal_strings() {
        assert_eq!(probability_text(1.0), "1");
        assert_eq!(probability_text(0.07), "0.07");
        assert_eq!(probability_text(3.5 / 950.0), "0.00368421");
        assert_eq!(probability_text(1e-12), "0.00000001");
    }
}
