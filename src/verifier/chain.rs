//! One waybill's chain checked from its stored events, for the roadside
//! check: every event's hash and `prev` link, every act's signature under
//! a key valid at the act and of the party in the act's role, the replay
//! through `domain::projection` and the comparison with the stored state.
//!
//! Where the whole-log audit (`log`, `replay`) and this check ask the same
//! question they answer it with the same function: [`key_valid_at`](super::key_valid_at) for
//! "may this key sign at this index" and [`act_signature_verifies`](super::signatures::act_signature_verifies) for the
//! strict signature check. Reading the stored rows is the caller's job: the
//! signer of each act is looked up through a closure, so this module stays
//! pure.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::crypto::{PublicKey, Signature};
use crate::domain::act::{ActBody, ParsedAct, parse_recorded_act};
use crate::domain::party::Role;
use crate::domain::projection::{self, WaybillState};
use crate::ledger::event_hash::{canonical_act, event_hash};

use super::replay::key_valid_at;
use super::signatures::act_signature_verifies;

/// One stored event of the waybill, in chain order.
#[derive(Debug, Clone, Copy)]
pub struct StoredEvent<'a> {
    /// Its log index.
    pub seq: i64,
    /// The act's JSON text as stored.
    pub act: &'a str,
    pub signature: &'a str,
    /// The stored event hash.
    pub hash: &'a str,
    pub received_at: DateTime<Utc>,
}

/// What the stored waybill row claims the chain ends in.
#[derive(Debug, Clone, Copy)]
pub struct StoredWaybill<'a> {
    pub id: &'a str,
    pub head: &'a str,
    pub status: &'a str,
    pub version: i64,
}

/// A registered key, as the registry holds it.
#[derive(Debug, Clone)]
pub struct SignerKey {
    /// base64url Ed25519 public key.
    pub public_key: String,
    /// Log index of its registration.
    pub registered_at: i64,
    /// Log index of its revocation, if revoked.
    pub revoked_at: Option<i64>,
    /// The key's party's registration number and country, if the party exists.
    pub party: Option<(String, String)>,
}

/// The outcome of [`check_chain`].
#[derive(Debug, Clone, Default)]
pub struct ChainCheck {
    /// Every act's signature verifies under a key of the party in its role.
    pub signatures: bool,
    /// The hash chain is whole and replays to the stored state.
    pub hash_chain: bool,
    /// What failed, in words, in chain order.
    pub problems: Vec<String>,
    /// The replayed state, when the chain could be replayed to its end.
    pub state: Option<WaybillState>,
}

/// Walks the chain: hashes, links, signatures, roles; replays the state.
/// `signer` finds a key by id; only its error stops the walk (the caller's
/// storage failed, which says nothing about the waybill).
pub fn check_chain<E>(
    waybill: StoredWaybill<'_>,
    chain: &[StoredEvent<'_>],
    mut signer: impl FnMut(&str) -> Result<Option<SignerKey>, E>,
) -> Result<ChainCheck, E> {
    let mut checks = ChainCheck {
        signatures: true,
        hash_chain: true,
        problems: Vec::new(),
        state: None,
    };
    let broken = |checks: &mut ChainCheck, problem: String| {
        checks.hash_chain = false;
        checks.problems.push(problem);
    };
    let mut prev: Option<String> = None;
    let mut state: Option<WaybillState> = None;
    for event in chain {
        let seq = event.seq;
        let Ok(act) = serde_json::from_str::<Value>(event.act) else {
            broken(
                &mut checks,
                format!("event {seq}: the stored act is not JSON"),
            );
            return Ok(checks);
        };
        if event_hash(&act, event.signature).ok().as_deref() != Some(event.hash) {
            broken(
                &mut checks,
                format!("event {seq}: its hash does not match its content"),
            );
        }
        let act_prev = act.get("prev").and_then(Value::as_str).map(str::to_owned);
        if act_prev != prev {
            broken(
                &mut checks,
                format!("event {seq}: prev does not name the previous event"),
            );
        }
        prev = Some(event.hash.to_owned());
        let parsed = match parse_recorded_act(act, event.signature.to_owned()) {
            Ok(p) => p,
            Err(_) => {
                broken(&mut checks, format!("event {seq}: the act does not parse"));
                return Ok(checks);
            }
        };
        if parsed.header.waybill_id.to_string() != waybill.id {
            broken(
                &mut checks,
                format!("event {seq}: the act names another waybill"),
            );
        }
        let key = signer(&parsed.header.key_id)?;
        if let Err(problem) = check_signer(key, &parsed, event, state.as_ref()) {
            checks.signatures = false;
            checks.problems.push(format!("event {seq}: {problem}"));
        }
        match projection::apply(state.as_ref(), &parsed, event.hash, event.received_at) {
            Ok(next) => state = Some(next),
            Err(e) => {
                broken(
                    &mut checks,
                    format!("event {seq}: the act does not apply: {e}"),
                );
                return Ok(checks);
            }
        }
    }
    match &state {
        None => broken(&mut checks, "the waybill has no events".to_owned()),
        Some(s) => {
            if prev.as_deref() != Some(waybill.head)
                || s.head != waybill.head
                || s.status.as_str() != waybill.status
                || i64::try_from(s.version).ok() != Some(waybill.version)
            {
                broken(
                    &mut checks,
                    "the stored waybill differs from its signed chain".to_owned(),
                );
            }
        }
    }
    checks.state = state;
    Ok(checks)
}

/// Whether the act's signature verifies under a key that was valid at the
/// act and belongs to the party in the act's role; the problem in words
/// if not.
fn check_signer(
    key: Option<SignerKey>,
    act: &ParsedAct,
    event: &StoredEvent<'_>,
    before: Option<&WaybillState>,
) -> Result<(), String> {
    let Some(key) = key else {
        return Err("signed by an unknown key".into());
    };
    if !key_valid_at(key.registered_at, key.revoked_at, event.seq) {
        return Err("the signing key was not valid at the time".into());
    }
    let verified = PublicKey::from_base64url(&key.public_key)
        .ok()
        .zip(Signature::from_base64url(event.signature).ok())
        .zip(canonical_act(&act.raw_act).ok())
        .is_some_and(|((pk, sig), canonical)| {
            act_signature_verifies(&pk, canonical.as_bytes(), &sig)
        });
    if !verified {
        return Err("the signature does not verify".into());
    }
    let document = match (before, &act.body) {
        (Some(s), _) => &s.document,
        (None, ActBody::Document(d)) => d.as_ref(),
        (None, _) => return Err("the chain does not start with a document".into()),
    };
    let expected = match act.header.act_type.role() {
        Role::Consignor => &document.consignor,
        Role::Carrier => &document.carrier,
        Role::Consignee => &document.consignee,
    };
    if !key
        .party
        .is_some_and(|(reg_no, country)| reg_no == expected.reg_no && country == expected.country)
    {
        return Err(format!(
            "signed by a party that is not the waybill's {}",
            act.header.act_type.role().as_str()
        ));
    }
    Ok(())
}
