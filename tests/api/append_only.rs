//! The event log refuses UPDATE and DELETE at the database, whoever asks.

use diesel::RunQueryDsl;

use crate::common::TestApp;

crate::on_both_backends!(update_and_delete_on_events_are_refused_by_the_database);

async fn update_and_delete_on_events_are_refused_by_the_database(app: TestApp) {
    app.shipment().await;
    let mut conn = app.db();
    for statement in [
        "UPDATE events SET act_type = 'tampered'",
        "DELETE FROM events",
    ] {
        let err = diesel::sql_query(statement).execute(&mut conn).unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    if let ewaybill::storage::DbConnection::Pg(_) = conn {
        let err = diesel::sql_query("TRUNCATE events")
            .execute(&mut conn)
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    let count: i64 = {
        use diesel::prelude::*;
        ewaybill::storage::schema::events::table
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    // Three party registrations, three keys, the operator and its key, one waybill.
    assert!(count >= 9, "{count}");
}
