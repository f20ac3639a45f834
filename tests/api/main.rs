//! Integration tests: the real HTTP app, on SQLite and on PostgreSQL.

mod common;

mod access;
mod append_only;
mod auth;
mod batch;
mod concurrency;
mod contract;
mod idempotency;
mod inspect;
mod interop;
mod lifecycle;
mod log;
mod requests;
mod risk;
mod roadside;
mod tamper;
mod ubl;
mod webhooks;
