//! Signed notes (c2sp.org/signed-note): signing, cosigning and opening.
//!
//! ```text
//! <text, ending in a newline>
//! <blank line>
//! — <key name> <base64(4-byte key id || signature)>
//! ...
//! ```
//!
//! The signed message is the text including its final newline but not the
//! blank line. The text may itself contain blank lines; the *last* blank
//! line separates it from the signatures, and because signature lines are
//! never empty this split is unambiguous for any text ending in a newline.
//!
//! Parsing is strict (exact em dash, canonical base64, no control
//! characters, no duplicate keys, bounded signature count) because a note is
//! authenticated as exact bytes: any leniency is a second encoding of the
//! same statement that other implementations may read differently.

use std::collections::HashSet;

use super::NoteError;
use super::signer::NoteSigner;
use super::syntax::{decode_base64, encode_base64, has_only_note_chars, is_valid_key_name};
use super::verifier_key::{VerifierKey, key_id};

/// Maximum number of signature lines accepted (the spec requires at least
/// 16; 100 matches Go's `sumdb/note` and bounds the work an attacker can
/// make a verifier do).
pub const MAX_SIGNATURES: usize = 100;

/// Signature line prefix: U+2014 EM DASH, then a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// The result of [`open_note`]: the now-trusted text and who vouched for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// The note text, including its final newline (the signed message).
    pub text: String,
    /// Names of the known keys whose signatures verified, in line order.
    pub verified_by: Vec<String>,
    /// Number of signature lines from keys the caller did not supply
    /// (ignored, as the spec requires: e.g. other witnesses, rotated keys).
    pub unverified: usize,
    /// `(cosigner name, POSIX timestamp)` of each verified
    /// `cosignature/v1`, so callers can apply freshness policies.
    pub cosignature_times: Vec<(String, u64)>,
}

/// One syntactically valid signature line.
pub(crate) struct SignatureLine<'a> {
    /// The whole line without its newline, for re-emitting it verbatim.
    pub(crate) line: &'a str,
    pub(crate) name: &'a str,
    pub(crate) key_id: [u8; 4],
    /// The signature bytes after the key id.
    pub(crate) signature: Vec<u8>,
}

/// A note split into text and signature lines, nothing verified yet.
pub(crate) struct ParsedNote<'a> {
    pub(crate) text: &'a str,
    pub(crate) signatures: Vec<SignatureLine<'a>>,
}

/// Splits and syntax-checks a signed note without verifying signatures.
pub(crate) fn parse_note(note: &str) -> Result<ParsedNote<'_>, NoteError> {
    if !has_only_note_chars(note) {
        return Err(NoteError::MalformedNote(
            "control character other than newline",
        ));
    }
    if !note.ends_with('\n') {
        return Err(NoteError::MalformedNote("missing final newline"));
    }
    let split = note.rfind("\n\n").ok_or(NoteError::MalformedNote(
        "no blank line before the signatures",
    ))?;
    let text = &note[..=split];
    let block = &note[split + 2..];
    let Some(block) = block.strip_suffix('\n') else {
        return Err(NoteError::MalformedNote("no signature lines"));
    };
    let mut signatures = Vec::new();
    let mut seen = HashSet::new();
    for line in block.split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let sig = parse_signature_line(line)?;
        if !seen.insert((sig.name, sig.key_id)) {
            return Err(NoteError::DuplicateSignature {
                name: sig.name.to_owned(),
                key_id: hex::encode(sig.key_id),
            });
        }
        signatures.push(sig);
    }
    Ok(ParsedNote { text, signatures })
}

/// Parses `— <name> <base64(key id || signature)>` (no newline).
fn parse_signature_line(line: &str) -> Result<SignatureLine<'_>, NoteError> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(NoteError::MalformedNote(
            "signature line must start with an em dash (U+2014) and a space",
        ))?;
    let (name, b64) = rest.split_once(' ').ok_or(NoteError::MalformedNote(
        "signature line must be '— <name> <base64>'",
    ))?;
    if !is_valid_key_name(name) {
        return Err(NoteError::InvalidKeyName(name.to_owned()));
    }
    let raw = decode_base64(b64).ok_or(NoteError::MalformedNote(
        "signature is not canonical standard base64",
    ))?;
    if raw.len() < 5 {
        return Err(NoteError::MalformedNote(
            "signature shorter than key id plus one byte",
        ));
    }
    let (id, signature) = raw.split_at(4);
    Ok(SignatureLine {
        line,
        name,
        key_id: [id[0], id[1], id[2], id[3]],
        signature: signature.to_vec(),
    })
}

