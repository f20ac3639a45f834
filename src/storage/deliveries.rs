//! The webhook outbox: one row per (webhook, event), written by the
//! sequencer with the event and worked off by the delivery worker.
//!
//! Several service instances may share the database. A worker takes a
//! delivery by setting a lease with a conditional UPDATE (only if nobody
//! holds a live lease), which both backends make atomic; it reports the
//! attempt only while its lease token is still the one on the row.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::domain::ids::{LogIndex, PartyId, WaybillId};

use super::insert::insert_chunked;
use super::schema::{webhook_deliveries as deliveries, webhooks};
use super::{DbConnection, StorageResult};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub party_id: PartyId,
    pub waybill_id: WaybillId,
    pub seq: LogIndex,
    pub event_type: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl DeliveryRow {
    /// A new pending delivery, due at once.
    pub fn new(
        id: String,
        webhook_id: String,
        party_id: PartyId,
        waybill_id: WaybillId,
        seq: LogIndex,
        event_type: String,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            webhook_id,
            party_id,
            waybill_id,
            seq,
            event_type,
            state: PENDING.into(),
            attempts: 0,
            next_attempt_at: now,
            lease_owner: None,
            lease_until: None,
            last_status: None,
            last_error: None,
            last_attempt_at: None,
            delivered_at: None,
            created_at: now,
        }
    }
}

pub fn insert_many(conn: &mut DbConnection, rows: &[DeliveryRow]) -> StorageResult<()> {
    insert_chunked(conn, deliveries::table, rows, 16)
}

/// A delivery taken by a worker, with where to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub url: String,
    pub lease: String,
}

/// Takes up to `limit` due deliveries, each the earliest pending one of its
/// (webhook, waybill) queue, so that per waybill the receiver sees events
/// in log order. Leases them to `lease` until `lease_until`.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: &str,
    lease_until: NaiveDateTime,
    limit: i64,
) -> StorageResult<Vec<Claimed>> {
    let earlier = diesel::alias!(deliveries as earlier);
    let candidates: Vec<(DeliveryRow, String)> = deliveries::table
        .inner_join(webhooks::table.on(webhooks::id.eq(deliveries::webhook_id)))
        .filter(deliveries::state.eq(PENDING))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(
            deliveries::lease_until
                .is_null()
                .or(deliveries::lease_until.lt(now)),
        )
        .filter(not(exists(
            earlier
                .filter(
                    earlier
                        .field(deliveries::webhook_id)
                        .eq(deliveries::webhook_id),
                )
                .filter(
                    earlier
                        .field(deliveries::waybill_id)
                        .eq(deliveries::waybill_id),
                )
                .filter(earlier.field(deliveries::state).eq(PENDING))
                .filter(earlier.field(deliveries::seq).lt(deliveries::seq)),
        )))
        .order(deliveries::seq.asc())
        .limit(limit)
        .select((DeliveryRow::as_select(), webhooks::url))
        .load(conn)?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // One transaction for the leases (one commit, not one per row). It
    // starts with a write, so SQLite takes its write lock up front and
    // waits for it rather than failing an upgrade from a read.
    conn.transaction(|conn| {
        let mut claimed = Vec::with_capacity(candidates.len());
        for (mut delivery, url) in candidates {
            // Another instance may have taken it since the SELECT: the
            // UPDATE only succeeds while nobody holds a live lease.
            let taken = diesel::update(
                deliveries::table
                    .find(&delivery.id)
                    .filter(deliveries::state.eq(PENDING))
                    .filter(
                        deliveries::lease_until
                            .is_null()
                            .or(deliveries::lease_until.lt(now)),
                    ),
            )
            .set((
                deliveries::lease_owner.eq(lease),
                deliveries::lease_until.eq(lease_until),
            ))
            .execute(conn)?;
            if taken == 1 {
                delivery.lease_owner = Some(lease.to_owned());
                delivery.lease_until = Some(lease_until);
                claimed.push(Claimed {
                    delivery,
                    url,
                    lease: lease.to_owned(),
                });
            }
        }
        Ok(claimed)
    })
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptResult {
    /// `delivered`, `failed` (given up) or `pending` (will retry).
    pub state: &'static str,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

/// Records an attempt and releases the lease; false when the lease was lost
/// (expired and taken over), in which case nothing is written.
pub fn record_attempt(
    conn: &mut DbConnection,
    claimed: &Claimed,
    result: &AttemptResult,
) -> StorageResult<bool> {
    let delivered_at = (result.state == DELIVERED).then_some(result.at);
    let updated = diesel::update(
        deliveries::table
            .find(&claimed.delivery.id)
            .filter(deliveries::lease_owner.eq(&claimed.lease))
            .filter(deliveries::state.eq(PENDING)),
    )
    .set((
        deliveries::state.eq(result.state),
        deliveries::attempts.eq(deliveries::attempts + 1),
        deliveries::last_status.eq(result.status),
        deliveries::last_error.eq(&result.error),
        deliveries::last_attempt_at.eq(result.at),
        deliveries::next_attempt_at.eq(result.next_attempt_at),
        deliveries::delivered_at.eq(delivered_at),
        deliveries::lease_owner.eq(None::<String>),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A webhook's deliveries, newest event first, before log position `before`.
pub fn of_webhook(
    conn: &mut DbConnection,
    webhook_id: &str,
    state: Option<&str>,
    before: Option<LogIndex>,
    limit: i64,
) -> StorageResult<Vec<DeliveryRow>> {
    let mut query = deliveries::table
        .filter(deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(deliveries::state.eq(state.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(deliveries::seq.lt(before));
    }
    Ok(query
        .order(deliveries::seq.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Deletes pending deliveries whose webhook is gone (written by a batch
/// that raced with the webhook's deletion).
pub fn sweep_orphans(conn: &mut DbConnection) -> StorageResult<usize> {
    let live = webhooks::table.select(webhooks::id);
    Ok(diesel::delete(
        deliveries::table
            .filter(deliveries::state.eq(PENDING))
            .filter(deliveries::webhook_id.ne_all(live)),
    )
    .execute(conn)?)
}
