//! Test helpers: vector location, decoding, and a naive recursive RFC 9162
//! reference implementation (straight from the RFC text) to compare against.

use std::path::PathBuf;

use crate::merkle::{Hash, empty_root, leaf_hash, node_hash};

/// `EWAYBILL_VECTORS_DIR`, else `<crate>/../shared/vectors`.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("EWAYBILL_VECTORS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors")),
    }
}

/// Parses a JSON vector file relative to [`vectors_dir`].
pub fn read_json<T: serde::de::DeserializeOwned>(rel: &str) -> T {
    let path = vectors_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (set EWAYBILL_VECTORS_DIR)",
            path.display()
        )
    });
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("bad JSON in {rel}: {e}"))
}

/// Lowercase/uppercase hex to bytes.
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Deterministic distinct leaf hashes for synthetic trees.
pub fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// Largest power of two strictly below `n` (`n >= 2`).
fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 §2.1.1 `MTH(D[n])` over leaf hashes.
pub fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = k(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// RFC 9162 §2.1.3.1 `PATH(m, D[n])`.
pub fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[n], b)`.
fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

/// RFC 9162 §2.1.4.1 `PROOF(m, D[n])`.
pub fn consistency(m: usize, d: &[Hash]) -> Vec<Hash> {
    subproof(m, d, true)
}

/// `h` with one bit flipped.
pub fn flip(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}
