//! `verify_log` on the synthetic log: clean, and each kind of tampering
//! reported at the right index with the right message.

use serde_json::{Value, json};

use super::support::*;
use crate::crypto::canonical_bytes;
use crate::ledger::event_hash::event_hash;
use crate::ledger::leaf::leaf_bytes;
use crate::note::KeyPairSigner;
use crate::verifier::{Discrepancy, Entry, SourceError};

#[test]
fn a_clean_log_verifies_with_totals() {
    let (log, _) = sample();
    let report = log.verify();
    assert!(report.verified(), "{report}");
    let t = &report.totals;
    assert_eq!(t.entries, 12);
    assert_eq!(t.signatures_verified, 12);
    assert_eq!(t.waybills, 3);
    assert_eq!(t.waybill_acts, 6);
    assert_eq!(t.registry_entries, 6);
    assert_eq!((t.parties, t.keys_registered, t.keys_revoked), (2, 3, 1));
    assert_eq!(t.by_type["consignor.issue"], 3);
    assert_eq!(report.recomputed_root, Some(log.root_at(12)));
    assert_eq!(report.checkpoint.as_ref().map(|c| c.size), Some(12));
    let text = report.to_string();
    assert!(text.contains("verdict:              VERIFIED"), "{text}");
    assert!(text.contains("signatures verified:  12"), "{text}");
}

#[test]
fn an_empty_log_verifies() {
    let log = LogBuilder::new();
    let report = log.verify();
    assert!(report.verified(), "{report}");
    assert_eq!(report.totals.entries, 0);
}

#[test]
fn a_changed_body_breaks_the_signature() {
    let (mut log, keys) = sample();
    let (mut act, signature) = log.parts(5);
    act["body"] = json!({"reservations": [{"note": "all fine, honest"}]});
    log.replace(5, &act, &signature);
    let report = log.verify();
    assert_eq!(
        failure(&report),
        format!(
            "index 5: signature does not verify with key {}",
            keys.carrier.public_key().key_id()
        )
    );
    // Totals stop before the bad entry.
    assert_eq!(report.totals.entries, 5);
    assert_eq!(report.totals.signatures_verified, 5);
}

#[test]
fn a_signature_over_something_else_is_refused() {
    let (mut log, keys) = sample();
    let (act, _) = log.parts(6);
    let other = keys.brewery.sign(b"something else").to_base64url();
    log.replace(6, &act, &other);
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 6: signature does not verify with key {}",
            keys.brewery.public_key().key_id()
        )
    );
}

#[test]
fn a_registry_entry_with_a_bad_signature_is_refused() {
    let (mut log, _) = sample();
    let (mut act, signature) = log.parts(7);
    act["body"]["label"] = json!("changed");
    log.replace(7, &act, &signature);
    let log_key_id = log.log_key.public_key().key_id();
    assert_eq!(
        failure(&log.verify()),
        format!("index 7: signature does not verify with key {log_key_id}")
    );
}

#[test]
fn a_broken_waybill_chain_is_found() {
    let (mut log, keys) = sample();
    // Entry 10 re-signed with the head before entry 5 as its prev.
    let (mut act, _) = log.parts(10);
    let (act4, sig4) = log.parts(4);
    act["prev"] = json!(event_hash(&act4, &sig4).unwrap());
    log.replace(10, &act, &sign(&keys.carrier, &act));
    let (act5, sig5) = log.parts(5);
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 10: prev does not match the previous event of waybill {W1} (expected {}, got {})",
            event_hash(&act5, &sig5).unwrap(),
            event_hash(&act4, &sig4).unwrap()
        )
    );
}

#[test]
fn a_waybill_must_start_with_an_issue() {
    let (mut log, keys) = sample();
    log.act(&keys.carrier, "carrier.accept", "new-waybill", json!({}));
    assert_eq!(
        failure(&log.verify()),
        "index 12: waybill new-waybill starts with carrier.accept (prev null); expected consignor.issue with prev null"
    );
}

#[test]
fn a_waybill_is_issued_once() {
    let (mut log, keys) = sample();
    log.act(
        &keys.brewery2,
        "consignor.issue",
        W3,
        json!({"number": "again"}),
    );
    assert_eq!(
        failure(&log.verify()),
        format!("index 12: waybill {W3} is issued again (first issued at index 11)")
    );
}

#[test]
fn a_revoked_key_cannot_sign() {
    let (mut log, keys) = sample();
    log.act(&keys.brewery, "consignor.issue", "w4", json!({}));
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 12: key {} was revoked at index 8",
            keys.brewery.public_key().key_id()
        )
    );
}

