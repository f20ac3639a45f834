//! Integration tests: the real HTTP app, on SQLite and on PostgreSQL.

mod common;

mod access;
mod append_only;
mod auth;
mod batch;
mod concurrency;
mod contract;
mod demo;
mod directory;
mod edges;
mod faults;
mod idempotency;
mod input;
mod inspect;
mod interop;
mod lifecycle;
mod log;
mod outage;
mod pdf;
mod plates;
mod proxy;
mod requests;
mod risk;
mod roadside;
mod roadside_truth;
mod slow;
mod startup;
mod tamper;
mod tiles;
mod ubl;
mod webapp;
mod webhooks;
mod witness;
