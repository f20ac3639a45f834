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

/// The role a company plays on one waybill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Consignor,
    Carrier,
    Consignee,
}

crate::text_enum!(PartyKind, Role);
