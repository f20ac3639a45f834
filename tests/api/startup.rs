//! Start-up refusals: the service key belongs to its log, so a data
//! directory never signs a second database's log (issue 9, item 13).

use ewaybill::config::Config;
use ewaybill::storage::DatabaseUrl;
use reqwest::StatusCode;

use crate::common::{TestApp, replace_db_name};

crate::on_both_backends!(a_data_directory_signs_one_database_only);

/// A fresh database of the app's backend, dropped at the end.
struct OtherDatabase {
    url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl OtherDatabase {
    fn new(app: &TestApp) -> OtherDatabase {
        if app.database_url.starts_with("sqlite") {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("other.db").display());
            return OtherDatabase {
                url,
                _sqlite_dir: Some(dir),
                pg: None,
            };
        }
        use diesel::{Connection, RunQueryDsl};
        let base = std::env::var("TEST_DATABASE_URL").unwrap();
        let name = format!("ewaybill_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&base).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        OtherDatabase {
            url: replace_db_name(&base, &name),
            _sqlite_dir: None,
            pg: Some((base, name)),
        }
    }
}

impl Drop for OtherDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Some((base, name)) = self.pg.take()
            && let Ok(mut conn) = diesel::PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

async fn refusal(config: Config) -> String {
    match ewaybill::startup::spawn(config).await {
        Ok(_) => panic!("the service started"),
        Err(e) => format!("{e:#}"),
    }
}

async fn a_data_directory_signs_one_database_only(app: TestApp) {
    // D on X started (the harness), and starts again.
    let again = app.second_instance().await;
    let res = again.http.get(again.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // D on Y: refused, naming both and what to do.
    let y = OtherDatabase::new(&app);
    let mut on_y = app.config.clone();
    on_y.database = DatabaseUrl::parse(&y.url).unwrap();
    let err = refusal(on_y.clone()).await;
    assert!(err.contains("refusing to start"), "{err}");
    assert!(err.contains("holds no log of this service"), "{err}");
    assert!(err.contains("must never sign two logs"), "{err}");
    assert!(err.contains(&on_y.database.display()), "{err}");

    // A new data directory (a new key) on X: refused too.
    let fresh = tempfile::tempdir().unwrap();
    let mut fresh_on_x = app.config.clone();
    fresh_on_x.data_dir = fresh.path().to_owned();
    let err = refusal(fresh_on_x.clone()).await;
    assert!(err.contains("signed by the service key"), "{err}");

    // The refusals wrote nothing: the new key starts a log of its own on Y,
    // and from then on D is refused there as "another log".
    let mut fresh_on_y = fresh_on_x;
    fresh_on_y.database = on_y.database.clone();
    let (addr, _ledger) = ewaybill::startup::spawn(fresh_on_y)
        .await
        .expect("a fresh data directory on a fresh database starts");
    let res = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let err = refusal(on_y).await;
    assert!(err.contains("holds another log"), "{err}");

    // X still serves D's log.
    let (status, _) = app
        .call(&app.admin, reqwest::Method::GET, "/v1/me", None)
        .await;
    assert_eq!(status, StatusCode::OK);
}
