//! Checkpoints (c2sp.org/tlog-checkpoint): the log's signed tree head.
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 RFC 6962 root hash>
//! [<extension line>...]
//! ```
//!
//! The body is the text of a signed note. Parsing is strict so that each
//! tree head has exactly one body: witnesses and monitors compare
//! checkpoints, and two spellings of one tree head would look like a fork
//! (or hide one).

use super::NoteError;
use super::signed_note::{OpenedNote, open_note, sign_note};
use super::signer::NoteSigner;
use super::syntax::{decode_hash, encode_base64, has_only_note_chars, parse_decimal_u64};
use super::verifier_key::{SignatureType, VerifierKey};

/// A transparency log tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique log identity; by convention (and enforced by [`Checkpoint::open`])
    /// also the log key's name.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 Merkle tree root hash at `size`.
    pub root_hash: [u8; 32],
    /// Opaque, non-empty extension lines (NOT RECOMMENDED by the spec:
    /// monitors cannot audit them).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: one line each for origin, size, root and extensions,
    /// each ending in a newline. Not validated; [`Checkpoint::sign`] checks
    /// that it parses back to `self`.
    pub fn to_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            encode_base64(&self.root_hash)
        );
        for ext in &self.extensions {
            body.push_str(ext);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body (the note text, final newline included).
    ///
    /// Requires: at least three lines, none empty; size in decimal without
    /// sign or leading zeros (except "0"); root as canonical standard base64
    /// of exactly 32 bytes; no control characters.
    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        if !has_only_note_chars(body) {
            return Err(NoteError::MalformedCheckpoint(
                "control character other than newline",
            ));
        }
        let lines = body
            .strip_suffix('\n')
            .ok_or(NoteError::MalformedCheckpoint(
                "body must end with a newline",
            ))?;
        let mut lines = lines.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(NoteError::MalformedCheckpoint("empty origin"));
        }
        let size = lines
            .next()
            .ok_or(NoteError::MalformedCheckpoint("missing tree size"))?;
        let size = parse_decimal_u64(size).ok_or(NoteError::MalformedCheckpoint(
            "tree size must be a decimal without leading zeros",
        ))?;
        let root = lines
            .next()
            .ok_or(NoteError::MalformedCheckpoint("missing root hash"))?;
        let root_hash = decode_hash(root).ok_or(NoteError::MalformedCheckpoint(
            "root hash must be canonical standard base64 of 32 bytes",
        ))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::MalformedCheckpoint("empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root_hash,
            extensions,
        })
    }

    /// Signs the checkpoint as a note. The signer's key name must equal the
    /// origin (see [`Checkpoint::open`]), and the body must round-trip
    /// (catches an origin or extension containing a newline).
    pub fn sign(&self, signer: &dyn NoteSigner) -> Result<String, NoteError> {
        let body = self.to_body();
        if Self::parse_body(&body)? != *self {
            return Err(NoteError::MalformedCheckpoint(
                "fields do not round-trip (newline in origin or extension?)",
            ));
        }
        if signer.name() != self.origin {
            return Err(NoteError::OriginMismatch {
                origin: self.origin.clone(),
                key_name: signer.name().to_owned(),
            });
        }
        sign_note(&body, signer)
    }

    /// Verifies a signed checkpoint from the log whose key is `log` and
    /// parses it. Signatures from other keys (witnesses) are ignored.
    ///
    /// The origin must equal the log key's name: one key might sign several
    /// logs, and without this check a tree head of another log would be
    /// accepted as this one's.
    pub fn open(note: &str, log: &VerifierKey) -> Result<Self, NoteError> {
        Self::open_cosigned(note, log, &[]).map(|(checkpoint, _)| checkpoint)
    }

    /// Like [`Checkpoint::open`], and also verifies any signatures from
    /// `cosigners` (typically `cosignature/v1` witness keys). The log's own
    /// signature is required; cosignatures are optional here, and the
    /// returned [`OpenedNote`] lists the ones that verified so the caller
    /// can apply its witness quorum policy.
    pub fn open_cosigned(
        note: &str,
        log: &VerifierKey,
        cosigners: &[VerifierKey],
    ) -> Result<(Self, OpenedNote), NoteError> {
        if log.signature_type() != SignatureType::Ed25519 {
            return Err(NoteError::KeyTypeMismatch(
                "the log key must be an Ed25519 note key (type 0x01)",
            ));
        }
        // Pass 1 proves the log itself signed; pass 2 checks everything
        // else (a witness alone must never be enough).
        open_note(note, std::slice::from_ref(log))?;
        let mut all = Vec::with_capacity(1 + cosigners.len());
        all.push(log.clone());
        all.extend_from_slice(cosigners);
        let opened = open_note(note, &all)?;
        let checkpoint = Self::parse_body(&opened.text)?;
        if checkpoint.origin != log.name() {
            return Err(NoteError::OriginMismatch {
                origin: checkpoint.origin,
                key_name: log.name().to_owned(),
            });
        }
        Ok((checkpoint, opened))
    }
}
