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
fn document_is_openapi_3_1_with_the_shared_schemas() {
    let doc: serde_json::Value =
        serde_json::from_str(&ewaybill::http::openapi::document_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
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

/// A path of the document with every `{parameter}` filled in.
fn sample_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The document is built from the same route list the server registers
/// (`ewaybill::http::routes`), so this asks the server itself: each
/// documented operation reaches a route with the documented pattern, not
/// the `no_such_route` fallback. Nothing is started: without the service's
/// state a handler fails to extract it, which still proves it was routed.
#[actix_web::test]
async fn every_documented_operation_is_served_at_its_documented_pattern() {
    use actix_web::{App, http::Method, test};

    let app = test::init_service(App::new().configure(ewaybill::http::configure)).await;
    let answered_by_fallback = |body: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|problem| problem["code"] == "no_such_route")
    };
    // The probe tells the fallback apart.
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/v1/no-such-thing")
            .to_request(),
    )
    .await;
    assert!(answered_by_fallback(&test::read_body(response).await));

    let doc: serde_json::Value =
        serde_json::from_str(&ewaybill::http::openapi::document_json()).unwrap();
    let operations = operations(&doc);
    assert!(!operations.is_empty());
    for (method, path, _) in operations {
        let request = test::TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&sample_path(&path))
            .to_request();
        let response = test::call_service(&app, request).await;
        let pattern = response.request().match_pattern().map(without_regex);
        let body = test::read_body(response).await;
        assert!(
            !answered_by_fallback(&body),
            "{method} {path} is documented but not served"
        );
        assert_eq!(pattern.as_deref(), Some(path.as_str()), "{method} {path}");
    }
}

/// A served pattern as OpenAPI writes it: `{tile:.*}` (a parameter that
/// spans segments, as tlog-tiles paths do) is documented as `{tile}`.
fn without_regex(pattern: String) -> String {
    let (mut out, mut in_braces, mut in_regex) = (String::new(), false, false);
    for c in pattern.chars() {
        match c {
            '{' => in_braces = true,
            ':' if in_braces => in_regex = true,
            '}' => (in_braces, in_regex) = (false, false),
            _ => {}
        }
        if !in_regex || c == '}' {
            out.push(c);
        }
    }
    out
}

/// Which handler answers must not depend on the order in which the modules
/// register their routes: no path may match two routes of one method
/// (a route parameter matches any one segment).
#[test]
fn no_two_operations_of_one_method_match_the_same_path() {
    let doc: serde_json::Value =
        serde_json::from_str(&ewaybill::http::openapi::document_json()).unwrap();
    let operations = operations(&doc);
    let overlap = |a: &str, b: &str| {
        let (a, b) = (
            a.split('/').collect::<Vec<_>>(),
            b.split('/').collect::<Vec<_>>(),
        );
        a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|(a, b)| a == b || a.starts_with('{') || b.starts_with('{'))
    };
    for (i, (method, path, _)) in operations.iter().enumerate() {
        for (other_method, other_path, _) in &operations[i + 1..] {
            assert!(
                method != other_method || !overlap(path, other_path),
                "{method} {path} and {other_path} match the same paths"
            );
        }
    }
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
