//! Transparency log proofs (c2sp.org/tlog-proof): one text file that proves,
//! offline, that an entry is in the log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64 opaque data>]
//! index <leaf index, decimal>
//! [<base64 inclusion proof hash>...]
//! <blank line>
//! <signed checkpoint, verbatim>
//! ```
//!
//! A holder checks it with only the log's key (and witness keys):
//! [`TlogProof::open_checkpoint`] verifies the checkpoint signature, then
//! the Merkle module's `verify_inclusion(leaf_hash, proof.index,
//! checkpoint.size, &proof.proof, checkpoint.root_hash)` ties the entry to
//! it. This module deliberately does no Merkle hashing.

use super::NoteError;
use super::checkpoint::Checkpoint;
use super::signed_note::{OpenedNote, parse_note};
use super::syntax::{decode_base64, decode_hash, encode_base64, parse_decimal_u64};
use super::verifier_key::VerifierKey;

/// First line of every tlog-proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Upper bound on inclusion proof length: a tree of at most 2^64 - 1 leaves
/// has height at most 64, so longer proofs are garbage (and bounded input
/// keeps parsing cheap).
pub const MAX_PROOF_HASHES: usize = 64;

/// A parsed tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Optional opaque application data (`extra` line). NOT authenticated:
    /// never trust it without checking it against the verified entry.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// RFC 6962 inclusion proof, from the leaf's sibling up to the root's
    /// child.
    pub proof: Vec<[u8; 32]>,
    /// The signed checkpoint note, verbatim (signature lines included).
    pub checkpoint: String,
}

impl TlogProof {
    /// Serializes the proof. Fails if `extra` is `Some` but empty (the spec
    /// says to omit the line when there is no extra data), if the proof is
    /// too long, or if `checkpoint` is not a syntactically valid signed
    /// checkpoint.
    pub fn to_text(&self) -> Result<String, NoteError> {
        if self.proof.len() > MAX_PROOF_HASHES {
            return Err(NoteError::MalformedProof("too many inclusion proof hashes"));
        }
        check_checkpoint_syntax(&self.checkpoint)?;
        let mut out = String::with_capacity(128 + 45 * self.proof.len() + self.checkpoint.len());
        out.push_str(TLOG_PROOF_HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            if extra.is_empty() {
                return Err(NoteError::MalformedProof(
                    "empty extra data must be omitted (None)",
                ));
            }
            out.push_str("extra ");
            out.push_str(&encode_base64(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            out.push_str(&encode_base64(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        Ok(out)
    }

    /// Parses a tlog-proof. Checks the syntax of everything, including the
    /// embedded checkpoint, but verifies no signature (see
    /// [`TlogProof::open_checkpoint`]).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let rest = text
            .strip_prefix(TLOG_PROOF_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(NoteError::MalformedProof(
                "first line must be c2sp.org/tlog-proof@v1",
            ))?;
        let (mut line, mut rest) = next_line(rest)?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            let data = decode_base64(b64).ok_or(NoteError::MalformedProof(
                "extra must be canonical standard base64",
            ))?;
            if data.is_empty() {
                return Err(NoteError::MalformedProof("empty extra data"));
            }
            extra = Some(data);
            (line, rest) = next_line(rest)?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal_u64)
            .ok_or(NoteError::MalformedProof(
                "expected 'index <decimal without leading zeros>'",
            ))?;
        let mut proof = Vec::new();
        loop {
            (line, rest) = next_line(rest)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(NoteError::MalformedProof("too many inclusion proof hashes"));
            }
            proof.push(decode_hash(line).ok_or(NoteError::MalformedProof(
                "proof hash must be canonical standard base64 of 32 bytes",
            ))?);
        }
        check_checkpoint_syntax(rest)?;
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// Verifies the embedded checkpoint with the log key (see
    /// [`Checkpoint::open`]) and checks `index < size`. On success, run the
    /// Merkle inclusion check against the returned checkpoint.
    pub fn open_checkpoint(&self, log: &VerifierKey) -> Result<Checkpoint, NoteError> {
        self.open_checkpoint_cosigned(log, &[])
            .map(|(checkpoint, _)| checkpoint)
    }

    /// Like [`TlogProof::open_checkpoint`], also verifying witness
    /// cosignatures (see [`Checkpoint::open_cosigned`]).
    pub fn open_checkpoint_cosigned(
        &self,
        log: &VerifierKey,
        cosigners: &[VerifierKey],
    ) -> Result<(Checkpoint, OpenedNote), NoteError> {
        let (checkpoint, opened) = Checkpoint::open_cosigned(&self.checkpoint, log, cosigners)?;
        if self.index >= checkpoint.size {
            return Err(NoteError::MalformedProof(
                "index is not below the checkpoint tree size",
            ));
        }
        Ok((checkpoint, opened))
    }
}

/// Splits off one newline-terminated line.
fn next_line(s: &str) -> Result<(&str, &str), NoteError> {
    s.split_once('\n')
        .ok_or(NoteError::MalformedProof("truncated: missing line"))
}

/// The checkpoint must be a well-formed signed note whose text is a valid
/// checkpoint body (signatures are verified later, by the holder).
fn check_checkpoint_syntax(checkpoint: &str) -> Result<(), NoteError> {
    let parsed = parse_note(checkpoint)?;
    Checkpoint::parse_body(parsed.text).map(|_| ())
}
