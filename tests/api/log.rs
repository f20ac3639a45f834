//! The verifiable log through the real API: receipts, checkpoints, proofs,
//! entries, tlog-proof files, access rules, and two service instances
//! writing to one database without forking the tree.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ewaybill::merkle::{self, Frontier};
use ewaybill::note::{Checkpoint, TlogProof, VerifierKey};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};

crate::on_both_backends!(
    receipts_and_events_verify_offline_with_the_log_key,
    entries_reproduce_every_signed_checkpoint,
    proofs_and_who_may_read_them,
    tlog_proof_file_checks_offline,
    two_instances_on_one_database_keep_one_tree,
);

async fn text(app: &TestApp, who: &Actor, path: &str) -> (StatusCode, String) {
    let res = app
        .http
        .get(app.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

pub async fn vkey(app: &TestApp, who: &Actor) -> VerifierKey {
    let (status, body) = text(app, who, "/v1/log/key").await;
    assert_eq!(status, StatusCode::OK);
    VerifierKey::parse(body.trim_end()).unwrap()
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD.decode(v.as_str().unwrap()).unwrap()
}

fn proof_of(v: &Value) -> Vec<Vec<u8>> {
    v.as_array().unwrap().iter().map(b64).collect()
}

async fn receipts_and_events_verify_offline_with_the_log_key(app: TestApp) {
    let mut s = app.shipment().await;
    let key = vkey(&app, &s.consignor).await;
    let carrier = s.carrier.clone();
    let body = app
        .act_ok(&mut s, &carrier, "carrier.accept", json!({}))
        .await;

    let receipt = &body["receipt"];
    let checkpoint = Checkpoint::open(receipt["checkpoint"].as_str().unwrap(), &key).unwrap();
    assert_eq!(checkpoint.size, receipt["tree_size"].as_u64().unwrap());
    let index = receipt["log_index"].as_u64().unwrap();
    assert_eq!(index, body["event"]["log_index"].as_u64().unwrap());
    assert!(index < checkpoint.size);

    // The leaf is the event itself: recompute its hash from the returned bytes.
    let leaf = b64(&body["event"]["leaf"]);
    let leaf_hash = merkle::leaf_hash(&leaf);
    assert_eq!(leaf_hash.to_vec(), b64(&receipt["leaf_hash"]));
    merkle::verify_inclusion(
        &leaf_hash,
        index,
        checkpoint.size,
        &proof_of(&receipt["inclusion_proof"]),
        &checkpoint.root_hash,
    )
    .unwrap();

    let leaf_json: Value = serde_json::from_slice(&leaf).unwrap();
    assert_eq!(leaf_json["act"], body["event"]["act"]);
    assert_eq!(leaf_json["signature"], body["event"]["signature"]);
    assert_eq!(leaf_json["seq"], index);
    assert_eq!(
        leaf,
        ewaybill::crypto::canonical_bytes(&leaf_json).unwrap(),
        "leaf is canonical JSON"
    );

    // A tampered proof or leaf does not verify.
    let mut bad = leaf.clone();
    bad[10] ^= 1;
    assert!(
        merkle::verify_inclusion(
            &merkle::leaf_hash(&bad),
            index,
            checkpoint.size,
            &proof_of(&receipt["inclusion_proof"]),
            &checkpoint.root_hash
        )
        .is_err()
    );

    // Registry changes answer with receipts too.
    let (status, created) = app.post(&app.admin, "/v1/parties", json!({"kind": "auditor", "name": "Independent auditor", "reg_no": "AUD-1", "country": "LV"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let cp = Checkpoint::open(created["receipt"]["checkpoint"].as_str().unwrap(), &key).unwrap();
    assert!(cp.size > checkpoint.size);
}

/// Recomputes the tree from all entries and checks every checkpoint in the
/// history against it (which is also consistency between all of them).
pub async fn assert_history_matches_entries(app: &TestApp, reader: &Actor) -> u64 {
    let key = vkey(app, reader).await;
    let (status, latest) = text(app, reader, "/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let latest = Checkpoint::open(&latest, &key).unwrap();

    let mut leaves = Vec::new();
    while (leaves.len() as u64) < latest.size {
        let path = format!("/v1/log/entries?start={}&end={}", leaves.len(), latest.size);
        let (status, page) = app.get(reader, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let entries = page["entries"].as_array().unwrap();
        assert!(!entries.is_empty() && entries.len() <= 1000);
        for entry in entries {
            assert_eq!(entry["index"].as_u64().unwrap(), leaves.len() as u64);
            leaves.push(merkle::leaf_hash(&b64(&entry["leaf"])));
        }
    }
    let mut roots = vec![merkle::empty_root()];
    let mut frontier = Frontier::new();
    for leaf in &leaves {
        frontier.append(*leaf).unwrap();
        roots.push(frontier.root());
    }
    assert_eq!(frontier.root(), latest.root_hash);

    let mut after = 0;
    let mut seen = 0;
    loop {
        let (status, history) = app
            .get(
                reader,
                &format!("/v1/log/checkpoints?after={after}&limit=1000"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{history}");
        let history = history.as_array().unwrap();
        if history.is_empty() {
            break;
        }
        for view in history {
            let cp = Checkpoint::open(view["note"].as_str().unwrap(), &key).unwrap();
            assert_eq!(
                cp.root_hash, roots[cp.size as usize],
                "checkpoint of size {}",
                cp.size
            );
            after = cp.size;
            seen += 1;
        }
    }
    assert!(seen > 0);
    latest.size
}

async fn entries_reproduce_every_signed_checkpoint(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    app.act(&mut s, &carrier, "carrier.accept", json!({})).await;
    let tax = app
        .register_party("authority", "State Revenue Service")
        .await;
    let size = assert_history_matches_entries(&app, &tax).await;
    assert!(size >= 10, "{size}");
    // Reads of raw entries are audited.
    app.assert_audited(|r| r["action"] == "log.entries").await;
}

async fn proofs_and_who_may_read_them(app: TestApp) {
    let s = app.shipment().await;
    let outsider = app.company("Outsider").await;
    let auditor = app.register_party("auditor", "Log auditor").await;
    let key = vkey(&app, &auditor).await;
    let (_, note) = text(&app, &auditor, "/v1/log/checkpoint").await;
    let cp = Checkpoint::open(&note, &key).unwrap();
    let (_, events) = app.events(&s.consignee, s.id).await;
    let index = events[0]["log_index"].as_u64().unwrap();
    let path = format!("/v1/log/proof/inclusion?index={index}&size={}", cp.size);

    // The waybill's parties and the auditor get the proof; an outsider does not.
    for who in [&s.consignor, &s.consignee, &auditor] {
        let (status, proof) = app.get(who, &path).await;
        assert_eq!(status, StatusCode::OK, "{proof}");
        merkle::verify_inclusion(
            &b64(&proof["leaf_hash"]),
            index,
            cp.size,
            &proof_of(&proof["proof"]),
            &cp.root_hash,
        )
        .unwrap();
    }
    let (status, _) = app.get(&outsider, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Registry entries are not a company's to prove.
    let (status, _) = app
        .get(
            &s.consignor,
            &format!("/v1/log/proof/inclusion?index=0&size={}", cp.size),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // History, consistency and entries: authorities and auditors only.
    for path in [
        "/v1/log/checkpoints",
        "/v1/log/proof/consistency?from=1&to=2",
        "/v1/log/entries?start=0&end=5",
    ] {
        let (status, problem) = app.get(&s.consignor, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(problem["code"], "forbidden");
    }
    // Consistency between two checkpoints of the history.
    let (_, history) = app.get(&auditor, "/v1/log/checkpoints").await;
    let history = history.as_array().unwrap();
    let old = Checkpoint::open(history[1]["note"].as_str().unwrap(), &key).unwrap();
    let (status, proof) = app
        .get(
            &auditor,
            &format!("/v1/log/proof/consistency?from={}&to={}", old.size, cp.size),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{proof}");
    merkle::verify_consistency(
        old.size,
        cp.size,
        &old.root_hash,
        &cp.root_hash,
        &proof_of(&proof["proof"]),
    )
    .unwrap();

    for (path, code) in [
        (
            format!("/v1/log/proof/inclusion?index=0&size={}", cp.size + 5),
            "size_beyond_tree",
        ),
        (
            "/v1/log/proof/inclusion?index=3&size=3".to_owned(),
            "index_out_of_range",
        ),
        (
            "/v1/log/proof/consistency?from=0&to=3".to_owned(),
            "invalid_sizes",
        ),
        ("/v1/log/entries?start=5&end=5".to_owned(), "invalid_range"),
    ] {
        let (status, problem) = app.get(&auditor, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], code);
    }
    // Everyone may read the key and the latest checkpoint (without a
    // token too: see contract.rs).
    assert_eq!(text(&app, &outsider, "/v1/log/key").await.0, StatusCode::OK);
    assert_eq!(
        text(&app, &outsider, "/v1/log/checkpoint").await.0,
        StatusCode::OK
    );
}

async fn tlog_proof_file_checks_offline(app: TestApp) {
    let mut s = app.shipment().await;
    app.carrier_accept(&mut s, json!({"reservations": [{"note": "ok"}]}))
        .await;
    let key = vkey(&app, &s.consignor).await;
    let (_, events) = app.events(&s.consignor, s.id).await;
    for (position, event) in events.as_array().unwrap().iter().enumerate() {
        let (status, file) = text(
            &app,
            &s.carrier,
            &format!("/v1/waybills/{}/events/{}/proof", s.id, position + 1),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert!(file.starts_with("c2sp.org/tlog-proof@v1\n"), "{file}");
        let proof = TlogProof::parse(&file).unwrap();
        let checkpoint = proof.open_checkpoint(&key).unwrap();
        let leaf = proof.extra.clone().unwrap();
        assert_eq!(leaf, b64(&event["leaf"]));
        assert_eq!(proof.index, event["log_index"].as_u64().unwrap());
        merkle::verify_inclusion(
            &merkle::leaf_hash(&leaf),
            proof.index,
            checkpoint.size,
            &proof.proof,
            &checkpoint.root_hash,
        )
        .unwrap();
    }
    let (status, _) = text(
        &app,
        &s.carrier,
        &format!("/v1/waybills/{}/events/9/proof", s.id),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let outsider = app.company("Outsider").await;
    let (status, _) = text(
        &app,
        &outsider,
        &format!("/v1/waybills/{}/events/1/proof", s.id),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn two_instances_on_one_database_keep_one_tree(app: TestApp) {
    // A second service process on the same database and the same data dir
    // (so the same service key), as a second replica would run.
    let second = app.second_instance().await;
    let (consignor, carrier, consignee) = app.parties().await;
    let first_half = (0..15).map(|_| app.issue(&consignor, &carrier, &consignee));
    let second_half = (0..15).map(|_| second.issue(&consignor, &carrier, &consignee));
    let (a, b) = futures_util::join!(
        futures_util::future::join_all(first_half),
        futures_util::future::join_all(second_half)
    );
    assert_eq!(a.len() + b.len(), 30);
    let auditor = app.register_party("auditor", "Log auditor").await;
    let size = assert_history_matches_entries(&app, &auditor).await;
    assert!(size >= 30);

    // The offline auditor agrees, and the log is consistent with a
    // checkpoint saved before the last writes.
    let dir = tempfile::tempdir().unwrap();
    let key_file = auditor.key_file(dir.path());
    let (_, saved) = text(&app, &auditor, "/v1/log/checkpoint").await;
    let saved_path = dir.path().join("saved-checkpoint.txt");
    std::fs::write(&saved_path, saved).unwrap();
    let (_, vkey_text) = text(&app, &auditor, "/v1/log/key").await;
    app.issue(&consignor, &carrier, &consignee).await;
    let mut args = crate::common::verify_args(&second, &key_file, &vkey_text);
    args.extend(["--since".into(), saved_path.display().to_string()]);
    let (ok, report) = crate::common::run_verify(args).await;
    assert!(ok, "{report}");
    // Both instances serve the same tree head.
    let key = vkey(&app, &auditor).await;
    let (_, one) = text(&app, &auditor, "/v1/log/checkpoint").await;
    let (_, two) = text(&second, &auditor, "/v1/log/checkpoint").await;
    assert_eq!(
        Checkpoint::open(&one, &key).unwrap(),
        Checkpoint::open(&two, &key).unwrap()
    );
}
