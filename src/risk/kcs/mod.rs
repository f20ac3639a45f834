//! The KCS evaluation: train on the first 12 months, check on the next 3
//! (valid), then fit again on train + valid and score the last 3 months
//! (test); precision@5% / @10% and average precision over several seeds.
//!
//! The seed drives the out-of-fold assignment of the target encodings and
//! the booster's row and column subsampling.

pub mod dataset;
pub mod features;
pub mod model;

use std::fmt::Write as _;

use self::dataset::{Declaration, KcsSplits};
use self::features::{FeatureConfig, FittedFeatures};
use self::model::{BoosterConfig, RiskModel};
use crate::risk::metrics::{average_precision, base_rate, mean_std, precision_at, recall_at};
use crate::risk::rng::SplitMix64;

/// Published results on the same test set (Jeong et al. 2022, Table 3):
/// name, P@5%, P@10%.
pub const PUBLISHED_BASELINES: &[(&str, f64, f64)] = &[
    ("LightGBM", 0.762, 0.641),
    ("XGBoost", 0.675, 0.579),
    ("CatBoost", 0.621, 0.520),
    ("Random Forest", 0.364, 0.339),
    ("Logistic Regression", 0.258, 0.248),
];

/// Evaluation settings.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    pub seeds: Vec<u64>,
    pub features: FeatureConfig,
    pub booster: BoosterConfig,
    /// Fit the test model on train + valid (true) or on train only.
    pub refit_on_train_valid: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            seeds: (0..5).collect(),
            features: FeatureConfig::default(),
            booster: BoosterConfig::default(),
            refit_on_train_valid: true,
        }
    }
}

/// Ranking metrics of one scored split.
#[derive(Debug, Clone, Copy, Default)]
pub struct RankMetrics {
    pub p5: f64,
    pub p10: f64,
    pub r5: f64,
    pub r10: f64,
    pub ap: f64,
}

impl RankMetrics {
    pub fn of(scores: &[f64], labels: &[bool]) -> Self {
        Self {
            p5: precision_at(scores, labels, 0.05),
            p10: precision_at(scores, labels, 0.10),
            r5: recall_at(scores, labels, 0.05),
            r10: recall_at(scores, labels, 0.10),
            ap: average_precision(scores, labels),
        }
    }
}

/// One seed's results.
#[derive(Debug, Clone)]
pub struct SeedResult {
    pub seed: u64,
    /// Model fitted on train, scored on valid.
    pub valid: RankMetrics,
    /// Test model (see [`EvalConfig::refit_on_train_valid`]), scored on test.
    pub test: RankMetrics,
    /// A seeded random ranking of the test rows.
    pub random: RankMetrics,
}

/// The whole evaluation.
#[derive(Debug, Clone)]
pub struct KcsReport {
    pub n_train: usize,
    pub n_valid: usize,
    pub n_test: usize,
    pub n_features: usize,
    pub valid_base_rate: f64,
    pub test_base_rate: f64,
    pub refit_on_train_valid: bool,
    pub seeds: Vec<SeedResult>,
    /// The first seed's test model: features by share of total split gain.
    pub top_features: Vec<(String, f32)>,
}

fn labels(rows: &[Declaration]) -> Vec<bool> {
    rows.iter().map(Declaration::is_fraud).collect()
}

/// Scores of the scored rows, with what the model was made of.
struct Scored {
    scores: Vec<f64>,
    n_features: usize,
    importance: Vec<(String, f32)>,
}

fn fit_and_score(
    fit: &[Declaration],
    score: &[Declaration],
    cfg: &EvalConfig,
    seed: u64,
) -> anyhow::Result<Scored> {
    let (fitted, x_fit) = FittedFeatures::fit(fit, &cfg.features, seed);
    let model = RiskModel::fit(&x_fit, &labels(fit), &cfg.booster, seed)?;
    let x = fitted.transform(score);
    let importance = model
        .gain_importance()
        .into_iter()
        .filter_map(|(c, g)| x_fit.names.get(c).map(|n| (n.clone(), g)))
        .collect();
    Ok(Scored {
        scores: model.score(&x),
        n_features: x_fit.cols(),
        importance,
    })
}

