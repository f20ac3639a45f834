//! What the sequencer is asked to do, and what it answers.

use crate::crypto::PublicKey;
use crate::domain::act::ParsedAct;
use crate::domain::field_error::FieldError;
use crate::domain::ids::{KeyId, PartyId};
use crate::domain::lifecycle::IllegalTransition;
use crate::domain::party::{PartyKind, Role};
use crate::domain::projection::WaybillState;
use crate::storage::StorageError;
use crate::storage::events::EventRow;
use crate::storage::keys::KeyRow;
use crate::storage::parties::PartyRow;

/// A signed act whose signature has been verified and whose canonical form
/// and hash are computed (CPU work done before the single writer sees it).
#[derive(Debug, Clone)]
pub struct PreparedAct {
    pub act: ParsedAct,
    pub canonical_act: String,
    pub hash: String,
    /// The party of the authenticated caller: it must be the signer's party.
    pub caller_party_id: PartyId,
}

/// A party to register, as the operator asked.
#[derive(Debug, Clone)]
pub struct NewParty {
    pub kind: PartyKind,
    pub name: String,
    pub reg_no: String,
    pub country: String,
    pub vat_no: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Command {
    AppendAct(Box<PreparedAct>),
    CreateParty {
        party: NewParty,
        requested_by: KeyId,
    },
    RegisterKey {
        party_id: PartyId,
        public_key: PublicKey,
        label: String,
        requested_by: KeyId,
    },
    RevokeKey {
        party_id: PartyId,
        key_id: KeyId,
        requested_by: KeyId,
    },
}

impl Command {
    pub fn kind(&self) -> &'static str {
        match self {
            Command::AppendAct(_) => "act",
            Command::CreateParty { .. } => "party_create",
            Command::RegisterKey { .. } => "key_register",
            Command::RevokeKey { .. } => "key_revoke",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Act {
        state: Box<WaybillState>,
        event: EventRow,
    },
    Party {
        party: PartyRow,
        event: EventRow,
    },
    Key {
        key: KeyRow,
        event: EventRow,
    },
}

impl Outcome {
    /// The log event the command wrote.
    pub fn event(&self) -> &EventRow {
        match self {
            Outcome::Act { event, .. }
            | Outcome::Party { event, .. }
            | Outcome::Key { event, .. } => event,
        }
    }
}

/// A committed command: what it did, where it is in the log, and the
/// signed checkpoint of the batch that made it durable.
#[derive(Debug, Clone)]
pub struct Committed {
    pub outcome: Outcome,
    pub log_index: u64,
    pub leaf_hash: crate::merkle::Hash,
    pub checkpoint: std::sync::Arc<super::merkle_log::SignedCheckpoint>,
}

/// Why a command was refused: the client's doing, never the server's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("no key with this key_id is registered")]
    UnknownKey,
    #[error("the signing key was revoked")]
    KeyRevoked,
    #[error("the act must be signed by the waybill's {}", .0.as_str())]
    NotPartyRole(Role),
    #[error("this party cannot sign waybill acts")]
    NotACompany,
    #[error("the act is signed by another party than the caller")]
    SignerNotCaller,
    #[error("waybill not found")]
    WaybillNotFound,
    #[error("a waybill with this id already exists")]
    WaybillExists,
    #[error("this exact act was already recorded")]
    Replayed { hash: String, waybill_id: String },
    #[error("prev is not the waybill's latest event")]
    StalePrev { head: String },
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("the act is not valid")]
    Invalid(Vec<FieldError>),
    #[error("the consignor already has a waybill with this number: {existing_waybill_id}")]
    DuplicateNumber { existing_waybill_id: String },
    #[error("a party with this registration number and country exists")]
    PartyExists,
    #[error("party not found")]
    PartyNotFound,
    #[error("this key is already registered")]
    KeyExists,
    #[error("key not found")]
    KeyNotFound,
    #[error("the key is already revoked")]
    KeyAlreadyRevoked,
    #[error(
        "this is the party's last active key; register another key first (the operator can still revoke it)"
    )]
    LastActiveKey,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("signing a registry entry failed: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("the write path is shut down")]
    Unavailable,
    /// The connection was lost while the act's batch was being committed
    /// and the writer could not find out afterwards whether it was.
    #[error("the connection was lost during COMMIT; whether the act was recorded is unknown")]
    OutcomeUnknown,
}
