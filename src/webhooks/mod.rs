//! Webhook notifications: what a subscription asks for, where it may
//! point, how deliveries are signed and retried, and the worker that sends
//! them from the outbox the sequencer fills (see `docs/webhooks.md`).

pub mod backoff;
pub mod event_types;
pub mod signing;
pub mod target;
pub mod worker;

pub use event_types::EventTypes;
pub use signing::{
    DELIVERY_ID_HEADER, EVENT_SEQ_HEADER, KEY_ID_HEADER, SIGNATURE_HEADER, verify_delivery,
};
pub use worker::{WebhookPayload, spawn_worker};
