//! Upstream transparency-dev/merkle testdata (all 196 files) and the
//! RFC 6962 reference tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::support::{hex, read_json, vectors_dir};
use crate::merkle::{
    Frontier, MemoryTree, MerkleError, inclusion_proof, leaf_hash, root_at, verify_consistency,
    verify_inclusion,
};

const TESTDATA: &str = "tlog/transparency-dev-merkle/testdata";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionVector {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyVector {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

/// Undecodable base64 is a failure of that vector's verification, like the
/// upstream Go tests that decode before verifying.
fn b64(s: &str) -> Result<Vec<u8>, MerkleError> {
    STANDARD
        .decode(s)
        .map_err(|e| MerkleError::Store(format!("base64: {e}")))
}

fn b64_all(v: &Option<Vec<String>>) -> Result<Vec<Vec<u8>>, MerkleError> {
    v.iter().flatten().map(|s| b64(s)).collect()
}

fn run_inclusion(v: &InclusionVector) -> Result<(), MerkleError> {
    verify_inclusion(
        &b64(&v.leaf_hash)?,
        v.leaf_idx,
        v.tree_size,
        &b64_all(&v.proof)?,
        &b64(&v.root)?,
    )
}

fn run_consistency(v: &ConsistencyVector) -> Result<(), MerkleError> {
    verify_consistency(
        v.size1,
        v.size2,
        &b64(&v.root1)?,
        &b64(&v.root2)?,
        &b64_all(&v.proof)?,
    )
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn all_upstream_vectors_give_expected_outcome() {
    let root = vectors_dir().join(TESTDATA);
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    let (mut inclusion, mut consistency, mut failures) = (0, 0, Vec::new());
    for path in &files {
        let rel = path.strip_prefix(vectors_dir()).unwrap().to_str().unwrap();
        let (want_err, got) = if rel.contains("/inclusion/") {
            inclusion += 1;
            let v: InclusionVector = read_json(rel);
            (v.want_err, run_inclusion(&v))
        } else {
            consistency += 1;
            let v: ConsistencyVector = read_json(rel);
            (v.want_err, run_consistency(&v))
        };
        if want_err != got.is_err() {
            failures.push(format!("{rel}: wantErr={want_err}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "failing vectors:\n{}",
        failures.join("\n")
    );
    assert_eq!(files.len(), 196, "expected all 196 upstream files");
    assert_eq!((inclusion, consistency), (98, 98));
}

/// The happy-path inclusion files come from the 8-leaf reference tree; our
/// generator must produce exactly the published proofs.
#[test]
fn generator_reproduces_upstream_happy_paths() {
    let tree = reference_tree();
    for n in 0..5 {
        let v: InclusionVector = read_json(&format!("{TESTDATA}/inclusion/{n}/happy-path.json"));
        let got = inclusion_proof(v.leaf_idx, v.tree_size, &tree).unwrap();
        let want = b64_all(&v.proof).unwrap();
        assert_eq!(
            got.iter().map(|h| h.to_vec()).collect::<Vec<_>>(),
            want,
            "inclusion/{n}"
        );
        let v: ConsistencyVector =
            read_json(&format!("{TESTDATA}/consistency/{n}/happy-path.json"));
        let got = crate::merkle::consistency_proof(v.size1, v.size2, &tree).unwrap();
        let want = b64_all(&v.proof).unwrap();
        assert_eq!(
            got.iter().map(|h| h.to_vec()).collect::<Vec<_>>(),
            want,
            "consistency/{n}"
        );
    }
}

#[derive(Deserialize)]
struct ReferenceTree {
    leaf_inputs_hex: Vec<String>,
    leaf_hashes_hex: Vec<String>,
    root_by_tree_size_hex: BTreeMap<u64, String>,
}

fn reference() -> ReferenceTree {
    read_json("tlog/derived/rfc6962-reference-tree.json")
}

fn reference_tree() -> MemoryTree {
    MemoryTree::from_leaf_hashes(
        reference()
            .leaf_inputs_hex
            .iter()
            .map(|h| leaf_hash(&hex(h))),
    )
}

#[test]
fn reference_tree_roots_and_leaf_hashes() {
    let r = reference();
    assert_eq!(r.leaf_inputs_hex.len(), 8);
    assert_eq!(r.root_by_tree_size_hex.len(), 9);
    let full = reference_tree();
    let mut frontier = Frontier::new();
    let mut partial = MemoryTree::new();
    for (size, want_hex) in &r.root_by_tree_size_hex {
        let want = hex(want_hex);
        assert_eq!(frontier.size(), *size);
        assert_eq!(frontier.root().to_vec(), want, "frontier root at {size}");
        assert_eq!(
            root_at(*size, &full).unwrap().to_vec(),
            want,
            "root_at {size}"
        );
        assert_eq!(partial.root().to_vec(), want, "MemoryTree::root at {size}");
        if let Some(input) = r.leaf_inputs_hex.get(*size as usize) {
            let leaf = leaf_hash(&hex(input));
            assert_eq!(leaf.to_vec(), hex(&r.leaf_hashes_hex[*size as usize]));
            frontier.append(leaf).unwrap();
            partial.push(leaf);
        }
    }
}
