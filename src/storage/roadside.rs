//! The `roadside_tokens` table: one verification token per waybill, kept
//! as its SHA-256 (the lookup key) and sealed under a pad only the service
//! key derives (`crate::roadside::seal_token`), never in clear.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{PartyId, WaybillId};

use super::{DbConnection, StorageResult};

diesel::table! {
    roadside_tokens (waybill_id) {
        waybill_id -> Text,
        token_hash -> Text,
        token_sealed -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = roadside_tokens)]
pub struct TokenRow {
    pub waybill_id: WaybillId,
    /// Lowercase hex SHA-256 of the token's ASCII text.
    pub token_hash: String,
    /// The token XOR a pad derived with the service key, base64url.
    pub token_sealed: String,
    /// The party that first asked for the QR code.
    pub created_by: PartyId,
    pub created_at: NaiveDateTime,
}

pub fn of_waybill(
    conn: &mut DbConnection,
    waybill_id: &WaybillId,
) -> StorageResult<Option<TokenRow>> {
    Ok(roadside_tokens::table
        .find(waybill_id)
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_hash(conn: &mut DbConnection, token_hash: &str) -> StorageResult<Option<TokenRow>> {
    Ok(roadside_tokens::table
        .filter(roadside_tokens::token_hash.eq(token_hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a new token; a unique violation means another request won the
/// race (or, astronomically unlikely, the same token hash exists).
pub fn insert(conn: &mut DbConnection, row: &TokenRow) -> StorageResult<()> {
    diesel::insert_into(roadside_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Replaces a waybill's token (when the stored one can no longer be
/// unsealed, e.g. after the service key changed).
pub fn replace(conn: &mut DbConnection, row: &TokenRow) -> StorageResult<()> {
    diesel::update(roadside_tokens::table.find(&row.waybill_id))
        .set((
            roadside_tokens::token_hash.eq(&row.token_hash),
            roadside_tokens::token_sealed.eq(&row.token_sealed),
            roadside_tokens::created_by.eq(&row.created_by),
            roadside_tokens::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    Ok(())
}
