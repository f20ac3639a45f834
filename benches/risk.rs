//! The risk engine at scale: BENCH_WAYBILLS (default 200,000) generated
//! waybills folded through the domain projection (the baseline: what the
//! ledger must do anyway), then fed to the risk engine; then the risk list
//! of the trucks on the road at one moment, against a baseline of sorting
//! the same number of ready-made scores. Pure in-memory: no database.
//!
//!     cargo bench --bench risk

use std::sync::Arc;
use std::time::Instant;

use chrono::TimeDelta;
use ewaybill::risk::config::ModelConfig;
use ewaybill::risk::engine::RiskEngine;
use ewaybill::risk::eval::replay;
use ewaybill::risk::generator::{GeneratorConfig, generate};

fn main() {
    let n: usize = std::env::var("BENCH_WAYBILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let config = GeneratorConfig::new(1, n);
    let start = config.start;
    let traffic = generate(config);

    let t = Instant::now();
    let mut states = Vec::with_capacity(n);
    for s in &traffic.shipments {
        states.push(replay(s).expect("generated traffic replays"));
    }
    let fold = t.elapsed().as_secs_f64();
    let acts: usize = states.iter().map(Vec::len).sum();

    let mut events: Vec<_> = states.iter().flatten().collect();
    events.sort_by_key(|(_, at, _)| *at);
    let model = Arc::new(ModelConfig::default_model().unwrap());
    let mut engine = RiskEngine::new(model);
    for c in &traffic.companies {
        engine.register_party(&c.reg_no, c.registered_at);
    }
    let t = Instant::now();
    for (act, at, state) in &events {
        engine.ingest(state, *act, *at);
    }
    let ingest = t.elapsed().as_secs_f64();

    let moment = start + TimeDelta::days(20) + TimeDelta::hours(11);
    let on_the_road = |s: &ewaybill::risk::shipment::Shipment| {
        s.planned_departure <= moment && moment <= s.planned_arrival
    };
    let mut rank_ms = Vec::new();
    let mut ranked = 0;
    for _ in 0..15 {
        let t = Instant::now();
        ranked = engine.rank(on_the_road, moment).len();
        rank_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut sort_ms = Vec::new();
    for round in 0..15u64 {
        let mut keys: Vec<f64> = (0..ranked as u64)
            .map(|i| ((i * 2_654_435_761 + round) % 1_000_003) as f64)
            .collect();
        let t = Instant::now();
        keys.sort_by(|a, b| b.total_cmp(a));
        std::hint::black_box(&keys);
        sort_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (rank, sort) = (median(&mut rank_ms), median(&mut sort_ms));
    println!(
        "{n} waybills, {acts} acts, {} companies",
        traffic.companies.len()
    );
    println!(
        "domain fold (baseline): {:.0} acts/s; risk engine ingest: {:.0} acts/s; engine cost / fold cost = {:.2}",
        acts as f64 / fold,
        acts as f64 / ingest,
        ingest / fold
    );
    println!(
        "risk list of {ranked} trucks on the road: median {rank:.2} ms; sorting {ranked} ready scores: {sort:.3} ms; ratio {:.0}x ({:.1} us per truck scored)",
        rank / sort.max(1e-6),
        rank * 1000.0 / ranked.max(1) as f64
    );
}
