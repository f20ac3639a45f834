//! Configuration of the service. Every setting is an environment variable
//! (the pinned contract) and, for `serve`, `migrate` and `demo`, a flag of
//! the same meaning; both are declared once, in [`ServeArgs`], so
//! `ewaybill serve --help` lists each variable with its default and a value
//! that does not parse stops the start with the variable's name. The
//! defaults let `cargo run` work on a fresh machine. [`Config`] is the
//! resolved, typed value the rest of the code uses.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::BoolishValueParser;
use clap::error::ContextKind;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::crypto::PublicKey;
use crate::storage::DatabaseUrl;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/ewaybill.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

/// The service's settings as the command line and the environment give
/// them. Each has a flag (`--listen`) and a variable (`EWAYBILL_LISTEN`);
/// the flag wins. A variable set to an empty value counts as unset.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Service configuration (flags or environment variables)")]
pub struct ServeArgs {
    /// The database: postgres:// or postgresql:// selects PostgreSQL,
    /// sqlite://PATH an SQLite file; any other scheme is refused.
    #[arg(long = "database-url", env = "DATABASE_URL", value_name = "DATABASE_URL",
          default_value = DEFAULT_DATABASE_URL, hide_env_values = true, value_parser = database_url)]
    pub database: DatabaseUrl,
    /// Address and port to listen on (host:port).
    #[arg(long, env = "EWAYBILL_LISTEN", value_name = "EWAYBILL_LISTEN",
          default_value = DEFAULT_LISTEN, value_parser = listen_addr)]
    pub listen: SocketAddr,
    /// Where the service keeps its signing key and which log it signs.
    #[arg(long, env = "EWAYBILL_DATA_DIR", value_name = "EWAYBILL_DATA_DIR",
          default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Base64url raw Ed25519 public key of the operator admin, registered on
    /// a start that finds no operator key.
    #[arg(long, env = "EWAYBILL_BOOTSTRAP_ADMIN_KEY", value_name = "EWAYBILL_BOOTSTRAP_ADMIN_KEY",
          value_parser = public_key)]
    pub bootstrap_admin_key: Option<PublicKey>,
    /// Largest request body, in bytes; larger ones get 413.
    #[arg(long, env = "EWAYBILL_MAX_BODY_BYTES", value_name = "EWAYBILL_MAX_BODY_BYTES",
          default_value_t = 1024 * 1024, value_parser = positive::<usize>)]
    pub max_body_bytes: usize,
    /// Largest body of a bulk request, in bytes.
    #[arg(long, env = "EWAYBILL_MAX_BATCH_BODY_BYTES", value_name = "EWAYBILL_MAX_BATCH_BODY_BYTES",
          default_value_t = 32 * 1024 * 1024, value_parser = positive::<usize>)]
    pub max_batch_body_bytes: usize,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "EWAYBILL_ACCESS_TOKEN_TTL_SECS", value_name = "EWAYBILL_ACCESS_TOKEN_TTL_SECS",
          default_value_t = 900, value_parser = positive::<u64>)]
    pub access_token_ttl_secs: u64,
    /// Database connections in the pool.
    #[arg(long = "db-pool-size", env = "EWAYBILL_DB_POOL_SIZE", value_name = "EWAYBILL_DB_POOL_SIZE",
          default_value_t = 16, value_parser = positive::<u32>)]
    pub pool_size: u32,
    /// How long a request waits for a database connection, in milliseconds.
    #[arg(long, env = "EWAYBILL_DB_CONNECT_TIMEOUT_MS", value_name = "EWAYBILL_DB_CONNECT_TIMEOUT_MS",
          default_value_t = 2000, value_parser = positive::<u64>)]
    pub db_connect_timeout_ms: u64,
    /// Most acts committed in one transaction (group commit; 1 turns it off).
    #[arg(long, env = "EWAYBILL_MAX_BATCH", value_name = "EWAYBILL_MAX_BATCH",
          default_value_t = 256, value_parser = positive::<usize>)]
    pub max_batch: usize,
    /// Time a request body may take to arrive, in seconds; slower ones get 408.
    #[arg(long, env = "EWAYBILL_BODY_TIMEOUT_SECS", value_name = "EWAYBILL_BODY_TIMEOUT_SECS",
          default_value_t = 30, value_parser = positive::<u64>)]
    pub body_timeout_secs: u64,
    /// Origin line of the log's checkpoints (no spaces, no '+'); by default
    /// ewaybill/<start of the service key id>.
    #[arg(long, env = "EWAYBILL_LOG_ORIGIN", value_name = "EWAYBILL_LOG_ORIGIN",
          value_parser = log_origin)]
    pub log_origin: Option<String>,
    /// Public base URL of the roadside QR links (https://; http:// only for
    /// localhost); required in production: by default
    /// http://<EWAYBILL_LISTEN>, with a warning at start.
    #[arg(long, env = "EWAYBILL_PUBLIC_URL", value_name = "EWAYBILL_PUBLIC_URL",
          value_parser = public_url)]
    pub public_url: Option<String>,
    /// Roadside page requests one client may make at once.
    #[arg(long, env = "EWAYBILL_ROADSIDE_BURST", value_name = "EWAYBILL_ROADSIDE_BURST",
          default_value_t = 30, value_parser = positive::<u32>)]
    pub roadside_burst: u32,
    /// Roadside page requests a client regains per minute.
    #[arg(long, env = "EWAYBILL_ROADSIDE_PER_MINUTE", value_name = "EWAYBILL_ROADSIDE_PER_MINUTE",
          default_value_t = 30, value_parser = positive::<u32>)]
    pub roadside_per_minute: u32,
    /// Log format: text (coloured on a terminal) or json (JSON lines).
    /// RUST_LOG filters.
    #[arg(
        long,
        env = "EWAYBILL_LOG_FORMAT",
        value_name = "EWAYBILL_LOG_FORMAT",
        default_value = "text",
        ignore_case = true
    )]
    pub log_format: LogFormat,
    /// The risk model file (models/risk/*.toml); by default the one built in.
    #[arg(long, env = "EWAYBILL_RISK_MODEL", value_name = "EWAYBILL_RISK_MODEL")]
    pub risk_model: Option<PathBuf>,
    /// Delay before the first webhook retry, in milliseconds; doubles per failure.
    #[arg(long, env = "EWAYBILL_WEBHOOK_BACKOFF_MS", value_name = "EWAYBILL_WEBHOOK_BACKOFF_MS",
          default_value_t = WEBHOOK_DEFAULTS.backoff_ms, value_parser = positive::<u64>)]
    pub webhook_backoff_ms: u64,
    /// Longest delay between webhook attempts, in seconds.
    #[arg(long, env = "EWAYBILL_WEBHOOK_MAX_BACKOFF_SECS", value_name = "EWAYBILL_WEBHOOK_MAX_BACKOFF_SECS",
          default_value_t = WEBHOOK_DEFAULTS.max_backoff_secs, value_parser = number::<u64>)]
    pub webhook_max_backoff_secs: u64,
    /// Attempts before a webhook delivery is given up (failed).
    #[arg(long, env = "EWAYBILL_WEBHOOK_MAX_ATTEMPTS", value_name = "EWAYBILL_WEBHOOK_MAX_ATTEMPTS",
          default_value_t = WEBHOOK_DEFAULTS.max_attempts, value_parser = positive::<u32>)]
    pub webhook_max_attempts: u32,
    /// Age after which a failing webhook delivery is given up, in seconds.
    #[arg(long, env = "EWAYBILL_WEBHOOK_MAX_AGE_SECS", value_name = "EWAYBILL_WEBHOOK_MAX_AGE_SECS",
          default_value_t = WEBHOOK_DEFAULTS.max_age_secs, value_parser = number::<u64>)]
    pub webhook_max_age_secs: u64,
    /// Time allowed for one webhook request, in seconds.
    #[arg(long, env = "EWAYBILL_WEBHOOK_TIMEOUT_SECS", value_name = "EWAYBILL_WEBHOOK_TIMEOUT_SECS",
          default_value_t = WEBHOOK_DEFAULTS.timeout_secs, value_parser = positive::<u64>)]
    pub webhook_timeout_secs: u64,
    /// How often the webhook worker and the feed look for new work, in milliseconds.
    #[arg(long, env = "EWAYBILL_WEBHOOK_POLL_MS", value_name = "EWAYBILL_WEBHOOK_POLL_MS",
          default_value_t = WEBHOOK_DEFAULTS.poll_ms, value_parser = positive::<u64>)]
    pub webhook_poll_ms: u64,
    /// Allow webhook URLs on loopback and private networks (true or false).
    #[arg(long, env = "EWAYBILL_WEBHOOK_ALLOW_PRIVATE", value_name = "EWAYBILL_WEBHOOK_ALLOW_PRIVATE",
          default_value_t = WEBHOOK_DEFAULTS.allow_private, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub webhook_allow_private: bool,
}

