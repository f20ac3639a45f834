//! The way in for signed waybill acts, shared by the single endpoints
//! (`POST /v1/waybills`, `POST /v1/waybills/{id}/events`) and the bulk ones
//! (`POST /v1/waybills:batch`, `POST /v1/events:batch`), so an act gets the
//! same checks and the same answer whichever way it came.
//!
//! An act goes through three stages before the sequencer sees it: checks
//! that need nothing but the envelope ([`check_envelope`]), the signing key
//! (looked up by the caller: one query for one act, one per distinct key
//! for a batch), then the CPU work ([`verify`]: canonical form, signature,
//! hash, body). The order is the order of the problems a client sees.

use crate::domain::ids::PartyId;
use crate::problem_code::ProblemCode;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::crypto::{PublicKey, Signature};
use crate::domain::act::{ActHeader, parse_act, parse_header, signed_at_is_fresh, split_envelope};
use crate::domain::field_error::FieldError;
use crate::domain::lifecycle::ActType;
use crate::ledger::event_hash::{canonical_act, event_hash};
use crate::ledger::merkle_log::{SignedCheckpoint, event_leaf_hash};
use crate::ledger::rights::may_sign;
use crate::ledger::{Command, Committed, Outcome, PreparedAct, history};
use crate::storage::events::EventRow;
use crate::storage::keys::{self, KeyWithParty};
use crate::storage::{DbConnection, tree, waybills};

use super::accepted::ActAccepted;
use super::access::require_company;
use super::auth::Caller;
use super::problem::ApiError;
use super::receipts::receipt_in;
use super::state::AppState;
use crate::views::event::EventView;

/// The endpoint an act came through: it decides which act types belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/waybills`: consignor.issue.
    Issue,
    /// `POST /v1/waybills:batch`: consignor.issue, many at once.
    IssueBatch,
    /// `POST /v1/waybills/{id}/events`: a later act of that waybill.
    Append(Uuid),
    /// `POST /v1/events:batch`: later acts of the waybills they name.
    EventsBatch,
}

/// An envelope that passed every check needing neither the ledger nor a key.
#[derive(Debug)]
pub struct Checked {
    pub header: ActHeader,
    raw_act: Value,
    signature: String,
    signature_value: Signature,
}

/// Only companies sign waybill acts: refused before the envelope is read.
pub fn require_signer(caller: &Caller) -> Result<(), ApiError> {
    require_company(
        caller,
        "only companies sign waybill acts; authorities and the operator only read",
    )
}

