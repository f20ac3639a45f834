//! Proofs over a ~million-leaf tree cost one fetch of O(log n) nodes.
//!
//! The source fabricates a deterministic hash per address, so no real tree is
//! built; it also rejects any address that is not complete at the tree size,
//! proving generation never asks for a node the store cannot have.

use std::cell::{Cell, RefCell};

use crate::merkle::{
    Hash, MerkleError, NodeAddr, NodeSource, consistency_proof, inclusion_proof, leaf_hash, root_at,
};

struct FakeCounting {
    size: u64,
    calls: Cell<usize>,
    last_addrs: RefCell<Vec<NodeAddr>>,
}

impl FakeCounting {
    fn new(size: u64) -> Self {
        Self {
            size,
            calls: Cell::new(0),
            last_addrs: RefCell::new(Vec::new()),
        }
    }

    /// Runs `f`, returning (fetch calls, addresses fetched).
    fn measure<T>(&self, f: impl FnOnce(&Self) -> T) -> (T, usize, usize) {
        self.calls.set(0);
        self.last_addrs.borrow_mut().clear();
        let out = f(self);
        (out, self.calls.get(), self.last_addrs.borrow().len())
    }
}

impl NodeSource for FakeCounting {
    fn fetch(&self, addrs: &[NodeAddr]) -> Result<Vec<Hash>, MerkleError> {
        self.calls.set(self.calls.get() + 1);
        self.last_addrs.borrow_mut().extend_from_slice(addrs);
        addrs
            .iter()
            .map(|a| {
                if !a.exists_in(self.size) {
                    return Err(MerkleError::Store(format!("{a:?} incomplete")));
                }
                let mut seed = [0u8; 9];
                seed[0] = a.level;
                seed[1..].copy_from_slice(&a.index.to_be_bytes());
                Ok(leaf_hash(&seed))
            })
            .collect()
    }
}

const SIZES: [u64; 7] = [
    999_999, 1_000_000, 1_000_003, 1_048_575, 1_048_576, 1_048_577, 1_234_567,
];

fn bound(n: u64) -> f64 {
    2.0 * (n as f64).log2()
}

fn sample(n: u64) -> impl Iterator<Item = u64> {
    (0..n)
        .step_by(7919)
        .chain([1, n / 2, n - 2, n - 1, (n - 1) & !0xFF])
}

#[test]
fn inclusion_proof_is_one_fetch_of_at_most_2_log2_n_nodes() {
    for n in SIZES {
        let src = FakeCounting::new(n);
        let mut worst = 0;
        for idx in sample(n) {
            let (proof, calls, fetched) = src.measure(|s| inclusion_proof(idx, n, s));
            let proof = proof.unwrap();
            assert_eq!(calls, 1, "n={n} idx={idx}");
            assert!(
                fetched as f64 <= bound(n),
                "n={n} idx={idx}: {fetched} nodes"
            );
            assert!(fetched >= proof.len());
            worst = worst.max(fetched);
        }
        assert!(worst > 0);
    }
}

#[test]
fn consistency_proof_and_root_at_are_one_small_fetch() {
    for n in SIZES {
        let src = FakeCounting::new(n);
        for old in sample(n).filter(|&o| o > 0) {
            let (proof, calls, fetched) = src.measure(|s| consistency_proof(old, n, s));
            proof.unwrap();
            assert_eq!(calls, 1, "n={n} old={old}");
            assert!(
                fetched as f64 <= bound(n) + 1.0,
                "n={n} old={old}: {fetched}"
            );
        }
        let (root, calls, fetched) = src.measure(|s| root_at(n, s));
        root.unwrap();
        assert_eq!((calls, fetched), (1, n.count_ones() as usize));
    }
}
