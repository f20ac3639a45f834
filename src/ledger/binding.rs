//! The service key belongs to its log. A checkpoint names its log by origin
//! and is signed by the service key, so one key and origin signing two
//! databases' logs would publish two contradicting histories of "the same"
//! log. The database holds one row naming its log (a random `log_id`, the
//! origin and the key id); the data directory, beside the key, records the
//! same in `log_binding.json`. A start where the two disagree is refused
//! with a message that says what to do, before anything is signed.
//!
//! The first start on a fresh data directory and a fresh database (or an
//! existing pair from before the binding) records both; later starts on the
//! same pair, and other instances sharing them, check and go on.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::storage::log_binding::{self as rows, LogBindingRow};
use crate::storage::{DbConnection, StorageError, time};

use super::merkle_log::LogIdentity;

/// File name of the binding inside the data directory.
pub const BINDING_FILE_NAME: &str = "log_binding.json";

/// Which log a data directory's key signs, as recorded in the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub log_id: String,
    pub origin: String,
    pub key_id: String,
    /// The database the log was in when the binding was recorded
    /// (informational, without its password).
    pub database: String,
    pub bound_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    /// The data directory and the database belong to different logs.
    #[error("refusing to start: {0}")]
    Refused(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
}

/// What a start must record once the log itself has been checked.
#[derive(Debug)]
pub enum Plan {
    /// Both sides agree: nothing to record.
    Bound(Binding),
    /// The database names this key's log; the data directory does not yet.
    WriteFile(Binding),
    /// Neither names a log: bind them now.
    Create(Binding),
}

/// Where this start stands, without writing anything: refuses a data
/// directory and a database that belong to different logs.
pub fn check(
    conn: &mut DbConnection,
    data_dir: &Path,
    identity: &LogIdentity,
    database: &str,
) -> Result<Plan, BindingError> {
    let file = read_file(data_dir)?;
    let row = rows::get(conn)?;
    let key_id = identity.key_id();
    let dir = data_dir.display();
    match (file, row) {
        (Some(file), Some(row)) if file.log_id != row.log_id => {
            Err(BindingError::Refused(format!(
                "the service key in {dir} signs the log {} (origin {}, bound to {} on {}), \
             but {database} holds another log ({}, origin {}). One key and origin must \
             never sign two logs. Point DATABASE_URL at the database this data directory \
             belongs to, or give this database its own EWAYBILL_DATA_DIR.",
                file.log_id, file.origin, file.database, file.bound_at, row.log_id, row.origin
            )))
        }
        (Some(file), None) => Err(BindingError::Refused(format!(
            "the service key in {dir} signs the log {} (origin {}, bound to {} on {}), \
             but {database} holds no log of this service: it is a new or another database. \
             One key and origin must never sign two logs. Point DATABASE_URL at the \
             database this data directory belongs to, or start the new log with a new, \
             empty EWAYBILL_DATA_DIR.",
            file.log_id, file.origin, file.database, file.bound_at
        ))),
        (file, Some(row)) => {
            if row.key_id != key_id {
                return Err(BindingError::Refused(format!(
                    "{database} holds the log {} signed by the service key {}, but the \
                     key in {dir} is {key_id}. Restore that log's {} into {dir}, or point \
                     DATABASE_URL at the database of this key.",
                    row.log_id,
                    row.key_id,
                    crate::crypto::SERVICE_KEY_FILE_NAME
                )));
            }
            if row.origin != identity.origin() {
                return Err(BindingError::Refused(format!(
                    "{database} holds the log {} with origin {}, but this start would sign \
                     its checkpoints as {}. A log keeps one origin: set EWAYBILL_LOG_ORIGIN \
                     to {} (or unset it if that is the default).",
                    row.log_id,
                    row.origin,
                    identity.origin(),
                    row.origin
                )));
            }
            let binding = binding_of(&row, database);
            Ok(match file {
                Some(file) => Plan::Bound(file),
                None => Plan::WriteFile(binding),
            })
        }
        (None, None) => Ok(Plan::Create(Binding {
            log_id: Uuid::new_v4().to_string(),
            origin: identity.origin().to_owned(),
            key_id,
            database: database.to_owned(),
            bound_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        })),
    }
}

