//! Who may sign and whom a waybill names: the pure rules that both the
//! HTTP layer (before an act reaches the writer, and on every read) and
//! the sequencer (inside its transaction) apply, written once so that the
//! two can never disagree.

use crate::domain::ids::PartyId;
use crate::domain::party::{PartyKind, Role};
use crate::storage::keys::KeyWithParty;
use crate::storage::waybills::WaybillRow;

use super::commands::Rejection;

/// May `key` sign an act sent by the party `caller_party_id`? It must be
/// registered, active, the caller's own, and a company's: only companies
/// sign waybill acts. The order of the checks is the order of the problems
/// a client sees.
pub fn may_sign<'k>(
    key: Option<&'k KeyWithParty>,
    caller_party_id: &PartyId,
) -> Result<&'k KeyWithParty, Rejection> {
    let key = key.ok_or(Rejection::UnknownKey)?;
    if !key.key.is_active() {
        return Err(Rejection::KeyRevoked);
    }
    if key.key.party_id != *caller_party_id {
        return Err(Rejection::SignerNotCaller);
    }
    if PartyKind::parse(&key.party_kind) != Ok(PartyKind::Company) {
        return Err(Rejection::NotACompany);
    }
    Ok(key)
}

/// The party that plays `role` on the waybill.
pub fn holder(row: &WaybillRow, role: Role) -> &PartyId {
    match role {
        Role::Consignor => &row.consignor_id,
        Role::Carrier => &row.carrier_id,
        Role::Consignee => &row.consignee_id,
    }
}

/// Is `party_id` the consignor, the carrier or the consignee of the
/// waybill? A party that is not must not learn that the waybill exists.
pub fn is_party_on(row: &WaybillRow, party_id: &PartyId) -> bool {
    [Role::Consignor, Role::Carrier, Role::Consignee]
        .into_iter()
        .any(|role| holder(row, role) == party_id)
}
