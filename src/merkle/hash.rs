//! RFC 9162 §2.1.1 hashing with domain separation.
//!
//! The 0x00 / 0x01 prefixes make a leaf hash and an interior node hash come
//! from disjoint input spaces, so no one can pass off an interior node as a
//! leaf (second-preimage attack on the tree).

use sha2::{Digest, Sha256};

use super::Hash;

/// Prefix for leaf hashes.
const LEAF_PREFIX: u8 = 0x00;
/// Prefix for interior node hashes.
const NODE_PREFIX: u8 = 0x01;

/// `SHA-256(0x00 || data)`: the hash of one log entry.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// `SHA-256("")`: the root of the tree with no leaves.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Root of a subtree given its complete-node decomposition, largest first.
///
/// RFC 9162 splits a range at the largest power of two below its size, so a
/// range whose start is aligned to that power is `node(peak0, node(peak1,
/// ...))`: folding the peaks right to left reproduces the recursive
/// definition without recursion. An empty list is the empty tree.
pub(crate) fn fold_peaks(peaks: &[Hash]) -> Hash {
    let mut iter = peaks.iter().rev();
    match iter.next() {
        None => empty_root(),
        Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
    }
}
