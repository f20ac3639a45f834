//! The verifiable log's own costs, measured against baselines in the same
//! run (these machines are noisy; ratios travel, lone times do not).
//!
//!     cargo bench --bench merkle_log
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench merkle_log
//!
//! 1. Integration: leaves/s through `integrate` (leaf hashing, Merkle
//!    append, node inserts, checkpoint signing) in write batches of 256,
//!    against inserting the same events without the tree (both with the
//!    writer's multi-row INSERT).
//! 2. Inclusion proofs at BENCH_LEAVES leaves (default 1,000,000): p50/p99
//!    latency of a proof read from the database, against one primary-key read.

mod support;

use std::time::Instant;

use chrono::Utc;
use ewaybill::crypto::ServiceKey;
use ewaybill::ledger::merkle_log::{self, DbNodes, LogIdentity};
use ewaybill::merkle;
use ewaybill::storage::events::{self, EventRow};
use ewaybill::storage::{DatabaseUrl, DbConnection, connect, migrations, time, transaction};
use uuid::Uuid;

use support::{Database, backends, env_num, percentile};

const BATCH: usize = 256;

fn event(seq: i64) -> EventRow {
    // A realistic act size (~600 bytes) so leaf hashing is not free.
    let act = format!(
        "{{\"body\":{{\"reason\":\"{}\"}},\"key_id\":\"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k\",\"prev\":\"{:064x}\",\"signed_at\":\"2026-11-29T16:00:00Z\",\"type\":\"carrier.decline\",\"waybill_id\":\"{}\"}}",
        "x".repeat(400),
        seq,
        Uuid::now_v7()
    );
    EventRow {
        seq: seq.into(),
        hash: format!("{seq:064x}"),
        waybill_id: None,
        act_type: "bench".into(),
        act,
        signature: "A".repeat(86),
        key_id: "bench".into(),
        party_id: None,
        received_at: time::to_db(Utc::now()),
    }
}

fn open(url: &str) -> DbConnection {
    let mut conn = connect(&DatabaseUrl::parse(url).unwrap()).unwrap();
    migrations::run_pending(&mut conn).unwrap();
    conn
}

/// Leaves per second for `n` leaves, with or without the tree.
fn write(conn: &mut DbConnection, identity: &LogIdentity, n: u64, with_tree: bool) -> f64 {
    let started = Instant::now();
    let mut seq = 0i64;
    while (seq as u64) < n {
        let batch: Vec<EventRow> = (0..BATCH as i64).map(|i| event(seq + i)).collect();
        transaction::<_, merkle_log::LogError, _>(conn, |conn| {
            events::insert_many(conn, &batch)?;
            if with_tree {
                merkle_log::integrate(conn, identity, seq as u64, &batch)?;
            }
            Ok(())
        })
        .unwrap();
        seq += BATCH as i64;
    }
    seq as f64 / started.elapsed().as_secs_f64()
}

/// Builds a tree of `n` leaves quickly (nodes only, no event rows).
fn build_tree(conn: &mut DbConnection, identity: &LogIdentity, n: u64) {
    let chunk = 8192u64;
    let mut size = 0u64;
    while size < n {
        let take = chunk.min(n - size);
        let batch: Vec<EventRow> = (0..take).map(|i| event((size + i) as i64)).collect();
        transaction::<_, merkle_log::LogError, _>(conn, |conn| {
            merkle_log::integrate(conn, identity, size, &batch)?;
            Ok(())
        })
        .unwrap();
        size += take;
        if size % 200_000 < chunk {
            eprintln!("  built {size} leaves");
        }
    }
}

fn main() {
    let leaves: u64 = env_num("BENCH_LEAVES", 1_000_000);
    let integration_leaves: u64 = env_num("BENCH_INTEGRATION_LEAVES", 50_000);
    let proofs: u64 = env_num("BENCH_PROOFS", 5_000);
    let keydir = tempfile::tempdir().unwrap();
    let (key, _) = ServiceKey::load_or_create(keydir.path()).unwrap();
    let identity = LogIdentity::new(Some("bench.example/log".into()), std::sync::Arc::new(key));
    for (name, pg) in backends() {
        let pg = pg.as_deref();
        println!("{name}:");
        // 1. Integration against the same writes without the tree.
        let plain = {
            let db = Database::fresh(pg);
            let mut conn = open(&db.url);
            write(&mut conn, &identity, integration_leaves, false)
        };
        let treed = {
            let db = Database::fresh(pg);
            let mut conn = open(&db.url);
            write(&mut conn, &identity, integration_leaves, true)
        };
        println!(
            "  integration, batches of {BATCH}: {treed:.0} leaves/s with tree+checkpoint vs {plain:.0}/s events alone (ratio {:.2})",
            treed / plain
        );

        // 2. Inclusion proofs at `leaves` leaves.
        let db = Database::fresh(pg);
        let mut conn = open(&db.url);
        let started = Instant::now();
        build_tree(&mut conn, &identity, leaves);
        // One real event row for the baseline primary-key read.
        events::insert(&mut conn, &event(0)).unwrap();
        eprintln!(
            "  tree of {leaves} leaves built in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % leaves
        };
        let mut proof_ms = Vec::with_capacity(proofs as usize);
        let mut read_ms = Vec::with_capacity(proofs as usize);
        for _ in 0..proofs {
            let index = next();
            let t = Instant::now();
            let proof = merkle::inclusion_proof(index, leaves, &DbNodes::new(&mut conn)).unwrap();
            proof_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(!proof.is_empty());
            let t = Instant::now();
            events::by_seq(&mut conn, 0.into()).unwrap().unwrap();
            read_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        proof_ms.sort_by(f64::total_cmp);
        read_ms.sort_by(f64::total_cmp);
        let (p50, p99) = (percentile(&proof_ms, 0.5), percentile(&proof_ms, 0.99));
        let (r50, r99) = (percentile(&read_ms, 0.5), percentile(&read_ms, 0.99));
        println!(
            "  inclusion proof at {leaves} leaves ({proofs} random): p50 {p50:.3} ms, p99 {p99:.3} ms; one primary-key read p50 {r50:.3} ms, p99 {r99:.3} ms (proof/read p50 ratio {:.1})",
            p50 / r50
        );
    }
}
