//! Exhaustive small-tree checks (sizes 1..=70) against the naive RFC 9162
//! reference in `support`, plus tampering.

use super::support::{consistency, flip, leaves, mth, path};
use crate::merkle::verify::{consistency_proof_len, inclusion_proof_len};
use crate::merkle::{
    Frontier, Hash, MemoryTree, consistency_proof, inclusion_proof, root_at, verify_consistency,
    verify_inclusion,
};

const MAX: u64 = 70;

/// Roots of every size 0..=MAX via the frontier, cross-checked with the
/// reference `MTH`, `MemoryTree::root` and `root_at`.
fn roots(d: &[Hash], tree: &MemoryTree) -> Vec<Hash> {
    let mut frontier = Frontier::new();
    let mut roots = vec![frontier.root()];
    for (i, leaf) in d.iter().enumerate() {
        frontier.append(*leaf).unwrap();
        roots.push(frontier.root());
        let n = i + 1;
        assert_eq!(frontier.root(), mth(&d[..n]), "frontier root {n}");
        assert_eq!(
            MemoryTree::from_leaf_hashes(d[..n].iter().copied()).root(),
            mth(&d[..n])
        );
    }
    for (n, root) in roots.iter().enumerate() {
        assert_eq!(root_at(n as u64, tree).unwrap(), *root, "root_at {n}");
    }
    roots
}

#[test]
fn roots_match_reference() {
    let d = leaves(MAX);
    let tree = MemoryTree::from_leaf_hashes(d.iter().copied());
    assert_eq!(roots(&d, &tree).len(), MAX as usize + 1);
}

#[test]
fn inclusion_proofs_verify_and_tampering_fails() {
    let d = leaves(MAX);
    let tree = MemoryTree::from_leaf_hashes(d.iter().copied());
    let roots = roots(&d, &tree);
    for n in 1..=MAX {
        let root = roots[n as usize];
        for i in 0..n {
            let leaf = d[i as usize];
            let proof = inclusion_proof(i, n, &tree).unwrap();
            assert_eq!(proof, path(i as usize, &d[..n as usize]), "PATH({i}, {n})");
            assert_eq!(proof.len(), inclusion_proof_len(i, n));
            verify_inclusion(&leaf, i, n, &proof, &root).unwrap();

            for (j, bit) in (0..proof.len()).map(|j| (j, (j * 37 + i as usize) % 256)) {
                let mut bad = proof.clone();
                bad[j] = flip(&bad[j], bit);
                assert!(verify_inclusion(&leaf, i, n, &bad, &root).is_err());
            }
            assert!(verify_inclusion(&flip(&leaf, 3), i, n, &proof, &root).is_err());
            assert!(verify_inclusion(&leaf, i, n, &proof, &flip(&root, 200)).is_err());
            if i + 1 < n {
                assert!(verify_inclusion(&leaf, i + 1, n, &proof, &root).is_err());
            }
            if i > 0 {
                assert!(verify_inclusion(&leaf, i - 1, n, &proof, &root).is_err());
            }
            if let Some((_, shorter)) = proof.split_last() {
                assert!(verify_inclusion(&leaf, i, n, shorter, &root).is_err());
            }
            let mut longer = proof.clone();
            longer.push(leaf);
            assert!(verify_inclusion(&leaf, i, n, &longer, &root).is_err());
        }
    }
}

#[test]
fn consistency_proofs_verify_and_tampering_fails() {
    let d = leaves(MAX);
    let tree = MemoryTree::from_leaf_hashes(d.iter().copied());
    let roots = roots(&d, &tree);
    for new in 1..=MAX {
        let new_root = roots[new as usize];
        for old in 1..=new {
            let old_root = roots[old as usize];
            let proof = consistency_proof(old, new, &tree).unwrap();
            assert_eq!(
                proof,
                consistency(old as usize, &d[..new as usize]),
                "PROOF({old}, {new})"
            );
            verify_consistency(old, new, &old_root, &new_root, &proof).unwrap();
            if old == new {
                assert!(proof.is_empty());
                continue;
            }
            assert_eq!(proof.len(), consistency_proof_len(old, new));

            for (j, bit) in (0..proof.len()).map(|j| (j, (j * 53 + old as usize) % 256)) {
                let mut bad = proof.clone();
                bad[j] = flip(&bad[j], bit);
                assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            }
            assert!(verify_consistency(old, new, &new_root, &old_root, &proof).is_err());
            assert!(verify_consistency(old, new, &flip(&old_root, 1), &new_root, &proof).is_err());
            assert!(verify_consistency(old, new, &old_root, &flip(&new_root, 9), &proof).is_err());
            if let Some((_, shorter)) = proof.split_last() {
                assert!(verify_consistency(old, new, &old_root, &new_root, shorter).is_err());
            }
            let mut longer = proof.clone();
            longer.push(old_root);
            assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
        }
    }
}
