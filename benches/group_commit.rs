//! What group commit buys: the same signed acts pushed through the real
//! HTTP service by many concurrent clients, once with batching (the
//! default) and once with one transaction per act, in the same run, on the
//! same machine. Reports the ratio, not a lone time.
//!
//!     cargo bench --bench group_commit
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench group_commit
//!
//! Knobs: BENCH_ACTS (default 2000), BENCH_CONCURRENCY (default 64).

mod support;

use support::{Database, Service, backends, env_num};

/// What one run measured.
struct Measured {
    acts_per_second: f64,
    /// Mean commands per transaction.
    mean_batch: f64,
    /// Share of the wall time the single writer spent inside transactions.
    writer_busy: f64,
}

/// Starts a service on `database_url` with `max_batch` and measures
/// `acts` issues at `concurrency`.
async fn run(database_url: &str, max_batch: usize, acts: usize, concurrency: usize) -> Measured {
    let service = Service::start(database_url, max_batch).await;
    let envelopes = service.sign_issues(0, acts);
    let run = service
        .timed(service.post_all("/v1/waybills", envelopes, concurrency))
        .await;
    Measured {
        acts_per_second: acts as f64 / run.elapsed,
        mean_batch: run.mean_batch(),
        writer_busy: run.delta("ewaybill_sequencer_batch_seconds_sum") / run.elapsed,
    }
}

fn main() {
    let acts = env_num("BENCH_ACTS", 2000);
    let concurrency = env_num("BENCH_CONCURRENCY", 64);
    let runtime = actix_web::rt::System::new();
    println!(
        "group commit: {acts} signed consignor.issue acts over HTTP, {concurrency} concurrent clients"
    );
    for (name, pg) in backends() {
        let mut rates = Vec::new();
        for max_batch in [1usize, 256] {
            let database = Database::fresh(pg.as_deref());
            let m = runtime.block_on(run(&database.url, max_batch, acts, concurrency));
            drop(database);
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
