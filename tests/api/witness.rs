//! `ewaybill witness` against the real log: it cosigns the service's
//! checkpoints as the log grows (tlog-witness add-checkpoint with the
//! consistency proofs the service serves), answers a stale old size with
//! 409 and its size, and refuses what the log did not sign.

use std::sync::Arc;

use actix_web::{App, HttpServer};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ewaybill::crypto::{KeyPair, sha256};
use ewaybill::merkle::Hash;
use ewaybill::note::{Checkpoint, KeyPairSigner, VerifierKey};
use ewaybill::witness::{AddCheckpoint, Witness, WitnessStore, server};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Actor, TestApp, run_verify};
use crate::log::vkey;

crate::on_both_backends!(
    a_witness_cosigns_the_growing_log_and_refuses_the_rest,
    a_verifier_with_a_quorum_needs_the_witnesses_cosignatures,
);

/// A witness on an ephemeral port; returns its URL and verifier key.
pub fn start_witness(name: &str, seed: u8, logs: Vec<VerifierKey>) -> (String, VerifierKey) {
    let signer = KeyPairSigner::new(name, KeyPair::from_seed(&[seed; 32])).unwrap();
    let witness = Arc::new(Witness::new(
        signer,
        logs,
        WitnessStore::open(":memory:").unwrap(),
    ));
    let key = witness.verifier_key().unwrap();
    let server = HttpServer::new(move || App::new().configure(server::configure(witness.clone())))
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    (format!("http://{addr}"), key)
}

async fn note(app: &TestApp) -> String {
    let res = app.http.get(app.url("/checkpoint")).send().await.unwrap();
    res.text().await.unwrap()
}

