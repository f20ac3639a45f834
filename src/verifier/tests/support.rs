//! A synthetic log built in memory, the way the service writes one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::crypto::{KeyPair, canonical_bytes};
use crate::ledger::event_hash::event_hash;
use crate::ledger::leaf::leaf_bytes;
use crate::merkle::{MemoryTree, leaf_hash};
use crate::note::{Checkpoint, KeyPairSigner, VerifierKey};
use crate::verifier::log::verify_log_chunked;
use crate::verifier::{Entry, Report, SourceError};

pub const ORIGIN: &str = "ewaybill/test-log";
pub const W1: &str = "0192f5a0-0000-7000-8000-000000000001";
pub const W2: &str = "0192f5a0-0000-7000-8000-000000000002";
pub const W3: &str = "0192f5a0-0000-7000-8000-000000000003";

pub fn key(n: u8) -> KeyPair {
    KeyPair::from_seed(&[n; 32])
}

pub fn sign(key: &KeyPair, act: &Value) -> String {
    key.sign(&canonical_bytes(act).unwrap()).to_base64url()
}

pub struct LogBuilder {
    pub log_key: KeyPair,
    pub signer: KeyPairSigner,
    pub leaves: Vec<Vec<u8>>,
    pub registry_head: Option<String>,
    pub heads: HashMap<String, String>,
}

impl LogBuilder {
    pub fn new() -> Self {
        let log_key = key(1);
        Self {
            signer: KeyPairSigner::new(ORIGIN, log_key.clone()).unwrap(),
            log_key,
            leaves: Vec::new(),
            registry_head: None,
            heads: HashMap::new(),
        }
    }

    pub fn vkey(&self) -> VerifierKey {
        self.signer.verifier_key()
    }

    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    pub fn time(seq: u64) -> DateTime<Utc> {
        let t0: DateTime<Utc> = "2026-11-29T16:00:00Z".parse().unwrap();
        t0 + Duration::microseconds(1_500 * seq as i64 + 7)
    }

