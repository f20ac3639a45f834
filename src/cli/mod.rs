//! The `ewaybill` command line: the service itself, and client commands
//! for integrators and small companies.

pub mod act;
pub mod convert;
pub mod demo;
pub mod fixtures;
pub mod issue;
pub mod pdf;
pub mod risk;
pub mod risk_train;
pub mod session;
pub mod status;
pub mod upload;
pub mod verify;
pub mod verify_qr;
pub mod witness;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::Value;
use uuid::Uuid;

use crate::client::{ApiClient, read_key, sign_act, write_new_key};
use crate::config::{Config, ServeArgs, ignore_empty_env};

/// Electronic consignment note ledger.
#[derive(Parser)]
#[command(name = "ewaybill", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the service (the default). Configured by environment variables
    /// (or the flags of the same name), listed below with their defaults.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(ServeArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Run the service with demo parties, test-only keys and sample waybills loaded.
    Demo {
        /// The fixtures directory.
        #[arg(long, default_value = "fixtures")]
        fixtures: PathBuf,
        #[command(flatten)]
        service: ServeArgs,
    },
    /// Create a private key file (mode 0600) and print the public key to register.
    Keygen {
        /// Where to write the key (PKCS#8 PEM). Never overwritten.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Get an access token with a key; prints only the token.
    Login {
        #[arg(long, short, env = "EWAYBILL_KEY")]
        key: PathBuf,
        #[arg(long, env = "EWAYBILL_SERVER", default_value = session::DEFAULT_SERVER)]
        server: String,
    },
    /// Sign an act offline and print the envelope to send.
    Sign {
        #[arg(long, short, env = "EWAYBILL_KEY")]
        key: PathBuf,
        /// The act type, e.g. consignor.issue or carrier.accept.
        #[arg(long = "type", short = 't')]
        act_type: String,
        /// The waybill id; a new UUIDv7 when issuing without one.
        #[arg(long, short)]
        waybill: Option<Uuid>,
        /// The waybill's `head` (omit for consignor.issue).
        #[arg(long, short)]
        prev: Option<String>,
        /// The act body as JSON: a file, or - for standard input. Default {}.
        #[arg(long, short)]
        body: Option<PathBuf>,
    },
    /// Download the verifiable log (log key, checkpoint, every entry) to an export file.
    Export(verify::ExportArgs),
    /// Audit the verifiable log, from a server or an export file, or check one tlog-proof.
    Verify(verify::VerifyArgs),
    /// Check a roadside QR code offline with the log key.
    VerifyQr(verify_qr::VerifyQrArgs),
    /// Risk models: evaluation on generated traffic and public customs
    /// data, and training from recorded inspections.
    Risk(risk::RiskArgs),
    /// Synthetic traffic with planted irregular patterns.
    Fixtures(fixtures::FixturesArgs),
    /// Convert between our JSON and OASIS UBL 2.1 (DespatchAdvice, ReceiptAdvice), offline.
    Convert(convert::ConvertArgs),
    /// Check a waybill document (JSON), sign it as the consignor and issue it.
    Issue(issue::IssueArgs),
    /// Sign and send a later act on a waybill, e.g. `act ID carrier.accept`.
    Act(act::ActArgs),
    /// Show a waybill's status, parties and history.
    Status(status::StatusArgs),
    /// Save a waybill's printable PDF (A4, English or Latvian, with its QR code).
    Pdf(pdf::PdfArgs),
    /// Issue many waybills from a CSV, NDJSON or JSON file: checked first,
    /// sent in batches, resumable without duplicates.
    Upload(upload::UploadArgs),
    /// Run a C2SP tlog-witness (its own key and database) for the logs
    /// given with --log: it cosigns each checkpoint that extends the last
    /// one it cosigned and refuses a fork.
    Witness(witness::WitnessArgs),
}

