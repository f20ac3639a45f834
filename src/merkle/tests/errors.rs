//! Error paths and edge cases.

use super::support::leaves;
use crate::merkle::{
    Frontier, MemoryTree, MerkleError, NodeAddr, consistency_proof, empty_root, inclusion_proof,
    leaf_hash, root_at, verify_consistency, verify_inclusion,
};

#[test]
fn hashing_primitives() {
    // SHA-256("") and the RFC 6962 leaf hash of the empty entry.
    assert_eq!(
        empty_root()[..4],
        [0xe3, 0xb0, 0xc4, 0x42],
        "SHA-256 of the empty string"
    );
    assert_eq!(leaf_hash(b"")[..4], [0x6e, 0x34, 0x0b, 0x9c]);
    assert_eq!(Frontier::new().root(), empty_root());
    assert_eq!(MemoryTree::new().root(), empty_root());
}

#[test]
fn generation_rejects_bad_arguments() {
    let tree = MemoryTree::from_leaf_hashes(leaves(5));
    assert_eq!(
        inclusion_proof(5, 5, &tree),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert!(matches!(
        inclusion_proof(0, 0, &tree),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        consistency_proof(0, 3, &tree),
        Err(MerkleError::BadSizes { .. })
    ));
    assert!(matches!(
        consistency_proof(4, 3, &tree),
        Err(MerkleError::BadSizes { .. })
    ));
    assert_eq!(consistency_proof(3, 3, &tree), Ok(Vec::new()));
    // Sizes the store has not reached surface as store errors.
    assert!(matches!(
        inclusion_proof(0, 6, &tree),
        Err(MerkleError::Store(_))
    ));
    assert!(matches!(
        consistency_proof(2, 6, &tree),
        Err(MerkleError::Store(_))
    ));
    assert!(matches!(root_at(6, &tree), Err(MerkleError::Store(_))));
    // The empty root needs no store at all.
    assert_eq!(root_at(0, &MemoryTree::new()), Ok(empty_root()));
}

#[test]
fn verification_rejects_wrong_lengths_and_sizes() {
    let h = [7u8; 32];
    let short = [7u8; 31];
    let none: [[u8; 32]; 0] = [];
    assert!(matches!(
        verify_inclusion(&short, 0, 1, &none, &short),
        Err(MerkleError::BadHashLength { .. })
    ));
    assert!(matches!(
        verify_inclusion(&h, 0, 2, &[short.to_vec()], &h),
        Err(MerkleError::BadHashLength { .. })
    ));
    assert!(matches!(
        verify_inclusion(&h, 1, 1, &none, &h),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        verify_inclusion(&h, 0, 2, &none, &h),
        Err(MerkleError::WrongProofLength {
            expected: 1,
            actual: 0
        })
    ));
    verify_inclusion(&h, 0, 1, &none, &h).unwrap();

    assert!(matches!(
        verify_consistency(0, 0, &h, &h, &none),
        Err(MerkleError::BadSizes { .. })
    ));
    assert!(matches!(
        verify_consistency(2, 1, &h, &h, &none),
        Err(MerkleError::BadSizes { .. })
    ));
    assert!(matches!(
        verify_consistency(3, 3, &h, &h, &[h]),
        Err(MerkleError::WrongProofLength {
            expected: 0,
            actual: 1
        })
    ));
    verify_consistency(3, 3, &h, &h, &none).unwrap();
    assert_eq!(
        verify_consistency(3, 3, &h, &[8u8; 32], &none),
        Err(MerkleError::RootMismatch)
    );
    assert!(matches!(
        verify_consistency(1, 2, &short, &h, &[h]),
        Err(MerkleError::BadHashLength { .. })
    ));
    assert!(matches!(
        verify_consistency(3, 4, &h, &h, &none),
        Err(MerkleError::WrongProofLength { .. })
    ));
}

#[test]
fn frontier_edges() {
    assert_eq!(
        Frontier::from_peaks(5, vec![[0; 32]]),
        Err(MerkleError::BadFrontier {
            size: 5,
            expected: 2,
            actual: 1
        })
    );
    let mut full = Frontier::from_peaks(u64::MAX, vec![[1; 32]; 64]).unwrap();
    assert_eq!(full.append([2; 32]), Err(MerkleError::TreeFull));
    assert_eq!(full.size(), u64::MAX);
    assert_eq!(full.peaks().len(), 64);

    // Appending at size 2^63 - 1 completes a level-63 node.
    let mut big = Frontier::from_peaks((1 << 63) - 1, vec![[1; 32]; 63]).unwrap();
    let emitted = big.append([2; 32]).unwrap();
    assert_eq!(emitted.len(), 64);
    assert_eq!(emitted.last().map(|(a, _)| *a), Some(NodeAddr::new(63, 0)));
    assert_eq!(big.peaks().len(), 1);
}

#[test]
fn node_addr_ranges() {
    assert_eq!(NodeAddr::new(2, 3).leaf_range(), Some((12, 16)));
    assert!(NodeAddr::new(2, 3).exists_in(16));
    assert!(!NodeAddr::new(2, 3).exists_in(15));
    assert_eq!(NodeAddr::new(64, 0).leaf_range(), None);
    assert_eq!(NodeAddr::new(63, 2).leaf_range(), None);
    assert!(!NodeAddr::new(200, 0).exists_in(u64::MAX));
    assert!(NodeAddr::leaf(u64::MAX - 1).exists_in(u64::MAX));
}
