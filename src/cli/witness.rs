//! `ewaybill witness`: run a C2SP tlog-witness with its own key and
//! database for the logs named on the command line.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;

use crate::client::keyfile::{read_key, write_new_key};
use crate::note::{KeyPairSigner, VerifierKey};
use crate::witness::{Witness, WitnessStore, server};

#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// The witness's name, as written in its cosignature lines (e.g.
    /// `witness.example.org/w1`).
    #[arg(long, env = "EWAYBILL_WITNESS_NAME")]
    pub name: String,
    /// Its private key file (PKCS#8 PEM or base64url seed); created (mode
    /// 0600) if it does not exist.
    #[arg(long, env = "EWAYBILL_WITNESS_KEY")]
    pub key: PathBuf,
    /// Its SQLite database (created if missing). Not the service's.
    #[arg(long, env = "EWAYBILL_WITNESS_DB", default_value = "witness.db")]
    pub db: String,
    /// Where to listen.
    #[arg(
        long,
        env = "EWAYBILL_WITNESS_LISTEN",
        default_value = "127.0.0.1:7380"
    )]
    pub listen: String,
    /// A log to witness: its note verifier key `<origin>+<key id>+<key>`
    /// (what `GET /v1/log/key` serves). Repeat for several logs.
    #[arg(long = "log", env = "EWAYBILL_WITNESS_LOGS", value_delimiter = ',')]
    pub logs: Vec<String>,
    /// Print the witness's verifier key (for the logs' and verifiers'
    /// configuration) and exit.
    #[arg(long)]
    pub print_key: bool,
}

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    crate::telemetry::init(false);
    let key = if args.key.exists() {
        read_key(&args.key)?
    } else {
        let key = write_new_key(&args.key)?;
        eprintln!("new witness key written to {}", args.key.display());
        key
    };
    let signer = KeyPairSigner::new(args.name.clone(), key)?;
    let logs = args
        .logs
        .iter()
        .map(|vkey| VerifierKey::parse(vkey.trim()).with_context(|| format!("--log {vkey}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = WitnessStore::open(&args.db)?;
    let witness = Arc::new(Witness::new(signer, logs.clone(), store));
    let vkey = witness.verifier_key()?.to_vkey();
    if args.print_key {
        println!("{vkey}");
        return Ok(());
    }
    if logs.is_empty() {
        anyhow::bail!("no --log given: a witness needs at least one log to witness");
    }
    let listener =
        TcpListener::bind(&args.listen).with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(
        witness = %vkey,
        listen = %args.listen,
        logs = ?logs.iter().map(VerifierKey::name).collect::<Vec<_>>(),
        "witness started"
    );
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || App::new().configure(server::configure(witness.clone())))
            .listen(listener)?
            .run()
            .await
    })?;
    Ok(())
}
