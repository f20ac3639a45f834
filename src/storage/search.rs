//! The inspectors' search index: per waybill the facts they filter by,
//! and every plate it ever named. Written by the sequencer with the
//! projection; read by `GET /v1/inspect/shipments`.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::domain::ids::{PartyId, WaybillId};
use crate::domain::lifecycle::Status;

use super::insert::insert_chunked;
use super::schema::{parties, shipment_facts, shipment_plates, waybills};
use super::waybills::WaybillRow;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = shipment_facts)]
pub struct FactsRow {
    pub waybill_id: WaybillId,
    pub excise: bool,
    pub cn_codes: String,
    pub loading_country: String,
    pub loading_city: String,
    pub unloading_country: String,
    pub unloading_city: String,
}

/// Writes the facts and plates of waybills the batch touched.
pub fn write(conn: &mut DbConnection, facts: &[(FactsRow, HashSet<String>)]) -> StorageResult<()> {
    if facts.is_empty() {
        return Ok(());
    }
    for (row, _) in facts {
        let updated = diesel::update(shipment_facts::table.find(&row.waybill_id))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(shipment_facts::table)
                .values(row)
                .execute(conn)?;
        }
    }
    let ids: Vec<&WaybillId> = facts.iter().map(|(r, _)| &r.waybill_id).collect();
    let known: HashSet<(String, WaybillId)> = shipment_plates::table
        .filter(shipment_plates::waybill_id.eq_any(&ids))
        .select((shipment_plates::plate, shipment_plates::waybill_id))
        .load::<(String, WaybillId)>(conn)?
        .into_iter()
        .collect();
    let missing: Vec<_> = facts
        .iter()
        .flat_map(|(row, plates)| plates.iter().map(|p| (p.clone(), row.waybill_id.clone())))
        .filter(|pair| !known.contains(pair))
        .map(|(plate, id)| {
            (
                shipment_plates::plate.eq(plate),
                shipment_plates::waybill_id.eq(id),
            )
        })
        .collect();
    insert_chunked(conn, shipment_plates::table, &missing, 2)
}

/// What an inspector searches shipments by: every field optional, all
/// combined with AND. Built once from the request, already normalised; the
/// search runs on it and the access audit trail records it as the search's
/// `filters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShipmentFilter {
    /// Normalised plate (vehicle or trailer, current or earlier).
    pub plate: Option<String>,
    /// A party's registration number, in any role.
    pub reg_no: Option<String>,
    pub status: Option<Status>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
    /// Leading digits of a CN code.
    pub cn_prefix: Option<String>,
    pub excise: Option<bool>,
    /// ISO 3166-1 alpha-2, upper case.
    pub loading_country: Option<String>,
    /// Normalised city name.
    pub loading_city: Option<String>,
    pub unloading_country: Option<String>,
    pub unloading_city: Option<String>,
    /// Only waybills created before this sequence number (the next page).
    pub before_seq: Option<i64>,
}

/// Newest first.
pub fn search(
    conn: &mut DbConnection,
    filter: &ShipmentFilter,
    limit: i64,
) -> StorageResult<Vec<WaybillRow>> {
    let mut query = waybills::table
        .inner_join(shipment_facts::table)
        .select(WaybillRow::as_select())
        .order(waybills::created_seq.desc())
        .limit(limit)
        .into_boxed();
    if let Some(plate) = &filter.plate {
        let ids = shipment_plates::table
            .filter(shipment_plates::plate.eq(plate.clone()))
            .select(shipment_plates::waybill_id);
        query = query.filter(waybills::id.eq_any(ids));
    }
    if let Some(reg_no) = &filter.reg_no {
        let ids: Vec<PartyId> = parties::table
            .filter(parties::reg_no.eq(reg_no.clone()))
            .select(parties::id)
            .load(conn)?;
        query = query.filter(
            waybills::consignor_id
                .eq_any(ids.clone())
                .or(waybills::carrier_id.eq_any(ids.clone()))
                .or(waybills::consignee_id.eq_any(ids)),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(waybills::status.eq(status.as_str()));
    }
    if let Some(from) = filter.issued_from {
        query = query.filter(waybills::issue_date.ge(from.to_string()));
    }
    if let Some(to) = filter.issued_to {
        query = query.filter(waybills::issue_date.le(to.to_string()));
    }
    if let Some(prefix) = &filter.cn_prefix {
        query = query.filter(shipment_facts::cn_codes.like(format!("% {prefix}%")));
    }
    if let Some(excise) = filter.excise {
        query = query.filter(shipment_facts::excise.eq(excise));
    }
    if let Some(country) = &filter.loading_country {
        query = query.filter(shipment_facts::loading_country.eq(country.clone()));
    }
    if let Some(city) = &filter.loading_city {
        query = query.filter(shipment_facts::loading_city.eq(city.clone()));
    }
    if let Some(country) = &filter.unloading_country {
        query = query.filter(shipment_facts::unloading_country.eq(country.clone()));
    }
    if let Some(city) = &filter.unloading_city {
        query = query.filter(shipment_facts::unloading_city.eq(city.clone()));
    }
    if let Some(before) = filter.before_seq {
        query = query.filter(waybills::created_seq.lt(before));
    }
    Ok(query.load(conn)?)
}
