//! What the published contract promises beyond the lifecycle: the log's
//! key and checkpoint are public, a waybill's parties can fetch the keys
//! its acts were signed with and re-verify the chain offline, and an ERP
//! finds a waybill by its own document number.

use ewaybill::crypto::{PublicKey, Signature, canonical_bytes};
use ewaybill::note::{Checkpoint, VerifierKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Actor, TestApp, assert_problem, document};

crate::on_both_backends!(
    log_key_and_checkpoint_need_no_token,
    parties_read_the_signing_keys_and_reverify_the_chain,
    strangers_and_the_operator_get_no_signing_keys,
    number_finds_a_waybill_among_those_the_caller_may_see,
    duplicate_number_names_the_existing_waybill,
);

async fn anonymous_text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn log_key_and_checkpoint_need_no_token(app: TestApp) {
    app.shipment().await;
    let (status, vkey) = anonymous_text(&app, "/v1/log/key").await;
    assert_eq!(status, StatusCode::OK, "{vkey}");
    let vkey = VerifierKey::parse(vkey.trim_end()).unwrap();
    let (status, note) = anonymous_text(&app, "/v1/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK, "{note}");
    let checkpoint = Checkpoint::open(&note, &vkey).unwrap();
    assert!(checkpoint.size >= 1);
    // The rest of the log stays behind a token.
    let (status, _) = anonymous_text(&app, "/v1/log/checkpoints").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn signing_keys(app: &TestApp, who: &Actor, id: Uuid) -> (StatusCode, Value) {
    app.get(who, &format!("/v1/waybills/{id}/keys")).await
}

async fn parties_read_the_signing_keys_and_reverify_the_chain(app: TestApp) {
    let mut s = app.shipment().await;
    app.carrier_accept_ok(&mut s, json!({})).await;

    let (status, events) = app.events(&s.consignee, s.id).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    for who in [&s.consignor, &s.carrier, &s.consignee] {
        let (status, keys) = signing_keys(&app, who, s.id).await;
        assert_eq!(status, StatusCode::OK, "{keys}");
        let mut ids: Vec<&str> = keys
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["key_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let mut expected = vec![s.consignor.key_id(), s.carrier.key_id()];
        expected.sort_unstable();
        assert_eq!(ids, expected, "only the keys that signed, each once");
    }

    // Offline: every signature verifies with the key its act names.
    let (_, keys) = signing_keys(&app, &s.consignee, s.id).await;
    let by_id = |key_id: &str| {
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["key_id"] == key_id)
            .map(|k| PublicKey::from_base64url(k["public_key"].as_str().unwrap()).unwrap())
            .unwrap()
    };
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 2);
    for event in events {
        let key = by_id(event["act"]["key_id"].as_str().unwrap());
        let signature = Signature::from_base64url(event["signature"].as_str().unwrap()).unwrap();
        key.verify(&canonical_bytes(&event["act"]).unwrap(), &signature)
            .unwrap();
    }

    // An authority may read them too (audited like its other waybill reads).
    let police = app.register_party("authority", "State Police").await;
    let (status, keys) = signing_keys(&app, &police, s.id).await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    assert_eq!(keys.as_array().unwrap().len(), 2);
    app.assert_audited(|r| r["action"] == "waybill.keys" && r["waybill_id"] == s.id.to_string())
        .await;
}

async fn strangers_and_the_operator_get_no_signing_keys(app: TestApp) {
    let s = app.shipment().await;
    let stranger = app.company("Competitor").await;
    let (status, problem) = signing_keys(&app, &stranger, s.id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (missing_status, missing) = signing_keys(&app, &stranger, Uuid::now_v7()).await;
    assert_eq!(missing_status, StatusCode::NOT_FOUND);
    assert_eq!(problem["code"], "waybill_not_found");
    assert_eq!(problem, missing, "indistinguishable from a missing waybill");
    let (status, problem) = signing_keys(&app, &app.admin, s.id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
}

async fn by_number(app: &TestApp, who: &Actor, number: &str) -> Vec<String> {
    let (status, page) = app.get(who, &format!("/v1/waybills?number={number}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn number_finds_a_waybill_among_those_the_caller_may_see(app: TestApp) {
    let s = app.shipment().await;
    // A second waybill of the same consignor, so the filter has to choose.
    app.issue(&s.consignor, &s.carrier, &s.consignee).await;
    let number = format!("WB-{}", s.id.simple());
    for who in [&s.consignor, &s.carrier, &s.consignee] {
        assert_eq!(by_number(&app, who, &number).await, vec![s.id.to_string()]);
    }
    assert!(by_number(&app, &s.consignor, "WB-NO-SUCH").await.is_empty());
    // The same number issued by another consignor is that consignor's.
    let other = app.company("Other brewery").await;
    let id = Uuid::now_v7();
    let envelope = other.sign(
        "consignor.issue",
        id,
        None,
        document(&number, &other, &s.carrier, &s.consignee),
    );
    let (status, body) = app.post_issue(&other, &envelope).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        by_number(&app, &s.consignor, &number).await,
        vec![s.id.to_string()]
    );
    assert_eq!(by_number(&app, &other, &number).await, vec![id.to_string()]);
    let mut both = by_number(&app, &s.carrier, &number).await;
    both.sort_unstable();
    let mut expected = vec![s.id.to_string(), id.to_string()];
    expected.sort_unstable();
    assert_eq!(both, expected);
    let stranger = app.company("Competitor").await;
    assert!(by_number(&app, &stranger, &number).await.is_empty());
}

async fn duplicate_number_names_the_existing_waybill(app: TestApp) {
    let s = app.shipment().await;
    let number = format!("WB-{}", s.id.simple());
    let again = s.consignor.sign(
        "consignor.issue",
        Uuid::now_v7(),
        None,
        document(&number, &s.consignor, &s.carrier, &s.consignee),
    );
    let problem = assert_problem(
        &app.post_issue(&s.consignor, &again).await,
        StatusCode::CONFLICT,
        "duplicate_number",
        &[],
    );
    assert_eq!(problem["existing_waybill_id"], s.id.to_string());
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&s.id.to_string()),
        "{problem}"
    );
}
