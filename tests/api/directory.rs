//! `GET /v1/companies`: any signed-in party finds a registered company by
//! its exact registration number (to fill in a consignee or a carrier), and
//! nothing else: no listing, no authorities, no operator.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TestApp, assert_problem};

crate::on_both_backends!(
    a_company_finds_another_by_its_registration_number,
    only_companies_are_found_and_only_by_an_exact_number,
    the_lookup_needs_a_token_and_a_valid_query,
);

async fn a_company_finds_another_by_its_registration_number(app: TestApp) {
    let brewery = app.company("Brewery").await;
    let grocer = app.company("Grocer").await;
    let path = format!("/v1/companies?reg_no={}&country=LV", grocer.reg_no);
    let (status, found) = app.get(&brewery, &path).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let found = found.as_array().cloned().unwrap_or_default();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], grocer.party_id.as_str());
    assert_eq!(found[0]["name"], "Grocer");
    assert_eq!(found[0]["kind"], "company");

    // Without a country: every country's company with that number.
    let (status, found) = app
        .get(&brewery, &format!("/v1/companies?reg_no={}", grocer.reg_no))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    // Another country's register does not have it.
    let (_, found) = app
        .get(
            &brewery,
            &format!("/v1/companies?reg_no={}&country=EE", grocer.reg_no),
        )
        .await;
    assert_eq!(found, Value::Array(vec![]));
}

async fn only_companies_are_found_and_only_by_an_exact_number(app: TestApp) {
    let brewery = app.company("Brewery").await;
    let police = app.register_party("authority", "Police").await;
    let (status, found) = app
        .get(&brewery, &format!("/v1/companies?reg_no={}", police.reg_no))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found, Value::Array(vec![]), "an authority is not a company");
    // A prefix is not a number: the register cannot be listed.
    let prefix = &brewery.reg_no[..4];
    let (_, found) = app
        .get(&police, &format!("/v1/companies?reg_no={prefix}"))
        .await;
    assert_eq!(found, Value::Array(vec![]));
    // Authorities may look companies up too.
    let (_, found) = app
        .get(&police, &format!("/v1/companies?reg_no={}", brewery.reg_no))
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
}

async fn the_lookup_needs_a_token_and_a_valid_query(app: TestApp) {
    let brewery = app.company("Brewery").await;
    let anonymous = app
        .http
        .get(app.url("/v1/companies?reg_no=40003032065"))
        .send()
        .await
        .map(|r| r.status());
    assert_eq!(anonymous.ok(), Some(StatusCode::UNAUTHORIZED));
    let missing = app.get(&brewery, "/v1/companies").await;
    assert_eq!(missing.0, StatusCode::BAD_REQUEST, "{}", missing.1);
    let bad = app
        .get(&brewery, "/v1/companies?reg_no=%20&country=Latvia")
        .await;
    assert_problem(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        &["reg_no", "country"],
    );
}
