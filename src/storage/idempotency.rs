//! Idempotency keys: who used which key for which request, and the answer
//! it got. A row without a status is a claim: the first request with the key
//! is still running.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::PartyId;

use super::schema::idempotency_keys;
use super::{DbConnection, StorageError, StorageResult};

/// The request a key is being used for.
#[derive(Debug, Clone)]
pub struct KeyUse {
    pub party_id: PartyId,
    pub key: String,
    pub method: String,
    pub path: String,
    /// Lowercase hex SHA-256 of the body.
    pub request_hash: String,
}

/// A stored answer, replayed byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What a key means for a new request.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Nobody used the key (or its earlier use expired or was abandoned):
    /// this request now holds it.
    Claimed,
    /// The same request was answered before.
    Answered(StoredResponse),
    /// The same key is held by a request still running.
    InProgress,
    /// The key was used for another request (another body, path or method).
    Reused,
}

#[derive(Queryable)]
struct Row {
    method: String,
    path: String,
    request_hash: String,
    status: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    body: Option<Vec<u8>>,
    created_at: NaiveDateTime,
}

/// Claims `key_use.key` for the caller, unless it is taken. Expired keys are
/// purged first, and a claim older than `abandoned_before` (its request
/// died with its process) is taken over.
pub fn claim(
    conn: &mut DbConnection,
    key_use: &KeyUse,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    abandoned_before: NaiveDateTime,
) -> StorageResult<Claim> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now)))
        .execute(conn)?;
    let this_key = || {
        idempotency_keys::table
            .filter(idempotency_keys::party_id.eq(&key_use.party_id))
            .filter(idempotency_keys::idem_key.eq(&key_use.key))
    };
    // A loser of a race sees the winner's row; if that row vanishes before
    // it is read (the winner failed and released it), try again.
    for _ in 0..3 {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::party_id.eq(&key_use.party_id),
                idempotency_keys::idem_key.eq(&key_use.key),
                idempotency_keys::method.eq(&key_use.method),
                idempotency_keys::path.eq(&key_use.path),
                idempotency_keys::request_hash.eq(&key_use.request_hash),
                idempotency_keys::created_at.eq(now),
                idempotency_keys::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map_err(StorageError::from);
        match inserted {
            Ok(_) => return Ok(Claim::Claimed),
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e),
        }
        let row: Option<Row> = this_key()
            .select((
                idempotency_keys::method,
                idempotency_keys::path,
                idempotency_keys::request_hash,
                idempotency_keys::status,
                idempotency_keys::content_type,
                idempotency_keys::location,
                idempotency_keys::body,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else { continue };
        if row.method != key_use.method
            || row.path != key_use.path
            || row.request_hash != key_use.request_hash
        {
            return Ok(Claim::Reused);
        }
        match row.status {
            Some(status) => {
                return Ok(Claim::Answered(StoredResponse {
                    status: u16::try_from(status).map_err(|_| {
                        StorageError::Corrupt(format!("idempotency status {status}"))
                    })?,
                    content_type: row.content_type,
                    location: row.location,
                    body: row.body.unwrap_or_default(),
                }));
            }
            None if row.created_at < abandoned_before => {
                diesel::delete(
                    this_key()
                        .filter(idempotency_keys::status.is_null())
                        .filter(idempotency_keys::created_at.eq(row.created_at)),
                )
                .execute(conn)?;
            }
            None => return Ok(Claim::InProgress),
        }
    }
    Ok(Claim::InProgress)
}

/// Stores the answer to a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    party_id: &PartyId,
    key: &str,
    response: &StoredResponse,
) -> StorageResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::party_id.eq(party_id))
            .filter(idempotency_keys::idem_key.eq(key)),
    )
    .set((
        idempotency_keys::status.eq(i32::from(response.status)),
        idempotency_keys::content_type.eq(&response.content_type),
        idempotency_keys::location.eq(&response.location),
        idempotency_keys::body.eq(&response.body),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives a claimed key back unanswered (the server failed: a retry must
/// run again rather than see the failure).
pub fn release(conn: &mut DbConnection, party_id: &PartyId, key: &str) -> StorageResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::party_id.eq(party_id))
            .filter(idempotency_keys::idem_key.eq(key))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
