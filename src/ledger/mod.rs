//! The write path. Every change to the ledger (a party's signed act, a
//! registry change) is a [`Command`] handed to the one [`Sequencer`], which
//! orders commands, applies them in batches inside one transaction (group
//! commit) and answers each with its own [`Outcome`] or [`Rejection`].

pub mod apply;
pub mod batch_view;
pub mod binding;
pub mod commands;
pub mod event_hash;
pub mod history;
pub mod integrity;
pub mod leaf;
pub mod merkle_log;
pub mod outbox;
pub mod registry;
pub mod rights;
pub mod sequencer;

pub use commands::{Command, Committed, Outcome, PreparedAct, Rejection, WriteError};
pub use sequencer::{Sequencer, SequencerConfig};
