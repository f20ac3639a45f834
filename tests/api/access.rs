//! Who sees what: companies only their own waybills, authorities all of
//! them (audited), the audit trail only the operator.

use reqwest::StatusCode;

use crate::common::{TestApp, assert_problem};

crate::on_both_backends!(
    another_company_gets_404_as_if_it_did_not_exist,
    inspector_reads_are_allowed_and_audited_invisibly,
);

async fn another_company_gets_404_as_if_it_did_not_exist(app: TestApp) {
    let s = app.shipment().await;
    let outsider = app.company("Competitor").await;
    let missing = uuid::Uuid::now_v7();
    for path in [
        format!("/v1/waybills/{}", s.id),
        format!("/v1/waybills/{}/events", s.id),
    ] {
        let (status, problem) = app.get(&outsider, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status_missing, problem_missing) = app
            .get(
                &outsider,
                &path.replace(&s.id.to_string(), &missing.to_string()),
            )
            .await;
        assert_eq!(status_missing, StatusCode::NOT_FOUND);
        assert_eq!(
            problem["code"], problem_missing["code"],
            "indistinguishable from a missing waybill"
        );
        assert_eq!(problem["detail"], problem_missing["detail"]);
    }
    let (_, page) = app.get(&outsider, "/v1/waybills").await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let (status, _) = app.get(&outsider, "/v1/waybills/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn inspector_reads_are_allowed_and_audited_invisibly(app: TestApp) {
    let s = app.shipment().await;
    let tax = app
        .register_party("authority", "State Revenue Service")
        .await;

    let (status, state) = app.get(&tax, &format!("/v1/waybills/{}", s.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["status"], "issued");
    let (status, events) = app.events(&tax, s.id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(events.as_array().unwrap().len(), 1);
    let (status, page) = app.get(&tax, "/v1/waybills?status=issued").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // The parties cannot read the trail, and their view did not change.
    for who in [&s.consignor, &s.carrier, &s.consignee, &tax] {
        assert_problem(
            &app.get(who, "/v1/audit/access").await,
            StatusCode::FORBIDDEN,
            "forbidden",
            &[],
        );
    }
    let (_, after) = app
        .get(&s.consignor, &format!("/v1/waybills/{}", s.id))
        .await;
    assert_eq!(after["version"], 1);
    assert_eq!(after["updated_at"], state["updated_at"]);

    let (status, trail) = app.get(&app.admin, "/v1/audit/access").await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let trail = trail.as_array().unwrap();
    let actions: Vec<&str> = trail
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["waybill.list", "waybill.events", "waybill.read"],
        "newest first"
    );
    for record in trail {
        assert_eq!(record["party_id"], tax.party_id.as_str());
        assert_eq!(record["key_id"], tax.key_id().as_str());
    }
    assert_eq!(trail[2]["waybill_id"], s.id.to_string());
    assert_eq!(trail[0]["result_count"], 1);
    let (_, filtered) = app
        .get(&app.admin, &format!("/v1/audit/access?waybill_id={}", s.id))
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 2);

    // Company reads are not audited (only authority access is).
    app.get(&s.consignor, &format!("/v1/waybills/{}", s.id))
        .await;
    let (_, trail) = app.get(&app.admin, "/v1/audit/access").await;
    assert_eq!(trail.as_array().unwrap().len(), 3);

    // The operator administers; it does not read waybills.
    let (status, _) = app.get(&app.admin, &format!("/v1/waybills/{}", s.id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
