//! Every Ed25519 signed-note, vkey, key-id and checkpoint vector in
//! `tlog/signed-note/`, plus the cosignature/v1 entries.

use super::{generated, s, unb64, upstream};
use crate::crypto::{KeyPair, PublicKey, Signature, sha256};
use crate::note::verifier_key::{cosignature_message, parse_cosignature};
use crate::note::{
    Checkpoint, KeyPairSigner, NoteError, SignatureType, VerifierKey, key_id, key_id_for,
    open_note, sign_note,
};

fn vector(i: usize) -> serde_json::Value {
    upstream()["vectors"][i].clone()
}

/// Log / witness key material from the generated vector.
fn generated_keys() -> (serde_json::Value, VerifierKey, VerifierKey) {
    let g = generated();
    let log = VerifierKey::parse(s(&g["log"], "vkey")).unwrap();
    let witness = VerifierKey::parse(s(&g["witness"], "vkey")).unwrap();
    (g, log, witness)
}

/// The 32-byte seed from a "<hex> (comment)" field.
fn seed_from(field: &str) -> [u8; 32] {
    let hex_part = field.split(' ').next().unwrap();
    hex::decode(hex_part).unwrap().try_into().unwrap()
}

#[test]
fn peter_neumann_vkey_and_signed_note_open() {
    let v = vector(0);
    let vkey = VerifierKey::parse(s(&v, "vkey")).unwrap();
    assert_eq!(vkey.name(), "PeterNeumann");
    assert_eq!(hex::encode(vkey.key_id()), "c74f20a3");
    assert_eq!(vkey.signature_type(), SignatureType::Ed25519);
    assert_eq!(key_id("PeterNeumann", vkey.public_key()), vkey.key_id());
    assert_eq!(vkey.to_vkey(), s(&v, "vkey"));

    let opened = open_note(s(&v, "signed_note"), &[vkey]).unwrap();
    assert_eq!(opened.text, s(&v, "text"));
    assert_eq!(opened.verified_by, vec!["PeterNeumann".to_owned()]);
    assert_eq!(opened.unverified, 0);
    assert!(opened.cosignature_times.is_empty());
}

#[test]
fn peter_neumann_note_is_reproduced_from_skey() {
    let v = vector(0);
    // PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)
    let parts: Vec<&str> = s(&v, "skey").splitn(5, '+').collect();
    assert_eq!(&parts[..4], &["PRIVATE", "KEY", "PeterNeumann", "c74f20a3"]);
    let raw = unb64(parts[4]);
    assert_eq!(raw[0], 0x01);
    let seed: [u8; 32] = raw[1..].try_into().unwrap();
    let signer = KeyPairSigner::new("PeterNeumann", KeyPair::from_seed(&seed)).unwrap();

    assert_eq!(signer.verifier_key().to_vkey(), s(&v, "vkey"));
    assert_eq!(
        sign_note(s(&v, "text"), &signer).unwrap(),
        s(&v, "signed_note")
    );
}

#[test]
fn enoch_root_second_signature() {
    let peter = VerifierKey::parse(s(&vector(0), "vkey")).unwrap();
    let v = vector(1);
    let enoch = VerifierKey::parse(s(&v, "vkey")).unwrap();
    assert_eq!(enoch.name(), "EnochRoot");
    assert_eq!(hex::encode(enoch.key_id()), "af0cfe78");
    assert_eq!(enoch.to_vkey(), s(&v, "vkey"));

    let both = format!(
        "{}{}",
        s(&vector(0), "signed_note"),
        s(&v, "signature_line")
    );
    let opened = open_note(&both, &[peter.clone(), enoch.clone()]).unwrap();
    assert_eq!(opened.verified_by, vec!["PeterNeumann", "EnochRoot"]);
    assert_eq!(opened.unverified, 0);

    let opened = open_note(&both, std::slice::from_ref(&enoch)).unwrap();
    assert_eq!(opened.verified_by, vec!["EnochRoot"]);
    assert_eq!(opened.unverified, 1);

    let opened = open_note(&both, &[peter]).unwrap();
    assert_eq!(opened.verified_by, vec!["PeterNeumann"]);
    assert_eq!(opened.unverified, 1);
}

#[test]
fn c2sp_spec_example_note() {
    let v = vector(2);
    let vkey = VerifierKey::parse(s(&v, "vkey")).unwrap();
    assert_eq!(vkey.name(), "example.com/foo");
    assert_eq!(hex::encode(vkey.key_id()), "530d903a");
    assert_eq!(vkey.to_vkey(), s(&v, "vkey"));
    let opened = open_note(s(&v, "signed_note"), &[vkey]).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.verified_by, vec!["example.com/foo"]);
}

