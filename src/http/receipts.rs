//! Receipts: every successful write answers with where its event sits in
//! the verifiable log and the signed checkpoint that proves it is there.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::Committed;
use crate::ledger::merkle_log::{DbNodes, SignedCheckpoint};
use crate::merkle;
use crate::storage::DbConnection;

use super::problem::ApiError;
use super::state::AppState;

/// Proof that an event is in the log, checkable offline with the service's
/// public key (`GET /v1/log/key`). Not the consignee's [`ConsigneeReceipt`]
/// of the goods: this one is the log's.
///
/// [`ConsigneeReceipt`]: crate::domain::projection::Receipt
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogReceipt {
    /// The event's position in the log: its Merkle leaf index (0-based).
    pub log_index: u64,
    /// SHA-256(0x00 || leaf), standard base64.
    pub leaf_hash: String,
    /// Number of leaves of the tree the checkpoint commits to.
    pub tree_size: u64,
    /// The C2SP tlog-checkpoint, as a signed note, covering the event.
    pub checkpoint: String,
    /// RFC 9162 inclusion proof of the leaf in that tree, standard base64.
    pub inclusion_proof: Vec<String>,
}

/// Builds the receipt of a committed write (one O(log n) read).
pub async fn receipt(state: &AppState, committed: &Committed) -> Result<LogReceipt, ApiError> {
    let (index, leaf_hash, checkpoint) = (
        committed.log_index,
        committed.leaf_hash,
        committed.checkpoint.clone(),
    );
    let hash = committed.outcome.event().hash.clone();
    state
        .db(move |conn| receipt_in(conn, index, leaf_hash, &checkpoint))
        .await
        .map_err(|e| e.after_commit(&hash))
}

/// Why a proof over the stored tree could not be made: a storage failure
/// as such (503 if the connection was lost), anything else a logged 500.
pub fn proof_failed(nodes: &DbNodes, e: merkle::MerkleError) -> ApiError {
    match nodes.take_failure() {
        Some(storage) => storage.into(),
        None => ApiError::internal_from(e, "proof generation failed"),
    }
}

/// The receipt of log entry `index` (whose leaf hash is `leaf_hash`)
/// against `checkpoint`, read through an open connection.
pub fn receipt_in(
    conn: &mut DbConnection,
    index: u64,
    leaf_hash: merkle::Hash,
    checkpoint: &SignedCheckpoint,
) -> Result<LogReceipt, ApiError> {
    let size = checkpoint.size;
    let nodes = DbNodes::new(conn);
    let proof =
        merkle::inclusion_proof(index, size, &nodes).map_err(|e| proof_failed(&nodes, e))?;
    Ok(LogReceipt {
        log_index: index,
        leaf_hash: STANDARD.encode(leaf_hash),
        tree_size: size,
        checkpoint: checkpoint.note.clone(),
        inclusion_proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
    })
}