#[test]
fn an_unknown_key_cannot_sign() {
    let (mut log, _) = sample();
    let stranger = key(9);
    log.act(&stranger, "consignor.issue", "w4", json!({}));
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 12: key {} is not registered at this index",
            stranger.public_key().key_id()
        )
    );
}

#[test]
fn a_key_cannot_sign_before_it_is_registered() {
    let mut log = LogBuilder::new();
    let k = key(5);
    log.party("p");
    log.act(&k, "consignor.issue", W1, json!({}));
    log.register("p", &k);
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 1: key {} is not registered at this index",
            k.public_key().key_id()
        )
    );
}

#[test]
fn registry_entries_must_be_signed_by_the_log_key() {
    let (mut log, keys) = sample();
    log.registry_by(
        &keys.carrier,
        "registry.party_create",
        json!({"party_id": "evil"}),
    );
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 12: registry entry signed with key {}, not the log key {}",
            keys.carrier.public_key().key_id(),
            log.log_key.public_key().key_id()
        )
    );
}

#[test]
fn a_broken_registry_chain_is_found() {
    let (mut log, _) = sample();
    let head = log.registry_head.clone().unwrap();
    log.registry_head = None;
    log.party("late");
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 12: prev does not match the previous registry entry (expected {head}, got null)"
        )
    );
}

#[test]
fn registry_replay_refuses_impossible_changes() {
    type Tamper = Box<dyn Fn(&mut LogBuilder, &Keys)>;
    let cases: Vec<(Tamper, String)> = vec![
        (
            Box::new(|log, _| {
                log.party("brewery");
            }),
            "index 12: party_create: party brewery was already created at index 0".into(),
        ),
        (
            Box::new(|log, k| {
                log.register("carrier", &k.brewery);
            }),
            format!(
                "index 12: key_register: key {} was already registered at index 2",
                key(2).public_key().key_id()
            ),
        ),
        (
            Box::new(|log, _| {
                log.register("nobody", &key(7));
            }),
            format!(
                "index 12: key_register of {} for unknown party nobody",
                key(7).public_key().key_id()
            ),
        ),
        (
            Box::new(|log, k| {
                log.revoke("carrier", &k.brewery2);
            }),
            format!(
                "index 12: key_revoke: key {} belongs to party brewery, not carrier",
                key(4).public_key().key_id()
            ),
        ),
        (
            Box::new(|log, k| {
                log.revoke("brewery", &k.brewery);
            }),
            format!(
                "index 12: key_revoke: key {} was already revoked at index 8",
                key(2).public_key().key_id()
            ),
        ),
        (
            Box::new(|log, _| {
                log.revoke("brewery", &key(7));
            }),
            format!(
                "index 12: key_revoke of unknown key {}",
                key(7).public_key().key_id()
            ),
        ),
        (
            Box::new(|log, _| {
                let wrong = key(8).public_key().key_id();
                log.registry(
                    "registry.key_register",
                    json!({"party_id": "carrier", "key_id": wrong,
                           "public_key": key(7).public_key().to_base64url()}),
                );
            }),
            format!(
                "index 12: key_register: key_id {} is not the thumbprint of its public_key ({})",
                key(8).public_key().key_id(),
                key(7).public_key().key_id()
            ),
        ),
    ];
    for (tamper, expected) in cases {
        let (mut log, keys) = sample();
        tamper(&mut log, &keys);
        assert_eq!(failure(&log.verify()), expected);
    }
}

#[test]
fn a_leaf_with_the_wrong_seq_is_found() {
    let (mut log, _) = sample();
    let (act, signature) = log.parts(3);
    log.leaves[3] = leaf_bytes(&act, &signature, 99, LogBuilder::time(3)).unwrap();
    assert_eq!(
        failure(&log.verify()),
        "index 3: leaf seq is 99, expected 3"
    );
}

#[test]
fn a_non_canonical_leaf_is_found() {
    let (mut log, _) = sample();
    let leaf: Value = serde_json::from_slice(&log.leaves[4]).unwrap();
    log.leaves[4] = serde_json::to_vec_pretty(&leaf).unwrap();
    assert_eq!(
        failure(&log.verify()),
        "index 4: leaf is not RFC 8785 canonical JSON"
    );
    // Members out of order, otherwise byte-identical JSON.
    let (mut log, _) = sample();
    let text = String::from_utf8(log.leaves[4].clone()).unwrap();
    let (act, rest) = text.split_once(",\"received_at\"").unwrap();
    let reordered = format!(
        "{{\"received_at\"{},{}}}",
        rest.trim_end_matches('}'),
        &act[1..]
    );
    log.leaves[4] = reordered.into_bytes();
    assert_eq!(
        failure(&log.verify()),
        "index 4: leaf is not RFC 8785 canonical JSON"
    );
}

