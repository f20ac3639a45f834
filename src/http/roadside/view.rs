//! What the roadside check answers: the verdict, the checks that led to
//! it and the few facts an officer needs (JSON, and the page's content).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::lifecycle::Status;
use crate::roadside::{GoodsSummary, PartySummary};

/// The result of the roadside check.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadsideView {
    /// The verdict in words, as the HTML page's headline shows it, e.g.
    /// "AUTHENTIC and VALID for transport: IN TRANSIT" or "Authentic, but
    /// CANCELLED: NOT VALID for transport".
    #[schema(example = "Authentic, but CANCELLED: NOT VALID for transport")]
    pub verdict: String,
    /// Authentic, and in a status in which goods may be on the road
    /// (`issued` or `in_transit`); false once cancelled, declined, rejected
    /// or delivered, and whenever `authentic` is false.
    pub valid_for_transport: bool,
    /// Every check below passed.
    pub authentic: bool,
    pub checks: AuthenticityChecks,
    pub waybill: WaybillFacts,
    pub consignor: PartyFacts,
    pub consignee: PartyFacts,
    pub carrier: PartyFacts,
    pub transport: TransportFacts,
    pub goods: GoodsFacts,
    pub verified_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthenticityChecks {
    /// Every act's Ed25519 signature verifies (strict) under a key of the
    /// party in the act's role, registered before and not revoked at the act.
    pub signatures: bool,
    /// The hash chain is whole and replays to the stored state.
    pub hash_chain: bool,
    /// The latest event is included in the latest signed checkpoint.
    pub log_inclusion: bool,
    /// The latest event's log index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Size of the checkpoint the inclusion was proven against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_size: Option<u64>,
    /// What failed, if anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaybillFacts {
    pub id: String,
    pub number: String,
    pub status: String,
    pub version: u64,
    pub issue_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyFacts {
    pub name: String,
    pub reg_no: String,
    pub country: String,
}

impl From<PartySummary> for PartyFacts {
    fn from(p: PartySummary) -> Self {
        Self {
            name: p.name,
            reg_no: p.reg_no,
            country: p.country,
        }
    }
}

/// What is carried, without prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoodsFacts {
    /// Number of goods lines.
    pub lines: u64,
    /// Total gross weight in kg, a decimal string.
    pub gross_weight_kg: String,
    /// Whether any line carries excise goods.
    pub excise: bool,
}

impl From<GoodsSummary> for GoodsFacts {
    fn from(g: GoodsSummary) -> Self {
        Self {
            lines: g.lines,
            gross_weight_kg: g.gross_weight_kg,
            excise: g.excise,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransportFacts {
    pub vehicle_plate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    pub vehicle_country: String,
}

/// Whether the waybill may be relied on for a vehicle on the road now,
/// and the headline that says so.
pub(super) fn verdict(authentic: bool, status: Status) -> (bool, String) {
    if !authentic {
        return (
            false,
            "NOT AUTHENTIC: do not rely on this waybill".to_owned(),
        );
    }
    let not_valid = |what: &str| {
        (
            false,
            format!("Authentic, but {what}: NOT VALID for transport"),
        )
    };
    match status {
        Status::Issued => (true, "AUTHENTIC and VALID for transport: ISSUED".to_owned()),
        Status::InTransit => (
            true,
            "AUTHENTIC and VALID for transport: IN TRANSIT".to_owned(),
        ),
        Status::Cancelled => not_valid("CANCELLED by the consignor"),
        Status::Declined => not_valid("DECLINED by the carrier"),
        Status::Rejected => not_valid("REJECTED by the consignee"),
        Status::Delivered => not_valid("already DELIVERED"),
        Status::PartiallyAccepted => not_valid("already DELIVERED (partially accepted)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_and_in_transit_are_valid_for_transport() {
        for status in Status::ALL {
            let (valid, headline) = verdict(true, status);
            let expected = matches!(status, Status::Issued | Status::InTransit);
            assert_eq!(valid, expected, "{status:?}");
            if expected {
                assert!(headline.starts_with("AUTHENTIC and VALID"), "{headline}");
            } else {
                assert!(headline.starts_with("Authentic, but "), "{headline}");
                assert!(headline.ends_with("NOT VALID for transport"), "{headline}");
            }
            let (valid, headline) = verdict(false, status);
            assert!(!valid);
            assert!(headline.starts_with("NOT AUTHENTIC"), "{headline}");
        }
        assert_eq!(
            verdict(true, Status::Cancelled).1,
            "Authentic, but CANCELLED by the consignor: NOT VALID for transport"
        );
    }
}
