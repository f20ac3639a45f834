//! What the bulk endpoint buys: the same number of signed consignor.issue
//! acts through the real HTTP service, once as single requests from many
//! concurrent clients (`POST /v1/waybills`, group commit on) and once as
//! bulk requests (`POST /v1/waybills:batch`), each on a fresh database, in
//! the same run on the same machine. Reports waybills per second and the
//! ratio, not a lone time.
//!
//!     cargo bench --bench batch
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench batch
//!
//! Knobs: BENCH_BATCHES (default 10) requests of BENCH_BATCH_SIZE (default
//! 1000) acts, sent BENCH_BATCH_CONCURRENCY (default 1) at a time; the
//! single path sends as many acts with BENCH_CONCURRENCY (default 64)
//! clients.

mod support;

use serde_json::Value;

use support::{Database, Service, backends, env_num};

struct Measured {
    waybills_per_second: f64,
    /// Mean commands per sequencer transaction.
    mean_batch: f64,
}

async fn measure<F, Fut>(service: &Service, waybills: usize, send: F) -> Measured
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let run = service.timed(send()).await;
    Measured {
        waybills_per_second: waybills as f64 / run.elapsed,
        mean_batch: run.mean_batch(),
    }
}

async fn single_requests(database_url: &str, acts: usize, concurrency: usize) -> Measured {
    let service = Service::start(database_url, 256).await;
    let envelopes = service.sign_issues(0, acts);
    measure(&service, acts, || async {
        service
            .post_all("/v1/waybills", envelopes, concurrency)
            .await;
    })
    .await
}

async fn bulk_requests(
    database_url: &str,
    batches: usize,
    size: usize,
    concurrency: usize,
) -> Measured {
    let service = Service::start(database_url, 256).await;
    let bodies: Vec<Value> = (0..batches)
        .map(|b| Value::from(service.sign_issues(b * size, size)))
        .collect();
    measure(&service, batches * size, || async {
        for answer in service
            .post_all("/v1/waybills:batch", bodies, concurrency)
            .await
        {
            assert_eq!(answer["created"], size, "{}", answer["items"][0]);
        }
    })
    .await
}

fn main() {
    let batches = env_num("BENCH_BATCHES", 10);
    let size = env_num("BENCH_BATCH_SIZE", 1000);
    let batch_concurrency = env_num("BENCH_BATCH_CONCURRENCY", 1);
    let concurrency = env_num("BENCH_CONCURRENCY", 64);
    let acts = batches * size;
    let runtime = actix_web::rt::System::new();
    println!(
        "bulk upload: {acts} signed consignor.issue acts over HTTP: {batches} x POST /v1/waybills:batch of {size} ({batch_concurrency} at a time) vs POST /v1/waybills with {concurrency} concurrent clients"
    );
    for (name, pg) in backends() {
        let database = Database::fresh(pg.as_deref());
        let single = runtime.block_on(single_requests(&database.url, acts, concurrency));
        drop(database);
        let database = Database::fresh(pg.as_deref());
        let bulk = runtime.block_on(bulk_requests(
            &database.url,
            batches,
            size,
            batch_concurrency,
        ));
        drop(database);
        println!(
            "  {name:<10} single   {:>8.0} waybills/s   mean sequencer batch {:>5.1}",
            single.waybills_per_second, single.mean_batch
        );
        println!(
            "  {name:<10} batch    {:>8.0} waybills/s   mean sequencer batch {:>5.1}",
            bulk.waybills_per_second, bulk.mean_batch
        );
        println!(
            "  {name:<10} bulk speed-up: {:.2}x (batch vs single requests, same run)",
            bulk.waybills_per_second / single.waybills_per_second
        );
    }
}