pub fn main() -> anyhow::Result<()> {
    // Variables set to an empty value count as unset (compose files leave
    // them so); anything else that does not parse stops here, named.
    let matches = ignore_empty_env(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(ServeArgs::from_env()?),
    };
    match command {
        Command::Serve(args) => {
            let config = service_config(args);
            actix_web::rt::System::new().block_on(crate::startup::run(config))
        }
        Command::Migrate(args) => {
            let config = service_config(args);
            crate::startup::open_database(&config)?;
            println!("migrations applied to {}", config.database.display());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", crate::http::openapi::document_json());
            Ok(())
        }
        Command::Demo { fixtures, service } => {
            let config = service_config(service);
            actix_web::rt::System::new().block_on(run_demo(config, &fixtures))
        }
        Command::Keygen { out } => keygen(&out),
        Command::Login { key, server } => {
            let key = read_key(&key)?;
            let client = tokio_runtime()?.block_on(ApiClient::login(&server, &key))?;
            println!("{}", client.token());
            Ok(())
        }
        Command::Sign {
            key,
            act_type,
            waybill,
            prev,
            body,
        } => {
            let key = read_key(&key)?;
            let body = read_body(body.as_deref())?;
            let waybill = match (waybill, act_type.as_str()) {
                (Some(id), _) => id,
                (None, "consignor.issue") => Uuid::now_v7(),
                (None, _) => anyhow::bail!("--waybill is required for {act_type}"),
            };
            let envelope = sign_act(&key, &act_type, waybill, prev.as_deref(), body, Utc::now())?;
            println!("{}", serde_json::to_string_pretty(&envelope)?);
            Ok(())
        }
        Command::Export(args) => verify::export(args),
        Command::Verify(args) => verify::verify(args),
        Command::VerifyQr(args) => verify_qr::run(args),
        Command::Risk(args) => risk::run(args),
        Command::Fixtures(args) => fixtures::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Issue(args) => issue::run(args),
        Command::Act(args) => act::run(args),
        Command::Status(args) => status::run(args),
        Command::Pdf(args) => pdf::run(args),
        Command::Upload(args) => upload::run(args),
        Command::Witness(args) => witness::run(args),
    }
}

fn service_config(args: ServeArgs) -> Config {
    let config = Config::from(args);
    crate::telemetry::init(config.json_logs);
    config
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn read_body(path: Option<&Path>) -> anyhow::Result<Value> {
    let text = match path {
        None => return Ok(Value::Object(Default::default())),
        Some(p) if p == Path::new("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
    };
    serde_json::from_str(&text).context("the body is not valid JSON")
}

fn keygen(out: &Path) -> anyhow::Result<()> {
    let key = write_new_key(out)?;
    let public = key.public_key();
    eprintln!(
        "private key written to {} (mode 0600; keep it secret)",
        out.display()
    );
    println!("public_key: {}", public.to_base64url());
    println!("key_id:     {}", public.key_id());
    Ok(())
}

async fn run_demo(mut config: Config, fixtures: &Path) -> anyhow::Result<()> {
    let operator = read_key(&demo::operator_key_path(fixtures))
        .with_context(|| format!("demo fixtures not found in {}", fixtures.display()))?;
    if config.bootstrap_admin_key.is_none() {
        config.bootstrap_admin_key = Some(operator.public_key());
        println!(
            "demo: using the TEST-ONLY operator key from {} as the admin key",
            fixtures.display()
        );
    }
    config.demo_keys = demo::roster(fixtures)?;
    let listen = config.listen;
    let (addr, _ledger) = crate::startup::spawn(config).await?;
    let base = format!("http://{addr}");
    let loaded = demo::load(&base, fixtures).await?;
    println!("ewaybill demo listening on {base} (listen {listen})");
    println!("\nDemo parties (keys are TEST ONLY, never use them in production):");
    for (party, id) in &loaded.parties {
        println!(
            "  {:<18} {:<9} {:<40} id {}  key {}",
            party.handle,
            party.kind,
            party.name,
            id,
            fixtures.join(&party.key).display()
        );
    }
    println!("\nSample waybills:");
    for (number, id, status) in &loaded.waybills {
        println!("  {number:<18} {status:<20} {id}");
    }
    // The first company's key (the brewery in the shipped fixtures).
    if let Some((party, _)) = loaded.parties.iter().find(|(p, _)| p.kind == "company") {
        println!("\n{}", demo::try_line(&fixtures.join(&party.key), &base));
    }
    println!("API docs: {base}/docs/");
    stopped().await
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM, the signal `docker stop` and
/// service managers send: the demo must stop on either, not only its HTTP
/// server.
async fn stopped() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted?,
        _ = term.recv() => {}
    }
    Ok(())
}
