//! Key ids and verifier keys ("vkeys").
//!
//! A signature line names its key only by `(name, 4-byte key id)`, so a
//! verifier must be configured with the public key out of band. The vkey
//! string `<name>+<8 hex key id>+<base64(type byte || public key)>` is the
//! format the Go `sumdb/note` package and the C2SP witness ecosystem use to
//! configure that, so logs and witnesses can be set up with one string.

use std::fmt;
use std::str::FromStr;

use crate::crypto::{PublicKey, Signature, sha256};

use super::NoteError;
use super::syntax::{decode_base64, encode_base64, is_valid_key_name};

/// Signature types (the type byte in key ids and vkeys) this module verifies.
///
/// The spec advises supporting as few types as possible; these two are the
/// log's own signature and the witness cosignature over it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// `0x01`: plain Ed25519 over the note text (c2sp.org/signed-note).
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature
    /// (c2sp.org/tlog-cosignature, `cosignature/v1`).
    CosignatureV1,
}

impl SignatureType {
    /// The identifier byte assigned by c2sp.org/signed-note.
    pub const fn id(self) -> u8 {
        match self {
            Self::Ed25519 => 0x01,
            Self::CosignatureV1 => 0x04,
        }
    }

    /// The type for an identifier byte, if supported.
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            0x01 => Some(Self::Ed25519),
            0x04 => Some(Self::CosignatureV1),
            _ => None,
        }
    }
}

/// Ed25519 note key id: `SHA-256(name || 0x0A || 0x01 || public key)[:4]`.
///
/// Hashing the name and type in means the same key under another name or
/// signature type gets a different id, so signatures cannot be confused
/// across roles.
pub fn key_id(name: &str, public_key: &PublicKey) -> [u8; 4] {
    key_id_for(name, SignatureType::Ed25519, public_key)
}

/// Key id for any supported type:
/// `SHA-256(name || 0x0A || type byte || public key)[:4]`.
pub fn key_id_for(name: &str, signature_type: SignatureType, public_key: &PublicKey) -> [u8; 4] {
    let mut buf = Vec::with_capacity(name.len() + 2 + 32);
    buf.extend_from_slice(name.as_bytes());
    buf.push(b'\n');
    buf.push(signature_type.id());
    buf.extend_from_slice(public_key.as_bytes());
    let digest = sha256(&buf);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A trusted key able to verify signature lines: name, key id, public key
/// and signature type. Fields are private so the key id always matches the
/// name and key it was computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: [u8; 4],
    public_key: PublicKey,
    signature_type: SignatureType,
}

impl VerifierKey {
    /// An Ed25519 note verifier (type `0x01`) for `name`.
    pub fn from_public_key(name: &str, public_key: PublicKey) -> Result<Self, NoteError> {
        Self::new(name, SignatureType::Ed25519, public_key)
    }

    /// A `cosignature/v1` witness verifier (type `0x04`) for `name`.
    pub fn cosigner_from_public_key(name: &str, public_key: PublicKey) -> Result<Self, NoteError> {
        Self::new(name, SignatureType::CosignatureV1, public_key)
    }

    /// A verifier of the given type; the key id is computed.
    pub fn new(
        name: &str,
        signature_type: SignatureType,
        public_key: PublicKey,
    ) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName(name.to_owned()));
        }
        Ok(Self::with_valid_name(
            name.to_owned(),
            signature_type,
            public_key,
        ))
    }

    /// Builds the key for a name the caller has already validated.
    pub(crate) fn with_valid_name(
        name: String,
        signature_type: SignatureType,
        public_key: PublicKey,
    ) -> Self {
        Self {
            key_id: key_id_for(&name, signature_type, &public_key),
            name,
            public_key,
            signature_type,
        }
    }

    /// Parses `<name>+<8 lowercase hex key id>+<base64(type || key)>`.
    ///
    /// Splits on the first two '+' only: the name cannot contain '+', but
    /// standard base64 can. The key id is recomputed and must match, which
    /// catches copy/paste damage and keys relabelled under another name.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedVerifierKey(
                "expected <name>+<key id>+<key>",
            ));
        };
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName(name.to_owned()));
        }
        // Lowercase only, so that parse/to_vkey round-trips byte for byte.
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(NoteError::MalformedVerifierKey(
                "key id must be 8 lowercase hex digits",
            ));
        }
        let mut claimed = [0u8; 4];
        hex::decode_to_slice(id_hex, &mut claimed).map_err(|_| {
            NoteError::MalformedVerifierKey("key id must be 8 lowercase hex digits")
        })?;
        let key = decode_base64(key_b64).ok_or(NoteError::MalformedVerifierKey(
            "key must be canonical standard base64",
        ))?;
        let (&type_id, key_bytes) = key
            .split_first()
            .ok_or(NoteError::MalformedVerifierKey("empty key"))?;
        let signature_type =
            SignatureType::from_id(type_id).ok_or(NoteError::UnsupportedSignatureType(type_id))?;
        let public_key = PublicKey::from_bytes(key_bytes).map_err(NoteError::InvalidPublicKey)?;
        let verifier = Self::new(name, signature_type, public_key)?;
        if verifier.key_id != claimed {
            return Err(NoteError::VerifierKeyIdMismatch {
                claimed: id_hex.to_owned(),
                computed: hex::encode(verifier.key_id),
            });
        }
        Ok(verifier)
    }

    /// The vkey string (inverse of [`VerifierKey::parse`]).
    pub fn to_vkey(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(self.signature_type.id());
        key.extend_from_slice(self.public_key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            encode_base64(&key)
        )
    }

    /// The key name, as written in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id, as prefixed to signatures.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Which signature scheme this key verifies.
    pub fn signature_type(&self) -> SignatureType {
        self.signature_type
    }

    /// Verifies `sig` (the signature bytes after the key id) over the note
    /// `text`. Returns the cosignature timestamp for `cosignature/v1` keys.
    /// Any length or encoding problem counts as a failed signature: the line
    /// claimed to be from this key and is not.
    pub(crate) fn verify(&self, text: &str, sig: &[u8]) -> Result<Option<u64>, ()> {
        match self.signature_type {
            SignatureType::Ed25519 => {
                let sig = Signature::from_bytes(sig).map_err(|_| ())?;
                self.public_key
                    .verify(text.as_bytes(), &sig)
                    .map_err(|_| ())?;
                Ok(None)
            }
            SignatureType::CosignatureV1 => {
                let (timestamp, sig) = parse_cosignature(sig).ok_or(())?;
                let msg = cosignature_message(timestamp, text);
                self.public_key
                    .verify(msg.as_bytes(), &sig)
                    .map_err(|_| ())?;
                Ok(Some(timestamp))
            }
        }
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Splits a `timestamped_signature` (u64 big-endian timestamp || 64-byte
/// Ed25519 signature). Timestamps above 2^63 - 1 are invalid per spec.
pub(crate) fn parse_cosignature(sig: &[u8]) -> Option<(u64, Signature)> {
    if sig.len() != 8 + 64 {
        return None;
    }
    let (ts, sig) = sig.split_at(8);
    let timestamp = u64::from_be_bytes(ts.try_into().ok()?);
    if timestamp > i64::MAX as u64 {
        return None;
    }
    Some((timestamp, Signature::from_bytes(sig).ok()?))
}

/// The message a `cosignature/v1` signs: a domain-separation header, the
/// timestamp line, then the whole note text (checkpoint body).
pub(crate) fn cosignature_message(timestamp: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}
