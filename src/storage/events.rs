//! The append-only event log and the single row that says how long it is.
//! The database refuses UPDATE and DELETE on `events` (triggers in the
//! migrations); this module only ever inserts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{KeyId, LogIndex, PartyId, WaybillId};

use super::insert::insert_chunked;
use super::schema::{events, log_state};
use super::{DbConnection, StorageError, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Global position in the log, from 0.
    pub seq: LogIndex,
    /// Lowercase hex SHA-256 of the JCS bytes of `{"act", "signature"}`.
    pub hash: String,
    pub waybill_id: Option<WaybillId>,
    pub act_type: String,
    /// The act's RFC 8785 canonical JSON text.
    pub act: String,
    pub signature: String,
    pub key_id: KeyId,
    pub party_id: Option<PartyId>,
    pub received_at: NaiveDateTime,
}

/// Opens a write batch: takes the log's write lock (the first statement is a
/// write, so SQLite takes its lock now and PostgreSQL locks the row until
/// commit) and returns the next free sequence number.
pub fn begin_batch(conn: &mut DbConnection) -> StorageResult<i64> {
    diesel::update(log_state::table.find(1))
        .set(log_state::batches.eq(log_state::batches + 1))
        .execute(conn)?;
    let size: i64 = log_state::table
        .find(1)
        .select(log_state::size)
        .first(conn)?;
    Ok(size)
}

/// Records the log's new length at the end of a batch.
pub fn finish_batch(conn: &mut DbConnection, size: i64) -> StorageResult<()> {
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(size))
        .execute(conn)?;
    Ok(())
}

/// The hash of event `seq`, read once no other transaction holds the log's
/// write lock (waiting at most `wait`), so that a transaction whose COMMIT
/// acknowledgement was lost has finished one way or the other.
pub fn settled_hash_at(
    conn: &mut DbConnection,
    seq: LogIndex,
    wait: std::time::Duration,
) -> StorageResult<Option<String>> {
    conn.transaction(|conn| {
        if let DbConnection::Pg(pg) = conn {
            diesel::sql_query(format!("SET LOCAL lock_timeout = {}", wait.as_millis()))
                .execute(pg)?;
            diesel::sql_query("SELECT 1 FROM log_state WHERE id = 1 FOR UPDATE").execute(pg)?;
        }
        // SQLite: the lost commit ran in this process and is over; a read
        // sees what it left.
        Ok(events::table
            .find(seq)
            .select(events::hash)
            .first(conn)
            .optional()?)
    })
}

pub fn size(conn: &mut DbConnection) -> StorageResult<i64> {
    Ok(log_state::table
        .find(1)
        .select(log_state::size)
        .first(conn)?)
}

pub fn insert(conn: &mut DbConnection, row: &EventRow) -> StorageResult<()> {
    diesel::insert_into(events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts many events with few statements.
pub fn insert_many(conn: &mut DbConnection, rows: &[EventRow]) -> StorageResult<()> {
    insert_chunked(conn, events::table, rows, 9)
}

/// The recorded events among `hashes`: (hash, waybill id), in one query.
pub fn waybills_of_hashes(
    conn: &mut DbConnection,
    hashes: &[&str],
) -> StorageResult<Vec<(String, Option<WaybillId>)>> {
    Ok(events::table
        .filter(events::hash.eq_any(hashes))
        .select((events::hash, events::waybill_id))
        .load(conn)?)
}

pub fn by_hash(conn: &mut DbConnection, hash: &str) -> StorageResult<Option<EventRow>> {
    Ok(events::table
        .filter(events::hash.eq(hash))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_waybill(conn: &mut DbConnection, waybill_id: &WaybillId) -> StorageResult<Vec<EventRow>> {
    Ok(events::table
        .filter(events::waybill_id.eq(waybill_id))
        .order(events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Hash of the latest key-registry event: the `prev` of the next one.
pub fn registry_head(conn: &mut DbConnection) -> StorageResult<Option<String>> {
    Ok(events::table
        .filter(events::waybill_id.is_null())
        .order(events::seq.desc())
        .select(events::hash)
        .first(conn)
        .optional()?)
}

/// Parses a stored canonical act back into JSON.
pub fn act_json(row: &EventRow) -> StorageResult<serde_json::Value> {
    serde_json::from_str(&row.act)
        .map_err(|e| StorageError::Corrupt(format!("event {} act: {e}", row.seq)))
}

/// Events with `start <= seq < end`, in order.
pub fn range(conn: &mut DbConnection, start: i64, end: i64) -> StorageResult<Vec<EventRow>> {
    Ok(events::table
        .filter(events::seq.ge(start))
        .filter(events::seq.lt(end))
        .order(events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

pub fn by_seq(conn: &mut DbConnection, seq: LogIndex) -> StorageResult<Option<EventRow>> {
    Ok(events::table
        .find(seq)
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

/// The events at these positions, in order (one query for a set of them).
pub fn by_seqs(conn: &mut DbConnection, seqs: &[LogIndex]) -> StorageResult<Vec<EventRow>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(events::table
        .filter(events::seq.eq_any(seqs))
        .order(events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}
