//! Smaller defects at the edges: a party locking itself out, 401s without
//! a challenge, non-problem answers to garbage content types, tokens of
//! another instance taken for revoked ones.

use chrono::Utc;
use ewaybill::crypto::{KeyPair, ServiceKey};
use ewaybill::domain::party::PartyKind;
use ewaybill::http::tokens::TokenIssuer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Actor, TestApp, assert_problem, assertion, good_claims};

crate::on_both_backends!(
    a_party_cannot_revoke_its_last_active_key_but_the_operator_can,
    every_401_carries_a_bearer_challenge,
    garbage_content_types_get_problem_documents,
    tokens_of_another_instance_are_invalid_not_revoked,
);

/// `by` revokes `owner`'s key `key_id`.
async fn revoke(app: &TestApp, by: &Actor, owner: &Actor, key_id: &str) -> (StatusCode, Value) {
    let path = format!("/v1/parties/{}/keys/{key_id}", owner.party_id);
    app.call(by, Method::DELETE, &path, None).await
}

async fn active_keys(app: &TestApp, who: &Actor) -> Vec<String> {
    let (status, keys) = app
        .get(&app.admin, &format!("/v1/parties/{}/keys", who.party_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    keys.as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .map(|k| k["key_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_party_cannot_revoke_its_last_active_key_but_the_operator_can(app: TestApp) {
    let mut company = app.company("Lone key").await;
    let first = company.key_id();
    assert_problem(
        &revoke(&app, &company, &company, &first).await,
        StatusCode::CONFLICT,
        "last_active_key",
        &[],
    );
    assert_eq!(active_keys(&app, &company).await, vec![first.clone()]);

    // With a second key it may revoke either, but never the last one left.
    let second = KeyPair::generate().unwrap();
    let (status, body) = app
        .post(
            &company,
            &format!("/v1/parties/{}/keys", company.party_id),
            json!({"public_key": second.public_key().to_base64url(), "label": "new laptop"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = revoke(&app, &company, &company, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    company.token = app.token_for(&second).await;
    company.key = second;
    assert_problem(
        &revoke(&app, &company, &company, &company.key_id()).await,
        StatusCode::CONFLICT,
        "last_active_key",
        &[],
    );
    assert_eq!(active_keys(&app, &company).await, vec![company.key_id()]);

    // The operator can (a compromised party is cut off).
    let (status, body) = revoke(&app, &app.admin, &company, &company.key_id()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(active_keys(&app, &company).await.is_empty());

    // The operator cannot lock itself out either.
    assert_problem(
        &revoke(&app, &app.admin, &app.admin, &app.admin.key_id()).await,
        StatusCode::CONFLICT,
        "last_active_key",
        &[],
    );
}

/// (status, WWW-Authenticate, problem code) of a GET with this Authorization.
async fn challenge(app: &TestApp, path: &str, authorization: Option<&str>) -> (u16, String, Value) {
    let mut req = app.http.get(app.url(path));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let header = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, header, res.json().await.unwrap_or(Value::Null))
}

async fn every_401_carries_a_bearer_challenge(app: TestApp) {
    // No credentials: the bare challenge, no error attribute (RFC 6750 §3.1).
    let (status, header, problem) = challenge(&app, "/v1/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(problem["code"], "missing_token");
    assert_eq!(header, "Bearer realm=\"ewaybill\"");

    // Credentials that do not work: error="invalid_token" and a description.
    let company = app.company("Challenged").await;
    let expired = {
        let key = ServiceKey::load_or_create(&app.config.data_dir).unwrap().0;
        expired_token(&key, &company)
    };
    for (authorization, code) in [
        ("Bearer garbage".to_owned(), "invalid_token"),
        ("Basic dXNlcjpwYXNz".to_owned(), "invalid_token"),
        ("Bearer".to_owned(), "invalid_token"),
        (format!("Bearer {expired}"), "token_expired"),
    ] {
        let (status, header, problem) = challenge(&app, "/v1/me", Some(&authorization)).await;
        assert_eq!(status, 401, "{authorization}");
        assert_eq!(problem["code"], code, "{authorization}");
        assert!(
            header.starts_with(
                "Bearer realm=\"ewaybill\", error=\"invalid_token\", error_description=\""
            ),
            "{authorization}: {header}"
        );
        assert!(header.ends_with('"'), "{header}");
    }

    // A revoked key's token.
    let (status, _) = revoke(&app, &app.admin, &company, &company.key_id()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, header, problem) =
        challenge(&app, "/v1/me", Some(&format!("Bearer {}", company.token))).await;
    assert_eq!(status, 401);
    assert_eq!(problem["code"], "key_revoked");
    assert!(header.contains("error=\"invalid_token\""), "{header}");

    // Refused assertions at the token endpoint are 401s too.
    let stranger = KeyPair::generate().unwrap();
    let res = app
        .http
        .post(app.url("/v1/auth/token"))
        .json(&json!({"assertion": assertion(&stranger, good_claims(&stranger))}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let header = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(header.contains("error=\"invalid_token\""), "{header}");
}

/// A token this service signed, expired a minute ago.
fn expired_token(key: &ServiceKey, who: &Actor) -> String {
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": "ewaybill", "aud": "ewaybill", "sub": who.party_id, "key_id": who.key_id(),
        "kind": "company", "iat": now - 3600, "exp": now - 60, "jti": "expired",
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(key.key_id());
    jsonwebtoken::encode(&header, &claims, &key.jwt_encoding_key()).unwrap()
}

async fn garbage_content_types_get_problem_documents(app: TestApp) {
    let company = app.company("Sloppy client").await;
    let id = uuid::Uuid::now_v7();
    let posts = [
        "/v1/auth/token".to_owned(),
        "/v1/waybills".to_owned(),
        format!("/v1/waybills/{id}/events"),
        "/v1/waybills:batch".to_owned(),
        "/v1/events:batch".to_owned(),
        format!("/v1/parties/{}/keys", company.party_id),
        "/v1/parties".to_owned(),
        "/v1/webhooks".to_owned(),
        format!("/v1/inspect/shipments/{id}/inspections"),
    ];
    for content_type in [
        ";;;",
        "a/b/c",
        "application/json; charset=klingon",
        "json",
        "/",
    ] {
        for path in &posts {
            for idempotent in [false, true] {
                let headers: &[(&str, &str)] = if idempotent {
                    &[("Idempotency-Key", "garbage-type")]
                } else {
                    &[]
                };
                let res = app
                    .post_raw(&company, path, content_type, headers, b"{}".to_vec())
                    .await;
                let what = format!("{path} with Content-Type {content_type:?}");
                assert!(
                    res.status.is_client_error(),
                    "{what}: {} {:?}",
                    res.status,
                    String::from_utf8_lossy(&res.body)
                );
                assert_eq!(
                    res.header("content-type"),
                    Some("application/problem+json"),
                    "{what}: {} {:?}",
                    res.status,
                    String::from_utf8_lossy(&res.body)
                );
                let problem = res.json();
                assert_eq!(problem["status"], res.status.as_u16(), "{what}");
                assert!(problem["code"].is_string(), "{what}: {problem}");
            }
        }
    }
    // A GET with a garbage Content-Type is not refused for it.
    let res = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(&company.token)
        .header("Content-Type", ";;;")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn tokens_of_another_instance_are_invalid_not_revoked(app: TestApp) {
    let company = app.company("Roaming client").await;
    let service_key = ServiceKey::load_or_create(&app.config.data_dir).unwrap().0;

    // Signed with this service's key, but for a party and key this ledger
    // has never seen (another database served with the same key file).
    let issuer = TokenIssuer::new(&service_key, 300);
    let stranger = KeyPair::generate().unwrap();
    let foreign = issuer
        .issue(
            &uuid::Uuid::now_v7().to_string(),
            &stranger.public_key().key_id(),
            PartyKind::Company,
        )
        .unwrap();
    // A real key of this ledger, claimed for another party or kind.
    let wrong_party = issuer
        .issue(
            &uuid::Uuid::now_v7().to_string(),
            &company.key_id(),
            PartyKind::Company,
        )
        .unwrap();
    let wrong_kind = issuer
        .issue(&company.party_id, &company.key_id(), PartyKind::Operator)
        .unwrap();
    // Signed by another instance's service key.
    let other_dir = tempfile::tempdir().unwrap();
    let other_key = ServiceKey::load_or_create(other_dir.path()).unwrap().0;
    let other = TokenIssuer::new(&other_key, 300)
        .issue(&company.party_id, &company.key_id(), PartyKind::Company)
        .unwrap();

    for (what, token) in [
        ("unknown key", &foreign),
        ("another party", &wrong_party),
        ("another kind", &wrong_kind),
        ("another service key", &other),
    ] {
        let (status, header, problem) =
            challenge(&app, "/v1/me", Some(&format!("Bearer {token}"))).await;
        assert_eq!(status, 401, "{what}");
        assert_eq!(problem["code"], "invalid_token", "{what}: {problem}");
        assert!(
            header.contains("error=\"invalid_token\""),
            "{what}: {header}"
        );
    }
    // The genuine token still works; revoked is kept for revoked keys.
    let (status, _, _) =
        challenge(&app, "/v1/me", Some(&format!("Bearer {}", company.token))).await;
    assert_eq!(status, 200);
}
