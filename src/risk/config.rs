//! The risk model's configuration: weights, thresholds and bands, read from
//! a versioned TOML file (`models/risk/*.toml`) rather than kept in code, so
//! that every served score can name the exact model that produced it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::factor::Factor;

/// The model shipped with the service, used unless `EWAYBILL_RISK_MODEL`
/// names another file.
pub const DEFAULT_MODEL: &str = include_str!("../../models/risk/ledger-2026.11.0.toml");

#[derive(Debug, thiserror::Error)]
pub enum ModelConfigError {
    #[error("cannot read the risk model {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the risk model is not valid TOML for this service: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("the risk model has no weight for factor {0}")]
    MissingWeight(&'static str),
    #[error("the risk model is inconsistent: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub version: String,
    pub description: String,
    pub bias: f64,
    pub random_share: f64,
    pub bands: Bands,
    pub weights: BTreeMap<Factor, f64>,
    pub thresholds: Thresholds,
    pub sensitive_cn: BTreeMap<String, String>,
    /// Written by `ewaybill risk train`: what the weights were learned from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub medium: u8,
    pub high: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub late_issue_grace_minutes: i64,
    pub late_change_hours: f64,
    pub transit_ratio_high: f64,
    pub transit_ratio_low: f64,
    pub route_min_samples: usize,
    pub overdue_hours: f64,
    pub new_party_days: i64,
    pub rate_prior_strength: f64,
    pub rate_min_ratio: f64,
    pub value_per_kg_z: f64,
    pub value_per_kg_min_samples: usize,
    pub max_gross_kg_with_trailer: f64,
    pub max_gross_kg_without_trailer: f64,
    pub cycle_window_days: i64,
    pub cycle_max_companies: usize,
    pub inspection_prior_strength: f64,
    pub prior_irregular_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// The model whose thresholds and starting weights were used.
    pub base_version: String,
    pub trained_at: chrono::DateTime<chrono::Utc>,
    pub inspections: usize,
    pub irregular: usize,
    /// Sum of inverse selection probabilities: the population the
    /// weighted fit stands for.
    pub weighted_population: f64,
    pub l2: f64,
}

impl ModelConfig {
    pub fn parse(text: &str) -> Result<Self, ModelConfigError> {
        let config: ModelConfig = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Self, ModelConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The model embedded in the binary. A unit test checks that it
    /// parses, but a failure is still an error here, not a panic.
    pub fn default_model() -> Result<Self, ModelConfigError> {
        Self::parse(DEFAULT_MODEL)
    }

    pub fn weight(&self, factor: Factor) -> f64 {
        self.weights.get(&factor).copied().unwrap_or(0.0)
    }

    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }

    fn check(&self) -> Result<(), ModelConfigError> {
        for factor in Factor::ALL {
            if !self.weights.contains_key(&factor) {
                return Err(ModelConfigError::MissingWeight(factor.as_str()));
            }
        }
        let invalid = |m: &str| Err(ModelConfigError::Invalid(m.to_owned()));
        if self.version.trim().is_empty() {
            return invalid("version is empty");
        }
        // Fewer random stops leave the precision estimate too noisy; more
        // waste inspections on honest companies.
        if !(0.05..=0.10).contains(&self.random_share) {
            return invalid("random_share must be between 0.05 and 0.10");
        }
        if self.bands.medium >= self.bands.high || self.bands.high > 100 {
            return invalid("bands need medium < high <= 100");
        }
        if self
            .weights
            .values()
            .chain([&self.bias])
            .any(|w| !w.is_finite())
        {
            return invalid("weights and bias must be finite numbers");
        }
        let t = &self.thresholds;
        if t.transit_ratio_high <= 1.0 || !(0.0..1.0).contains(&t.transit_ratio_low) {
            return invalid("transit ratios need low in (0, 1) and high > 1");
        }
        if t.rate_prior_strength <= 0.0 || t.inspection_prior_strength <= 0.0 {
            return invalid("prior strengths must be positive");
        }
        if !(0.0..1.0).contains(&t.prior_irregular_rate) || t.prior_irregular_rate == 0.0 {
            return invalid("prior_irregular_rate must be in (0, 1)");
        }
        if t.cycle_max_companies < 2 {
            return invalid("cycle_max_companies must be at least 2");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_parses_and_weighs_every_factor() {
        let model = ModelConfig::parse(DEFAULT_MODEL).unwrap();
        assert_eq!(model.version, "ledger-2026.11.0");
        for factor in Factor::ALL {
            assert!(model.weights.contains_key(&factor), "{factor:?}");
        }
        assert!(model.sensitive_cn.contains_key("2208"));
    }

    #[test]
    fn a_missing_weight_is_refused() {
        let text = DEFAULT_MODEL.replace("circular_flow = 2.5\n", "");
        assert!(matches!(
            ModelConfig::parse(&text),
            Err(ModelConfigError::MissingWeight("circular_flow"))
        ));
    }

    #[test]
    fn an_unknown_factor_is_refused() {
        let text = DEFAULT_MODEL.replace("[weights]\n", "[weights]\nmoon_phase = 1.0\n");
        assert!(ModelConfig::parse(&text).is_err());
    }

    #[test]
    fn the_random_share_stays_between_5_and_10_percent() {
        for (share, ok) in [
            ("0.04", false),
            ("0.05", true),
            ("0.1", true),
            ("0.11", false),
        ] {
            let text =
                DEFAULT_MODEL.replace("random_share = 0.07", &format!("random_share = {share}"));
            assert_eq!(ModelConfig::parse(&text).is_ok(), ok, "{share}");
        }
    }

    #[test]
    fn round_trips_through_toml() {
        let model = ModelConfig::default_model().unwrap();
        let again = ModelConfig::parse(&model.to_toml().unwrap()).unwrap();
        assert_eq!(model, again);
    }
}
