//! The `party_keys` table: public keys only, with their registration and
//! revocation positions in the log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{KeyId, LogIndex, PartyId, WaybillId};

use super::schema::{events, parties, party_keys};
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = party_keys)]
pub struct KeyRow {
    pub key_id: KeyId,
    pub party_id: PartyId,
    pub public_key: String,
    pub label: String,
    pub registered_seq: LogIndex,
    pub registered_at: NaiveDateTime,
    pub revoked_seq: Option<LogIndex>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl KeyRow {
    pub fn is_active(&self) -> bool {
        self.revoked_seq.is_none()
    }
}

/// A key with the kind of the party that holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyWithParty {
    pub key: KeyRow,
    pub party_kind: String,
}

pub fn insert(conn: &mut DbConnection, row: &KeyRow) -> StorageResult<()> {
    diesel::insert_into(party_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, key_id: &KeyId) -> StorageResult<Option<KeyWithParty>> {
    let found: Option<(KeyRow, String)> = party_keys::table
        .inner_join(parties::table)
        .filter(party_keys::key_id.eq(key_id))
        .select((KeyRow::as_select(), parties::kind))
        .first(conn)
        .optional()?;
    Ok(found.map(|(key, party_kind)| KeyWithParty { key, party_kind }))
}

/// The keys among `key_ids` that are registered, with their parties' kinds,
/// in one query.
pub fn find_many(conn: &mut DbConnection, key_ids: &[&KeyId]) -> StorageResult<Vec<KeyWithParty>> {
    let found: Vec<(KeyRow, String)> = party_keys::table
        .inner_join(parties::table)
        .filter(party_keys::key_id.eq_any(key_ids))
        .select((KeyRow::as_select(), parties::kind))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(key, party_kind)| KeyWithParty { key, party_kind })
        .collect())
}

pub fn of_party(conn: &mut DbConnection, party_id: &PartyId) -> StorageResult<Vec<KeyRow>> {
    Ok(party_keys::table
        .filter(party_keys::party_id.eq(party_id))
        .order(party_keys::registered_seq.asc())
        .select(KeyRow::as_select())
        .load(conn)?)
}

pub fn mark_revoked(
    conn: &mut DbConnection,
    key_id: &KeyId,
    seq: LogIndex,
    at: NaiveDateTime,
) -> StorageResult<()> {
    diesel::update(party_keys::table.find(key_id))
        .set((
            party_keys::revoked_seq.eq(Some(seq)),
            party_keys::revoked_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The keys the acts of one waybill were signed with, in registration order.
pub fn signing_keys_of_waybill(
    conn: &mut DbConnection,
    waybill_id: &WaybillId,
) -> StorageResult<Vec<KeyRow>> {
    let used = events::table
        .filter(events::waybill_id.eq(waybill_id))
        .select(events::key_id);
    Ok(party_keys::table
        .filter(party_keys::key_id.eq_any(used))
        .order(party_keys::registered_seq.asc())
        .select(KeyRow::as_select())
        .load(conn)?)
}
