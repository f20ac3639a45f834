//! Bulk acts: every item answered on its own, retries recognised, nothing
//! half-written.

use chrono::Utc;
use diesel::prelude::*;
use ewaybill::client::sign_act;
use ewaybill::storage::schema::{events, waybills};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{
    Actor, TestApp, assert_problem, document, hash_of, issue_envelope as issue, number,
};

crate::on_both_backends!(
    mixed_items_are_answered_one_by_one_and_retries_exist,
    re_signed_issue_of_the_same_document_exists_another_is_rejected,
    ndjson_lines_are_items_and_a_bad_line_fails_alone,
    later_acts_apply_in_request_order,
    batch_limits_and_callers,
);

/// (waybills, waybill events) in the database.
fn counts(app: &TestApp) -> (i64, i64) {
    let mut conn = app.db();
    let waybill_rows = waybills::table.count().get_result(&mut conn).unwrap();
    let waybill_events = events::table
        .filter(events::waybill_id.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    (waybill_rows, waybill_events)
}

async fn batch(app: &TestApp, who: &Actor, path: &str, items: &[Value]) -> (StatusCode, Value) {
    app.post(who, path, Value::from(items.to_vec())).await
}

async fn mixed_items_are_answered_one_by_one_and_retries_exist(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let good_a = issue(&consignor, &carrier, &consignee, &number());
    let good_b = issue(&consignor, &carrier, &consignee, &number());
    let mut bad_signature = issue(&consignor, &carrier, &consignee, &number());
    bad_signature["act"]["body"]["number"] = json!("TAMPERED-1");
    let mut invalid_document = document(&number(), &consignor, &carrier, &consignee);
    invalid_document["lines"][0]["quantity"] = json!("0");
    let invalid = consignor.sign("consignor.issue", Uuid::now_v7(), None, invalid_document);
    // The caller signs, but the document names someone else as consignor.
    let wrong_role = consignor.sign(
        "consignor.issue",
        Uuid::now_v7(),
        None,
        document(&number(), &carrier, &consignor, &consignee),
    );
    let taken_number = consignor.sign(
        "consignor.issue",
        Uuid::now_v7(),
        None,
        good_a["act"]["body"].clone(),
    );
    let items = vec![
        good_a.clone(),
        bad_signature.clone(),
        invalid.clone(),
        wrong_role.clone(),
        good_a.clone(),
        good_b.clone(),
        taken_number.clone(),
    ];
    let before = counts(&app);
    let (status, body) = batch(&app, &consignor, "/v1/waybills:batch", &items).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statuses: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "created", "rejected", "rejected", "rejected", "existed", "created", "rejected"
        ],
        "{body}"
    );
    assert_eq!(
        (&body["created"], &body["existed"], &body["rejected"]),
        (&json!(2), &json!(1), &json!(4))
    );
    for (i, item) in body["items"].as_array().unwrap().iter().enumerate() {
        assert_eq!(item["index"], i);
        assert_eq!(item["waybill_id"], items[i]["act"]["waybill_id"], "{item}");
    }
    let created = &body["items"][0]["result"];
    assert_eq!(created["event"]["hash"], hash_of(&good_a));
    assert_eq!(created["waybill"]["status"], "issued");
    assert!(created["receipt"]["checkpoint"].is_string());
    // The duplicate inside the batch gets the first one's answer.
    assert_eq!(&body["items"][4]["result"], created);
    assert_eq!(
        body["items"][2]["problem"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"] == "lines[0].quantity")
            .count(),
        1,
        "{body}"
    );
    // Exactly the two good waybills were written, one event each.
    assert_eq!(counts(&app), (before.0 + 2, before.1 + 2));

    // Each rejected item got the problem a single request gets.
    for i in [1, 2, 3, 6] {
        let (single_status, single) = app.post(&consignor, "/v1/waybills", items[i].clone()).await;
        assert_eq!(
            body["items"][i]["problem"]["status"],
            single_status.as_u16()
        );
        assert_eq!(body["items"][i]["problem"], single, "item {i}");
    }
    let codes: Vec<&str> = [1, 2, 3, 6]
        .iter()
        .map(|i| body["items"][*i]["problem"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "invalid_signature",
            "validation_failed",
            "wrong_party_for_role",
            "duplicate_number"
        ]
    );

    // The whole batch again (a client that lost the answer): nothing new,
    // and the recorded items come back with their original answers.
    let (status, again) = batch(&app, &consignor, "/v1/waybills:batch", &items).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        (&again["created"], &again["existed"], &again["rejected"]),
        (&json!(0), &json!(3), &json!(4))
    );
    assert_eq!(&again["items"][0]["result"], created);
    assert_eq!(again["items"][5]["result"], body["items"][5]["result"]);
    assert_eq!(counts(&app), (before.0 + 2, before.1 + 2));

    // Later acts do not change the original answer of the issue.
    let id = good_a["act"]["waybill_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let accept = carrier.sign(
        "carrier.accept",
        id,
        Some(&hash_of(&good_a)),
        json!({"reservations": []}),
    );
    let (status, _) = app
        .post(&carrier, &format!("/v1/waybills/{id}/events"), accept)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, later) = batch(&app, &consignor, "/v1/waybills:batch", &items[..1]).await;
    assert_eq!(later["items"][0]["status"], "existed");
    assert_eq!(&later["items"][0]["result"], created);
}

