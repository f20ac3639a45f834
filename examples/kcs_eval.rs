//! Runs `ewaybill risk ...` from the very file the CLI uses
//! (src/cli/risk.rs), e.g.
//! `cargo run --release --example kcs_eval -- eval-kcs --data DIR --seeds 5`.

use clap::Parser;

pub use ewaybill::risk;

#[path = "../src/cli/risk.rs"]
mod cli_risk;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    risk: cli_risk::RiskArgs,
}

fn main() -> anyhow::Result<()> {
    cli_risk::run(Cli::parse().risk)
}
