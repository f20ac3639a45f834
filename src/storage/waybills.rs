//! The waybill projection: one row per waybill, rewritten in the same
//! transaction as the event that changed it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{LogIndex, PartyId, WaybillId};
use crate::domain::projection::WaybillState;

use super::insert::insert_chunked;
use super::schema::waybills;
use super::{DbConnection, StorageError, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = waybills)]
pub struct WaybillRow {
    pub id: WaybillId,
    pub number: String,
    pub consignor_id: PartyId,
    pub carrier_id: PartyId,
    pub consignee_id: PartyId,
    pub status: String,
    pub version: i64,
    pub head: String,
    pub issue_date: String,
    /// The whole projected state as JSON.
    pub state: String,
    pub created_seq: LogIndex,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WaybillRow {
    /// The stored projection, read back; a row whose state does not read
    /// is a corrupt store.
    pub fn projection(&self) -> Result<WaybillState, StorageError> {
        serde_json::from_str(&self.state)
            .map_err(|e| StorageError::Corrupt(format!("waybill {} state: {e}", self.id)))
    }
}

pub fn find(conn: &mut DbConnection, id: &WaybillId) -> StorageResult<Option<WaybillRow>> {
    Ok(waybills::table
        .find(id)
        .select(WaybillRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, row: &WaybillRow) -> StorageResult<()> {
    diesel::insert_into(waybills::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts many new waybills with few statements.
pub fn insert_many(conn: &mut DbConnection, rows: &[WaybillRow]) -> StorageResult<()> {
    insert_chunked(conn, waybills::table, rows, 13)
}

/// The waybills among `ids` that exist, in one query.
pub fn find_many(conn: &mut DbConnection, ids: &[WaybillId]) -> StorageResult<Vec<WaybillRow>> {
    Ok(waybills::table
        .filter(waybills::id.eq_any(ids))
        .select(WaybillRow::as_select())
        .load(conn)?)
}

/// Which waybills hold any of these document numbers: (consignor party
/// id, number, waybill id), in one query.
pub fn holding_numbers(
    conn: &mut DbConnection,
    numbers: &[String],
) -> StorageResult<Vec<(PartyId, String, WaybillId)>> {
    Ok(waybills::table
        .filter(waybills::number.eq_any(numbers))
        .select((waybills::consignor_id, waybills::number, waybills::id))
        .load(conn)?)
}

pub fn update(conn: &mut DbConnection, row: &WaybillRow) -> StorageResult<()> {
    diesel::update(waybills::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// Whose waybills a listing covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every waybill (authorities).
    All,
    /// Waybills naming this party in any role.
    Party(PartyId),
    /// Waybills naming this party in one role.
    PartyAs(PartyId, crate::domain::party::Role),
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The consignor's document number, exactly.
    pub number: Option<String>,
    pub status: Option<String>,
    /// Inclusive `issue_date` bounds, `YYYY-MM-DD`.
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    /// Only waybills created before this log position (the page cursor).
    pub before_seq: Option<LogIndex>,
}

/// Newest first.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &Filter,
    limit: i64,
) -> StorageResult<Vec<WaybillRow>> {
    use crate::domain::party::Role;
    let mut query = waybills::table
        .select(WaybillRow::as_select())
        .order(waybills::created_seq.desc())
        .limit(limit)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Party(id) => query.filter(
            waybills::consignor_id
                .eq(id.clone())
                .or(waybills::carrier_id.eq(id.clone()))
                .or(waybills::consignee_id.eq(id.clone())),
        ),
        Scope::PartyAs(id, Role::Consignor) => query.filter(waybills::consignor_id.eq(id.clone())),
        Scope::PartyAs(id, Role::Carrier) => query.filter(waybills::carrier_id.eq(id.clone())),
        Scope::PartyAs(id, Role::Consignee) => query.filter(waybills::consignee_id.eq(id.clone())),
    };
    if let Some(number) = &filter.number {
        query = query.filter(waybills::number.eq(number.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(waybills::status.eq(status.clone()));
    }
    if let Some(from) = &filter.issued_from {
        query = query.filter(waybills::issue_date.ge(from.clone()));
    }
    if let Some(to) = &filter.issued_to {
        query = query.filter(waybills::issue_date.le(to.clone()));
    }
    if let Some(before) = filter.before_seq {
        query = query.filter(waybills::created_seq.lt(before));
    }
    Ok(query.load(conn)?)
}