/// `EWAYBILL_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Admin key for the operator party created on first start.
    pub bootstrap_admin_key: Option<PublicKey>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest body of a bulk request (`POST /v1/waybills:batch`,
    /// `POST /v1/events:batch`), in bytes; each item must still fit
    /// `max_body_bytes`.
    pub max_batch_body_bytes: usize,
    /// Lifetime of the access tokens the service issues.
    pub access_token_ttl_secs: u64,
    /// Database connections in the pool.
    pub pool_size: u32,
    /// Longest wait for a database connection, in milliseconds
    /// (`EWAYBILL_DB_CONNECT_TIMEOUT_MS`): while the database is away,
    /// requests answer 503 after this long instead of hanging.
    pub db_connect_timeout_ms: u64,
    /// Most acts committed in one transaction by the sequencer (1 turns
    /// group commit off; only useful to measure what it buys).
    pub max_batch: usize,
    /// The origin line of the log's checkpoints (`EWAYBILL_LOG_ORIGIN`);
    /// by default `ewaybill/<start of the service key id>`.
    pub log_origin: Option<String>,
    /// Emit logs as JSON lines instead of human-readable text.
    pub json_logs: bool,
    /// The risk model file (`EWAYBILL_RISK_MODEL`); by default the model
    /// built into the service (models/risk/ledger-2026.11.0.toml).
    pub risk_model: Option<PathBuf>,
    /// Webhook delivery and feed timing (`EWAYBILL_WEBHOOK_*`).
    pub webhooks: WebhookSettings,
    /// Seconds a request body may take to arrive, counted from the end of
    /// its head (`EWAYBILL_BODY_TIMEOUT_SECS`); a slower one gets 408 and
    /// its connection is closed.
    pub body_timeout_secs: u64,
    /// Roadside verifications a client may make at once
    /// (`EWAYBILL_ROADSIDE_BURST`).
    pub roadside_burst: u32,
    /// Roadside verifications a client regains per minute
    /// (`EWAYBILL_ROADSIDE_PER_MINUTE`).
    pub roadside_per_minute: u32,
    /// The public base URL of roadside verification links
    /// (`EWAYBILL_PUBLIC_URL`, no trailing slash); by default
    /// `http://{listen}`.
    pub public_url: Option<String>,
    /// The test-only key files `ewaybill demo` offers on the web app's
    /// sign-in page (`GET /v1/demo/keys`); empty, and that endpoint absent,
    /// on every service not started by `ewaybill demo`. No setting fills
    /// it: only the demo command does.
    pub demo_keys: Vec<DemoKeyFile>,
}

