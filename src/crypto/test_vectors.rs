//! Locates the shared test-vector directory for unit tests.
//!
//! In the real crate `CARGO_MANIFEST_DIR/../shared/vectors` resolves to
//! `/work/shared/vectors`; when this module is compiled from a different
//! crate (e.g. an isolated scratch crate) `EWAYBILL_VECTORS_DIR` overrides it.

use std::path::PathBuf;

/// Root of the shared vectors (`.../shared/vectors`).
pub(crate) fn vectors_dir() -> PathBuf {
    match std::env::var_os("EWAYBILL_VECTORS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors")),
    }
}

/// Reads a vector file relative to [`vectors_dir`], panicking with the path.
pub(crate) fn read(rel: &str) -> Vec<u8> {
    let path = vectors_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read test vector {}: {e} (set EWAYBILL_VECTORS_DIR)",
            path.display()
        )
    })
}

/// Reads and parses a JSON vector file relative to [`vectors_dir`].
pub(crate) fn read_json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("bad JSON in {rel}: {e}"))
}
