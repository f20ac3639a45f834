//! C2SP transparency-log text formats: signed notes, checkpoints and
//! `tlog-proof` bundles.
//!
//! The ledger's event log is published as a transparency log. Its signed
//! tree heads must be readable by the existing ecosystem (Go
//! `golang.org/x/mod/sumdb/note`, transparency-dev witnesses, monitors), so
//! they follow the C2SP text formats byte for byte instead of a home-grown
//! JSON envelope:
//!
//! - [`signed_note`]: <https://c2sp.org/signed-note> — text, a blank line,
//!   then `— <name> <base64(key id || signature)>` lines.
//! - [`verifier_key`]: key ids and `vkey` strings (`<name>+<hex id>+<base64>`).
//! - [`checkpoint`]: <https://c2sp.org/tlog-checkpoint> — origin, tree size,
//!   root hash.
//! - [`tlog_proof`]: <https://c2sp.org/tlog-proof> — a leaf index, its
//!   inclusion proof and the signed checkpoint in one offline-checkable file.
//!
//! Witness cosignatures (<https://c2sp.org/tlog-cosignature>, Ed25519
//! `cosignature/v1`, signature type `0x04`) are verified when the caller
//! supplies the cosigner's key, and produced by [`cosignature`] for
//! `ewaybill witness`. Merkle hashing and proof verification live elsewhere: this
//! module only parses and serializes, and checks signatures.

#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod checkpoint;
pub mod cosignature;
pub mod signed_note;
pub mod signer;
mod syntax;
#[cfg(test)]
mod tests;
pub mod tlog_proof;
pub mod verifier_key;

pub use checkpoint::Checkpoint;
pub use cosignature::{cosignature_line, cosigner_key};
pub use signed_note::{MAX_SIGNATURES, OpenedNote, add_signature, open_note, sign_note};
pub use signer::{KeyPairSigner, NoteSigner};
pub use syntax::{decode_hash, parse_decimal_u64};
pub use tlog_proof::{MAX_PROOF_HASHES, TLOG_PROOF_HEADER, TlogProof};
pub use verifier_key::{SignatureType, VerifierKey, key_id, key_id_for};

use crate::crypto::CryptoError;

/// Errors produced while parsing, signing or verifying the note formats.
///
/// "Malformed" variants mean the bytes do not follow the format; the
/// signature variants mean the format is fine but authentication failed.
/// Callers treat the two differently (reject input vs. raise an alarm about
/// a possibly misbehaving log), so they are kept apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The signed-note framing is wrong (no blank line, no final newline,
    /// missing em dash, bad base64, control characters, ...).
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// A key name is empty or contains whitespace, '+' or control characters.
    #[error(
        "invalid key name {0:?}: must be non-empty without whitespace, '+' or control characters"
    )]
    InvalidKeyName(String),
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("signed note has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// Two signature lines carry the same key name and key id.
    #[error("duplicate signature lines for key {name}+{key_id}")]
    DuplicateSignature {
        /// Key name of the repeated line.
        name: String,
        /// Key id, 8 lowercase hex digits.
        key_id: String,
    },
    /// A signature from a known key (name and key id match) does not verify.
    #[error("signature by known key {name}+{key_id} does not verify")]
    InvalidSignature {
        /// Key name of the failing signature line.
        name: String,
        /// Key id, 8 lowercase hex digits.
        key_id: String,
    },
    /// No signature line came from a known key, so the text is untrusted.
    #[error("no signature from a known key")]
    NoVerifiedSignature,
    /// Two configured verifier keys share a name and key id.
    #[error("ambiguous verifier keys: more than one key named {name}+{key_id}")]
    AmbiguousVerifiers {
        /// The shared key name.
        name: String,
        /// The shared key id, 8 lowercase hex digits.
        key_id: String,
    },
    /// A [`NoteSigner`] produced a signature its own public key rejects.
    #[error("signer's signature does not verify under its public key")]
    SignerMismatch,
    /// A vkey string does not have the form `<name>+<8 hex>+<base64>`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// The key id in a vkey is not the one computed from its name and key.
    #[error("verifier key id {claimed} does not match computed key id {computed}")]
    VerifierKeyIdMismatch {
        /// Key id written in the vkey.
        claimed: String,
        /// Key id computed from the name and public key.
        computed: String,
    },
    /// A vkey names a signature type this module does not implement.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedSignatureType(u8),
    /// The public key in a vkey is not an acceptable Ed25519 key.
    #[error("invalid public key in verifier key: {0}")]
    InvalidPublicKey(#[source] CryptoError),
    /// A key of the wrong signature type was supplied for a role.
    #[error("wrong key type: {0}")]
    KeyTypeMismatch(&'static str),
    /// The checkpoint body does not follow c2sp.org/tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// The checkpoint origin is not the log key's name.
    #[error("checkpoint origin {origin:?} does not match log key name {key_name:?}")]
    OriginMismatch {
        /// Origin line of the checkpoint.
        origin: String,
        /// Name of the log's verifier key.
        key_name: String,
    },
    /// The proof text does not follow c2sp.org/tlog-proof.
    #[error("malformed tlog-proof: {0}")]
    MalformedProof(&'static str),
}
