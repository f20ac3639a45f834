//! Inspection outcomes, as the inspectors recorded them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{AssessmentId, KeyId, PartyId, WaybillId};

use super::schema::inspections;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inspections)]
pub struct InspectionRow {
    pub id: String,
    pub waybill_id: WaybillId,
    pub party_id: PartyId,
    pub key_id: KeyId,
    pub inspected_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub outcome: String,
    pub category: Option<String>,
    /// Decimal as text (exact).
    pub amount_at_stake: Option<String>,
    pub currency: Option<String>,
    pub selection: String,
    /// Decimal in (0, 1] as text.
    pub selection_probability: Option<String>,
    pub note: Option<String>,
    /// The risk assessment that led to the stop, if any.
    pub assessment_id: Option<AssessmentId>,
}

pub fn insert(conn: &mut DbConnection, row: &InspectionRow) -> StorageResult<()> {
    diesel::insert_into(inspections::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn of_waybill(
    conn: &mut DbConnection,
    waybill_id: &WaybillId,
) -> StorageResult<Vec<InspectionRow>> {
    Ok(inspections::table
        .filter(inspections::waybill_id.eq(waybill_id))
        .order(inspections::inspected_at.asc())
        .select(InspectionRow::as_select())
        .load(conn)?)
}
