//! The event log as a verifiable log: every event becomes a leaf of one
//! RFC 9162 Merkle tree in sequence order, and every write batch ends with a
//! checkpoint (C2SP tlog-checkpoint) signed by the service key as a C2SP
//! signed note. Tree nodes and checkpoints are written in the batch's own
//! transaction, so a receipt can only exist for a durable, checkpointed event.

use std::cell::RefCell;
use std::sync::Arc;

use crate::crypto::{PublicKey, ServiceKey, Signature};
use crate::merkle::{self, Frontier, Hash, MerkleError, NodeAddr, NodeSource};
use crate::note::{Checkpoint, NoteError, NoteSigner, VerifierKey};
use crate::storage::events::{self, EventRow};
use crate::storage::tree::{self, CheckpointRow};
use crate::storage::{self, DbConnection, StorageError, time};

use super::leaf::leaf_bytes_from_canonical;

/// Who the log is: its origin line and the key that signs its checkpoints.
pub struct LogIdentity {
    origin: String,
    service_key: Arc<ServiceKey>,
}

impl LogIdentity {
    /// `origin` defaults to `ewaybill/<first 16 characters of the key id>`,
    /// unique per service key as C2SP asks of an origin.
    pub fn new(origin: Option<String>, service_key: Arc<ServiceKey>) -> Self {
        let origin = origin.unwrap_or_else(|| {
            let key_id = service_key.key_id();
            format!("ewaybill/{}", &key_id[..key_id.len().min(16)])
        });
        Self {
            origin,
            service_key,
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The id of the service key that signs this log.
    pub fn key_id(&self) -> String {
        self.service_key.key_id()
    }

    /// The C2SP verifier key (`vkey`) that checks this log's checkpoints.
    pub fn verifier_key(&self) -> Result<VerifierKey, NoteError> {
        VerifierKey::from_public_key(&self.origin, self.service_key.public_key())
    }
}

impl NoteSigner for LogIdentity {
    fn name(&self) -> &str {
        &self.origin
    }

    fn public_key(&self) -> PublicKey {
        self.service_key.public_key()
    }

    fn sign(&self, msg: &[u8]) -> Signature {
        self.service_key.sign(msg)
    }
}

/// A checkpoint the service signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub root_hash: Hash,
    /// The signed note, exactly as served.
    pub note: String,
}

impl SignedCheckpoint {
    pub fn from_row(row: CheckpointRow) -> Result<Self, StorageError> {
        Ok(Self {
            size: u64::try_from(row.size)
                .map_err(|_| StorageError::Corrupt("negative checkpoint size".into()))?,
            root_hash: Hash::try_from(row.root_hash.as_slice())
                .map_err(|_| StorageError::Corrupt("checkpoint root is not 32 bytes".into()))?,
            note: row.note,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("merkle tree: {0}")]
    Merkle(#[from] MerkleError),
    #[error("checkpoint: {0}")]
    Note(#[from] NoteError),
    #[error("the stored tree no longer matches the last signed checkpoint: {0}")]
    Inconsistent(String),
    /// The tree gave fewer leaf hashes than the batch appended events: no
    /// receipt can be given for event `seq`, so the batch must not commit.
    #[error("the Merkle tree gave no leaf hash for event {seq}")]
    MissingLeaf { seq: i64 },
    /// An event's sequence number is below zero, so it has no position in
    /// the log: the batch fails rather than give a receipt or a tree size
    /// of zero for it.
    #[error("event {seq} has a negative sequence number, not a log position")]
    NegativeSeq { seq: i64 },
}

impl LogError {
    /// The log position of event `seq`: its sequence number as an unsigned
    /// index, or [`LogError::NegativeSeq`].
    pub fn position(seq: i64) -> Result<u64, LogError> {
        u64::try_from(seq).map_err(|_| LogError::NegativeSeq { seq })
    }
}

/// Tree nodes read through a database connection, in one query per fetch.
pub struct DbNodes<'a> {
    conn: RefCell<&'a mut DbConnection>,
    /// The storage error behind a `MerkleError::Store`, kept whole so a
    /// lost connection stays recognisable (a 503, not a 500).
    failure: RefCell<Option<StorageError>>,
}

impl<'a> DbNodes<'a> {
    pub fn new(conn: &'a mut DbConnection) -> Self {
        Self {
            conn: RefCell::new(conn),
            failure: RefCell::new(None),
        }
    }

    /// The storage error that made a fetch fail, if one did.
    pub fn take_failure(&self) -> Option<StorageError> {
        self.failure.borrow_mut().take()
    }

    /// `e` as a log error: the storage error behind it if there was one.
    pub fn explain(&self, e: MerkleError) -> LogError {
        self.take_failure()
            .map_or(LogError::Merkle(e), LogError::Storage)
    }
}

impl NodeSource for DbNodes<'_> {
    fn fetch(&self, addrs: &[NodeAddr]) -> Result<Vec<Hash>, MerkleError> {
        let keys: Vec<(i16, i64)> = addrs
            .iter()
            .map(|a| {
                (
                    i16::from(a.level),
                    i64::try_from(a.index).unwrap_or(i64::MAX),
                )
            })
            .collect();
        let mut conn = self.conn.borrow_mut();
        tree::fetch_nodes(&mut conn, &keys).map_err(|e| {
            let message = e.to_string();
            *self.failure.borrow_mut() = Some(e);
            MerkleError::Store(message)
        })
    }
}

/// The leaf hash of a stored event.
pub fn event_leaf_hash(event: &EventRow) -> Hash {
    merkle::leaf_hash(&leaf_bytes_from_canonical(
        &event.act,
        &event.signature,
        event.seq.get(),
        time::from_db(event.received_at),
    ))
}

/// Appends `events` (which must continue the tree at `tree_size`), stores
/// the completed nodes and signs a checkpoint. Returns each event's leaf hash.
pub fn integrate(
    conn: &mut DbConnection,
    identity: &LogIdentity,
    tree_size: u64,
    new_events: &[EventRow],
) -> Result<(Vec<Hash>, SignedCheckpoint), LogError> {
    let peaks = {
        let nodes = DbNodes::new(conn);
        nodes
            .fetch(&merkle::peak_addrs(tree_size))
            .map_err(|e| nodes.explain(e))?
    };
    let mut frontier = Frontier::from_peaks(tree_size, peaks)?;
    let mut leaves = Vec::with_capacity(new_events.len());
    let mut nodes = Vec::with_capacity(new_events.len() * 2);
    for event in new_events {
        if event.seq.leaf() != Some(frontier.size()) {
            return Err(LogError::Inconsistent(format!(
                "event {} does not continue a tree of {} leaves",
                event.seq,
                frontier.size()
            )));
        }
        let leaf = event_leaf_hash(event);
        leaves.push(leaf);
        for (addr, hash) in frontier.append(leaf)? {
            nodes.push((
                i16::from(addr.level),
                i64::try_from(addr.index).unwrap_or(i64::MAX),
                hash,
            ));
        }
    }
    tree::insert_nodes(conn, &nodes)?;
    let checkpoint = Checkpoint {
        origin: identity.origin().to_owned(),
        size: frontier.size(),
        root_hash: frontier.root(),
        extensions: Vec::new(),
    };
    let note = checkpoint.sign(identity)?;
    tree::insert_checkpoint(
        conn,
        &CheckpointRow {
            size: i64::try_from(checkpoint.size).unwrap_or(i64::MAX),
            root_hash: checkpoint.root_hash.to_vec(),
            note: note.clone(),
            created_at: time::to_db(time::now()),
        },
    )?;
    Ok((
        leaves,
        SignedCheckpoint {
            size: checkpoint.size,
            root_hash: checkpoint.root_hash,
            note,
        },
    ))
}

/// The size of the tree: that of its latest checkpoint.
pub fn tree_size(conn: &mut DbConnection) -> Result<u64, StorageError> {
    Ok(tree::latest_checkpoint(conn)?
        .map(|c| u64::try_from(c.size).unwrap_or(0))
        .unwrap_or(0))
}

/// Integrates events logged before the tree existed (a database from
/// before the verifiable log), under the same write lock as any batch.
pub fn backfill(conn: &mut DbConnection, identity: &LogIdentity) -> Result<usize, LogError> {
    storage::transaction(conn, |conn| {
        let log_size = events::begin_batch(conn)?;
        let integrated = tree_size(conn)?;
        let start = i64::try_from(integrated).unwrap_or(i64::MAX);
        if start >= log_size {
            return Ok(0);
        }
        let pending = events::range(conn, start, log_size)?;
        integrate(conn, identity, integrated, &pending)?;
        events::finish_batch(conn, log_size)?;
        Ok(pending.len())
    })
}

/// Checks that the stored tree still has the root of the last signed
/// checkpoint, and that the checkpoint is ours. Cheap: O(log n) node reads.
pub fn check_tree(
    conn: &mut DbConnection,
    identity: &LogIdentity,
) -> Result<Option<SignedCheckpoint>, LogError> {
    let Some(row) = tree::latest_checkpoint(conn)? else {
        return Ok(None);
    };
    let signed = SignedCheckpoint::from_row(row)?;
    let opened = Checkpoint::open(&signed.note, &identity.verifier_key()?).map_err(|e| {
        LogError::Inconsistent(format!("the latest checkpoint does not verify: {e}"))
    })?;
    if opened.size != signed.size || opened.root_hash != signed.root_hash {
        return Err(LogError::Inconsistent(
            "the checkpoint row disagrees with its signed note".into(),
        ));
    }
    let nodes = DbNodes::new(conn);
    let root = merkle::root_at(signed.size, &nodes).map_err(|e| nodes.explain(e))?;
    if root != signed.root_hash {
        return Err(LogError::Inconsistent(format!(
            "the tree of {} leaves has another root than the signed checkpoint",
            signed.size
        )));
    }
    Ok(Some(signed))
}
