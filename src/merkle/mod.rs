//! RFC 9162 (Certificate Transparency v2, same tree as RFC 6962) Merkle tree
//! over the ledger's append-only event log.
//!
//! Why this shape: the service stores every *complete* node of the tree once,
//! immutably, keyed by [`NodeAddr`]. Complete nodes never change as the log
//! grows, so they can be written once at append time and cached forever.
//! Anything on the right edge that is not complete is recomputed on demand
//! from the complete nodes that decompose it, so every proof costs a single
//! batched fetch of `O(log n)` nodes.
//!
//! - [`hash`]: the RFC 9162 hashing domain separation (leaf / node / empty).
//! - [`addr`]: node addresses and the arithmetic that maps leaf ranges to them.
//! - [`store`]: the [`NodeSource`] read interface and the in-memory [`MemoryTree`].
//! - [`append`]: the [`Frontier`] (right edge) used by the single writer.
//! - [`proof`]: inclusion / consistency proof generation and historical roots.
//! - [`verify`]: proof verification for bytes that arrive from outside.
//! - [`tile`]: the tree as C2SP tlog-tiles and their paths.

pub mod addr;
pub mod append;
pub mod hash;
pub mod proof;
pub mod store;
pub mod tile;
pub mod verify;

#[cfg(test)]
mod tests;

pub use addr::NodeAddr;
pub use append::{Frontier, peak_addrs};
pub use hash::{empty_root, leaf_hash, node_hash};
pub use proof::{consistency_proof, inclusion_proof, root_at};
pub use store::{MemoryTree, NodeSource};
pub use verify::{verify_consistency, verify_inclusion};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Everything that can go wrong building, loading or checking the tree.
///
/// Verification failures are errors (not `Ok(false)`) so a caller cannot
/// accidentally ignore a failed proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A pair of tree sizes that no proof can relate (old size 0, or old > new).
    #[error("invalid tree sizes: old size {old_size}, new size {new_size}")]
    BadSizes {
        /// The earlier (smaller) tree size.
        old_size: u64,
        /// The later (larger) tree size.
        new_size: u64,
    },
    /// A leaf index that is not inside the tree.
    #[error("leaf index {index} out of range for tree size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// A proof with a different number of hashes than its sizes require.
    #[error("wrong proof length: expected {expected} hashes, got {actual}")]
    WrongProofLength {
        /// Number of hashes the tree sizes require.
        expected: usize,
        /// Number of hashes supplied.
        actual: usize,
    },
    /// The proof is well formed but does not lead to the claimed root(s).
    #[error("proof does not match the expected root")]
    RootMismatch,
    /// A hash supplied from outside that is not 32 bytes long.
    #[error("{what} must be 32 bytes, got {len}")]
    BadHashLength {
        /// Which input was wrong (e.g. "leaf hash", "proof element").
        what: &'static str,
        /// Its actual length in bytes.
        len: usize,
    },
    /// Peaks that do not fit the claimed tree size (one peak per set bit).
    #[error("tree size {size} needs {expected} peaks, got {actual}")]
    BadFrontier {
        /// The claimed tree size.
        size: u64,
        /// `size.count_ones()`.
        expected: usize,
        /// Number of peaks supplied.
        actual: usize,
    },
    /// The tree already holds `u64::MAX` leaves; nothing more can be appended.
    #[error("tree is full")]
    TreeFull,
    /// The node store failed or returned something unusable.
    #[error("node store: {0}")]
    Store(String),
}
