//! The whole lifecycle, and every act that its current status forbids.

use ewaybill::domain::lifecycle::ActType;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Shipment, TestApp, assert_problem, document, hash_of, today, tomorrow};

crate::on_both_backends!(
    accept_with_reservations_change_vehicle_partial_acceptance,
    full_delivery,
    decline_correct_with_another_carrier_then_reject,
    cancel_before_acceptance,
    every_illegal_transition_is_409_naming_status_and_allowed_acts,
    stale_prev_is_409_with_the_current_head,
    replayed_act_is_409,
    chain_is_returned_exactly_as_signed,
    state_is_the_fold_of_the_returned_chain,
    listing_filters_and_paginates,
);

async fn accept_with_reservations_change_vehicle_partial_acceptance(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    let body = app
        .act_ok(
            &mut s,
            &carrier,
            "carrier.accept",
            json!({"reservations": [
                {"line_no": 1, "note": "two crates dented"},
                {"note": "seal number not legible"}
            ]}),
        )
        .await;
    assert_eq!(body["waybill"]["status"], "in_transit");
    assert_eq!(body["waybill"]["reservations"][0]["line_no"], 1);
    assert_eq!(body["waybill"]["version"], 2);

    let body = app
        .act_ok(
            &mut s,
            &carrier,
            "carrier.change_vehicle",
            json!({
                "vehicle_plate": "KX-9876", "vehicle_country": "LV", "driver_name": "Anna Ozola",
                "reason": "breakdown near Sigulda"
            }),
        )
        .await;
    assert_eq!(body["waybill"]["transport"]["vehicle_plate"], "KX-9876");
    assert_eq!(
        body["waybill"]["document"]["transport"]["vehicle_plate"],
        "AB-1234"
    );
    assert_eq!(body["waybill"]["vehicle_changes"], 1);

    let consignee = s.consignee.clone();
    let body = app
        .act_ok(
            &mut s,
            &consignee,
            "consignee.accept",
            json!({
                "lines": [{"line_no": 1, "received_quantity": "95", "note": "5 l broken"}],
                "note": "accepted with shortfall"
            }),
        )
        .await;
    let waybill = &body["waybill"];
    assert_eq!(waybill["status"], "partially_accepted");
    assert_eq!(waybill["receipt"]["lines"][0]["shortfall"], "5");
    assert_eq!(waybill["receipt"]["lines"][1]["received_quantity"], "50");
    assert_eq!(waybill["receipt"]["lines"][1]["shortfall"], "0");
    assert_eq!(waybill["version"], 4);
    assert_eq!(waybill["head"], s.head);

    // Every party sees the same final state.
    for who in [&s.consignor, &s.carrier, &s.consignee] {
        let (status, state) = app.get(who, &format!("/v1/waybills/{}", s.id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["status"], "partially_accepted");
        assert_eq!(state["head"], s.head);
    }
}

async fn full_delivery(app: TestApp) {
    let mut s = app.shipment().await;
    let (carrier, consignee) = (s.carrier.clone(), s.consignee.clone());
    app.act_ok(&mut s, &carrier, "carrier.accept", json!({}))
        .await;
    let body = app
        .act_ok(&mut s, &consignee, "consignee.accept", json!({}))
        .await;
    assert_eq!(body["waybill"]["status"], "delivered");
}

async fn decline_correct_with_another_carrier_then_reject(app: TestApp) {
    let mut s = app.shipment().await;
    let first_carrier = s.carrier.clone();
    let body = app
        .act_ok(
            &mut s,
            &first_carrier,
            "carrier.decline",
            json!({"reason": "no free trucks"}),
        )
        .await;
    assert_eq!(body["waybill"]["status"], "declined");
    assert_eq!(body["waybill"]["reason"], "no free trucks");

    let second_carrier = app.company("Second carrier").await;
    let consignor = s.consignor.clone();
    let number = body["waybill"]["document"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let corrected = document(&number, &s.consignor, &second_carrier, &s.consignee);
    let body = app
        .act_ok(&mut s, &consignor, "consignor.correct", corrected)
        .await;
    assert_eq!(body["waybill"]["status"], "issued");
    assert_eq!(body["waybill"]["corrections"], 1);
    assert_eq!(
        body["waybill"]["document"]["carrier"]["reg_no"],
        second_carrier.reg_no.as_str()
    );

    // The declined carrier is no longer on the waybill; the new one acts.
    let (status, _) = app
        .act(&mut s, &first_carrier, "carrier.accept", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.carrier = second_carrier.clone();
    assert_eq!(
        app.act(&mut s, &second_carrier, "carrier.accept", json!({}))
            .await
            .0,
        StatusCode::CREATED
    );
    let consignee = s.consignee.clone();
    let body = app
        .act_ok(
            &mut s,
            &consignee,
            "consignee.reject",
            json!({"reason": "wrong goods"}),
        )
        .await;
    assert_eq!(body["waybill"]["status"], "rejected");

    // The earlier document version stays in the chain.
    let (_, events) = app.events(&consignor, s.id).await;
    let types: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["act"]["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "consignor.issue",
            "carrier.decline",
            "consignor.correct",
            "carrier.accept",
            "consignee.reject"
        ]
    );
    assert_eq!(
        events[0]["act"]["body"]["carrier"]["reg_no"],
        first_carrier.reg_no.as_str()
    );
}

async fn cancel_before_acceptance(app: TestApp) {
    let mut s = app.shipment().await;
    let consignor = s.consignor.clone();
    let body = app
        .act_ok(
            &mut s,
            &consignor,
            "consignor.cancel",
            json!({"reason": "order withdrawn"}),
        )
        .await;
    assert_eq!(body["waybill"]["status"], "cancelled");
}

/// Drives a fresh waybill into `target` and returns it.
async fn reach(app: &TestApp, target: &str) -> Shipment {
    let mut s = app.shipment().await;
    let (consignor, carrier, consignee) =
        (s.consignor.clone(), s.carrier.clone(), s.consignee.clone());
    let steps: &[(&crate::common::Actor, &str, serde_json::Value)] = match target {
        "issued" => &[],
        "declined" => &[(&carrier, "carrier.decline", json!({"reason": "full"}))],
        "cancelled" => &[(
            &consignor,
            "consignor.cancel",
            json!({"reason": "withdrawn"}),
        )],
        "in_transit" => &[(&carrier, "carrier.accept", json!({}))],
        "delivered" => &[
            (&carrier, "carrier.accept", json!({})),
            (&consignee, "consignee.accept", json!({})),
        ],
        "partially_accepted" => &[
            (&carrier, "carrier.accept", json!({})),
            (
                &consignee,
                "consignee.accept",
                json!({"lines": [{"line_no": 2, "received_quantity": "1"}]}),
            ),
        ],
        "rejected" => &[
            (&carrier, "carrier.accept", json!({})),
            (&consignee, "consignee.reject", json!({"reason": "late"})),
        ],
        other => panic!("unknown status {other}"),
    };
    for (who, act, body) in steps {
        let (status, response) = app.act(&mut s, who, act, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{act}: {response}");
    }
    s
}

async fn every_illegal_transition_is_409_naming_status_and_allowed_acts(app: TestApp) {
    let allowed: &[(&str, &[&str])] = &[
        (
            "issued",
            &[
                "consignor.correct",
                "consignor.cancel",
                "carrier.accept",
                "carrier.decline",
            ],
        ),
        ("declined", &["consignor.correct", "consignor.cancel"]),
        ("cancelled", &[]),
        (
            "in_transit",
            &[
                "carrier.change_vehicle",
                "consignee.accept",
                "consignee.reject",
            ],
        ),
        ("delivered", &[]),
        ("partially_accepted", &[]),
        ("rejected", &[]),
    ];
    let later_acts: Vec<&str> = ActType::ALL
        .iter()
        .filter(|t| **t != ActType::ConsignorIssue)
        .map(|t| t.as_str())
        .collect();
    let mut refused = 0;
    for (status_name, legal) in allowed {
        let mut s = reach(&app, status_name).await;
        for act in later_acts.iter().filter(|a| !legal.contains(a)) {
            let who = match act.split('.').next().unwrap() {
                "consignor" => s.consignor.clone(),
                "carrier" => s.carrier.clone(),
                _ => s.consignee.clone(),
            };
            let body = match *act {
                "consignor.correct" => document(
                    &format!("WB-{}", s.id.simple()),
                    &s.consignor,
                    &s.carrier,
                    &s.consignee,
                ),
                "carrier.change_vehicle" => {
                    json!({"vehicle_plate": "X-1", "vehicle_country": "LV"})
                }
                "consignor.cancel" | "carrier.decline" | "consignee.reject" => {
                    json!({"reason": "x"})
                }
                _ => json!({}),
            };
            let (status, problem) = app.act(&mut s, &who, act, body).await;
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "{act} in {status_name}: {problem}"
            );
            assert_eq!(problem["code"], "illegal_transition");
            assert_eq!(problem["current_status"], *status_name);
            let listed: Vec<&str> = problem["allowed_acts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(listed, *legal, "{act} in {status_name}");
            refused += 1;
        }
        // Nothing was written by the refused acts.
        let (_, events) = app.events(&s.consignor, s.id).await;
        assert_eq!(events.as_array().unwrap().last().unwrap()["hash"], s.head);
    }
    // 7 statuses x 7 later acts, minus the 9 legal pairs.
    assert_eq!(refused, 49 - 9);
}

async fn stale_prev_is_409_with_the_current_head(app: TestApp) {
    let mut s = app.shipment().await;
    let issued_head = s.head.clone();
    let carrier = s.carrier.clone();
    app.act_ok(&mut s, &carrier, "carrier.accept", json!({}))
        .await;
    let stale = carrier.sign(
        "carrier.change_vehicle",
        s.id,
        Some(&issued_head),
        json!({"vehicle_plate": "X-1", "vehicle_country": "LV"}),
    );
    let problem = assert_problem(
        &app.post_event(&carrier, s.id, &stale).await,
        StatusCode::CONFLICT,
        "stale_prev",
        &[],
    );
    assert_eq!(problem["head"], s.head);
}

async fn replayed_act_is_409(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let id = uuid::Uuid::now_v7();
    let envelope =
        crate::common::issue_envelope_with_id(id, &consignor, &carrier, &consignee, "WB-R1");
    let (status, _) = app.post_issue(&consignor, &envelope).await;
    assert_eq!(status, StatusCode::CREATED);
    let problem = assert_problem(
        &app.post_issue(&consignor, &envelope).await,
        StatusCode::CONFLICT,
        "act_replayed",
        &[],
    );
    assert_eq!(problem["event_hash"], hash_of(&envelope));
    assert_eq!(problem["waybill_id"], id.to_string());

    // The same number again under a new id is refused too.
    let again = consignor.sign(
        "consignor.issue",
        uuid::Uuid::now_v7(),
        None,
        document("WB-R1", &consignor, &carrier, &consignee),
    );
    assert_problem(
        &app.post_issue(&consignor, &again).await,
        StatusCode::CONFLICT,
        "duplicate_number",
        &[],
    );
}

async fn chain_is_returned_exactly_as_signed(app: TestApp) {
    let mut s = app.shipment().await;
    app.carrier_accept(&mut s, json!({"reservations": [{"note": "ok"}]}))
        .await;
    let (status, events) = app.events(&s.consignee, s.id).await;
    assert_eq!(status, StatusCode::OK);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 2);
    let mut prev = serde_json::Value::Null;
    for event in events {
        // Offline re-verification: the signature over the JCS bytes of act,
        // with the key named in the act, and the hash chain.
        let act = &event["act"];
        assert_eq!(act["prev"], prev);
        let key_id = act["key_id"].as_str().unwrap();
        let signer = [&s.consignor, &s.carrier]
            .into_iter()
            .find(|a| a.key_id() == key_id)
            .unwrap();
        let bytes = ewaybill::crypto::canonical_bytes(act).unwrap();
        let sig = ewaybill::crypto::Signature::from_base64url(event["signature"].as_str().unwrap())
            .unwrap();
        signer.key.public_key().verify(&bytes, &sig).unwrap();
        assert_eq!(event["hash"], hash_of(event));
        prev = event["hash"].clone();
    }
    assert!(events[1]["seq"].as_i64().unwrap() > events[0]["seq"].as_i64().unwrap());
}

async fn listing_filters_and_paginates(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.issue(&consignor, &carrier, &consignee).await.0);
    }
    let other = app.company("Unrelated").await;
    app.issue(&other, &carrier, &other).await;

    let mut seen = Vec::new();
    let mut path = "/v1/waybills?limit=2".to_owned();
    loop {
        let (status, page) = app.get(&consignor, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/waybills?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = ids.iter().rev().map(|id| id.to_string()).collect();
    assert_eq!(seen, expected, "newest first, each once, only the caller's");

    let (_, page) = app
        .get(&carrier, "/v1/waybills?role=carrier&status=issued")
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 6);
    let (_, page) = app.get(&consignor, "/v1/waybills?role=carrier").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let (_, page) = app.get(&consignor, "/v1/waybills?status=delivered").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let (_, page) = app
        .get(
            &consignor,
            &format!("/v1/waybills?issued_from={0}&issued_to={0}", today()),
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let (_, page) = app
        .get(
            &consignor,
            &format!("/v1/waybills?issued_from={}", tomorrow()),
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    assert_problem(
        &app.get(&consignor, "/v1/waybills?cursor=garbage").await,
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
        &[],
    );
    assert_problem(
        &app.get(&consignor, "/v1/waybills?status=lost").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        &[],
    );
}

async fn state_is_the_fold_of_the_returned_chain(app: TestApp) {
    let mut s = app.shipment().await;
    let (consignor, carrier, consignee) =
        (s.consignor.clone(), s.carrier.clone(), s.consignee.clone());
    let number = format!("WB-{}", s.id.simple());
    let mut corrected = document(&number, &consignor, &carrier, &consignee);
    corrected["notes"] = json!("pallets re-counted");
    for (who, act, body) in [
        (&consignor, "consignor.correct", corrected),
        (
            &carrier,
            "carrier.accept",
            json!({"reservations": [{"line_no": 2, "note": "wet cartons"}]}),
        ),
        (
            &carrier,
            "carrier.change_vehicle",
            json!({"vehicle_plate": "ZZ-1", "vehicle_country": "EE"}),
        ),
        (
            &consignee,
            "consignee.accept",
            json!({"lines": [{"line_no": 2, "received_quantity": "49.5"}]}),
        ),
    ] {
        let (status, body) = app.act(&mut s, who, act, body).await;
        assert_eq!(status, StatusCode::CREATED, "{act}: {body}");
    }
    let (_, stored) = app.get(&consignee, &format!("/v1/waybills/{}", s.id)).await;
    let (_, events) = app.events(&consignee, s.id).await;

    // Replay with nothing but the chain and the pure domain.
    let mut state = None;
    for event in events.as_array().unwrap() {
        let act = ewaybill::domain::act::parse_act(
            event["act"].clone(),
            event["signature"].as_str().unwrap().to_owned(),
        )
        .unwrap();
        let at = event["received_at"].as_str().unwrap().parse().unwrap();
        let next = ewaybill::domain::projection::apply(
            state.as_ref(),
            &act,
            event["hash"].as_str().unwrap(),
            at,
        )
        .unwrap();
        state = Some(next);
    }
    let replayed = serde_json::to_value(state.unwrap()).unwrap();
    assert_eq!(replayed, stored);
    assert_eq!(stored["status"], "partially_accepted");
    assert_eq!(stored["document"]["notes"], "pallets re-counted");
    assert_eq!(stored["receipt"]["lines"][1]["shortfall"], "0.5");
}
