//! Lexical rules shared by the note formats.
//!
//! Every format here is compared and hashed as exact bytes, so each value
//! must have exactly one accepted spelling: base64 must be canonical, decimals
//! must have no sign or leading zeros. Otherwise two different texts could
//! carry the same meaning and, for example, a checkpoint could be re-encoded
//! without invalidating anything that indexes it by its bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A key name per c2sp.org/signed-note: non-empty, no Unicode whitespace,
/// no '+' (the vkey field separator). Control characters are also refused:
/// a signed note can never contain them, so such a name could never appear
/// in a valid note.
pub(crate) fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c < ' ')
}

/// True if `s` has no ASCII control character other than newline, as
/// signed notes require (this rules out '\r', so CRLF text is rejected
/// rather than silently producing a different signed message).
pub(crate) fn has_only_note_chars(s: &str) -> bool {
    !s.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// Standard (RFC 4648 §4) padded base64.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard padded base64, accepting only the canonical encoding
/// (correct padding, zero trailing bits), checked by re-encoding.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(s).ok()?;
    (STANDARD.encode(&bytes) == s).then_some(bytes)
}

/// Decodes a base64 SHA-256 hash (exactly 32 bytes).
pub fn decode_hash(s: &str) -> Option<[u8; 32]> {
    decode_base64(s)?.try_into().ok()
}

/// Parses an ASCII decimal with no sign and no leading zeros (except "0").
/// `u64::from_str` alone would accept "+5" and "007".
pub fn parse_decimal_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}