async fn consistency(app: &TestApp, auditor: &Actor, from: u64, to: u64) -> Vec<Hash> {
    let (status, body) = app
        .get(
            auditor,
            &format!("/v1/log/proof/consistency?from={from}&to={to}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

/// A client that keeps no idle connection to a witness: a kept one that
/// the witness closes (keep-alive timeout) just as the next request goes
/// out fails that request, which is not what these tests are about.
fn witness_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn add(_app: &TestApp, url: &str, request: &AddCheckpoint) -> (StatusCode, String, String) {
    let res = witness_client()
        .post(format!("{url}/add-checkpoint"))
        .body(request.to_body())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

/// tests/independent/cosignature.py, written from the C2SP specs, accepts
/// the witness's cosignature (skipped without Python's `cryptography`
/// unless EWAYBILL_REQUIRE_INTEROP is set).
fn independent_check(note: &str, log: &VerifierKey, witness: &VerifierKey) {
    if !crate::interop::python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("note"), note).unwrap();
    std::fs::write(path("log.vkey"), log.to_vkey()).unwrap();
    std::fs::write(path("witness.vkey"), witness.to_vkey()).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/cosignature.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([path("note"), path("log.vkey"), path("witness.vkey")])
        .output()
        .unwrap();
    let (ok, text) = crate::common::outcome(&out);
    assert!(ok, "{text}");
    assert!(text.contains("ok: witness witness.test/w1"), "{text}");
    // And the checker itself agrees with the shared vector and refuses a
    // tampered checkpoint.
    let out = std::process::Command::new("python3")
        .arg(script_path())
        .output()
        .unwrap();
    let (ok, text) = crate::common::outcome(&out);
    assert!(
        ok && text.contains("tampered checkpoint is refused"),
        "{text}"
    );
}

fn script_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/cosignature.py")
}

async fn a_witness_cosigns_the_growing_log_and_refuses_the_rest(app: TestApp) {
    let mut s = app.shipment().await;
    let auditor = app.register_party("auditor", "Log auditor").await;
    let log = vkey(&app, &auditor).await;
    let (url, witness) = start_witness("witness.test/w1", 11, vec![log.clone()]);

    // First contact: old size 0, no proof.
    let first = note(&app).await;
    let first_size = Checkpoint::open(&first, &log).unwrap().size;
    let request = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: first.clone(),
    };
    let (status, _, lines) = add(&app, &url, &request).await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    let cosigned = format!("{first}{lines}");
    let (_, opened) =
        Checkpoint::open_cosigned(&cosigned, &log, std::slice::from_ref(&witness)).unwrap();
    assert_eq!(
        opened.verified_by,
        [log.name().to_owned(), "witness.test/w1".to_owned()]
    );
    assert_eq!(opened.cosignature_times.len(), 1);

    // The log grows; the same old size 0 is now stale: 409 with the size.
    let carrier = s.carrier.clone();
    app.act(&mut s, &carrier, "carrier.accept", json!({})).await;
    let second = note(&app).await;
    let second_size = Checkpoint::open(&second, &log).unwrap().size;
    assert!(second_size > first_size);
    let stale = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: second.clone(),
    };
    let (status, kind, body) = add(&app, &url, &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(kind, "text/x.tlog.size");
    assert_eq!(body, format!("{first_size}\n"));

    // With the consistency proof from the size it cosigned: cosigned.
    let mut next = AddCheckpoint {
        old_size: first_size,
        proof: consistency(&app, &auditor, first_size, second_size).await,
        checkpoint: second.clone(),
    };
    let (status, _, lines) = add(&app, &url, &next).await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    Checkpoint::open_cosigned(
        &format!("{second}{lines}"),
        &log,
        std::slice::from_ref(&witness),
    )
    .unwrap();

    // The monitoring read serves it, cosigned.
    let hash = hex::encode(sha256(log.name().as_bytes()));
    let served = witness_client()
        .get(format!("{url}/{hash}/checkpoint"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (cp, opened) =
        Checkpoint::open_cosigned(&served, &log, std::slice::from_ref(&witness)).unwrap();
    assert_eq!((cp.size, opened.verified_by.len()), (second_size, 2));
    independent_check(&served, &log, &witness);

    // A wrong proof is 422; a checkpoint the log did not sign 403; an
    // unknown log 404; a body that is no request 400.
    next.old_size = second_size;
    next.proof = vec![[7; 32]];
    let (status, _, _) = add(&app, &url, &next).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let forger = KeyPairSigner::new(log.name(), KeyPair::from_seed(&[99; 32])).unwrap();
    let mut forged = Checkpoint::open(&second, &log).unwrap();
    forged.size += 1;
    let forged = AddCheckpoint {
        old_size: second_size,
        proof: vec![],
        checkpoint: forged.sign(&forger).unwrap(),
    };
    let (status, _, _) = add(&app, &url, &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = KeyPairSigner::new("example.com/other", KeyPair::from_seed(&[5; 32])).unwrap();
    let other = Checkpoint {
        origin: "example.com/other".into(),
        size: 0,
        root_hash: ewaybill::merkle::empty_root(),
        extensions: vec![],
    };
    let unknown = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: other.sign(&stranger).unwrap(),
    };
    let (status, _, _) = add(&app, &url, &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = witness_client()
        .post(format!("{url}/add-checkpoint"))
        .body("old 1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

/// `ewaybill verify --proof ... --witness ... --quorum N` accepts a
/// tlog-proof whose checkpoint enough trusted witnesses cosigned, and
/// rejects one with too few.
async fn a_verifier_with_a_quorum_needs_the_witnesses_cosignatures(app: TestApp) {
    let s = app.shipment().await;
    let log = vkey(&app, &s.consignor).await;
    let (url1, w1) = start_witness("witness.test/w1", 11, vec![log.clone()]);
    let (_, w2) = start_witness("witness.test/w2", 12, vec![log.clone()]);
    let proof = app
        .http
        .get(app.url(&format!("/v1/waybills/{}/events/1/proof", s.id)))
        .bearer_auth(&s.consignor.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The proof's checkpoint is the file's last part: a witness's lines
    // appended to the file are appended to the checkpoint.
    let checkpoint = ewaybill::note::TlogProof::parse(&proof).unwrap().checkpoint;
    let request = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint,
    };
    let (status, _, lines) = add(&app, &url1, &request).await;
    assert_eq!(status, StatusCode::OK, "{lines}");

    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.tlog-proof");
    let cosigned = dir.path().join("cosigned.tlog-proof");
    std::fs::write(&plain, &proof).unwrap();
    std::fs::write(&cosigned, format!("{proof}{lines}")).unwrap();
    let args = |file: &std::path::Path, witnesses: &[&VerifierKey], quorum: usize| {
        let mut args = vec![
            "--proof".to_owned(),
            file.display().to_string(),
            "--vkey".to_owned(),
            log.to_vkey(),
        ];
        for w in witnesses {
            args.extend(["--witness".to_owned(), w.to_vkey()]);
        }
        args.extend(["--quorum".to_owned(), quorum.to_string()]);
        args
    };

    let (ok, out) = run_verify(args(&cosigned, &[&w1, &w2], 1)).await;
    assert!(ok, "{out}");
    assert!(out.contains("1 of 1 required cosigned"), "{out}");
    assert!(out.contains("witness.test/w1"), "{out}");
    let (ok, out) = run_verify(args(&cosigned, &[&w1, &w2], 2)).await;
    assert!(!ok, "{out}");
    assert!(out.contains("not cosigned by enough witnesses"), "{out}");
    let (ok, out) = run_verify(args(&plain, &[&w1], 1)).await;
    assert!(!ok, "{out}");
    assert!(out.contains("0 of 1 required"), "{out}");
}