/// Records what [`check`] found missing. Returns the binding in force.
pub fn record(
    conn: &mut DbConnection,
    data_dir: &Path,
    plan: Plan,
    identity: &LogIdentity,
    database: &str,
) -> Result<Binding, BindingError> {
    let binding = match plan {
        Plan::Bound(binding) => return Ok(binding),
        Plan::WriteFile(binding) => binding,
        Plan::Create(binding) => {
            let row = LogBindingRow {
                id: rows::ROW_ID,
                log_id: binding.log_id.clone(),
                origin: binding.origin.clone(),
                key_id: binding.key_id.clone(),
                created_at: time::to_db(time::now()),
            };
            match rows::insert(conn, &row) {
                Ok(()) => binding,
                // Another instance on the same database was first: take its
                // log if it is this key's, refuse otherwise.
                Err(e) if e.is_unique_violation() => {
                    return match check(conn, data_dir, identity, database)? {
                        Plan::Create(_) => Err(BindingError::Storage(e)),
                        plan => record(conn, data_dir, plan, identity, database),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    write_file(data_dir, &binding)?;
    Ok(binding)
}

fn binding_of(row: &LogBindingRow, database: &str) -> Binding {
    Binding {
        log_id: row.log_id.clone(),
        origin: row.origin.clone(),
        key_id: row.key_id.clone(),
        database: database.to_owned(),
        bound_at: row
            .created_at
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

fn read_file(data_dir: &Path) -> Result<Option<Binding>, BindingError> {
    let path = data_dir.join(BINDING_FILE_NAME);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(BindingError::File {
                path,
                message: e.to_string(),
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| BindingError::File {
            path,
            message: format!("not a log binding: {e}"),
        })
}

/// Writes the file whole or not at all: a temporary file, fsynced, renamed.
fn write_file(data_dir: &Path, binding: &Binding) -> Result<(), BindingError> {
    let path = data_dir.join(BINDING_FILE_NAME);
    let tmp = data_dir.join(format!(".{BINDING_FILE_NAME}.{}.tmp", Uuid::new_v4()));
    let error = |e: std::io::Error| BindingError::File {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut text = serde_json::to_string_pretty(binding).map_err(|e| BindingError::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    text.push('\n');
    let written = File::create(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, &path))
        .and_then(|()| File::open(data_dir).and_then(|d| d.sync_all()));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ServiceKey;
    use crate::storage::{DatabaseUrl, connect, migrations};
    use std::sync::Arc;

    struct Dir {
        _tmp: tempfile::TempDir,
        path: PathBuf,
    }

    fn data_dir() -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().to_owned();
        Dir { _tmp: tmp, path }
    }

    fn database(dir: &Path, name: &str) -> DbConnection {
        let url = DatabaseUrl::Sqlite(dir.join(name));
        let mut conn = connect(&url).unwrap();
        migrations::run_pending(&mut conn).unwrap();
        conn
    }

    fn identity(dir: &Path, origin: Option<&str>) -> LogIdentity {
        let (key, _) = ServiceKey::load_or_create(dir).unwrap();
        LogIdentity::new(origin.map(str::to_owned), Arc::new(key))
    }

    fn start(
        conn: &mut DbConnection,
        dir: &Path,
        id: &LogIdentity,
    ) -> Result<Binding, BindingError> {
        let plan = check(conn, dir, id, "db")?;
        record(conn, dir, plan, id, "db")
    }

    #[test]
    fn a_fresh_pair_is_bound_and_starts_again() {
        let d = data_dir();
        let mut x = database(&d.path, "x.db");
        let id = identity(&d.path, None);
        let first = start(&mut x, &d.path, &id).unwrap();
        assert_eq!(read_file(&d.path).unwrap(), Some(first.clone()));
        assert_eq!(rows::get(&mut x).unwrap().unwrap().log_id, first.log_id);
        assert!(matches!(
            check(&mut x, &d.path, &id, "db").unwrap(),
            Plan::Bound(_)
        ));
        assert_eq!(start(&mut x, &d.path, &id).unwrap(), first);
    }

    #[test]
    fn another_database_is_refused() {
        let d = data_dir();
        let id = identity(&d.path, None);
        start(&mut database(&d.path, "x.db"), &d.path, &id).unwrap();
        // A new database, and one bound to another data directory.
        let err = start(&mut database(&d.path, "y.db"), &d.path, &id)
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no log of this service"), "{err}");
        let other = data_dir();
        let mut z = database(&other.path, "z.db");
        start(&mut z, &other.path, &identity(&other.path, None)).unwrap();
        let err = start(&mut z, &d.path, &id).unwrap_err().to_string();
        assert!(err.contains("holds another log"), "{err}");
        assert!(err.contains("must never sign two logs"), "{err}");
    }

    #[test]
    fn another_key_or_origin_on_a_bound_database_is_refused() {
        let d = data_dir();
        let mut x = database(&d.path, "x.db");
        start(&mut x, &d.path, &identity(&d.path, None)).unwrap();
        let fresh = data_dir();
        let err = start(&mut x, &fresh.path, &identity(&fresh.path, None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("signed by the service key"), "{err}");
        assert_eq!(read_file(&fresh.path).unwrap(), None);
        let err = start(&mut x, &d.path, &identity(&d.path, Some("example.org/log")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("A log keeps one origin"), "{err}");
    }

    #[test]
    fn a_missing_file_is_restored_from_the_database() {
        let d = data_dir();
        let mut x = database(&d.path, "x.db");
        let id = identity(&d.path, None);
        let first = start(&mut x, &d.path, &id).unwrap();
        fs::remove_file(d.path.join(BINDING_FILE_NAME)).unwrap();
        assert_eq!(start(&mut x, &d.path, &id).unwrap().log_id, first.log_id);
        assert_eq!(read_file(&d.path).unwrap().unwrap().log_id, first.log_id);
    }
}