#[test]
fn malformed_leaves_are_named() {
    let (mut log, _) = sample();
    log.leaves[2] = b"not json".to_vec();
    assert!(
        failure(&log.verify()).starts_with("index 2: leaf is not JSON: "),
        "{}",
        failure(&log.verify())
    );

    let (mut log, _) = sample();
    let (act, signature) = log.parts(2);
    let mut leaf: Value = serde_json::from_slice(&log.leaves[2]).unwrap();
    leaf["extra"] = json!(1);
    log.leaves[2] = canonical_bytes(&leaf).unwrap();
    assert!(
        failure(&log.verify()).starts_with("index 2: malformed leaf: leaf has members"),
        "{}",
        failure(&log.verify())
    );

    let (mut log, _) = sample();
    let mut leaf: Value = serde_json::from_slice(&log.leaves[2]).unwrap();
    leaf["received_at"] = json!("2026-11-29T16:00:00Z");
    log.leaves[2] = canonical_bytes(&leaf).unwrap();
    assert_eq!(
        failure(&log.verify()),
        "index 2: malformed leaf: received_at is not an RFC 3339 UTC time with 6 fractional digits"
    );

    let (mut log, _) = sample();
    let mut bad = act.clone();
    bad["type"] = json!("consignor.teleport");
    log.replace(2, &bad, &signature);
    assert_eq!(
        failure(&log.verify()),
        "index 2: unknown act type \"consignor.teleport\""
    );
}

#[test]
fn the_root_must_match_the_checkpoint() {
    let (log, _) = sample();
    let wrong = log.checkpoint_with(12, log.root_at(11));
    let report = log.verify_with(&wrong, None, log.entries());
    let message = failure(&report);
    assert!(
        message.starts_with("root mismatch at size 12: the checkpoint says "),
        "{message}"
    );
    assert_eq!(report.totals.entries, 12);
}

#[test]
fn the_checkpoint_must_be_signed_by_the_log_key() {
    let (log, _) = sample();
    let other = KeyPairSigner::new(ORIGIN, key(42)).unwrap();
    let forged = crate::note::Checkpoint {
        origin: ORIGIN.into(),
        size: 12,
        root_hash: log.root_at(12),
        extensions: vec![],
    }
    .sign(&other)
    .unwrap();
    let report = log.verify_with(&forged, None, log.entries());
    assert_eq!(
        failure(&report),
        format!(
            "the checkpoint does not verify with the log key {}: no signature from a known key",
            log.vkey().to_vkey()
        )
    );
    assert!(report.checkpoint.is_none());
}

#[test]
fn entries_must_be_contiguous_and_cover_the_checkpoint_exactly() {
    let (log, _) = sample();
    let mut entries = log.entries();
    let _ = entries.remove(5);
    assert_eq!(
        failure(&log.verify_with(&log.checkpoint(), None, entries)),
        "index 5: entry missing (the next entry has index 6)"
    );

    let mut entries = log.entries();
    let dup = entries[4].clone();
    entries.insert(5, dup);
    assert_eq!(
        failure(&log.verify_with(&log.checkpoint(), None, entries)),
        "index 5: entry out of order (got index 4 again)"
    );

    let mut entries = log.entries();
    entries.truncate(10);
    assert_eq!(
        failure(&log.verify_with(&log.checkpoint(), None, entries)),
        "index 10: entry missing: the entries end after 10 but the checkpoint covers 12"
    );

    let report = log.verify_with(&log.checkpoint_at(10), None, log.entries());
    assert_eq!(
        failure(&report),
        "index 10: entry beyond the checkpoint, which covers only 10 entries"
    );
    assert_eq!(report.totals.entries, 10);
}

#[test]
fn an_unreadable_entry_is_reported_at_its_index() {
    let (log, _) = sample();
    let mut entries = log.entries();
    entries.truncate(7);
    entries.push(Err(SourceError("line 9: bad base64".into())));
    entries.push(Ok(Entry {
        index: 7,
        leaf: log.leaves[7].clone(),
    }));
    let report = log.verify_with(&log.checkpoint(), None, entries);
    assert_eq!(
        failure(&report),
        "index 7: cannot read the entry: line 9: bad base64"
    );
    assert_eq!(report.totals.entries, 7);
}

