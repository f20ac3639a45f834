//! Inspectors' search: filters, plate normalisation, access, audit.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, assert_problem, document, tomorrow};

crate::on_both_backends!(
    inspectors_find_shipments_and_every_search_is_audited,
    inspection_outcomes_are_recorded_invisibly,
);

pub(crate) async fn search(app: &TestApp, who: &crate::common::Actor, q: &str) -> Vec<String> {
    let (status, page) = app.get(who, &format!("/v1/inspect/shipments?{q}")).await;
    assert_eq!(status, StatusCode::OK, "{q}: {page}");
    ids(&page)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn inspectors_find_shipments_and_every_search_is_audited(app: TestApp) {
    // Beer (excise, CN 2203) from Rīga, accepted and moved to another truck.
    let mut beer = app.shipment().await;
    let carrier = beer.carrier.clone();
    app.act(&mut beer, &carrier, "carrier.accept", json!({}))
        .await;
    app.act(
        &mut beer,
        &carrier,
        "carrier.change_vehicle",
        json!({"vehicle_plate": "KX 9876", "vehicle_country": "LV"}),
    )
    .await;
    // Timber (no excise) from the same consignor, still waiting for the carrier.
    let id = uuid::Uuid::now_v7();
    let mut doc = document(
        &format!("WB-{}", id.simple()),
        &beer.consignor,
        &beer.carrier,
        &beer.consignee,
    );
    doc["lines"][0]["cn_code"] = json!("44071190");
    doc["lines"][0]
        .as_object_mut()
        .unwrap()
        .remove("excise_category");
    doc["transport"]["vehicle_plate"] = json!("TM-5555");
    doc["unloading"]["address"]["city"] = json!("Liepāja");
    app.issue_document(&beer.consignor, &beer.carrier, &beer.consignee, id, doc)
        .await;
    let (beer_id, timber_id) = (beer.id.to_string(), id.to_string());

    let police = app.register_party("authority", "State Police").await;
    // Plates: any spelling, the original truck and the current one.
    assert_eq!(
        search(&app, &police, "plate=ab-1234").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "plate=AB%201234").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "plate=kx9876").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "plate=TM5555").await,
        vec![timber_id.clone()]
    );
    assert!(search(&app, &police, "plate=ZZ0000").await.is_empty());
    // Parties in any role.
    assert_eq!(
        search(&app, &police, &format!("party={}", beer.carrier.reg_no)).await,
        vec![timber_id.clone(), beer_id.clone()]
    );
    // Status, goods, places, dates.
    assert_eq!(
        search(&app, &police, "status=in_transit").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "cn=2203").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "cn=4407").await,
        vec![timber_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "excise=true").await,
        vec![beer_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "excise=false").await,
        vec![timber_id.clone()]
    );
    assert_eq!(
        search(&app, &police, "loading_country=lv&loading_city=R%C4%ABGA")
            .await
            .len(),
        2
    );
    assert_eq!(
        search(&app, &police, "unloading_city=liep%C4%81ja").await,
        vec![timber_id.clone()]
    );
    assert!(
        search(&app, &police, &format!("issued_from={}", tomorrow()))
            .await
            .is_empty()
    );
    assert_eq!(
        search(&app, &police, "status=in_transit&excise=true&plate=KX-9876").await,
        vec![beer_id.clone()]
    );
    // Pages.
    let (_, first) = app.get(&police, "/v1/inspect/shipments?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(
            &police,
            &format!("/v1/inspect/shipments?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(ids(&first), vec![timber_id.clone()]);
    assert_eq!(ids(&second), vec![beer_id.clone()]);
    // Bad input.
    for (q, code) in [
        ("cn=22x3", "invalid_cn"),
        ("plate=--", "invalid_plate"),
        ("status=lost", "invalid_query"),
    ] {
        let (status, problem) = app
            .get(&police, &format!("/v1/inspect/shipments?{q}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(problem["code"], code);
    }

    // Companies and the operator cannot search; nobody but oversight and
    // the operator sees the trail, and the parties' view is unchanged.
    for who in [&beer.consignor, &beer.carrier, &app.admin] {
        let (status, _) = app.get(who, "/v1/inspect/shipments?plate=AB1234").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let oversight = app
        .register_party("oversight", "Inspectorate oversight board")
        .await;
    for who in [&beer.consignor, &police] {
        let (status, _) = app.get(who, "/v1/audit/access").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, trail) = app.get(&oversight, "/v1/audit/access?limit=500").await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let searches: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "inspect.search")
        .collect();
    // 15 filtered searches and 2 pages; refused (400) searches read nothing.
    assert_eq!(searches.len(), 17, "every successful search is recorded");
    let by_plate = searches
        .iter()
        .find(|r| r["query"].as_str().unwrap().contains("KX9876"))
        .unwrap();
    assert_eq!(by_plate["party_id"], police.party_id.as_str());
    let recorded: Value = serde_json::from_str(by_plate["query"].as_str().unwrap()).unwrap();
    assert_eq!(recorded["returned"], json!([beer_id]));
    let (_, state) = app
        .get(&beer.consignor, &format!("/v1/waybills/{}", beer.id))
        .await;
    assert_eq!(state["version"], 3);
}

async fn inspection_outcomes_are_recorded_invisibly(app: TestApp) {
    let s = app.shipment().await;
    let tax = app
        .register_party("authority", "State Revenue Service")
        .await;
    let path = format!("/v1/inspect/shipments/{}/inspections", s.id);
    let (status, clean) = app
        .post(
            &tax,
            &path,
            json!({
                "outcome": "no_irregularity", "selection": "random", "selection_probability": "0.05"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{clean}");
    assert_eq!(clean["outcome"], "no_irregularity");
    let (status, found) = app
        .post(&tax, &path, json!({
            "outcome": "irregularity", "category": "excise_evasion", "amount_at_stake": "1250.00",
            "currency": "EUR", "selection": "ranking", "selection_probability": "0.9",
            "inspected_at": "2026-11-29T07:30:00Z", "note": "two pallets undeclared"
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{found}");
    assert_eq!(found["amount_at_stake"], "1250.00");
    let (status, list) = app.get(&tax, &path).await;
    assert_eq!(status, StatusCode::OK);
    let outcomes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["irregularity", "no_irregularity"],
        "oldest inspection first"
    );

    // Every problem at once.
    assert_problem(
        &app.post(
            &tax,
            &path,
            json!({
                "outcome": "irregularity", "amount_at_stake": "-5", "selection": "random",
                "inspected_at": "2099-01-01T00:00:00Z"
            }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        &[
            "category",
            "amount_at_stake",
            "currency",
            "selection_probability",
            "inspected_at",
        ],
    );
    let (status, _) = app
        .record_inspection(
            &tax,
            uuid::Uuid::now_v7(),
            json!({"outcome": "no_irregularity", "selection": "other"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Companies can neither record nor read inspections; the waybill is untouched.
    for who in [&s.consignor, &s.carrier, &s.consignee] {
        let (status, _) = app.get(who, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post(
                who,
                &path,
                json!({"outcome": "no_irregularity", "selection": "other"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (_, state) = app
        .get(&s.consignor, &format!("/v1/waybills/{}", s.id))
        .await;
    assert_eq!(state["version"], 1);
    let (_, trail) = app.get(&app.admin, "/v1/audit/access").await;
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["inspect.inspections", "inspect.record", "inspect.record"]
    );
}
