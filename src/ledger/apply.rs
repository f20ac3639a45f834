//! Checking one signed waybill act against the ledger inside the
//! sequencer's transaction: the checks that depend on stored state (keys,
//! roles, the hash chain, numbers, the lifecycle), and the event and
//! projection row it produces.

use crate::domain::act::ActBody;
use crate::domain::document::{PartyRef, WaybillDocument};
use crate::domain::field_error::FieldError;
use crate::domain::ids::{LogIndex, PartyId, WaybillId};
use crate::domain::lifecycle::ActType;
use crate::domain::party::{PartyKind, Role};
use crate::domain::projection::{self, ApplyError, WaybillState};
use crate::storage::StorageError;
use crate::storage::events::EventRow;
use crate::storage::time;
use crate::storage::waybills::WaybillRow;

use super::batch_view::BatchView;

use super::commands::{Outcome, PreparedAct, Rejection, WriteError};
use super::rights::{holder, is_party_on, may_sign};

/// The party ids a document names, resolved against the registry.
struct DocumentParties {
    consignor: PartyId,
    carrier: PartyId,
    consignee: PartyId,
}

/// Checks a verified act against the ledger as the batch sees it and, if it
/// may be appended as event number `seq`, returns its outcome and the
/// waybill's new projection row. Writes nothing: the caller records the
/// result in the view and the view writes the whole run at once.
pub fn check_act(
    view: &BatchView,
    prepared: &PreparedAct,
    seq: LogIndex,
) -> Result<(Outcome, WaybillRow), WriteError> {
    let act = &prepared.act;
    let header = &act.header;
    let waybill_id = WaybillId::from(header.waybill_id);

    if let Some(existing) = view.event_waybill(&prepared.hash) {
        return Err(Rejection::Replayed {
            hash: prepared.hash.clone(),
            waybill_id: existing.map(WaybillId::into_string).unwrap_or_default(),
        }
        .into());
    }

    let signer = may_sign(view.key(&header.key_id), &prepared.caller_party_id)?;
    let signer_party = &signer.key.party_id;

    let row = view.waybill(&waybill_id);
    let current: Option<WaybillState> = match row {
        None if header.act_type != ActType::ConsignorIssue => {
            return Err(Rejection::WaybillNotFound.into());
        }
        None => None,
        Some(_) if header.act_type == ActType::ConsignorIssue => {
            return Err(Rejection::WaybillExists.into());
        }
        Some(row) => {
            // A company that is not on the waybill must not learn it exists.
            if !is_party_on(row, signer_party) {
                return Err(Rejection::WaybillNotFound.into());
            }
            if holder(row, header.act_type.role()) != signer_party {
                return Err(Rejection::NotPartyRole(header.act_type.role()).into());
            }
            if header.prev.as_deref() != Some(row.head.as_str()) {
                return Err(Rejection::StalePrev {
                    head: row.head.clone(),
                }
                .into());
            }
            Some(row.projection()?)
        }
    };

    let resolved = match &act.body {
        ActBody::Document(document) => {
            let resolved = resolve_parties(view, document)?;
            if resolved.consignor != *signer_party {
                return Err(match row {
                    None => Rejection::NotPartyRole(Role::Consignor),
                    Some(_) => Rejection::Invalid(vec![FieldError::new(
                        "consignor",
                        "consignor_changed",
                        "a correction cannot change the consignor",
                    )]),
                }
                .into());
            }
            if let Some(owner) = view
                .number_owner(&resolved.consignor, &document.number)
                .filter(|owner| **owner != waybill_id)
            {
                return Err(Rejection::DuplicateNumber {
                    existing_waybill_id: owner.to_string(),
                }
                .into());
            }
            Some(resolved)
        }
        _ => None,
    };

    let received_at = time::now();
    let next = projection::apply(current.as_ref(), act, &prepared.hash, received_at).map_err(
        |e| match e {
            ApplyError::IllegalTransition(t) => Rejection::IllegalTransition(t),
            ApplyError::Invalid(errors) => Rejection::Invalid(errors),
        },
    )?;

    let event = EventRow {
        seq,
        hash: prepared.hash.clone(),
        waybill_id: Some(waybill_id.clone()),
        act_type: header.act_type.as_str().to_owned(),
        act: prepared.canonical_act.clone(),
        signature: act.signature.clone(),
        key_id: header.key_id.clone(),
        party_id: Some(signer_party.clone()),
        received_at: time::to_db(received_at),
    };
    let state_json = serde_json::to_string(&next)
        .map_err(|e| StorageError::Corrupt(format!("cannot serialise state: {e}")))?;
    let (consignor_id, carrier_id, consignee_id) = match (resolved, row) {
        (Some(p), _) => (p.consignor, p.carrier, p.consignee),
        (None, Some(row)) => (
            row.consignor_id.clone(),
            row.carrier_id.clone(),
            row.consignee_id.clone(),
        ),
        (None, None) => return Err(Rejection::WaybillNotFound.into()),
    };
    let new_row = WaybillRow {
        id: waybill_id,
        number: next.document.number.clone(),
        consignor_id,
        carrier_id,
        consignee_id,
        status: next.status.as_str().to_owned(),
        version: i64::try_from(next.version).unwrap_or(i64::MAX),
        head: next.head.clone(),
        issue_date: next.document.issue_date.to_string(),
        state: state_json,
        created_seq: row.map_or(seq, |r| r.created_seq),
        created_at: row.map_or(time::to_db(received_at), |r| r.created_at),
        updated_at: time::to_db(received_at),
    };
    Ok((
        Outcome::Act {
            state: Box::new(next),
            event,
        },
        new_row,
    ))
}

/// Every party a document names must be a registered company.
fn resolve_parties(
    view: &BatchView,
    document: &WaybillDocument,
) -> Result<DocumentParties, WriteError> {
    let mut errors = Vec::new();
    let mut lookup = |path: &str, party: &PartyRef| -> PartyId {
        match view.party(&party.reg_no, &party.country) {
            Some(p) if PartyKind::parse(&p.kind) == Ok(PartyKind::Company) => p.id.clone(),
            Some(_) => {
                errors.push(FieldError::new(
                    path,
                    "not_a_company",
                    format!("{path} must be a company, not an authority or the operator"),
                ));
                PartyId::from(String::new())
            }
            None => {
                errors.push(FieldError::new(
                    path,
                    "unknown_party",
                    format!(
                        "no registered company {} in {}",
                        party.reg_no, party.country
                    ),
                ));
                PartyId::from(String::new())
            }
        }
    };
    let consignor = lookup("consignor", &document.consignor);
    let carrier = lookup("carrier", &document.carrier);
    let consignee = lookup("consignee", &document.consignee);
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors).into());
    }
    Ok(DocumentParties {
        consignor,
        carrier,
        consignee,
    })
}
