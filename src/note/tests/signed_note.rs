//! Signed-note round trips and strictness.

use super::{b64, signer, unb64};
use crate::crypto::{KeyPair, PublicKey, Signature};
use crate::note::{
    KeyPairSigner, MAX_SIGNATURES, NoteError, NoteSigner, add_signature, open_note, sign_note,
};

const TEXT: &str = "example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n";

fn signed() -> (String, KeyPairSigner) {
    let a = signer("example.com/log", 1);
    (sign_note(TEXT, &a).unwrap(), a)
}

/// Replaces the base64 of the last signature line with `f(raw bytes)`.
fn mutate_last_sig(note: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (head, b64_part) = note.trim_end_matches('\n').rsplit_once(' ').unwrap();
    let mut raw = unb64(b64_part);
    f(&mut raw);
    format!("{head} {}\n", b64(&raw))
}

fn malformed(r: Result<impl std::fmt::Debug, NoteError>) -> bool {
    matches!(r, Err(NoteError::MalformedNote(_)))
}

#[test]
fn round_trip_including_texts_with_blank_lines() {
    let a = signer("a.example/k", 1);
    let vk = a.verifier_key();
    for text in [
        "hello\n",
        "a\n\nb\n",
        "a\n\n",
        "\n",
        "\u{2014} looks like a signature line\n",
        "unicode é ✓\n",
    ] {
        let note = sign_note(text, &a).unwrap();
        assert_eq!(
            note.matches('\u{2014}').count(),
            1 + text.matches('\u{2014}').count()
        );
        let opened = open_note(&note, std::slice::from_ref(&vk)).unwrap();
        assert_eq!(opened.text, text);
        assert_eq!(opened.verified_by, vec!["a.example/k"]);
    }
}

#[test]
fn missing_final_newline_is_rejected() {
    let (note, a) = signed();
    let cut = note.strip_suffix('\n').unwrap();
    assert_eq!(
        open_note(cut, &[a.verifier_key()]),
        Err(NoteError::MalformedNote("missing final newline"))
    );
    assert!(malformed(sign_note("no newline", &a)));
}

#[test]
fn ascii_hyphen_or_other_dash_instead_of_em_dash_is_rejected() {
    let (note, a) = signed();
    let vk = [a.verifier_key()];
    for bad in ["- ", "\u{2013} ", "\u{2014}", "\u{2014}\u{00a0}", "-- "] {
        let forged = note.replace("\u{2014} ", bad);
        assert!(malformed(open_note(&forged, &vk)), "{bad:?}");
    }
}

#[test]
fn tampered_text_is_rejected() {
    let (note, a) = signed();
    let tampered = note.replacen("\n1\n", "\n2\n", 1);
    assert_eq!(
        open_note(&tampered, &[a.verifier_key()]),
        Err(NoteError::InvalidSignature {
            name: "example.com/log".into(),
            key_id: hex::encode(a.verifier_key().key_id()),
        })
    );
}

