//! Learning the model's weights from inspection outcomes: a logistic
//! regression over the factor strengths, each inspection weighted by the
//! inverse of the probability with which its stop was selected, so that
//! the ranked stops (chosen because they looked risky) do not bias the fit
//! and the random stops stand for everything that was not stopped.

use std::collections::BTreeMap;

use super::config::{ModelConfig, TrainingInfo};
use super::factor::Factor;
use super::score::sigmoid;

/// One inspection: the factor strengths when the truck was stopped, what
/// was found, and the probability it was selected.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub inputs: BTreeMap<Factor, f64>,
    pub irregular: bool,
    pub selection_probability: f64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    #[error("no inspections to learn from")]
    NoExamples,
    #[error(
        "the inspections found {irregular} irregularities in {total}: both outcomes are needed"
    )]
    OneSided { irregular: usize, total: usize },
    #[error("selection probabilities must be in (0, 1]; example {0} has another")]
    BadProbability(usize),
}

#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    /// L2 penalty pulling the weights toward the base model's: with few
    /// inspections the model stays close to what it was, with many the
    /// data wins (a Gaussian prior centred on the current weights).
    pub l2: f64,
    pub iterations: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            l2: 0.05,
            iterations: 3000,
        }
    }
}

/// Fits bias and weights; thresholds, bands and lists stay the base model's.
pub fn train(
    base: &ModelConfig,
    examples: &[Example],
    config: TrainConfig,
    version: String,
    trained_at: chrono::DateTime<chrono::Utc>,
) -> Result<ModelConfig, TrainError> {
    if examples.is_empty() {
        return Err(TrainError::NoExamples);
    }
    let irregular = examples.iter().filter(|e| e.irregular).count();
    if irregular == 0 || irregular == examples.len() {
        return Err(TrainError::OneSided {
            irregular,
            total: examples.len(),
        });
    }
    if let Some(i) = examples
        .iter()
        .position(|e| !(e.selection_probability > 0.0 && e.selection_probability <= 1.0))
    {
        return Err(TrainError::BadProbability(i));
    }
    let d = Factor::ALL.len();
    let rows: Vec<(Vec<f64>, f64, f64)> = examples
        .iter()
        .map(|e| {
            let x: Vec<f64> = Factor::ALL
                .iter()
                .map(|f| e.inputs.get(f).copied().unwrap_or(0.0))
                .collect();
            (
                x,
                if e.irregular { 1.0 } else { 0.0 },
                1.0 / e.selection_probability,
            )
        })
        .collect();
    let total_weight: f64 = rows.iter().map(|(_, _, w)| w).sum();
    // Start from the base model: with few examples the fit stays close to it.
    let w0: Vec<f64> = Factor::ALL.iter().map(|f| base.weight(*f)).collect();
    let mut w = w0.clone();
    let mut bias = base.bias;
    // Full-batch gradient descent with Adam steps on the weighted mean
    // log-loss; 17 parameters and a convex loss need nothing fancier.
    let (mut m, mut v) = (vec![0.0; d + 1], vec![0.0; d + 1]);
    let (b1, b2, lr, eps) = (0.9, 0.999, 0.05, 1e-8);
    for t in 1..=config.iterations {
        let mut grad = vec![0.0; d + 1];
        for (x, y, weight) in &rows {
            let z = bias + x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            let err = (sigmoid(z) - y) * weight / total_weight;
            for (g, xi) in grad.iter_mut().zip(x) {
                *g += err * xi;
            }
            grad[d] += err;
        }
        for ((g, wi), w0i) in grad.iter_mut().zip(&w).zip(&w0) {
            *g += config.l2 * (wi - w0i);
        }
        for i in 0..=d {
            m[i] = b1 * m[i] + (1.0 - b1) * grad[i];
            v[i] = b2 * v[i] + (1.0 - b2) * grad[i] * grad[i];
            let mhat = m[i] / (1.0 - b1.powi(t as i32));
            let vhat = v[i] / (1.0 - b2.powi(t as i32));
            let step = lr * mhat / (vhat.sqrt() + eps);
            if i < d {
                w[i] -= step;
            } else {
                bias -= step;
            }
        }
    }
    let mut model = base.clone();
    model.version = version;
    model.description = format!(
        "Weights learned by `ewaybill risk train` from {} inspections ({} irregular), starting from {}.",
        examples.len(),
        irregular,
        base.version
    );
    model.bias = round6(bias);
    model.weights = Factor::ALL
        .iter()
        .zip(&w)
        .map(|(f, wi)| (*f, round6(*wi)))
        .collect();
    model.training = Some(TrainingInfo {
        base_version: base.version.clone(),
        trained_at,
        inspections: examples.len(),
        irregular,
        weighted_population: round6(total_weight),
        l2: config.l2,
    });
    Ok(model)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The irregularity rate among the stops of one kind, weighted by inverse
/// selection probability (Horvitz-Thompson / Hajek): with random stops this
/// is an unbiased estimate of the rate in the whole population.
pub fn weighted_rate(examples: &[&Example]) -> Option<f64> {
    let total: f64 = examples.iter().map(|e| 1.0 / e.selection_probability).sum();
    (total > 0.0).then(|| {
        examples
            .iter()
            .filter(|e| e.irregular)
            .map(|e| 1.0 / e.selection_probability)
            .sum::<f64>()
            / total
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn ex(factor: Option<Factor>, irregular: bool, p: f64) -> Example {
        Example {
            inputs: factor.into_iter().map(|f| (f, 1.0)).collect(),
            irregular,
            selection_probability: p,
        }
    }

    #[test]
    fn learns_which_factor_predicts_irregularities() {
        let base = ModelConfig::default_model().unwrap();
        let mut examples = Vec::new();
        // Shared plates: 8 of 10 irregular. Excise: 1 of 10. Nothing: 2 of 80.
        for i in 0..10 {
            examples.push(ex(Some(Factor::SharedPlate), i < 8, 1.0));
            examples.push(ex(Some(Factor::ExciseGoods), i < 1, 1.0));
        }
        for i in 0..80 {
            examples.push(ex(None, i < 2, 1.0));
        }
        // A weak pull toward the base weights: the data decides.
        let cfg = TrainConfig {
            l2: 0.001,
            ..TrainConfig::default()
        };
        let model = train(&base, &examples, cfg, "t1".into(), Utc::now()).unwrap();
        let plate = model.weight(Factor::SharedPlate);
        let excise = model.weight(Factor::ExciseGoods);
        // Unpenalised maximum likelihood, by hand: bias = logit(2/80) = -3.66,
        // plate = logit(0.8) + 3.66 = 5.05, excise = logit(0.1) + 3.66 = 1.47.
        assert!((model.bias + 3.66).abs() < 0.25, "{}", model.bias);
        assert!((plate - 5.05).abs() < 0.5, "{plate}");
        assert!((excise - 1.47).abs() < 0.3, "{excise}");
        assert_eq!(model.version, "t1");
        let info = model.training.clone().unwrap();
        assert_eq!((info.inspections, info.irregular), (100, 11));
        // The new model parses as a model file.
        let again = ModelConfig::parse(&model_to_toml(&model)).unwrap();
        assert_eq!(
            again.weight(Factor::SharedPlate),
            model.weight(Factor::SharedPlate)
        );
    }

    #[test]
    fn few_inspections_barely_move_a_strongly_held_model() {
        let base = ModelConfig::default_model().unwrap();
        let examples = vec![
            ex(Some(Factor::ExciseGoods), false, 1.0),
            ex(Some(Factor::ExciseGoods), false, 1.0),
            ex(None, true, 1.0),
        ];
        let cfg = TrainConfig {
            l2: 10.0,
            ..TrainConfig::default()
        };
        let model = train(&base, &examples, cfg, "t2".into(), Utc::now()).unwrap();
        for f in Factor::ALL {
            assert!((model.weight(f) - base.weight(f)).abs() < 0.1, "{f:?}");
        }
    }

    fn model_to_toml(m: &ModelConfig) -> String {
        m.to_toml().unwrap()
    }

    #[test]
    fn refuses_what_it_cannot_learn_from() {
        let base = ModelConfig::default_model().unwrap();
        let now = Utc::now();
        let cfg = TrainConfig::default();
        assert_eq!(
            train(&base, &[], cfg, "x".into(), now),
            Err(TrainError::NoExamples)
        );
        let all_clean = vec![ex(None, false, 1.0); 3];
        assert!(matches!(
            train(&base, &all_clean, cfg, "x".into(), now),
            Err(TrainError::OneSided {
                irregular: 0,
                total: 3
            })
        ));
        let bad = vec![ex(None, false, 1.0), ex(None, true, 0.0)];
        assert_eq!(
            train(&base, &bad, cfg, "x".into(), now),
            Err(TrainError::BadProbability(1))
        );
    }

    #[test]
    fn inverse_probability_weighting_by_hand() {
        // Two random stops at p = 0.1 (one irregular) and one ranked stop
        // at p = 1 (irregular): (10 + 1) / (10 + 10 + 1) = 11 / 21.
        let a = ex(None, true, 0.1);
        let b = ex(None, false, 0.1);
        let c = ex(None, true, 1.0);
        let rate = weighted_rate(&[&a, &b, &c]).unwrap();
        assert!((rate - 11.0 / 21.0).abs() < 1e-12);
    }
}
