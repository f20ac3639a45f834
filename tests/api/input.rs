//! What requests may carry (issue 9, items 1, 7, 8): text the database
//! cannot store is refused up front the same way on both backends,
//! duplicate JSON members are refused, and validation lists every problem
//! at once without cascades.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Actor, RawResponse, TestApp, assert_problem, document};

crate::on_both_backends!(
    nul_in_a_document_is_refused_and_nothing_is_written,
    nul_in_other_bodies_is_refused_and_nothing_is_written,
    control_characters_in_query_and_path_are_a_400,
    duplicate_members_are_refused,
    every_problem_is_listed_at_once,
);

fn paths_and_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Posts `text` as it is, as `application/json`: for JSON that a `Value`
/// cannot carry (duplicate members, lone surrogates).
async fn post_json_text(app: &TestApp, who: &Actor, path: &str, text: Vec<u8>) -> RawResponse {
    app.post_raw(who, path, "application/json", &[], text).await
}

async fn waybill_count(app: &TestApp, who: &Actor) -> usize {
    let (status, page) = app.get(who, "/v1/waybills").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().len()
}

async fn nul_in_a_document_is_refused_and_nothing_is_written(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    for pointer in [
        "/number",
        "/loading/address/city",
        "/consignor/reg_no",
        "/lines/0/description",
        "/transport/vehicle_plate",
    ] {
        let mut body = document("WB-NUL-1", &consignor, &carrier, &consignee);
        let field = body.pointer_mut(pointer).unwrap();
        *field = Value::String(format!("{}\u{0}x", field.as_str().unwrap()));
        let envelope = consignor.sign("consignor.issue", Uuid::now_v7(), None, body);
        let (status, problem) = app.post_issue(&consignor, &envelope).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pointer}: {problem}"
        );
        assert_eq!(problem["code"], "validation_failed");
        let path = format!(
            "act.body{}",
            pointer.replace("/0/", "[0].").replace('/', ".")
        );
        assert_eq!(
            paths_and_codes(&problem),
            [(path, "control_character".to_owned())],
            "{problem}"
        );
    }
    assert_eq!(waybill_count(&app, &consignor).await, 0);

    // The same in a bulk request: that item is refused, the next one written.
    let bad = {
        let mut body = document("WB-NUL-2", &consignor, &carrier, &consignee);
        body["number"] = json!("WB\u{0}2");
        consignor.sign("consignor.issue", Uuid::now_v7(), None, body)
    };
    let good = consignor.sign(
        "consignor.issue",
        Uuid::now_v7(),
        None,
        document("WB-NUL-3", &consignor, &carrier, &consignee),
    );
    let (status, result) = app
        .post(&consignor, "/v1/waybills:batch", json!([bad, good]))
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["items"][0]["status"], "rejected", "{result}");
    assert_eq!(
        paths_and_codes(&result["items"][0]["problem"]),
        [("act.body.number".to_owned(), "control_character".to_owned())]
    );
    assert_eq!(result["items"][1]["status"], "created", "{result}");
    assert_eq!(waybill_count(&app, &consignor).await, 1);
}

