//! The right edge of the tree, kept by the single writer.
//!
//! A tree of `size` leaves is, left to right, one perfect subtree per set bit
//! of `size` (largest first). Their roots, the *peaks*, are all the writer
//! needs: appending a leaf merges it with the peaks of equal height (binary
//! carry), and the root is the peaks folded right to left. So appending never
//! reads the store, and the frontier survives a restart as `size` plus one
//! fetch of [`peak_addrs`].

use super::addr::subtree_addrs;
use super::hash::{fold_peaks, node_hash};
use super::{Hash, MerkleError, NodeAddr};

/// Addresses of the peaks of a tree of `size` leaves, largest (leftmost)
/// first: one complete node per set bit of `size`.
///
/// Fetch these in one call and pass the hashes to [`Frontier::from_peaks`]
/// to restore the writer's state at startup.
pub fn peak_addrs(size: u64) -> Vec<NodeAddr> {
    subtree_addrs(0, size)
}

/// Tree size plus its peaks: enough to append and to compute the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Invariant: `peaks.len() == size.count_ones()`, largest first, and
    /// `peaks[j]` is the hash of `peak_addrs(size)[j]`.
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restores a frontier from stored peaks (hashes of [`peak_addrs`]`(size)`,
    /// in that order).
    ///
    /// Only the count can be checked here; the caller should compare
    /// [`root`](Self::root) with its last signed checkpoint to catch a store
    /// that returned the wrong hashes.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Result<Self, MerkleError> {
        let expected = size.count_ones() as usize;
        if peaks.len() != expected {
            return Err(MerkleError::BadFrontier {
                size,
                expected,
                actual: peaks.len(),
            });
        }
        Ok(Self { size, peaks })
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Peak hashes, largest (leftmost) first.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }

    /// Appends one leaf hash (see [`leaf_hash`](super::leaf_hash)).
    ///
    /// Returns every node this append completed, bottom up: the leaf itself
    /// at `(0, old_size)`, then each parent formed by merging equal-height
    /// peaks. Storing exactly these (in the same transaction as the log
    /// entry) is sufficient to serve every later proof and root. Fails only
    /// when the tree already has `u64::MAX` leaves.
    pub fn append(&mut self, leaf_hash: Hash) -> Result<Vec<(NodeAddr, Hash)>, MerkleError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(MerkleError::TreeFull)?;
        // Each trailing one bit of the old size is a peak of that height that
        // the new leaf's carry merges with; they are the last peaks held.
        let merges = index.trailing_ones() as usize;
        let keep = self.peaks.len().saturating_sub(merges);
        let merged = self.peaks.split_off(keep);

        let mut addr = NodeAddr::leaf(index);
        let mut hash = leaf_hash;
        let mut completed = Vec::with_capacity(merges + 1);
        completed.push((addr, hash));
        for left in merged.iter().rev() {
            hash = node_hash(left, &hash);
            // index < u64::MAX, so at most 63 merges: level stays <= 63.
            addr = NodeAddr::new(addr.level + 1, addr.index >> 1);
            completed.push((addr, hash));
        }
        self.peaks.push(hash);
        self.size = new_size;
        Ok(completed)
    }

    /// The current root; `empty_root()` for the empty tree.
    pub fn root(&self) -> Hash {
        fold_peaks(&self.peaks)
    }
}
