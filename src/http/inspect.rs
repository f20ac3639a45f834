//! Inspectors' search: find shipments by plate, party, status, dates,
//! goods and places. Authorities only; every search is written to the
//! access audit trail with its filters and the waybills it returned, and
//! nothing about the waybills changes or is shown to their parties.

use crate::domain::ids::{AssessmentId, WaybillId};
use crate::problem_code::ProblemCode;
use actix_web::{HttpResponse, get, post, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::field_error::FieldError;
use crate::domain::inspection::{InspectionOutcome, IrregularityCategory};
use crate::domain::lifecycle::Status;
use crate::domain::plate::{normalize_city, normalize_plate};
use crate::domain::selection::{Selection, StopSelection};
use crate::domain::validation::check_free_text;
use crate::storage::inspections::{self, InspectionRow};
use crate::storage::search::{self, ShipmentFilter};
use crate::storage::{time, waybills};
use crate::text_enum;

use super::access::{require_authority, waybill_not_found};
use super::audited_read::{AuditedQuery, record_access};
use super::auth::Caller;
use super::cursor::{decode_cursor, encode_cursor};
use super::input::{Json, Query, check_cn_prefix};
use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::views::waybill::WaybillSummary;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShipmentQuery {
    /// Vehicle or trailer plate, current or earlier; spaces, dashes and case do not matter, and
    /// Cyrillic, Greek and fullwidth look-alikes match the Latin letters and digits.
    pub plate: Option<String>,
    /// A party's registration number, as consignor, carrier or consignee.
    pub party: Option<String>,
    /// E.g. `in_transit` for everything on the road now.
    pub status: Option<Status>,
    pub issued_from: Option<chrono::NaiveDate>,
    pub issued_to: Option<chrono::NaiveDate>,
    /// Leading digits of a CN code, e.g. `2203` (beer) or `2710` (fuels).
    pub cn: Option<String>,
    /// Only shipments with excise goods (alcohol, tobacco, energy).
    pub excise: Option<bool>,
    /// ISO 3166-1 alpha-2.
    pub loading_country: Option<String>,
    pub loading_city: Option<String>,
    pub unloading_country: Option<String>,
    pub unloading_city: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

impl ShipmentQuery {
    /// The search this query asks for, normalised, or the 400 of its
    /// first invalid filter (`cn`, then `plate`, then `cursor`).
    fn filter(self) -> Result<ShipmentFilter, ApiError> {
        check_cn_prefix(self.cn.as_deref())?;
        let plate = self.plate.as_deref().map(normalize_plate);
        if plate.as_deref() == Some("") {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidPlate,
                "plate has no letters or digits",
            ));
        }
        Ok(ShipmentFilter {
            plate,
            reg_no: self.party.map(|p| p.trim().to_owned()),
            status: self.status,
            issued_from: self.issued_from,
            issued_to: self.issued_to,
            cn_prefix: self.cn,
            excise: self.excise,
            loading_country: self.loading_country.map(|c| c.trim().to_uppercase()),
            loading_city: self.loading_city.as_deref().map(normalize_city),
            unloading_country: self.unloading_country.map(|c| c.trim().to_uppercase()),
            unloading_city: self.unloading_city.as_deref().map(normalize_city),
            before_seq: self.cursor.as_deref().map(decode_cursor).transpose()?,
        })
    }
}

/// What the access audit trail keeps of a search: its filters, the
/// waybills it returned and the score shown with each (null where none).
#[derive(Debug, serde::Serialize)]
struct SearchAudit<'a> {
    filters: &'a ShipmentFilter,
    returned: Vec<&'a WaybillId>,
    risk: Vec<Option<ScoreShown<'a>>>,
}

#[derive(Debug, serde::Serialize)]
struct ScoreShown<'a> {
    score: u8,
    model_version: &'a str,
}

