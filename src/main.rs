use clap::{Parser, Subcommand};

use ewaybill::config::Config;

/// Electronic consignment note ledger.
#[derive(Parser)]
#[command(name = "ewaybill", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    ewaybill::telemetry::init(config.json_logs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => actix_web::rt::System::new().block_on(ewaybill::startup::run(config)),
        Cmd::Migrate => {
            ewaybill::startup::open_database(&config)?;
            println!("migrations applied to {}", config.database.display());
            Ok(())
        }
        Cmd::Openapi => {
            drop(runtime);
            print!("{}", ewaybill::http::openapi::document_json());
            Ok(())
        }
    }
}
