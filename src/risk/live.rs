//! The risk engine kept in step with the database: before answering, it
//! reads the events, registrations and inspection outcomes written since
//! it last looked (by this instance or any other on the same database), in
//! log order. The first call after start reads the whole ledger.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDateTime;

use super::config::ModelConfig;
use super::engine::RiskEngine;
use crate::domain::ids::{LogIndex, WaybillId};
use crate::domain::inspection::InspectionOutcome;
use crate::domain::lifecycle::ActType;
use crate::storage::risk as store;
use crate::storage::{DbConnection, StorageError, time};

pub struct LiveRisk {
    state: Mutex<Caught>,
}

pub struct Caught {
    pub engine: RiskEngine,
    last_seq: LogIndex,
    last_party_seq: LogIndex,
    last_inspection: Option<(NaiveDateTime, String)>,
}

/// Events read per round trip while catching up.
const CHUNK: i64 = 5000;

impl LiveRisk {
    pub fn new(model: Arc<ModelConfig>) -> Self {
        LiveRisk {
            state: Mutex::new(Caught {
                engine: RiskEngine::new(model),
                last_seq: LogIndex::from(-1),
                last_party_seq: LogIndex::from(-1),
                last_inspection: None,
            }),
        }
    }

    /// Brings the engine up to date and hands it over, locked, for scoring.
    pub fn catch_up(
        &self,
        conn: &mut DbConnection,
    ) -> Result<MutexGuard<'_, Caught>, StorageError> {
        // A panic while scoring cannot leave the engine half-updated in a
        // way that matters: every update is a whole event.
        let mut caught = self.state.lock().unwrap_or_else(|p| p.into_inner());
        caught.read_new(conn)?;
        Ok(caught)
    }
}

impl Caught {
    fn read_new(&mut self, conn: &mut DbConnection) -> Result<(), StorageError> {
        for (seq, reg_no, at) in store::companies_after(conn, self.last_party_seq)? {
            self.engine.register_party(&reg_no, time::from_db(at));
            self.last_party_seq = seq;
        }
        loop {
            let events = store::events_after(conn, self.last_seq, CHUNK)?;
            let Some(last) = events.last() else {
                break;
            };
            let last_seq = last.seq;
            let mut ids: Vec<WaybillId> =
                events.iter().filter_map(|e| e.waybill_id.clone()).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut states = std::collections::HashMap::with_capacity(ids.len());
            for row in store::waybills_by_id(conn, &ids)? {
                states.insert(row.id.clone(), row.projection()?);
            }
            for event in &events {
                // Registry events have no waybill and no waybill act type.
                let (Some(id), Some(act)) = (
                    event.waybill_id.as_ref(),
                    ActType::parse(&event.act_type).ok(),
                ) else {
                    continue;
                };
                if let Some(state) = states.get(id) {
                    self.engine
                        .ingest(state, act, time::from_db(event.received_at));
                }
            }
            self.last_seq = last_seq;
            if (events.len() as i64) < CHUNK {
                break;
            }
        }
        for (at, id, waybill, outcome) in
            store::inspections_after(conn, self.last_inspection.as_ref())?
        {
            if let Ok(uuid) = waybill.parse() {
                self.engine
                    .record_inspection(&uuid, outcome == InspectionOutcome::Irregularity);
            }
            self.last_inspection = Some((at, id));
        }
        Ok(())
    }
}
