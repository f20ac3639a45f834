//! The audit of a whole log: entries in order, leaf checks and signatures
//! in parallel per chunk, the registry and chains replayed in order, the
//! tree root recomputed and compared with the checkpoint(s).

use rayon::prelude::*;

use crate::merkle::{Frontier, Hash};
use crate::note::{Checkpoint, VerifierKey};

use super::leaf::{ActKind, CheckedLeaf, check_leaf};
use super::replay::Replay;
use super::report::{Discrepancy, Report, Totals, b64};
use super::signatures::{SigJob, first_invalid};

/// One log entry: its index and exact leaf bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: u64,
    pub leaf: Vec<u8>,
}

/// Why the entry source could not deliver the next entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// Entries checked per parallel step.
const CHUNK: usize = 2048;

/// Audits a log: `checkpoint_note` must be signed by `vkey`; `entries` must
/// be the leaves 0, 1, 2, ... up to the checkpoint's size. Stops at the
/// first discrepancy (the lowest index, for entries). With `since`, an
/// older checkpoint note, also checks that the recomputed tree at its size
/// has its root (the log only grew). `progress` is told how many entries
/// were checked so far, after each chunk.
pub fn verify_log<I>(
    vkey: &VerifierKey,
    checkpoint_note: &str,
    entries: I,
    since: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Report
where
    I: IntoIterator<Item = Result<Entry, SourceError>>,
{
    verify_log_chunked(vkey, checkpoint_note, entries, since, progress, CHUNK)
}

pub(crate) fn verify_log_chunked<I>(
    vkey: &VerifierKey,
    checkpoint_note: &str,
    entries: I,
    since: Option<&str>,
    progress: &mut dyn FnMut(u64),
    chunk_size: usize,
) -> Report
where
    I: IntoIterator<Item = Result<Entry, SourceError>>,
{
    let mut report = Report::new(vkey);
    let key = vkey.to_vkey();
    let checkpoint = match Checkpoint::open(checkpoint_note, vkey) {
        Ok(c) => c,
        Err(reason) => {
            report.fail(Discrepancy::Checkpoint { key, reason });
            return report;
        }
    };
    report.checkpoint = Some(checkpoint.clone());
    let since = match since.map(|note| Checkpoint::open(note, vkey)).transpose() {
        Ok(s) => s,
        Err(reason) => {
            report.fail(Discrepancy::SinceCheckpoint { key, reason });
            return report;
        }
    };
    report.since = since.clone();
    if let Some(s) = &since
        && s.size > checkpoint.size
    {
        report.fail(Discrepancy::SinceAhead {
            since: s.size,
            size: checkpoint.size,
        });
        return report;
    }

    let mut audit = Audit {
        replay: Replay::new(*vkey.public_key()),
        frontier: Frontier::new(),
        since_size: since.as_ref().map(|s| s.size),
        since_root: None,
        size: checkpoint.size,
        totals: Totals::default(),
    };
    audit.note_since_root();
    let mut entries = entries.into_iter();
    let chunk_size = chunk_size.max(1);
    loop {
        let mut chunk = Vec::with_capacity(chunk_size);
        let mut read_error = None;
        while chunk.len() < chunk_size {
            match entries.next() {
                None => break,
                Some(Ok(entry)) => chunk.push(entry),
                Some(Err(e)) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        if chunk.is_empty() && read_error.is_none() {
            break;
        }
        let found = audit.chunk(&chunk);
        report.totals = audit.totals.clone();
        if let Some(d) = found {
            report.fail(d);
            return report;
        }
        progress(audit.frontier.size());
        if let Some(SourceError(detail)) = read_error {
            report.fail(Discrepancy::Unreadable {
                index: audit.frontier.size(),
                detail,
            });
            return report;
        }
    }

    let count = audit.frontier.size();
    if count < checkpoint.size {
        report.fail(Discrepancy::Truncated {
            index: count,
            size: checkpoint.size,
        });
        return report;
    }
    let root = audit.frontier.root();
    report.recomputed_root = Some(root);
    if root != checkpoint.root_hash {
        report.fail(Discrepancy::RootMismatch {
            size: checkpoint.size,
            expected: b64(&checkpoint.root_hash),
            computed: b64(&root),
        });
        return report;
    }
    if let (Some(s), Some(computed)) = (&since, audit.since_root)
        && computed != s.root_hash
    {
        report.fail(Discrepancy::SinceRootMismatch {
            size: s.size,
            expected: b64(&s.root_hash),
            computed: b64(&computed),
        });
    }
    report
}

struct Audit {
    replay: Replay,
    frontier: Frontier,
    since_size: Option<u64>,
    since_root: Option<Hash>,
    /// The checkpoint's tree size.
    size: u64,
    totals: Totals,
}

/// What one verified entry adds to the totals.
struct Counted {
    index: u64,
    act_type: String,
    kind: CountedKind,
}

enum CountedKind {
    Waybill { new: bool },
    Party,
    KeyRegister,
    KeyRevoke,
}

impl Audit {
    fn note_since_root(&mut self) {
        if self.since_size == Some(self.frontier.size()) {
            self.since_root = Some(self.frontier.root());
        }
    }

    /// Checks one chunk of entries; the first discrepancy in it, if any.
    /// Totals count only the entries before it.
    fn chunk(&mut self, chunk: &[Entry]) -> Option<Discrepancy> {
        let checked: Vec<Result<CheckedLeaf, Discrepancy>> = chunk
            .par_iter()
            .with_min_len(8)
            .map(|e| check_leaf(e.index, &e.leaf))
            .collect();

        let mut jobs = Vec::with_capacity(chunk.len());
        let mut counted = Vec::with_capacity(chunk.len());
        let mut structural = None;
        for (entry, leaf) in chunk.iter().zip(checked) {
            if let Some(d) = self.step(entry, leaf, &mut jobs, &mut counted) {
                structural = Some(d);
                break;
            }
        }

        // The lowest index wins; at the same index a bad signature is the
        // more basic fault (a tampered act usually breaks both).
        let bad_signature = first_invalid(&jobs).map(|p| &jobs[p]);
        let found = match (bad_signature, structural) {
            (Some(job), s)
                if s.as_ref()
                    .and_then(Discrepancy::index)
                    .is_none_or(|i| job.index <= i) =>
            {
                Some(Discrepancy::BadSignature {
                    index: job.index,
                    key_id: job.key_id.clone(),
                })
            }
            (_, s) => s,
        };
        let cut = found
            .as_ref()
            .and_then(Discrepancy::index)
            .unwrap_or(u64::MAX);
        for c in counted.into_iter().take_while(|c| c.index < cut) {
            self.count(c);
        }
        found
    }

    /// One entry in order: contiguity, then the leaf, then the key valid
    /// at its index, then the chains and registry, then the tree.
    fn step(
        &mut self,
        entry: &Entry,
        leaf: Result<CheckedLeaf, Discrepancy>,
        jobs: &mut Vec<SigJob>,
        counted: &mut Vec<Counted>,
    ) -> Option<Discrepancy> {
        let index = self.frontier.size();
        if entry.index != index {
            return Some(if entry.index > index {
                Discrepancy::Missing {
                    index,
                    found: entry.index,
                }
            } else {
                Discrepancy::OutOfOrder {
                    index,
                    found: entry.index,
                }
            });
        }
        if index >= self.size {
            return Some(Discrepancy::BeyondCheckpoint {
                index,
                size: self.size,
            });
        }
        let leaf = match leaf {
            Ok(leaf) => leaf,
            Err(d) => return Some(d),
        };
        let key = match self.replay.signing_key(&leaf) {
            Ok(key) => key,
            Err(d) => return Some(d),
        };
        let advanced = self.replay.advance(&leaf);
        let CheckedLeaf {
            act_type,
            kind,
            key_id,
            signed,
            signature,
            leaf_hash,
            ..
        } = leaf;
        jobs.push(SigJob {
            index,
            key,
            key_id,
            msg: signed,
            signature,
        });
        let new_waybill = match advanced {
            Ok(new) => new,
            Err(d) => return Some(d),
        };
        if let Err(e) = self.frontier.append(leaf_hash) {
            return Some(Discrepancy::MalformedLeaf {
                index,
                detail: e.to_string(),
            });
        }
        self.note_since_root();
        counted.push(Counted {
            index,
            act_type,
            kind: match kind {
                ActKind::Waybill { .. } => CountedKind::Waybill { new: new_waybill },
                ActKind::PartyCreate { .. } => CountedKind::Party,
                ActKind::KeyRegister { .. } => CountedKind::KeyRegister,
                ActKind::KeyRevoke { .. } => CountedKind::KeyRevoke,
            },
        });
        None
    }

    fn count(&mut self, c: Counted) {
        let t = &mut self.totals;
        t.entries += 1;
        t.signatures_verified += 1;
        match c.kind {
            CountedKind::Waybill { new } => {
                t.waybill_acts += 1;
                t.waybills += u64::from(new);
            }
            CountedKind::Party => t.parties += 1,
            CountedKind::KeyRegister => t.keys_registered += 1,
            CountedKind::KeyRevoke => t.keys_revoked += 1,
        }
        if !matches!(c.kind, CountedKind::Waybill { .. }) {
            t.registry_entries += 1;
        }
        *t.by_type.entry(c.act_type).or_default() += 1;
    }
}
