//! Idempotency-Key on POST: a retry after a lost answer gets the first
//! answer, never a second execution.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use ewaybill::storage::schema::{idempotency_keys, parties, waybills};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Actor, RawResponse, TestApp, document};

crate::on_both_backends!(
    a_retry_after_a_lost_answer_gets_the_first_answer,
    the_same_key_for_another_request_is_422,
    keys_belong_to_their_caller,
    client_errors_are_answers_too,
    running_abandoned_and_expired_keys,
    every_post_takes_a_key,
);

const JSON: &str = "application/json";

fn issue_body(consignor: &Actor, carrier: &Actor, consignee: &Actor) -> Vec<u8> {
    let number = format!("WB-{}", Uuid::now_v7().simple());
    consignor
        .sign(
            "consignor.issue",
            Uuid::now_v7(),
            None,
            document(&number, consignor, carrier, consignee),
        )
        .to_string()
        .into_bytes()
}

fn waybill_count(app: &TestApp) -> i64 {
    waybills::table.count().get_result(&mut app.db()).unwrap()
}

async fn post(app: &TestApp, who: &Actor, path: &str, key: &str, body: &[u8]) -> RawResponse {
    app.post_raw(who, path, JSON, &[("Idempotency-Key", key)], body.to_vec())
        .await
}

/// Sends a keyed issue over a raw connection and hangs up: at once, or
/// after the first byte of the answer (the work is then surely done).
fn send_and_hang_up(app: &TestApp, who: &Actor, key: &str, body: &[u8], wait_for_answer: bool) {
    use std::io::{Read, Write};
    let head = format!(
        "POST /v1/waybills HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: {JSON}\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        who.token,
        body.len()
    );
    let mut socket = std::net::TcpStream::connect(app.addr).unwrap();
    socket.write_all(head.as_bytes()).unwrap();
    socket.write_all(body).unwrap();
    if wait_for_answer {
        let mut first = [0u8; 1];
        socket.read_exact(&mut first).unwrap();
    }
    socket.shutdown(std::net::Shutdown::Both).unwrap();
}

