//! Proof generation (RFC 9162 §2.1.3.1 inclusion, §2.1.4.1 consistency) and
//! roots of earlier tree sizes, each in one batched fetch.
//!
//! Every proof element is the RFC 9162 hash of some leaf range. Generation
//! runs in three steps so storage cost is explicit:
//! 1. walk the RFC recursion iteratively and list the leaf ranges needed;
//! 2. decompose each range into complete nodes (at most one range per proof
//!    is on the incomplete right edge, so the total stays `O(log n)`);
//! 3. fetch all those nodes with a single [`NodeSource::fetch`] and fold each
//!    range's nodes into its hash.

use super::addr::{split_point, subtree_addrs};
use super::hash::fold_peaks;
use super::{Hash, MerkleError, NodeSource};

/// A leaf range `[start, start + len)` that is a subtree of an RFC 9162
/// tree, so `start` is aligned to the largest power of two `<= len`.
type Span = (u64, u64);

/// Inclusion proof (RFC 9162 `PATH`) for leaf `index` in the tree of the
/// first `size` leaves, ordered from the leaf's sibling up to the root's
/// child. Empty for a one-leaf tree.
///
/// `size` may be any size the store has reached, not just the current one.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    src: &dyn NodeSource,
) -> Result<Vec<Hash>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    subtree_hashes(&inclusion_spans(index, size), src)
}

/// Consistency proof (RFC 9162 `PROOF`) that the tree of the first
/// `old_size` leaves is a prefix of the tree of the first `new_size` leaves.
///
/// Empty when the sizes are equal. `old_size == 0` is rejected: every tree
/// extends the empty tree, so there is nothing to prove and verifiers
/// (RFC 9162 §2.1.4.2) reject such a proof anyway.
pub fn consistency_proof(
    old_size: u64,
    new_size: u64,
    src: &dyn NodeSource,
) -> Result<Vec<Hash>, MerkleError> {
    if old_size == 0 || old_size > new_size {
        return Err(MerkleError::BadSizes { old_size, new_size });
    }
    subtree_hashes(&consistency_spans(old_size, new_size), src)
}

/// Root of the tree of the first `size` leaves (`empty_root()` for 0,
/// without touching the store). Needed to serve old checkpoints.
pub fn root_at(size: u64, src: &dyn NodeSource) -> Result<Hash, MerkleError> {
    let hashes = subtree_hashes(&[(0, size)], src)?;
    hashes
        .first()
        .copied()
        .ok_or_else(|| MerkleError::Store("no root computed".to_owned()))
}

/// Ranges of RFC 9162 `PATH(m, D[0:n])`, bottom up.
///
/// Descends from the root towards leaf `index`, recording the sibling range
/// at each split; the recursion appends siblings after recursing, so the
/// list is reversed at the end.
fn inclusion_spans(index: u64, size: u64) -> Vec<Span> {
    let (mut begin, mut end) = (0, size);
    let mut spans = Vec::new();
    while end - begin > 1 {
        let mid = begin + split_point(end - begin);
        if index < mid {
            spans.push((mid, end - mid));
            end = mid;
        } else {
            spans.push((begin, mid - begin));
            begin = mid;
        }
    }
    spans.reverse();
    spans
}

/// Ranges of RFC 9162 `PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true)`,
/// for `0 < old_size <= new_size`, in proof order.
///
/// `old_is_whole_subtree` is the RFC's flag `b`: while it holds, the current
/// subtree is exactly the old tree, whose root the verifier already has.
fn consistency_spans(old_size: u64, new_size: u64) -> Vec<Span> {
    let (mut begin, mut end) = (0, new_size);
    let mut old_is_whole_subtree = true;
    let mut spans = Vec::new();
    while old_size != end {
        let mid = begin + split_point(end - begin);
        if old_size <= mid {
            spans.push((mid, end - mid));
            end = mid;
        } else {
            spans.push((begin, mid - begin));
            begin = mid;
            old_is_whole_subtree = false;
        }
    }
    if !old_is_whole_subtree {
        spans.push((begin, end - begin));
    }
    spans.reverse();
    spans
}

/// RFC 9162 hash of each span, with one fetch for all of them.
fn subtree_hashes(spans: &[Span], src: &dyn NodeSource) -> Result<Vec<Hash>, MerkleError> {
    let mut addrs = Vec::new();
    let mut counts = Vec::with_capacity(spans.len());
    for &(start, len) in spans {
        let nodes = subtree_addrs(start, len);
        counts.push(nodes.len());
        addrs.extend(nodes);
    }
    let fetched = if addrs.is_empty() {
        Vec::new()
    } else {
        src.fetch(&addrs)?
    };
    if fetched.len() != addrs.len() {
        return Err(MerkleError::Store(format!(
            "asked for {} nodes, got {}",
            addrs.len(),
            fetched.len()
        )));
    }
    let mut rest = fetched.as_slice();
    let mut out = Vec::with_capacity(spans.len());
    for count in counts {
        let (nodes, tail) = rest
            .split_at_checked(count)
            .ok_or_else(|| MerkleError::Store("short fetch".to_owned()))?;
        out.push(fold_peaks(nodes));
        rest = tail;
    }
    Ok(out)
}
