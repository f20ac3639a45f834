//! The export file, tlog-proofs, and the leaf fast paths.

use serde_json::json;

use super::support::*;
use crate::crypto::canonical_bytes;
use crate::ledger::event_hash::event_hash;
use crate::ledger::leaf::leaf_bytes;
use crate::merkle::{MemoryTree, inclusion_proof, leaf_hash};
use crate::note::{KeyPairSigner, TlogProof};
use crate::verifier::leaf::check_leaf;
use crate::verifier::{
    EXPORT_FORMAT, ExportError, ExportWriter, ProofError, read_export, verify_log,
};

fn export_of(log: &LogBuilder) -> Vec<u8> {
    let mut w = ExportWriter::new(Vec::new(), &log.vkey().to_vkey(), &log.checkpoint()).unwrap();
    for (i, leaf) in log.leaves.iter().enumerate() {
        w.entry(i as u64, leaf).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn an_export_round_trips_and_verifies() {
    let (log, _) = sample();
    let bytes = export_of(&log);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{{\"format\":\"{EXPORT_FORMAT}\",\"vkey\":\"")),
        "{first}"
    );
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("{\"index\":0,\"leaf\":\"")
    );
    assert_eq!(text.lines().count(), 13);

    let (header, entries) = read_export(bytes.as_slice()).unwrap();
    assert_eq!(header.vkey, log.vkey().to_vkey());
    let report = verify_log(&log.vkey(), &header.checkpoint, entries, None, &mut |_| {});
    assert!(report.verified(), "{report}");
    assert_eq!(report, log.verify());
}

#[test]
fn bad_export_files_are_refused() {
    assert!(matches!(read_export(&b""[..]), Err(ExportError::Empty)));
    assert!(matches!(
        read_export(&b"{\"format\":\"other/v1\",\"vkey\":\"\",\"checkpoint\":\"\"}\n"[..]),
        Err(ExportError::Header(_))
    ));
    assert!(matches!(
        read_export(&b"[]\n"[..]),
        Err(ExportError::Header(_))
    ));

    let (log, _) = sample();
    let text = String::from_utf8(export_of(&log)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = "{\"index\":3,\"leaf\":\"not base64!\"}".into();
    let broken = lines.join("\n") + "\n";
    let (header, entries) = read_export(broken.as_bytes()).unwrap();
    let report = verify_log(&log.vkey(), &header.checkpoint, entries, None, &mut |_| {});
    let message = failure(&report);
    assert!(
        message.starts_with("index 3: cannot read the entry: line 5: leaf is not standard base64"),
        "{message}"
    );
}

fn proof_for(log: &LogBuilder, index: u64, extra: Vec<u8>) -> String {
    let tree = MemoryTree::from_leaf_hashes(log.leaves.iter().map(|l| leaf_hash(l)));
    TlogProof {
        extra: Some(extra),
        index,
        proof: inclusion_proof(index, log.len(), &tree).unwrap(),
        checkpoint: log.checkpoint(),
    }
    .to_text()
    .unwrap()
}

#[test]
fn a_tlog_proof_verifies_offline() {
    let (log, keys) = sample();
    let text = proof_for(&log, 5, log.leaves[5].clone());
    let report = crate::verifier::verify_tlog_proof(&text, &log.vkey()).unwrap();
    assert_eq!(report.index, 5);
    assert_eq!(report.act_type, "carrier.accept");
    assert_eq!(report.waybill_id.as_deref(), Some(W1));
    assert_eq!(report.key_id, keys.carrier.public_key().key_id());
    assert_eq!(report.checkpoint.size, 12);
    assert!(report.to_string().contains("INCLUDED"));
}

#[test]
fn bad_tlog_proofs_are_refused() {
    let (log, _) = sample();
    let verify = |text: &str| crate::verifier::verify_tlog_proof(text, &log.vkey());

    // Another leaf than the one proven.
    let text = proof_for(&log, 5, log.leaves[6].clone());
    assert!(matches!(
        verify(&text),
        Err(ProofError::NotIncluded {
            index: 5,
            size: 12,
            ..
        })
    ));

    // A leaf that is in the tree at its index but claims another seq.
    let (act, signature) = log.parts(5);
    let mut liar = log.leaves.clone();
    liar[5] = leaf_bytes(&act, &signature, 6, LogBuilder::time(5)).unwrap();
    let mut lying_log = LogBuilder::new();
    lying_log.leaves = liar;
    let text = proof_for(&lying_log, 5, lying_log.leaves[5].clone());
    assert_eq!(
        verify(&text).unwrap_err().to_string(),
        "index 5: leaf seq is 6, expected 5"
    );

    // Checkpoint from another key.
    let mut other = LogBuilder::new();
    other.leaves = log.leaves.clone();
    other.signer = KeyPairSigner::new(ORIGIN, key(42)).unwrap();
    let text = proof_for(&other, 5, log.leaves[5].clone());
    assert!(matches!(verify(&text), Err(ProofError::Checkpoint(_))));

    // No extra line.
    let mut no_extra = TlogProof::parse(&proof_for(&log, 5, log.leaves[5].clone())).unwrap();
    no_extra.extra = None;
    assert_eq!(
        verify(&no_extra.to_text().unwrap()),
        Err(ProofError::NoLeaf)
    );

    assert!(matches!(verify("nonsense"), Err(ProofError::Malformed(_))));
}

#[test]
fn leaf_fast_paths_equal_the_canonical_definitions() {
    let (log, _) = sample();
    for (i, leaf) in log.leaves.iter().enumerate() {
        let (act, signature) = log.parts(i as u64);
        let checked = check_leaf(i as u64, leaf).unwrap();
        assert_eq!(checked.signed, canonical_bytes(&act).unwrap());
        assert_eq!(checked.event_hash, event_hash(&act, &signature).unwrap());
        assert_eq!(checked.leaf_hash, leaf_hash(leaf));
    }
    // Escapes and non-ASCII inside the act do not confuse the cut.
    let k = key(3);
    let act = json!({"type": "carrier.accept", "waybill_id": W1, "prev": null, "key_id": "k",
        "signed_at": "2026-11-29T16:00:00Z",
        "body": {"note": "\",\"received_at\":\"2026-11-29T16:00:00.000000Z\",\"seq\":0,\"signature\":\"x\"} \u{1F69A}\n"}});
    let signature = sign(&k, &act);
    let leaf = leaf_bytes(&act, &signature, 0, LogBuilder::time(0)).unwrap();
    let checked = check_leaf(0, &leaf).unwrap();
    assert_eq!(checked.signed, canonical_bytes(&act).unwrap());
    assert_eq!(checked.event_hash, event_hash(&act, &signature).unwrap());
}
