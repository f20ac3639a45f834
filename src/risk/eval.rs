//! `ewaybill risk eval`: how well the ranking finds the planted
//! irregularities in generated traffic, against a random ranking.
//!
//! Per seed: generate a month of traffic, replay its acts in time order
//! through the domain fold and the risk engine, and score every shipment
//! once, halfway through its planned trip (when an inspector could stop
//! it), using only what the ledger knew then. Inspections are simulated as
//! the service would run them (a random share plus stops from the ranking),
//! and their outcomes reach the engine when the trip ends. The first week
//! only builds history. With `train`, the weights are learned from the
//! inspections of days 8-18 and both models are compared on days 19-30.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::config::ModelConfig;
use super::engine::RiskEngine;
use super::factor::Factor;
use super::generator::{GeneratedShipment, GeneratorConfig, Pattern, Traffic, generate};
use super::metrics::{average_precision, base_rate, mean_std, precision_at, recall_at};
use super::rng::SplitMix64;
use super::score::logit;
use super::train::{Example, TrainConfig, train};
use crate::domain::act::parse_act;
use crate::domain::lifecycle::ActType;
use crate::domain::projection::{WaybillState, apply};

pub const FRACTIONS: [f64; 4] = [0.01, 0.02, 0.05, 0.10];

#[derive(Debug, Clone)]
pub struct EvalConfig {
    pub seeds: Vec<u64>,
    pub waybills: usize,
    pub warmup_days: i64,
    /// Probability that any shipment is stopped at random.
    pub random_stop: f64,
    /// Probability that a shipment in the medium or high band is stopped.
    pub ranked_stop: f64,
    pub train: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            seeds: (1..=5).collect(),
            waybills: 20_000,
            warmup_days: 7,
            random_stop: 0.02,
            ranked_stop: 0.3,
            train: false,
        }
    }
}

/// One scored shipment.
#[derive(Debug, Clone)]
pub struct Scored {
    pub at: DateTime<Utc>,
    pub inputs: BTreeMap<Factor, f64>,
    pub logit: f64,
    pub irregular: bool,
    pub pattern: Option<Pattern>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("generated waybill {number} does not replay: {detail}")]
    Replay { number: String, detail: String },
}

/// The states a generated waybill passes through, act by act, folded by the
/// same `apply` as the service's.
pub fn replay(
    s: &GeneratedShipment,
) -> Result<Vec<(ActType, DateTime<Utc>, WaybillState)>, EvalError> {
    let mut out: Vec<(ActType, DateTime<Utc>, WaybillState)> = Vec::with_capacity(s.acts.len());
    let fail = |detail: String| EvalError::Replay {
        number: s.document.number.clone(),
        detail,
    };
    for (i, act) in s.acts.iter().enumerate() {
        let prev = out.last().map(|(_, _, st)| st.head.clone());
        let raw = json!({
            "type": act.act_type,
            "waybill_id": s.id,
            "prev": prev,
            "key_id": format!("generated-{}", act.actor),
            "signed_at": act.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "body": act.body,
        });
        let parsed = parse_act(raw, String::new()).map_err(|e| fail(format!("{e:?}")))?;
        let hash = format!("{:032x}{:032x}", s.id.as_u128() >> 64, i);
        let state = apply(out.last().map(|(_, _, st)| st), &parsed, &hash, act.at)
            .map_err(|e| fail(e.to_string()))?;
        out.push((act.act_type, act.at, state));
    }
    Ok(out)
}

/// A simulated inspection: when its outcome became known, and the example
/// it gives for training.
pub type Inspected = (DateTime<Utc>, Example);

enum Step {
    Act(usize, usize),
    Score(usize),
    Outcome(usize),
}

