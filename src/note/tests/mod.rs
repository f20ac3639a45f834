//! Unit tests for the note formats: upstream/generated vectors first, then
//! per-format round trips and negative cases.

mod checkpoint;
mod signed_note;
mod tlog_proof;
mod vectors;
mod verifier_key;

use crate::crypto::KeyPair;
use crate::crypto::test_vectors::read_json;

use super::KeyPairSigner;

/// The upstream signed-note vectors (Go x/mod, C2SP, transparency-dev).
fn upstream() -> serde_json::Value {
    read_json("tlog/signed-note/signed-note-upstream-vectors.json")
}

/// The self-generated checkpoint + cosignature vector.
fn generated() -> serde_json::Value {
    read_json("tlog/signed-note/checkpoint-cosignature-generated.json")
}

/// A string field of a JSON vector.
fn s<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} missing"))
}

/// A deterministic test signer.
fn signer(name: &str, seed_byte: u8) -> KeyPairSigner {
    KeyPairSigner::new(name, KeyPair::from_seed(&[seed_byte; 32])).unwrap()
}

/// Standard base64, for building malformed inputs.
fn b64(bytes: &[u8]) -> String {
    super::syntax::encode_base64(bytes)
}

/// Strict standard base64 decode, for taking vectors apart.
fn unb64(s: &str) -> Vec<u8> {
    super::syntax::decode_base64(s).unwrap()
}
