//! Single-use client assertions: a `jti` seen once is refused forever after
//! (until it would have expired anyway).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::used_assertions;
use super::{DbConnection, StorageError, StorageResult};

/// Records a `jti`; `Ok(false)` when it was used before.
pub fn remember(
    conn: &mut DbConnection,
    key_id: &str,
    jti: &str,
    expires_at: NaiveDateTime,
) -> StorageResult<bool> {
    let inserted = diesel::insert_into(used_assertions::table)
        .values((
            used_assertions::key_id.eq(key_id),
            used_assertions::jti.eq(jti),
            used_assertions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map_err(StorageError::from);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Forgets `jti`s whose assertions can no longer be accepted anyway.
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> StorageResult<usize> {
    Ok(
        diesel::delete(used_assertions::table.filter(used_assertions::expires_at.lt(before)))
            .execute(conn)?,
    )
}
