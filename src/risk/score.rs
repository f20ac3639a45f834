//! From factor strengths to a score: `100 * sigmoid(bias + sum(w * x))`,
//! a band, and each factor's share of it in points and in words.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::config::ModelConfig;
use super::factor::{Factor, Signal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Medium,
    High,
}

crate::text_enum!(Band);

/// A shipment's score under one model version, with what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    pub waybill_id: Uuid,
    /// 0 to 100.
    pub score: u8,
    pub band: Band,
    /// The model (`models/risk/<version>.toml`) that produced the score.
    pub model_version: String,
    pub assessed_at: DateTime<Utc>,
    /// Every factor that applies, strongest first.
    pub reasons: Vec<Reason>,
    /// The factor strengths the score was computed from: with the model
    /// version they reproduce the score exactly.
    #[schema(value_type = BTreeMap<String, f64>)]
    pub inputs: BTreeMap<Factor, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    pub factor: Factor,
    /// Points of the score this factor accounts for (the score minus the
    /// score without it).
    pub points: i32,
    /// Its weight times its strength, on the log-odds scale.
    pub contribution: f64,
    /// The factor in plain words.
    pub detail: String,
}

/// The log-odds of a set of inputs under a model.
pub fn logit(model: &ModelConfig, inputs: &BTreeMap<Factor, f64>) -> f64 {
    model.bias
        + inputs
            .iter()
            .map(|(f, x)| model.weight(*f) * x)
            .sum::<f64>()
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn to_score(z: f64) -> u8 {
    // In [0, 100] by construction of the sigmoid.
    (100.0 * sigmoid(z)).round() as u8
}

pub fn band(model: &ModelConfig, score: u8) -> Band {
    if score >= model.bands.high {
        Band::High
    } else if score >= model.bands.medium {
        Band::Medium
    } else {
        Band::Low
    }
}

pub fn assess(
    model: &ModelConfig,
    waybill_id: Uuid,
    signals: Vec<Signal>,
    at: DateTime<Utc>,
) -> Assessment {
    let inputs: BTreeMap<Factor, f64> = signals.iter().map(|s| (s.factor, s.value)).collect();
    let z = logit(model, &inputs);
    let score = to_score(z);
    let full = 100.0 * sigmoid(z);
    let mut reasons: Vec<Reason> = signals
        .into_iter()
        .map(|s| {
            let contribution = model.weight(s.factor) * s.value;
            Reason {
                factor: s.factor,
                points: (full - 100.0 * sigmoid(z - contribution)).round() as i32,
                contribution: (contribution * 1000.0).round() / 1000.0,
                detail: s.reason,
            }
        })
        .collect();
    reasons.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    Assessment {
        waybill_id,
        score,
        band: band(model, score),
        model_version: model.version.clone(),
        assessed_at: at,
        reasons,
        inputs,
    }
}

/// Recomputes a recorded score from its inputs, e.g. when auditing it.
pub fn reproduce(model: &ModelConfig, inputs: &BTreeMap<Factor, f64>) -> u8 {
    to_score(logit(model, inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_by_hand() {
        let model = ModelConfig::default_model().unwrap();
        // bias -5, excise 1.0, shared plate 2.0 * 1 => z = -2 => 11.92 -> 12
        let signals = vec![
            Signal::new(Factor::ExciseGoods, 1.0, "excise"),
            Signal::new(Factor::SharedPlate, 1.0, "plate"),
        ];
        let a = assess(&model, Uuid::nil(), signals, Utc::now());
        assert_eq!(a.score, 12);
        assert_eq!(a.band, Band::Low);
        assert_eq!(a.model_version, "ledger-2026.11.0");
        assert_eq!(a.reasons[0].factor, Factor::SharedPlate);
        // without the plate: sigmoid(-4) = 1.80 -> 11.92 - 1.80 = 10 points
        assert_eq!(a.reasons[0].points, 10);
        assert_eq!(reproduce(&model, &a.inputs), a.score);
    }

    #[test]
    fn bands_follow_the_model() {
        let model = ModelConfig::default_model().unwrap();
        assert_eq!(band(&model, 29), Band::Low);
        assert_eq!(band(&model, 30), Band::Medium);
        assert_eq!(band(&model, 60), Band::High);
    }
}
