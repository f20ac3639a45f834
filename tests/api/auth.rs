//! Authentication and act signatures: tampering, wrong keys, revoked keys,
//! expired, replayed and malformed assertions.

use chrono::Utc;
use ewaybill::crypto::KeyPair;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, assert_problem, assertion, good_claims, sign_envelope};

crate::on_both_backends!(
    assertion_rules,
    every_endpoint_but_health_needs_a_token,
    tampered_document_and_signature_are_refused_and_nothing_is_written,
    wrong_key_for_the_role_is_403,
    revoked_key_can_neither_sign_nor_log_in,
    signed_at_must_be_recent,
    keys_can_be_added_by_the_party_itself,
);

async fn assertion_rules(app: TestApp) {
    let carrier = app.company("Carrier").await;
    let key = &carrier.key;
    let now = Utc::now().timestamp();
    let kid = key.public_key().key_id();

    let claims = good_claims(key);
    let jwt = assertion(key, claims.clone());
    let (status, body) = app.exchange(&jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    // The same assertion again: the jti is single use.
    assert_problem(
        &app.exchange(&jwt).await,
        StatusCode::UNAUTHORIZED,
        "assertion_replayed",
        &[],
    );

    let cases = [
        (
            "assertion_expired",
            json!({"iss": kid, "aud": "ewaybill", "iat": now - 600, "exp": now - 300, "jti": "a1"}),
        ),
        (
            "invalid_audience",
            json!({"iss": kid, "aud": "someone-else", "iat": now, "exp": now + 60, "jti": "a2"}),
        ),
        (
            "invalid_issuer",
            json!({"iss": "another", "aud": "ewaybill", "iat": now, "exp": now + 60, "jti": "a3"}),
        ),
        (
            "assertion_lifetime_too_long",
            json!({"iss": kid, "aud": "ewaybill", "iat": now, "exp": now + 3600, "jti": "a4"}),
        ),
        (
            "invalid_assertion",
            json!({"iss": kid, "aud": "ewaybill", "iat": now, "exp": now + 60}),
        ),
    ];
    for (code, claims) in cases {
        let (status, body) = app.exchange(&assertion(key, claims)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{code}: {body}");
        assert_eq!(body["code"], code);
        assert_eq!(body["status"], 401);
    }

    // A key nobody registered.
    let stranger = KeyPair::generate().unwrap();
    assert_problem(
        &app.exchange(&assertion(&stranger, good_claims(&stranger)))
            .await,
        StatusCode::UNAUTHORIZED,
        "unknown_key",
        &[],
    );

    // Signed by another key while claiming this kid.
    let header = jsonwebtoken::Header {
        kid: Some(kid.clone()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA)
    };
    let pem = stranger.to_pkcs8_pem().unwrap();
    let stranger_key = jsonwebtoken::EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    let forged = jsonwebtoken::encode(&header, &good_claims(key), &stranger_key).unwrap();
    assert_problem(
        &app.exchange(&forged).await,
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        &[],
    );

    // HS256 is refused whatever the secret.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(kid.clone()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &good_claims(key),
        &jsonwebtoken::EncodingKey::from_secret(key.public_key().as_bytes()).unwrap(),
    )
    .unwrap();
    assert_problem(
        &app.exchange(&hs).await,
        StatusCode::UNAUTHORIZED,
        "invalid_assertion",
        &[],
    );

    assert_problem(
        &app.exchange("not.a.jwt").await,
        StatusCode::UNAUTHORIZED,
        "invalid_assertion",
        &[],
    );
}

async fn every_endpoint_but_health_needs_a_token(app: TestApp) {
    let id = uuid::Uuid::now_v7();
    for (method, path) in [
        (Method::GET, "/v1/waybills".to_owned()),
        (Method::POST, "/v1/waybills".to_owned()),
        (Method::GET, format!("/v1/waybills/{id}")),
        (Method::GET, format!("/v1/waybills/{id}/events")),
        (Method::POST, format!("/v1/waybills/{id}/events")),
        (Method::POST, "/v1/parties".to_owned()),
        (Method::GET, "/v1/me".to_owned()),
        (Method::GET, "/v1/audit/access".to_owned()),
    ] {
        let res = app
            .http
            .request(method.clone(), app.url(&path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "missing_token");
        let res = app
            .http
            .request(method.clone(), app.url(&path))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
}

async fn tampered_document_and_signature_are_refused_and_nothing_is_written(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let id = uuid::Uuid::now_v7();
    let envelope =
        crate::common::issue_envelope_with_id(id, &consignor, &carrier, &consignee, "WB-T1");

    let mut tampered = envelope.clone();
    tampered["act"]["body"]["lines"][0]["quantity"] = json!("1000");
    tampered["act"]["body"]["lines"][0]["amount"] = json!("1200.00");

    let mut bad_sig = envelope.clone();
    let mut sig = bad_sig["signature"].as_str().unwrap().to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, flipped);
    bad_sig["signature"] = json!(sig);

    // The act changed after signing, and the signature changed: neither verifies.
    for forged in [&tampered, &bad_sig] {
        assert_problem(
            &app.post_issue(&consignor, forged).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_signature",
            &[],
        );
    }

    let mut short_sig = envelope.clone();
    short_sig["signature"] = json!("AAAA");
    let (status, problem) = app.post_issue(&consignor, &short_sig).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["code"], "invalid_signature_encoding");

    let (status, _) = app.get(&consignor, &format!("/v1/waybills/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was written");
    let (status, _) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn wrong_key_for_the_role_is_403(app: TestApp) {
    let mut s = app.shipment().await;
    // The carrier tries to cancel as if it were the consignor.
    let carrier = s.carrier.clone();
    let problem = assert_problem(
        &app.act(&mut s, &carrier, "consignor.cancel", json!({"reason": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "wrong_party_for_role",
        &[],
    );
    assert_eq!(problem["required_role"], "consignor");

    // The consignee's key on a carrier act.
    let consignee = s.consignee.clone();
    assert_problem(
        &app.act(&mut s, &consignee, "carrier.accept", json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "wrong_party_for_role",
        &[],
    );

    // An act signed with someone else's key, sent with one's own token.
    let envelope = s.consignor.sign(
        "consignor.cancel",
        s.id,
        Some(&s.head),
        json!({"reason": "x"}),
    );
    assert_problem(
        &app.post_event(&carrier, s.id, &envelope).await,
        StatusCode::FORBIDDEN,
        "signer_not_caller",
        &[],
    );

    // Issuing in another company's name.
    let fake = carrier.sign(
        "consignor.issue",
        uuid::Uuid::now_v7(),
        None,
        crate::common::document("WB-F1", &s.consignor, &carrier, &s.consignee),
    );
    assert_problem(
        &app.post_issue(&carrier, &fake).await,
        StatusCode::FORBIDDEN,
        "wrong_party_for_role",
        &[],
    );

    // An unregistered key.
    let stranger = KeyPair::generate().unwrap();
    let act = json!({"type": "consignor.cancel", "waybill_id": s.id, "prev": s.head,
        "key_id": stranger.public_key().key_id(), "signed_at": Utc::now().to_rfc3339(), "body": {"reason": "x"}});
    assert_problem(
        &app.post(
            &s.consignor,
            &format!("/v1/waybills/{}/events", s.id),
            sign_envelope(&stranger, act),
        )
        .await,
        StatusCode::FORBIDDEN,
        "unknown_key",
        &[],
    );

    // Authorities and the operator never sign acts.
    let police = app.register_party("authority", "State police").await;
    let envelope = police.sign("carrier.accept", s.id, Some(&s.head), json!({}));
    assert_problem(
        &app.post_event(&police, s.id, &envelope).await,
        StatusCode::FORBIDDEN,
        "not_a_company",
        &[],
    );
}

async fn revoked_key_can_neither_sign_nor_log_in(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    let (status, body) = app
        .call(
            &app.admin,
            Method::DELETE,
            &format!("/v1/parties/{}/keys/{}", carrier.party_id, carrier.key_id()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);

    // Its existing token stops working at once.
    assert_problem(
        &app.act(&mut s, &carrier, "carrier.accept", json!({})).await,
        StatusCode::UNAUTHORIZED,
        "key_revoked",
        &[],
    );
    // No new token either.
    assert_problem(
        &app.exchange(&assertion(&carrier.key, good_claims(&carrier.key)))
            .await,
        StatusCode::UNAUTHORIZED,
        "key_revoked",
        &[],
    );

    // With a second, active key the carrier can log in, but acts signed by
    // the revoked key are still refused.
    let new_key = KeyPair::generate().unwrap();
    let (status, _) = app
        .post(
            &app.admin,
            &format!("/v1/parties/{}/keys", carrier.party_id),
            json!({"public_key": new_key.public_key().to_base64url(), "label": "replacement"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut fresh = carrier.clone();
    fresh.token = app.token_for(&new_key).await;
    let old_signed = carrier.sign("carrier.accept", s.id, Some(&s.head), json!({}));
    assert_problem(
        &app.post_event(&fresh, s.id, &old_signed).await,
        StatusCode::FORBIDDEN,
        "key_revoked",
        &[],
    );
    fresh.key = new_key;
    assert_eq!(
        app.act(&mut s, &fresh, "carrier.accept", json!({})).await.0,
        StatusCode::CREATED
    );

    assert_problem(
        &app.call(
            &app.admin,
            Method::DELETE,
            &format!("/v1/parties/{}/keys/{}", carrier.party_id, carrier.key_id()),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "key_already_revoked",
        &[],
    );
}

async fn signed_at_must_be_recent(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let act = json!({"type": "consignor.issue", "waybill_id": uuid::Uuid::now_v7(), "prev": null,
        "key_id": consignor.key_id(),
        "signed_at": (Utc::now() - chrono::Duration::minutes(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "body": crate::common::document("WB-S1", &consignor, &carrier, &consignee)});
    let (status, problem) = app
        .post(
            &consignor,
            "/v1/waybills",
            sign_envelope(&consignor.key, act),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["path"], "act.signed_at");
    assert_eq!(problem["errors"][0]["code"], "signed_at_out_of_window");
}

async fn keys_can_be_added_by_the_party_itself(app: TestApp) {
    let company = app.company("Timber mill").await;
    let other = app.company("Other").await;
    let key = KeyPair::generate().unwrap();
    let body = json!({"public_key": key.public_key().to_base64url(), "label": "second device"});
    let (status, view) = app
        .post(
            &company,
            &format!("/v1/parties/{}/keys", company.party_id),
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    assert_eq!(view["key_id"], key.public_key().key_id());
    let (status, _) = app
        .post(
            &other,
            &format!("/v1/parties/{}/keys", company.party_id),
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_problem(
        &app.post(
            &company,
            &format!("/v1/parties/{}/keys", company.party_id),
            body,
        )
        .await,
        StatusCode::CONFLICT,
        "key_exists",
        &[],
    );
    let (status, problem) = app
        .post(
            &company,
            &format!("/v1/parties/{}/keys", company.party_id),
            json!({"public_key": "AAAA", "label": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["path"], "public_key");
    // Only the operator registers parties.
    let (status, _) = app
        .post(
            &company,
            "/v1/parties",
            json!({"kind": "company", "name": "x", "reg_no": "1", "country": "LV"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, keys) = app
        .get(&company, &format!("/v1/parties/{}/keys", company.party_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys.as_array().unwrap().len(), 2);
}
