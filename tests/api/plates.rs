//! Plates in one canonical form: Cyrillic, Greek and fullwidth look-alikes
//! of Latin letters and digits are one plate for search and for the risk
//! factor "one plate, two unrelated carriers"; what no plate can hold is
//! refused; the plate is kept as signed.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, assert_problem, document};
use crate::risk::on_the_road;
use ewaybill::storage::DbConnection;
use ewaybill::storage::schema::shipment_plates;

crate::on_both_backends!(
    lookalike_plates_are_found_by_the_latin_plate_and_kept_as_signed,
    a_plate_no_plate_can_be_is_refused_with_its_path,
    lookalike_plates_of_two_unrelated_carriers_are_one_plate_to_the_risk_factor,
    the_migration_refolds_keys_stored_before,
);

/// Ids of the shipments the plate finds, newest first.
async fn search(app: &TestApp, who: &crate::common::Actor, plate: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params("http://localhost/", [("plate", plate)]).unwrap();
    crate::inspect::search(app, who, url.query().unwrap()).await
}

async fn lookalike_plates_are_found_by_the_latin_plate_and_kept_as_signed(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let cyrillic = on_the_road(&app, &consignor, &carrier, &consignee, "КХ-5338", |_| {}).await;
    let fullwidth = on_the_road(
        &app,
        &consignor,
        &carrier,
        &consignee,
        "ＫＸ-５３３８",
        |_| {},
    )
    .await;
    let other = on_the_road(&app, &consignor, &carrier, &consignee, "KX-5339", |_| {}).await;
    let (cyrillic_id, fullwidth_id) = (cyrillic.id.to_string(), fullwidth.id.to_string());
    let police = app.register_party("authority", "State Police").await;

    // Newest first; the Latin plate, any spelling, finds both and only them.
    for typed in ["KX-5338", "KX 5338", "kx5338"] {
        assert_eq!(
            search(&app, &police, typed).await,
            [fullwidth_id.as_str(), cyrillic_id.as_str()],
            "{typed}"
        );
    }
    // The plates are shown as signed.
    let (status, page) = app
        .get(&police, "/v1/inspect/shipments?plate=KX-5338")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let hits = page["items"].as_array().unwrap();
    assert_eq!(hits[0]["vehicle_plate"], "ＫＸ-５３３８");
    assert_eq!(hits[1]["vehicle_plate"], "КХ-5338");
    // A look-alike finds the Latin one too.
    assert_eq!(
        search(&app, &police, "КХ-5339").await,
        [other.id.to_string().as_str()]
    );
    // Greek, in a vehicle change: the new truck is found by its Latin plate.
    let mut moved = other;
    app.act_ok(
        &mut moved,
        &carrier,
        "carrier.change_vehicle",
        json!({"vehicle_plate": "ΑΒ-7700", "trailer_plate": "Т-１", "vehicle_country": "GR"}),
    )
    .await;
    let moved_id = moved.id.to_string();
    assert_eq!(search(&app, &police, "AB7700").await, [moved_id.as_str()]);
    assert_eq!(search(&app, &police, "t1").await, [moved_id.as_str()]);
    let (status, waybill) = app.get(&carrier, &format!("/v1/waybills/{moved_id}")).await;
    assert_eq!(status, StatusCode::OK, "{waybill}");
    assert!(
        waybill.to_string().contains("ΑΒ-7700"),
        "the Greek plate is kept as signed: {waybill}"
    );
}

