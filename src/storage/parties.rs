//! The `parties` table.

use diesel::prelude::*;

use super::schema::parties;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = parties)]
pub struct PartyRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub reg_no: String,
    pub country: String,
    pub vat_no: Option<String>,
    pub address: Option<String>,
    pub log_seq: i64,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &PartyRow) -> StorageResult<()> {
    diesel::insert_into(parties::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StorageResult<Option<PartyRow>> {
    Ok(parties::table
        .find(id)
        .select(PartyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_registration(
    conn: &mut DbConnection,
    reg_no: &str,
    country: &str,
) -> StorageResult<Option<PartyRow>> {
    Ok(parties::table
        .filter(parties::reg_no.eq(reg_no))
        .filter(parties::country.eq(country))
        .select(PartyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn any_of_kind(conn: &mut DbConnection, kind: &str) -> StorageResult<bool> {
    let count: i64 = parties::table
        .filter(parties::kind.eq(kind))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn list(conn: &mut DbConnection, limit: i64) -> StorageResult<Vec<PartyRow>> {
    Ok(parties::table
        .order(parties::log_seq.asc())
        .limit(limit)
        .select(PartyRow::as_select())
        .load(conn)?)
}