/// Reads the envelope and checks what it says about itself: the act type
/// fits the route, `prev` fits the type, `signed_at` is fresh, the
/// signature is well-formed. Every such problem is reported together.
pub fn check_envelope(
    envelope: Value,
    route: Route,
    now: DateTime<Utc>,
) -> Result<Checked, ApiError> {
    let (raw_act, signature) = split_envelope(envelope).map_err(ApiError::validation)?;
    let header = parse_header(&raw_act).map_err(ApiError::validation)?;

    let mut errors = Vec::new();
    let is_issue = header.act_type == ActType::ConsignorIssue;
    let wrong_endpoint = |message: &str| FieldError::new("act.type", "wrong_endpoint", message);
    match route {
        Route::Issue if !is_issue => errors.push(wrong_endpoint(
            "POST /v1/waybills takes consignor.issue; send later acts to /v1/waybills/{id}/events",
        )),
        Route::IssueBatch if !is_issue => errors.push(wrong_endpoint(
            "POST /v1/waybills:batch takes consignor.issue; send later acts to /v1/events:batch",
        )),
        Route::Append(_) if is_issue => {
            errors.push(wrong_endpoint("consignor.issue goes to POST /v1/waybills"))
        }
        Route::EventsBatch if is_issue => errors.push(wrong_endpoint(
            "consignor.issue goes to POST /v1/waybills:batch",
        )),
        Route::Append(id) if id != header.waybill_id => errors.push(FieldError::new(
            "act.waybill_id",
            "waybill_id_mismatch",
            "act.waybill_id differs from the waybill in the URL",
        )),
        _ => {}
    }
    match (is_issue, &header.prev) {
        (true, Some(_)) => errors.push(FieldError::new(
            "act.prev",
            "must_be_null",
            "prev is null for consignor.issue",
        )),
        (false, None) => errors.push(FieldError::new(
            "act.prev",
            "required",
            "prev must be the hash of the waybill's latest event",
        )),
        _ => {}
    }
    if !signed_at_is_fresh(header.signed_at, now) {
        errors.push(FieldError::new(
            "act.signed_at",
            "signed_at_out_of_window",
            "signed_at must be within 5 minutes of the server clock; sign the act again",
        ));
    }
    let signature_value = Signature::from_base64url(&signature);
    if signature_value.is_err() {
        errors.push(FieldError::new(
            "signature",
            "invalid_signature_encoding",
            "signature must be 64 bytes, base64url without padding",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let signature_value =
        signature_value.map_err(|e| ApiError::internal_from(e, "signature decoding"))?;
    Ok(Checked {
        header,
        raw_act,
        signature,
        signature_value,
    })
}

/// Checks the signing key ([`may_sign`]: registered, active, the caller's
/// own) and the signature over the act's RFC 8785 bytes, then reads the body.
pub fn verify(
    checked: Checked,
    key: Option<&KeyWithParty>,
    caller_party_id: &PartyId,
) -> Result<PreparedAct, ApiError> {
    let key = may_sign(key, caller_party_id)?;
    let public_key = PublicKey::from_base64url(&key.key.public_key)
        .map_err(|e| ApiError::internal_from(e, "stored public key unreadable"))?;
    let canonical = canonical_act(&checked.raw_act).map_err(|e| {
        ApiError::validation(vec![FieldError::new(
            "act",
            "not_canonicalizable",
            format!("the act cannot be put in RFC 8785 form: {e}"),
        )])
    })?;
    public_key
        .verify(canonical.as_bytes(), &checked.signature_value)
        .map_err(|_| {
            ApiError::new(
                ProblemCode::InvalidSignature,
                "the signature does not verify over the RFC 8785 bytes of act with this key",
            )
        })?;
    let hash = event_hash(&checked.raw_act, &checked.signature)
        .map_err(|e| ApiError::internal_from(e, "hashing a checked act"))?;
    let act = parse_act(checked.raw_act, checked.signature).map_err(ApiError::validation)?;
    Ok(PreparedAct {
        act,
        canonical_act: canonical,
        hash,
        caller_party_id: caller_party_id.clone(),
    })
}

/// One act, start to finish: checked, verified, committed, answered 201
/// with the new state, the event and its receipt.
pub async fn submit_one(
    state: &AppState,
    caller: Caller,
    envelope: Value,
    route: Route,
) -> Result<HttpResponse, ApiError> {
    require_signer(&caller)?;
    let checked = check_envelope(envelope, route, Utc::now())?;
    let key_id = checked.header.key_id.clone();
    let key = state.db(move |conn| Ok(keys::find(conn, &key_id)?)).await?;
    let prepared = verify(checked, key.as_ref(), &caller.party_id)?;
    let committed = state
        .sequencer
        .submit(Command::AppendAct(Box::new(prepared)))
        .await?;
    let hash = committed.outcome.event().hash.clone();
    let accepted = state
        .db(move |conn| accepted(conn, committed))
        .await
        .map_err(|e| e.after_commit(&hash))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/waybills/{}", accepted.waybill.id)))
        .json(accepted))
}

/// The answer to a committed act.
pub fn accepted(conn: &mut DbConnection, committed: Committed) -> Result<ActAccepted, ApiError> {
    let receipt = receipt_in(
        conn,
        committed.log_index,
        committed.leaf_hash,
        &committed.checkpoint,
    )?;
    let Outcome::Act { state, event } = committed.outcome else {
        return Err(ApiError::internal(
            "an act committed with a non-act outcome",
        ));
    };
    Ok(ActAccepted {
        waybill: *state,
        event: EventView::from_row(event)?,
        receipt,
    })
}

/// The answer `event` got when it was accepted, rebuilt: the waybill as
/// the act left it, the event, and the receipt against the checkpoint of
/// the batch that committed it.
pub fn original_answer(conn: &mut DbConnection, event: EventRow) -> Result<ActAccepted, ApiError> {
    let waybill_id = event
        .waybill_id
        .clone()
        .ok_or_else(|| ApiError::internal("a replayed act event has no waybill"))?;
    let row = waybills::find(conn, &waybill_id)?
        .ok_or_else(|| ApiError::internal("the waybill of a stored event is missing"))?;
    let waybill = history::state_after(conn, &row, &event)?;
    let index = event
        .seq
        .leaf()
        .ok_or_else(|| ApiError::internal("stored event seq is negative"))?;
    let checkpoint = tree::checkpoint_covering(conn, event.seq.next().get())?
        .map(SignedCheckpoint::from_row)
        .transpose()?
        .ok_or_else(|| ApiError::internal("no checkpoint covers a stored event"))?;
    let receipt = receipt_in(conn, index, event_leaf_hash(&event), &checkpoint)?;
    Ok(ActAccepted {
        waybill,
        event: EventView::from_row(event)?,
        receipt,
    })
}
