//! One C2SP tlog-proof checked offline: the checkpoint is the log's, the
//! leaf in its `extra` line is leaf `index` of that tree, and the leaf
//! says so itself (`seq` = index).

use std::fmt;

use crate::merkle::{MerkleError, leaf_hash, verify_inclusion};
use crate::note::{Checkpoint, NoteError, TlogProof, VerifierKey};

use super::leaf::{ActKind, check_leaf};
use super::report::{Discrepancy, b64};

/// What a verified proof shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofReport {
    pub index: u64,
    pub checkpoint: Checkpoint,
    pub act_type: String,
    pub waybill_id: Option<String>,
    pub key_id: String,
    pub event_hash: String,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("invalid tlog-proof: {0}")]
    Malformed(NoteError),
    #[error("the proof's checkpoint does not verify with the log key: {0}")]
    Checkpoint(NoteError),
    #[error("the proof carries no leaf (no extra line)")]
    NoLeaf,
    #[error("leaf {index} is not in the checkpoint's tree of size {size}: {reason}")]
    NotIncluded {
        index: u64,
        size: u64,
        reason: MerkleError,
    },
    #[error("{0}")]
    Leaf(Discrepancy),
}

/// Checks a tlog-proof file's text against the log key.
pub fn verify_tlog_proof(text: &str, vkey: &VerifierKey) -> Result<ProofReport, ProofError> {
    let proof = TlogProof::parse(text).map_err(ProofError::Malformed)?;
    let checkpoint = proof.open_checkpoint(vkey).map_err(|e| match e {
        NoteError::MalformedProof(_) => ProofError::Malformed(e),
        e => ProofError::Checkpoint(e),
    })?;
    let leaf = proof.extra.as_deref().ok_or(ProofError::NoLeaf)?;
    verify_inclusion(
        &leaf_hash(leaf),
        proof.index,
        checkpoint.size,
        &proof.proof,
        &checkpoint.root_hash,
    )
    .map_err(|reason| ProofError::NotIncluded {
        index: proof.index,
        size: checkpoint.size,
        reason,
    })?;
    let checked = check_leaf(proof.index, leaf).map_err(ProofError::Leaf)?;
    Ok(ProofReport {
        index: proof.index,
        checkpoint,
        waybill_id: match checked.kind {
            ActKind::Waybill { waybill_id } => Some(waybill_id),
            _ => None,
        },
        act_type: checked.act_type,
        key_id: checked.key_id,
        event_hash: checked.event_hash,
        received_at: checked.received_at,
    })
}

impl fmt::Display for ProofReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "index:            {}", self.index)?;
        writeln!(f, "act:              {}", self.act_type)?;
        if let Some(w) = &self.waybill_id {
            writeln!(f, "waybill:          {w}")?;
        }
        writeln!(f, "signing key id:   {}", self.key_id)?;
        writeln!(f, "event hash:       {}", self.event_hash)?;
        writeln!(f, "received at:      {}", self.received_at)?;
        writeln!(
            f,
            "checkpoint:       {} size {} root {}",
            self.checkpoint.origin,
            self.checkpoint.size,
            b64(&self.checkpoint.root_hash)
        )?;
        writeln!(
            f,
            "verdict:          INCLUDED (the act's signature needs the key registry: verify the log)"
        )
    }
}