/// Run the protocol for every seed.
pub fn evaluate(splits: &KcsSplits, cfg: &EvalConfig) -> anyhow::Result<KcsReport> {
    let y_valid = labels(&splits.valid);
    let y_test = labels(&splits.test);
    let train_valid: Vec<Declaration> = splits.train.iter().chain(&splits.valid).cloned().collect();
    let mut seeds = Vec::new();
    let mut n_features = 0;
    let mut top_features = Vec::new();
    for &seed in &cfg.seeds {
        let valid_scores = fit_and_score(&splits.train, &splits.valid, cfg, seed)?.scores;
        let valid = RankMetrics::of(&valid_scores, &y_valid);
        let fit_rows: &[Declaration] = if cfg.refit_on_train_valid {
            &train_valid
        } else {
            &splits.train
        };
        let scored = fit_and_score(fit_rows, &splits.test, cfg, seed)?;
        let test = RankMetrics::of(&scored.scores, &y_test);
        if top_features.is_empty() {
            n_features = scored.n_features;
            top_features = scored.importance;
        }
        let mut rng = SplitMix64::new(seed.wrapping_add(0x0BAD_5EED));
        let random_scores: Vec<f64> = (0..y_test.len()).map(|_| rng.next_f64()).collect();
        let random = RankMetrics::of(&random_scores, &y_test);
        seeds.push(SeedResult {
            seed,
            valid,
            test,
            random,
        });
    }
    Ok(KcsReport {
        n_train: splits.train.len(),
        n_valid: splits.valid.len(),
        n_test: splits.test.len(),
        n_features,
        valid_base_rate: base_rate(&y_valid),
        test_base_rate: base_rate(&y_test),
        refit_on_train_valid: cfg.refit_on_train_valid,
        seeds,
        top_features,
    })
}

fn ms(xs: impl Iterator<Item = f64>) -> String {
    let v: Vec<f64> = xs.collect();
    let (m, s) = mean_std(&v);
    format!("{m:.3} ± {s:.3}")
}

/// The report as a plain-text table.
pub fn format_report(r: &KcsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "KCS synthetic declarations: train {} rows, valid {}, test {}; {} features",
        r.n_train, r.n_valid, r.n_test, r.n_features
    );
    let _ = writeln!(
        out,
        "test model fitted on {}; base rate valid {:.3}, test {:.3}",
        if r.refit_on_train_valid {
            "train + valid"
        } else {
            "train"
        },
        r.valid_base_rate,
        r.test_base_rate
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<34} {:>7} {:>7} {:>7} {:>7} {:>7}   {:>7} {:>7} {:>7}",
        "test", "P@5%", "P@10%", "R@5%", "R@10%", "AUC-PR", "vP@5%", "vP@10%", "vAUC-PR"
    );
    for s in &r.seeds {
        let _ = writeln!(
            out,
            "{:<34} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3}   {:>7.3} {:>7.3} {:>7.3}",
            format!("seed {}", s.seed),
            s.test.p5,
            s.test.p10,
            s.test.r5,
            s.test.r10,
            s.test.ap,
            s.valid.p5,
            s.valid.p10,
            s.valid.ap
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<34} {:>15} {:>15} {:>15}",
        "mean ± std (test)", "P@5%", "P@10%", "AUC-PR"
    );
    let _ = writeln!(
        out,
        "{:<34} {:>15} {:>15} {:>15}",
        format!("this model ({} seeds)", r.seeds.len()),
        ms(r.seeds.iter().map(|s| s.test.p5)),
        ms(r.seeds.iter().map(|s| s.test.p10)),
        ms(r.seeds.iter().map(|s| s.test.ap)),
    );
    let _ = writeln!(
        out,
        "{:<34} {:>15} {:>15} {:>15}",
        "random ranking",
        ms(r.seeds.iter().map(|s| s.random.p5)),
        ms(r.seeds.iter().map(|s| s.random.p10)),
        ms(r.seeds.iter().map(|s| s.random.ap)),
    );
    let _ = writeln!(
        out,
        "{:<34} {:>15} {:>15} {:>15}",
        "(random expected)",
        format!("{:.3}", r.test_base_rate),
        format!("{:.3}", r.test_base_rate),
        format!("{:.3}", r.test_base_rate),
    );
    for (name, p5, p10) in PUBLISHED_BASELINES {
        let _ = writeln!(
            out,
            "{:<34} {:>15} {:>15} {:>15}",
            format!("{name} (published)"),
            format!("{p5:.3}"),
            format!("{p10:.3}"),
            "-"
        );
    }
    if let Some(first) = r.seeds.first() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "top features of the seed-{} test model (share of total gain):",
            first.seed
        );
        for (name, g) in r.top_features.iter().take(12) {
            let _ = writeln!(out, "  {name:<32} {g:.3}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_metrics_of_perfect_ranking() {
        let scores: Vec<f64> = (0..100).map(|i| -(i as f64)).collect();
        let labels: Vec<bool> = (0..100).map(|i| i < 20).collect();
        let m = RankMetrics::of(&scores, &labels);
        assert_eq!(m.p5, 1.0);
        assert_eq!(m.p10, 1.0);
        assert_eq!(m.r5, 0.25);
        assert_eq!(m.r10, 0.5);
        assert_eq!(m.ap, 1.0);
    }

    /// The full evaluation on the shared KCS data (slow; run with
    /// `cargo test --release --lib risk::kcs -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn kcs_eval_on_shared_data() {
        let dir = std::env::var("KCS_DIR")
            .unwrap_or_else(|_| "/work/shared/data/customs-synthetic/kcs-2022".into());
        let splits = super::dataset::load_kcs(std::path::Path::new(&dir)).unwrap();
        let report = evaluate(&splits, &EvalConfig::default()).unwrap();
        println!("{}", format_report(&report));
    }
}
