//! vkey parsing strictness.

use super::{b64, generated, s, signer};
use crate::crypto::CryptoError;
use crate::note::{NoteError, SignatureType, VerifierKey, key_id, key_id_for};

const LOG_VKEY: &str =
    "example.com/ewaybill-test-log+4e27a395+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";

#[test]
fn plus_inside_base64_is_part_of_the_key() {
    assert_eq!(s(&generated()["log"], "vkey"), LOG_VKEY);
    let key_part = LOG_VKEY.splitn(3, '+').nth(2).unwrap();
    assert!(key_part.contains('+'));
    let vk = VerifierKey::parse(LOG_VKEY).unwrap();
    assert_eq!(vk.name(), "example.com/ewaybill-test-log");
    assert_eq!(vk.to_vkey(), LOG_VKEY);
    // Display / FromStr are the same encoding.
    assert_eq!(vk.to_string(), LOG_VKEY);
    assert_eq!(LOG_VKEY.parse::<VerifierKey>().unwrap(), vk);
}

#[test]
fn plus_in_name_is_rejected() {
    // Splitting on the first two '+' makes "b" the key id field.
    let bad = format!("a+{LOG_VKEY}");
    assert!(matches!(
        VerifierKey::parse(&bad),
        Err(NoteError::MalformedVerifierKey(_))
    ));
    let pk = *VerifierKey::parse(LOG_VKEY).unwrap().public_key();
    assert!(matches!(
        VerifierKey::from_public_key("a+b", pk),
        Err(NoteError::InvalidKeyName(_))
    ));
}

#[test]
fn key_id_must_match_name_and_key() {
    let wrong_id = LOG_VKEY.replace("+4e27a395+", "+4e27a396+");
    assert_eq!(
        VerifierKey::parse(&wrong_id),
        Err(NoteError::VerifierKeyIdMismatch {
            claimed: "4e27a396".into(),
            computed: "4e27a395".into(),
        })
    );
    let renamed = LOG_VKEY.replace("example.com/ewaybill-test-log", "example.com/other");
    assert!(matches!(
        VerifierKey::parse(&renamed),
        Err(NoteError::VerifierKeyIdMismatch { .. })
    ));
}

#[test]
fn malformed_vkeys_are_rejected() {
    let upper = LOG_VKEY.replace("+4e27a395+", "+4E27A395+");
    let short = LOG_VKEY.replace("+4e27a395+", "+4e27a39+");
    let padded = format!("{LOG_VKEY}=");
    for bad in [
        "",
        "name",
        "name+4e27a395",
        upper.as_str(),
        short.as_str(),
        "example.com/ewaybill-test-log+4e27a395+",
        "example.com/ewaybill-test-log+4e27a395+!!!!",
        " +4e27a395+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea",
    ] {
        assert!(VerifierKey::parse(bad).is_err(), "{bad:?}");
    }
    // 33 bytes encode to 44 symbols with no padding; extra '=' is invalid.
    assert!(VerifierKey::parse(&padded).is_err());
}

#[test]
fn unsupported_types_and_bad_keys_are_rejected() {
    let vk = VerifierKey::parse(LOG_VKEY).unwrap();
    let mut raw = vec![0x02];
    raw.extend_from_slice(vk.public_key().as_bytes());
    let ecdsa = format!("{}+{}+{}", vk.name(), hex::encode(vk.key_id()), b64(&raw));
    assert_eq!(
        VerifierKey::parse(&ecdsa),
        Err(NoteError::UnsupportedSignatureType(0x02))
    );

    let mut long = vec![0x01];
    long.extend_from_slice(&[9u8; 33]);
    let too_long = format!("{}+{}+{}", vk.name(), hex::encode(vk.key_id()), b64(&long));
    assert!(matches!(
        VerifierKey::parse(&too_long),
        Err(NoteError::InvalidPublicKey(CryptoError::InvalidPublicKey))
    ));

    // The identity point is a small-order (weak) key.
    let mut weak = vec![0x01, 1];
    weak.extend_from_slice(&[0u8; 31]);
    let weak_vkey = format!("{}+{}+{}", vk.name(), hex::encode(vk.key_id()), b64(&weak));
    assert!(matches!(
        VerifierKey::parse(&weak_vkey),
        Err(NoteError::InvalidPublicKey(CryptoError::WeakPublicKey))
    ));
}

#[test]
fn key_id_depends_on_name_and_type() {
    let a = signer("a.example", 1);
    let pk = a.verifier_key();
    let pk = pk.public_key();
    assert_eq!(key_id("a.example", pk), a.verifier_key().key_id());
    assert_ne!(key_id("a.example", pk), key_id("b.example", pk));
    assert_ne!(
        key_id_for("a.example", SignatureType::Ed25519, pk),
        key_id_for("a.example", SignatureType::CosignatureV1, pk)
    );
    for t in [SignatureType::Ed25519, SignatureType::CosignatureV1] {
        assert_eq!(SignatureType::from_id(t.id()), Some(t));
    }
    assert_eq!(SignatureType::from_id(0x02), None);
}
