//! The factors a shipment's risk score is made of. Each is computed from
//! the ledger alone (see `signals`), and each explains itself in words.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Alcohol, tobacco or energy products.
    ExciseGoods,
    /// A CN heading on the model's high-risk list.
    SensitiveGoods,
    /// Document issued after the planned departure.
    IssuedAfterDeparture,
    /// Corrected or cancelled after departure or close to arrival.
    ChangedLate,
    /// Transit time far from the route's median.
    TransitTime,
    /// Still in transit long after the planned arrival.
    Overdue,
    /// Consignor, consignee or carrier new to the ledger.
    NewParty,
    /// First shipment between this consignor and consignee.
    NewPair,
    /// The consignee rejects unusually often.
    ConsigneeRejections,
    /// The consignor cancels unusually often.
    ConsignorCancellations,
    /// The consignor corrects unusually often.
    ConsignorCorrections,
    /// A plate on this trip is on another carrier's trip at the same time.
    SharedPlate,
    /// Declared value per kg far from the median for the CN heading.
    ValuePerKg,
    /// Gross weight a road vehicle cannot carry.
    ImplausibleWeight,
    /// The goods go round in a circle between a few companies.
    CircularFlow,
    /// A party's inspections found irregularities unusually often.
    InspectionHistory,
}

impl Factor {
    pub const ALL: [Factor; 16] = [
        Factor::ExciseGoods,
        Factor::SensitiveGoods,
        Factor::IssuedAfterDeparture,
        Factor::ChangedLate,
        Factor::TransitTime,
        Factor::Overdue,
        Factor::NewParty,
        Factor::NewPair,
        Factor::ConsigneeRejections,
        Factor::ConsignorCancellations,
        Factor::ConsignorCorrections,
        Factor::SharedPlate,
        Factor::ValuePerKg,
        Factor::ImplausibleWeight,
        Factor::CircularFlow,
        Factor::InspectionHistory,
    ];

    pub fn index(self) -> usize {
        Factor::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

crate::text_enum!(Factor);

/// One factor that applies to a shipment: its strength `x` (0 when it does
/// not apply; 1 for a plain yes; more for a stronger case, capped) and why,
/// in words an inspector can check.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub factor: Factor,
    pub value: f64,
    pub reason: String,
}

impl Signal {
    pub fn new(factor: Factor, value: f64, reason: impl Into<String>) -> Self {
        Signal {
            factor,
            value: value.clamp(0.0, MAX_STRENGTH),
            reason: reason.into(),
        }
    }
}

/// No single factor may dominate the score without bound.
pub const MAX_STRENGTH: f64 = 3.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for f in Factor::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
            assert_eq!(Factor::ALL[f.index()], f);
        }
    }
}