async fn re_signed_issue_of_the_same_document_exists_another_is_rejected(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let id = Uuid::now_v7();
    let doc = document(&number(), &consignor, &carrier, &consignee);
    let sign_at = |secs_ago: i64, body: Value| {
        sign_act(
            &consignor.key,
            "consignor.issue",
            id,
            None,
            body,
            Utc::now() - chrono::Duration::seconds(secs_ago),
        )
        .unwrap()
    };
    let first = sign_at(60, doc.clone());
    let (status, original) = app.post_issue(&consignor, &first).await;
    assert_eq!(status, StatusCode::CREATED, "{original}");

    // The answer was lost; the client signs the same document again.
    let retry = sign_at(0, doc.clone());
    let (_, body) = batch(
        &app,
        &consignor,
        "/v1/waybills:batch",
        std::slice::from_ref(&retry),
    )
    .await;
    assert_eq!(body["items"][0]["status"], "existed", "{body}");
    assert_eq!(body["items"][0]["result"], original);
    // The single endpoint keeps its contract: a second issue is a conflict.
    assert_problem(
        &app.post_issue(&consignor, &retry).await,
        StatusCode::CONFLICT,
        "waybill_exists",
        &[],
    );

    // The same id over another document is a conflict in bulk too.
    let mut other = doc.clone();
    other["transport"]["vehicle_plate"] = json!("ZZ-0001");
    let (_, body) = batch(&app, &consignor, "/v1/waybills:batch", &[sign_at(0, other)]).await;
    assert_eq!(body["items"][0]["status"], "rejected");
    assert_eq!(body["items"][0]["problem"]["code"], "waybill_exists");
    assert_eq!(body["items"][0]["problem"]["status"], 409);
    assert_eq!(counts(&app).0, 1);
}

