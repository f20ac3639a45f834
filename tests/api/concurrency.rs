//! Concurrent acts on one waybill: exactly one wins, the rest get 409; and
//! many writers at once all land in one gap-free order.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

crate::on_both_backends!(
    racing_acts_on_one_waybill_exactly_one_wins,
    concurrent_issues_share_batches_and_keep_a_gap_free_log,
);

async fn racing_acts_on_one_waybill_exactly_one_wins(app: TestApp) {
    for _ in 0..3 {
        let s = app.shipment().await;
        let path = format!("/v1/waybills/{}/events", s.id);
        let accept = s
            .carrier
            .sign("carrier.accept", s.id, Some(&s.head), json!({}));
        let decline = s.carrier.sign(
            "carrier.decline",
            s.id,
            Some(&s.head),
            json!({"reason": "busy"}),
        );
        let cancel = s.consignor.sign(
            "consignor.cancel",
            s.id,
            Some(&s.head),
            json!({"reason": "changed mind"}),
        );
        let (a, b, c) = futures_util::join!(
            app.post(&s.carrier, &path, accept),
            app.post(&s.carrier, &path, decline),
            app.post(&s.consignor, &path, cancel),
        );
        let results = [a, b, c];
        let winners = results
            .iter()
            .filter(|(st, _)| *st == StatusCode::CREATED)
            .count();
        assert_eq!(winners, 1, "{results:?}");
        for (status, body) in results.iter().filter(|(st, _)| *st != StatusCode::CREATED) {
            assert_eq!(*status, StatusCode::CONFLICT);
            assert_eq!(body["code"], "stale_prev");
        }
        let (_, events) = app.get(&s.consignor, &path).await;
        assert_eq!(events.as_array().unwrap().len(), 2);
    }
}

async fn concurrent_issues_share_batches_and_keep_a_gap_free_log(app: TestApp) {
    let (consignor, carrier, consignee) = app.parties().await;
    let issues = (0..40).map(|_| app.issue(&consignor, &carrier, &consignee));
    let ids = futures_util::future::join_all(issues).await;
    assert_eq!(ids.len(), 40);

    use diesel::prelude::*;
    use ewaybill::storage::schema::events::dsl::*;
    let mut conn = app.db();
    let seqs: Vec<i64> = events.select(seq).order(seq.asc()).load(&mut conn).unwrap();
    let expected: Vec<i64> = (0..seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "one gap-free order");

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("ewaybill_sequencer_batch_size_count"),
        "{metrics}"
    );
    assert!(
        metrics.contains("ewaybill_commands_committed_total{kind=\"act\"} 40"),
        "{metrics}"
    );
}
