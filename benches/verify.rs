//! `ewaybill verify` throughput against the machine's raw Ed25519
//! verification speed, both measured in the same run:
//!
//!     cargo bench --bench verify            (BENCH_ENTRIES, default 40000)
//!
//! The log is synthetic but realistic: a registry (parties, keys) signed by
//! the log key, then issue acts carrying the fixture documents (~2-3 KB),
//! each signed by its consignor's key, and a signed checkpoint. The
//! verifier does everything it does on a real log (canonical-JSON checks,
//! key replay, hash chains, strict signatures on all cores, the tree).
//! The baseline is `openssl speed -seconds 5 ed25519` (one core).

use std::process::Command;
use std::time::Instant;

use chrono::{Duration, SecondsFormat, Utc};
use ewaybill::crypto::{KeyPair, canonical_bytes};
use ewaybill::ledger::event_hash::event_hash;
use ewaybill::ledger::leaf::leaf_bytes;
use ewaybill::merkle::{self, Frontier};
use ewaybill::note::{Checkpoint, KeyPairSigner, NoteSigner};
use ewaybill::verifier::{Entry, verify_log};
use serde_json::{Value, json};
use uuid::Uuid;

fn sign(key: &KeyPair, act: &Value) -> String {
    key.sign(&canonical_bytes(act).unwrap()).to_base64url()
}

fn openssl_verify_per_second() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "5", "ed25519"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "253 bits EdDSA (Ed25519)   0.0000s   0.0001s  45123.4  16022.1"
    let line = text
        .lines()
        .find(|l| l.contains("(Ed25519)") && l.contains('s'))?;
    line.split_whitespace().last()?.parse().ok()
}

fn main() {
    let entries: usize = std::env::var("BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/waybills");
    let documents: Vec<Value> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| {
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();

    let log_key = KeyPair::generate().unwrap();
    let signer = KeyPairSigner::new("bench.example/log", log_key.clone()).unwrap();
    let start = Utc::now() - Duration::days(1);
    let mut leaves: Vec<Vec<u8>> = Vec::with_capacity(entries + 64);
    let mut registry_head: Option<String> = None;
    let push = |leaves: &mut Vec<Vec<u8>>, act: Value, signature: String| {
        let seq = leaves.len() as i64;
        leaves
            .push(leaf_bytes(&act, &signature, seq, start + Duration::milliseconds(seq)).unwrap());
    };
    let mut registry = |leaves: &mut Vec<Vec<u8>>, act_type: &str, body: Value| {
        let act = json!({"type": act_type, "waybill_id": null, "prev": registry_head,
            "key_id": log_key.public_key().key_id(),
            "signed_at": start.to_rfc3339_opts(SecondsFormat::Secs, true), "body": body});
        let signature = sign(&log_key, &act);
        registry_head = Some(event_hash(&act, &signature).unwrap());
        push(leaves, act, signature);
    };
    let consignors: Vec<(String, KeyPair)> = (0..16)
        .map(|i| (format!("party-{i}"), KeyPair::generate().unwrap()))
        .collect();
    for (party_id, key) in &consignors {
        registry(
            &mut leaves,
            "registry.party_create",
            json!({"party_id": party_id, "kind": "company",
            "name": "Bench SIA", "reg_no": party_id, "country": "LV", "vat_no": null, "address": null,
            "requested_by": "bench"}),
        );
        registry(
            &mut leaves,
            "registry.key_register",
            json!({"party_id": party_id,
            "key_id": key.public_key().key_id(), "public_key": key.public_key().to_base64url(),
            "label": "bench", "requested_by": "bench"}),
        );
    }
    eprintln!("signing {entries} acts...");
    while leaves.len() < entries {
        let (_, key) = &consignors[leaves.len() % consignors.len()];
        let act = json!({"type": "consignor.issue", "waybill_id": Uuid::now_v7(), "prev": null,
            "key_id": key.public_key().key_id(),
            "signed_at": start.to_rfc3339_opts(SecondsFormat::Secs, true),
            "body": documents[leaves.len() % documents.len()]});
        let signature = sign(key, &act);
        push(&mut leaves, act, signature);
    }
    let mut frontier = Frontier::new();
    for leaf in &leaves {
        frontier.append(merkle::leaf_hash(leaf)).unwrap();
    }
    let checkpoint = Checkpoint {
        origin: signer.name().to_owned(),
        size: frontier.size(),
        root_hash: frontier.root(),
        extensions: Vec::new(),
    }
    .sign(&signer)
    .unwrap();
    let vkey = signer.verifier_key();
    let bytes: usize = leaves.iter().map(Vec::len).sum();

    let threads = rayon::current_num_threads();
    let started = Instant::now();
    let report = verify_log(
        &vkey,
        &checkpoint,
        leaves.into_iter().enumerate().map(|(i, leaf)| {
            Ok(Entry {
                index: i as u64,
                leaf,
            })
        }),
        None,
        &mut |_| {},
    );
    let elapsed = started.elapsed().as_secs_f64();
    assert!(report.verified(), "{report}");
    let ours = entries as f64 / elapsed;
    println!(
        "verify: {entries} entries ({:.1} MB) in {elapsed:.2} s = {ours:.0} entries/s on {threads} threads ({:.0} per thread)",
        bytes as f64 / 1e6,
        ours / threads as f64
    );
    match openssl_verify_per_second() {
        Some(raw) => println!(
            "openssl speed ed25519 (one core, same run): {raw:.0} verify/s; ewaybill verify per thread = {:.0}% of it",
            100.0 * ours / threads as f64 / raw
        ),
        None => println!("openssl not available: no baseline"),
    }
}
