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

fn operations(doc: &serde_json::Value) -> Vec<(String, String, &serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.get("responses").is_some() {
                out.push((method.to_uppercase(), path.clone(), operation));
            }
        }
    }
    out
}

/// What openapi-spec-validator and schemathesis (tests/contract/run.sh)
/// check in CI, checked here too so `cargo test` catches it first.
#[test]
fn document_is_complete_and_self_consistent() {
    let text = ewaybill::http::openapi::document_json();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // No dangling references.
    for (kind, prefix) in [
        ("schemas", "#/components/schemas/"),
        ("responses", "#/components/responses/"),
        ("parameters", "#/components/parameters/"),
    ] {
        let defined = doc["components"][kind].as_object().unwrap();
        for piece in text.split(prefix).skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(defined.contains_key(name), "{prefix}{name} is not defined");
        }
    }
    for (method, path, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().unwrap();
        for (status, response) in responses {
            let described = response.get("$ref").is_some()
                || response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty());
            assert!(described, "{method} {path} {status} has no description");
        }
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if secured {
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} takes a body but lacks {status}"
                );
            }
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["name"] == "limit" {
                let schema = &parameter["schema"];
                assert_eq!(schema["minimum"], 1, "{method} {path} limit");
                assert!(
                    schema["maximum"].is_u64(),
                    "{method} {path} limit: {schema}"
                );
            }
        }
    }
    // The log's receipt and the consignee's are two things with two names.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ActAccepted"]["properties"]["receipt"]["$ref"],
        "#/components/schemas/LogReceipt"
    );
    assert!(schemas.get("Receipt").is_none(), "ambiguous name Receipt");
    assert!(schemas.get("ConsigneeReceipt").is_some());
    // The public log endpoints need no token.
    for path in ["/v1/log/key", "/v1/log/checkpoint"] {
        let security = &doc["paths"][path]["get"]["security"];
        assert!(
            security
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.get("bearer").is_none()),
            "{path}: {security}"
        );
    }
    // The QR format is an enum; the proof's path names a position.
    let text_of_qr = doc["paths"]["/v1/waybills/{id}/qr"]["get"].to_string();
    assert!(
        text_of_qr.contains("\"enum\":[\"png\",\"svg\",\"json\"]"),
        "{text_of_qr}"
    );
    assert!(
        doc["paths"]
            .get("/v1/waybills/{id}/events/{position}/proof")
            .is_some()
    );
}
