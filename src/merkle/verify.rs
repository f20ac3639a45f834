//! Proof verification (RFC 9162 §2.1.3.2 inclusion, §2.1.4.2 consistency).
//!
//! Inputs are byte slices because they arrive from outside (JSON, notes,
//! database rows): a hash of the wrong length is reported as
//! [`MerkleError::BadHashLength`] instead of being a type the caller must
//! pre-check. Proof length is checked up front against the sizes
//! (as transparency-dev/merkle does) so a truncated or padded proof gives
//! [`MerkleError::WrongProofLength`] rather than a generic mismatch.

use super::hash::node_hash;
use super::{Hash, MerkleError};

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves
/// whose root is `root`.
///
/// `proof` is anything sliceable: `&[Hash]`, `&[Vec<u8>]`, `&[&[u8]]`.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), MerkleError> {
    let leaf = to_hash(leaf_hash, "leaf hash")?;
    let root = to_hash(root, "root")?;
    let proof = to_hashes(proof)?;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    check_len(expected, proof.len())?;

    // RFC 9162 §2.1.3.2, with `fnode`/`snode` for the RFC's `fn`/`sn`.
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = leaf;
    for p in &proof {
        if snode == 0 {
            // Unreachable after `check_len`; kept so the loop is the RFC's.
            return Err(MerkleError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a
/// prefix of the tree of `new_size` leaves with root `new_root`.
///
/// Rules beyond the RFC algorithm, matching the transparency-dev/merkle test
/// vectors: `old_size == 0` is an error (every tree extends the empty one, so
/// a witness protocol that accepts it must special-case it itself);
/// `old_size > new_size` is an error; equal sizes need an empty proof and
/// byte-equal roots. In that equal-size case the roots are only compared,
/// not length-checked (vector `sizes-are-equal-one-and-proof-is-empty`
/// expects two equal 12-byte "roots" to pass); every other path rejects a
/// hash that is not 32 bytes.
pub fn verify_consistency<P: AsRef<[u8]>>(
    old_size: u64,
    new_size: u64,
    old_root: &[u8],
    new_root: &[u8],
    proof: &[P],
) -> Result<(), MerkleError> {
    if old_size == 0 || old_size > new_size {
        return Err(MerkleError::BadSizes { old_size, new_size });
    }
    if old_size == new_size {
        check_len(0, proof.len())?;
        return if old_root == new_root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        };
    }
    let old_root = to_hash(old_root, "old root")?;
    let new_root = to_hash(new_root, "new root")?;
    let proof = to_hashes(proof)?;
    let expected = consistency_proof_len(old_size, new_size);
    check_len(expected, proof.len())?;

    // RFC 9162 §2.1.4.2 step 2: a power-of-two old tree is itself a node of
    // the new tree, so the proof omits it and the verifier supplies it.
    let (seed, rest) = if old_size.is_power_of_two() {
        (old_root, proof.as_slice())
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => {
                return Err(MerkleError::WrongProofLength {
                    expected,
                    actual: 0,
                });
            }
        }
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if snode == 0 {
            // Unreachable after `check_len`; kept so the loop is the RFC's.
            return Err(MerkleError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && fr == old_root && sr == new_root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// Number of hashes in the inclusion proof of `index` in a tree of `size`
/// (`index < size`): levels below the point where the paths to `index` and
/// `size - 1` diverge, plus one per left subtree above it.
pub(crate) fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Number of hashes in the consistency proof for `0 < old_size < new_size`:
/// the inclusion proof of leaf `old_size - 1` minus the levels inside the
/// old tree's last perfect subtree, plus that subtree's hash unless it is
/// the whole old tree.
pub(crate) fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let shift = old_size.trailing_zeros() as usize;
    let full = inclusion_proof_len(old_size - 1, new_size);
    let seed = usize::from(!old_size.is_power_of_two());
    full.saturating_sub(shift) + seed
}

/// A 32-byte hash from outside bytes.
fn to_hash(bytes: &[u8], what: &'static str) -> Result<Hash, MerkleError> {
    Hash::try_from(bytes).map_err(|_| MerkleError::BadHashLength {
        what,
        len: bytes.len(),
    })
}

/// Every proof element as a 32-byte hash.
fn to_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<Vec<Hash>, MerkleError> {
    proof
        .iter()
        .map(|p| to_hash(p.as_ref(), "proof element"))
        .collect()
}

/// `WrongProofLength` unless `actual == expected`.
fn check_len(expected: usize, actual: usize) -> Result<(), MerkleError> {
    if expected == actual {
        Ok(())
    } else {
        Err(MerkleError::WrongProofLength { expected, actual })
    }
}
