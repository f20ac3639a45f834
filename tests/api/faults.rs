//! Faults on the write path: one poisoned act fails alone, and a lost
//! COMMIT acknowledgement is answered with the truth.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use ewaybill::ledger::sequencer::{FaultPoint, Faults};
use ewaybill::storage::DbConnection;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{
    Actor, Setup, TestApp, assert_problem, hash_of, issue_envelope as issue, number,
};

crate::on_both_backends!(poisoned_act_fails_alone_and_the_rest_of_its_batch_commits);

/// A trigger in the test's own database that makes writing the waybill
/// numbered `number` fail, the way text the database cannot store would.
fn poison(conn: &mut DbConnection, number: &str) {
    let sql = match conn {
        DbConnection::Pg(_) => format!(
            "CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.number = '{number}' THEN RAISE EXCEPTION 'poisoned act (test trigger)'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER test_poison BEFORE INSERT ON waybills
               FOR EACH ROW EXECUTE FUNCTION test_poison();"
        ),
        DbConnection::Sqlite(_) => format!(
            "CREATE TRIGGER test_poison BEFORE INSERT ON waybills WHEN NEW.number = '{number}'
             BEGIN SELECT RAISE(ABORT, 'poisoned act (test trigger)'); END;"
        ),
    };
    conn.batch_execute(&sql).unwrap();
}

/// Holds the log's write lock from outside, so the writer's next batch
/// waits and everything submitted meanwhile queues into one batch.
fn hold_log_lock(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Pg(_) => "BEGIN; SELECT 1 FROM log_state WHERE id = 1 FOR UPDATE;",
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE;",
    };
    conn.batch_execute(sql).unwrap();
}

async fn poisoned_act_fails_alone_and_the_rest_of_its_batch_commits(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let poisoned_number = format!("WB-POISON-{}", Uuid::now_v7().simple());
    let mut admin = app.db();
    poison(&mut admin, &poisoned_number);
    let mut items: Vec<Value> = (0..40)
        .map(|_| issue(&consignor, &carrier, &consignee, &number()))
        .collect();
    let poisoned_at = 21;
    items.insert(
        poisoned_at,
        issue(&consignor, &carrier, &consignee, &poisoned_number),
    );

    let mut lock = app.db();
    hold_log_lock(&mut lock);
    let ((status, body), ()) = futures_util::join!(
        app.post(&consignor, "/v1/waybills:batch", Value::from(items.clone())),
        async {
            actix_web::rt::time::sleep(Duration::from_millis(700)).await;
            lock.batch_execute("ROLLBACK;").unwrap();
        }
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], items.len() - 1, "{body}");
    assert_eq!(body["rejected"], 1, "{body}");
    for (i, item) in items.iter().enumerate() {
        let answer = &body["items"][i];
        let id = item["act"]["waybill_id"].as_str().unwrap();
        let (read, _) = app.get(&consignor, &format!("/v1/waybills/{id}")).await;
        if i == poisoned_at {
            assert_eq!(answer["status"], "rejected", "{answer}");
            assert_eq!(answer["problem"]["status"], 500, "{answer}");
            assert_eq!(answer["problem"]["code"], "internal_error", "{answer}");
            assert_eq!(read, StatusCode::NOT_FOUND);
        } else {
            assert_eq!(answer["status"], "created", "item {i}: {answer}");
            assert_eq!(answer["result"]["event"]["hash"], hash_of(item));
            assert_eq!(read, StatusCode::OK, "item {i}");
        }
    }

    // Alone, the poisoned act gets the same answer, and the writer goes on.
    let (status, body) = app
        .post_issue(
            &consignor,
            &issue(&consignor, &carrier, &consignee, &poisoned_number),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    app.issue(&consignor, &carrier, &consignee).await;
}

/// Faults armed by the test, each firing once where the writer asks.
#[derive(Clone, Default)]
struct Armed(Arc<Mutex<Vec<FaultPoint>>>);

impl Armed {
    fn faults(&self) -> Setup {
        let armed = self.clone();
        Setup {
            faults: Faults::new(move |point| {
                let mut armed = armed.0.lock().unwrap();
                match armed.iter().position(|p| *p == point) {
                    Some(i) => {
                        armed.remove(i);
                        true
                    }
                    None => false,
                }
            }),
            ..Setup::default()
        }
    }

    fn arm(&self, points: &[FaultPoint]) {
        self.0.lock().unwrap().extend_from_slice(points);
    }
}

mod lost_commit {
    use super::*;

    #[actix_web::test]
    async fn sqlite() {
        let armed = Armed::default();
        lost_commit_acknowledgements_are_answered_truthfully(
            TestApp::sqlite_with(armed.faults()).await,
            armed,
        )
        .await;
    }

    #[actix_web::test]
    async fn postgres() {
        let armed = Armed::default();
        if let Some(app) = TestApp::postgres_with(armed.faults()).await {
            lost_commit_acknowledgements_are_answered_truthfully(app, armed).await;
        }
    }
}

async fn read(app: &TestApp, who: &Actor, envelope: &Value) -> StatusCode {
    let id = envelope["act"]["waybill_id"].as_str().unwrap();
    app.get(who, &format!("/v1/waybills/{id}")).await.0
}

async fn lost_commit_acknowledgements_are_answered_truthfully(app: TestApp, armed: Armed) {
    let (consignor, carrier, consignee) = app.parties().await;

    // COMMIT went through, its acknowledgement was lost: the writer finds
    // the batch in the log and answers 201.
    let committed = issue(&consignor, &carrier, &consignee, &number());
    armed.arm(&[FaultPoint::AfterCommit]);
    let (status, body) = app.post_issue(&consignor, &committed).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["event"]["hash"], hash_of(&committed));
    assert_eq!(read(&app, &consignor, &committed).await, StatusCode::OK);

    // The connection died before COMMIT took effect: the writer finds the
    // batch is not in the log, so "nothing was written" is the truth.
    let rolled_back = issue(&consignor, &carrier, &consignee, &number());
    armed.arm(&[FaultPoint::BeforeCommit]);
    assert_problem(
        &app.post_issue(&consignor, &rolled_back).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "database_unavailable",
        &[],
    );
    assert_eq!(
        read(&app, &consignor, &rolled_back).await,
        StatusCode::NOT_FOUND
    );
    let (status, body) = app.post_issue(&consignor, &rolled_back).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Lost acknowledgement and no way to check: outcome_unknown, and
    // resending the same envelope tells the client what happened.
    let unknown = issue(&consignor, &carrier, &consignee, &number());
    armed.arm(&[FaultPoint::AfterCommit, FaultPoint::Recheck]);
    assert_problem(
        &app.post_issue(&consignor, &unknown).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "outcome_unknown",
        &[],
    );
    let body = assert_problem(
        &app.post_issue(&consignor, &unknown).await,
        StatusCode::CONFLICT,
        "act_replayed",
        &[],
    );
    assert_eq!(body["event_hash"], hash_of(&unknown), "{body}");
    assert_eq!(read(&app, &consignor, &unknown).await, StatusCode::OK);

    // Unknown and in fact not written: the resend records it.
    let unknown_unwritten = issue(&consignor, &carrier, &consignee, &number());
    armed.arm(&[FaultPoint::BeforeCommit, FaultPoint::Recheck]);
    assert_problem(
        &app.post_issue(&consignor, &unknown_unwritten).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "outcome_unknown",
        &[],
    );
    let (status, body) = app.post_issue(&consignor, &unknown_unwritten).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
