//! Checkpoints, proofs and entries produced by the service verify with an
//! independent implementation (tests/interop/verify_log.py: Python's
//! `cryptography` and RFC 9162 written from the spec), and a tampered proof
//! does not; the roadside QR code decodes and verifies with another
//! (tests/interop/verify_qr.py: PyPI's `cbor2`, `base45` and
//! `cryptography`, and `zlib`), and a one-character change does not.
//! Skipped when Python or a package is missing unless
//! EWAYBILL_REQUIRE_INTEROP is set (CI sets it).

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::common::TestApp;

crate::on_both_backends!(
    an_independent_implementation_verifies_the_log,
    an_independent_implementation_verifies_the_qr_code,
);

pub fn python_ready() -> bool {
    python_with("cryptography")
}

/// Whether python3 can import `modules` (comma-separated).
fn python_with(modules: &str) -> bool {
    let ready = Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("EWAYBILL_REQUIRE_INTEROP").is_none(),
            "EWAYBILL_REQUIRE_INTEROP is set but python3 with `{modules}` is missing"
        );
        eprintln!("skipping the interop check: python3 with `{modules}` is missing");
    }
    ready
}

fn run_script(script: &str, args: &[&Path]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    crate::common::outcome(&out)
}

fn run_checker(dir: &Path) -> (bool, String) {
    run_script("tests/interop/verify_log.py", &[dir])
}

async fn an_independent_implementation_verifies_the_qr_code(app: TestApp) {
    if !python_with("cryptography, cbor2, base45") {
        return;
    }
    let s = app.shipment().await;
    let (status, content) = app
        .get(&s.carrier, &format!("/v1/waybills/{}/qr?format=json", s.id))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{content}");
    let dir = tempfile::tempdir().unwrap();
    let (qr, vkey) = (dir.path().join("qr.txt"), dir.path().join("vkey.txt"));
    let qr_text = content["text"].as_str().unwrap();
    std::fs::write(&qr, qr_text).unwrap();
    std::fs::write(&vkey, text(&app, &s.carrier, "/v1/log/key").await).unwrap();

    let (ok, output) = run_script("tests/interop/verify_qr.py", &[&qr, &vkey]);
    assert!(ok, "{output}");
    let line = output.lines().find(|l| l.starts_with('{')).unwrap();
    let decoded: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(decoded, content["summary"], "{output}");

    // One character changed near the end of the payload.
    let at = qr_text.len() - 3;
    let original = &qr_text[at..at + 1];
    let changed = format!(
        "{}{}{}",
        &qr_text[..at],
        if original == "A" { "B" } else { "A" },
        &qr_text[at + 1..]
    );
    std::fs::write(&qr, changed).unwrap();
    let (ok, output) = run_script("tests/interop/verify_qr.py", &[&qr, &vkey]);
    assert!(!ok, "a changed code passed: {output}");
}

async fn text(app: &TestApp, who: &crate::common::Actor, path: &str) -> String {
    app.http
        .get(app.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn an_independent_implementation_verifies_the_log(app: TestApp) {
    if !python_ready() {
        return;
    }
    let mut s = app.shipment().await;
    let auditor = app.register_party("auditor", "Log auditor").await;
    let old = text(&app, &auditor, "/v1/log/checkpoint").await;
    let (carrier, consignee) = (s.carrier.clone(), s.consignee.clone());
    app.act(&mut s, &carrier, "carrier.accept", json!({})).await;
    app.act(&mut s, &consignee, "consignee.accept", json!({}))
        .await;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("proofs")).unwrap();
    std::fs::write(
        d.join("vkey.txt"),
        text(&app, &auditor, "/v1/log/key").await,
    )
    .unwrap();
    let checkpoint = text(&app, &auditor, "/v1/log/checkpoint").await;
    std::fs::write(d.join("checkpoint.txt"), &checkpoint).unwrap();
    let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    let (_, page) = app
        .get(&auditor, &format!("/v1/log/entries?start=0&end={size}"))
        .await;
    let leaves: Vec<_> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["leaf"].clone())
        .collect();
    std::fs::write(
        d.join("entries.json"),
        serde_json::to_string(&leaves).unwrap(),
    )
    .unwrap();
    for position in 1..=3 {
        let proof = text(
            &app,
            &s.consignor,
            &format!("/v1/waybills/{}/events/{position}/proof", s.id),
        )
        .await;
        std::fs::write(d.join(format!("proofs/{position}.txt")), proof).unwrap();
    }
    let old_size: u64 = old.lines().nth(1).unwrap().parse().unwrap();
    let (_, consistency) = app
        .get(
            &auditor,
            &format!("/v1/log/proof/consistency?from={old_size}&to={size}"),
        )
        .await;
    std::fs::write(
        d.join("consistency.json"),
        json!({"old": old, "new": checkpoint, "proof": consistency["proof"]}).to_string(),
    )
    .unwrap();

    let (ok, output) = run_checker(d);
    assert!(ok, "{output}");
    assert!(output.contains("3 tlog-proofs"), "{output}");

    // One flipped character in a proof hash must fail the independent check.
    let path = d.join("proofs/2.txt");
    let proof = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = proof.lines().map(str::to_owned).collect();
    let hash_line = lines
        .iter()
        .position(|l| l.len() == 44 && l.ends_with('='))
        .unwrap();
    let flipped = if lines[hash_line].starts_with('A') {
        "B"
    } else {
        "A"
    };
    lines[hash_line].replace_range(0..1, flipped);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (ok, output) = run_checker(d);
    assert!(!ok, "a tampered proof passed: {output}");
    assert!(output.contains("FAILED"), "{output}");
}
