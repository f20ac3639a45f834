//! Tamper evidence: whoever owns the database can drop the append-only
//! triggers and rewrite history, but not without being caught.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::RunQueryDsl;
use ewaybill::merkle;
use ewaybill::note::Checkpoint;
use ewaybill::storage::DbConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;

crate::on_both_backends!(rewritten_event_is_caught, rewritten_tree_stops_the_service);

fn exec(conn: &mut DbConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Drops the append-only triggers, as a database owner could.
fn drop_triggers(conn: &mut DbConnection) {
    match conn {
        DbConnection::Pg(_) => {
            exec(conn, "DROP TRIGGER events_no_update_delete ON events");
            exec(
                conn,
                "DROP TRIGGER tree_nodes_no_update_delete ON tree_nodes",
            );
        }
        DbConnection::Sqlite(_) => {
            exec(conn, "DROP TRIGGER events_no_update");
            exec(conn, "DROP TRIGGER tree_nodes_no_update");
        }
    }
}

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn rewritten_event_is_caught(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    let declined = app
        .act_ok(
            &mut s,
            &carrier,
            "carrier.decline",
            json!({"reason": "no free trucks"}),
        )
        .await;
    let index = declined["receipt"]["log_index"].as_u64().unwrap();
    let receipt = declined["receipt"].clone();
    // The first instance has scanned the untouched log.
    for _ in 0..50 {
        if readiness(&app).await.0 == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    // An auditor saved the log key earlier.
    let auditor = app.register_party("auditor", "Log auditor").await;
    let vkey_text = app
        .http
        .get(app.url("/v1/log/key"))
        .bearer_auth(&auditor.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = auditor.key_file(dir.path());

    // The carrier "never declined for lack of trucks".
    let mut conn = app.db();
    drop_triggers(&mut conn);
    exec(
        &mut conn,
        &format!(
            "UPDATE events SET act = REPLACE(act, 'no free trucks', 'goods not ready') WHERE seq = {index}"
        ),
    );

    // The receipt the carrier kept no longer fits what the log now says.
    let (_, events) = app.events(&s.consignor, s.id).await;
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["log_index"] == index)
        .unwrap()
        .clone();
    assert_eq!(event["act"]["body"]["reason"], "goods not ready");
    let leaf = STANDARD.decode(event["leaf"].as_str().unwrap()).unwrap();
    let key = crate::log::vkey(&app, &s.consignor).await;
    let checkpoint = Checkpoint::open(receipt["checkpoint"].as_str().unwrap(), &key).unwrap();
    let proof: Vec<Vec<u8>> = receipt["inclusion_proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| STANDARD.decode(h.as_str().unwrap()).unwrap())
        .collect();
    assert!(
        merkle::verify_inclusion(
            &merkle::leaf_hash(&leaf),
            index,
            checkpoint.size,
            &proof,
            &checkpoint.root_hash
        )
        .is_err()
    );
    // Nor does the rewritten act carry a valid signature.
    let bytes = ewaybill::crypto::canonical_bytes(&event["act"]).unwrap();
    let signature =
        ewaybill::crypto::Signature::from_base64url(event["signature"].as_str().unwrap()).unwrap();
    assert!(carrier.key.public_key().verify(&bytes, &signature).is_err());

    // The offline auditor pinpoints the rewritten entry.
    let args = crate::common::verify_args(&app, &key_file, &vkey_text);
    let (ok, report) = crate::common::run_verify(args).await;
    assert!(!ok, "verify passed a rewritten log: {report}");
    assert!(report.contains(&format!("index {index}:")), "{report}");

    // A service started on this database flags the log and names the entry.
    let restarted = app.second_instance().await;
    let mut flagged = None;
    for _ in 0..100 {
        let (status, body) = readiness(&restarted).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            flagged = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let flagged = flagged.expect("the restarted service flags the log");
    assert_eq!(flagged["status"], "log_inconsistent");
    assert!(
        flagged["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("log entry {index}")),
        "{flagged}"
    );
    let metrics = restarted.metrics().await;
    assert!(metrics.contains("ewaybill_log_consistent 0"), "{metrics}");
}

async fn rewritten_tree_stops_the_service(app: TestApp) {
    app.shipment().await;
    let mut conn = app.db();
    let size = {
        use diesel::prelude::*;
        ewaybill::storage::schema::log_state::table
            .select(ewaybill::storage::schema::log_state::size)
            .first::<i64>(&mut conn)
            .unwrap() as u64
    };
    // Rewriting the tree to match a rewritten event moves the root away
    // from the signed checkpoint: the service will not start on it.
    let peak = merkle::peak_addrs(size)[0];
    drop_triggers(&mut conn);
    let zero = match conn {
        DbConnection::Pg(_) => "decode(repeat('00', 32), 'hex')",
        DbConnection::Sqlite(_) => "zeroblob(32)",
    };
    exec(
        &mut conn,
        &format!(
            "UPDATE tree_nodes SET hash = {zero} WHERE level = {} AND idx = {}",
            peak.level, peak.index
        ),
    );
    let refused = ewaybill::startup::spawn(app.config.clone()).await;
    let message = format!("{:#}", refused.err().expect("the service refuses to start"));
    assert!(
        message.contains("no longer matches the last signed checkpoint"),
        "{message}"
    );
}
