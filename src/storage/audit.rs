//! The access audit trail: which authority user read what, and when.
//! Written for every authority read; readable by the operator only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{KeyId, PartyId, WaybillId};

use super::schema::access_audit;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_audit)]
pub struct AccessRecord {
    pub id: String,
    pub at: NaiveDateTime,
    pub party_id: PartyId,
    pub key_id: KeyId,
    pub action: String,
    pub waybill_id: Option<WaybillId>,
    pub query: Option<String>,
    pub result_count: Option<i64>,
}

pub fn record(conn: &mut DbConnection, row: &AccessRecord) -> StorageResult<()> {
    diesel::insert_into(access_audit::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Newest first; `before` is the id of the last record of the previous page.
pub fn list(
    conn: &mut DbConnection,
    waybill_id: Option<&WaybillId>,
    before: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<AccessRecord>> {
    let mut query = access_audit::table
        .select(AccessRecord::as_select())
        .order(access_audit::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(waybill_id) = waybill_id {
        query = query.filter(access_audit::waybill_id.eq(waybill_id));
    }
    if let Some(before) = before {
        query = query.filter(access_audit::id.lt(before));
    }
    Ok(query.load(conn)?)
}
