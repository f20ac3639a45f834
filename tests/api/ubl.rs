//! UBL 2.1 over HTTP: the waybill as a DespatchAdvice by content
//! negotiation, and the consignee's outcome as a ReceiptAdvice.

use ewaybill::domain::act::{ConsigneeAcceptBody, ReceivedLine};
use ewaybill::domain::document::parse_document;
use ewaybill::ubl::{ConsigneeResponse, import_despatch_advice, import_receipt_advice};
use reqwest::StatusCode;
use rust_decimal_macros::dec;
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};

crate::on_both_backends!(
    waybill_as_despatch_advice_parses_back_to_the_document,
    json_stays_the_default_and_unacceptable_types_are_406,
    receipt_advice_after_partial_acceptance,
    receipt_advice_for_a_rejection_and_before_any_outcome,
);

/// A GET with an `Accept` header: status, content type, body text.
async fn get(
    app: &TestApp,
    who: &Actor,
    path: &str,
    accept: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = app.http.get(app.url(path)).bearer_auth(&who.token);
    if let Some(accept) = accept {
        req = req.header("Accept", accept);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, res.text().await.unwrap())
}

async fn waybill_as_despatch_advice_parses_back_to_the_document(app: TestApp) {
    let s = app.shipment().await;
    let path = format!("/v1/waybills/{}", s.id);
    let (status, content_type, xml) = get(&app, &s.consignor, &path, Some("application/xml")).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    assert!(xml.contains("urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2"));
    assert!(
        xml.contains(&format!("<cbc:UUID>{}</cbc:UUID>", s.id)),
        "{xml}"
    );

    let (_, state) = app.get(&s.consignor, &path).await;
    let stored = parse_document(state["document"].clone()).unwrap();
    let imported = import_despatch_advice(&xml).unwrap();
    assert_eq!(imported.value, stored);
    assert_eq!(
        serde_json::to_value(&imported.value).unwrap(),
        state["document"],
        "equal as JSON too"
    );
    // The body of the signed issue act, not a document rebuilt later: its
    // planned times are relative to the clock, which may have ticked.
    let (_, events) = app.events(&s.consignor, s.id).await;
    assert_eq!(events[0]["act"]["type"], "consignor.issue");
    let sent = parse_document(events[0]["act"]["body"].clone()).unwrap();
    assert_eq!(imported.value, sent, "what the consignor signed");

    // The carrier and the consignee may read it too; a stranger may not.
    let (status, _, _) = get(&app, &s.carrier, &path, Some("text/xml")).await;
    assert_eq!(status, StatusCode::OK);
    let stranger = app.company("Stranger").await;
    let (status, content_type, body) = get(&app, &stranger, &path, Some("application/xml")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
}

async fn json_stays_the_default_and_unacceptable_types_are_406(app: TestApp) {
    let s = app.shipment().await;
    let path = format!("/v1/waybills/{}", s.id);
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("application/xml;q=0.5, application/json"),
    ] {
        let (status, content_type, body) = get(&app, &s.consignor, &path, accept).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{accept:?}: {content_type}"
        );
        let state: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(state["id"], json!(s.id.to_string()));
    }
    let (status, content_type, body) = get(&app, &s.consignor, &path, Some("text/html")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "not_acceptable");
    assert_eq!(
        problem["available"],
        json!(["application/json", "application/xml"])
    );

    let receipt = format!("/v1/waybills/{}/receipt-advice", s.id);
    let (status, _, body) = get(&app, &s.consignor, &receipt, Some("application/json")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{body}");
}

async fn receipt_advice_after_partial_acceptance(app: TestApp) {
    let mut s = app.shipment().await;
    app.carrier_accept_ok(&mut s, json!({})).await;
    let consignee = s.consignee.clone();
    app.act_ok(
        &mut s,
        &consignee,
        "consignee.accept",
        json!({"lines": [{"line_no": 1, "received_quantity": "95", "note": "5 l broken"}],
                   "note": "accepted with shortfall"}),
    )
    .await;

    let path = format!("/v1/waybills/{}/receipt-advice", s.id);
    let (status, content_type, xml) = get(&app, &s.consignor, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    assert!(
        xml.contains(r#"<cbc:ReceivedQuantity unitCode="LTR">95</cbc:ReceivedQuantity>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<cbc:ShortQuantity unitCode="LTR">5</cbc:ShortQuantity>"#),
        "{xml}"
    );

    let (number, response) = import_receipt_advice(&xml).unwrap().value;
    assert_eq!(number, Some(format!("WB-{}", s.id.simple())));
    assert_eq!(
        response,
        ConsigneeResponse::Accept(ConsigneeAcceptBody {
            lines: vec![
                ReceivedLine {
                    line_no: 1,
                    received_quantity: dec!(95),
                    note: Some("5 l broken".into())
                },
                ReceivedLine {
                    line_no: 2,
                    received_quantity: dec!(50),
                    note: None
                },
            ],
            note: Some("accepted with shortfall".into()),
        })
    );
}

async fn receipt_advice_for_a_rejection_and_before_any_outcome(app: TestApp) {
    let mut s = app.shipment().await;
    let path = format!("/v1/waybills/{}/receipt-advice", s.id);
    let (status, _, body) = get(&app, &s.consignee, &path, Some("application/xml")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "no_receipt");
    assert_eq!(problem["current_status"], "issued");

    app.carrier_accept_ok(&mut s, json!({})).await;
    let consignee = s.consignee.clone();
    app.act_ok(
        &mut s,
        &consignee,
        "consignee.reject",
        json!({"reason": "cold chain broken"}),
    )
    .await;

    let (status, _, xml) = get(&app, &s.carrier, &path, Some("application/xml")).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(
        xml.contains(r#"<cbc:RejectedQuantity unitCode="LTR">100</cbc:RejectedQuantity>"#),
        "{xml}"
    );
    let (_, response) = import_receipt_advice(&xml).unwrap().value;
    let ConsigneeResponse::Reject(body) = response else {
        panic!("expected a rejection, got {response:?}")
    };
    assert!(body.reason.contains("cold chain broken"), "{}", body.reason);

    let stranger = app.company("Stranger").await;
    let (status, _, _) = get(&app, &stranger, &path, Some("application/xml")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