#[test]
fn sumdb_tree_note_body_parses_as_checkpoint() {
    let v = vector(3);
    let body = s(&v, "body");
    let cp = Checkpoint::parse_body(body).unwrap();
    assert_eq!(cp.origin, "go.sum database tree");
    assert_eq!(cp.size, 123_456_789_012);
    let mut leaf = vec![0u8];
    leaf.extend_from_slice(b"hello world");
    assert_eq!(cp.root_hash, sha256(&leaf));
    assert!(cp.extensions.is_empty());
    assert_eq!(cp.to_body(), body);
}

#[test]
fn cosignature_v1_blob_format() {
    let v = vector(4);
    let raw = unb64(s(&v, "cosignature_v1_base64"));
    assert_eq!(raw.len(), 76);
    assert_eq!(hex::encode(&raw[..4]), "646846b9");
    let (timestamp, _sig) = parse_cosignature(&raw[4..]).unwrap();
    assert_eq!(timestamp, 1_727_964_367);

    // As a signature line from an unknown key it is parsed and ignored.
    let peter = VerifierKey::parse(s(&vector(0), "vkey")).unwrap();
    let note = format!(
        "{}\u{2014} witness.example/unknown {}\n",
        s(&vector(0), "signed_note"),
        s(&v, "cosignature_v1_base64")
    );
    let opened = open_note(&note, &[peter]).unwrap();
    assert_eq!(opened.verified_by, vec!["PeterNeumann"]);
    assert_eq!(opened.unverified, 1);
}

#[test]
fn cosignature_timestamp_above_i64_max_is_invalid() {
    let mut raw = [0u8; 72];
    raw[..8].copy_from_slice(&(1u64 << 63).to_be_bytes());
    assert!(parse_cosignature(&raw).is_none());
    raw[..8].copy_from_slice(&(i64::MAX as u64).to_be_bytes());
    assert!(parse_cosignature(&raw).is_some());
    assert!(parse_cosignature(&raw[..71]).is_none());
}

#[test]
fn generated_vkeys_and_key_ids() {
    let (g, log, witness) = generated_keys();
    let log_v = &g["log"];
    assert!(
        s(log_v, "vkey").rsplit('+').count() > 3,
        "base64 part has '+'"
    );
    assert_eq!(log.name(), s(log_v, "name"));
    assert_eq!(hex::encode(log.key_id()), s(log_v, "key_id_hex"));
    assert_eq!(
        hex::encode(log.public_key().as_bytes()),
        s(log_v, "public_key_hex")
    );
    assert_eq!(log.signature_type(), SignatureType::Ed25519);
    assert_eq!(log.to_vkey(), s(log_v, "vkey"));
    let log_signer = KeyPairSigner::new(
        s(log_v, "name"),
        KeyPair::from_seed(&seed_from(s(log_v, "ed25519_seed_hex"))),
    )
    .unwrap();
    assert_eq!(log_signer.verifier_key(), log);

    let w = &g["witness"];
    assert_eq!(witness.name(), s(w, "name"));
    assert_eq!(hex::encode(witness.key_id()), s(w, "key_id_hex"));
    assert_eq!(
        hex::encode(witness.public_key().as_bytes()),
        s(w, "public_key_hex")
    );
    assert_eq!(witness.signature_type(), SignatureType::CosignatureV1);
    assert_eq!(witness.to_vkey(), s(w, "vkey"));
    let witness_pk = KeyPair::from_seed(&seed_from(s(w, "ed25519_seed_hex"))).public_key();
    assert_eq!(&witness_pk, witness.public_key());
    let rebuilt = VerifierKey::cosigner_from_public_key(s(w, "name"), witness_pk).unwrap();
    assert_eq!(rebuilt.to_vkey(), s(w, "vkey"));
    assert_eq!(
        key_id_for(s(w, "name"), SignatureType::CosignatureV1, &witness_pk),
        witness.key_id()
    );
}

