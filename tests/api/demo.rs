//! `GET /v1/demo/keys`: a service started by `ewaybill demo` offers the demo
//! parties' test-only key files with their warning, without a token; every
//! other service answers `404 not_demo`.

use std::path::Path;

use ewaybill::crypto::KeyPair;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Setup, TestApp};

async fn anonymous_get(app: &TestApp, path: &str) -> (StatusCode, Option<String>, Value) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    let cache = res
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, res.json().await.unwrap_or(Value::Null))
}

fn demo_setup() -> Setup {
    let roster = ewaybill::cli::demo::roster(Path::new("fixtures")).expect("fixtures load");
    Setup {
        demo_keys: roster,
        ..Setup::default()
    }
}

async fn a_service_without_demo_data_offers_no_keys(app: TestApp) {
    let (status, _, body) = anonymous_get(&app, "/v1/demo/keys").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "not_demo", "{body}");
}

async fn the_demo_offers_every_fixture_key_with_its_warning(app: TestApp) {
    let (status, cache, body) = anonymous_get(&app, "/v1/demo/keys").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(
        body["warning"].as_str().unwrap().contains("TEST-ONLY"),
        "{body}"
    );
    let keys = body["keys"].as_array().unwrap();
    let parties: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string("fixtures/parties.json").unwrap()).unwrap();
    assert_eq!(keys.len(), parties.len());
    for (key, party) in keys.iter().zip(&parties) {
        assert_eq!(key["handle"], party["handle"]);
        assert_eq!(key["kind"], party["kind"]);
        assert_eq!(key["name"], party["name"]);
        // The file is the fixture's own, and its key id is its thumbprint.
        let on_disk =
            std::fs::read_to_string(Path::new("fixtures").join(party["key"].as_str().unwrap()))
                .unwrap();
        assert_eq!(key["key_file"], on_disk.as_str());
        let pair = KeyPair::from_seed_base64url(on_disk.trim()).unwrap();
        assert_eq!(key["key_id"], pair.public_key().key_id().as_str());
    }
    for role in ["brewery", "grocery_chain", "police"] {
        assert!(keys.iter().any(|k| k["handle"] == role), "{role} missing");
    }
}

mod sqlite {
    #[actix_web::test]
    async fn a_service_without_demo_data_offers_no_keys() {
        super::a_service_without_demo_data_offers_no_keys(crate::common::TestApp::sqlite().await)
            .await
    }

    #[actix_web::test]
    async fn the_demo_offers_every_fixture_key_with_its_warning() {
        let app = crate::common::TestApp::sqlite_with(super::demo_setup()).await;
        super::the_demo_offers_every_fixture_key_with_its_warning(app).await
    }
}

mod postgres {
    #[actix_web::test]
    async fn a_service_without_demo_data_offers_no_keys() {
        if let Some(app) = crate::common::TestApp::postgres().await {
            super::a_service_without_demo_data_offers_no_keys(app).await
        }
    }

    #[actix_web::test]
    async fn the_demo_offers_every_fixture_key_with_its_warning() {
        if let Some(app) = crate::common::TestApp::postgres_with(super::demo_setup()).await {
            super::the_demo_offers_every_fixture_key_with_its_warning(app).await
        }
    }
}