/// Scores every shipment of one seed's traffic. Returns the scored
/// shipments after the warm-up and the simulated inspections (with the
/// day they happened).
pub fn run_seed(
    traffic: &Traffic,
    model: Arc<ModelConfig>,
    config: &EvalConfig,
    seed: u64,
    start: DateTime<Utc>,
) -> Result<(Vec<Scored>, Vec<Inspected>), EvalError> {
    let mut states: Vec<Vec<(ActType, DateTime<Utc>, WaybillState)>> =
        Vec::with_capacity(traffic.shipments.len());
    for s in &traffic.shipments {
        states.push(replay(s)?);
    }
    let mut steps: Vec<(DateTime<Utc>, u8, Step)> = Vec::new();
    for (i, s) in traffic.shipments.iter().enumerate() {
        for (j, act) in s.acts.iter().enumerate() {
            steps.push((act.at, 0, Step::Act(i, j)));
        }
        let dep = s.document.loading.planned_at;
        let arr = s.document.unloading.planned_at;
        let mid = dep + (arr - dep) / 2;
        steps.push((mid, 1, Step::Score(i)));
        steps.push((arr.max(mid) + TimeDelta::minutes(1), 2, Step::Outcome(i)));
    }
    steps.sort_by_key(|(at, order, _)| (*at, *order));

    let mut engine = RiskEngine::new(model.clone());
    for c in &traffic.companies {
        engine.register_party(&c.reg_no, c.registered_at);
    }
    let mut rng = SplitMix64::new(seed ^ 0x0005_EED0_F1A5);
    let warm_until = start + TimeDelta::days(config.warmup_days);
    let mut scored = Vec::new();
    let mut inspected: Vec<Option<f64>> = vec![None; traffic.shipments.len()];
    let mut examples = Vec::new();
    let mut pending_inputs: Vec<Option<BTreeMap<Factor, f64>>> =
        vec![None; traffic.shipments.len()];
    for (at, _, step) in steps {
        match step {
            Step::Act(i, j) => {
                let (act, when, state) = &states[i][j];
                engine.ingest(state, *act, *when);
            }
            Step::Score(i) => {
                let s = &traffic.shipments[i];
                let Some(a) = engine.assess(&s.id, at) else {
                    continue;
                };
                let z = logit(&model, &a.inputs);
                // The stop policy: random stops for everything, and a share
                // of the medium and high band.
                let ranked = a.score >= model.bands.medium;
                let p = config.random_stop
                    + (1.0 - config.random_stop) * if ranked { config.ranked_stop } else { 0.0 };
                if rng.next_f64() < p {
                    inspected[i] = Some(p);
                    pending_inputs[i] = Some(a.inputs.clone());
                }
                if at >= warm_until {
                    scored.push(Scored {
                        at,
                        inputs: a.inputs,
                        // A vanishing jitter breaks ties at random rather
                        // than by generation order.
                        logit: z + rng.next_f64() * 1e-9,
                        irregular: s.irregular,
                        pattern: s.pattern,
                    });
                }
            }
            Step::Outcome(i) => {
                if let (Some(p), Some(inputs)) = (inspected[i], pending_inputs[i].take()) {
                    let s = &traffic.shipments[i];
                    engine.record_inspection(&s.id, s.irregular);
                    examples.push((
                        at,
                        Example {
                            inputs,
                            irregular: s.irregular,
                            selection_probability: p,
                        },
                    ));
                }
            }
        }
    }
    Ok((scored, examples))
}

#[derive(Debug, Clone, Default)]
pub struct RankingQuality {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub average_precision: f64,
    pub base_rate: f64,
}

pub fn quality(scores: &[f64], labels: &[bool]) -> RankingQuality {
    RankingQuality {
        precision: FRACTIONS
            .iter()
            .map(|f| precision_at(scores, labels, *f))
            .collect(),
        recall: FRACTIONS
            .iter()
            .map(|f| recall_at(scores, labels, *f))
            .collect(),
        average_precision: average_precision(scores, labels),
        base_rate: base_rate(labels),
    }
}

pub struct SeedResult {
    pub seed: u64,
    pub shipments: usize,
    pub model: RankingQuality,
    pub random: RankingQuality,
    /// Recall at 5% per planted pattern.
    pub pattern_recall: BTreeMap<Pattern, f64>,
    /// With `train`: on days 19-30, the base model, the learned model.
    pub trained: Option<(RankingQuality, RankingQuality, usize)>,
}