async fn a_plate_no_plate_can_be_is_refused_with_its_path(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let mut doc = document("WB-PLATE-1", &consignor, &carrier, &consignee);
    doc["transport"]["vehicle_plate"] = json!("KX@5338");
    doc["transport"]["trailer_plate"] = json!("T-🚚");
    doc["currency"] = json!("EURO");
    let envelope = consignor.sign("consignor.issue", uuid::Uuid::now_v7(), None, doc);
    let problem = assert_problem(
        &app.post_issue(&consignor, &envelope).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        &[],
    );
    let found: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("transport.vehicle_plate", "invalid_plate"),
            ("transport.trailer_plate", "invalid_plate"),
            ("currency", "invalid_currency"),
        ]
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`@`"),
        "{problem}"
    );

    // In a vehicle change, the path is the body's.
    let mut s = on_the_road(&app, &consignor, &carrier, &consignee, "AB-1234", |_| {}).await;
    let (status, problem) = app
        .act(
            &mut s,
            &carrier,
            "carrier.change_vehicle",
            json!({"vehicle_plate": "Б-1234", "vehicle_country": "LV"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["path"], "vehicle_plate");
    assert_eq!(problem["errors"][0]["code"], "invalid_plate");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
}

async fn lookalike_plates_of_two_unrelated_carriers_are_one_plate_to_the_risk_factor(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let phantom = app.company("Phantom Haulage").await;
    let elsewhere = app.company("Honest Haulage").await;
    // The same planned times: overlapping trips.
    let real = on_the_road(&app, &consignor, &carrier, &consignee, "KX-5338", |_| {}).await;
    let clone = on_the_road(
        &app,
        &consignor,
        &phantom,
        &consignee,
        "КХ-５３３８",
        |_| {},
    )
    .await;
    let near = on_the_road(&app, &consignor, &elsewhere, &consignee, "KX-5388", |_| {}).await;

    let police = app.register_party("authority", "State Police").await;
    let (status, list) = app
        .get(&police, "/v1/inspect/risk?status=in_transit&limit=50")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let shared = |id: uuid::Uuid| -> Option<String> {
        let item = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["waybill"]["id"] == id.to_string())
            .unwrap_or_else(|| panic!("{id} in {list}"));
        item["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["factor"] == "shared_plate")
            .map(|r| r["detail"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        shared(clone.id).as_deref(),
        Some("plate KX5338 is also on a trip of another carrier (Carrier) at the same time")
    );
    assert_eq!(
        shared(real.id).as_deref(),
        Some(
            "plate KX5338 is also on a trip of another carrier (Phantom Haulage) at the same time"
        )
    );
    assert_eq!(shared(near.id), None, "another plate");
}

/// Keys written before the fold (uppercased, unfolded) are re-folded by the
/// migration, merged where they meet, and found by the Latin plate.
async fn the_migration_refolds_keys_stored_before(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let s = on_the_road(&app, &consignor, &carrier, &consignee, "AB-1234", |_| {}).await;
    let id = s.id.to_string();
    let mut conn = app.db();
    let old_keys = ["КХ5338", "KX5338", "ΚΧ5338", "ＱＺ７", "TM5555"];
    for key in old_keys {
        let insert = diesel::insert_into(shipment_plates::table).values((
            shipment_plates::plate.eq(key),
            shipment_plates::waybill_id.eq(&id),
        ));
        match &mut conn {
            DbConnection::Pg(c) => insert.execute(c),
            DbConnection::Sqlite(c) => insert.execute(c),
        }
        .unwrap();
    }
    match &mut conn {
        DbConnection::Pg(c) => c.batch_execute(include_str!(
            "../../migrations/postgres/2026-12-01-111500_plate_lookalikes/up.sql"
        )),
        DbConnection::Sqlite(c) => c.batch_execute(include_str!(
            "../../migrations/sqlite/2026-12-01-111500_plate_lookalikes/up.sql"
        )),
    }
    .unwrap();
    let mut keys: Vec<String> = shipment_plates::table
        .filter(shipment_plates::waybill_id.eq(&id))
        .select(shipment_plates::plate)
        .load(&mut conn)
        .unwrap();
    keys.sort();
    assert_eq!(keys, ["AB1234", "KX5338", "QZ7", "TM5555"]);
    let police = app.register_party("authority", "State Police").await;
    assert_eq!(search(&app, &police, "KX-5338").await, [id.as_str()]);
    assert_eq!(search(&app, &police, "qz 7").await, [id.as_str()]);
}
