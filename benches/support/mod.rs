//! What the HTTP benches share: a real service on a fresh database with a
//! consignor, its carrier and consignee registered, and signed issues.

#![allow(dead_code)] // each bench uses its own part

use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use ewaybill::client::{ApiClient, sign_act};
use ewaybill::config::Config;
use ewaybill::crypto::KeyPair;
use futures_util::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

/// A number from the environment, or the default.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn party(reg_no: &str, name: &str) -> Value {
    json!({"reg_no": reg_no, "country": "LV", "name": name})
}

pub fn document(number: &str) -> Value {
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

/// Reads a counter or histogram sum from the Prometheus text.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// The value at quantile `p` of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One measured run: its wall time and how the service's counters moved.
pub struct Timed {
    /// Seconds.
    pub elapsed: f64,
    before: String,
    after: String,
}

impl Timed {
    /// How far a counter of `/metrics` moved during the run.
    pub fn delta(&self, name: &str) -> f64 {
        metric(&self.after, name) - metric(&self.before, name)
    }

    /// Mean commands per sequencer transaction during the run.
    pub fn mean_batch(&self) -> f64 {
        self.delta("ewaybill_sequencer_batch_size_sum")
            / self.delta("ewaybill_sequencer_batch_size_count").max(1.0)
    }
}

/// A running service and its consignor, logged in.
pub struct Service {
    pub base: String,
    pub consignor_key: KeyPair,
    pub consignor: ApiClient,
    _data: tempfile::TempDir,
    _ledger: ewaybill::startup::Ledger,
}

impl Service {
    /// Starts a service on `database_url` with `max_batch` and registers the parties.
    pub async fn start(database_url: &str, max_batch: usize) -> Service {
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
        let (addr, ledger) = ewaybill::startup::spawn(config).await.unwrap();
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
        Service {
            base,
            consignor_key,
            consignor,
            _data: data,
            _ledger: ledger,
        }
    }

    /// `count` signed consignor.issue acts, numbered from `first`. Signed
    /// up front: the benches measure the service, not the client.
    pub fn sign_issues(&self, first: usize, count: usize) -> Vec<Value> {
        (first..first + count)
            .map(|i| {
                sign_act(
                    &self.consignor_key,
                    "consignor.issue",
                    Uuid::now_v7(),
                    None,
                    document(&format!("B-{i}")),
                    Utc::now(),
                )
                .unwrap()
            })
            .collect()
    }

    /// Posts every body to `path` as the consignor, `concurrency` at a time.
    pub async fn post_all(&self, path: &str, bodies: Vec<Value>, concurrency: usize) -> Vec<Value> {
        let answers: Vec<_> = futures_util::stream::iter(bodies)
            .map(|body| {
                let consignor = self.consignor.clone();
                async move { consignor.post(path, body).await }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        answers
            .into_iter()
            .map(|answer| answer.unwrap_or_else(|e| panic!("{path}: {e}")))
            .collect()
    }

    /// Runs `send` and times it, reading the counters before and after.
    pub async fn timed(&self, send: impl std::future::Future) -> Timed {
        let before = self.metrics().await;
        let started = std::time::Instant::now();
        send.await;
        let elapsed = started.elapsed().as_secs_f64();
        let after = self.metrics().await;
        Timed {
            elapsed,
            before,
            after,
        }
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// A database to run on: an SQLite file or a fresh PostgreSQL database,
/// dropped afterwards.
pub struct Database {
    pub url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Database {
    pub fn fresh(postgres_base: Option<&str>) -> Database {
        let dir = tempfile::tempdir().unwrap();
        match postgres_base {
            None => Database {
                url: format!("sqlite://{}", dir.path().join("bench.db").display()),
                _dir: dir,
                postgres: None,
            },
            Some(base) => {
                let name = format!("ewaybill_bench_{}", Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(base).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .unwrap();
                let (prefix, _) = base.rsplit_once('/').unwrap();
                Database {
                    url: format!("{prefix}/{name}"),
                    _dir: dir,
                    postgres: Some((base.to_owned(), name)),
                }
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.postgres
            && let Ok(mut conn) = diesel::PgConnection::establish(base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// The backends to measure: SQLite, and PostgreSQL when `BENCH_DATABASE_URL` is set.
pub fn backends() -> Vec<(&'static str, Option<String>)> {
    let mut backends = vec![("sqlite", None)];
    if let Ok(pg) = std::env::var("BENCH_DATABASE_URL") {
        backends.push(("postgresql", Some(pg)));
    }
    backends
}