    fn signed_at(&self) -> String {
        Self::time(self.len()).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Appends an act with its signature as the next leaf.
    pub fn push(&mut self, act: Value, signature: String) -> u64 {
        let seq = self.len();
        let leaf = leaf_bytes(&act, &signature, seq as i64, Self::time(seq)).unwrap();
        self.leaves.push(leaf);
        seq
    }

    /// A registry entry signed by `signer` (normally the log key), chained.
    pub fn registry_by(&mut self, signer: &KeyPair, act_type: &str, body: Value) -> u64 {
        let act = json!({
            "type": act_type, "waybill_id": null, "prev": self.registry_head,
            "key_id": signer.public_key().key_id(), "signed_at": self.signed_at(), "body": body,
        });
        let signature = sign(signer, &act);
        self.registry_head = Some(event_hash(&act, &signature).unwrap());
        self.push(act, signature)
    }

    pub fn registry(&mut self, act_type: &str, body: Value) -> u64 {
        let log_key = self.log_key.clone();
        self.registry_by(&log_key, act_type, body)
    }

    pub fn party(&mut self, party_id: &str) -> u64 {
        self.registry(
            "registry.party_create",
            json!({"party_id": party_id, "kind": "company", "name": format!("{party_id} SIA"),
                   "reg_no": "40003000000", "country": "LV", "vat_no": null, "address": null,
                   "requested_by": "operator"}),
        )
    }

    pub fn register(&mut self, party_id: &str, key: &KeyPair) -> u64 {
        let public_key = key.public_key();
        self.registry(
            "registry.key_register",
            json!({"party_id": party_id, "key_id": public_key.key_id(),
                   "public_key": public_key.to_base64url(), "label": "ERP", "requested_by": "operator"}),
        )
    }

    pub fn revoke(&mut self, party_id: &str, key: &KeyPair) -> u64 {
        self.registry(
            "registry.key_revoke",
            json!({"party_id": party_id, "key_id": key.public_key().key_id(), "requested_by": party_id}),
        )
    }

    /// The act a party would sign next for `waybill_id` (prev = its head).
    pub fn next_act(&self, key: &KeyPair, act_type: &str, waybill_id: &str, body: Value) -> Value {
        json!({
            "type": act_type, "waybill_id": waybill_id, "prev": self.heads.get(waybill_id),
            "key_id": key.public_key().key_id(), "signed_at": self.signed_at(), "body": body,
        })
    }

    /// Signs and appends a waybill act, chained to the waybill's head.
    pub fn act(&mut self, key: &KeyPair, act_type: &str, waybill_id: &str, body: Value) -> u64 {
        let act = self.next_act(key, act_type, waybill_id, body);
        let signature = sign(key, &act);
        self.heads
            .insert(waybill_id.to_owned(), event_hash(&act, &signature).unwrap());
        self.push(act, signature)
    }

    /// The act and signature of leaf `index`.
    pub fn parts(&self, index: u64) -> (Value, String) {
        let leaf: Value = serde_json::from_slice(&self.leaves[index as usize]).unwrap();
        (
            leaf["act"].clone(),
            leaf["signature"].as_str().unwrap().to_owned(),
        )
    }

    /// Replaces leaf `index` with another act/signature at the same seq.
    pub fn replace(&mut self, index: u64, act: &Value, signature: &str) {
        self.leaves[index as usize] =
            leaf_bytes(act, signature, index as i64, Self::time(index)).unwrap();
    }

    pub fn root_at(&self, size: u64) -> [u8; 32] {
        MemoryTree::from_leaf_hashes(self.leaves[..size as usize].iter().map(|l| leaf_hash(l)))
            .root()
    }

    pub fn checkpoint_with(&self, size: u64, root_hash: [u8; 32]) -> String {
        Checkpoint {
            origin: ORIGIN.to_owned(),
            size,
            root_hash,
            extensions: vec![],
        }
        .sign(&self.signer)
        .unwrap()
    }

    /// A checkpoint over the first `size` leaves as they are now.
    pub fn checkpoint_at(&self, size: u64) -> String {
        self.checkpoint_with(size, self.root_at(size))
    }

    pub fn checkpoint(&self) -> String {
        self.checkpoint_at(self.len())
    }

    pub fn entries(&self) -> Vec<Result<Entry, SourceError>> {
        self.leaves
            .iter()
            .enumerate()
            .map(|(i, leaf)| {
                Ok(Entry {
                    index: i as u64,
                    leaf: leaf.clone(),
                })
            })
            .collect()
    }

    /// Verifies the leaves against a checkpoint over all of them, in chunks
    /// of 3 (so chunk boundaries are crossed) and of 2048; both must agree.
    pub fn verify(&self) -> Report {
        self.verify_with(&self.checkpoint(), None, self.entries())
    }

    pub fn verify_with(
        &self,
        checkpoint: &str,
        since: Option<&str>,
        entries: Vec<Result<Entry, SourceError>>,
    ) -> Report {
        let vkey = self.vkey();
        let mut seen = Vec::new();
        let small = verify_log_chunked(
            &vkey,
            checkpoint,
            entries.clone(),
            since,
            &mut |n| seen.push(n),
            3,
        );
        let large = verify_log_chunked(&vkey, checkpoint, entries, since, &mut |_| {}, 2048);
        assert_eq!(small, large, "chunking changed the verdict");
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress {seen:?}");
        small
    }
}

/// Keys of the sample log's parties.
pub struct Keys {
    pub brewery: KeyPair,
    pub carrier: KeyPair,
    pub brewery2: KeyPair,
}

/// The sample log (12 entries):
///
/// ```text
///  0 party brewery          6 consignor.issue W2 (brewery)
///  1 party carrier          7 key_register brewery2
///  2 key_register brewery   8 key_revoke brewery
///  3 key_register carrier   9 consignor.cancel W2 (brewery2)
///  4 consignor.issue W1     10 carrier.change_vehicle W1 (carrier)
///  5 carrier.accept W1      11 consignor.issue W3 (brewery2)
/// ```
pub fn sample() -> (LogBuilder, Keys) {
    let keys = Keys {
        brewery: key(2),
        carrier: key(3),
        brewery2: key(4),
    };
    let mut log = LogBuilder::new();
    log.party("brewery");
    log.party("carrier");
    log.register("brewery", &keys.brewery);
    log.register("carrier", &keys.carrier);
    log.act(
        &keys.brewery,
        "consignor.issue",
        W1,
        json!({"number": "BR-1"}),
    );
    log.act(
        &keys.carrier,
        "carrier.accept",
        W1,
        json!({"reservations": []}),
    );
    log.act(
        &keys.brewery,
        "consignor.issue",
        W2,
        json!({"number": "BR-2"}),
    );
    log.register("brewery", &keys.brewery2);
    log.revoke("brewery", &keys.brewery);
    log.act(
        &keys.brewery2,
        "consignor.cancel",
        W2,
        json!({"reason": "wrong goods"}),
    );
    log.act(
        &keys.carrier,
        "carrier.change_vehicle",
        W1,
        json!({"vehicle_plate": "AB-1234", "vehicle_country": "LV"}),
    );
    log.act(
        &keys.brewery2,
        "consignor.issue",
        W3,
        json!({"number": "BR-3 \"Ēķis\""}),
    );
    assert_eq!(log.len(), 12);
    (log, keys)
}

/// The failure message, which must name the index first when there is one.
pub fn failure(report: &Report) -> String {
    let d = report
        .discrepancy
        .as_ref()
        .unwrap_or_else(|| panic!("expected a discrepancy, got:\n{report}"));
    let message = d.to_string();
    if let Some(index) = d.index() {
        assert!(
            message.starts_with(&format!("index {index}: ")),
            "{message}"
        );
    }
    message
}
