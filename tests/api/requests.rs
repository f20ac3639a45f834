//! Bad input gets a clear 4xx problem and writes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, assert_problem, document};

crate::on_both_backends!(
    validation_lists_every_problem_with_its_path,
    malformed_oversized_and_wrong_content_type,
    envelope_problems_are_reported_together,
    unknown_parties_in_the_document_are_named,
);

async fn validation_lists_every_problem_with_its_path(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut doc = document("WB-V1", &consignor, &carrier, &consignee);
    doc["lines"][1]["quantity"] = json!("-3");
    doc["lines"][0]["amount"] = json!("119.99");
    doc["lines"][0]["cn_code"] = json!("2203");
    doc["currency"] = json!("EURO");
    doc["transport"]["vehicle_country"] = json!("Latvia");
    let id = uuid::Uuid::now_v7();
    let envelope = consignor.sign("consignor.issue", id, None, doc);
    let problem = assert_problem(
        &app.post_issue(&consignor, &envelope).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        &[],
    );
    let found: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("lines[1].quantity", "must_be_positive"),
        ("lines[0].amount", "amount_mismatch"),
        ("lines[0].cn_code", "invalid_cn_code"),
        ("currency", "invalid_currency"),
        ("transport.vehicle_country", "invalid_country"),
        ("totals.net_amount", "total_mismatch"),
    ] {
        assert!(
            found
                .iter()
                .any(|(p, c)| p == expected.0 && c == expected.1),
            "{expected:?} missing from {found:?}"
        );
    }

    // A JSON number where a decimal string belongs.
    let mut doc = document("WB-V2", &consignor, &carrier, &consignee);
    doc["lines"][0]["quantity"] = json!(100);
    let envelope = consignor.sign("consignor.issue", uuid::Uuid::now_v7(), None, doc);
    let (status, problem) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["path"], "lines[0].quantity");

    // Unknown fields are refused.
    let mut doc = document("WB-V3", &consignor, &carrier, &consignee);
    doc["colour"] = json!("blue");
    let envelope = consignor.sign("consignor.issue", uuid::Uuid::now_v7(), None, doc);
    let (status, problem) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["code"], "unknown_field");

    let (status, _) = app.get(&consignor, &format!("/v1/waybills/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was written");
}

async fn malformed_oversized_and_wrong_content_type(app: TestApp) {
    let consignor = app.company("Brewery").await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.http
            .post(app.url("/v1/waybills"))
            .bearer_auth(&consignor.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = post(b"{\"act\": ".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "malformed_json");

    let res = post(b"{}".to_vec(), "text/plain").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "unsupported_media_type");

    // The test service accepts 256 KiB.
    let big = format!("{{\"act\": \"{}\"}}", "x".repeat(300 * 1024));
    let res = post(big.into_bytes(), "application/json").await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "body_too_large");

    let res = app.http.get(app.url("/v1/nowhere")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "no_such_route");
}

async fn envelope_problems_are_reported_together(app: TestApp) {
    let consignor = app.company("Brewery").await;
    assert_problem(&app
        .post(&consignor, "/v1/waybills", json!({
            "act": {"type": "consignor.issue", "waybill_id": "nope", "prev": null, "signed_at": "yesterday", "body": {}},
            "signature": "x", "extra": true
        }))
        .await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", &["extra"]);
    assert_problem(&app
        .post(&consignor, "/v1/waybills", json!({
            "act": {"type": "consignor.issue", "waybill_id": "nope", "prev": null, "signed_at": "yesterday", "body": {}},
            "signature": "x"
        }))
        .await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", &["act.waybill_id", "act.key_id", "act.signed_at"]);

    // A later act sent to the issuing endpoint.
    let envelope = consignor.sign(
        "carrier.accept",
        uuid::Uuid::now_v7(),
        Some(&"a".repeat(64)),
        json!({}),
    );
    let (status, problem) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["code"], "wrong_endpoint");
}

async fn unknown_parties_in_the_document_are_named(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut ghost = carrier.clone();
    ghost.reg_no = "99999999999".into();
    let envelope = consignor.sign(
        "consignor.issue",
        uuid::Uuid::now_v7(),
        None,
        document("WB-U1", &consignor, &ghost, &consignee),
    );
    let (status, problem) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["path"], "carrier");
    assert_eq!(problem["errors"][0]["code"], "unknown_party");
}