/// One demo party's test-only key file, as the demo offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoKeyFile {
    /// The party's handle in `fixtures/parties.json`, e.g. `brewery`.
    pub handle: String,
    /// `company` or `authority` (or `oversight`).
    pub kind: String,
    /// The registered name.
    pub name: String,
    /// The key id (RFC 7638 thumbprint) of the key.
    pub key_id: String,
    /// The key file's text, in the format the CLI reads (`--key`).
    pub key_file: String,
}

/// How webhooks are delivered; see docs/webhooks.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Delay before the first retry; doubles per failure (`EWAYBILL_WEBHOOK_BACKOFF_MS`).
    pub backoff_ms: u64,
    /// Longest delay between attempts (`EWAYBILL_WEBHOOK_MAX_BACKOFF_SECS`).
    pub max_backoff_secs: u64,
    /// Attempts before a delivery is `failed` (`EWAYBILL_WEBHOOK_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// Age after which a failing delivery is given up (`EWAYBILL_WEBHOOK_MAX_AGE_SECS`).
    pub max_age_secs: u64,
    /// Time allowed for one attempt (`EWAYBILL_WEBHOOK_TIMEOUT_SECS`).
    pub timeout_secs: u64,
    /// How often the worker and the feed look for work another instance
    /// committed or a retry that fell due (`EWAYBILL_WEBHOOK_POLL_MS`).
    pub poll_ms: u64,
    /// Allow webhook URLs on loopback and private networks
    /// (`EWAYBILL_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

