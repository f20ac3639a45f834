//! What the risk engine reads to catch up with the ledger, and the risk
//! assessments served to inspectors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::insert::insert_chunked;
use super::schema::{events, inspections, parties, risk_assessments, waybills};
use super::waybills::WaybillRow;
use super::{DbConnection, StorageError, StorageResult};
use crate::domain::ids::{AssessmentId, LogIndex, PartyId, WaybillId};
use crate::domain::inspection::InspectionOutcome;

/// A waybill event, without its act: the engine needs only what and when.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct EventStub {
    pub seq: LogIndex,
    pub waybill_id: Option<WaybillId>,
    pub act_type: String,
    pub received_at: NaiveDateTime,
}

/// Events after `after_seq`, in log order, at most `limit`.
pub fn events_after(
    conn: &mut DbConnection,
    after_seq: LogIndex,
    limit: i64,
) -> StorageResult<Vec<EventStub>> {
    Ok(events::table
        .filter(events::seq.gt(after_seq))
        .order(events::seq.asc())
        .limit(limit)
        .select((
            events::seq,
            events::waybill_id,
            events::act_type,
            events::received_at,
        ))
        .load(conn)?)
}

pub fn waybills_by_id(
    conn: &mut DbConnection,
    ids: &[WaybillId],
) -> StorageResult<Vec<WaybillRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(
            waybills::table
                .filter(waybills::id.eq_any(chunk))
                .select(WaybillRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// Registered companies after `after_seq` of the log: (log seq, reg no, created at).
pub fn companies_after(
    conn: &mut DbConnection,
    after_seq: LogIndex,
) -> StorageResult<Vec<(LogIndex, String, NaiveDateTime)>> {
    Ok(parties::table
        .filter(parties::log_seq.gt(after_seq))
        .filter(parties::kind.eq("company"))
        .order(parties::log_seq.asc())
        .select((parties::log_seq, parties::reg_no, parties::created_at))
        .load(conn)?)
}

/// Inspection outcomes recorded after a (recorded_at, id) position.
pub fn inspections_after(
    conn: &mut DbConnection,
    after: Option<&(NaiveDateTime, String)>,
) -> StorageResult<Vec<(NaiveDateTime, String, WaybillId, InspectionOutcome)>> {
    let mut query = inspections::table
        .select((
            inspections::recorded_at,
            inspections::id,
            inspections::waybill_id,
            inspections::outcome,
        ))
        .order((inspections::recorded_at.asc(), inspections::id.asc()))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            inspections::recorded_at.gt(*at).or(inspections::recorded_at
                .eq(*at)
                .and(inspections::id.gt(id.clone()))),
        );
    }
    let rows: Vec<(NaiveDateTime, String, WaybillId, String)> = query.load(conn)?;
    rows.into_iter()
        .map(|(at, id, waybill, outcome)| {
            let outcome = InspectionOutcome::parse(&outcome)
                .map_err(|e| StorageError::Corrupt(format!("inspection {id}: {e}")))?;
            Ok((at, id, waybill, outcome))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = risk_assessments)]
pub struct AssessmentRow {
    pub id: AssessmentId,
    pub waybill_id: WaybillId,
    pub model_version: String,
    pub score: i32,
    pub band: String,
    /// JSON object: factor -> strength.
    pub inputs: String,
    /// JSON array of reasons.
    pub reasons: String,
    pub selection: String,
    pub selection_probability: String,
    pub party_id: PartyId,
    pub assessed_at: NaiveDateTime,
}

pub fn insert_assessments(conn: &mut DbConnection, rows: &[AssessmentRow]) -> StorageResult<()> {
    insert_chunked(conn, risk_assessments::table, rows, 11)
}

pub fn assessment(
    conn: &mut DbConnection,
    id: &AssessmentId,
) -> StorageResult<Option<AssessmentRow>> {
    Ok(risk_assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every inspection with the assessment that led to it, if any: the
/// training set of `ewaybill risk train`.
pub fn inspections_for_training(
    conn: &mut DbConnection,
) -> StorageResult<Vec<(super::inspections::InspectionRow, Option<AssessmentRow>)>> {
    Ok(inspections::table
        .left_join(
            risk_assessments::table
                .on(inspections::assessment_id.eq(risk_assessments::id.nullable())),
        )
        .order(inspections::recorded_at.asc())
        .select((
            super::inspections::InspectionRow::as_select(),
            Option::<AssessmentRow>::as_select(),
        ))
        .load(conn)?)
}
