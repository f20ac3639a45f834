//! Who sees what: companies only their own waybills, authorities all of
//! them (audited), the audit trail only the operator.

use reqwest::{Method, StatusCode};

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
        let (status, problem) = app.call(&outsider, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status_missing, problem_missing) = app
            .call(
                &outsider,
                Method::GET,
                &path.replace(&s.id.to_string(), &missing.to_string()),
                None,
            )
            .await;
        assert_eq!(status_missing, StatusCode::NOT_FOUND);
        assert_eq!(
            problem["code"], problem_missing["code"],
            "indistinguishable from a missing waybill"
        );
        assert_eq!(problem["detail"], problem_missing["detail"]);
    }
    let (_, page) = app.call(&outsider, Method::GET, "/v1/waybills", None).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let (status, _) = app
        .call(&outsider, Method::GET, "/v1/waybills/not-a-uuid", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn inspector_reads_are_allowed_and_audited_invisibly(app: TestApp) {
    let s = app.shipment().await;
    let tax = app
        .register_party("authority", "State Revenue Service")
        .await;

    let (status, state) = app
        .call(&tax, Method::GET, &format!("/v1/waybills/{}", s.id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["status"], "issued");
    let (status, events) = app
        .call(
            &tax,
            Method::GET,
            &format!("/v1/waybills/{}/events", s.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(events.as_array().unwrap().len(), 1);
    let (status, page) = app
        .call(&tax, Method::GET, "/v1/waybills?status=issued", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // The parties cannot read the trail, and their view did not change.
    for who in [&s.consignor, &s.carrier, &s.consignee, &tax] {
        assert_problem(
            &app.call(who, Method::GET, "/v1/audit/access", None).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            &[],
        );
    }
    let (_, after) = app
        .call(
            &s.consignor,
            Method::GET,
            &format!("/v1/waybills/{}", s.id),
            None,
        )
        .await;
    assert_eq!(after["version"], 1);
    assert_eq!(after["updated_at"], state["updated_at"]);

    let (status, trail) = app
        .call(&app.admin, Method::GET, "/v1/audit/access", None)
        .await;
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
        .call(
            &app.admin,
            Method::GET,
            &format!("/v1/audit/access?waybill_id={}", s.id),
            None,
        )
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 2);

    // Company reads are not audited (only authority access is).
    app.call(
        &s.consignor,
        Method::GET,
        &format!("/v1/waybills/{}", s.id),
        None,
    )
    .await;
    let (_, trail) = app
        .call(&app.admin, Method::GET, "/v1/audit/access", None)
        .await;
    assert_eq!(trail.as_array().unwrap().len(), 3);

    // The operator administers; it does not read waybills.
    let (status, _) = app
        .call(
            &app.admin,
            Method::GET,
            &format!("/v1/waybills/{}", s.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
