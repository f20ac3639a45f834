//! The gradient boosting model: forust-ml's `GradientBooster` with a
//! log-loss objective, seeded row and column subsampling.

use forust_ml::gradientbooster::ImportanceMethod;
use forust_ml::sampler::SampleMethod;
use forust_ml::{GradientBooster, Matrix};

use super::features::FeatureMatrix;

/// Booster settings.
#[derive(Debug, Clone)]
pub struct BoosterConfig {
    pub iterations: usize,
    pub learning_rate: f32,
    pub max_depth: usize,
    pub l2: f32,
    pub min_leaf_weight: f32,
    pub subsample: f32,
    pub colsample_bytree: f64,
    pub nbins: u16,
}

impl Default for BoosterConfig {
    fn default() -> Self {
        Self {
            iterations: 800,
            learning_rate: 0.05,
            max_depth: 8,
            l2: 1.0,
            min_leaf_weight: 1.0,
            subsample: 0.8,
            colsample_bytree: 0.8,
            nbins: 256,
        }
    }
}

/// A fitted risk model.
pub struct RiskModel {
    booster: GradientBooster,
}

impl RiskModel {
    /// Fit on a feature matrix and 0/1 labels.
    pub fn fit(
        x: &FeatureMatrix,
        y: &[bool],
        cfg: &BoosterConfig,
        seed: u64,
    ) -> anyhow::Result<Self> {
        let y: Vec<f64> = y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
        let w = vec![1.0; y.len()];
        let sample_method = if cfg.subsample < 1.0 {
            SampleMethod::Random
        } else {
            SampleMethod::None
        };
        let mut booster = GradientBooster::default()
            .set_iterations(cfg.iterations)
            .set_learning_rate(cfg.learning_rate)
            .set_max_depth(cfg.max_depth)
            .set_l2(cfg.l2)
            .set_min_leaf_weight(cfg.min_leaf_weight)
            .set_nbins(cfg.nbins)
            .set_subsample(cfg.subsample)
            .set_colsample_bytree(cfg.colsample_bytree)
            .set_sample_method(sample_method)
            .set_seed(seed);
        let data = Matrix::new(&x.data, x.rows, x.cols());
        booster
            .fit(&data, &y, &w, None)
            .map_err(|e| anyhow::anyhow!("gradient boosting fit failed: {e}"))?;
        Ok(Self { booster })
    }

    /// Risk scores (log-odds; higher is riskier).
    pub fn score(&self, x: &FeatureMatrix) -> Vec<f64> {
        let data = Matrix::new(&x.data, x.rows, x.cols());
        self.booster.predict(&data, true)
    }

    /// Share of the total split gain per feature column, largest first.
    pub fn gain_importance(&self) -> Vec<(usize, f32)> {
        let mut v: Vec<(usize, f32)> = self
            .booster
            .calculate_feature_importance(ImportanceMethod::TotalGain, true)
            .into_iter()
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}
