//! Webhook subscriptions: which URL a party wants which act types sent to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::PartyId;

use super::schema::{webhook_deliveries, webhooks};
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub party_id: PartyId,
    pub url: String,
    /// JSON array of act types, or `["*"]`.
    pub event_types: String,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> StorageResult<()> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The party's webhook with this id; `None` also when it is another party's.
pub fn find_own(
    conn: &mut DbConnection,
    party_id: &PartyId,
    id: &str,
) -> StorageResult<Option<WebhookRow>> {
    Ok(webhooks::table
        .find(id)
        .filter(webhooks::party_id.eq(party_id))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_party(conn: &mut DbConnection, party_id: &PartyId) -> StorageResult<Vec<WebhookRow>> {
    Ok(webhooks::table
        .filter(webhooks::party_id.eq(party_id))
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .select(WebhookRow::as_select())
        .load(conn)?)
}

pub fn count_of_party(conn: &mut DbConnection, party_id: &PartyId) -> StorageResult<i64> {
    Ok(webhooks::table
        .filter(webhooks::party_id.eq(party_id))
        .count()
        .get_result(conn)?)
}

/// Every webhook of these parties, in one query (the sequencer's fan-out).
pub fn of_parties(
    conn: &mut DbConnection,
    party_ids: &[&PartyId],
) -> StorageResult<Vec<WebhookRow>> {
    if party_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhooks::table
        .filter(webhooks::party_id.eq_any(party_ids))
        .select(WebhookRow::as_select())
        .load(conn)?)
}

/// Deletes the party's webhook and its delivery history; false when the
/// party has no such webhook.
pub fn delete_own(conn: &mut DbConnection, party_id: &PartyId, id: &str) -> StorageResult<bool> {
    conn.transaction(|conn| {
        let deleted = diesel::delete(
            webhooks::table
                .find(id)
                .filter(webhooks::party_id.eq(party_id)),
        )
        .execute(conn)?;
        if deleted > 0 {
            diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
                .execute(conn)?;
        }
        Ok(deleted > 0)
    })
}
