//! What group commit buys: the same signed acts pushed through the real
//! HTTP service by many concurrent clients, once with batching (the
//! default) and once with one transaction per act, in the same run, on the
//! same machine. Reports the ratio, not a lone time.
//!
//!     cargo bench --bench group_commit
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench group_commit
//!
//! Knobs: BENCH_ACTS (default 2000), BENCH_CONCURRENCY (default 64).

use std::time::Instant;

use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use ewaybill::client::{ApiClient, sign_act};
use ewaybill::config::Config;
use ewaybill::crypto::KeyPair;
use futures_util::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn party(reg_no: &str, name: &str) -> Value {
    json!({"reg_no": reg_no, "country": "LV", "name": name})
}

fn document(number: &str) -> Value {
    json!({
        "number": number, "issue_date": "2026-11-29", "transaction_type": "sale",
        "consignor": party("40000000001", "Bench consignor"),
        "consignee": party("40000000003", "Bench consignee"),
        "carrier": party("40000000002", "Bench carrier"),
        "loading": {"address": {"line": "A 1", "city": "Rīga", "country": "LV"}, "planned_at": "2026-11-29T08:00:00Z"},
        "unloading": {"address": {"line": "B 2", "city": "Cēsis", "country": "LV"}, "planned_at": "2026-11-29T11:00:00Z"},
        "transport": {"vehicle_plate": "AB-1234", "vehicle_country": "LV"},
        "currency": "EUR",
        "lines": [{"line_no": 1, "description": "Lager 0.5 l", "cn_code": "22030001", "quantity": "100",
                   "unit": "LTR", "gross_weight_kg": "105", "unit_price": "1.20", "vat_rate": "21", "amount": "120.00"}],
        "totals": {"net_amount": "120.00", "vat_amount": "25.20", "gross_amount": "145.20", "gross_weight_kg": "105"},
        "references": []
    })
}

/// What one run measured.
struct Measured {
    acts_per_second: f64,
    /// Mean commands per transaction.
    mean_batch: f64,
    /// Share of the wall time the single writer spent inside transactions.
    writer_busy: f64,
}

/// Reads a counter or histogram sum from the Prometheus text.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// Starts a service on `database_url` with `max_batch`, registers the
/// parties, and measures `acts` issues at `concurrency`.
async fn run(database_url: &str, max_batch: usize, acts: usize, concurrency: usize) -> Measured {
    let data = tempfile::tempdir().unwrap();
    let admin = KeyPair::generate().unwrap();
    let vars = [
        ("DATABASE_URL", database_url.to_owned()),
        ("EWAYBILL_LISTEN", "127.0.0.1:0".to_owned()),
        ("EWAYBILL_DATA_DIR", data.path().display().to_string()),
        (
            "EWAYBILL_BOOTSTRAP_ADMIN_KEY",
            admin.public_key().to_base64url(),
        ),
        ("EWAYBILL_MAX_BATCH", max_batch.to_string()),
        ("EWAYBILL_DB_POOL_SIZE", "32".to_owned()),
    ];
    let config =
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .unwrap();
    let (addr, _ledger) = ewaybill::startup::spawn(config).await.unwrap();
    let base = format!("http://{addr}");
    let operator = ApiClient::login(&base, &admin).await.unwrap();
    let consignor_key = KeyPair::generate().unwrap();
    for (reg_no, name, key) in [
        ("40000000001", "Bench consignor", Some(&consignor_key)),
        ("40000000002", "Bench carrier", None),
        ("40000000003", "Bench consignee", None),
    ] {
        let created = operator
            .post(
                "/v1/parties",
                json!({"kind": "company", "name": name, "reg_no": reg_no, "country": "LV"}),
            )
            .await
            .unwrap();
        if let Some(key) = key {
            let path = format!("/v1/parties/{}/keys", created["id"].as_str().unwrap());
            operator
                .post(
                    &path,
                    json!({"public_key": key.public_key().to_base64url(), "label": "bench"}),
                )
                .await
                .unwrap();
        }
    }
    let consignor = ApiClient::login(&base, &consignor_key).await.unwrap();
    // Sign everything first: the bench measures the service, not the client.
    let envelopes: Vec<Value> = (0..acts)
        .map(|i| {
            let id = Uuid::now_v7();
            sign_act(
                &consignor_key,
                "consignor.issue",
                id,
                None,
                document(&format!("B-{i}")),
                Utc::now(),
            )
            .unwrap()
        })
        .collect();
    let metrics_url = format!("{base}/metrics");
    let before = reqwest::get(&metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let started = Instant::now();
    let results: Vec<_> = futures_util::stream::iter(envelopes)
        .map(|envelope| {
            let consignor = consignor.clone();
            async move { consignor.post("/v1/waybills", envelope).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 0, "{:?}", results.iter().find(|r| r.is_err()));
    let after = reqwest::get(&metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let delta = |name: &str| metric(&after, name) - metric(&before, name);
    Measured {
        acts_per_second: acts as f64 / elapsed,
        mean_batch: delta("ewaybill_sequencer_batch_size_sum")
            / delta("ewaybill_sequencer_batch_size_count").max(1.0),
        writer_busy: delta("ewaybill_sequencer_batch_seconds_sum") / elapsed,
    }
}

fn fresh_postgres(base: &str) -> (String, String) {
    let name = format!("ewaybill_bench_{}", Uuid::new_v4().simple());
    let mut conn = diesel::PgConnection::establish(base).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    (format!("{prefix}/{name}"), name)
}

fn drop_postgres(base: &str, name: &str) {
    if let Ok(mut conn) = diesel::PgConnection::establish(base) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn);
    }
}

fn main() {
    let acts = env_num("BENCH_ACTS", 2000);
    let concurrency = env_num("BENCH_CONCURRENCY", 64);
    let runtime = actix_web::rt::System::new();
    println!(
        "group commit: {acts} signed consignor.issue acts over HTTP, {concurrency} concurrent clients"
    );
    let mut backends: Vec<(&str, Option<String>)> = vec![("sqlite", None)];
    if let Ok(pg) = std::env::var("BENCH_DATABASE_URL") {
        backends.push(("postgresql", Some(pg)));
    }
    for (name, pg) in backends {
        let mut rates = Vec::new();
        for max_batch in [1usize, 256] {
            let dir = tempfile::tempdir().unwrap();
            let (url, cleanup) = match &pg {
                None => (
                    format!("sqlite://{}", dir.path().join("bench.db").display()),
                    None,
                ),
                Some(base) => {
                    let (url, db) = fresh_postgres(base);
                    (url, Some((base.clone(), db)))
                }
            };
            let m = runtime.block_on(run(&url, max_batch, acts, concurrency));
            if let Some((base, db)) = cleanup {
                drop_postgres(&base, &db);
            }
            println!(
                "  {name:<10} max_batch={max_batch:<4} {:>8.0} acts/s   mean batch {:>5.1}   writer busy {:>3.0}%",
                m.acts_per_second,
                m.mean_batch,
                m.writer_busy * 100.0
            );
            rates.push(m.acts_per_second);
        }
        println!(
            "  {name:<10} group commit speed-up: {:.1}x (max_batch=256 vs 1, same run)",
            rates[1] / rates[0]
        );
    }
}
