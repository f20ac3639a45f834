//! Who takes part in the ledger.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of organisation a party is; it decides what the party may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// The service operator: manages parties and keys, never acts on waybills.
    Operator,
    /// A consignor, carrier or consignee.
    Company,
    /// An inspecting authority (tax service, police, food and veterinary, ...).
    Authority,
    /// An independent log auditor: mirrors the log and checks its consistency.
    Auditor,
    /// Oversight of the inspectors: reads the access audit trail.
    Oversight,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Operator => "operator",
            PartyKind::Company => "company",
            PartyKind::Authority => "authority",
            PartyKind::Auditor => "auditor",
            PartyKind::Oversight => "oversight",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "operator" => Some(PartyKind::Operator),
            "company" => Some(PartyKind::Company),
            "authority" => Some(PartyKind::Authority),
            "auditor" => Some(PartyKind::Auditor),
            "oversight" => Some(PartyKind::Oversight),
            _ => None,
        }
    }
}

/// The role a company plays on one waybill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Consignor,
    Carrier,
    Consignee,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consignor => "consignor",
            Role::Carrier => "carrier",
            Role::Consignee => "consignee",
        }
    }
}
