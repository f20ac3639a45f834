//! `ewaybill witness`: a C2SP tlog-witness (<https://c2sp.org/tlog-witness>)
//! that anyone can run beside the log, with its own key and database.
//!
//! A witness remembers, per log it is configured with, the latest
//! checkpoint it cosigned, and cosigns a new one only if the log proves it
//! extends that one. A log that shows two histories (a split view) is
//! refused by every honest witness that saw the other one.
//!
//! - [`add_checkpoint`]: the request format and the decision, pure.
//! - [`policy`]: which witnesses must have cosigned a checkpoint relied on.
//! - [`store`]: the witness's SQLite database.
//! - [`server`]: the HTTP interface.

pub mod add_checkpoint;
pub mod policy;
pub mod server;
pub mod store;

pub use add_checkpoint::{AddCheckpoint, Refusal, Witnessed};
pub use policy::{PolicyVerdict, WitnessEndpoint, WitnessPolicy};
pub use server::{Witness, WitnessError};
pub use store::{WitnessStore, WitnessStoreError};
