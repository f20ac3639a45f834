//! Who can sign a note.
//!
//! A trait rather than a concrete key type, so the service key (kept in its
//! own file with its own lifecycle), HSM-backed keys and test keys can all
//! sign checkpoints through the same code path.

use crate::crypto::{KeyPair, PublicKey, Signature};

use super::NoteError;
use super::syntax::is_valid_key_name;
use super::verifier_key::{SignatureType, VerifierKey};

/// Something that produces Ed25519 note signatures (signature type `0x01`)
/// under a key name.
pub trait NoteSigner {
    /// The key name written in the signature line (for a log: its origin).
    fn name(&self) -> &str;
    /// The public key; the key id is derived from it and the name.
    fn public_key(&self) -> PublicKey;
    /// Ed25519 signature over `msg` (the note text).
    fn sign(&self, msg: &[u8]) -> Signature;
}

/// A [`NoteSigner`] backed by an in-memory [`KeyPair`], for clients, tests
/// and fixtures.
#[derive(Clone, Debug)]
pub struct KeyPairSigner {
    name: String,
    key: KeyPair,
}

impl KeyPairSigner {
    /// Pairs a key with a name, rejecting names the note format forbids
    /// (empty, whitespace, '+').
    pub fn new(name: impl Into<String>, key: KeyPair) -> Result<Self, NoteError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(NoteError::InvalidKeyName(name));
        }
        Ok(Self { name, key })
    }

    /// The matching verifier key (hand its `to_vkey()` to verifiers).
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::with_valid_name(
            self.name.clone(),
            SignatureType::Ed25519,
            self.key.public_key(),
        )
    }
}

impl NoteSigner for KeyPairSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn sign(&self, msg: &[u8]) -> Signature {
        self.key.sign(msg)
    }
}
