//! One leaf on its own: well-formed, canonical, the right `seq`, an act of
//! a known type. Pure and independent of every other leaf, so it runs in
//! parallel; everything that depends on the log so far is in `replay`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::crypto::{PublicKey, Signature, canonical_bytes, sha256_hex};
use crate::ledger::leaf::leaf_time;
use crate::ledger::registry::{KEY_REGISTER, KEY_REVOKE, PARTY_CREATE};
use crate::merkle::{Hash, leaf_hash};

use super::report::Discrepancy;

/// The act types a waybill's chain may hold.
pub const WAYBILL_ACTS: [&str; 8] = [
    "consignor.issue",
    "consignor.correct",
    "consignor.cancel",
    "carrier.accept",
    "carrier.decline",
    "carrier.change_vehicle",
    "consignee.accept",
    "consignee.reject",
];

/// The act that starts a waybill's chain.
pub const ISSUE: &str = "consignor.issue";

const LEAF_KEYS: [&str; 4] = ["act", "received_at", "seq", "signature"];
const ACT_KEYS: [&str; 6] = ["body", "key_id", "prev", "signed_at", "type", "waybill_id"];

/// What an act is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActKind {
    /// A waybill act.
    Waybill { waybill_id: String },
    /// `registry.party_create`.
    PartyCreate { party_id: String },
    /// `registry.key_register`; the key id was checked against the key.
    KeyRegister {
        party_id: String,
        key_id: String,
        public_key: PublicKey,
    },
    /// `registry.key_revoke`.
    KeyRevoke { party_id: String, key_id: String },
}

/// A leaf that passed every check that needs only the leaf itself.
#[derive(Debug, Clone)]
pub struct CheckedLeaf {
    pub index: u64,
    /// SHA-256(0x00 || leaf).
    pub leaf_hash: Hash,
    pub act_type: String,
    pub kind: ActKind,
    pub prev: Option<String>,
    pub key_id: String,
    /// The RFC 8785 bytes of the act: what the signature covers.
    pub signed: Vec<u8>,
    pub signature: Signature,
    /// Lowercase hex SHA-256 of the JCS of `{"act", "signature"}`.
    pub event_hash: String,
    pub received_at: String,
}

/// Checks leaf `index` on its own.
pub fn check_leaf(index: u64, bytes: &[u8]) -> Result<CheckedLeaf, Discrepancy> {
    let malformed = |detail: String| Discrepancy::MalformedLeaf { index, detail };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Discrepancy::LeafNotJson {
        index,
        detail: e.to_string(),
    })?;
    // Re-canonicalizing and comparing catches key order, whitespace,
    // escapes, number spellings and duplicate keys (serde keeps the last).
    match canonical_bytes(&value) {
        Ok(canonical) if canonical == bytes => {}
        _ => return Err(Discrepancy::LeafNotCanonical { index }),
    }
    let leaf = exact_object(&value, &LEAF_KEYS).map_err(|e| malformed(format!("leaf {e}")))?;

    let seq = &leaf["seq"];
    if seq.as_u64() != Some(index) {
        return Err(Discrepancy::SeqMismatch {
            index,
            seq: seq.to_string(),
        });
    }
    let received_at = leaf["received_at"]
        .as_str()
        .filter(|s| is_leaf_time(s))
        .ok_or_else(|| {
            malformed("received_at is not an RFC 3339 UTC time with 6 fractional digits".into())
        })?;
    let signature_text = leaf["signature"]
        .as_str()
        .ok_or_else(|| malformed("signature is not a string".into()))?;
    let signature = Signature::from_base64url(signature_text)
        .map_err(|e| malformed(format!("signature: {e}")))?;

    let act_value = &leaf["act"];
    let act = exact_object(act_value, &ACT_KEYS).map_err(|e| malformed(format!("act {e}")))?;
    let act_type = text(act, "type").ok_or_else(|| malformed("act.type is not a string".into()))?;
    let key_id =
        text(act, "key_id").ok_or_else(|| malformed("act.key_id is not a string".into()))?;
    if text(act, "signed_at").is_none() {
        return Err(malformed("act.signed_at is not a string".into()));
    }
    let prev = match &act["prev"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => return Err(malformed("act.prev is neither null nor a string".into())),
    };
    let waybill_id = match &act["waybill_id"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => {
            return Err(malformed(
                "act.waybill_id is neither null nor a string".into(),
            ));
        }
    };
    let kind = act_kind(index, act_type, waybill_id, &act["body"])?;

    let (signed, event_hash) = signed_parts(bytes, received_at, index, signature_text)
        .ok_or_else(|| malformed("leaf does not have the leaf layout".into()))?;
    Ok(CheckedLeaf {
        index,
        leaf_hash: leaf_hash(bytes),
        act_type: act_type.to_owned(),
        kind,
        prev,
        key_id: key_id.to_owned(),
        signed,
        signature,
        event_hash,
        received_at: received_at.to_owned(),
    })
}

