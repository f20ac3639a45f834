//! A client of the ewaybill API, for the command line, the demo loader and
//! integrators: key files, signing acts and assertions, and HTTP calls.

pub mod api;
pub mod keyfile;
pub mod problem;
pub mod signing;

pub use api::{ApiClient, ClientError, idempotency_key};
pub use keyfile::{read_key, write_new_key};
pub use signing::{client_assertion, sign_act};
