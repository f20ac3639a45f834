//! The waybill lifecycle: which act may follow which status.
//!
//! ```text
//!            consignor.issue
//!                 │
//!                 ▼        consignor.correct (back to issued)
//!   ┌────────► issued ◄──────────────────────────┐
//!   │   correct │  │ carrier.decline             │
//!   └───────────┘  └──────────────► declined ────┘
//!       │ consignor.cancel              │ consignor.cancel
//!       ▼                               ▼
//!   cancelled ◄─────────────────────────┘
//!       issued ── carrier.accept ──► in_transit ── carrier.change_vehicle ─┐
//!                                       │   ▲──────────────────────────────┘
//!                   consignee.accept ───┼──► delivered | partially_accepted
//!                   consignee.reject ───┴──► rejected
//! ```

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::party::Role;

/// Where a waybill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Issued,
    Declined,
    Cancelled,
    InTransit,
    Delivered,
    PartiallyAccepted,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Issued,
        Status::Declined,
        Status::Cancelled,
        Status::InTransit,
        Status::Delivered,
        Status::PartiallyAccepted,
        Status::Rejected,
    ];
}

/// Every act a party can sign on a waybill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ActType {
    #[serde(rename = "consignor.issue")]
    ConsignorIssue,
    #[serde(rename = "consignor.correct")]
    ConsignorCorrect,
    #[serde(rename = "consignor.cancel")]
    ConsignorCancel,
    #[serde(rename = "carrier.accept")]
    CarrierAccept,
    #[serde(rename = "carrier.decline")]
    CarrierDecline,
    #[serde(rename = "carrier.change_vehicle")]
    CarrierChangeVehicle,
    #[serde(rename = "consignee.accept")]
    ConsigneeAccept,
    #[serde(rename = "consignee.reject")]
    ConsigneeReject,
}

impl ActType {
    pub const ALL: [ActType; 8] = [
        ActType::ConsignorIssue,
        ActType::ConsignorCorrect,
        ActType::ConsignorCancel,
        ActType::CarrierAccept,
        ActType::CarrierDecline,
        ActType::CarrierChangeVehicle,
        ActType::ConsigneeAccept,
        ActType::ConsigneeReject,
    ];

    /// The role whose key must sign this act.
    pub fn role(self) -> Role {
        match self {
            ActType::ConsignorIssue | ActType::ConsignorCorrect | ActType::ConsignorCancel => {
                Role::Consignor
            }
            ActType::CarrierAccept | ActType::CarrierDecline | ActType::CarrierChangeVehicle => {
                Role::Carrier
            }
            ActType::ConsigneeAccept | ActType::ConsigneeReject => Role::Consignee,
        }
    }
}

crate::text_enum!(Status, ActType);

/// The acts allowed in a status (`None`: the waybill does not exist yet).
pub fn allowed_acts(status: Option<Status>) -> &'static [ActType] {
    use ActType::*;
    match status {
        None => &[ConsignorIssue],
        Some(Status::Issued) => &[
            ConsignorCorrect,
            ConsignorCancel,
            CarrierAccept,
            CarrierDecline,
        ],
        Some(Status::Declined) => &[ConsignorCorrect, ConsignorCancel],
        Some(Status::InTransit) => &[CarrierChangeVehicle, ConsigneeAccept, ConsigneeReject],
        Some(
            Status::Cancelled | Status::Delivered | Status::PartiallyAccepted | Status::Rejected,
        ) => &[],
    }
}

/// An act that the current status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{act} is not allowed while the waybill is {}", .status.map_or("not issued", Status::as_str))]
pub struct IllegalTransition {
    pub act: &'static str,
    pub status: Option<Status>,
    pub allowed: Vec<ActType>,
}

/// The status an act leads to. `shortfall` matters only for
/// `consignee.accept`: any line received short makes the waybill
/// `partially_accepted` instead of `delivered`.
pub fn next_status(
    current: Option<Status>,
    act: ActType,
    shortfall: bool,
) -> Result<Status, IllegalTransition> {
    if !allowed_acts(current).contains(&act) {
        return Err(IllegalTransition {
            act: act.as_str(),
            status: current,
            allowed: allowed_acts(current).to_vec(),
        });
    }
    Ok(match act {
        ActType::ConsignorIssue | ActType::ConsignorCorrect => Status::Issued,
        ActType::ConsignorCancel => Status::Cancelled,
        ActType::CarrierAccept | ActType::CarrierChangeVehicle => Status::InTransit,
        ActType::CarrierDecline => Status::Declined,
        ActType::ConsigneeAccept if shortfall => Status::PartiallyAccepted,
        ActType::ConsigneeAccept => Status::Delivered,
        ActType::ConsigneeReject => Status::Rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path_statuses() {
        let s = next_status(None, ActType::ConsignorIssue, false).unwrap();
        assert_eq!(s, Status::Issued);
        let s = next_status(Some(s), ActType::CarrierAccept, false).unwrap();
        assert_eq!(s, Status::InTransit);
        let s = next_status(Some(s), ActType::CarrierChangeVehicle, false).unwrap();
        assert_eq!(s, Status::InTransit);
        assert_eq!(
            next_status(Some(s), ActType::ConsigneeAccept, false).unwrap(),
            Status::Delivered
        );
        assert_eq!(
            next_status(Some(s), ActType::ConsigneeAccept, true).unwrap(),
            Status::PartiallyAccepted
        );
    }

    #[test]
    fn decline_then_correct_returns_to_issued() {
        let s = next_status(Some(Status::Issued), ActType::CarrierDecline, false).unwrap();
        assert_eq!(s, Status::Declined);
        assert_eq!(
            next_status(Some(s), ActType::ConsignorCorrect, false).unwrap(),
            Status::Issued
        );
    }

    #[test]
    fn every_disallowed_pair_is_rejected_with_the_allowed_list() {
        let statuses = std::iter::once(None).chain(Status::ALL.into_iter().map(Some));
        let mut rejected = 0;
        for status in statuses {
            for act in ActType::ALL {
                let result = next_status(status, act, false);
                if allowed_acts(status).contains(&act) {
                    assert!(result.is_ok(), "{act:?} in {status:?}");
                } else {
                    let err = result.unwrap_err();
                    assert_eq!(err.status, status);
                    assert_eq!(err.allowed, allowed_acts(status));
                    rejected += 1;
                }
            }
        }
        // 8 statuses (with "none") x 8 acts = 64 pairs, 10 of them legal:
        // none 1, issued 4, declined 2, in_transit 3.
        assert_eq!(rejected, 64 - 10);
    }

    #[test]
    fn terminal_statuses_allow_nothing() {
        for s in [
            Status::Cancelled,
            Status::Delivered,
            Status::PartiallyAccepted,
            Status::Rejected,
        ] {
            assert!(allowed_acts(Some(s)).is_empty());
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for a in ActType::ALL {
            assert_eq!(ActType::parse(a.as_str()), Ok(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}