/// Retries while the first attempt is still running.
async fn retry(app: &TestApp, who: &Actor, key: &str, body: &[u8]) -> RawResponse {
    for _ in 0..50 {
        let res = post(app, who, "/v1/waybills", key, body).await;
        if res.status != StatusCode::CONFLICT {
            return res;
        }
        assert_eq!(res.json()["code"], "idempotency_key_in_progress");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the key stayed in progress: a hung-up request left its claim behind");
}

async fn a_retry_after_a_lost_answer_gets_the_first_answer(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;

    // The answer was on its way when the connection died.
    let body = issue_body(&consignor, &carrier, &consignee);
    send_and_hang_up(&app, &consignor, "lost-1", &body, true);
    let first = retry(&app, &consignor, "lost-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json());
    assert_eq!(first.header("Idempotent-Replayed"), Some("true"));
    let again = post(&app, &consignor, "/v1/waybills", "lost-1", &body).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body, "byte for byte");
    assert_eq!(again.header("Location"), first.header("Location"));
    assert_eq!(again.header("Content-Type"), Some(JSON));
    assert_eq!(waybill_count(&app), 1);

    // The client hung up as soon as it had sent: the service may or may not
    // have started; either way the retry ends with exactly one waybill.
    let body = issue_body(&consignor, &carrier, &consignee);
    send_and_hang_up(&app, &consignor, "lost-2", &body, false);
    let first = retry(&app, &consignor, "lost-2", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json());
    let again = post(&app, &consignor, "/v1/waybills", "lost-2", &body).await;
    assert_eq!(again.body, first.body);
    assert_eq!(waybill_count(&app), 2);

    // A completed request: the same answer every time.
    let body = issue_body(&consignor, &carrier, &consignee);
    let original = post(&app, &consignor, "/v1/waybills", "done-1", &body).await;
    assert_eq!(original.status, StatusCode::CREATED);
    assert_eq!(original.header("Idempotent-Replayed"), None);
    for _ in 0..2 {
        let retry = post(&app, &consignor, "/v1/waybills", "done-1", &body).await;
        assert_eq!(
            (retry.status, &retry.body),
            (original.status, &original.body)
        );
        assert_eq!(retry.header("Idempotent-Replayed"), Some("true"));
    }
    assert_eq!(waybill_count(&app), 3);
}

async fn the_same_key_for_another_request_is_422(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let body = issue_body(&consignor, &carrier, &consignee);
    let first = post(&app, &consignor, "/v1/waybills", "k-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED);

    let other_body = issue_body(&consignor, &carrier, &consignee);
    let reused = post(&app, &consignor, "/v1/waybills", "k-1", &other_body).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.json()["code"], "idempotency_key_reused");
    assert_eq!(
        reused.header("Content-Type"),
        Some("application/problem+json")
    );
    let other_path = post(&app, &consignor, "/v1/waybills:batch", "k-1", &body).await;
    assert_eq!(other_path.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other_path.json()["code"], "idempotency_key_reused");
    assert_eq!(waybill_count(&app), 1);

    for bad in ["", &"k".repeat(256)] {
        let res = post(&app, &consignor, "/v1/waybills", bad, &other_body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.json()["code"], "invalid_idempotency_key");
    }
    assert_eq!(waybill_count(&app), 1);
}

async fn keys_belong_to_their_caller(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let other = app.company("Another brewery").await;
    let first = post(
        &app,
        &consignor,
        "/v1/waybills",
        "shared",
        &issue_body(&consignor, &carrier, &consignee),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    // Another party's key with the same text is its own: neither replayed
    // nor refused as reused.
    let theirs = post(
        &app,
        &other,
        "/v1/waybills",
        "shared",
        &issue_body(&other, &carrier, &consignee),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.json());
    assert_eq!(theirs.header("Idempotent-Replayed"), None);
    assert_ne!(theirs.body, first.body);
    assert_eq!(waybill_count(&app), 2);
}

async fn client_errors_are_answers_too(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut envelope: Value =
        serde_json::from_slice(&issue_body(&consignor, &carrier, &consignee)).unwrap();
    envelope["act"]["body"]["number"] = json!("TAMPERED");
    let body = envelope.to_string().into_bytes();
    let first = post(&app, &consignor, "/v1/waybills", "bad-1", &body).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first.json()["code"], "invalid_signature");
    let retry = post(&app, &consignor, "/v1/waybills", "bad-1", &body).await;
    assert_eq!(retry.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(
        retry.header("Content-Type"),
        Some("application/problem+json")
    );
}

async fn running_abandoned_and_expired_keys(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let body = issue_body(&consignor, &carrier, &consignee);
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body));
    let claim = |key: &str, created_secs_ago: i64, expires_in_secs: i64| {
        let now = Utc::now().naive_utc();
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::party_id.eq(&consignor.party_id),
                idempotency_keys::idem_key.eq(key),
                idempotency_keys::method.eq("POST"),
                idempotency_keys::path.eq("/v1/waybills"),
                idempotency_keys::request_hash.eq(&hash),
                idempotency_keys::created_at.eq(now - chrono::Duration::seconds(created_secs_ago)),
                idempotency_keys::expires_at.eq(now + chrono::Duration::seconds(expires_in_secs)),
            ))
            .execute(&mut app.db())
            .unwrap();
    };
    // The first request with this key is still running.
    claim("running", 1, 86_400);
    let res = post(&app, &consignor, "/v1/waybills", "running", &body).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.json()["code"], "idempotency_key_in_progress");
    assert_eq!(waybill_count(&app), 0);

    // Its process died long ago: the retry takes the key over.
    claim("abandoned", 3_600, 86_400);
    let res = post(&app, &consignor, "/v1/waybills", "abandoned", &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.json());
    assert_eq!(waybill_count(&app), 1);

    // An expired key is forgotten: it may be used for a new request.
    claim("expired", 90_000, -10);
    let other = issue_body(&consignor, &carrier, &consignee);
    let res = post(&app, &consignor, "/v1/waybills", "expired", &other).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.json());
    assert_eq!(waybill_count(&app), 2);

    // Answers are kept at least 24 hours.
    let expires: chrono::NaiveDateTime = idempotency_keys::table
        .filter(idempotency_keys::idem_key.eq("expired"))
        .select(idempotency_keys::expires_at)
        .first(&mut app.db())
        .unwrap();
    assert!(expires >= Utc::now().naive_utc() + chrono::Duration::hours(23));
}

async fn every_post_takes_a_key(app: TestApp) {
    // Registering a party: the retry does not register a second one.
    let request =
        json!({"kind": "company", "name": "Retry Ltd", "reg_no": "40099999999", "country": "LV"});
    let body = request.to_string().into_bytes();
    let first = post(&app, &app.admin, "/v1/parties", "party-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json());
    let retry = post(&app, &app.admin, "/v1/parties", "party-1", &body).await;
    assert_eq!((retry.status, &retry.body), (first.status, &first.body));
    let registered: i64 = parties::table
        .filter(parties::reg_no.eq("40099999999"))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(registered, 1);

    // A bulk request: the same answer for the whole batch.
    let (consignor, carrier, consignee) = app.parties().await;
    let items: Vec<Value> = (0..3)
        .map(|_| serde_json::from_slice(&issue_body(&consignor, &carrier, &consignee)).unwrap())
        .collect();
    let body = Value::from(items).to_string().into_bytes();
    let first = post(&app, &consignor, "/v1/waybills:batch", "bulk-1", &body).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["created"], 3);
    let retry = post(&app, &consignor, "/v1/waybills:batch", "bulk-1", &body).await;
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(waybill_count(&app), 3);

    // The token exchange has no caller to scope a key to; the key is
    // accepted and ignored (a new assertion is its safe retry).
    let key = &consignor.key;
    let res = app
        .http
        .post(app.url("/v1/auth/token"))
        .header("Idempotency-Key", "token-1")
        .json(&json!({"assertion": crate::common::assertion(key, crate::common::good_claims(key))}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("Idempotent-Replayed").is_none());
}
