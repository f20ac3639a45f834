//! tlog-proof round trips, built from the RFC 6962 inclusion vectors and
//! the generated signed checkpoint, and strictness.

use super::{b64, generated, s, signer, unb64};
use crate::crypto::test_vectors::read_json;
use crate::note::{
    Checkpoint, MAX_PROOF_HASHES, NoteError, TLOG_PROOF_HEADER, TlogProof, VerifierKey,
};

/// transparency-dev inclusion vector for leaf 5 of the 8-leaf reference
/// tree, whose root is the generated checkpoint's root.
fn inclusion_vector() -> serde_json::Value {
    read_json("tlog/transparency-dev-merkle/testdata/inclusion/2/happy-path.json")
}

fn hashes(v: &serde_json::Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| unb64(h.as_str().unwrap()).try_into().unwrap())
        .collect()
}

fn vector_proof() -> (TlogProof, VerifierKey, serde_json::Value) {
    let g = generated();
    let inc = inclusion_vector();
    let proof = TlogProof {
        extra: None,
        index: inc["leafIdx"].as_u64().unwrap(),
        proof: hashes(&inc["proof"]),
        checkpoint: s(&g, "signed_checkpoint").to_owned(),
    };
    let log = VerifierKey::parse(s(&g["log"], "vkey")).unwrap();
    (proof, log, inc)
}

fn malformed(text: &str) -> bool {
    TlogProof::parse(text).is_err()
}

#[test]
fn vector_proof_round_trips_with_exact_layout() {
    let (proof, _, inc) = vector_proof();
    let text = proof.to_text().unwrap();
    let mut expected = format!("{TLOG_PROOF_HEADER}\nindex 5\n");
    for h in inc["proof"].as_array().unwrap() {
        expected.push_str(h.as_str().unwrap());
        expected.push('\n');
    }
    expected.push('\n');
    expected.push_str(&proof.checkpoint);
    assert_eq!(text, expected);
    assert_eq!(TlogProof::parse(&text).unwrap(), proof);
}

#[test]
fn open_checkpoint_yields_the_inclusion_inputs() {
    let (proof, log, inc) = vector_proof();
    let parsed = TlogProof::parse(&proof.to_text().unwrap()).unwrap();
    let cp = parsed.open_checkpoint(&log).unwrap();
    // Exactly the arguments of verify_inclusion(leaf_hash, index, size,
    // proof, root) as given by the upstream inclusion vector.
    assert_eq!(parsed.index, inc["leafIdx"].as_u64().unwrap());
    assert_eq!(cp.size, inc["treeSize"].as_u64().unwrap());
    assert_eq!(parsed.proof, hashes(&inc["proof"]));
    assert_eq!(b64(&cp.root_hash), s(&inc, "root"));
    let tree = read_json("tlog/derived/rfc6962-reference-tree.json");
    assert_eq!(
        hex::encode(unb64(s(&inc, "leafHash"))),
        tree["leaf_hashes_hex"][5].as_str().unwrap()
    );

    let witness = VerifierKey::parse(s(&generated()["witness"], "vkey")).unwrap();
    let (_, opened) = parsed.open_checkpoint_cosigned(&log, &[witness]).unwrap();
    assert_eq!(opened.verified_by.len(), 2);
}

#[test]
fn extra_data_and_empty_proof_round_trip() {
    let log = signer("example.com/one-leaf", 1);
    let cp = Checkpoint {
        origin: "example.com/one-leaf".into(),
        size: 1,
        root_hash: [7; 32],
        extensions: vec![],
    };
    let proof = TlogProof {
        extra: Some(b"age-v1.2.1-darwin-arm64.tar.gz".to_vec()),
        index: 0,
        proof: vec![],
        checkpoint: cp.sign(&log).unwrap(),
    };
    let text = proof.to_text().unwrap();
    assert!(text.starts_with(&format!(
        "{TLOG_PROOF_HEADER}\nextra {}\nindex 0\n\n",
        b64(b"age-v1.2.1-darwin-arm64.tar.gz")
    )));
    let parsed = TlogProof::parse(&text).unwrap();
    assert_eq!(parsed, proof);
    assert_eq!(parsed.open_checkpoint(&log.verifier_key()).unwrap(), cp);
}

