//! Looking back: what an accepted act looked like when it was accepted, so
//! a client that lost the answer can be given the very same answer again.

use crate::domain::act::parse_recorded_act;
use crate::domain::projection::{self, WaybillState};
use crate::storage::events::{self, EventRow};
use crate::storage::waybills::WaybillRow;
use crate::storage::{DbConnection, StorageError, StorageResult, time};

/// The waybill's state right after `event`: the stored projection when the
/// event is still the head, otherwise the chain folded up to the event.
pub fn state_after(
    conn: &mut DbConnection,
    row: &WaybillRow,
    event: &EventRow,
) -> StorageResult<WaybillState> {
    if row.head == event.hash {
        return row.projection();
    }
    fold_until(&events::of_waybill(conn, &row.id)?, &event.hash)
}

/// Applies `chain` (one waybill's events in order) up to and including the
/// event with `hash`, exactly as the sequencer applied them.
pub fn fold_until(chain: &[EventRow], hash: &str) -> StorageResult<WaybillState> {
    let mut state: Option<WaybillState> = None;
    for event in chain {
        let raw = events::act_json(event)?;
        let act = parse_recorded_act(raw, event.signature.clone()).map_err(|errors| {
            StorageError::Corrupt(format!(
                "event {} no longer parses: {}",
                event.seq,
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.path, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        let next = projection::apply(
            state.as_ref(),
            &act,
            &event.hash,
            time::from_db(event.received_at),
        )
        .map_err(|e| StorageError::Corrupt(format!("event {} does not apply: {e}", event.seq)))?;
        if event.hash == hash {
            return Ok(next);
        }
        state = Some(next);
    }
    Err(StorageError::Corrupt(format!(
        "event {hash} is not in the waybill's chain"
    )))
}