/// An object with exactly `keys` (sorted, as JCS orders them).
fn exact_object<'a>(value: &'a Value, keys: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let map = value
        .as_object()
        .ok_or_else(|| "is not an object".to_owned())?;
    if map.len() != keys.len() || !keys.iter().all(|k| map.contains_key(*k)) {
        let found: Vec<&str> = map.keys().map(String::as_str).collect();
        return Err(format!("has members {found:?}; expected exactly {keys:?}"));
    }
    Ok(map)
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// `2026-11-29T16:00:01.000500Z`: exactly what `leaf_time` writes.
fn is_leaf_time(s: &str) -> bool {
    DateTime::parse_from_rfc3339(s)
        .map(|t| leaf_time(t.with_timezone(&Utc)) == s)
        .unwrap_or(false)
}

fn act_kind(
    index: u64,
    act_type: &str,
    waybill_id: Option<String>,
    body: &Value,
) -> Result<ActKind, Discrepancy> {
    let malformed = |detail: String| Discrepancy::MalformedLeaf { index, detail };
    if WAYBILL_ACTS.contains(&act_type) {
        return match waybill_id {
            Some(waybill_id) if !waybill_id.is_empty() => Ok(ActKind::Waybill { waybill_id }),
            _ => Err(malformed(format!("{act_type} without a waybill_id"))),
        };
    }
    if ![PARTY_CREATE, KEY_REGISTER, KEY_REVOKE].contains(&act_type) {
        return Err(Discrepancy::UnknownActType {
            index,
            act_type: act_type.to_owned(),
        });
    }
    if waybill_id.is_some() {
        return Err(malformed(format!("{act_type} with a waybill_id")));
    }
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| malformed(format!("{act_type}: body.{name} is not a string")))
    };
    let party_id = field("party_id")?;
    match act_type {
        PARTY_CREATE => Ok(ActKind::PartyCreate { party_id }),
        KEY_REVOKE => Ok(ActKind::KeyRevoke {
            party_id,
            key_id: field("key_id")?,
        }),
        _ => {
            let key_id = field("key_id")?;
            let public_key = PublicKey::from_base64url(&field("public_key")?).map_err(|e| {
                Discrepancy::Registry {
                    index,
                    detail: format!("key_register of {key_id}: public_key is not acceptable: {e}"),
                }
            })?;
            let thumbprint = public_key.key_id();
            if thumbprint != key_id {
                return Err(Discrepancy::Registry {
                    index,
                    detail: format!(
                        "key_register: key_id {key_id} is not the thumbprint of its public_key ({thumbprint})"
                    ),
                });
            }
            Ok(ActKind::KeyRegister {
                party_id,
                key_id,
                public_key,
            })
        }
    }
}

/// The act's canonical bytes and the event hash, cut from a leaf already
/// known to be canonical with exactly the four leaf members: in JCS order
/// the leaf is `{"act":<JCS(act)>,"received_at":"..","seq":N,"signature":".."}`
/// and a member of a canonical object is itself canonical. The timestamp
/// and base64url signature need no escaping. Equal to
/// `canonical_bytes(act)` and `event_hash(act, signature)` (tested).
fn signed_parts(
    leaf: &[u8],
    received_at: &str,
    seq: u64,
    signature: &str,
) -> Option<(Vec<u8>, String)> {
    const HEAD: &[u8] = b"{\"act\":";
    let tail =
        format!(",\"received_at\":\"{received_at}\",\"seq\":{seq},\"signature\":\"{signature}\"}}");
    let act = leaf.strip_prefix(HEAD)?.strip_suffix(tail.as_bytes())?;
    let mut event = Vec::with_capacity(act.len() + signature.len() + 24);
    event.extend_from_slice(HEAD);
    event.extend_from_slice(act);
    event.extend_from_slice(b",\"signature\":\"");
    event.extend_from_slice(signature.as_bytes());
    event.extend_from_slice(b"\"}");
    Some((act.to_vec(), sha256_hex(&event)))
}