/// One search hit: the waybill and its current risk score.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ShipmentHit {
    #[serde(flatten)]
    pub waybill: WaybillSummary,
    /// Absent only for a waybill the risk engine has not seen yet.
    pub risk: Option<crate::risk::list::RiskBrief>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ShipmentPage {
    pub items: Vec<ShipmentHit>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Search shipments, each hit with its risk score (authorities only; audited).
#[utoipa::path(
    get, path = "/v1/inspect/shipments", tag = "inspect",
    params(ShipmentQuery),
    responses(
        (status = 200, body = ShipmentPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/inspect/shipments")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn shipments(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ShipmentQuery>,
) -> Result<HttpResponse, ApiError> {
    require_authority(&caller)?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)?;
    let filter = query.filter()?;
    let live = state.risk.clone();
    let (rows, risks) = state
        .db(move |conn| {
            let rows = search::search(conn, &filter, i64::from(limit))?;
            let ids: Vec<uuid::Uuid> = rows.iter().filter_map(|r| r.id.parse().ok()).collect();
            let risks = crate::risk::list::brief_for(conn, &live, &caller.party_id, &ids)?;
            let audited = SearchAudit {
                filters: &filter,
                returned: rows.iter().map(|r| &r.id).collect(),
                risk: risks
                    .iter()
                    .map(|r| {
                        r.as_ref().map(|r| ScoreShown {
                            score: r.score,
                            model_version: &r.model_version,
                        })
                    })
                    .collect(),
            };
            record_access(
                conn,
                &caller,
                "inspect.search",
                None,
                Some(AuditedQuery::of(&audited)?),
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            Ok((rows, risks))
        })
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_cursor(r.created_seq.get())))
        .flatten();
    let items = rows
        .iter()
        .zip(risks)
        .map(|(r, risk)| {
            r.projection().map(|s| ShipmentHit {
                waybill: WaybillSummary::from(s),
                risk,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(ShipmentPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    /// When the inspection took place (UTC); default now.
    pub inspected_at: Option<chrono::DateTime<chrono::Utc>>,
    pub outcome: InspectionOutcome,
    /// Required when the outcome is `irregularity`.
    pub category: Option<IrregularityCategory>,
    /// The amount at stake (tax, duty, value), a decimal string.
    #[schema(value_type = Option<String>, example = "1250.00")]
    pub amount_at_stake: Option<String>,
    /// ISO 4217; required with an amount.
    pub currency: Option<String>,
    pub selection: StopSelection,
    /// The probability with which this stop was selected, in (0, 1]; required
    /// for `ranking` and `random` stops.
    #[schema(value_type = Option<String>, example = "0.05")]
    pub selection_probability: Option<String>,
    pub note: Option<String>,
    /// The risk assessment (from `GET /v1/inspect/risk` or a search hit)
    /// that led to the stop; training then uses the factors as they were.
    pub assessment_id: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: String,
    pub waybill_id: String,
    /// The authority that inspected.
    pub party_id: String,
    pub inspected_at: chrono::DateTime<chrono::Utc>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub outcome: InspectionOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<IrregularityCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_at_stake: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub selection: StopSelection,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_probability: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment_id: Option<String>,
}

fn parse_stored<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, ApiError> {
    text_enum::parse(value).map_err(|e| ApiError::internal_from(e, "stored enum value unreadable"))
}

impl InspectionView {
    fn from_row(row: InspectionRow) -> Result<Self, ApiError> {
        Ok(Self {
            outcome: parse_stored(&row.outcome)?,
            category: row.category.as_deref().map(parse_stored).transpose()?,
            selection: parse_stored(&row.selection)?,
            id: row.id,
            waybill_id: row.waybill_id.into_string(),
            party_id: row.party_id.into_string(),
            inspected_at: time::from_db(row.inspected_at),
            recorded_at: time::from_db(row.recorded_at),
            amount_at_stake: row.amount_at_stake,
            currency: row.currency,
            selection_probability: row.selection_probability,
            note: row.note,
            assessment_id: row.assessment_id.map(AssessmentId::into_string),
        })
    }
}

fn validate_inspection(
    req: &InspectionRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if req.outcome == InspectionOutcome::Irregularity && req.category.is_none() {
        errors.push(FieldError::new(
            "category",
            "required",
            "an irregularity needs a category",
        ));
    }
    if req.outcome == InspectionOutcome::NoIrregularity
        && (req.category.is_some() || req.amount_at_stake.is_some())
    {
        errors.push(FieldError::new(
            "category",
            "not_applicable",
            "category and amount_at_stake describe an irregularity",
        ));
    }
    if let Some(amount) = &req.amount_at_stake {
        match Decimal::from_str_exact(amount) {
            Ok(d) if !d.is_sign_negative() => {}
            _ => errors.push(FieldError::new(
                "amount_at_stake",
                "invalid_value",
                "amount_at_stake is a non-negative decimal string",
            )),
        }
        match &req.currency {
            Some(c) if iso_currency::Currency::from_code(c).is_some() => {}
            _ => errors.push(FieldError::new(
                "currency",
                "invalid_currency",
                "an amount needs an ISO 4217 currency",
            )),
        }
    }
    match (req.selection.get(), &req.selection_probability) {
        (Selection::Ranking | Selection::Random, None) => errors.push(FieldError::new(
            "selection_probability",
            "required",
            "ranked and random stops record their selection probability",
        )),
        (_, Some(p)) => match Decimal::from_str_exact(p) {
            Ok(d) if d > Decimal::ZERO && d <= Decimal::ONE => {}
            _ => errors.push(FieldError::new(
                "selection_probability",
                "out_of_range",
                "selection_probability is a decimal string in (0, 1]",
            )),
        },
        _ => {}
    }
    if req
        .inspected_at
        .is_some_and(|t| t > now + chrono::Duration::minutes(5))
    {
        errors.push(FieldError::new(
            "inspected_at",
            "in_the_future",
            "inspected_at lies in the future",
        ));
    }
    if let Some(note) = &req.note {
        check_free_text(&mut errors, "note", note, 2000);
    }
    errors
}

/// Record what an inspection found (authorities only). The waybill and its
/// parties see nothing of it; the record feeds the risk model.
#[utoipa::path(
    post, path = "/v1/inspect/shipments/{id}/inspections", tag = "inspect",
    params(("id" = uuid::Uuid, Path, description = "Waybill id")),
    request_body = InspectionRequest,
    responses(
        (status = 201, body = InspectionView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/inspect/shipments/{id}/inspections")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn record_inspection(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<uuid::Uuid>,
    body: Json<InspectionRequest>,
) -> Result<HttpResponse, ApiError> {
    require_authority(&caller)?;
    let req = body.into_inner();
    let now = time::now();
    let errors = validate_inspection(&req, now);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let waybill_id = WaybillId::from(path.into_inner());
    let row = InspectionRow {
        id: uuid::Uuid::now_v7().to_string(),
        waybill_id: waybill_id.clone(),
        party_id: caller.party_id.clone(),
        key_id: caller.key_id.clone(),
        inspected_at: time::to_db(req.inspected_at.unwrap_or(now)),
        recorded_at: time::to_db(now),
        outcome: req.outcome.as_str().to_owned(),
        category: req.category.map(|c| c.as_str().to_owned()),
        amount_at_stake: req.amount_at_stake,
        currency: req.currency,
        selection: req.selection.as_str().to_owned(),
        selection_probability: req.selection_probability,
        note: req.note,
        assessment_id: req.assessment_id.map(AssessmentId::from),
    };
    let stored = state
        .db(move |conn| {
            if waybills::find(conn, &waybill_id)?.is_none() {
                return Err(waybill_not_found());
            }
            if let Some(assessment) = &row.assessment_id {
                let found = crate::storage::risk::assessment(conn, assessment)?;
                if found.is_none_or(|a| a.waybill_id != waybill_id) {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "assessment_id",
                        "unknown_assessment",
                        "no risk assessment of this waybill has that id",
                    )]));
                }
            }
            inspections::insert(conn, &row)?;
            record_access(
                conn,
                &caller,
                "inspect.record",
                Some(&waybill_id),
                None,
                Some(1),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(InspectionView::from_row(stored)?))
}

/// Inspections of a shipment, oldest first (authorities only; audited).
#[utoipa::path(
    get, path = "/v1/inspect/shipments/{id}/inspections", tag = "inspect",
    params(("id" = uuid::Uuid, Path, description = "Waybill id")),
    responses(
        (status = 200, body = [InspectionView]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/inspect/shipments/{id}/inspections")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn list_inspections(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_authority(&caller)?;
    let waybill_id = WaybillId::from(path.into_inner());
    let rows = state
        .db(move |conn| {
            if waybills::find(conn, &waybill_id)?.is_none() {
                return Err(waybill_not_found());
            }
            let rows = inspections::of_waybill(conn, &waybill_id)?;
            record_access(
                conn,
                &caller,
                "inspect.inspections",
                Some(&waybill_id),
                None,
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            Ok(rows)
        })
        .await?;
    let views = rows
        .into_iter()
        .map(InspectionView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(shipments)
        .service(record_inspection)
        .service(list_inspections);
}
