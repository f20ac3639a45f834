//! Checkpoints, proofs and entries produced by the service verify with an
//! independent implementation (tests/interop/verify_log.py: Python's
//! `cryptography` and RFC 9162 written from the spec), and a tampered proof
//! does not. Skipped when Python or `cryptography` is missing unless
//! EWAYBILL_REQUIRE_INTEROP is set (CI sets it).

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::common::TestApp;

crate::on_both_backends!(an_independent_implementation_verifies_the_log);

pub fn python_ready() -> bool {
    let ready = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("EWAYBILL_REQUIRE_INTEROP").is_none(),
            "EWAYBILL_REQUIRE_INTEROP is set but python3 with `cryptography` is missing"
        );
        eprintln!("skipping the interop check: python3 with `cryptography` is missing");
    }
    ready
}

fn run_checker(dir: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/verify_log.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .unwrap();
    crate::common::outcome(&out)
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