#[test]
fn bad_signature_bytes_from_known_key_are_rejected() {
    let (note, a) = signed();
    let vk = [a.verifier_key()];
    let flipped = mutate_last_sig(&note, |raw| raw[10] ^= 0x80);
    assert!(matches!(
        open_note(&flipped, &vk),
        Err(NoteError::InvalidSignature { .. })
    ));
    let truncated = mutate_last_sig(&note, |raw| {
        raw.pop();
    });
    assert!(matches!(
        open_note(&truncated, &vk),
        Err(NoteError::InvalidSignature { .. })
    ));
    let extended = mutate_last_sig(&note, |raw| raw.push(0));
    assert!(matches!(
        open_note(&extended, &vk),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn wrong_key_is_not_trusted() {
    let (note, _) = signed();
    // Same name, other key: different key id, so the line is unknown.
    let same_name = signer("example.com/log", 2).verifier_key();
    assert_eq!(
        open_note(&note, &[same_name]),
        Err(NoteError::NoVerifiedSignature)
    );
    let other_name = signer("example.com/other", 1).verifier_key();
    assert_eq!(
        open_note(&note, &[other_name]),
        Err(NoteError::NoVerifiedSignature)
    );
    assert_eq!(open_note(&note, &[]), Err(NoteError::NoVerifiedSignature));
}

#[test]
fn duplicate_signature_lines_are_rejected() {
    let (note, a) = signed();
    let line = &note[note.rfind('\u{2014}').unwrap()..];
    let dup = format!("{note}{line}");
    assert_eq!(
        open_note(&dup, &[a.verifier_key()]),
        Err(NoteError::DuplicateSignature {
            name: "example.com/log".into(),
            key_id: hex::encode(a.verifier_key().key_id()),
        })
    );
    // Also for keys the verifier does not know.
    let other = signer("w.example/1", 3).verifier_key();
    assert!(matches!(
        open_note(&dup, &[other]),
        Err(NoteError::DuplicateSignature { .. })
    ));
}

#[test]
fn signature_count_is_bounded() {
    let (note, a) = signed();
    let unknown = |i: usize| format!("\u{2014} w{i}.example {}\n", b64(&[7u8; 68]));
    let mut at_limit = note.clone();
    for i in 1..MAX_SIGNATURES {
        at_limit.push_str(&unknown(i));
    }
    let opened = open_note(&at_limit, &[a.verifier_key()]).unwrap();
    assert_eq!(opened.unverified, MAX_SIGNATURES - 1);

    let over = format!("{at_limit}{}", unknown(MAX_SIGNATURES));
    assert_eq!(
        open_note(&over, &[a.verifier_key()]),
        Err(NoteError::TooManySignatures)
    );
    assert_eq!(
        add_signature(&at_limit, &signer("late.example", 9)),
        Err(NoteError::TooManySignatures)
    );
}

#[test]
fn non_canonical_base64_is_rejected() {
    let (note, a) = signed();
    let vk = [a.verifier_key()];
    // 68 bytes -> one '=' of padding; drop it.
    let last_pad = note.rfind("=\n").unwrap();
    assert!(last_pad > note.rfind('\u{2014}').unwrap());
    let unpadded = format!("{}\n", &note[..last_pad]);
    assert!(malformed(open_note(&unpadded, &vk)));
    // Set the unused low bits of the last symbol.
    let pos = last_pad - 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let idx = alphabet
        .iter()
        .position(|&c| c == note.as_bytes()[pos])
        .unwrap();
    let mut bytes = note.clone().into_bytes();
    bytes[pos] = alphabet[idx | 1];
    let trailing = String::from_utf8(bytes).unwrap();
    assert_ne!(trailing, note);
    assert!(malformed(open_note(&trailing, &vk)));
    // URL-safe alphabet (only inside the signature's base64).
    let (head, sig_b64) = note.trim_end().rsplit_once(' ').unwrap();
    let urlsafe = format!("{head} {}\n", sig_b64.replace('+', "-").replace('/', "_"));
    if urlsafe != note {
        assert!(malformed(open_note(&urlsafe, &vk)));
    }
}

#[test]
fn framing_errors_are_rejected() {
    let (note, a) = signed();
    let vk = [a.verifier_key()];
    let sig_line = &note[note.rfind('\u{2014}').unwrap()..];
    // No blank line between text and signatures.
    assert!(malformed(open_note(&format!("{TEXT}{sig_line}"), &vk)));
    // No signature lines at all.
    assert!(malformed(open_note(&format!("{TEXT}\n"), &vk)));
    // Control characters.
    assert!(malformed(open_note(&note.replacen("1\n", "1\r\n", 1), &vk)));
    assert!(malformed(open_note(&note.replacen("log", "l\tog", 1), &vk)));
    // Missing space between name and signature.
    assert!(malformed(open_note(&note.replacen("log ", "log", 1), &vk)));
    // Signature shorter than key id + 1 byte.
    let short = format!("{TEXT}\n\u{2014} example.com/log {}\n", b64(&[1, 2, 3, 4]));
    assert!(malformed(open_note(&short, &vk)));
}

#[test]
fn invalid_key_names_in_signature_lines_are_rejected() {
    let (note, a) = signed();
    let vk = [a.verifier_key()];
    for bad in ["example.com/l\u{00a0}og", "example.com/l+og"] {
        let forged = note.replacen("\u{2014} example.com/log", &format!("\u{2014} {bad}"), 1);
        assert!(matches!(
            open_note(&forged, &vk),
            Err(NoteError::InvalidKeyName(_))
        ));
    }
}

#[test]
fn signer_names_and_texts_are_validated() {
    for bad in ["", "a b", "a+b", "a\u{3000}b", "a\u{1}b"] {
        assert!(matches!(
            KeyPairSigner::new(bad, KeyPair::from_seed(&[1; 32])),
            Err(NoteError::InvalidKeyName(_))
        ));
    }
    let a = signer("a.example", 1);
    assert!(malformed(sign_note("", &a)));
    assert!(malformed(sign_note("crlf\r\n", &a)));
    assert!(malformed(sign_note("nul\0\n", &a)));
}

struct MismatchedSigner {
    key: KeyPair,
    claimed: PublicKey,
}

impl NoteSigner for MismatchedSigner {
    fn name(&self) -> &str {
        "a.example"
    }
    fn public_key(&self) -> PublicKey {
        self.claimed
    }
    fn sign(&self, msg: &[u8]) -> Signature {
        self.key.sign(msg)
    }
}

#[test]
fn signer_whose_key_does_not_match_is_rejected() {
    let bad = MismatchedSigner {
        key: KeyPair::from_seed(&[1; 32]),
        claimed: KeyPair::from_seed(&[2; 32]).public_key(),
    };
    assert_eq!(sign_note("x\n", &bad), Err(NoteError::SignerMismatch));
}

#[test]
fn add_signature_cosigns_and_replaces_own_line() {
    let (note, a) = signed();
    let b = signer("witness.example/b", 2);
    let both = add_signature(&note, &b).unwrap();
    assert!(both.starts_with(&note));
    let opened = open_note(&both, &[a.verifier_key(), b.verifier_key()]).unwrap();
    assert_eq!(
        opened.verified_by,
        vec!["example.com/log", "witness.example/b"]
    );
    assert_eq!(opened.text, TEXT);

    // Re-adding an existing key's signature does not duplicate it.
    let again = add_signature(&both, &a).unwrap();
    assert_eq!(again.matches('\u{2014}').count(), 2);
    let opened = open_note(&again, &[a.verifier_key(), b.verifier_key()]).unwrap();
    assert_eq!(
        opened.verified_by,
        vec!["witness.example/b", "example.com/log"]
    );

    // Unknown existing lines are preserved verbatim.
    let only_b = open_note(&both, &[b.verifier_key()]).unwrap();
    assert_eq!(only_b.unverified, 1);

    assert!(add_signature(TEXT, &b).is_err());
}

#[test]
fn ambiguous_verifiers_are_rejected() {
    let (note, a) = signed();
    assert!(matches!(
        open_note(&note, &[a.verifier_key(), a.verifier_key()]),
        Err(NoteError::AmbiguousVerifiers { .. })
    ));
}
