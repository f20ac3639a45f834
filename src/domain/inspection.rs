//! What an inspector found when a truck was stopped: the vocabulary shared
//! by the inspection endpoint, the stored inspections and the risk engine.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Whether an inspection found anything wrong. (No doc comment: it would
// become the schema's description and change the OpenAPI document.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Outcome)]
pub enum InspectionOutcome {
    NoIrregularity,
    Irregularity,
}

/// What an irregularity was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IrregularityCategory {
    UndeclaredGoods,
    QuantityMismatch,
    ValueMismatch,
    ExciseEvasion,
    ForgedDocument,
    VehicleOrDriverMismatch,
    DangerousGoods,
    FoodSafety,
    Other,
}

crate::text_enum!(InspectionOutcome, IrregularityCategory);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_their_stored_text() {
        assert_eq!(InspectionOutcome::Irregularity.as_str(), "irregularity");
        assert_eq!(
            InspectionOutcome::parse("no_irregularity"),
            Ok(InspectionOutcome::NoIrregularity)
        );
        assert_eq!(
            IrregularityCategory::VehicleOrDriverMismatch.as_str(),
            "vehicle_or_driver_mismatch"
        );
    }
}
