//! Persistence: diesel over PostgreSQL or SQLite, the schema, and one small
//! repository module per table. Repositories are plain functions over a
//! connection so the sequencer can compose them inside one transaction.

pub mod assertions;
pub mod audit;
pub mod connection;
pub mod deliveries;
pub mod events;
pub mod feed;
pub mod idempotency;
pub mod insert;
pub mod inspections;
pub mod keys;
pub mod log_binding;
pub mod migrations;
pub mod parties;
pub mod risk;
pub mod roadside;
pub mod schema;
pub mod search;
pub mod time;
pub mod tree;
pub mod waybills;
pub mod webhooks;

pub use connection::{
    DEFAULT_CONNECT_TIMEOUT, DatabaseUrl, DbConnection, DbManager, DbPool, PooledDb, connect,
    open_pool, transaction,
};

/// What can go wrong below the domain.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("stored data is not what the service wrote: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// A connection lost as the backends report it, for the writer's fault
    /// injection in tests.
    #[doc(hidden)]
    pub fn connection_lost(message: &str) -> Self {
        StorageError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new(message.to_owned()),
        ))
    }

    /// Whether a unique constraint refused the write (how both backends say "exists").
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// Whether the database could not be reached or the connection was lost
    /// (refused, timed out, closed by the server mid-query, broken pipe,
    /// EOF, a server shutting down; for SQLite a file locked by another
    /// process): the statement failed for a reason that is nobody's act,
    /// and a later retry may succeed. Everything else is about what was
    /// asked.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            StorageError::Pool(_) | StorageError::Connect(_) => true,
            StorageError::Query(Error::BrokenTransactionManager) => true,
            StorageError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            StorageError::Query(Error::DatabaseError(_, info)) => {
                is_connection_message(info.message())
            }
            _ => false,
        }
    }
}

/// What libpq and SQLite say when the connection, not the statement, failed.
fn is_connection_message(message: &str) -> bool {
    const SIGNS: [&str; 12] = [
        "server closed the connection",
        "terminating connection",
        "the database system is",
        "could not receive data from server",
        "could not send data to server",
        "no connection to the server",
        "connection to server",
        "broken pipe",
        "connection reset",
        "unexpected eof",
        "ssl syscall error",
        "database is locked",
    ];
    let message = message.to_ascii_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

pub type StorageResult<T> = Result<T, StorageError>;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> StorageError {
        StorageError::Query(Error::DatabaseError(kind, Box::new(message.to_owned())))
    }

    #[test]
    fn lost_connections_are_unavailable() {
        for e in [
            db_error(DatabaseErrorKind::ClosedConnection, "whatever"),
            db_error(DatabaseErrorKind::UnableToSendCommand, "no connection"),
            db_error(
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means...",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "could not send data to server: Broken pipe",
            ),
            db_error(DatabaseErrorKind::Unknown, "database is locked"),
            StorageError::Query(Error::BrokenTransactionManager),
            StorageError::Connect("connection refused".into()),
        ] {
            assert!(e.is_unavailable(), "{e}");
        }
    }

    #[test]
    fn refused_statements_are_not_unavailable() {
        for e in [
            db_error(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            db_error(
                DatabaseErrorKind::Unknown,
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            ),
            db_error(DatabaseErrorKind::Unknown, "poisoned"),
            StorageError::Query(Error::NotFound),
            StorageError::Corrupt("x".into()),
        ] {
            assert!(!e.is_unavailable(), "{e}");
        }
    }
}
