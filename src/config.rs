//! Configuration, from the environment (the pinned contract) with defaults
//! that let `cargo run` work on a fresh machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::crypto::PublicKey;
use crate::storage::DatabaseUrl;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/ewaybill.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

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
    /// Most acts committed in one transaction by the sequencer (1 turns
    /// group commit off; only useful to measure what it buys).
    pub max_batch: usize,
    /// The origin line of the log's checkpoints (`EWAYBILL_LOG_ORIGIN`);
    /// by default `ewaybill/<start of the service key id>`.
    pub log_origin: Option<String>,
    /// Emit logs as JSON lines instead of human-readable text.
    pub json_logs: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let database = DatabaseUrl::parse(&database_url).map_err(|e| ConfigError {
            name: "DATABASE_URL",
            message: e.to_string(),
        })?;
        let listen = get("EWAYBILL_LISTEN")
            .unwrap_or_else(|| DEFAULT_LISTEN.into())
            .parse()
            .map_err(|e| ConfigError {
                name: "EWAYBILL_LISTEN",
                message: format!("expected host:port, e.g. 0.0.0.0:8080 ({e})"),
            })?;
        let data_dir =
            PathBuf::from(get("EWAYBILL_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let bootstrap_admin_key = get("EWAYBILL_BOOTSTRAP_ADMIN_KEY")
            .map(|k| {
                PublicKey::from_base64url(k.trim()).map_err(|e| ConfigError {
                    name: "EWAYBILL_BOOTSTRAP_ADMIN_KEY",
                    message: format!(
                        "expected a base64url (no padding) raw 32-byte Ed25519 public key: {e}"
                    ),
                })
            })
            .transpose()?;
        Ok(Self {
            database,
            listen,
            data_dir,
            bootstrap_admin_key,
            max_body_bytes: parse_number(&get, "EWAYBILL_MAX_BODY_BYTES", 1024 * 1024)?,
            max_batch_body_bytes: parse_number(
                &get,
                "EWAYBILL_MAX_BATCH_BODY_BYTES",
                32 * 1024 * 1024,
            )?,
            access_token_ttl_secs: parse_number(&get, "EWAYBILL_ACCESS_TOKEN_TTL_SECS", 900)?,
            pool_size: parse_number(&get, "EWAYBILL_DB_POOL_SIZE", 16)?,
            max_batch: parse_number(&get, "EWAYBILL_MAX_BATCH", 256)?,
            log_origin: get("EWAYBILL_LOG_ORIGIN")
                .map(|origin| {
                    let origin = origin.trim().to_owned();
                    if origin.contains(char::is_whitespace) || origin.contains('+') {
                        Err(ConfigError {
                            name: "EWAYBILL_LOG_ORIGIN",
                            message: "the origin may contain neither spaces nor '+'".into(),
                        })
                    } else {
                        Ok(origin)
                    }
                })
                .transpose()?,
            json_logs: get("EWAYBILL_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
        })
    }
}

fn parse_number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError {
            name,
            message: format!("expected a positive whole number, got {v:?}"),
        }),
    }
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

    #[test]
    fn defaults_run_on_embedded_sqlite() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database, DatabaseUrl::Sqlite("./data/ewaybill.db".into()));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.bootstrap_admin_key.is_none());
    }

    #[test]
    fn postgres_url_selects_postgres() {
        let c = config(&[("DATABASE_URL", "postgresql://localhost/ledger")]).unwrap();
        assert_eq!(c.database.backend_name(), "postgresql");
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().name,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("EWAYBILL_LISTEN", "8080")]).unwrap_err().name,
            "EWAYBILL_LISTEN"
        );
        assert_eq!(
            config(&[("EWAYBILL_BOOTSTRAP_ADMIN_KEY", "not-a-key")])
                .unwrap_err()
                .name,
            "EWAYBILL_BOOTSTRAP_ADMIN_KEY"
        );
        assert_eq!(
            config(&[("EWAYBILL_MAX_BODY_BYTES", "lots")])
                .unwrap_err()
                .name,
            "EWAYBILL_MAX_BODY_BYTES"
        );
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
}
