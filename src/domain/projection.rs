//! The current state of a waybill, folded from its acts.
//!
//! `apply` is the only place that turns an act into state, so replaying a
//! waybill's chain from the log always reproduces what the service stored.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::act::{ActBody, ParsedAct, Reservation};
use super::document::{Transport, WaybillDocument};
use super::field_error::FieldError;
use super::lifecycle::{ActType, IllegalTransition, Status, next_status};

/// The waybill as it stands after its latest act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WaybillState {
    pub id: Uuid,
    pub status: Status,
    /// Number of acts in the waybill's chain.
    pub version: u64,
    /// Hash of the latest event: the `prev` of the next act.
    pub head: String,
    /// The document as last issued or corrected.
    pub document: WaybillDocument,
    /// The vehicle now carrying the goods (changes with `carrier.change_vehicle`).
    pub transport: Transport,
    /// The carrier's reservations when it accepted the goods.
    #[serde(default)]
    pub reservations: Vec<Reservation>,
    /// The consignee's acceptance, line by line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// Why the waybill was cancelled, declined or rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub corrections: u32,
    pub vehicle_changes: u32,
    pub issued_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the consignee received (published as `ConsigneeReceipt`, so it is
/// never confused with the log's receipt of a write).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = ConsigneeReceipt)]
pub struct Receipt {
    pub lines: Vec<ReceivedLineOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReceivedLineOutcome {
    pub line_no: u32,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "100")]
    pub shipped_quantity: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "95")]
    pub received_quantity: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "5")]
    pub shortfall: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why an act cannot be applied to the current state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("the act's body does not fit the waybill")]
    Invalid(Vec<FieldError>),
}

