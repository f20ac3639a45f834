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

pub use connection::{DatabaseUrl, DbConnection, DbPool, PooledDb, connect, open_pool};

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
}

pub type StorageResult<T> = Result<T, StorageError>;
