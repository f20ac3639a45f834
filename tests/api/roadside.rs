//! Roadside verification: the carrier's QR code, the inspector's view
//! without login, the offline check of the signed payload, rate limit, audit.

use ewaybill::roadside::{RoadsideError, Summary, verify_qr_text};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Actor, Shipment, TestApp};
use crate::log::vkey;

crate::on_both_backends!(
    carrier_and_consignor_get_the_same_qr_code_others_do_not,
    inspector_sees_authenticity_status_plates_and_no_prices,
    unknown_or_malformed_tokens_are_404,
    tokens_are_unguessable_and_never_cross_waybills,
    offline_check_accepts_the_genuine_payload_and_rejects_tampering,
    verification_is_rate_limited,
    every_verification_is_audited,
);

/// GET with a bearer token; returns status, content type and body bytes.
async fn fetch(app: &TestApp, who: Option<&Actor>, path: &str) -> (StatusCode, String, Vec<u8>) {
    let mut req = app.http.get(app.url(path));
    if let Some(who) = who {
        req = req.bearer_auth(&who.token);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, res.bytes().await.unwrap().to_vec())
}

/// The QR content as JSON (`?format=json`).
async fn qr(app: &TestApp, who: &Actor, s: &Shipment) -> Value {
    let (status, body) = app
        .get(who, &format!("/v1/waybills/{}/qr?format=json", s.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn token_of(content: &Value) -> String {
    let url = content["verify_url"].as_str().unwrap();
    url.rsplit_once("/V/").unwrap().1.to_owned()
}

/// The inspector's view, without login.
async fn inspect(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let (status, _, body) = fetch(app, None, &format!("/v1/verify/{token}")).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn carrier_and_consignor_get_the_same_qr_code_others_do_not(app: TestApp) {
    let s = app.shipment().await;
    let path = format!("/v1/waybills/{}/qr", s.id);

    let (status, ctype, png) = fetch(&app, Some(&s.carrier), &format!("{path}?format=png")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "image/png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (status, ctype, svg) = fetch(&app, Some(&s.carrier), &format!("{path}?format=svg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "image/svg+xml");
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    // Accept decides without ?format; PNG by default.
    let res = app
        .http
        .get(app.url(&path))
        .bearer_auth(&s.carrier.token)
        .header("Accept", "image/svg+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (_, ctype, _) = fetch(&app, Some(&s.carrier), &path).await;
    assert_eq!(ctype, "image/png");
    let (status, _, _) = fetch(&app, Some(&s.carrier), &format!("{path}?format=gif")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The same token every time, for the carrier and the consignor alike.
    let first = qr(&app, &s.carrier, &s).await;
    let again = qr(&app, &s.carrier, &s).await;
    let consignor = qr(&app, &s.consignor, &s).await;
    assert_eq!(token_of(&first), token_of(&again));
    assert_eq!(token_of(&first), token_of(&consignor));
    let text = first["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("HTTP://{}/V/", app.config.listen)));
    assert!(text.contains("#EWB2:"), "{text}");
    assert!(!text.contains(' '), "{text}");
    assert_eq!(first["summary"]["id"], s.id.to_string());
    let version = first["qr_version"].as_i64().unwrap();
    assert!((1..=15).contains(&version), "{version}");
    // The link as the QR holds it opens the roadside page.
    let (status, ctype, _) = fetch(&app, None, &format!("/V/{}", token_of(&first))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/json");

    // The consignee may not print it; anyone else does not see the waybill.
    let (status, _, _) = fetch(&app, Some(&s.consignee), &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let outsider = app.company("Outsider").await;
    let (status, ctype, _) = fetch(&app, Some(&outsider), &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ctype, "application/problem+json");
    let police = app.register_party("authority", "State Police").await;
    assert_eq!(
        fetch(&app, Some(&police), &path).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(fetch(&app, None, &path).await.0, StatusCode::UNAUTHORIZED);
    let missing = format!("/v1/waybills/{}/qr", uuid::Uuid::now_v7());
    assert_eq!(
        fetch(&app, Some(&s.carrier), &missing).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn inspector_sees_authenticity_status_plates_and_no_prices(app: TestApp) {
    let mut s = app.shipment().await;
    let token = token_of(&qr(&app, &s.carrier, &s).await);

    let (status, view) = inspect(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["authentic"], true, "{view}");
    assert_eq!(view["checks"]["signatures"], true);
    assert_eq!(view["checks"]["hash_chain"], true);
    assert_eq!(view["checks"]["log_inclusion"], true);
    assert_eq!(view["waybill"]["status"], "issued");
    assert_eq!(view["waybill"]["id"], s.id.to_string());
    assert_eq!(view["transport"]["vehicle_plate"], "AB-1234");
    assert_eq!(view["consignor"]["name"], "Brewery");
    assert_eq!(view["carrier"]["reg_no"], s.carrier.reg_no);
    assert_eq!(view["consignee"]["name"], "Grocery");
    assert_eq!(view["goods"]["lines"], 2);
    assert_eq!(view["goods"]["gross_weight_kg"], "165.5");
    assert_eq!(view["goods"]["excise"], true);

    // The current state, after the carrier took the goods and changed trucks.
    let carrier = s.carrier.clone();
    app.act_ok(&mut s, &carrier, "carrier.accept", json!({}))
        .await;
    let body = json!({"vehicle_plate": "KX-9876", "vehicle_country": "LV", "reason": "breakdown"});
    app.act_ok(&mut s, &carrier, "carrier.change_vehicle", body)
        .await;
    let (status, view) = inspect(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["authentic"], true, "{view}");
    assert_eq!(view["waybill"]["status"], "in_transit");
    assert_eq!(view["waybill"]["version"], 3);
    assert_eq!(view["transport"]["vehicle_plate"], "KX-9876");

    // Nothing more: no prices, amounts, addresses, drivers or references.
    let text = view.to_string();
    for secret in [
        "unit_price",
        "amount",
        "1.20",
        "346.85",
        "vat",
        "Tērbatas",
        "Valmiera",
        "driver",
        "INV-2026-001",
        "Lager",
        "references",
        "reservations",
    ] {
        assert!(!text.contains(secret), "{secret} leaks: {text}");
    }

    // A minimal HTML page for a phone's browser.
    let res = app
        .http
        .get(app.url(&format!("/v1/verify/{token}")))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("AUTHENTIC") && html.contains("KX-9876"),
        "{html}"
    );
    assert!(!html.contains("346.85"));
}

async fn unknown_or_malformed_tokens_are_404(app: TestApp) {
    let s = app.shipment().await;
    let token = token_of(&qr(&app, &s.carrier, &s).await);
    let unknown = ewaybill::roadside::new_token().unwrap();
    for bad in [
        unknown.as_str(),
        "abc",
        &format!("{token}A"),
        &token[..25],
        &s.id.to_string(),
        &s.head,
    ] {
        let (status, body) = inspect(&app, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {body}");
        assert_eq!(body["code"], "token_not_found");
    }
    assert_eq!(inspect(&app, &token).await.0, StatusCode::OK);
}

async fn tokens_are_unguessable_and_never_cross_waybills(app: TestApp) {
    let a = app.shipment().await;
    // The same three parties, a second waybill.
    let b = app
        .shipment_between(&a.consignor, &a.carrier, &a.consignee)
        .await;
    let qr_a = qr(&app, &a.carrier, &a).await;
    let qr_b = qr(&app, &a.carrier, &b).await;
    let (token_a, token_b) = (token_of(&qr_a), token_of(&qr_b));
    assert_ne!(token_a, token_b);
    for token in [&token_a, &token_b] {
        // 128 random bits, nothing derived from the waybill.
        assert_eq!(ewaybill::roadside::token_bytes(token).unwrap().len(), 16);
        assert!(!token.contains(&a.id.simple().to_string()[..8]));
    }

    // Each token shows its own waybill only.
    assert_eq!(
        inspect(&app, &token_a).await.1["waybill"]["id"],
        a.id.to_string()
    );
    assert_eq!(
        inspect(&app, &token_b).await.1["waybill"]["id"],
        b.id.to_string()
    );

    // Only the hash is stored in clear: the token text is nowhere in the table.
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        waybill_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        token_hash: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        token_sealed: String,
    }
    let rows: Vec<Row> =
        diesel::sql_query("SELECT waybill_id, token_hash, token_sealed FROM roadside_tokens")
            .load(&mut app.db())
            .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let token = if row.waybill_id == a.id.to_string() {
            &token_a
        } else {
            &token_b
        };
        assert_eq!(row.token_hash, ewaybill::roadside::token_lookup_hash(token));
        assert_ne!(&row.token_sealed, token);
    }

    // A's payload on B's link is a spliced code: the offline check refuses it.
    let key = vkey(&app, &a.carrier).await;
    let text_a = qr_a["text"].as_str().unwrap();
    let spliced = format!(
        "{}#{}",
        qr_b["verify_url"].as_str().unwrap(),
        text_a.split_once('#').unwrap().1
    );
    assert!(verify_qr_text(text_a, key.public_key()).is_ok());
    assert_eq!(
        verify_qr_text(&spliced, key.public_key()),
        Err(RoadsideError::BadSignature)
    );
}

async fn offline_check_accepts_the_genuine_payload_and_rejects_tampering(app: TestApp) {
    let s = app.shipment().await;
    let content = qr(&app, &s.carrier, &s).await;
    let key = vkey(&app, &s.carrier).await;
    let text = content["text"].as_str().unwrap();
    let payload = content["payload"].as_str().unwrap();

    let verified = verify_qr_text(text, key.public_key()).unwrap();
    assert_eq!(verified.token, token_of(&content));
    assert_eq!(verified.summary.id, s.id.to_string());
    assert_eq!(verified.summary.vehicle_plate, "AB-1234");
    // The status as of signing, and when that was.
    assert_eq!(verified.summary.status, "issued");
    assert!(chrono::DateTime::parse_from_rfc3339(&verified.summary.issued_at).is_ok());
    let summary: Summary = serde_json::from_value(content["summary"].clone()).unwrap();
    assert_eq!(verified.summary, summary);
    // The payload alone is not enough: it is bound to its link's token.
    assert!(verify_qr_text(payload, key.public_key()).is_err());

    // One character changed anywhere after the link's host.
    let start = text.find("/V/").unwrap() + 3;
    let chars: Vec<char> = text.chars().collect();
    for at in (start..chars.len()).step_by(7) {
        if matches!(chars[at], '#' | '%') || chars[at - 1] == '%' || chars[at - 2] == '%' {
            continue;
        }
        let mut changed = chars.clone();
        changed[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        let changed: String = changed.into_iter().collect();
        assert!(
            verify_qr_text(&changed, key.public_key()).is_err(),
            "at {at}"
        );
    }
    // Another service's key.
    let other = ewaybill::crypto::KeyPair::generate().unwrap();
    assert!(matches!(
        verify_qr_text(text, &other.public_key()),
        Err(RoadsideError::WrongKey { .. })
    ));
    // Malformed.
    for junk in ["", "EWB2:", "not a payload", &text[..text.len() / 2]] {
        assert!(verify_qr_text(junk, key.public_key()).is_err(), "{junk}");
    }
}

async fn verification_is_rate_limited(app: TestApp) {
    let s = app.shipment().await;
    let token = token_of(&qr(&app, &s.carrier, &s).await);
    let burst = app.config.roadside_burst;
    let mut statuses = Vec::new();
    for _ in 0..=burst {
        statuses.push(inspect(&app, &token).await.0);
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(ok >= 1 && ok <= burst as usize + 1, "{statuses:?}");
    // The burst is spent (at most a token or two refilled meanwhile).
    let mut limited = None;
    for _ in 0..5 {
        let (status, ctype, body) = fetch(&app, None, &format!("/v1/verify/{token}")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((ctype, body));
            break;
        }
    }
    let (ctype, body) = limited.expect("429 after the burst");
    assert_eq!(ctype, "application/problem+json");
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "rate_limited");
    assert!(problem["retry_after"].as_u64().unwrap() >= 1);
}

async fn every_verification_is_audited(app: TestApp) {
    let s = app.shipment().await;
    let token = token_of(&qr(&app, &s.carrier, &s).await);
    assert_eq!(inspect(&app, &token).await.0, StatusCode::OK);
    let (status, trail) = app
        .get(&app.admin, &format!("/v1/audit/access?waybill_id={}", s.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let records = trail.as_array().unwrap();
    assert_eq!(records.len(), 1, "{trail}");
    assert_eq!(records[0]["action"], "roadside.verify");
    assert_eq!(records[0]["party_id"], "anonymous");
    assert_eq!(records[0]["key_id"], "anonymous");
    assert_eq!(records[0]["waybill_id"], s.id.to_string());

    // Lookups of unknown tokens are recorded too (without a waybill).
    assert_eq!(
        inspect(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAA").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, all) = app.get(&app.admin, "/v1/audit/access").await;
    let misses = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "roadside.verify" && r.get("waybill_id").is_none())
        .count();
    assert_eq!(misses, 1, "{all}");
}
