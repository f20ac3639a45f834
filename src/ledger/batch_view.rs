//! What the writer knows while it checks a run of acts: everything the acts
//! will look up, fetched in a few queries up front, and updated in memory as
//! each act is accepted, so later acts in the same batch see earlier ones.
//! The writes happen once at the end of the run ([`BatchView::flush`]).

use std::collections::{HashMap, HashSet};

use crate::domain::act::ActBody;
use crate::domain::ids::{KeyId, PartyId, WaybillId};
use crate::domain::projection::WaybillState;
use crate::storage::events::EventRow;
use crate::storage::keys::KeyWithParty;
use crate::storage::parties::PartyRow;
use crate::storage::search::FactsRow;
use crate::storage::waybills::WaybillRow;
use crate::storage::{self, DbConnection, StorageResult};

use super::commands::PreparedAct;

#[derive(Default)]
pub struct BatchView {
    hashes: HashMap<String, Option<WaybillId>>,
    keys: HashMap<KeyId, KeyWithParty>,
    waybills: HashMap<WaybillId, WaybillRow>,
    companies: HashMap<(String, String), PartyRow>,
    /// (consignor party id, number) -> waybill id
    numbers: HashMap<(PartyId, String), WaybillId>,
    /// Waybills created in this run (inserted, not updated, at flush).
    created: HashSet<WaybillId>,
    /// Waybills changed in this run, in first-touched order.
    touched: Vec<WaybillId>,
    events: Vec<EventRow>,
    /// Search facts of touched waybills, as of their latest act.
    facts: HashMap<WaybillId, (FactsRow, HashSet<String>)>,
    /// Who each accepted act concerns (feed and webhook outbox).
    notices: Vec<super::outbox::Notice>,
}

impl BatchView {
    /// Fetches what `acts` will need, in five queries whatever their number.
    pub fn prefetch(conn: &mut DbConnection, acts: &[&PreparedAct]) -> StorageResult<Self> {
        let mut view = Self::default();
        let hashes: Vec<&str> = acts.iter().map(|a| a.hash.as_str()).collect();
        let key_ids: Vec<&KeyId> = acts.iter().map(|a| &a.act.header.key_id).collect();
        let ids: Vec<WaybillId> = acts
            .iter()
            .map(|a| WaybillId::from(a.act.header.waybill_id))
            .collect();
        let mut reg_nos = Vec::new();
        let mut numbers = Vec::new();
        for act in acts {
            if let ActBody::Document(doc) = &act.act.body {
                for (_, party) in doc.parties() {
                    reg_nos.push(party.reg_no.clone());
                }
                numbers.push(doc.number.clone());
            }
        }

        view.hashes
            .extend(storage::events::waybills_of_hashes(conn, &hashes)?);
        for key in storage::keys::find_many(conn, &key_ids)? {
            view.keys.insert(key.key.key_id.clone(), key);
        }
        for row in storage::waybills::find_many(conn, &ids)? {
            view.numbers.insert(
                (row.consignor_id.clone(), row.number.clone()),
                row.id.clone(),
            );
            view.waybills.insert(row.id.clone(), row);
        }

        if !reg_nos.is_empty() {
            for party in storage::parties::with_registration_numbers(conn, &reg_nos)? {
                view.companies
                    .insert((party.reg_no.clone(), party.country.clone()), party);
            }
            for (consignor, number, id) in storage::waybills::holding_numbers(conn, &numbers)? {
                view.numbers.insert((consignor, number), id);
            }
        }
        Ok(view)
    }

    /// The event with this hash, if recorded: its waybill.
    pub fn event_waybill(&self, hash: &str) -> Option<Option<WaybillId>> {
        self.hashes.get(hash).cloned()
    }

    pub fn key(&self, key_id: &str) -> Option<&KeyWithParty> {
        self.keys.get(key_id)
    }

    pub fn waybill(&self, id: &str) -> Option<&WaybillRow> {
        self.waybills.get(id)
    }

    pub fn party(&self, reg_no: &str, country: &str) -> Option<&PartyRow> {
        self.companies.get(&(reg_no.to_owned(), country.to_owned()))
    }

    /// Which waybill holds this consignor's document number, if any.
    pub fn number_owner(&self, consignor_id: &PartyId, number: &str) -> Option<&WaybillId> {
        self.numbers.get(&(consignor_id.clone(), number.to_owned()))
    }

    /// Records an accepted act: later acts in the run see its effects.
    pub fn accept(&mut self, event: EventRow, row: WaybillRow, state: &WaybillState) {
        let facts = state.search_facts();
        let plates: HashSet<String> = self
            .facts
            .remove(&row.id)
            .map(|(_, earlier)| earlier)
            .unwrap_or_default()
            .into_iter()
            .chain(facts.plates)
            .collect();
        self.facts.insert(
            row.id.clone(),
            (
                FactsRow {
                    waybill_id: row.id.clone(),
                    excise: facts.excise,
                    cn_codes: facts.cn_codes,
                    loading_country: facts.loading_country,
                    loading_city: facts.loading_city,
                    unloading_country: facts.unloading_country,
                    unloading_city: facts.unloading_city,
                },
                plates,
            ),
        );
        self.hashes
            .insert(event.hash.clone(), event.waybill_id.clone());
        if !self.waybills.contains_key(&row.id) {
            self.created.insert(row.id.clone());
        }
        if let Some(previous) = self.waybills.get(&row.id)
            && previous.number != row.number
        {
            self.numbers
                .remove(&(previous.consignor_id.clone(), previous.number.clone()));
        }
        if !self.touched.contains(&row.id) {
            self.touched.push(row.id.clone());
        }
        self.numbers.insert(
            (row.consignor_id.clone(), row.number.clone()),
            row.id.clone(),
        );
        self.notices.push(super::outbox::Notice::of(&event, &row));
        self.waybills.insert(row.id.clone(), row);
        self.events.push(event);
    }

    /// Writes the run: every event in one multi-row INSERT (per chunk), each
    /// touched waybill once in its final state.
    pub fn flush(self, conn: &mut DbConnection) -> StorageResult<()> {
        storage::events::insert_many(conn, &self.events)?;
        let (new, changed): (Vec<&WaybillRow>, Vec<&WaybillRow>) = self
            .touched
            .iter()
            .filter_map(|id| self.waybills.get(id))
            .partition(|row| self.created.contains(&row.id));
        let new: Vec<WaybillRow> = new.into_iter().cloned().collect();
        storage::waybills::insert_many(conn, &new)?;
        for row in changed {
            storage::waybills::update(conn, row)?;
        }
        let facts: Vec<_> = self.facts.into_values().collect();
        storage::search::write(conn, &facts)?;
        super::outbox::write(conn, &self.notices)?;
        Ok(())
    }
}
