//! The database going away, on PostgreSQL, through a proxy the test cuts:
//! a connection lost mid-query is a 503, never a 500; while the database
//! is away `/readyz` and requests fail fast; afterwards the service
//! recovers by itself and no acknowledged act is lost. And a connection
//! that cannot be made says why.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use ewaybill::storage::{DatabaseUrl, DbConnection, open_pool};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{Actor, Setup, TestApp, assert_problem, hash_of, issue_envelope, number};
use crate::proxy::{Proxy, upstream_of, url_via};

/// A service on PostgreSQL whose connections all go through `Proxy`.
async fn behind_proxy(vars: Vec<(&'static str, String)>) -> Option<(TestApp, Proxy)> {
    let base = TestApp::postgres_base()?;
    let proxy = Proxy::start(upstream_of(&base));
    let addr = proxy.addr();
    let app = TestApp::postgres_with(Setup {
        vars,
        service_url: Some(Box::new(move |url| url_via(url, addr))),
        ..Setup::default()
    })
    .await?;
    Some((app, proxy))
}

fn issue(parties: &(Actor, Actor, Actor)) -> Value {
    issue_envelope(&parties.0, &parties.1, &parties.2, &number())
}

fn waybill_path(envelope: &Value) -> String {
    format!(
        "/v1/waybills/{}",
        envelope["act"]["waybill_id"].as_str().unwrap()
    )
}

/// Waits until a statement of the service's that contains `text` is
/// blocked on a lock.
async fn until_waiting_for_a_lock(watcher: &mut DbConnection, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM pg_stat_activity \
              WHERE datname = current_database() AND wait_event_type = 'Lock' \
              AND position('{text}' in query) > 0)"
        )))
        .get_result(watcher)
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no query ever waited for the lock"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `request` while `lock` holds the lock `lock_sql` takes; once a
/// statement of the service's containing `waiting` waits on it, cuts every
/// connection. The answer must be a 503.
async fn assert_cut_while_waiting(
    request: impl std::future::Future<Output = (StatusCode, Value)>,
    lock: &mut DbConnection,
    lock_sql: &str,
    watcher: &mut DbConnection,
    waiting: &str,
    proxy: &Proxy,
) {
    lock.batch_execute(lock_sql).unwrap();
    let ((status, body), ()) = futures_util::join!(request, async {
        until_waiting_for_a_lock(watcher, waiting).await;
        proxy.cut();
    });
    lock.batch_execute("ROLLBACK;").unwrap();
    assert_problem(
        &(status, body),
        StatusCode::SERVICE_UNAVAILABLE,
        "database_unavailable",
        &[],
    );
}

