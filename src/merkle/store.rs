//! Where complete nodes are read from.
//!
//! The service backs [`NodeSource`] with its database (one `SELECT ... WHERE
//! (level, index) IN (...)` per call); [`MemoryTree`] backs it with vectors for
//! tests and for the offline verifier that recomputes a whole log.

use super::hash::{fold_peaks, node_hash};
use super::{Hash, MerkleError, NodeAddr};

/// Read access to the tree's complete nodes.
///
/// Proof generation calls [`fetch`](NodeSource::fetch) exactly once per
/// proof with every address it needs, so an implementation backed by a
/// database should answer the whole slice with one query.
pub trait NodeSource {
    /// Hashes of `addrs`, in the same order (duplicates allowed).
    ///
    /// Must return an error, not skip, when any address is unknown: a
    /// missing node means the caller asked about a tree size the store has
    /// not reached, and a silently short answer would yield a wrong proof.
    fn fetch(&self, addrs: &[NodeAddr]) -> Result<Vec<Hash>, MerkleError>;
}

/// A whole tree held in memory: every leaf hash and every complete node.
///
/// Memory is about `2 * size * 32` bytes. Built independently of
/// [`Frontier`](super::Frontier) (it pairs adjacent nodes level by level), so
/// tests can use one to check the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    /// `levels[L][i]` is the complete node at level `L`, index `i`;
    /// `levels[0]` are the leaf hashes. `levels[L].len() == size >> L`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree of the given leaf hashes, in log order.
    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for leaf in leaf_hashes {
            tree.push(leaf);
        }
        tree
    }

    /// Appends one leaf hash and every node it completes.
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut carry = leaf_hash;
        let mut level = 0;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                return;
            };
            row.push(carry);
            // An odd-length row has an unpaired last node: nothing above
            // it is complete yet.
            if row.len() % 2 != 0 {
                return;
            }
            let [.., left, right] = row.as_slice() else {
                return;
            };
            carry = node_hash(left, right);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The complete node at `addr`, if the tree is big enough to have it.
    pub fn node(&self, addr: NodeAddr) -> Option<Hash> {
        let row = self.levels.get(usize::from(addr.level))?;
        row.get(usize::try_from(addr.index).ok()?).copied()
    }

    /// The current root (RFC 9162 `MTH` of all leaves).
    pub fn root(&self) -> Hash {
        // The peak at level L exists iff bit L of size is set, i.e. iff row L
        // has odd length, and it is that row's last node.
        let peaks: Vec<Hash> = self
            .levels
            .iter()
            .rev()
            .filter(|row| row.len() % 2 == 1)
            .filter_map(|row| row.last().copied())
            .collect();
        fold_peaks(&peaks)
    }
}

impl NodeSource for MemoryTree {
    fn fetch(&self, addrs: &[NodeAddr]) -> Result<Vec<Hash>, MerkleError> {
        addrs
            .iter()
            .map(|&addr| {
                self.node(addr).ok_or_else(|| {
                    MerkleError::Store(format!(
                        "node (level {}, index {}) not in tree of size {}",
                        addr.level,
                        addr.index,
                        self.size()
                    ))
                })
            })
            .collect()
    }
}
