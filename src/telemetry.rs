//! Structured logs with `tracing`: human-readable by default (coloured only
//! when standard output is a terminal), JSON lines with
//! `EWAYBILL_LOG_FORMAT=json`; filtered by `RUST_LOG`. The one line each
//! request ends with is written by the HTTP request-log middleware.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    // A second init (tests start many apps in one process) is harmless.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