pub fn evaluate(
    model: Arc<ModelConfig>,
    config: &EvalConfig,
) -> Result<Vec<SeedResult>, EvalError> {
    let mut results = Vec::new();
    for &seed in &config.seeds {
        let generator = GeneratorConfig::new(seed, config.waybills);
        let start = generator.start;
        let traffic = generate(generator);
        let (scored, examples) = run_seed(&traffic, model.clone(), config, seed, start)?;
        let labels: Vec<bool> = scored.iter().map(|s| s.irregular).collect();
        let scores: Vec<f64> = scored.iter().map(|s| s.logit).collect();
        let mut rng = SplitMix64::new(seed.wrapping_mul(0x9E37_79B9));
        let random: Vec<f64> = scored.iter().map(|_| rng.next_f64()).collect();
        let mut pattern_recall = BTreeMap::new();
        let k = super::metrics::top_count(scores.len(), 0.05);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        for p in Pattern::ALL {
            let total = scored.iter().filter(|s| s.pattern == Some(p)).count();
            let found = order[..k]
                .iter()
                .filter(|i| scored[**i].pattern == Some(p))
                .count();
            if total > 0 {
                pattern_recall.insert(p, found as f64 / total as f64);
            }
        }
        let trained = if config.train {
            Some(train_and_compare(&model, &scored, &examples, start, seed))
        } else {
            None
        };
        results.push(SeedResult {
            seed,
            shipments: scored.len(),
            model: quality(&scores, &labels),
            random: quality(&random, &labels),
            pattern_recall,
            trained,
        });
    }
    Ok(results)
}

fn train_and_compare(
    model: &ModelConfig,
    scored: &[Scored],
    examples: &[Inspected],
    start: DateTime<Utc>,
    seed: u64,
) -> (RankingQuality, RankingQuality, usize) {
    let split = start + TimeDelta::days(18);
    let train_set: Vec<Example> = examples
        .iter()
        .filter(|(at, _)| *at < split)
        .map(|(_, e)| e.clone())
        .collect();
    let test: Vec<&Scored> = scored.iter().filter(|s| s.at >= split).collect();
    let labels: Vec<bool> = test.iter().map(|s| s.irregular).collect();
    let base_scores: Vec<f64> = test.iter().map(|s| s.logit).collect();
    let learned = train(
        model,
        &train_set,
        TrainConfig::default(),
        format!("{}+eval-seed{seed}", model.version),
        start,
    );
    let learned_scores: Vec<f64> = match &learned {
        Ok(m) => test
            .iter()
            .map(|s| logit(m, &s.inputs) + s.logit.fract() * 1e-9)
            .collect(),
        Err(_) => base_scores.clone(),
    };
    (
        quality(&base_scores, &labels),
        quality(&learned_scores, &labels),
        train_set.len(),
    )
}

