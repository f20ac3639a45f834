//! What `Frontier::append` emits is exactly the set of complete nodes, and
//! is by itself enough to answer every proof and root.

use std::collections::HashMap;

use super::support::leaves;
use crate::merkle::{
    Frontier, Hash, MemoryTree, MerkleError, NodeAddr, NodeSource, consistency_proof,
    inclusion_proof, peak_addrs, root_at,
};

/// A store holding only what `append` returned.
#[derive(Default)]
struct MapStore(HashMap<NodeAddr, Hash>);

impl NodeSource for MapStore {
    fn fetch(&self, addrs: &[NodeAddr]) -> Result<Vec<Hash>, MerkleError> {
        addrs
            .iter()
            .map(|a| {
                self.0
                    .get(a)
                    .copied()
                    .ok_or_else(|| MerkleError::Store(format!("missing {a:?}")))
            })
            .collect()
    }
}

#[test]
fn appended_nodes_are_exactly_the_complete_nodes_and_suffice() {
    let d = leaves(70);
    let reference = MemoryTree::from_leaf_hashes(d.iter().copied());
    let mut frontier = Frontier::new();
    let mut store = MapStore::default();
    for (i, leaf) in d.iter().enumerate() {
        let n = i as u64 + 1;
        let emitted = frontier.append(*leaf).unwrap();
        assert_eq!(emitted.first(), Some(&(NodeAddr::leaf(i as u64), *leaf)));
        assert_eq!(emitted.len(), n.trailing_zeros() as usize + 1);
        for (addr, hash) in emitted {
            assert!(
                addr.exists_in(n) && !addr.exists_in(n - 1),
                "{addr:?} new at {n}"
            );
            assert_eq!(reference.node(addr), Some(hash), "{addr:?}");
            assert!(
                store.0.insert(addr, hash).is_none(),
                "{addr:?} emitted twice"
            );
        }
        // A tree of n leaves has 2n - popcount(n) complete nodes.
        assert_eq!(store.0.len() as u64, 2 * n - u64::from(n.count_ones()));

        assert_eq!(root_at(n, &store).unwrap(), frontier.root());
        for old in 0..=n {
            assert_eq!(
                root_at(old, &store).unwrap(),
                root_at(old, &reference).unwrap()
            );
        }
        for idx in 0..n {
            assert_eq!(
                inclusion_proof(idx, n, &store).unwrap(),
                inclusion_proof(idx, n, &reference).unwrap()
            );
        }
        for old in 1..=n {
            assert_eq!(
                consistency_proof(old, n, &store).unwrap(),
                consistency_proof(old, n, &reference).unwrap()
            );
        }

        // Restart: reload the frontier with one fetch of the peaks.
        let peaks = store.fetch(&peak_addrs(n)).unwrap();
        let restored = Frontier::from_peaks(n, peaks).unwrap();
        assert_eq!(restored, frontier);
        assert_eq!(restored.peaks(), frontier.peaks());
    }
}

#[test]
fn restored_frontier_keeps_appending_identically() {
    let d = leaves(40);
    for cut in 0..=d.len() {
        let mut straight = Frontier::new();
        let mut store = MapStore::default();
        for leaf in &d[..cut] {
            store.0.extend(straight.append(*leaf).unwrap());
        }
        let size = cut as u64;
        let mut restored =
            Frontier::from_peaks(size, store.fetch(&peak_addrs(size)).unwrap()).unwrap();
        for leaf in &d[cut..] {
            assert_eq!(
                restored.append(*leaf).unwrap(),
                straight.append(*leaf).unwrap()
            );
        }
        assert_eq!(restored.root(), straight.root());
    }
}

#[test]
fn peak_addrs_follow_set_bits() {
    assert!(peak_addrs(0).is_empty());
    assert_eq!(
        peak_addrs(13),
        vec![
            NodeAddr::new(3, 0),
            NodeAddr::new(2, 2),
            NodeAddr::new(0, 12)
        ]
    );
    assert_eq!(peak_addrs(u64::MAX).len(), 64);
    assert_eq!(peak_addrs(1 << 40), vec![NodeAddr::new(40, 0)]);
}
