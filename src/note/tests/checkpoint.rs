//! Checkpoint body strictness and signing.

use super::{b64, signer};
use crate::note::{Checkpoint, NoteError, VerifierKey, open_note, sign_note};

const ORIGIN: &str = "example.com/ewaybill";

fn sample() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        size: 8,
        root_hash: [0x5d; 32],
        extensions: vec![],
    }
}

fn bad_body(body: &str) -> bool {
    matches!(
        Checkpoint::parse_body(body),
        Err(NoteError::MalformedCheckpoint(_))
    )
}

#[test]
fn body_round_trips() {
    let root = b64(&[0x5d; 32]);
    for cp in [
        sample(),
        Checkpoint {
            size: 0,
            ..sample()
        },
        Checkpoint {
            size: u64::MAX,
            extensions: vec!["ext one".into(), "— ext two".into()],
            ..sample()
        },
        Checkpoint {
            origin: "origin with spaces+plus".into(),
            ..sample()
        },
    ] {
        let body = cp.to_body();
        assert_eq!(Checkpoint::parse_body(&body).unwrap(), cp);
    }
    assert_eq!(sample().to_body(), format!("{ORIGIN}\n8\n{root}\n"));
}

#[test]
fn tree_size_must_be_canonical_decimal() {
    let root = b64(&[0x5d; 32]);
    assert_eq!(
        Checkpoint::parse_body(&format!("{ORIGIN}\n0\n{root}\n"))
            .unwrap()
            .size,
        0
    );
    for size in [
        "08",
        "00",
        "+8",
        "-1",
        " 8",
        "8 ",
        "",
        "0x8",
        "8.0",
        "18446744073709551616",
        "٨",
    ] {
        assert!(bad_body(&format!("{ORIGIN}\n{size}\n{root}\n")), "{size:?}");
    }
}

#[test]
fn root_hash_must_be_32_bytes_canonical_base64() {
    let good = b64(&[0xfb; 32]);
    assert!(good.contains('+') || good.contains('/'));
    assert!(!bad_body(&format!("{ORIGIN}\n8\n{good}\n")));
    let urlsafe = good.replace('+', "-").replace('/', "_");
    for root in [
        b64(&[0; 31]),
        b64(&[0; 33]),
        good.trim_end_matches('=').to_owned(),
        urlsafe,
        format!("{good} "),
        String::new(),
    ] {
        assert!(bad_body(&format!("{ORIGIN}\n8\n{root}\n")), "{root:?}");
    }
}

#[test]
fn structure_errors_are_rejected() {
    let root = b64(&[0x5d; 32]);
    for body in [
        format!("\n8\n{root}\n"),              // empty origin
        format!("{ORIGIN}\n8\n{root}"),        // no final newline
        format!("{ORIGIN}\n8\n{root}\n\n"),    // trailing blank line
        format!("{ORIGIN}\n8\n{root}\n\nx\n"), // empty extension line
        format!("{ORIGIN}\n8\n"),              // missing root
        format!("{ORIGIN}\n"),                 // missing size
        String::new(),
        format!("{ORIGIN}\r\n8\r\n{root}\r\n"), // CRLF
    ] {
        assert!(bad_body(&body), "{body:?}");
    }
}

#[test]
fn sign_and_open_round_trip() {
    let log = signer(ORIGIN, 1);
    let cp = Checkpoint {
        extensions: vec!["ext".into()],
        ..sample()
    };
    let note = cp.sign(&log).unwrap();
    assert!(note.starts_with(&format!("{}\n\u{2014} {ORIGIN} ", cp.to_body())));
    assert_eq!(Checkpoint::open(&note, &log.verifier_key()).unwrap(), cp);
}

#[test]
fn open_rejects_wrong_key_and_tampering() {
    let log = signer(ORIGIN, 1);
    let note = sample().sign(&log).unwrap();
    let impostor = signer(ORIGIN, 2).verifier_key();
    assert_eq!(
        Checkpoint::open(&note, &impostor),
        Err(NoteError::NoVerifiedSignature)
    );
    let tampered = note.replacen("\n8\n", "\n9\n", 1);
    assert!(matches!(
        Checkpoint::open(&tampered, &log.verifier_key()),
        Err(NoteError::InvalidSignature { .. })
    ));
    let leading_zero = note.replacen("\n8\n", "\n08\n", 1);
    assert!(Checkpoint::open(&leading_zero, &log.verifier_key()).is_err());
}

#[test]
fn origin_must_match_log_key_name() {
    let other = signer("example.com/other", 1);
    assert!(matches!(
        sample().sign(&other),
        Err(NoteError::OriginMismatch { .. })
    ));
    // Bypass the signing check: a validly signed checkpoint of another origin.
    let note = sign_note(&sample().to_body(), &other).unwrap();
    assert!(open_note(&note, &[other.verifier_key()]).is_ok());
    assert_eq!(
        Checkpoint::open(&note, &other.verifier_key()),
        Err(NoteError::OriginMismatch {
            origin: ORIGIN.into(),
            key_name: "example.com/other".into(),
        })
    );
}

#[test]
fn sign_rejects_fields_that_do_not_round_trip() {
    let log = signer(ORIGIN, 1);
    for cp in [
        Checkpoint {
            origin: format!("{ORIGIN}\n9"),
            ..sample()
        },
        Checkpoint {
            extensions: vec![String::new()],
            ..sample()
        },
        Checkpoint {
            extensions: vec!["a\nb".into()],
            ..sample()
        },
    ] {
        assert!(cp.sign(&log).is_err(), "{cp:?}");
    }
}

#[test]
fn signed_note_that_is_not_a_checkpoint_is_rejected() {
    let log = signer(ORIGIN, 1);
    let note = sign_note(&format!("{ORIGIN}\nnot a checkpoint\n"), &log).unwrap();
    assert!(matches!(
        Checkpoint::open(&note, &log.verifier_key()),
        Err(NoteError::MalformedCheckpoint(_))
    ));
}

#[test]
fn cosigner_key_cannot_be_the_log_key() {
    let log = signer(ORIGIN, 1);
    let note = sample().sign(&log).unwrap();
    let as_cosigner =
        VerifierKey::cosigner_from_public_key(ORIGIN, *log.verifier_key().public_key()).unwrap();
    assert!(matches!(
        Checkpoint::open(&note, &as_cosigner),
        Err(NoteError::KeyTypeMismatch(_))
    ));
}
