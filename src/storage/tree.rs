//! The Merkle tree's complete nodes and the signed checkpoints. Both are
//! written once, inside the batch that appended the leaves, and never change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::insert::insert_chunked;
use super::schema::{checkpoints, tree_nodes};
use super::{DbConnection, StorageError, StorageResult};

/// One stored node: (level, index at that level, hash).
pub type NodeRow = (i16, i64, [u8; 32]);

pub fn insert_nodes(conn: &mut DbConnection, nodes: &[NodeRow]) -> StorageResult<()> {
    let rows: Vec<_> = nodes
        .iter()
        .map(|(level, idx, hash)| {
            (
                tree_nodes::level.eq(*level),
                tree_nodes::idx.eq(*idx),
                tree_nodes::hash.eq(hash.to_vec()),
            )
        })
        .collect();
    insert_chunked(conn, tree_nodes::table, &rows, 3)
}

/// Fetches the nodes at `addrs` (level, index) in one query, in the order
/// asked. A missing node is corruption: the tree promised it.
pub fn fetch_nodes(conn: &mut DbConnection, addrs: &[(i16, i64)]) -> StorageResult<Vec<[u8; 32]>> {
    if addrs.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = tree_nodes::table.into_boxed();
    for (level, idx) in addrs {
        query = query.or_filter(tree_nodes::level.eq(*level).and(tree_nodes::idx.eq(*idx)));
    }
    let rows: Vec<(i16, i64, Vec<u8>)> = query
        .select((tree_nodes::level, tree_nodes::idx, tree_nodes::hash))
        .load(conn)?;
    addrs
        .iter()
        .map(|addr| {
            rows.iter()
                .find(|(l, i, _)| (*l, *i) == *addr)
                .and_then(|(_, _, h)| <[u8; 32]>::try_from(h.as_slice()).ok())
                .ok_or_else(|| {
                    StorageError::Corrupt(format!(
                        "tree node level {} index {} is missing",
                        addr.0, addr.1
                    ))
                })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = checkpoints)]
pub struct CheckpointRow {
    pub size: i64,
    pub root_hash: Vec<u8>,
    /// The signed note, exactly as served.
    pub note: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_checkpoint(conn: &mut DbConnection, row: &CheckpointRow) -> StorageResult<()> {
    diesel::insert_into(checkpoints::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn latest_checkpoint(conn: &mut DbConnection) -> StorageResult<Option<CheckpointRow>> {
    Ok(checkpoints::table
        .order(checkpoints::size.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// The first checkpoint covering `size` leaves or more.
pub fn checkpoint_covering(
    conn: &mut DbConnection,
    size: i64,
) -> StorageResult<Option<CheckpointRow>> {
    Ok(checkpoints::table
        .filter(checkpoints::size.ge(size))
        .order(checkpoints::size.asc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn checkpoint_at(conn: &mut DbConnection, size: i64) -> StorageResult<Option<CheckpointRow>> {
    Ok(checkpoints::table
        .find(size)
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// Checkpoint history, oldest first, from `after_size` (exclusive).
pub fn list_checkpoints(
    conn: &mut DbConnection,
    after_size: Option<i64>,
    limit: i64,
) -> StorageResult<Vec<CheckpointRow>> {
    let mut query = checkpoints::table
        .order(checkpoints::size.asc())
        .limit(limit)
        .select(CheckpointRow::as_select())
        .into_boxed();
    if let Some(after) = after_size {
        query = query.filter(checkpoints::size.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The nodes of one level with `start <= idx < end`, in order.
pub fn level_range(
    conn: &mut DbConnection,
    level: i16,
    start: i64,
    end: i64,
) -> StorageResult<Vec<(i64, Vec<u8>)>> {
    Ok(tree_nodes::table
        .filter(tree_nodes::level.eq(level))
        .filter(tree_nodes::idx.ge(start))
        .filter(tree_nodes::idx.lt(end))
        .order(tree_nodes::idx.asc())
        .select((tree_nodes::idx, tree_nodes::hash))
        .load(conn)?)
}
