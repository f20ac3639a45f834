//! The `parties` table.

use diesel::prelude::*;

use crate::domain::ids::{LogIndex, PartyId};
use crate::domain::party::PartyKind;

use super::schema::parties;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = parties)]
pub struct PartyRow {
    pub id: PartyId,
    pub kind: String,
    pub name: String,
    pub reg_no: String,
    pub country: String,
    pub vat_no: Option<String>,
    pub address: Option<String>,
    pub log_seq: LogIndex,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &PartyRow) -> StorageResult<()> {
    diesel::insert_into(parties::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &PartyId) -> StorageResult<Option<PartyRow>> {
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

/// The parties registered under any of `reg_nos` (in any country).
pub fn with_registration_numbers(
    conn: &mut DbConnection,
    reg_nos: &[String],
) -> StorageResult<Vec<PartyRow>> {
    Ok(parties::table
        .filter(parties::reg_no.eq_any(reg_nos))
        .select(PartyRow::as_select())
        .load(conn)?)
}

pub fn any_of_kind(conn: &mut DbConnection, kind: &str) -> StorageResult<bool> {
    let count: i64 = parties::table
        .filter(parties::kind.eq(kind))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// The companies registered with this number (one per country at most,
/// as `(reg_no, country)` is unique), in registration order.
pub fn companies_by_reg_no(
    conn: &mut DbConnection,
    reg_no: &str,
    country: Option<&str>,
) -> StorageResult<Vec<PartyRow>> {
    let mut query = parties::table
        .filter(parties::reg_no.eq(reg_no.to_owned()))
        .filter(parties::kind.eq(PartyKind::Company.as_str()))
        .order(parties::log_seq.asc())
        .select(PartyRow::as_select())
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(parties::country.eq(country.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Parties in registration order, optionally by registration number and
/// country; `after_seq` pages on.
pub fn list(
    conn: &mut DbConnection,
    reg_no: Option<&str>,
    country: Option<&str>,
    after_seq: Option<LogIndex>,
    limit: i64,
) -> StorageResult<Vec<PartyRow>> {
    let mut query = parties::table
        .order(parties::log_seq.asc())
        .limit(limit)
        .select(PartyRow::as_select())
        .into_boxed();
    if let Some(reg_no) = reg_no {
        query = query.filter(parties::reg_no.eq(reg_no.to_owned()));
    }
    if let Some(country) = country {
        query = query.filter(parties::country.eq(country.to_owned()));
    }
    if let Some(after) = after_seq {
        query = query.filter(parties::log_seq.gt(after));
    }
    Ok(query.load(conn)?)
}
