//! Registry changes (parties, keys) are log events too, so any historical
//! signature can be checked against the keys valid when it was made. The
//! service signs them with its own key, in the same envelope as party acts,
//! chained through `prev` like a waybill's acts.

use crate::crypto::{PublicKey, ServiceKey};
use crate::domain::ids::{KeyId, LogIndex, PartyId};
use crate::storage::events::{self, EventRow};
use crate::storage::keys::{self, KeyRow};
use crate::storage::parties::{self, PartyRow};
use crate::storage::{DbConnection, time};
use serde_json::{Value, json};

use super::commands::{NewParty, Outcome, Rejection, WriteError};
use super::event_hash::{canonical_act, event_hash};

pub const PARTY_CREATE: &str = "registry.party_create";
pub const KEY_REGISTER: &str = "registry.key_register";
pub const KEY_REVOKE: &str = "registry.key_revoke";

/// Writes one service-signed registry event as number `seq`.
fn record(
    conn: &mut DbConnection,
    service_key: &ServiceKey,
    seq: LogIndex,
    act_type: &str,
    party_id: &PartyId,
    body: Value,
) -> Result<EventRow, WriteError> {
    let received_at = time::now();
    let act = json!({
        "type": act_type,
        "waybill_id": null,
        "prev": events::registry_head(conn)?,
        "key_id": service_key.key_id(),
        "signed_at": received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "body": body,
    });
    let canonical = canonical_act(&act)?;
    let signature = service_key.sign(canonical.as_bytes()).to_base64url();
    let hash = event_hash(&act, &signature)?;
    let event = EventRow {
        seq,
        hash,
        waybill_id: None,
        act_type: act_type.to_owned(),
        act: canonical,
        signature,
        key_id: KeyId::from(service_key.key_id()),
        party_id: Some(party_id.clone()),
        received_at: time::to_db(received_at),
    };
    events::insert(conn, &event)?;
    Ok(event)
}

pub fn create_party(
    conn: &mut DbConnection,
    service_key: &ServiceKey,
    seq: LogIndex,
    party: &NewParty,
    requested_by: &KeyId,
) -> Result<Outcome, WriteError> {
    if parties::find_by_registration(conn, &party.reg_no, &party.country)?.is_some() {
        return Err(Rejection::PartyExists.into());
    }
    let id = PartyId::new();
    let event = record(
        conn,
        service_key,
        seq,
        PARTY_CREATE,
        &id,
        json!({
            "party_id": id,
            "kind": party.kind.as_str(),
            "name": party.name,
            "reg_no": party.reg_no,
            "country": party.country,
            "vat_no": party.vat_no,
            "address": party.address,
            "requested_by": requested_by,
        }),
    )?;
    let row = PartyRow {
        id,
        kind: party.kind.as_str().to_owned(),
        name: party.name.clone(),
        reg_no: party.reg_no.clone(),
        country: party.country.clone(),
        vat_no: party.vat_no.clone(),
        address: party.address.clone(),
        log_seq: seq,
        created_at: event.received_at,
    };
    match parties::insert(conn, &row) {
        Err(e) if e.is_unique_violation() => return Err(Rejection::PartyExists.into()),
        other => other?,
    }
    Ok(Outcome::Party { party: row, event })
}

pub fn register_key(
    conn: &mut DbConnection,
    service_key: &ServiceKey,
    seq: LogIndex,
    party_id: &PartyId,
    public_key: &PublicKey,
    label: &str,
    requested_by: &KeyId,
) -> Result<Outcome, WriteError> {
    if parties::find(conn, party_id)?.is_none() {
        return Err(Rejection::PartyNotFound.into());
    }
    let key_id = KeyId::from(public_key.key_id());
    if keys::find(conn, &key_id)?.is_some() {
        return Err(Rejection::KeyExists.into());
    }
    let event = record(
        conn,
        service_key,
        seq,
        KEY_REGISTER,
        party_id,
        json!({
            "party_id": party_id,
            "key_id": key_id,
            "public_key": public_key.to_base64url(),
            "label": label,
            "requested_by": requested_by,
        }),
    )?;
    let row = KeyRow {
        key_id,
        party_id: party_id.clone(),
        public_key: public_key.to_base64url(),
        label: label.to_owned(),
        registered_seq: seq,
        registered_at: event.received_at,
        revoked_seq: None,
        revoked_at: None,
    };
    match keys::insert(conn, &row) {
        Err(e) if e.is_unique_violation() => return Err(Rejection::KeyExists.into()),
        other => other?,
    }
    Ok(Outcome::Key { key: row, event })
}

pub fn revoke_key(
    conn: &mut DbConnection,
    service_key: &ServiceKey,
    seq: LogIndex,
    party_id: &PartyId,
    key_id: &KeyId,
    requested_by: &KeyId,
) -> Result<Outcome, WriteError> {
    let found = keys::find(conn, key_id)?
        .filter(|k| k.key.party_id == *party_id)
        .ok_or(Rejection::KeyNotFound)?;
    if !found.key.is_active() {
        return Err(Rejection::KeyAlreadyRevoked.into());
    }
    // A party may not lock itself out; the operator may revoke anyone's
    // last key (a compromised party), though not its own.
    let by_the_party = keys::find(conn, requested_by)?.is_some_and(|k| k.key.party_id == *party_id);
    if by_the_party
        && !keys::of_party(conn, party_id)?
            .iter()
            .any(|k| k.key_id != *key_id && k.is_active())
    {
        return Err(Rejection::LastActiveKey.into());
    }
    let event = record(
        conn,
        service_key,
        seq,
        KEY_REVOKE,
        party_id,
        json!({
            "party_id": party_id,
            "key_id": key_id,
            "requested_by": requested_by,
        }),
    )?;
    keys::mark_revoked(conn, key_id, seq, event.received_at)?;
    let mut key = found.key;
    key.revoked_seq = Some(seq);
    key.revoked_at = Some(event.received_at);
    Ok(Outcome::Key { key, event })
}
