//! The risk engine: fed the ledger's events and inspection outcomes in
//! order, it keeps every shipment and the history the factors need, and
//! scores any shipment at any moment. The service and `ewaybill risk eval`
//! run the same engine.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::config::ModelConfig;
use super::history::History;
use super::score::{Assessment, assess};
use super::shipment::{Shipment, Timeline};
use super::signals::{self, AtIssue, Context, OwnInspections};
use crate::domain::lifecycle::ActType;
use crate::domain::projection::WaybillState;

pub struct RiskEngine {
    model: Arc<ModelConfig>,
    history: History,
    entries: HashMap<Uuid, Entry>,
}

struct Entry {
    shipment: Shipment,
    at_issue: AtIssue,
    own: OwnInspections,
}

impl RiskEngine {
    pub fn new(model: Arc<ModelConfig>) -> Self {
        RiskEngine {
            model,
            history: History::default(),
            entries: HashMap::new(),
        }
    }

    pub fn model(&self) -> &Arc<ModelConfig> {
        &self.model
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn shipment(&self, id: &Uuid) -> Option<&Shipment> {
        self.entries.get(id).map(|e| &e.shipment)
    }

    pub fn register_party(&mut self, reg_no: &str, at: DateTime<Utc>) {
        self.history.register_party(reg_no, at);
    }

    /// One act, in log order; `state` is the waybill after it (or later:
    /// facts come from the state, times from the act).
    pub fn ingest(&mut self, state: &WaybillState, act: ActType, at: DateTime<Utc>) {
        let id = state.id;
        let entry = match self.entries.remove(&id) {
            Some(mut entry) => {
                entry.shipment.timeline.record(act, at);
                let timeline = std::mem::take(&mut entry.shipment.timeline);
                entry.shipment = Shipment::from_state(state, timeline);
                entry
            }
            None => {
                let mut timeline = Timeline::default();
                timeline.record(act, at);
                let shipment = Shipment::from_state(state, timeline);
                let since = |reg: &str| self.history.parties.get(reg).and_then(|p| p.since());
                let at_issue = AtIssue {
                    issued_at: Some(at),
                    pair_before: self
                        .history
                        .pair_count(&shipment.consignor.reg_no, &shipment.consignee.reg_no),
                    since: [
                        since(&shipment.consignor.reg_no),
                        since(&shipment.consignee.reg_no),
                        since(&shipment.carrier.reg_no),
                    ],
                };
                self.history.add_issued(&shipment, at);
                Entry {
                    shipment,
                    at_issue,
                    own: OwnInspections::default(),
                }
            }
        };
        let s = &entry.shipment;
        match act {
            ActType::ConsignorCorrect if s.timeline.corrected_at.len() == 1 => {
                self.history.add_first_correction(&s.consignor.reg_no)
            }
            ActType::ConsignorCancel => self.history.add_cancelled(&s.consignor.reg_no),
            ActType::ConsigneeAccept | ActType::ConsigneeReject => self
                .history
                .add_concluded(&s.consignee.reg_no, act == ActType::ConsigneeReject),
            ActType::CarrierChangeVehicle => self.history.add_plates(s),
            _ => {}
        }
        self.entries.insert(id, entry);
    }

    /// An inspection outcome for a waybill the engine knows; unknown ones
    /// are ignored (their waybill has not reached the engine yet).
    pub fn record_inspection(&mut self, waybill: &Uuid, irregular: bool) -> bool {
        let Some(entry) = self.entries.get_mut(waybill) else {
            return false;
        };
        entry.own.inspections += 1;
        entry.own.irregular += u32::from(irregular);
        let s = &entry.shipment;
        self.history.add_inspection(
            [&s.consignor.reg_no, &s.consignee.reg_no, &s.carrier.reg_no],
            irregular,
        );
        true
    }

    pub fn assess(&self, id: &Uuid, now: DateTime<Utc>) -> Option<Assessment> {
        let entry = self.entries.get(id)?;
        let cx = Context {
            history: &self.history,
            model: &self.model,
            now,
        };
        let signals = signals::all(&entry.shipment, &entry.at_issue, entry.own, &cx);
        Some(assess(&self.model, *id, signals, now))
    }

    /// Every shipment that passes `keep`, highest score first (ties: the
    /// newest first, by UUIDv7 order).
    pub fn rank(&self, keep: impl Fn(&Shipment) -> bool, now: DateTime<Utc>) -> Vec<Assessment> {
        let mut ranked: Vec<(f64, Assessment)> = self
            .entries
            .values()
            .filter(|e| keep(&e.shipment))
            .filter_map(|e| {
                let a = self.assess(&e.shipment.id, now)?;
                Some((super::score::logit(&self.model, &a.inputs), a))
            })
            .collect();
        ranked.sort_by(|(za, a), (zb, b)| {
            zb.total_cmp(za)
                .then_with(|| b.waybill_id.cmp(&a.waybill_id))
        });
        ranked.into_iter().map(|(_, a)| a).collect()
    }
}