const WEBHOOK_DEFAULTS: WebhookSettings = WebhookSettings {
    backoff_ms: 5_000,
    max_backoff_secs: 3_600,
    max_attempts: 15,
    max_age_secs: 3 * 24 * 3_600,
    timeout_secs: 10,
    poll_ms: 1_000,
    allow_private: false,
};

impl Default for WebhookSettings {
    fn default() -> Self {
        WEBHOOK_DEFAULTS
    }
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

impl From<ServeArgs> for Config {
    fn from(a: ServeArgs) -> Self {
        Self {
            database: a.database,
            listen: a.listen,
            data_dir: a.data_dir,
            bootstrap_admin_key: a.bootstrap_admin_key,
            max_body_bytes: a.max_body_bytes,
            max_batch_body_bytes: a.max_batch_body_bytes,
            access_token_ttl_secs: a.access_token_ttl_secs,
            pool_size: a.pool_size,
            db_connect_timeout_ms: a.db_connect_timeout_ms,
            max_batch: a.max_batch,
            body_timeout_secs: a.body_timeout_secs,
            log_origin: a.log_origin,
            public_url: a.public_url,
            demo_keys: Vec::new(),
            roadside_burst: a.roadside_burst,
            roadside_per_minute: a.roadside_per_minute,
            json_logs: a.log_format == LogFormat::Json,
            risk_model: a.risk_model,
            webhooks: WebhookSettings {
                backoff_ms: a.webhook_backoff_ms,
                max_backoff_secs: a.webhook_max_backoff_secs,
                max_attempts: a.webhook_max_attempts,
                max_age_secs: a.webhook_max_age_secs,
                timeout_secs: a.webhook_timeout_secs,
                poll_ms: a.webhook_poll_ms,
                allow_private: a.webhook_allow_private,
            },
        }
    }
}

/// `ServeArgs` as a command of its own, for reading it without the rest of
/// the command line.
#[derive(Parser)]
#[command(name = "ewaybill")]
struct ServeCommand {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// The settings from the process environment alone.
    pub fn from_env() -> Result<Self, ConfigError> {
        let command = ignore_empty_env(ServeCommand::command());
        parse(command, [OsString::from("ewaybill")])
    }

    /// The settings from variables read through `lookup` instead of the
    /// process environment (which is then not read at all).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut argv = vec![OsString::from("ewaybill")];
        let command = ServeCommand::command().mut_args(|arg| {
            let value = arg
                .get_env()
                .and_then(|name| name.to_str())
                .and_then(&lookup)
                .filter(|v| !v.trim().is_empty());
            if let (Some(value), Some(long)) = (value, arg.get_long()) {
                // `--name=value`, so a value starting with '-' stays a value.
                argv.push(format!("--{long}={value}").into());
            }
            arg.env(None)
        });
        parse(command, argv)
    }
}

