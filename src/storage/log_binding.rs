//! The one row naming the log this database holds (see
//! `crate::ledger::binding`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::log_binding;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = log_binding)]
pub struct LogBindingRow {
    pub id: i32,
    pub log_id: String,
    pub origin: String,
    pub key_id: String,
    pub created_at: NaiveDateTime,
}

/// The row's fixed primary key: there is at most one.
pub const ROW_ID: i32 = 1;

pub fn get(conn: &mut DbConnection) -> StorageResult<Option<LogBindingRow>> {
    Ok(log_binding::table
        .find(ROW_ID)
        .first::<LogBindingRow>(conn)
        .optional()?)
}

/// Inserts the row; a unique violation means another instance was first.
pub fn insert(conn: &mut DbConnection, row: &LogBindingRow) -> StorageResult<()> {
    diesel::insert_into(log_binding::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