#[test]
fn since_checks_consistency_from_the_leaves() {
    let (log, _) = sample();
    for old in [0, 1, 6, 12] {
        let report = log.verify_with(
            &log.checkpoint(),
            Some(&log.checkpoint_at(old)),
            log.entries(),
        );
        assert!(report.verified(), "since {old}: {report}");
        assert_eq!(report.since.as_ref().map(|s| s.size), Some(old));
    }

    // An old checkpoint of a log whose entry 5 was different.
    let (mut forked, _) = sample();
    let (mut act, signature) = forked.parts(5);
    act["body"] = json!({"reservations": [{"note": "the other history"}]});
    forked.replace(5, &act, &signature);
    let old = forked.checkpoint_at(6);
    let message = failure(&log.verify_with(&log.checkpoint(), Some(&old), log.entries()));
    assert!(
        message.starts_with(
            "inconsistent with the --since checkpoint: root mismatch at size 6: it says "
        ),
        "{message}"
    );

    let ahead = LogBuilder::new().checkpoint_with(13, [0; 32]);
    assert_eq!(
        failure(&log.verify_with(&log.checkpoint(), Some(&ahead), log.entries())),
        "the --since checkpoint (size 13) is larger than the current checkpoint (size 12): the log shrank or forked"
    );

    let foreign = KeyPairSigner::new(ORIGIN, key(42)).unwrap();
    let foreign_old = crate::note::Checkpoint {
        origin: ORIGIN.into(),
        size: 6,
        root_hash: log.root_at(6),
        extensions: vec![],
    }
    .sign(&foreign)
    .unwrap();
    let message = failure(&log.verify_with(&log.checkpoint(), Some(&foreign_old), log.entries()));
    assert!(
        message.starts_with("the --since checkpoint does not verify with the log key"),
        "{message}"
    );
}

#[test]
fn the_lowest_index_wins_across_kinds_and_chunks() {
    let (mut log, keys) = sample();
    // A bad signature at 5 and a wrong seq at 7 (same or next chunk).
    let (mut act, signature) = log.parts(5);
    act["body"] = json!({"reservations": [{"note": "x"}]});
    log.replace(5, &act, &signature);
    let (act7, sig7) = log.parts(7);
    log.leaves[7] = leaf_bytes(&act7, &sig7, 70, LogBuilder::time(7)).unwrap();
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 5: signature does not verify with key {}",
            keys.carrier.public_key().key_id()
        )
    );

    // A tampered prev without re-signing: the signature is the fault.
    let (mut log, keys) = sample();
    let (mut act, signature) = log.parts(10);
    act["prev"] = json!("00".repeat(32));
    log.replace(10, &act, &signature);
    assert_eq!(
        failure(&log.verify()),
        format!(
            "index 10: signature does not verify with key {}",
            keys.carrier.public_key().key_id()
        )
    );
}

#[test]
fn discrepancies_without_an_index_say_so() {
    let d = Discrepancy::RootMismatch {
        size: 3,
        expected: "a".into(),
        computed: "b".into(),
    };
    assert_eq!(d.index(), None);
    assert_eq!(
        d.to_string(),
        "root mismatch at size 3: the checkpoint says a, the entries give b"
    );
}

/// `cargo test --release --lib verifier::tests::log::timing -- --ignored --nocapture`
#[test]
#[ignore = "timing, not a check"]
fn timing() {
    use std::time::Instant;
    let mut log = LogBuilder::new();
    let keys: Vec<_> = (0..8).map(|i| key(i + 20)).collect();
    log.party("p");
    for k in &keys {
        log.register("p", k);
    }
    let body =
        json!({"lines": [{"line_no": 1, "description": "x".repeat(600), "quantity": "10.00"}]});
    for i in 0..40_000u32 {
        let waybill = format!("w{}", i / 4);
        let act_type = [
            "consignor.issue",
            "carrier.accept",
            "carrier.change_vehicle",
            "consignee.accept",
        ][(i % 4) as usize];
        log.act(&keys[(i % 8) as usize], act_type, &waybill, body.clone());
    }
    let checkpoint = log.checkpoint();
    let bytes: usize = log.leaves.iter().map(Vec::len).sum();
    let t = Instant::now();
    let report =
        crate::verifier::verify_log(&log.vkey(), &checkpoint, log.entries(), None, &mut |_| {});
    let took = t.elapsed();
    assert!(report.verified(), "{report}");
    println!(
        "{} entries ({} MB) in {:?}: {:.0} entries/s on {} threads",
        log.len(),
        bytes / 1_000_000,
        took,
        log.len() as f64 / took.as_secs_f64(),
        rayon::current_num_threads()
    );
}
