//! Risk-based control: which shipments inspectors should stop, and why.
//!
//! Scoring shipments on the ledger (the service's `GET /v1/inspect/risk`):
//! - [`factor`]: the factors, [`signals`]: each computed from the ledger and
//!   explained in words, [`history`]: what the ledger has seen so far,
//!   [`shipment`]: what the factors read of one waybill.
//! - [`config`]: weights, thresholds and bands from a versioned model file
//!   (`models/risk/`), [`score`]: from factors to a 0-100 score and band.
//! - [`engine`]: fed events and inspection outcomes in order, scores any
//!   shipment at any moment; [`selection`]: the risk list with its random share;
//!   [`list`]: the list as the service draws and keeps it.
//! - [`generator`]: synthetic traffic with planted irregular patterns;
//!   [`eval`]: precision and recall of the ranking on it; [`train`]: learning
//!   the weights from inspection outcomes.
//!
//! The learned customs model on public data: [`kcs`]. Shared: [`metrics`], [`rng`].

pub mod config;
pub mod engine;
pub mod eval;
pub mod factor;
pub mod generator;
pub mod history;
pub mod kcs;
pub mod list;
pub mod live;
pub mod metrics;
pub mod rng;
pub mod score;
pub mod selection;
pub mod shipment;
pub mod signals;
pub mod train;