async fn nul_in_other_bodies_is_refused_and_nothing_is_written(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();

    // An act body: a carrier's reservation.
    let (status, problem) = app
        .act(
            &mut s,
            &carrier,
            "carrier.accept",
            json!({"reservations": [{"note": "wet\u{0}"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        paths_and_codes(&problem),
        [(
            "act.body.reservations[0].note".to_owned(),
            "control_character".to_owned()
        )]
    );
    let (_, events) = app.events(&carrier, s.id).await;
    assert_eq!(events.as_array().unwrap().len(), 1, "only the issue");

    // A party.
    let (status, problem) = app
        .post(&app.admin, "/v1/parties", json!({"kind": "company", "name": "Nul\u{0} SIA", "reg_no": "40000000001", "country": "LV"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        paths_and_codes(&problem),
        [("name".to_owned(), "control_character".to_owned())]
    );
    let (_, found) = app.get(&app.admin, "/v1/parties?reg_no=40000000001").await;
    assert_eq!(found, json!([]));

    // A webhook: its URL and its description.
    let (status, problem) = app
        .post(
            &carrier,
            "/v1/webhooks",
            json!({"url": "https://erp.example.com/\u{0}", "event_types": ["*"],
                        "description": "ERP\u{1b}[31m"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut found = paths_and_codes(&problem);
    found.sort();
    assert_eq!(
        found,
        [
            ("description".to_owned(), "control_character".to_owned()),
            ("url".to_owned(), "control_character".to_owned())
        ]
    );
    let (_, hooks) = app.get(&carrier, "/v1/webhooks").await;
    assert_eq!(hooks["items"], json!([]));

    // An inspection note.
    let police = app.register_party("authority", "Police").await;
    let path = format!("/v1/inspect/shipments/{}/inspections", s.id);
    let (status, problem) = app
        .post(
            &police,
            &path,
            json!({"outcome": "no_irregularity", "selection": "other", "note": "ok\u{0}"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        paths_and_codes(&problem),
        [("note".to_owned(), "control_character".to_owned())]
    );
    let (_, list) = app.get(&police, &path).await;
    assert_eq!(list, json!([]));

    // Tab and line breaks are fine in free text.
    let (status, created) = app
        .post(&police, &path, json!({"outcome": "no_irregularity", "selection": "other", "note": "line 1\r\n\tline 2"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

async fn control_characters_in_query_and_path_are_a_400(app: TestApp) {
    let s = app.shipment().await;
    let police = app.register_party("authority", "Police").await;
    let cases: [(&Actor, &str, &str); 7] = [
        (&police, "/v1/inspect/shipments?party=4000%00", "party"),
        (
            &police,
            "/v1/inspect/shipments?loading_city=R%00ga",
            "loading_city",
        ),
        (&police, "/v1/inspect/shipments?plate=AB%0A1234", "plate"),
        (&app.admin, "/v1/parties?reg_no=%00", "reg_no"),
        (&app.admin, "/v1/audit/access?before=%00", "before"),
        (&s.consignor, "/v1/waybills?cursor=%00", "cursor"),
        (&police, "/v1/inspect/risk?cn=22%00", "cn"),
    ];
    for (who, path, parameter) in cases {
        let (status, problem) = app.get(who, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], "invalid_query", "{path}");
        assert_eq!(
            paths_and_codes(&problem),
            [(parameter.to_owned(), "control_character".to_owned())],
            "{path}"
        );
    }
    let problem = assert_problem(
        &app.get(&app.admin, "/v1/parties/%00").await,
        StatusCode::BAD_REQUEST,
        "invalid_path",
        &[],
    );
    assert_eq!(problem["errors"][0]["path"], "id");
}

async fn duplicate_members_are_refused(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let id = Uuid::now_v7();
    let envelope =
        crate::common::issue_envelope_with_id(id, &consignor, &carrier, &consignee, "WB-DUP-1");
    let text = serde_json::to_string(&envelope).unwrap();
    let cases = [
        // In the envelope.
        (
            text.replacen(
                "\"signature\":\"",
                "\"signature\":\"AAAA\",\"signature\":\"",
                1,
            ),
            "signature",
        ),
        // In the act.
        (
            text.replacen(
                "\"type\":\"consignor.issue\"",
                "\"type\":\"consignor.cancel\",\"type\":\"consignor.issue\"",
                1,
            ),
            "act.type",
        ),
        // In the body.
        (
            text.replacen(
                "\"number\":\"WB-DUP-1\"",
                "\"number\":\"WB-X\",\"number\":\"WB-DUP-1\"",
                1,
            ),
            "act.body.number",
        ),
        // Nested in a goods line.
        (
            text.replacen(
                "\"amount\":\"120.00\"",
                "\"amount\":\"1.00\",\"amount\":\"120.00\"",
                1,
            ),
            "act.body.lines[0].amount",
        ),
    ];
    for (body, path) in cases {
        assert_ne!(body, text, "{path}: the case must change the text");
        let res = post_json_text(&app, &consignor, "/v1/waybills", body.into_bytes()).await;
        let problem = res.json();
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], "duplicate_member", "{path}");
        assert_eq!(problem["errors"][0]["path"], path, "{problem}");
    }
    // A lone surrogate is not text at all.
    let lone = text.replacen("\"number\":\"WB-DUP-1\"", "\"number\":\"WB-\\ud800\"", 1);
    assert_ne!(lone, text);
    let res = post_json_text(&app, &consignor, "/v1/waybills", lone.into_bytes()).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["code"], "malformed_json");
    assert_eq!(waybill_count(&app, &consignor).await, 0);

    // A bulk item, and another body the API takes.
    let batch = format!(
        "[{}]",
        text.replacen(
            "\"amount\":\"120.00\"",
            "\"amount\":\"1.00\",\"amount\":\"120.00\"",
            1
        )
    );
    let res = post_json_text(&app, &consignor, "/v1/waybills:batch", batch.into_bytes()).await;
    let result = res.json();
    assert_eq!(res.status, StatusCode::OK, "{result}");
    assert_eq!(result["items"][0]["problem"]["code"], "duplicate_member");
    let res = post_json_text(
        &app,
        &app.admin,
        "/v1/parties",
        br#"{"kind":"company","name":"A","name":"B","reg_no":"40000000002","country":"LV"}"#
            .to_vec(),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["errors"][0]["path"], "name");
    assert_eq!(waybill_count(&app, &consignor).await, 0);

    // The envelope without the duplicate is accepted.
    let (status, body) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn every_problem_is_listed_at_once(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let post = |body: Value| {
        let envelope = consignor.sign("consignor.issue", Uuid::now_v7(), None, body);
        let app = &app;
        let consignor = &consignor;
        async move {
            let (status, problem) = app.post_issue(consignor, &envelope).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            paths_and_codes(&problem)
        }
    };
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    };
    let base = || document("WB-ALL-1", &consignor, &carrier, &consignee);

    // A missing consignee, an unknown unit and a wrong currency: three.
    let mut body = base();
    body.as_object_mut().unwrap().remove("consignee");
    body["lines"][0]["unit"] = json!("litre");
    body["currency"] = json!("EURO");
    let mut found = post(body).await;
    found.sort();
    assert_eq!(
        found,
        owned(&[
            ("consignee", "missing_field"),
            ("currency", "invalid_currency"),
            ("lines[0].unit", "invalid_unit"),
        ])
    );

    // A wrong line amount, totals added up from the right ones: one error.
    // Line 2: 50 x 3.333 = 166.65, sent as 166.66.
    let mut body = base();
    body["lines"][1]["amount"] = json!("166.66");
    assert_eq!(
        post(body).await,
        owned(&[("lines[1].amount", "amount_mismatch")])
    );

    // A wrong gross alone is reported, with the right expectation.
    let mut body = base();
    body["totals"]["gross_amount"] = json!("346.95");
    let envelope = consignor.sign("consignor.issue", Uuid::now_v7(), None, body);
    let (status, problem) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        paths_and_codes(&problem),
        owned(&[("totals.gross_amount", "total_mismatch")])
    );
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("expected 346.85"), "{message}");

    // Structural problems in several places, each once.
    let mut body = base();
    body["lines"][0]["quantity"] = json!(100);
    body["lines"][1]["colour"] = json!("clear");
    body["transport"]
        .as_object_mut()
        .unwrap()
        .remove("vehicle_country");
    let mut found = post(body).await;
    found.sort();
    assert_eq!(
        found,
        owned(&[
            ("lines[0].quantity", "invalid_type"),
            ("lines[1].colour", "unknown_field"),
            ("transport.vehicle_country", "missing_field"),
        ])
    );
    assert_eq!(waybill_count(&app, &consignor).await, 0);
}
