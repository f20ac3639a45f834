//! What the risk factors read of one waybill: its current document and
//! vehicle, reduced to plain numbers, and when each of its acts happened.

use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

use crate::domain::document::{ExciseCategory, TransactionType};
use crate::domain::lifecycle::{ActType, Status};
use crate::domain::plate::normalize_city;
use crate::domain::projection::WaybillState;

#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    pub id: Uuid,
    pub number: String,
    pub status: Status,
    pub consignor: PartyFacts,
    pub consignee: PartyFacts,
    pub carrier: PartyFacts,
    pub transaction_type: TransactionType,
    pub currency: String,
    pub lines: Vec<LineFacts>,
    pub gross_kg: f64,
    pub has_trailer: bool,
    /// "LV/VENTSPILS": country and normalised city.
    pub from: String,
    pub to: String,
    pub planned_departure: DateTime<Utc>,
    pub planned_arrival: DateTime<Utc>,
    /// Normalised plates, current and earlier.
    pub plates: Vec<String>,
    pub timeline: Timeline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartyFacts {
    pub reg_no: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineFacts {
    pub cn_code: Option<String>,
    pub excise: Option<ExciseCategory>,
    pub amount: f64,
    /// Net weight when declared, else gross.
    pub kg: f64,
}

impl LineFacts {
    /// The 4-digit CN heading, the level at which prices are compared.
    pub fn heading(&self) -> Option<&str> {
        self.cn_code.as_deref().and_then(|c| c.get(..4))
    }
}

/// When the waybill's acts were received (server time).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub issued_at: Option<DateTime<Utc>>,
    pub corrected_at: Vec<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub vehicle_changed_at: Vec<DateTime<Utc>>,
}

impl Timeline {
    pub fn record(&mut self, act: ActType, at: DateTime<Utc>) {
        match act {
            ActType::ConsignorIssue => self.issued_at = Some(at),
            ActType::ConsignorCorrect => self.corrected_at.push(at),
            ActType::ConsignorCancel => self.cancelled_at = Some(at),
            ActType::CarrierAccept => self.accepted_at = Some(at),
            ActType::CarrierDecline => {}
            ActType::CarrierChangeVehicle => self.vehicle_changed_at.push(at),
            ActType::ConsigneeAccept | ActType::ConsigneeReject => self.concluded_at = Some(at),
        }
    }
}

impl Shipment {
    pub fn from_state(state: &WaybillState, timeline: Timeline) -> Self {
        let doc = &state.document;
        let party = |p: &crate::domain::document::PartyRef| PartyFacts {
            reg_no: p.reg_no.clone(),
            name: p.name.clone(),
        };
        let place = |a: &crate::domain::document::Address| {
            format!("{}/{}", a.country, normalize_city(&a.city))
        };
        let facts = state.search_facts();
        let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
        Shipment {
            id: state.id,
            number: doc.number.clone(),
            status: state.status,
            consignor: party(&doc.consignor),
            consignee: party(&doc.consignee),
            carrier: party(&doc.carrier),
            transaction_type: doc.transaction_type,
            currency: doc.currency.clone(),
            lines: doc
                .lines
                .iter()
                .map(|l| LineFacts {
                    cn_code: l.cn_code.clone(),
                    excise: l.excise_category,
                    amount: f(l.amount),
                    kg: f(l.net_weight_kg.unwrap_or(l.gross_weight_kg)),
                })
                .collect(),
            gross_kg: f(doc.totals.gross_weight_kg),
            has_trailer: state.transport.trailer_plate.is_some(),
            from: place(&doc.loading.address),
            to: place(&doc.unloading.address),
            planned_departure: doc.loading.planned_at,
            planned_arrival: doc.unloading.planned_at,
            plates: facts.plates,
            timeline,
        }
    }

    pub fn planned_hours(&self) -> f64 {
        hours(self.planned_arrival - self.planned_departure)
    }

    /// From the carrier's acceptance to the consignee's answer, once known.
    pub fn actual_hours(&self) -> Option<f64> {
        match (self.timeline.accepted_at, self.timeline.concluded_at) {
            (Some(a), Some(c)) if c > a => Some(hours(c - a)),
            _ => None,
        }
    }

    pub fn is_return(&self) -> bool {
        self.transaction_type == TransactionType::Return
    }
}

pub fn hours(d: chrono::TimeDelta) -> f64 {
    d.num_seconds() as f64 / 3600.0
}
