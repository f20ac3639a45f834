//! The upload's state file: an append-only journal that makes an upload
//! resumable without duplicates.
//!
//! Each document gets its waybill id once, and the id is on disk (fsynced)
//! before the document is first sent. A run that is interrupted anywhere,
//! even after the server committed but before its answer arrived, is
//! resumed by sending the same ids again: the server answers `existed` for
//! the ones it already has. Outcomes are appended after each batch, so a
//! resumed run skips what is known to be done.
//!
//! One JSON object per line:
//! `{"record":"assigned","number":"…","waybill_id":"…","digest":"…"}` and
//! `{"record":"outcome","number":"…","waybill_id":"…","status":"created","errors":[]}`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What became of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Issued by this upload.
    Created,
    /// The server already had it (sent before, answer lost).
    Existed,
    /// The server refused it; the errors say why.
    Rejected,
    /// Not sent: it has problems found locally.
    Invalid,
    /// Not sent yet.
    NotSent,
}

impl Status {
    /// The waybill exists on the server: never send it again.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Created | Status::Existed)
    }
}

crate::text_enum!(Status);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Record {
    Assigned {
        number: String,
        waybill_id: Uuid,
        digest: String,
    },
    Outcome(Outcome),
}

/// The server's verdict on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub number: String,
    pub waybill_id: Uuid,
    pub status: Status,
    #[serde(default)]
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    pub waybill_id: Uuid,
    /// SHA-256 of the document's RFC 8785 bytes when the id was given.
    pub digest: String,
}

pub struct Journal {
    path: PathBuf,
    file: File,
    assigned: HashMap<String, Assigned>,
    outcomes: HashMap<String, Outcome>,
}

impl Journal {
    /// Opens (or starts) the journal and takes an exclusive lock on it, so
    /// two uploads of the same file cannot interleave.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("opening the state file {}", path.display()))?;
        if file.try_lock().is_err() {
            bail!(
                "{} is in use by another upload; wait for it to finish",
                path.display()
            );
        }
        let mut journal = Self {
            path: path.to_owned(),
            file,
            assigned: HashMap::new(),
            outcomes: HashMap::new(),
        };
        journal.load()?;
        Ok(journal)
    }

    fn load(&mut self) -> anyhow::Result<()> {
        let mut text = String::new();
        (&self.file)
            .read_to_string(&mut text)
            .with_context(|| format!("reading {}", self.path.display()))?;
        // Records are appended whole and fsynced before anything acts on
        // them, so an unterminated tail is a crash mid-append: drop it.
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            eprintln!(
                "warning: dropping an incomplete last line of {}",
                self.path.display()
            );
            self.file.set_len(complete as u64)?;
        }
        for (i, line) in text[..complete].lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(line) {
                Ok(Record::Assigned {
                    number,
                    waybill_id,
                    digest,
                }) => {
                    self.assigned
                        .entry(number)
                        .or_insert(Assigned { waybill_id, digest });
                }
                Ok(Record::Outcome(outcome)) => {
                    self.outcomes.insert(outcome.number.clone(), outcome);
                }
                Err(e) => bail!(
                    "{} line {} is damaged ({e}); it is needed to resume without duplicates",
                    self.path.display(),
                    i + 1
                ),
            }
        }
        Ok(())
    }

    pub fn assigned(&self, number: &str) -> Option<&Assigned> {
        self.assigned.get(number)
    }

    pub fn outcome(&self, number: &str) -> Option<&Outcome> {
        self.outcomes.get(number)
    }

    /// Gives each document without an id a new UUIDv7 and makes that
    /// durable before returning.
    pub fn assign<'a>(
        &mut self,
        docs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> anyhow::Result<()> {
        let mut records = Vec::new();
        for (number, digest) in docs {
            if self.assigned.contains_key(number) {
                continue;
            }
            let assigned = Assigned {
                waybill_id: Uuid::now_v7(),
                digest,
            };
            records.push(Record::Assigned {
                number: number.to_owned(),
                waybill_id: assigned.waybill_id,
                digest: assigned.digest.clone(),
            });
            self.assigned.insert(number.to_owned(), assigned);
        }
        self.append(&records)
    }

    /// Records the outcomes of one batch, durably.
    pub fn record(&mut self, outcomes: Vec<Outcome>) -> anyhow::Result<()> {
        let records: Vec<Record> = outcomes.iter().cloned().map(Record::Outcome).collect();
        self.append(&records)?;
        for outcome in outcomes {
            self.outcomes.insert(outcome.number.clone(), outcome);
        }
        Ok(())
    }

    fn append(&mut self, records: &[Record]) -> anyhow::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for record in records {
            text.push_str(&serde_json::to_string(record)?);
            text.push('\n');
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing the state file {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_a_restart_and_are_given_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload.state.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal
            .assign([("WB-1", "d1".to_owned()), ("WB-2", "d2".to_owned())])
            .unwrap();
        let first = journal.assigned("WB-1").unwrap().clone();
        let id2 = journal.assigned("WB-2").unwrap().waybill_id;
        journal
            .record(vec![Outcome {
                number: "WB-2".into(),
                waybill_id: id2,
                status: Status::Created,
                errors: vec![],
            }])
            .unwrap();
        assert!(Journal::open(&path).is_err(), "locked while in use");
        drop(journal);

        let mut journal = Journal::open(&path).unwrap();
        assert_eq!(journal.assigned("WB-1"), Some(&first));
        journal.assign([("WB-1", "changed".to_owned())]).unwrap();
        assert_eq!(journal.assigned("WB-1"), Some(&first), "never re-assigned");
        assert_eq!(journal.outcome("WB-2").unwrap().status, Status::Created);
        assert!(journal.outcome("WB-1").is_none());
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_damage_elsewhere_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal.assign([("WB-1", "d".to_owned())]).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"record\":\"assig").unwrap();
        drop(file);
        let mut journal = Journal::open(&path).unwrap();
        assert!(journal.assigned("WB-1").is_some());
        journal.assign([("WB-2", "d".to_owned())]).unwrap();
        drop(journal);
        let journal = Journal::open(&path).unwrap();
        assert!(
            journal.assigned("WB-2").is_some(),
            "appends after the torn line"
        );
        drop(journal);

        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("garbage\n{text}")).unwrap();
        assert!(Journal::open(&path).is_err());
    }
}