#[test]
fn generated_log_signature_is_byte_exact() {
    let (g, log, _) = generated_keys();
    let body = s(&g, "checkpoint_body");
    assert_eq!(body, s(&g, "log_signed_message"));
    let cp = Checkpoint::parse_body(body).unwrap();
    assert_eq!(cp.origin, log.name());
    assert_eq!(cp.size, 8);
    let tree = crate::crypto::test_vectors::read_json("tlog/derived/rfc6962-reference-tree.json");
    assert_eq!(
        hex::encode(cp.root_hash),
        tree["root_by_tree_size_hex"]["8"].as_str().unwrap()
    );

    let signer = KeyPairSigner::new(
        log.name(),
        KeyPair::from_seed(&seed_from(s(&g["log"], "ed25519_seed_hex"))),
    )
    .unwrap();
    let signed = cp.sign(&signer).unwrap();
    let full = s(&g, "signed_checkpoint");
    let first_line_end = full.find("\n\u{2014} witness").unwrap() + 1;
    assert_eq!(signed, &full[..first_line_end]);

    let line = signed.lines().last().unwrap();
    let raw = unb64(line.rsplit(' ').next().unwrap());
    assert_eq!(hex::encode(&raw[..4]), s(&g["log"], "key_id_hex"));
    assert_eq!(hex::encode(&raw[4..]), s(&g, "log_signature_hex"));
}

#[test]
fn generated_checkpoint_opens_and_ignores_unknown_cosignature() {
    let (g, log, _) = generated_keys();
    let full = s(&g, "signed_checkpoint");
    let cp = Checkpoint::open(full, &log).unwrap();
    assert_eq!(
        cp,
        Checkpoint::parse_body(s(&g, "checkpoint_body")).unwrap()
    );
    let opened = open_note(full, std::slice::from_ref(&log)).unwrap();
    assert_eq!(opened.verified_by, vec![log.name()]);
    assert_eq!(opened.unverified, 1);
}

#[test]
fn generated_cosignature_verifies() {
    let (g, log, witness) = generated_keys();
    let body = s(&g, "checkpoint_body");
    let ts = g["witness"]["cosignature_timestamp"].as_u64().unwrap();
    assert_eq!(
        cosignature_message(ts, body),
        s(&g, "cosignature_signed_message")
    );
    let sig =
        Signature::from_bytes(&hex::decode(s(&g, "cosignature_signature_hex")).unwrap()).unwrap();
    witness
        .public_key()
        .verify(s(&g, "cosignature_signed_message").as_bytes(), &sig)
        .unwrap();

    let (cp, opened) = Checkpoint::open_cosigned(
        s(&g, "signed_checkpoint"),
        &log,
        std::slice::from_ref(&witness),
    )
    .unwrap();
    assert_eq!(cp.size, 8);
    assert_eq!(opened.verified_by, vec![log.name(), witness.name()]);
    assert_eq!(opened.unverified, 0);
    assert_eq!(
        opened.cosignature_times,
        vec![(witness.name().to_owned(), 1_700_000_000)]
    );
}

#[test]
fn witness_key_with_wrong_type_is_not_matched() {
    let (g, log, witness) = generated_keys();
    // Same name and key, but signature type 0x01: different key id, so the
    // cosignature line is "unknown" rather than a bad signature.
    let as_note_key = VerifierKey::from_public_key(witness.name(), *witness.public_key()).unwrap();
    assert_ne!(as_note_key.key_id(), witness.key_id());
    let (_, opened) =
        Checkpoint::open_cosigned(s(&g, "signed_checkpoint"), &log, &[as_note_key]).unwrap();
    assert_eq!(opened.verified_by, vec![log.name()]);
    assert_eq!(opened.unverified, 1);
}

#[test]
fn tampered_cosignature_is_rejected_only_when_witness_known() {
    let (g, log, witness) = generated_keys();
    let full = s(&g, "signed_checkpoint");
    let (head, b64) = full.trim_end().rsplit_once(' ').unwrap();
    let mut raw = unb64(b64);
    raw[20] ^= 1; // inside the Ed25519 signature
    let tampered = format!("{head} {}\n", super::b64(&raw));

    assert!(Checkpoint::open(&tampered, &log).is_ok());
    let err = Checkpoint::open_cosigned(&tampered, &log, &[witness]).unwrap_err();
    assert!(
        matches!(err, NoteError::InvalidSignature { ref name, .. } if name == "witness.example/w1")
    );
}

#[test]
fn witness_alone_cannot_open_a_checkpoint() {
    let (g, _, witness) = generated_keys();
    let full = s(&g, "signed_checkpoint");
    // It is a valid note signed by the witness...
    assert!(open_note(full, std::slice::from_ref(&witness)).is_ok());
    // ...but not a log signature.
    assert!(matches!(
        Checkpoint::open(full, &witness),
        Err(NoteError::KeyTypeMismatch(_))
    ));
    let other_log = VerifierKey::from_public_key(
        "example.com/ewaybill-test-log",
        PublicKey::from_bytes(witness.public_key().as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        Checkpoint::open_cosigned(full, &other_log, &[witness]),
        Err(NoteError::NoVerifiedSignature)
    );
}
