//! Tests for the Merkle module: upstream vectors, an independent recursive
//! RFC 9162 reference, append/store sufficiency and fetch cost.

mod append_store;
mod cost;
mod errors;
mod properties;
mod support;
mod vectors;
