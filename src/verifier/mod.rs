//! The offline log auditor: re-verifies the whole verifiable event log from
//! its raw leaves, trusting nothing but the log's key.
//!
//! For every entry, in order: indices contiguous from 0; the leaf is
//! RFC 8785 canonical JSON of `{"act", "received_at", "seq", "signature"}`
//! with `seq` = index; the act's Ed25519 signature verifies (strict policy)
//! with the key valid at that index (registry entries: the log key; waybill
//! acts: a party key registered at an earlier index and not yet revoked,
//! replaying the registry); each waybill's chain starts with
//! `consignor.issue` and every `prev` is the hash of the waybill's previous
//! event; the registry's own chain likewise. Then the RFC 9162 root
//! recomputed from all leaves must equal the checkpoint's, and with an
//! older checkpoint (`since`) the recomputed root at its size must equal
//! its root: consistency proven from the full leaves.
//!
//! Not checked: whether the signing party holds the role an act requires
//! and whether the lifecycle allows the act (that needs the documents'
//! party fields and the state machine; `domain::projection` does it).
//!
//! - [`verify_log`]: the audit, returning a [`Report`] with the first
//!   [`Discrepancy`].
//! - [`export`]: the `ewaybill-log-export/v1` file.
//! - [`verify_tlog_proof`]: one C2SP tlog-proof.
//! - [`signatures`]: strict signature checks on all cores, and the batch path.
//! - [`chain`]: one waybill's stored chain, for the roadside check
//!   (`GET /v1/verify/{token}`), with the same key and signature rules.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod chain;
pub mod export;
pub mod leaf;
mod log;
pub mod proof;
mod replay;
pub mod report;
pub mod signatures;
#[cfg(test)]
mod tests;

pub use export::{
    EXPORT_FORMAT, ExportEntries, ExportError, ExportHeader, ExportWriter, read_export,
};
pub use log::{Entry, SourceError, verify_log};
pub use proof::{ProofError, ProofReport, verify_tlog_proof};
pub use replay::key_valid_at;
pub use report::{Discrepancy, Report, Totals};
