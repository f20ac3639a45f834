//! The risk list: ranking, reasons, model versions, assessments, audit,
//! learning from inspection outcomes, and who may see it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Actor, Shipment, TestApp, assert_problem, document};
use ewaybill::risk::config::ModelConfig;
use ewaybill::risk::factor::Factor;

crate::on_both_backends!(
    the_risk_list_puts_the_overloaded_truck_first_and_says_why,
    inspection_outcomes_raise_the_score_of_the_next_shipment,
    companies_and_the_operator_cannot_see_risk,
);

/// Issues a waybill between existing parties, with `edit` applied to the
/// document, and has the carrier accept it.
pub(crate) async fn on_the_road(
    app: &TestApp,
    consignor: &Actor,
    carrier: &Actor,
    consignee: &Actor,
    plate: &str,
    edit: impl FnOnce(&mut Value),
) -> Shipment {
    let id = uuid::Uuid::now_v7();
    let mut doc = document(
        &format!("WB-{}", id.simple()),
        consignor,
        carrier,
        consignee,
    );
    doc["transport"]["vehicle_plate"] = json!(plate);
    edit(&mut doc);
    let mut s = app
        .issue_document(consignor, carrier, consignee, id, doc)
        .await;
    app.act_ok(&mut s, carrier, "carrier.accept", json!({}))
        .await;
    s
}

fn overloaded(doc: &mut Value) {
    // 30 t on a truck without a trailer.
    doc["lines"][0]["gross_weight_kg"] = json!("29940");
    doc["lines"][0]["net_weight_kg"] = json!("29000");
    doc["totals"]["gross_weight_kg"] = json!("30000");
}

async fn risk(app: &TestApp, who: &Actor, query: &str) -> Value {
    let (status, list) = app.get(who, &format!("/v1/inspect/risk?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

async fn the_risk_list_puts_the_overloaded_truck_first_and_says_why(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let s = on_the_road(
            &app,
            &consignor,
            &carrier,
            &consignee,
            &format!("OK-{i}"),
            |_| {},
        )
        .await;
        ids.push(s.id.to_string());
    }
    let heavy = on_the_road(&app, &consignor, &carrier, &consignee, "HV-1", overloaded).await;
    // Issued but not on the road: not in the default (in transit) list.
    let (waiting, _) = app.issue(&consignor, &carrier, &consignee).await;

    let police = app.register_party("authority", "State Police").await;
    let list = risk(&app, &police, "status=in_transit&limit=50").await;
    assert_eq!(list["model_version"], "ledger-2026.11.0");
    assert_eq!(list["ranked"], 5);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let first = &items[0];
    assert_eq!(first["waybill"]["id"], heavy.id.to_string());
    assert_eq!(first["selection"], "ranking");
    assert_eq!(first["selection_probability"], "1");
    let reasons = first["reasons"].as_array().unwrap();
    let weight = reasons
        .iter()
        .find(|r| r["factor"] == "implausible_weight")
        .expect("the weight is a reason");
    assert_eq!(
        weight["detail"],
        "gross weight 30000 kg is more than the 26000 kg a truck without a trailer may carry"
    );
    assert!(weight["points"].as_i64().unwrap() > 0);
    assert!(
        reasons
            .iter()
            .any(|r| r["factor"] == "excise_goods"
                && r["detail"] == "carries excise goods (alcohol)")
    );
    // Scores are in range, ordered, banded, and reproducible from their
    // inputs with the named model.
    let model = ModelConfig::default_model().unwrap();
    let mut last = 101;
    for item in items {
        let score = item["score"].as_u64().unwrap();
        assert!(score <= last, "ordered by score");
        last = score;
        assert!(["low", "medium", "high"].contains(&item["band"].as_str().unwrap()));
        assert_eq!(item["model_version"], "ledger-2026.11.0");
        let inputs: std::collections::BTreeMap<Factor, f64> =
            serde_json::from_value(item["inputs"].clone()).unwrap();
        assert_eq!(
            u64::from(ewaybill::risk::score::reproduce(&model, &inputs)),
            score
        );
        assert_ne!(item["waybill"]["id"], waiting.to_string());
    }
    assert!(
        items[0]["score"].as_u64().unwrap() > items[1]["score"].as_u64().unwrap(),
        "the overloaded truck scores above the ordinary ones"
    );
    // The issued one is found when asked for.
    let issued = risk(&app, &police, "status=issued").await;
    assert_eq!(issued["items"][0]["waybill"]["id"], waiting.to_string());
    // Filters.
    assert_eq!(risk(&app, &police, "cn=4407").await["ranked"], 0);
    assert_eq!(
        risk(&app, &police, "cn=2203&excise=true").await["ranked"],
        5
    );

    // Every score served is kept with its model version.
    let kept: i64 = {
        use diesel::prelude::*;
        use ewaybill::storage::schema::risk_assessments::dsl::*;
        let mut conn = app.db();
        risk_assessments.count().get_result(&mut conn).unwrap()
    };
    // 5 in transit, 1 issued, none of timber, 5 of beer.
    let served = 5 + 1 + 5;
    assert_eq!(kept, served);

    // Search hits carry the risk too.
    let (status, page) = app.get(&police, "/v1/inspect/shipments?plate=HV1").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["id"], heavy.id.to_string());
    assert_eq!(page["items"][0]["risk"]["score"], first["score"]);
    assert_eq!(
        page["items"][0]["risk"]["model_version"],
        "ledger-2026.11.0"
    );

    // A stop names the assessment that led to it; a made-up one is refused.
    let stop = json!({
        "outcome": "no_irregularity", "selection": "ranking", "selection_probability": "1",
        "assessment_id": first["assessment_id"],
    });
    let (status, body) = app.record_inspection(&police, heavy.id, stop).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["assessment_id"], first["assessment_id"]);
    let wrong = json!({
        "outcome": "no_irregularity", "selection": "ranking", "selection_probability": "1",
        "assessment_id": items[1]["assessment_id"],
    });
    let (status, body) = app.record_inspection(&police, heavy.id, wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["path"], "assessment_id");

    // Every risk query is in the audit trail with what it returned.
    let oversight = app.register_party("oversight", "Oversight board").await;
    let (_, trail) = app.get(&oversight, "/v1/audit/access?limit=500").await;
    let risk_calls: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "inspect.risk")
        .collect();
    assert_eq!(risk_calls.len(), 4);
    let recorded: Value =
        serde_json::from_str(risk_calls.last().unwrap()["query"].as_str().unwrap()).unwrap();
    assert_eq!(recorded["returned"][0]["waybill_id"], heavy.id.to_string());
    assert_eq!(recorded["returned"][0]["model_version"], "ledger-2026.11.0");
    // And nothing about the waybills changed.
    let (_, state) = app
        .get(&consignor, &format!("/v1/waybills/{}", heavy.id))
        .await;
    assert_eq!(state["version"], 2);
}

