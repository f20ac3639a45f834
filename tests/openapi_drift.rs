//! `openapi/openapi.json` is generated from the code and checked in so
//! client authors can read it without building. This fails when the two
//! drift apart; `UPDATE_OPENAPI=1 cargo test --test openapi_drift` rewrites it.

use std::path::Path;

#[test]
fn checked_in_openapi_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let generated = ewaybill::http::openapi::document_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "openapi/openapi.json is out of date; run: UPDATE_OPENAPI=1 cargo test --test openapi_drift"
    );
}

#[test]
fn document_is_openapi_3_1_and_covers_every_route() {
    let doc: serde_json::Value =
        serde_json::from_str(&ewaybill::http::openapi::document_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/v1/auth/token",
        "/v1/parties",
        "/v1/parties/{id}",
        "/v1/parties/{id}/keys",
        "/v1/parties/{id}/keys/{key_id}",
        "/v1/me",
        "/v1/waybills",
        "/v1/waybills/{id}",
        "/v1/waybills/{id}/events",
        "/v1/audit/access",
        "/v1/webhooks",
        "/v1/webhooks/{id}",
        "/v1/webhooks/{id}/deliveries",
        "/v1/feed",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(route), "{route} is not documented");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "WaybillDocument",
        "WaybillState",
        "Problem",
        "SignedActEnvelope",
        "FieldError",
        "WebhookPayload",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    // Decimals travel as strings.
    let quantity = &schemas["GoodsLine"]["properties"]["quantity"];
    assert_eq!(quantity["type"], "string", "{quantity}");
}
