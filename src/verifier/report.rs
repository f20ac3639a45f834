//! What an audit found: the totals, the checkpoint, and the first
//! discrepancy (if any), each discrepancy naming the log index it is about.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::merkle::Hash;
use crate::note::{Checkpoint, NoteError, VerifierKey};

/// The first thing found wrong. `Display` is the message the CLI prints:
/// "index 17: ..." for an entry, or a sentence about a checkpoint or root.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Discrepancy {
    /// The checkpoint note is malformed or not signed by the log key.
    #[error("the checkpoint does not verify with the log key {key}: {reason}")]
    Checkpoint { key: String, reason: NoteError },
    /// The `since` checkpoint is malformed or not signed by the log key.
    #[error("the --since checkpoint does not verify with the log key {key}: {reason}")]
    SinceCheckpoint { key: String, reason: NoteError },
    /// The `since` checkpoint is of a larger tree than the current one.
    #[error(
        "the --since checkpoint (size {since}) is larger than the current checkpoint (size {size}): the log shrank or forked"
    )]
    SinceAhead { since: u64, size: u64 },
    /// A pinned log key differs from the one the server or file names.
    #[error("log key mismatch: pinned {pinned}, but the {source_name} names {found}")]
    KeyMismatch {
        pinned: String,
        found: String,
        source_name: String,
    },
    /// The entry source failed (bad export line, network error, ...).
    #[error("index {index}: cannot read the entry: {detail}")]
    Unreadable { index: u64, detail: String },
    /// An index was skipped.
    #[error("index {index}: entry missing (the next entry has index {found})")]
    Missing { index: u64, found: u64 },
    /// An index was repeated or went backwards.
    #[error("index {index}: entry out of order (got index {found} again)")]
    OutOfOrder { index: u64, found: u64 },
    /// The entries stop before the checkpoint's size.
    #[error(
        "index {index}: entry missing: the entries end after {index} but the checkpoint covers {size}"
    )]
    Truncated { index: u64, size: u64 },
    /// More entries than the checkpoint covers.
    #[error("index {index}: entry beyond the checkpoint, which covers only {size} entries")]
    BeyondCheckpoint { index: u64, size: u64 },
    /// The leaf bytes are not JSON.
    #[error("index {index}: leaf is not JSON: {detail}")]
    LeafNotJson { index: u64, detail: String },
    /// The leaf is JSON but not its own RFC 8785 form.
    #[error("index {index}: leaf is not RFC 8785 canonical JSON")]
    LeafNotCanonical { index: u64 },
    /// The leaf does not have the leaf/act shape.
    #[error("index {index}: malformed leaf: {detail}")]
    MalformedLeaf { index: u64, detail: String },
    /// `seq` in the leaf is not the leaf's index.
    #[error("index {index}: leaf seq is {seq}, expected {index}")]
    SeqMismatch { index: u64, seq: String },
    /// Neither a waybill act nor a registry entry.
    #[error("index {index}: unknown act type {act_type:?}")]
    UnknownActType { index: u64, act_type: String },
    /// Signed with a key not registered (yet) at this index.
    #[error("index {index}: key {key_id} is not registered at this index")]
    UnknownKey { index: u64, key_id: String },
    /// Signed with a key revoked at an earlier index.
    #[error("index {index}: key {key_id} was revoked at index {revoked_at}")]
    RevokedKey {
        index: u64,
        key_id: String,
        revoked_at: u64,
    },
    /// A registry entry not signed by the log (service) key.
    #[error("index {index}: registry entry signed with key {key_id}, not the log key {log_key_id}")]
    RegistryKey {
        index: u64,
        key_id: String,
        log_key_id: String,
    },
    /// The signature does not verify (strict Ed25519).
    #[error("index {index}: signature does not verify with key {key_id}")]
    BadSignature { index: u64, key_id: String },
    /// A waybill act whose `prev` is not the waybill's previous event.
    #[error(
        "index {index}: prev does not match the previous event of waybill {waybill_id} (expected {expected}, got {found})"
    )]
    WaybillChain {
        index: u64,
        waybill_id: String,
        expected: String,
        found: String,
    },
    /// A waybill's first act is not `consignor.issue` with `prev` null.
    #[error(
        "index {index}: waybill {waybill_id} starts with {act_type} (prev {prev}); expected consignor.issue with prev null"
    )]
    WaybillStart {
        index: u64,
        waybill_id: String,
        act_type: String,
        prev: String,
    },
    /// A second `consignor.issue` for one waybill.
    #[error(
        "index {index}: waybill {waybill_id} is issued again (first issued at index {issued_at})"
    )]
    Reissue {
        index: u64,
        waybill_id: String,
        issued_at: u64,
    },
    /// A registry entry whose `prev` is not the previous registry entry.
    #[error(
        "index {index}: prev does not match the previous registry entry (expected {expected}, got {found})"
    )]
    RegistryChain {
        index: u64,
        expected: String,
        found: String,
    },
    /// A registry entry that does not fit the registry so far.
    #[error("index {index}: {detail}")]
    Registry { index: u64, detail: String },
    /// The recomputed root differs from the checkpoint's.
    #[error(
        "root mismatch at size {size}: the checkpoint says {expected}, the entries give {computed}"
    )]
    RootMismatch {
        size: u64,
        expected: String,
        computed: String,
    },
    /// The recomputed root at the old size differs from the old checkpoint's.
    #[error(
        "inconsistent with the --since checkpoint: root mismatch at size {size}: it says {expected}, the entries give {computed}"
    )]
    SinceRootMismatch {
        size: u64,
        expected: String,
        computed: String,
    },
    /// The server's consistency proof does not verify.
    #[error("consistency proof from size {from} to {to} does not verify: {detail}")]
    ConsistencyProof { from: u64, to: u64, detail: String },
}

