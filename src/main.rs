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
