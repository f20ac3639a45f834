// Outside tests a panic is a bug: fail with a typed error instead.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::process::ExitCode;

fn main() -> ExitCode {
    match ewaybill::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with the whole cause chain: "reading x: No such file".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