/// Folds one act into the state. `hash` is the new event's hash and `at` the
/// server's receive time.
pub fn apply(
    state: Option<&WaybillState>,
    act: &ParsedAct,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<WaybillState, ApplyError> {
    let act_type = act.header.act_type;
    let shortfall_check = match (&act.body, state) {
        (ActBody::ConsigneeAccept(body), Some(current)) => Some(receipt(
            &current.document,
            body.lines.as_slice(),
            body.note.clone(),
        )),
        _ => None,
    };
    let shortfall = match &shortfall_check {
        Some(Ok(receipt)) => receipt.lines.iter().any(|l| !l.shortfall.is_zero()),
        _ => false,
    };
    let status = next_status(state.map(|s| s.status), act_type, shortfall)?;

    let Some(current) = state else {
        let ActBody::Document(document) = &act.body else {
            return Err(ApplyError::Invalid(vec![FieldError::new(
                "",
                "invalid_body",
                "consignor.issue carries a waybill document",
            )]));
        };
        return Ok(WaybillState::issued(
            act.header.waybill_id,
            status,
            hash.to_owned(),
            (**document).clone(),
            at,
        ));
    };

    let mut next = current.clone();
    next.status = status;
    next.version += 1;
    next.head = hash.to_owned();
    next.updated_at = at;
    match (&act.body, act_type) {
        (ActBody::Document(document), ActType::ConsignorCorrect) => {
            next.transport = document.transport.clone();
            next.document = (**document).clone();
            next.corrections += 1;
            next.reason = None;
        }
        (ActBody::Reason(body), _) => next.reason = Some(body.reason.clone()),
        (ActBody::CarrierAccept(body), _) => {
            let errors = unknown_lines(
                &current.document,
                body.reservations.iter().enumerate().filter_map(|(i, r)| {
                    r.line_no.map(|n| (format!("reservations[{i}].line_no"), n))
                }),
            );
            if !errors.is_empty() {
                return Err(ApplyError::Invalid(errors));
            }
            next.reservations = body.reservations.clone();
        }
        (ActBody::ChangeVehicle(body), _) => {
            next.transport = Transport {
                vehicle_plate: body.vehicle_plate.clone(),
                trailer_plate: body.trailer_plate.clone(),
                vehicle_country: body.vehicle_country.clone(),
                driver_name: body.driver_name.clone(),
            };
            next.vehicle_changes += 1;
        }
        (ActBody::ConsigneeAccept(_), _) => match shortfall_check {
            Some(Ok(receipt)) => next.receipt = Some(receipt),
            Some(Err(errors)) => return Err(ApplyError::Invalid(errors)),
            None => {}
        },
        (ActBody::Document(_), _) => {
            return Err(ApplyError::Invalid(vec![FieldError::new(
                "",
                "invalid_body",
                "only consignor.issue and consignor.correct carry a document",
            )]));
        }
    }
    Ok(next)
}

fn receipt(
    document: &WaybillDocument,
    received: &[super::act::ReceivedLine],
    note: Option<String>,
) -> Result<Receipt, Vec<FieldError>> {
    let mut errors = unknown_lines(
        document,
        received
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("lines[{i}].line_no"), l.line_no)),
    );
    for (i, line) in received.iter().enumerate() {
        if let Some(shipped) = document.lines.iter().find(|l| l.line_no == line.line_no)
            && line.received_quantity > shipped.quantity
        {
            errors.push(FieldError::new(
                format!("lines[{i}].received_quantity"),
                "exceeds_shipped_quantity",
                format!(
                    "received {} but only {} was shipped on line {}",
                    line.received_quantity, shipped.quantity, line.line_no
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let lines = document
        .lines
        .iter()
        .map(|shipped| {
            let reported = received.iter().find(|l| l.line_no == shipped.line_no);
            let received_quantity = reported.map_or(shipped.quantity, |l| l.received_quantity);
            ReceivedLineOutcome {
                line_no: shipped.line_no,
                shipped_quantity: shipped.quantity,
                received_quantity,
                shortfall: (shipped.quantity - received_quantity).normalize(),
                note: reported.and_then(|l| l.note.clone()),
            }
        })
        .collect();
    Ok(Receipt { lines, note })
}

fn unknown_lines(
    document: &WaybillDocument,
    line_refs: impl Iterator<Item = (String, u32)>,
) -> Vec<FieldError> {
    line_refs
        .filter(|(_, n)| !document.lines.iter().any(|l| l.line_no == *n))
        .map(|(path, n)| {
            FieldError::new(path, "unknown_line", format!("the waybill has no line {n}"))
        })
        .collect()
}

/// What the inspectors' search index records of a waybill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFacts {
    pub excise: bool,
    /// " 22030001 22030009 ": every CN code, space-delimited on both sides.
    pub cn_codes: String,
    pub loading_country: String,
    pub loading_city: String,
    pub unloading_country: String,
    pub unloading_city: String,
    /// Normalised plates: the document's and the current vehicle's.
    pub plates: Vec<String>,
}

impl WaybillState {
    /// A waybill as its first act leaves it: one act in the chain (`head`),
    /// the document as issued, and nothing happened to it yet.
    pub fn issued(
        id: Uuid,
        status: Status,
        head: String,
        document: WaybillDocument,
        at: DateTime<Utc>,
    ) -> Self {
        WaybillState {
            id,
            status,
            version: 1,
            head,
            transport: document.transport.clone(),
            document,
            reservations: Vec::new(),
            receipt: None,
            reason: None,
            corrections: 0,
            vehicle_changes: 0,
            issued_at: at,
            updated_at: at,
        }
    }

    pub fn search_facts(&self) -> SearchFacts {
        use super::plate::{normalize_city, normalize_plate};
        let doc = &self.document;
        let codes: Vec<&str> = doc
            .lines
            .iter()
            .filter_map(|l| l.cn_code.as_deref())
            .collect();
        let plates = [
            Some(doc.transport.vehicle_plate.as_str()),
            doc.transport.trailer_plate.as_deref(),
            Some(self.transport.vehicle_plate.as_str()),
            self.transport.trailer_plate.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(normalize_plate)
        .filter(|p| !p.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
        SearchFacts {
            excise: doc.lines.iter().any(|l| l.excise_category.is_some()),
            cn_codes: format!(" {} ", codes.join(" ")),
            loading_country: doc.loading.address.country.clone(),
            loading_city: normalize_city(&doc.loading.address.city),
            unloading_country: doc.unloading.address.country.clone(),
            unloading_city: normalize_city(&doc.unloading.address.city),
            plates,
        }
    }
}