pub fn format_report(model: &ModelConfig, config: &EvalConfig, results: &[SeedResult]) -> String {
    let mut out = String::new();
    let stat = |f: &dyn Fn(&SeedResult) -> f64| {
        let xs: Vec<f64> = results.iter().map(f).collect();
        let (m, s) = mean_std(&xs);
        format!("{m:.3} ± {s:.3}")
    };
    let _ = writeln!(
        out,
        "risk eval: model {}, {} seeds x {} waybills (scored after a {}-day warm-up: {} per seed on average)",
        model.version,
        results.len(),
        config.waybills,
        config.warmup_days,
        results.iter().map(|r| r.shipments).sum::<usize>() / results.len().max(1)
    );
    let _ = writeln!(
        out,
        "base rate (irregular shipments): {}",
        stat(&|r| r.model.base_rate)
    );
    let _ = writeln!(
        out,
        "\n{:<10} {:>16} {:>16} {:>16} {:>16}",
        "", "model P@k", "model R@k", "random P@k", "random R@k"
    );
    for (i, f) in FRACTIONS.iter().enumerate() {
        let _ = writeln!(
            out,
            "k = {:>4.0}%  {:>16} {:>16} {:>16} {:>16}",
            f * 100.0,
            stat(&|r| r.model.precision[i]),
            stat(&|r| r.model.recall[i]),
            stat(&|r| r.random.precision[i]),
            stat(&|r| r.random.recall[i]),
        );
    }
    let _ = writeln!(
        out,
        "\nAUC-PR (average precision): model {}, random {}",
        stat(&|r| r.model.average_precision),
        stat(&|r| r.random.average_precision)
    );
    let _ = writeln!(out, "\nrecall at 5% per planted pattern:");
    for p in Pattern::ALL {
        let _ = writeln!(
            out,
            "  {:<22} {}",
            p.as_str(),
            stat(&|r| r.pattern_recall.get(&p).copied().unwrap_or(0.0))
        );
    }
    if results.iter().all(|r| r.trained.is_some()) {
        let _ = writeln!(
            out,
            "\nlearned from simulated inspections (days 8-18, {} stops per seed on average), tested on days 19-30:",
            results
                .iter()
                .filter_map(|r| r.trained.as_ref().map(|t| t.2))
                .sum::<usize>()
                / results.len().max(1)
        );
        let get = |r: &SeedResult, learned: bool| -> RankingQuality {
            r.trained
                .as_ref()
                .map(|t| if learned { t.1.clone() } else { t.0.clone() })
                .unwrap_or_default()
        };
        for (name, learned) in [("hand-set", false), ("learned", true)] {
            let _ = writeln!(
                out,
                "  {name:<9} P@5% {}  P@10% {}  AUC-PR {}",
                stat(&|r| get(r, learned).precision[2]),
                stat(&|r| get(r, learned).precision[3]),
                stat(&|r| get(r, learned).average_precision),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(seed: u64, waybills: usize) -> Vec<Scored> {
        let generator = GeneratorConfig::new(seed, waybills);
        let start = generator.start;
        let traffic = generate(generator);
        let model = Arc::new(ModelConfig::default_model().unwrap());
        run_seed(&traffic, model, &EvalConfig::default(), seed, start)
            .unwrap()
            .0
    }

    #[test]
    fn every_planted_pattern_ranks_above_ordinary_shipments() {
        let scored = scored(11, 12_000);
        let ordinary: Vec<f64> = scored
            .iter()
            .filter(|s| !s.irregular)
            .map(|s| s.logit)
            .collect();
        let median_ordinary = {
            let mut v = ordinary.clone();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        for p in Pattern::ALL {
            let planted: Vec<&Scored> = scored.iter().filter(|s| s.pattern == Some(p)).collect();
            assert!(!planted.is_empty(), "{p:?} planted");
            // Mann-Whitney: the share of (planted, ordinary) pairs in which
            // the planted shipment scores higher.
            let wins: f64 = planted
                .iter()
                .map(|s| ordinary.iter().filter(|o| s.logit > **o).count() as f64)
                .sum::<f64>()
                / (planted.len() * ordinary.len()) as f64;
            assert!(
                wins > 0.75,
                "{p:?}: ranks above {wins:.2} of ordinary pairs"
            );
            let above = planted.iter().filter(|s| s.logit > median_ordinary).count();
            assert!(
                above * 10 >= planted.len() * 7,
                "{p:?}: {above} of {}",
                planted.len()
            );
        }
    }

    #[test]
    fn the_ranking_beats_random_by_far() {
        let scored = scored(12, 8_000);
        let labels: Vec<bool> = scored.iter().map(|s| s.irregular).collect();
        let scores: Vec<f64> = scored.iter().map(|s| s.logit).collect();
        let q = quality(&scores, &labels);
        assert!(q.average_precision > 8.0 * q.base_rate, "{q:?}");
        assert!(q.precision[2] > 5.0 * q.base_rate, "{q:?}");
    }

    #[test]
    fn replay_folds_every_generated_waybill() {
        let traffic = generate(GeneratorConfig::new(5, 2_000));
        for s in &traffic.shipments {
            let states = replay(s).unwrap();
            assert_eq!(states.len(), s.acts.len());
            assert_eq!(states.last().unwrap().2.version as usize, s.acts.len());
        }
    }
}