async fn inspection_outcomes_raise_the_score_of_the_next_shipment(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let police = app.register_party("authority", "Tax service").await;
    let first = on_the_road(&app, &consignor, &carrier, &consignee, "AA-1", |_| {}).await;
    let list = risk(&app, &police, "").await;
    let before = list["items"][0]["score"].as_u64().unwrap();
    assert!(
        !list["items"][0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["factor"] == "inspection_history")
    );
    for _ in 0..3 {
        let (status, body) = app
            .record_inspection(
                &police,
                first.id,
                json!({
                    "outcome": "irregularity", "category": "excise_evasion",
                    "selection": "random", "selection_probability": "0.05",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let second = on_the_road(&app, &consignor, &carrier, &consignee, "AA-2", |_| {}).await;
    let list = risk(&app, &police, "").await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["waybill"]["id"] == second.id.to_string())
        .unwrap()
        .clone();
    let history = item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["factor"] == "inspection_history")
        .expect("the parties' record counts")
        .clone();
    // Three of three irregular, shrunk: (3 + 5 x 0.1) / (3 + 5) = 43.8%.
    assert!(
        history["detail"].as_str().unwrap().contains(
            "irregularities found in 3 of 3 inspections (shrunk rate 43.8% vs 10.0% overall)"
        ),
        "{history}"
    );
    assert!(item["score"].as_u64().unwrap() > before);

    // `ewaybill risk train` learns a new model version from these outcomes.
    let (status, body) = app
        .record_inspection(
            &police,
            second.id,
            json!({
                "outcome": "no_irregularity", "selection": "ranking", "selection_probability": "1",
                "assessment_id": item["assessment_id"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trained.toml");
    let database_url = app.database_url.clone();
    let out_arg = out.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ewaybill"))
            .args(["risk", "train", "--version", "ledger-test-trained", "--out"])
            .arg(&out_arg)
            .env("DATABASE_URL", &database_url)
            .env_remove("EWAYBILL_RISK_MODEL")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("from 4 inspections"), "{printed}");
    let trained = ModelConfig::load(&out).unwrap();
    assert_eq!(trained.version, "ledger-test-trained");
    let info = trained.training.unwrap();
    assert_eq!((info.inspections, info.irregular), (4, 3));
    assert_eq!(info.base_version, "ledger-2026.11.0");
    // Random stops at p = 0.05 stand for 20 shipments each.
    assert!(
        (info.weighted_population - 61.0).abs() < 1e-6,
        "{}",
        info.weighted_population
    );
}

async fn companies_and_the_operator_cannot_see_risk(app: TestApp) {
    let s = app.shipment().await;
    for who in [&s.consignor, &s.carrier, &s.consignee, &app.admin] {
        assert_problem(
            &app.get(who, "/v1/inspect/risk?status=issued").await,
            StatusCode::FORBIDDEN,
            "forbidden",
            &[],
        );
    }
    // Inspectors read; they cannot sign acts.
    let police = app.register_party("authority", "State Police").await;
    let envelope = police.sign("carrier.accept", s.id, Some(&s.head), json!({}));
    let (status, problem) = app.post_event(&police, s.id, &envelope).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    // Bad filters are a 400, not a 500.
    let (status, problem) = app.get(&police, "/v1/inspect/risk?cn=beer").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, _) = app.get(&police, "/v1/inspect/risk?status=flying").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