#[test]
fn index_must_be_below_tree_size() {
    let (mut proof, log, _) = vector_proof();
    proof.index = 8;
    let parsed = TlogProof::parse(&proof.to_text().unwrap()).unwrap();
    assert!(matches!(
        parsed.open_checkpoint(&log),
        Err(NoteError::MalformedProof(_))
    ));
}

#[test]
fn open_checkpoint_requires_the_log_key() {
    let (proof, _, _) = vector_proof();
    let stranger = signer("example.com/ewaybill-test-log", 3).verifier_key();
    assert_eq!(
        proof.open_checkpoint(&stranger),
        Err(NoteError::NoVerifiedSignature)
    );
}

#[test]
fn malformed_proofs_are_rejected() {
    let (proof, _, _) = vector_proof();
    let text = proof.to_text().unwrap();
    let cp = &proof.checkpoint;
    let h = b64(&[1; 32]);
    let cases = [
        text.replacen("tlog-proof@v1", "tlog-proof@v2", 1),
        text.replacen(TLOG_PROOF_HEADER, "", 1),
        text.replacen("index 5", "index 05", 1),
        text.replacen("index 5", "index -5", 1),
        text.replacen("index 5", "index  5", 1),
        text.replacen("index 5", "Index 5", 1),
        text.replacen("index 5\n", "", 1),
        format!("{TLOG_PROOF_HEADER}\nindex 5\nextra {h}\n\n{cp}"),
        format!("{TLOG_PROOF_HEADER}\nextra \nindex 5\n\n{cp}"),
        format!("{TLOG_PROOF_HEADER}\nextra AB\nindex 5\n\n{cp}"),
        format!("{TLOG_PROOF_HEADER}\nindex 5\n{}\n\n{cp}", b64(&[1; 31])),
        format!(
            "{TLOG_PROOF_HEADER}\nindex 5\n{}\n\n{cp}",
            h.trim_end_matches('=')
        ),
        format!("{TLOG_PROOF_HEADER}\nindex 5\n{h}\n"),
        format!("{TLOG_PROOF_HEADER}\nindex 5\n{h}"),
        format!(
            "{TLOG_PROOF_HEADER}\nindex 5\n\n{}",
            s(&generated(), "checkpoint_body")
        ),
        format!(
            "{TLOG_PROOF_HEADER}\nindex 5\n\nnot\na checkpoint\n\n\u{2014} x {}\n",
            b64(&[1; 68])
        ),
        format!("{TLOG_PROOF_HEADER}\r\nindex 5\n\n{cp}"),
        format!(
            "{TLOG_PROOF_HEADER}\nindex 5\n{}\n{cp}",
            format!("{h}\n").repeat(MAX_PROOF_HASHES + 1)
        ),
    ];
    for case in &cases {
        assert!(malformed(case), "{case:?}");
    }
    // The maximum proof length itself is fine.
    let at_max = format!(
        "{TLOG_PROOF_HEADER}\nindex 5\n{}\n{cp}",
        format!("{h}\n").repeat(MAX_PROOF_HASHES)
    );
    assert!(TlogProof::parse(&at_max).is_ok());
}

#[test]
fn to_text_validates() {
    let (proof, _, _) = vector_proof();
    for bad in [
        TlogProof {
            extra: Some(vec![]),
            ..proof.clone()
        },
        TlogProof {
            proof: vec![[0; 32]; MAX_PROOF_HASHES + 1],
            ..proof.clone()
        },
        TlogProof {
            checkpoint: s(&generated(), "checkpoint_body").to_owned(),
            ..proof.clone()
        },
    ] {
        assert!(bad.to_text().is_err());
    }
}
