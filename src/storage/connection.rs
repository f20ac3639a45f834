//! One connection type over PostgreSQL and SQLite, and the pool around it.

use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

use super::StorageError;

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledDb = PooledConnection<ConnectionManager<DbConnection>>;

/// Where the data lives, decided from the URL scheme and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// `postgres://` and `postgresql://` mean PostgreSQL, `sqlite://PATH`
    /// (or `sqlite:PATH`) an SQLite file. Anything else is an error: a typo
    /// must never silently become a new SQLite file.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                StorageError::Config(format!(
                    "DATABASE_URL must start with postgres://, postgresql:// or sqlite:// (got {:?})",
                    redact(url)
                ))
            })?;
        if path.is_empty() || path == ":memory:" {
            return Err(StorageError::Config(
                "sqlite:// needs a file path (an in-memory database would lose the ledger)".into(),
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }

    /// The URL with any password hidden, for logs.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => redact(url),
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }

    fn connection_string(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => url.clone(),
            DatabaseUrl::Sqlite(path) => path.display().to_string(),
        }
    }
}

/// Hides the password in `scheme://user:password@host/...`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Per-connection settings SQLite needs to be a safe multi-user store.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(conn) = conn {
            // WAL lets readers run while the sequencer writes; NORMAL sync is
            // durable in WAL mode except for the last commits on power loss,
            // so use FULL: a receipt must mean the act is on disk.
            // busy_timeout first: switching a new file to WAL takes a lock
            // that the pool's other connections must wait for, not fail on.
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// One connection outside the pool (tools, tests, one-off maintenance).
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, StorageError> {
    use diesel::Connection;
    let mut conn = match url {
        DatabaseUrl::Postgres(u) => DbConnection::Pg(
            diesel::PgConnection::establish(u).map_err(|e| StorageError::Connect(e.to_string()))?,
        ),
        DatabaseUrl::Sqlite(_) => DbConnection::Sqlite(
            diesel::SqliteConnection::establish(&url.connection_string())
                .map_err(|e| StorageError::Connect(e.to_string()))?,
        ),
    };
    SqlitePragmas
        .on_acquire(&mut conn)
        .map_err(|e| StorageError::Connect(e.to_string()))?;
    Ok(conn)
}

/// Opens a pool; for SQLite the parent directory is created first.
pub fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, StorageError> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        // The ledger holds commercial data: a directory we create is private.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| StorageError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    if let DatabaseUrl::Sqlite(_) = url {
        // Switch a new file to WAL once, alone: done by many pooled
        // connections at the same moment, the switch can fail as "locked".
        drop(connect(url)?);
    }
    let manager = ConnectionManager::<DbConnection>::new(url.connection_string());
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .map_err(|e| StorageError::Connect(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/x.db").unwrap(),
            DatabaseUrl::Sqlite("./data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/x.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/x.db".into())
        );
    }

    #[test]
    fn unknown_schemes_are_refused() {
        for url in [
            "mysql://x",
            "./data/x.db",
            "postgress://x",
            "sqlite://",
            "sqlite://:memory:",
            "",
        ] {
            assert!(DatabaseUrl::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/ledger").unwrap();
        assert_eq!(url.display(), "postgres://app:***@db:5432/ledger");
    }
}