impl Discrepancy {
    /// The log index the discrepancy is about, if it is about one entry.
    pub fn index(&self) -> Option<u64> {
        use Discrepancy::*;
        match self {
            Unreadable { index, .. }
            | Missing { index, .. }
            | OutOfOrder { index, .. }
            | Truncated { index, .. }
            | BeyondCheckpoint { index, .. }
            | LeafNotJson { index, .. }
            | LeafNotCanonical { index }
            | MalformedLeaf { index, .. }
            | SeqMismatch { index, .. }
            | UnknownActType { index, .. }
            | UnknownKey { index, .. }
            | RevokedKey { index, .. }
            | RegistryKey { index, .. }
            | BadSignature { index, .. }
            | WaybillChain { index, .. }
            | WaybillStart { index, .. }
            | Reissue { index, .. }
            | RegistryChain { index, .. }
            | Registry { index, .. } => Some(*index),
            Checkpoint { .. }
            | SinceCheckpoint { .. }
            | SinceAhead { .. }
            | KeyMismatch { .. }
            | RootMismatch { .. }
            | SinceRootMismatch { .. }
            | ConsistencyProof { .. } => None,
        }
    }
}

/// Counts over the entries verified (all of them, or those before the
/// first discrepancy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Entries checked completely.
    pub entries: u64,
    /// Distinct waybills (counted at their `consignor.issue`).
    pub waybills: u64,
    /// Waybill acts.
    pub waybill_acts: u64,
    /// Registry entries (parties, keys, revocations).
    pub registry_entries: u64,
    /// `registry.party_create` entries.
    pub parties: u64,
    /// `registry.key_register` entries.
    pub keys_registered: u64,
    /// `registry.key_revoke` entries.
    pub keys_revoked: u64,
    /// Signatures that verified (one per entry).
    pub signatures_verified: u64,
    /// Entries per act type.
    pub by_type: BTreeMap<String, u64>,
}

/// The outcome of one audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The log key used (vkey text).
    pub vkey: String,
    /// RFC 7638 thumbprint of the log key: the `key_id` of registry entries.
    pub log_key_id: String,
    /// The checkpoint, once it verified.
    pub checkpoint: Option<Checkpoint>,
    /// The `since` checkpoint, once it verified.
    pub since: Option<Checkpoint>,
    /// The root recomputed from the entries (when all were read).
    pub recomputed_root: Option<Hash>,
    pub totals: Totals,
    /// The first discrepancy; `None` means everything verified.
    pub discrepancy: Option<Discrepancy>,
    /// Further lines for the reader (e.g. a consistency proof result).
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report about the log with key `vkey`.
    pub fn new(vkey: &VerifierKey) -> Self {
        Self {
            vkey: vkey.to_vkey(),
            log_key_id: vkey.public_key().key_id(),
            checkpoint: None,
            since: None,
            recomputed_root: None,
            totals: Totals::default(),
            discrepancy: None,
            notes: Vec::new(),
        }
    }

    /// True when nothing was found wrong.
    pub fn verified(&self) -> bool {
        self.discrepancy.is_none()
    }

    /// Records `d` unless an earlier discrepancy is already recorded.
    pub fn fail(&mut self, d: Discrepancy) {
        if self.discrepancy.is_none() {
            self.discrepancy = Some(d);
        }
    }
}

/// Standard base64, as in checkpoints.
pub(crate) fn b64(hash: &[u8]) -> String {
    STANDARD.encode(hash)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.totals;
        writeln!(f, "log key:              {}", self.vkey)?;
        writeln!(f, "log key id:           {}", self.log_key_id)?;
        match &self.checkpoint {
            Some(c) => {
                writeln!(f, "checkpoint origin:    {}", c.origin)?;
                writeln!(f, "checkpoint size:      {}", c.size)?;
                writeln!(f, "checkpoint root:      {}", b64(&c.root_hash))?;
            }
            None => writeln!(f, "checkpoint:           not verified")?,
        }
        if let Some(root) = &self.recomputed_root {
            writeln!(f, "recomputed root:      {}", b64(root))?;
        }
        if let Some(s) = &self.since {
            writeln!(
                f,
                "since checkpoint:     size {}, root {}",
                s.size,
                b64(&s.root_hash)
            )?;
        }
        writeln!(f, "entries verified:     {}", t.entries)?;
        writeln!(f, "waybills:             {}", t.waybills)?;
        writeln!(f, "waybill acts:         {}", t.waybill_acts)?;
        writeln!(f, "registry entries:     {}", t.registry_entries)?;
        writeln!(f, "  parties created:    {}", t.parties)?;
        writeln!(f, "  keys registered:    {}", t.keys_registered)?;
        writeln!(f, "  keys revoked:       {}", t.keys_revoked)?;
        writeln!(f, "signatures verified:  {}", t.signatures_verified)?;
        for (act_type, n) in &t.by_type {
            writeln!(f, "  {act_type:<24} {n}")?;
        }
        for note in &self.notes {
            writeln!(f, "{note}")?;
        }
        match &self.discrepancy {
            None => writeln!(f, "verdict:              VERIFIED"),
            Some(d) => writeln!(f, "verdict:              FAILED: {d}"),
        }
    }
}