/// Checks that `text` can be the text of a signed note.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::MalformedNote(
            "note text must end with a newline",
        ));
    }
    if !has_only_note_chars(text) {
        return Err(NoteError::MalformedNote(
            "control character other than newline",
        ));
    }
    Ok(())
}

/// Signs `text` and returns the signature line (with its newline).
///
/// The fresh signature is checked against the signer's own public key, so
/// a misconfigured signer (key and name out of sync) fails here instead of
/// publishing a note nobody can verify.
fn signature_line(text: &str, signer: &dyn NoteSigner) -> Result<(String, [u8; 4]), NoteError> {
    let name = signer.name();
    if !is_valid_key_name(name) {
        return Err(NoteError::InvalidKeyName(name.to_owned()));
    }
    let public_key = signer.public_key();
    let signature = signer.sign(text.as_bytes());
    public_key
        .verify(text.as_bytes(), &signature)
        .map_err(|_| NoteError::SignerMismatch)?;
    let id = key_id(name, &public_key);
    let mut raw = Vec::with_capacity(4 + 64);
    raw.extend_from_slice(&id);
    raw.extend_from_slice(&signature.to_bytes());
    Ok((format!("{SIG_PREFIX}{name} {}\n", encode_base64(&raw)), id))
}

/// Signs `text` (which must end with a newline) and returns the signed note:
/// `text`, a blank line, one signature line.
pub fn sign_note(text: &str, signer: &dyn NoteSigner) -> Result<String, NoteError> {
    check_text(text)?;
    let (line, _) = signature_line(text, signer)?;
    Ok(format!("{text}\n{line}"))
}

/// Adds `signer`'s signature to an existing signed note (cosigning).
///
/// Existing signatures are kept verbatim but NOT verified here: call
/// [`open_note`] first if the signer must only vouch for verified text. A
/// previous line by the same key (name and key id) is replaced, so
/// re-signing is idempotent rather than producing a duplicate line.
pub fn add_signature(note: &str, signer: &dyn NoteSigner) -> Result<String, NoteError> {
    let parsed = parse_note(note)?;
    let (new_line, new_id) = signature_line(parsed.text, signer)?;
    let kept: Vec<&SignatureLine<'_>> = parsed
        .signatures
        .iter()
        .filter(|s| !(s.name == signer.name() && s.key_id == new_id))
        .collect();
    if kept.len() + 1 > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    let mut out = String::with_capacity(note.len() + new_line.len());
    out.push_str(parsed.text);
    out.push('\n');
    for sig in kept {
        out.push_str(sig.line);
        out.push('\n');
    }
    out.push_str(&new_line);
    Ok(out)
}

/// Parses `note` and verifies it against the trusted `verifiers`.
///
/// - Lines whose (name, key id) match no verifier are ignored (counted in
///   [`OpenedNote::unverified`]), as the spec requires, so that witnesses
///   and key rotation do not break existing clients.
/// - A line from a known key whose signature fails rejects the whole note:
///   a known key never signs a different text, so this is tampering.
/// - At least one known key must have signed, else
///   [`NoteError::NoVerifiedSignature`].
pub fn open_note(note: &str, verifiers: &[VerifierKey]) -> Result<OpenedNote, NoteError> {
    for (i, a) in verifiers.iter().enumerate() {
        if verifiers[i + 1..]
            .iter()
            .any(|b| a.name() == b.name() && a.key_id() == b.key_id())
        {
            return Err(NoteError::AmbiguousVerifiers {
                name: a.name().to_owned(),
                key_id: hex::encode(a.key_id()),
            });
        }
    }
    let parsed = parse_note(note)?;
    let mut opened = OpenedNote {
        text: parsed.text.to_owned(),
        verified_by: Vec::new(),
        unverified: 0,
        cosignature_times: Vec::new(),
    };
    for sig in &parsed.signatures {
        let Some(verifier) = verifiers
            .iter()
            .find(|v| v.name() == sig.name && v.key_id() == sig.key_id)
        else {
            opened.unverified += 1;
            continue;
        };
        let timestamp = verifier.verify(parsed.text, &sig.signature).map_err(|()| {
            NoteError::InvalidSignature {
                name: sig.name.to_owned(),
                key_id: hex::encode(sig.key_id),
            }
        })?;
        opened.verified_by.push(sig.name.to_owned());
        if let Some(timestamp) = timestamp {
            opened
                .cosignature_times
                .push((sig.name.to_owned(), timestamp));
        }
    }
    if opened.verified_by.is_empty() {
        return Err(NoteError::NoVerifiedSignature);
    }
    Ok(opened)
}
