//! The witness's own small SQLite database: per log origin, the latest
//! checkpoint it cosigned. Separate from the service's database (its own
//! file, schema and migrations in `migrations/witness/sqlite`), because a
//! witness is run by someone else than the log's operator.
//!
//! The check of a request against the stored size and the update happen
//! in one `BEGIN IMMEDIATE` transaction ([`WitnessStore::cosign_with`]), so
//! two concurrent requests cannot roll the stored size back (the race the
//! spec describes).

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::merkle::Hash;

use super::add_checkpoint::Witnessed;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/witness/sqlite");

diesel::table! {
    witnessed (origin) {
        origin -> Text,
        size -> BigInt,
        root_hash -> Binary,
        note -> Text,
        cosigned_at -> BigInt,
    }
}

/// Storage failures of the witness.
#[derive(Debug, thiserror::Error)]
pub enum WitnessStoreError {
    /// The database file could not be opened or migrated.
    #[error("witness database {path}: {detail}")]
    Open {
        /// The database path.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A query failed.
    #[error("witness database: {0}")]
    Query(#[from] diesel::result::Error),
    /// A stored row is not a tree head.
    #[error("witness database holds a corrupt row for {0:?}")]
    Corrupt(String),
}

/// One cosigned checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The tree head.
    pub head: Witnessed,
    /// The checkpoint note with the witness's cosignature.
    pub note: String,
}

/// The open database.
pub struct WitnessStore {
    conn: SqliteConnection,
}

impl WitnessStore {
    /// Opens (creating if needed) and migrates the database at `path`
    /// (`:memory:` for tests).
    pub fn open(path: &str) -> Result<Self, WitnessStoreError> {
        let fail = |detail: String| WitnessStoreError::Open {
            path: path.to_owned(),
            detail,
        };
        let mut conn = SqliteConnection::establish(path).map_err(|e| fail(e.to_string()))?;
        diesel::sql_query("PRAGMA busy_timeout = 10000")
            .execute(&mut conn)
            .map_err(|e| fail(e.to_string()))?;
        if path != ":memory:" {
            diesel::sql_query("PRAGMA journal_mode = WAL")
                .execute(&mut conn)
                .map_err(|e| fail(e.to_string()))?;
        }
        diesel::sql_query("PRAGMA synchronous = FULL")
            .execute(&mut conn)
            .map_err(|e| fail(e.to_string()))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self { conn })
    }

    /// The latest cosigned checkpoint of `origin`.
    pub fn latest(&mut self, origin: &str) -> Result<Option<Record>, WitnessStoreError> {
        latest_in(&mut self.conn, origin)
    }

    /// Atomically: reads the latest record of `origin`, lets `decide` turn
    /// it into a new record (or a refusal), and stores the new record
    /// before returning it. Nothing is stored when `decide` refuses.
    pub fn cosign_with<R, E>(
        &mut self,
        origin: &str,
        decide: impl FnOnce(Option<Witnessed>) -> Result<(Record, R), E>,
    ) -> Result<Result<R, E>, WitnessStoreError> {
        self.conn.immediate_transaction(|conn| {
            let latest = latest_in(conn, origin)?.map(|r| r.head);
            let (record, answer) = match decide(latest) {
                Ok(decided) => decided,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let row = (
                witnessed::origin.eq(origin),
                witnessed::size.eq(i64::try_from(record.head.size)
                    .map_err(|_| WitnessStoreError::Corrupt(origin.to_owned()))?),
                witnessed::root_hash.eq(record.head.root_hash.to_vec()),
                witnessed::note.eq(&record.note),
                witnessed::cosigned_at.eq(chrono::Utc::now().timestamp()),
            );
            if latest.is_some() {
                diesel::update(witnessed::table.find(origin))
                    .set(row)
                    .execute(conn)?;
            } else {
                diesel::insert_into(witnessed::table)
                    .values(row)
                    .execute(conn)?;
            }
            Ok(Ok(answer))
        })
    }
}

fn latest_in(
    conn: &mut SqliteConnection,
    origin: &str,
) -> Result<Option<Record>, WitnessStoreError> {
    let row: Option<(i64, Vec<u8>, String)> = witnessed::table
        .find(origin)
        .select((witnessed::size, witnessed::root_hash, witnessed::note))
        .first(conn)
        .optional()?;
    row.map(|(size, root, note)| {
        let corrupt = || WitnessStoreError::Corrupt(origin.to_owned());
        Ok(Record {
            head: Witnessed {
                size: u64::try_from(size).map_err(|_| corrupt())?,
                root_hash: Hash::try_from(root.as_slice()).map_err(|_| corrupt())?,
            },
            note,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(size: u64) -> Record {
        Record {
            head: Witnessed {
                size,
                root_hash: [size as u8; 32],
            },
            note: format!("note {size}\n"),
        }
    }

    #[test]
    fn records_survive_and_refusals_store_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.db");
        let path = path.to_str().unwrap();
        let mut store = WitnessStore::open(path).unwrap();
        assert_eq!(store.latest("log").unwrap(), None);
        let answer: Result<u64, ()> = store
            .cosign_with("log", |latest| {
                assert_eq!(latest, None);
                Ok((record(3), 3))
            })
            .unwrap();
        assert_eq!(answer, Ok(3));
        let refused: Result<(), &str> = store
            .cosign_with("log", |latest| {
                assert_eq!(latest.map(|w| w.size), Some(3));
                Err("no")
            })
            .unwrap();
        assert_eq!(refused, Err("no"));
        store
            .cosign_with::<(), ()>("log", |_| Ok((record(7), ())))
            .unwrap()
            .unwrap();
        drop(store);
        let mut again = WitnessStore::open(path).unwrap();
        assert_eq!(again.latest("log").unwrap(), Some(record(7)));
        assert_eq!(again.latest("other").unwrap(), None);
    }
}
