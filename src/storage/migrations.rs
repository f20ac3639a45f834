//! Schema migrations, embedded in the binary, one tree per backend.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, StorageError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applies pending migrations; returns how many ran.
pub fn run_pending(conn: &mut DbConnection) -> Result<usize, StorageError> {
    let applied = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    applied.map_err(|e| StorageError::Migration(e.to_string()))
}
