//! Does the event table still say what the tree committed to? Someone with
//! database access can drop the append-only triggers and rewrite an event;
//! the signed tree cannot be rewritten to match without the service key.
//! The scan recomputes every event's leaf hash and compares it with the
//! stored leaf node. It runs in the background after startup so a large
//! log does not delay serving; until it has passed, readiness says so.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::storage::{DbConnection, events, tree};

use super::merkle_log::{LogError, event_leaf_hash};

const PAGE: i64 = 5000;

/// The verdict on the stored log, shared with readiness and metrics.
#[derive(Default)]
pub struct LogHealth {
    state: AtomicU8,
    problem: Mutex<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Unchecked,
    Consistent,
    Inconsistent,
}

impl LogHealth {
    pub fn verdict(&self) -> Verdict {
        match self.state.load(Ordering::Acquire) {
            1 => Verdict::Consistent,
            2 => Verdict::Inconsistent,
            _ => Verdict::Unchecked,
        }
    }

    pub fn problem(&self) -> Option<String> {
        self.problem.lock().ok().and_then(|p| p.clone())
    }

    pub fn set_consistent(&self) {
        self.state.store(1, Ordering::Release);
    }

    pub fn set_inconsistent(&self, problem: String) {
        if let Ok(mut slot) = self.problem.lock() {
            *slot = Some(problem);
        }
        self.state.store(2, Ordering::Release);
    }
}

/// Compares every event below `size` with its stored leaf hash. Returns the
/// first discrepancy as (index, what is wrong).
pub fn scan_leaves(conn: &mut DbConnection, size: u64) -> Result<Option<(i64, String)>, LogError> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let mut start = 0;
    while start < size {
        let end = (start + PAGE).min(size);
        let rows = events::range(conn, start, end)?;
        let leaves = tree::level_range(conn, 0, start, end)?;
        for expected in start..end {
            let position = usize::try_from(expected - start).unwrap_or(usize::MAX);
            let Some(event) = rows.get(position).filter(|e| e.seq == expected) else {
                return Ok(Some((expected, "the event is missing from the log".into())));
            };
            let Some((_, stored)) = leaves.get(position).filter(|(idx, _)| *idx == expected) else {
                return Ok(Some((
                    expected,
                    "the tree has no leaf for this event".into(),
                )));
            };
            if event_leaf_hash(event).as_slice() != stored.as_slice() {
                return Ok(Some((
                    expected,
                    "the stored event differs from the leaf the tree committed to (rewritten?)"
                        .into(),
                )));
            }
        }
        start = end;
    }
    Ok(None)
}
