//! Addresses of complete nodes and the arithmetic mapping leaf ranges to them.
//!
//! Only complete nodes are ever stored, because only they are immutable: a
//! node at level `L`, index `i` covers leaves `[i * 2^L, (i + 1) * 2^L)` and
//! its hash is fixed the moment the last of those leaves is appended.

/// A complete node: level 0 holds leaf hashes, level `L` covers `2^L` leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    /// Height above the leaves (0 = leaf hash).
    pub level: u8,
    /// Position among the nodes of this level, left to right.
    pub index: u64,
}

impl NodeAddr {
    /// The node at `level`, `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf hash of leaf `index`.
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// The leaf range `[start, end)` this node covers, or `None` if it does
    /// not fit in `u64` (such a node can never exist).
    pub fn leaf_range(&self) -> Option<(u64, u64)> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        let end = start.checked_add(width)?;
        Some((start, end))
    }

    /// Whether this node is complete (and so stored) in a tree of `size` leaves.
    pub fn exists_in(&self, size: u64) -> bool {
        self.leaf_range().is_some_and(|(_, end)| end <= size)
    }
}

/// Largest power of two strictly smaller than `n` (RFC 9162's split point `k`).
///
/// Callers only ask for `n >= 2`; for `n < 2` this returns 0.
pub(crate) fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 0;
    }
    // n >= 2, so n - 1 >= 1 and ilog2 is defined.
    1u64 << (n - 1).ilog2()
}

/// Complete nodes whose concatenation is the leaf range `[start, start + len)`,
/// largest (leftmost) first.
///
/// Ranges that occur in RFC 9162 trees start at a multiple of the largest
/// power of two not exceeding their length, so the decomposition is one node
/// per set bit of `len`, in decreasing size, and
/// [`fold_peaks`](super::hash::fold_peaks) over their hashes gives the
/// range's RFC 9162 subtree hash. At most 64 nodes.
pub(crate) fn subtree_addrs(start: u64, len: u64) -> Vec<NodeAddr> {
    let mut out = Vec::with_capacity(len.count_ones() as usize);
    let mut cursor = start;
    for level in (0..64u8).rev() {
        let width = 1u64 << level;
        if len & width != 0 {
            out.push(NodeAddr::new(level, cursor >> level));
            // Only wraps after the final node of a range ending at 2^64.
            cursor = cursor.wrapping_add(width);
        }
    }
    out
}
