//! Roadside plate lookup on a large database: BENCH_WAYBILLS (default
//! 1,000,000) waybills in the search index, then random plate lookups
//! through the same query the API runs, against a baseline of one
//! primary-key read of a waybill in the same run.
//!
//!     cargo bench --bench inspect
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench inspect

mod support;

use std::time::Instant;

use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use ewaybill::storage::schema::{parties, shipment_facts, shipment_plates, waybills};
use ewaybill::storage::search::{ShipmentFilter, search};
use ewaybill::storage::{
    DatabaseUrl, DbConnection, connect, migrations, time, waybills as waybill_repo,
};
use uuid::Uuid;

use support::{Database, backends, env_num, percentile};

/// The plate of waybill `i` of `n`: about ten trips per truck, as a month
/// of traffic would have.
fn plate(i: u64, n: u64) -> String {
    let truck = i % (n / 10).max(1);
    let letters = b"ABCDEFGHJKLMNPRSTUVZ";
    format!(
        "{}{}{:04}",
        letters[(truck % 20) as usize] as char,
        letters[((truck / 20) % 20) as usize] as char,
        truck / 400
    )
}

macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(500) {
            let insert = diesel::insert_into($table).values(chunk);
            match $conn {
                DbConnection::Pg(c) => insert.execute(c).unwrap(),
                DbConnection::Sqlite(c) => insert.execute(c).unwrap(),
            };
        }
    };
}

fn fill(conn: &mut DbConnection, n: u64) {
    use diesel::ExpressionMethods;
    let party = Uuid::now_v7().to_string();
    diesel::insert_into(parties::table)
        .values((
            parties::id.eq(&party),
            parties::kind.eq("company"),
            parties::name.eq("Bench SIA"),
            parties::reg_no.eq("40000000000"),
            parties::country.eq("LV"),
            parties::log_seq.eq(0i64),
            parties::created_at.eq(time::to_db(Utc::now())),
        ))
        .execute(conn)
        .unwrap();
    let now = time::to_db(Utc::now());
    let chunk = 20_000u64;
    let mut done = 0;
    while done < n {
        let take = chunk.min(n - done);
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            let ids: Vec<String> = (0..take).map(|_| Uuid::now_v7().to_string()).collect();
            let rows: Vec<_> = ids
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    let i = done + k as u64;
                    (
                        waybills::id.eq(id.clone()),
                        waybills::number.eq(format!("B-{i}")),
                        waybills::consignor_id.eq(party.clone()),
                        waybills::carrier_id.eq(party.clone()),
                        waybills::consignee_id.eq(party.clone()),
                        waybills::status.eq(if i.is_multiple_of(10) {
                            "in_transit"
                        } else {
                            "delivered"
                        }),
                        waybills::version.eq(1i64),
                        waybills::head.eq("00"),
                        waybills::issue_date.eq("2026-11-29"),
                        waybills::state.eq("{}"),
                        waybills::created_seq.eq(i as i64),
                        waybills::created_at.eq(now),
                        waybills::updated_at.eq(now),
                    )
                })
                .collect();
            insert_many!(conn, waybills::table, rows);
            let facts: Vec<_> = ids
                .iter()
                .map(|id| {
                    (
                        shipment_facts::waybill_id.eq(id.clone()),
                        shipment_facts::excise.eq(false),
                        shipment_facts::cn_codes.eq(" 22030001 "),
                        shipment_facts::loading_country.eq("LV"),
                        shipment_facts::loading_city.eq("rīga"),
                        shipment_facts::unloading_country.eq("LV"),
                        shipment_facts::unloading_city.eq("cēsis"),
                    )
                })
                .collect();
            insert_many!(conn, shipment_facts::table, facts);
            let plates: Vec<_> = ids
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    (
                        shipment_plates::plate.eq(plate(done + k as u64, n)),
                        shipment_plates::waybill_id.eq(id.clone()),
                    )
                })
                .collect();
            insert_many!(conn, shipment_plates::table, plates);
            Ok(())
        })
        .unwrap();
        done += take;
        if done.is_multiple_of(200_000) {
            eprintln!("  {done} waybills");
        }
    }
}

fn main() {
    let n: u64 = env_num("BENCH_WAYBILLS", 1_000_000);
    let lookups: u64 = env_num("BENCH_LOOKUPS", 2_000);
    for (name, pg) in backends() {
        let database = Database::fresh(pg.as_deref());
        let url = &database.url;
        let mut conn = connect(&DatabaseUrl::parse(url).unwrap()).unwrap();
        migrations::run_pending(&mut conn).unwrap();
        let started = Instant::now();
        fill(&mut conn, n);
        if let DbConnection::Pg(_) = conn {
            diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
        }
        eprintln!(
            "  {name}: {n} waybills loaded in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        let sample_id =
            waybill_repo::list(&mut conn, &waybill_repo::Scope::All, &Default::default(), 1)
                .unwrap()[0]
                .id
                .clone();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut lookup_ms = Vec::new();
        let mut read_ms = Vec::new();
        for _ in 0..lookups {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = state % n;
            let filter = ShipmentFilter {
                plate: Some(plate(i, n)),
                ..Default::default()
            };
            let t = Instant::now();
            let hits = search(&mut conn, &filter, 50).unwrap();
            lookup_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(!hits.is_empty());
            let t = Instant::now();
            waybill_repo::find(&mut conn, &sample_id).unwrap().unwrap();
            read_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        lookup_ms.sort_by(f64::total_cmp);
        read_ms.sort_by(f64::total_cmp);
        println!(
            "{name}: plate lookup at {n} waybills ({lookups} random): p50 {:.3} ms, p99 {:.3} ms; one primary-key read p50 {:.3} ms (ratio {:.1})",
            percentile(&lookup_ms, 0.5),
            percentile(&lookup_ms, 0.99),
            percentile(&read_ms, 0.5),
            percentile(&lookup_ms, 0.5) / percentile(&read_ms, 0.5)
        );
        drop(conn);
        drop(database);
    }
}
