//! Unit tests of the auditor on synthetic logs built in memory.

mod files;
mod log;
mod signatures;
mod support;