fn parse(
    command: clap::Command,
    argv: impl IntoIterator<Item = OsString>,
) -> Result<ServeArgs, ConfigError> {
    let named = |e: clap::Error| config_error(&ServeCommand::command(), &e);
    let matches = command.try_get_matches_from(argv).map_err(named)?;
    ServeCommand::from_arg_matches(&matches)
        .map(|c| c.args)
        .map_err(named)
}

/// A clap error as the variable it is about and what is wrong with it.
fn config_error(command: &clap::Command, e: &clap::Error) -> ConfigError {
    let flag = e
        .get(ContextKind::InvalidArg)
        .map(ToString::to_string)
        .unwrap_or_default();
    let name = command
        .get_arguments()
        .find(|a| {
            a.get_long()
                .is_some_and(|l| flag.split_whitespace().next() == Some(&format!("--{l}")))
        })
        .and_then(|a| a.get_env())
        .map_or_else(
            || "configuration".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
    let value = e
        .get(ContextKind::InvalidValue)
        .map(|v| format!(" {:?}", v.to_string()))
        .unwrap_or_default();
    let message = match std::error::Error::source(e) {
        Some(cause) => format!("invalid value{value}: {cause}"),
        None => e.kind().to_string(),
    };
    ConfigError { name, message }
}

/// A variable that is set but empty (`EWAYBILL_X=`, as compose files and
/// shell scripts often leave them) counts as unset, so the default applies.
pub fn ignore_empty_env(command: clap::Command) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let mut command = command.mut_args(|arg| {
        let empty = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_string_lossy().trim().is_empty());
        if empty { arg.env(None) } else { arg }
    });
    for name in names {
        command = command.mut_subcommand(name, ignore_empty_env);
    }
    command
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        ServeArgs::from_env().map(Self::from)
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        ServeArgs::from_lookup(lookup).map(Self::from)
    }

    /// The roadside verification endpoint's rate limit per client.
    pub fn roadside_rate_limit(&self) -> crate::rate_limit::RateLimit {
        crate::rate_limit::RateLimit {
            burst: self.roadside_burst,
            per_minute: self.roadside_per_minute,
        }
    }
}

// ------------------------------------------------------------ value parsers

fn database_url(v: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(v.trim()).map_err(|e| e.to_string())
}

fn listen_addr(v: &str) -> Result<SocketAddr, String> {
    v.trim()
        .parse()
        .map_err(|e| format!("expected host:port, e.g. 0.0.0.0:8080 ({e})"))
}

fn public_key(v: &str) -> Result<PublicKey, String> {
    PublicKey::from_base64url(v.trim()).map_err(|e| {
        format!("expected a base64url (no padding) raw 32-byte Ed25519 public key: {e}")
    })
}

fn log_origin(v: &str) -> Result<String, String> {
    let origin = v.trim();
    if origin.contains(char::is_whitespace) || origin.contains('+') {
        Err("the origin may contain neither spaces nor '+'".into())
    } else {
        Ok(origin.to_owned())
    }
}

