//! Who may call what: every rule about the caller, written once, each with
//! its one problem code. A handler asks here and never compares kinds or
//! party ids itself, so a rule changed here is changed everywhere.
//!
//! - **The caller is of kind X** ([`require_kind`]): 403 `forbidden`. When
//!   X is "a company" ([`require_company`]) the code is `not_a_company`,
//!   the code the sequencer gives a non-company signer, which clients and
//!   tests know.
//! - **The caller is a party on this waybill** ([`visible_waybill`],
//!   [`may_read_event`], [`require_carrier_or_consignor`]): a company that
//!   is not on the waybill gets the same 404 as for a missing one, so a
//!   waybill's existence does not leak. The rule itself, shared with the
//!   sequencer, is [`crate::ledger::rights`].
//! - **An authority sees everything and is audited** ([`sees_all`]): the
//!   waybill list's scope and whether a read is written to the access audit
//!   trail ([`super::audited_read`]).
//! - **The caller reads this party** ([`may_see_party`]): the operator, or
//!   the party itself; anyone else gets the 404 of a missing party.
//! - **This key may sign for this caller** is the ledger's
//!   [`crate::ledger::rights::may_sign`], applied by intake and the
//!   sequencer alike.

use crate::domain::ids::{PartyId, WaybillId};
use crate::domain::party::{PartyKind, Role};
use crate::ledger::rights::{holder, is_party_on};
use crate::problem_code::ProblemCode;
use crate::storage::DbConnection;
use crate::storage::events::EventRow;
use crate::storage::waybills::{self, WaybillRow};

use super::audited_read::record_access;
use super::auth::Caller;
use super::problem::ApiError;

/// The code of every "the caller is not of the kind this needs" refusal,
/// except the company one.
const FORBIDDEN: ProblemCode = ProblemCode::Forbidden;
/// The code of "only a company does this".
const NOT_A_COMPANY: ProblemCode = ProblemCode::NotACompany;

/// The kinds of party that read waybills: a company its own, an authority
/// all of them (audited).
pub const WAYBILL_READERS: &[PartyKind] = &[PartyKind::Company, PartyKind::Authority];

/// Does the caller see every waybill and every log entry, each such read
/// written to the access audit trail? Only an inspecting authority does; a
/// company sees what it is a party on.
pub fn sees_all(caller: &Caller) -> bool {
    caller.kind == PartyKind::Authority
}

/// The caller must be of one of the `allowed` kinds; `why` tells the
/// client who this is for.
pub fn require_kind(
    caller: &Caller,
    allowed: &[PartyKind],
    why: impl Into<String>,
) -> Result<(), ApiError> {
    kind_in(caller, allowed, FORBIDDEN, why)
}

/// The caller must be a company (it signs acts, follows its feed, has
/// webhooks).
pub fn require_company(caller: &Caller, why: impl Into<String>) -> Result<(), ApiError> {
    kind_in(caller, &[PartyKind::Company], NOT_A_COMPANY, why)
}

/// The caller must be an inspecting authority.
pub fn require_authority(caller: &Caller) -> Result<(), ApiError> {
    require_kind(
        caller,
        &[PartyKind::Authority],
        "inspector endpoints are for inspecting authorities",
    )
}

/// The caller must read the log's history: an authority or an auditor.
pub fn require_log_reader(caller: &Caller) -> Result<(), ApiError> {
    require_kind(
        caller,
        &[PartyKind::Authority, PartyKind::Auditor],
        "the log's history, consistency proofs and entries are for authorities and auditors",
    )
}

/// The caller must oversee the authorities: an oversight party or the
/// operator (who alone read the access audit trail).
pub fn require_trail_reader(caller: &Caller) -> Result<(), ApiError> {
    require_kind(
        caller,
        &[PartyKind::Operator, PartyKind::Oversight],
        "the access audit trail is for oversight and the operator",
    )
}

/// The caller must be the operator (it administers parties and keys).
pub fn require_operator(caller: &Caller) -> Result<(), ApiError> {
    require_kind(
        caller,
        &[PartyKind::Operator],
        "this needs a operator party",
    )
}

fn kind_in(
    caller: &Caller,
    allowed: &[PartyKind],
    code: ProblemCode,
    why: impl Into<String>,
) -> Result<(), ApiError> {
    if allowed.contains(&caller.kind) {
        Ok(())
    } else {
        Err(ApiError::forbidden(code, why))
    }
}

/// The answer for a waybill that is missing or that the caller may not
/// know of: the two are indistinguishable.
pub fn waybill_not_found() -> ApiError {
    ApiError::not_found(ProblemCode::WaybillNotFound, "waybill not found")
}

/// Loads a waybill the caller may see, auditing authority reads as
/// `action`. A company that is not on the waybill gets the same 404 as
/// for a missing one; the operator, auditors and oversight a 403.
pub fn visible_waybill(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &WaybillId,
    action: &str,
) -> Result<WaybillRow, ApiError> {
    require_kind(
        caller,
        WAYBILL_READERS,
        "the operator and auditors do not read waybills through this endpoint",
    )?;
    let row = waybills::find(conn, id)?.ok_or_else(waybill_not_found)?;
    if sees_all(caller) {
        record_access(conn, caller, action, Some(id), None, Some(1))?;
        Ok(row)
    } else if is_party_on(&row, &caller.party_id) {
        Ok(row)
    } else {
        Err(waybill_not_found())
    }
}

/// May the caller see log entry `event`? Authorities and auditors see
/// all; a company the events of waybills it is on; nobody else any. The
/// caller answers `false` with the same 404 as for a missing entry.
pub fn may_read_event(
    conn: &mut DbConnection,
    caller: &Caller,
    event: &EventRow,
) -> Result<bool, ApiError> {
    Ok(match caller.kind {
        PartyKind::Authority | PartyKind::Auditor => true,
        PartyKind::Company => match &event.waybill_id {
            Some(id) => {
                waybills::find(conn, id)?.is_some_and(|row| is_party_on(&row, &caller.party_id))
            }
            None => false,
        },
        PartyKind::Operator | PartyKind::Oversight => false,
    })
}

/// The caller must be the waybill's carrier or consignor (who carry and
/// hand over its roadside QR code). A company not on the waybill gets the
/// 404 of a missing one; its consignee, who knows it exists, a 403.
pub fn require_carrier_or_consignor(caller: &Caller, row: &WaybillRow) -> Result<(), ApiError> {
    if caller.kind != PartyKind::Company || !is_party_on(row, &caller.party_id) {
        return Err(waybill_not_found());
    }
    if [Role::Carrier, Role::Consignor]
        .into_iter()
        .any(|role| caller.party_id == *holder(row, role))
    {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            ProblemCode::NotCarrierOrConsignor,
            "the roadside QR code is for the carrier and the consignor",
        ))
    }
}

/// The operator reads any party; a party reads itself. Anyone else gets
/// the 404 of a missing party.
pub fn may_see_party(caller: &Caller, party_id: &PartyId) -> Result<(), ApiError> {
    if caller.kind == PartyKind::Operator || caller.party_id == *party_id {
        Ok(())
    } else {
        Err(party_not_found())
    }
}

/// The answer for a party that is missing or that the caller may not see.
pub fn party_not_found() -> ApiError {
    ApiError::not_found(ProblemCode::PartyNotFound, "party not found")
}
