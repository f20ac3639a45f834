//! The feed index: which events concerned which party (written by the
//! sequencer with the events), read by `GET /v1/feed` in log order.

use diesel::prelude::*;

use crate::domain::ids::{LogIndex, PartyId, WaybillId};

use super::events::EventRow;
use super::insert::insert_chunked;
use super::schema::{events, party_events};
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = party_events)]
pub struct PartyEventRow {
    pub party_id: PartyId,
    pub seq: LogIndex,
    pub waybill_id: WaybillId,
}

pub fn insert_many(conn: &mut DbConnection, rows: &[PartyEventRow]) -> StorageResult<()> {
    insert_chunked(conn, party_events::table, rows, 3)
}

/// The party's events after `after` (a log position), oldest first.
pub fn after(
    conn: &mut DbConnection,
    party_id: &PartyId,
    after: Option<LogIndex>,
    limit: i64,
) -> StorageResult<Vec<EventRow>> {
    let mut query = party_events::table
        .inner_join(events::table.on(events::seq.eq(party_events::seq)))
        .filter(party_events::party_id.eq(party_id))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(party_events::seq.gt(after));
    }
    Ok(query
        .order(party_events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The log position of the party's newest event, if it has any: where a
/// feed that starts "now" begins.
pub fn latest(conn: &mut DbConnection, party_id: &PartyId) -> StorageResult<Option<LogIndex>> {
    Ok(party_events::table
        .filter(party_events::party_id.eq(party_id))
        .select(diesel::dsl::max(party_events::seq))
        .first(conn)?)
}
