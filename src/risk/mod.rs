//! The learned part of risk scoring: a gradient-boosted ranking of
//! declarations by fraud risk, evaluated on the Korea Customs Service
//! synthetic declarations (see `docs/risk-kcs.md`).
//!
//! - [`dataset`]: CSV loading of the KCS splits.
//! - [`features`]: label encoding, smoothed out-of-fold target encoding of
//!   parties and goods, value-per-kg outliers, date features (fit on the
//!   training rows only).
//! - [`model`]: the gradient boosting model (forust-ml).
//! - [`metrics`]: precision@k%, recall@k%, average precision.
//! - [`kcs`]: the evaluation protocol over several seeds.

pub mod dataset;
pub mod features;
pub mod kcs;
pub mod metrics;
pub mod model;
pub mod rng;