/// An absolute `https` URL with a host and neither query nor fragment
/// (`http` only for localhost and loopback addresses, for tests and
/// demos), kept without its trailing slash (links are joined to it).
fn public_url(v: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(v.trim()).map_err(|e| {
        format!("expected an absolute URL, e.g. https://ewaybill.example.org ({e})")
    })?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.host().is_none() || !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(
            "expected an https:// URL with a host (http:// only for localhost or 127.0.0.1)".into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the URL may have neither a query nor a fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn number<T: FromStr>(v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| "expected a whole number".to_owned())
}

fn positive<T: FromStr + Default + PartialEq>(v: &str) -> Result<T, String> {
    let n: T = number(v)?;
    if n == T::default() {
        return Err("must be at least 1".into());
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    /// Every environment variable `serve` reads.
    fn variables() -> Vec<String> {
        ServeCommand::command()
            .get_arguments()
            .filter_map(|a| a.get_env())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn defaults_run_on_embedded_sqlite() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database, DatabaseUrl::Sqlite("./data/ewaybill.db".into()));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.bootstrap_admin_key.is_none());
        assert_eq!(c.max_body_bytes, 1024 * 1024);
        assert_eq!(c.db_connect_timeout_ms, 2000);
        assert_eq!(c.body_timeout_secs, 30);
        assert_eq!((c.roadside_burst, c.roadside_per_minute), (30, 30));
        assert_eq!(c.public_url, None);
        assert!(!c.json_logs);
    }

    #[test]
    fn postgres_url_selects_postgres() {
        let c = config(&[("DATABASE_URL", "postgresql://localhost/ledger")]).unwrap();
        assert_eq!(c.database.backend_name(), "postgresql");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("EWAYBILL_LISTEN", "8080"),
            ("EWAYBILL_BOOTSTRAP_ADMIN_KEY", "not-a-key"),
            ("EWAYBILL_MAX_BODY_BYTES", "lots"),
            ("EWAYBILL_ROADSIDE_BURST", "abc"),
            ("EWAYBILL_ROADSIDE_PER_MINUTE", "0"),
            ("EWAYBILL_DB_CONNECT_TIMEOUT_MS", "2s"),
            ("EWAYBILL_BODY_TIMEOUT_SECS", "-1"),
            ("EWAYBILL_PUBLIC_URL", "ewaybill.example.org"),
            ("EWAYBILL_LOG_FORMAT", "yaml"),
            ("EWAYBILL_LOG_ORIGIN", "two words"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{value}: {err}");
            assert!(err.to_string().starts_with(&format!("{name}: ")), "{err}");
        }
        let err = config(&[("EWAYBILL_ROADSIDE_BURST", "abc")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "EWAYBILL_ROADSIDE_BURST: invalid value \"abc\": expected a whole number"
        );
    }

    #[test]
    fn the_command_line_refuses_a_bad_variable_too() {
        // What `ewaybill serve` does with EWAYBILL_ROADSIDE_BURST=abc: the
        // same parser, so the same refusal, naming the variable.
        let err = crate::cli::Cli::try_parse_from(["ewaybill", "serve", "--roadside-burst", "abc"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("EWAYBILL_ROADSIDE_BURST"), "{err}");
        assert!(err.contains("expected a whole number"), "{err}");
    }

    #[test]
    fn new_settings_are_read() {
        let c = config(&[
            ("EWAYBILL_DB_CONNECT_TIMEOUT_MS", "500"),
            ("EWAYBILL_BODY_TIMEOUT_SECS", "5"),
            ("EWAYBILL_ROADSIDE_BURST", "3"),
            ("EWAYBILL_ROADSIDE_PER_MINUTE", "7"),
            ("EWAYBILL_PUBLIC_URL", "https://ewaybill.example.org/"),
            ("EWAYBILL_LOG_FORMAT", "JSON"),
        ])
        .unwrap();
        assert_eq!(c.db_connect_timeout_ms, 500);
        assert_eq!(c.body_timeout_secs, 5);
        assert_eq!((c.roadside_burst, c.roadside_per_minute), (3, 7));
        // Kept without its trailing slash: links are joined to it.
        assert_eq!(
            c.public_url.as_deref(),
            Some("https://ewaybill.example.org")
        );
        assert!(c.json_logs);
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let c = config(&[
            ("EWAYBILL_BOOTSTRAP_ADMIN_KEY", ""),
            ("EWAYBILL_ROADSIDE_BURST", "  "),
            ("EWAYBILL_PUBLIC_URL", ""),
        ])
        .unwrap();
        assert!(c.bootstrap_admin_key.is_none());
        assert_eq!(c.roadside_burst, 30);
        assert_eq!(c.public_url, None);
    }

    #[test]
    fn webhook_settings_default_and_parse() {
        assert_eq!(config(&[]).unwrap().webhooks, WebhookSettings::default());
        let c = config(&[
            ("EWAYBILL_WEBHOOK_BACKOFF_MS", "20"),
            ("EWAYBILL_WEBHOOK_ALLOW_PRIVATE", "true"),
        ])
        .unwrap();
        assert_eq!(c.webhooks.backoff_ms, 20);
        assert!(c.webhooks.allow_private);
        for (name, value) in [
            ("EWAYBILL_WEBHOOK_ALLOW_PRIVATE", "maybe"),
            ("EWAYBILL_WEBHOOK_MAX_ATTEMPTS", "0"),
            ("EWAYBILL_WEBHOOK_POLL_MS", "soon"),
        ] {
            assert_eq!(config(&[(name, value)]).unwrap_err().name, name);
        }
    }

    #[test]
    fn edge_limits_default_and_refuse_bad_values() {
        let c = config(&[]).unwrap();
        assert_eq!(c.body_timeout_secs, 30);
        assert_eq!((c.roadside_burst, c.roadside_per_minute), (30, 30));
        assert_eq!(c.public_url, None);
        let c = config(&[
            ("EWAYBILL_BODY_TIMEOUT_SECS", "2"),
            ("EWAYBILL_ROADSIDE_BURST", " 5 "),
            ("EWAYBILL_ROADSIDE_PER_MINUTE", "60"),
            ("EWAYBILL_PUBLIC_URL", "https://ewaybill.example.gov.lv/"),
        ])
        .unwrap();
        assert_eq!(c.body_timeout_secs, 2);
        assert_eq!((c.roadside_burst, c.roadside_per_minute), (5, 60));
        assert_eq!(
            c.public_url.as_deref(),
            Some("https://ewaybill.example.gov.lv")
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            let c = config(&[("EWAYBILL_PUBLIC_URL", local)]).unwrap();
            assert_eq!(c.public_url.as_deref(), Some(local));
        }
        for (name, value) in [
            ("EWAYBILL_ROADSIDE_BURST", "abc"),
            ("EWAYBILL_ROADSIDE_BURST", "0"),
            ("EWAYBILL_ROADSIDE_PER_MINUTE", "-1"),
            ("EWAYBILL_ROADSIDE_PER_MINUTE", "0"),
            ("EWAYBILL_BODY_TIMEOUT_SECS", "0"),
            ("EWAYBILL_BODY_TIMEOUT_SECS", "30s"),
            ("EWAYBILL_PUBLIC_URL", "ewaybill.example"),
            ("EWAYBILL_PUBLIC_URL", "ftp://ewaybill.example"),
            ("EWAYBILL_PUBLIC_URL", "https://ewaybill.example/?x=1"),
            ("EWAYBILL_PUBLIC_URL", "http://ewaybill.example.gov.lv"),
        ] {
            assert_eq!(config(&[(name, value)]).unwrap_err().name, name, "{value}");
        }
    }

    #[test]
    fn bootstrap_key_is_read() {
        let c = config(&[(
            "EWAYBILL_BOOTSTRAP_ADMIN_KEY",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        )])
        .unwrap();
        assert_eq!(
            c.bootstrap_admin_key.unwrap().key_id(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn serve_help_lists_every_variable_with_its_default() {
        let mut command = crate::cli::Cli::command();
        let help = command
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string();
        let names = variables();
        assert!(names.len() >= 24, "{names:?}");
        for name in &names {
            assert!(
                help.contains(&format!("[env: {name}")),
                "{name} not in\n{help}"
            );
        }
        for default in [
            "[default: 127.0.0.1:8080]",
            "[default: 30]",
            "[default: 2000]",
            "[default: sqlite://./data/ewaybill.db]",
            "[default: 259200]",
        ] {
            assert!(help.contains(default), "{default} not in\n{help}");
        }
    }

    #[test]
    fn the_readme_lists_every_variable() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = readme
            .split("## Configuration")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap();
        for name in variables() {
            assert!(
                table.contains(&format!("`{name}`")),
                "the README's configuration table misses {name}"
            );
        }
    }
}
