//! Inspectors' search: find shipments by plate, party, status, dates,
//! goods and places. Authorities only; every search is written to the
//! access audit trail with its filters and the waybills it returned, and
//! nothing about the waybills changes or is shown to their parties.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::lifecycle::Status;
use crate::domain::party::PartyKind;
use crate::domain::plate::{normalize_city, normalize_plate};
use crate::ledger::apply::parse_state;
use crate::storage::search::{self, SearchFilter};

use super::audit::record_access;
use super::auth::Caller;
use super::problem::{ApiError, Problem};
use super::state::AppState;
use super::waybills::{WaybillPage, WaybillSummary, decode_cursor, encode_cursor};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShipmentQuery {
    /// Vehicle or trailer plate, current or earlier; spaces, dashes and case do not matter.
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
    pub limit: Option<u32>,
}

/// Search shipments (authorities only; audited).
#[utoipa::path(
    get, path = "/v1/inspect/shipments", tag = "inspect",
    params(ShipmentQuery),
    responses(
        (status = 200, body = WaybillPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/inspect/shipments")]
pub async fn shipments(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ShipmentQuery>,
) -> Result<HttpResponse, ApiError> {
    if caller.kind != PartyKind::Authority {
        return Err(ApiError::forbidden(
            "forbidden",
            "shipment search is for inspecting authorities",
        ));
    }
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)?;
    if let Some(cn) = &query.cn
        && (cn.is_empty() || cn.len() > 8 || !cn.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::bad_request(
            "invalid_cn",
            "cn is 1 to 8 digits of a CN code",
        ));
    }
    let plate = query.plate.as_deref().map(normalize_plate);
    if plate.as_deref() == Some("") {
        return Err(ApiError::bad_request(
            "invalid_plate",
            "plate has no letters or digits",
        ));
    }
    let filter = SearchFilter {
        plate,
        reg_no: query.party.map(|p| p.trim().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        issued_from: query.issued_from.map(|d| d.to_string()),
        issued_to: query.issued_to.map(|d| d.to_string()),
        cn_prefix: query.cn,
        excise: query.excise,
        loading_country: query.loading_country.map(|c| c.trim().to_uppercase()),
        loading_city: query.loading_city.as_deref().map(normalize_city),
        unloading_country: query.unloading_country.map(|c| c.trim().to_uppercase()),
        unloading_city: query.unloading_city.as_deref().map(normalize_city),
        before_seq: query.cursor.as_deref().map(decode_cursor).transpose()?,
    };
    let rows = state
        .db(move |conn| {
            let rows = search::search(conn, &filter, i64::from(limit))?;
            let returned: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let audited = serde_json::json!({
                "filters": format!("{filter:?}"),
                "returned": returned,
            });
            record_access(
                conn,
                &caller,
                "inspect.search",
                None,
                Some(audited.to_string()),
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            Ok(rows)
        })
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_cursor(r.created_seq)))
        .flatten();
    let items = rows
        .iter()
        .map(|r| parse_state(r).map(WaybillSummary::from))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(WaybillPage { items, next_cursor }))
}
