//! The transactional outbox. For every accepted act the writer records,
//! in the batch's own transaction, which parties it concerns (the feed) and
//! one pending delivery per webhook of theirs that subscribes to its type:
//! committed together with the event, or not at all.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::ids::{LogIndex, PartyId, WaybillId};
use crate::storage::deliveries::{self, DeliveryRow};
use crate::storage::events::EventRow;
use crate::storage::feed::{self, PartyEventRow};
use crate::storage::waybills::WaybillRow;
use crate::storage::{DbConnection, StorageResult, time, webhooks};
use crate::webhooks::EventTypes;

/// An accepted act and the parties it concerns: those named on the waybill
/// once the act took effect, who are exactly those allowed to read it (a
/// carrier replaced by a correction no longer sees the waybill, and the
/// new one learns of it from the correction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub seq: LogIndex,
    pub waybill_id: WaybillId,
    pub act_type: String,
    pub parties: Vec<PartyId>,
}

impl Notice {
    pub fn of(event: &EventRow, waybill: &WaybillRow) -> Self {
        let mut parties = vec![
            waybill.consignor_id.clone(),
            waybill.carrier_id.clone(),
            waybill.consignee_id.clone(),
        ];
        parties.sort();
        parties.dedup();
        Self {
            seq: event.seq,
            waybill_id: waybill.id.clone(),
            act_type: event.act_type.clone(),
            parties,
        }
    }
}

/// Writes the feed rows and the outbox rows of `notices`: one query for
/// the webhooks of every party involved, then multi-row inserts.
pub fn write(conn: &mut DbConnection, notices: &[Notice]) -> StorageResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let feed_rows: Vec<PartyEventRow> = notices
        .iter()
        .flat_map(|n| {
            n.parties.iter().map(|party| PartyEventRow {
                party_id: party.clone(),
                seq: n.seq,
                waybill_id: n.waybill_id.clone(),
            })
        })
        .collect();
    feed::insert_many(conn, &feed_rows)?;

    let mut party_ids: Vec<&PartyId> = feed_rows.iter().map(|r| &r.party_id).collect();
    party_ids.sort_unstable();
    party_ids.dedup();
    let mut subscriptions: HashMap<PartyId, Vec<(String, EventTypes)>> = HashMap::new();
    for hook in webhooks::of_parties(conn, &party_ids)? {
        // A row the API validated always parses; one that does not is
        // skipped rather than failing every party's acts in the batch.
        match EventTypes::from_stored(&hook.event_types) {
            Some(types) => subscriptions
                .entry(hook.party_id)
                .or_default()
                .push((hook.id, types)),
            None => tracing::error!(webhook = %hook.id, "stored event_types unreadable"),
        }
    }
    if subscriptions.is_empty() {
        return Ok(());
    }
    let now = time::to_db(time::now());
    let mut rows = Vec::new();
    for notice in notices {
        for party in &notice.parties {
            for (webhook_id, types) in subscriptions.get(party).into_iter().flatten() {
                if types.matches(&notice.act_type) {
                    rows.push(DeliveryRow::new(
                        Uuid::now_v7().to_string(),
                        webhook_id.clone(),
                        party.clone(),
                        notice.waybill_id.clone(),
                        notice.seq,
                        notice.act_type.clone(),
                        now,
                    ));
                }
            }
        }
    }
    deliveries::insert_many(conn, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(consignor: &str, carrier: &str, consignee: &str) -> WaybillRow {
        let at = time::to_db(time::now());
        WaybillRow {
            id: "w".into(),
            number: "1".into(),
            consignor_id: consignor.into(),
            carrier_id: carrier.into(),
            consignee_id: consignee.into(),
            status: "issued".into(),
            version: 1,
            head: "h".into(),
            issue_date: "2026-11-29".into(),
            state: "{}".into(),
            created_seq: 7.into(),
            created_at: at,
            updated_at: at,
        }
    }

    fn event() -> EventRow {
        EventRow {
            seq: 7.into(),
            hash: "h".into(),
            waybill_id: Some("w".into()),
            act_type: "consignor.issue".into(),
            act: "{}".into(),
            signature: "s".into(),
            key_id: "k".into(),
            party_id: Some("a".into()),
            received_at: time::to_db(time::now()),
        }
    }

    #[test]
    fn every_named_party_is_concerned_once() {
        let notice = Notice::of(&event(), &row("a", "b", "c"));
        assert_eq!(notice.parties, ["a", "b", "c"]);
        assert_eq!(notice.seq, 7);
        // A company that ships with its own trucks is one party, told once.
        let notice = Notice::of(&event(), &row("a", "a", "c"));
        assert_eq!(notice.parties, ["a", "c"]);
    }
}
