//! One connection type over PostgreSQL and SQLite, and the pool around it.

use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};

use super::StorageError;

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<DbManager>;
pub type PooledDb = PooledConnection<DbManager>;

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

/// A PostgreSQL URL with libpq's `connect_timeout` (whole seconds, at
/// least 2 as libpq wants) unless the URL sets one itself, so that opening
/// a connection to an unreachable server cannot hang.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let seconds = timeout.as_millis().div_ceil(1000).max(2);
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={seconds}")
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
fn sqlite_pragmas(conn: &mut diesel::SqliteConnection) -> diesel::QueryResult<()> {
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
}

/// One connection outside the pool (tools, tests, one-off maintenance).
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, StorageError> {
    establish(url, DEFAULT_CONNECT_TIMEOUT)
}

/// How long opening a connection may take unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(2000);

/// Opens a connection to the backend the URL names, keeping the backend's
/// own error (refused connection, unknown database or role, failed
/// authentication): `MultiConnection::establish` would replace it with
/// "Invalid connection url for multiconnection".
fn establish(url: &DatabaseUrl, timeout: Duration) -> Result<DbConnection, StorageError> {
    use diesel::Connection;
    match url {
        DatabaseUrl::Postgres(u) => {
            diesel::PgConnection::establish(&with_connect_timeout(u, timeout))
                .map(DbConnection::Pg)
                .map_err(|e| StorageError::Connect(e.to_string().trim_end().to_owned()))
        }
        DatabaseUrl::Sqlite(_) => {
            let mut conn = diesel::SqliteConnection::establish(&url.connection_string())
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            sqlite_pragmas(&mut conn).map_err(|e| StorageError::Connect(e.to_string()))?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// Runs `f` in a transaction (a savepoint when already inside one):
/// committed if `f` succeeds, rolled back if it fails. A failure of the
/// database itself (BEGIN, COMMIT, ROLLBACK) comes back as
/// [`StorageError::Query`], so callers need no diesel error of their own.
pub fn transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    E: From<StorageError>,
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
{
    use diesel::Connection;

    /// Keeps the caller's error apart from the database's.
    enum Failure<E> {
        Database(diesel::result::Error),
        Caller(E),
    }
    impl<E> From<diesel::result::Error> for Failure<E> {
        fn from(e: diesel::result::Error) -> Self {
            Failure::Database(e)
        }
    }

    conn.transaction::<T, Failure<E>, _>(|conn| f(conn).map_err(Failure::Caller))
        .map_err(|failure| match failure {
            Failure::Database(e) => E::from(StorageError::Query(e)),
            Failure::Caller(e) => e,
        })
}

/// Opens and checks pooled connections with [`establish`].
#[derive(Debug)]
pub struct DbManager {
    url: DatabaseUrl,
    timeout: Duration,
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConnection, StorageError> {
        establish(&self.url, self.timeout)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StorageError> {
        Ok(conn.ping()?)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Opens a pool; for SQLite the parent directory is created first. Asking
/// for a connection waits at most `connect_timeout`, so requests fail fast
/// while the database is away.
pub fn open_pool(
    url: &DatabaseUrl,
    max_size: u32,
    connect_timeout: Duration,
) -> Result<DbPool, StorageError> {
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
    // One connection first, alone: it fails at once with the backend's own
    // reason, where the pool would wait out its timeout. For SQLite it also
    // switches a new file to WAL once: done by many pooled connections at
    // the same moment, the switch can fail as "locked".
    drop(establish(url, connect_timeout)?);
    let manager = DbManager {
        url: url.clone(),
        timeout: connect_timeout,
    };
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(connect_timeout)
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
    fn postgres_urls_get_a_connect_timeout() {
        let t = Duration::from_millis(2000);
        assert_eq!(
            with_connect_timeout("postgres://u@h/db", t),
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout(
                "postgres://u@h/db?sslmode=disable",
                Duration::from_millis(3500)
            ),
            "postgres://u@h/db?sslmode=disable&connect_timeout=4"
        );
        // libpq treats less than 2 s as 2 s; say so rather than pretend.
        assert_eq!(
            with_connect_timeout("postgres://u@h/db", Duration::from_millis(300)),
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?connect_timeout=9", t),
            "postgres://u@h/db?connect_timeout=9"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/ledger").unwrap();
        assert_eq!(url.display(), "postgres://app:***@db:5432/ledger");
    }
}