#[actix_web::test]
async fn a_connection_lost_mid_query_is_a_503() {
    let Some((app, proxy)) = behind_proxy(Vec::new()).await else {
        return;
    };
    let parties = app.parties().await;
    let consignor = parties.0.clone();
    let stored = issue(&parties);
    let (status, body) = app.post_issue(&consignor, &stored).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut watcher = app.db();

    // A read: the waybill table is locked, the service's SELECT waits on
    // it, and then its connection is cut.
    let mut lock = app.db();
    let path = waybill_path(&stored);
    assert_cut_while_waiting(
        app.get(&consignor, &path),
        &mut lock,
        "BEGIN; LOCK TABLE waybills IN ACCESS EXCLUSIVE MODE;",
        &mut watcher,
        r#""waybills"."id" = $1"#,
        &proxy,
    )
    .await;

    // A write: the sequencer's transaction waits for the log's lock, and
    // its connection is cut before COMMIT. Nothing was written, and the
    // answer says so truthfully.
    let lost = issue(&parties);
    assert_cut_while_waiting(
        app.post_issue(&consignor, &lost),
        &mut lock,
        "BEGIN; SELECT 1 FROM log_state WHERE id = 1 FOR UPDATE;",
        &mut watcher,
        r#"UPDATE "log_state""#,
        &proxy,
    )
    .await;
    let (status, _) = app.get(&consignor, &waybill_path(&lost)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was written");
    let (status, body) = app.post_issue(&consignor, &lost).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[actix_web::test]
async fn while_the_database_is_away_answers_are_fast_and_afterwards_nothing_acknowledged_is_lost() {
    let Some((app, proxy)) =
        behind_proxy(vec![("EWAYBILL_DB_CONNECT_TIMEOUT_MS", "1000".into())]).await
    else {
        return;
    };
    let parties = app.parties().await;
    let consignor = parties.0.clone();
    let done = RefCell::new(false);
    // (envelope, status, code) of every write tried, before, during and
    // after the outage.
    let tried = RefCell::new(Vec::new());

    let writer = async {
        while !*done.borrow() {
            let envelope = issue(&parties);
            let (status, body) = app.post_issue(&consignor, &envelope).await;
            tried
                .borrow_mut()
                .push((envelope, status, body["code"].as_str().map(str::to_owned)));
        }
    };
    let outage = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        proxy.set_down(true);

        let started = Instant::now();
        let res = app.http.get(app.url("/readyz")).send().await.unwrap();
        let took = started.elapsed();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(took < Duration::from_secs(1), "/readyz took {took:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "unavailable", "{body}");
        assert_eq!(body["detail"], "the database is not reachable", "{body}");

        let started = Instant::now();
        let (status, body) = app.get(&consignor, "/v1/waybills").await;
        let took = started.elapsed();
        assert_problem(
            &(status, body),
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            &[],
        );
        assert!(took < Duration::from_secs(2), "a read took {took:?}");

        let started = Instant::now();
        let (status, body) = app.post_issue(&consignor, &issue(&parties)).await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(took < Duration::from_secs(2), "a write took {took:?}");

        actix_web::rt::time::sleep(Duration::from_secs(2)).await;
        proxy.set_down(false);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let res = app.http.get(app.url("/readyz")).send().await.unwrap();
            if res.status() == StatusCode::OK {
                break;
            }
            assert!(Instant::now() < deadline, "the service did not recover");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        // Let the writer succeed a few times after the recovery.
        let acknowledged = || {
            tried
                .borrow()
                .iter()
                .filter(|(_, s, _)| *s == StatusCode::CREATED)
                .count()
        };
        let before = acknowledged();
        while acknowledged() < before + 3 {
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        *done.borrow_mut() = true;
    };
    futures_util::join!(writer, outage);

    let tried = tried.into_inner();
    let failed = tried
        .iter()
        .filter(|(_, s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(failed > 0, "no write fell into the outage");
    for (envelope, status, code) in &tried {
        let (read, body) = app
            .get(&consignor, &format!("{}/events", waybill_path(envelope)))
            .await;
        match (*status, code.as_deref()) {
            (StatusCode::CREATED, _) => {
                assert_eq!(read, StatusCode::OK, "an acknowledged act is lost");
                assert!(body.to_string().contains(&hash_of(envelope)), "{body}");
            }
            (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable")) => {
                assert_eq!(
                    read,
                    StatusCode::NOT_FOUND,
                    "\"nothing was written\" was not true"
                );
            }
            (StatusCode::SERVICE_UNAVAILABLE, Some("outcome_unknown")) => {}
            other => panic!("unexpected answer during the outage: {other:?}"),
        }
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The error opening a pool on `url` gives, and how long it took.
fn open_error(url: &str) -> (String, Duration) {
    let url = DatabaseUrl::parse(url).unwrap();
    let started = Instant::now();
    let error = open_pool(&url, 2, Duration::from_millis(2000))
        .expect_err("the connection must fail")
        .to_string();
    (error, started.elapsed())
}

#[test]
fn a_refused_connection_names_its_cause_quickly() {
    let (error, took) = open_error(&format!(
        "postgres://postgres@127.0.0.1:{}/ledger",
        closed_port()
    ));
    assert!(error.contains("Connection refused"), "{error}");
    assert!(!error.contains("multiconnection"), "{error}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_missing_database_or_role_names_its_cause_quickly() {
    let Some(base) = TestApp::postgres_base() else {
        return;
    };
    let upstream = upstream_of(&base);
    let missing = format!("ewaybill_missing_{}", Uuid::new_v4().simple());
    for (url, cause) in [
        (
            format!("postgres://postgres@{upstream}/{missing}"),
            format!("database \"{missing}\" does not exist"),
        ),
        (
            format!("postgres://{missing}@{upstream}/postgres"),
            format!("role \"{missing}\" does not exist"),
        ),
    ] {
        let (error, took) = open_error(&url);
        assert!(error.contains(&cause), "{error}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
}
