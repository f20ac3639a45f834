//! ewaybill: an electronic consignment note ledger.
//!
//! - [`domain`]: the waybill document, validation, acts, lifecycle, projection (pure).
//! - [`crypto`]: RFC 8785 canonical JSON, Ed25519 keys and signatures, the service key.
//! - [`storage`]: diesel over PostgreSQL or SQLite; schema and repositories.
//! - [`ledger`]: the write path, one sequencer with group commit.
//! - [`http`]: the REST API.
//! - [`client`] and [`cli`]: signing clients and the command line.
//! - [`ubl`]: OASIS UBL 2.1 DespatchAdvice / ReceiptAdvice import and export.
//! - [`startup`], [`config`], [`telemetry`], [`metrics`]: running it.
//! - [`witness`]: `ewaybill witness`, a C2SP tlog-witness for the log (or any log).

// Outside tests a panic is a bug: fail with a typed error instead.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod ledger;
pub mod merkle;
pub mod metrics;
pub mod note;
pub mod problem_code;
pub mod rate_limit;
pub mod risk;
pub mod roadside;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod text_enum;
pub mod ubl;
pub mod verifier;
pub mod views;
pub mod webhooks;
pub mod witness;