async fn ndjson_lines_are_items_and_a_bad_line_fails_alone(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let items: Vec<Value> = (0..3)
        .map(|_| issue(&consignor, &carrier, &consignee, &number()))
        .collect();
    let ndjson = format!(
        "{}\n{}\r\n{{\"act\": \n\n{}\n",
        items[0], items[1], items[2]
    );
    let res = app
        .post_raw(
            &consignor,
            "/v1/waybills:batch",
            "application/x-ndjson",
            &[],
            ndjson.into_bytes(),
        )
        .await;
    let body = res.json();
    assert_eq!(res.status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["created"], &body["existed"], &body["rejected"]),
        (&json!(3), &json!(0), &json!(1))
    );
    assert_eq!(body["items"][2]["status"], "rejected");
    assert_eq!(body["items"][2]["waybill_id"], Value::Null);
    assert_eq!(body["items"][2]["problem"]["code"], "malformed_json");
    assert_eq!(body["items"][2]["problem"]["status"], 400);
    assert_eq!(
        body["items"][3]["waybill_id"],
        items[2]["act"]["waybill_id"]
    );
    assert_eq!(counts(&app), (3, 3));
    for item in &items {
        let id = item["act"]["waybill_id"].as_str().unwrap();
        let (status, state) = app.get(&consignee, &format!("/v1/waybills/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["head"], hash_of(item));
    }
}

async fn later_acts_apply_in_request_order(app: TestApp) {
    let s = app.shipment().await;
    let (other_id, other_head) = app.issue(&s.consignor, &s.carrier, &s.consignee).await;
    let accept = s.carrier.sign(
        "carrier.accept",
        s.id,
        Some(&s.head),
        json!({"reservations": []}),
    );
    let change = s.carrier.sign(
        "carrier.change_vehicle",
        s.id,
        Some(&hash_of(&accept)),
        json!({"vehicle_plate": "KX-9876", "vehicle_country": "LV"}),
    );
    let accept_other = s.carrier.sign(
        "carrier.accept",
        other_id,
        Some(&other_head),
        json!({"reservations": []}),
    );
    // The consignee's act, signed by the carrier's key for the carrier.
    let wrong_role = s.carrier.sign(
        "consignee.accept",
        s.id,
        Some(&hash_of(&change)),
        json!({"lines": []}),
    );
    let stale = s.carrier.sign(
        "carrier.decline",
        s.id,
        Some(&s.head),
        json!({"reason": "late"}),
    );
    let issue_here = issue(&s.consignor, &s.carrier, &s.consignee, &number());
    let items = vec![
        accept.clone(),
        change.clone(),
        accept_other.clone(),
        wrong_role,
        stale,
        issue_here,
    ];
    let before = counts(&app);
    let (status, body) = batch(&app, &s.carrier, "/v1/events:batch", &items).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome: Vec<(&str, Option<&str>)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["status"].as_str().unwrap(), i["problem"]["code"].as_str()))
        .collect();
    assert_eq!(
        outcome,
        [
            ("created", None),
            ("created", None),
            ("created", None),
            ("rejected", Some("wrong_party_for_role")),
            ("rejected", Some("stale_prev")),
            ("rejected", Some("validation_failed")),
        ],
        "{body}"
    );
    assert_eq!(
        body["items"][5]["problem"]["errors"][0]["code"],
        "wrong_endpoint"
    );
    assert_eq!(body["items"][1]["result"]["waybill"]["version"], 3);
    assert_eq!(counts(&app), (before.0, before.1 + 3));
    let (_, state) = app
        .get(&s.consignor, &format!("/v1/waybills/{}", s.id))
        .await;
    assert_eq!(state["head"], hash_of(&change));
    assert_eq!(state["transport"]["vehicle_plate"], "KX-9876");

    // Resent: the recorded acts exist, with the answers they first got.
    let (_, again) = batch(&app, &s.carrier, "/v1/events:batch", &items[..3]).await;
    assert_eq!(again["existed"], 3, "{again}");
    for i in 0..3 {
        assert_eq!(again["items"][i]["result"], body["items"][i]["result"]);
    }
    assert_eq!(counts(&app), (before.0, before.1 + 3));
}

async fn batch_limits_and_callers(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let (status, body) = batch(&app, &consignor, "/v1/waybills:batch", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let too_many = vec![json!({}); 1001];
    assert_problem(
        &batch(&app, &consignor, "/v1/waybills:batch", &too_many).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        &[],
    );
    let (status, body) = app
        .post(&consignor, "/v1/waybills:batch", json!({"act": {}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let res = app
        .post_raw(
            &consignor,
            "/v1/waybills:batch",
            "text/csv",
            &[],
            b"a,b".to_vec(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let item = issue(&consignor, &carrier, &consignee, &number());
    assert_problem(
        &batch(
            &app,
            &app.admin,
            "/v1/waybills:batch",
            std::slice::from_ref(&item),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not_a_company",
        &[],
    );
    // Someone else's signed act, sent by another company.
    let (status, body) = batch(&app, &carrier, "/v1/waybills:batch", &[item]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["problem"]["code"], "signer_not_caller");
    assert_eq!(counts(&app), (0, 0));
}
