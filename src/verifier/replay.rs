//! The log replayed in order: the registry (parties, keys and when each key
//! may sign) and the hash chains (each waybill's, and the registry's).

use std::collections::HashMap;

use crate::crypto::PublicKey;

use super::leaf::{ActKind, CheckedLeaf, ISSUE};
use super::report::Discrepancy;

struct PartyKey {
    party_id: String,
    public_key: PublicKey,
    registered_at: u64,
    revoked_at: Option<u64>,
}

struct WaybillHead {
    head: String,
    issued_at: u64,
}

/// Whether a key registered at log index `registered_at` (and revoked at
/// `revoked_at`, if ever) may sign the entry at `index`: registered at an
/// earlier index, not revoked at or before it.
pub fn key_valid_at<T: PartialOrd + Copy>(
    registered_at: T,
    revoked_at: Option<T>,
    index: T,
) -> bool {
    registered_at < index && revoked_at.is_none_or(|r| index < r)
}

/// The state after the entries replayed so far.
pub(crate) struct Replay {
    log_key: PublicKey,
    log_key_id: String,
    parties: HashMap<String, u64>,
    keys: HashMap<String, PartyKey>,
    registry_head: Option<String>,
    waybills: HashMap<String, WaybillHead>,
}

fn show(prev: Option<&str>) -> String {
    prev.unwrap_or("null").to_owned()
}

impl Replay {
    /// Registry entries must be signed by `log_key` (the vkey's key).
    pub(crate) fn new(log_key: PublicKey) -> Self {
        Self {
            log_key_id: log_key.key_id(),
            log_key,
            parties: HashMap::new(),
            keys: HashMap::new(),
            registry_head: None,
            waybills: HashMap::new(),
        }
    }

    /// The key that must have signed `leaf`: the log key for registry
    /// entries, otherwise a party key valid at the leaf's index (registered
    /// at an earlier index, not revoked at or before it).
    pub(crate) fn signing_key(&self, leaf: &CheckedLeaf) -> Result<PublicKey, Discrepancy> {
        let index = leaf.index;
        if !matches!(leaf.kind, ActKind::Waybill { .. }) {
            if leaf.key_id != self.log_key_id {
                return Err(Discrepancy::RegistryKey {
                    index,
                    key_id: leaf.key_id.clone(),
                    log_key_id: self.log_key_id.clone(),
                });
            }
            return Ok(self.log_key);
        }
        let key = self
            .keys
            .get(&leaf.key_id)
            .ok_or_else(|| Discrepancy::UnknownKey {
                index,
                key_id: leaf.key_id.clone(),
            })?;
        match key.revoked_at {
            Some(revoked_at) if !key_valid_at(key.registered_at, Some(revoked_at), index) => {
                Err(Discrepancy::RevokedKey {
                    index,
                    key_id: leaf.key_id.clone(),
                    revoked_at,
                })
            }
            _ => Ok(key.public_key),
        }
    }

    /// Checks `leaf` against the chains and registry so far and applies it.
    /// Returns whether it started a new waybill.
    pub(crate) fn advance(&mut self, leaf: &CheckedLeaf) -> Result<bool, Discrepancy> {
        match &leaf.kind {
            ActKind::Waybill { waybill_id } => self.waybill_act(leaf, waybill_id),
            kind => {
                self.registry_entry(leaf, kind)?;
                Ok(false)
            }
        }
    }

    fn waybill_act(&mut self, leaf: &CheckedLeaf, waybill_id: &str) -> Result<bool, Discrepancy> {
        let index = leaf.index;
        let Some(known) = self.waybills.get_mut(waybill_id) else {
            if leaf.act_type != ISSUE || leaf.prev.is_some() {
                return Err(Discrepancy::WaybillStart {
                    index,
                    waybill_id: waybill_id.to_owned(),
                    act_type: leaf.act_type.clone(),
                    prev: show(leaf.prev.as_deref()),
                });
            }
            self.waybills.insert(
                waybill_id.to_owned(),
                WaybillHead {
                    head: leaf.event_hash.clone(),
                    issued_at: index,
                },
            );
            return Ok(true);
        };
        if leaf.act_type == ISSUE {
            return Err(Discrepancy::Reissue {
                index,
                waybill_id: waybill_id.to_owned(),
                issued_at: known.issued_at,
            });
        }
        if leaf.prev.as_deref() != Some(known.head.as_str()) {
            return Err(Discrepancy::WaybillChain {
                index,
                waybill_id: waybill_id.to_owned(),
                expected: known.head.clone(),
                found: show(leaf.prev.as_deref()),
            });
        }
        known.head = leaf.event_hash.clone();
        Ok(false)
    }

    fn registry_entry(&mut self, leaf: &CheckedLeaf, kind: &ActKind) -> Result<(), Discrepancy> {
        let index = leaf.index;
        let fail = |detail: String| Err(Discrepancy::Registry { index, detail });
        if leaf.prev != self.registry_head {
            return Err(Discrepancy::RegistryChain {
                index,
                expected: show(self.registry_head.as_deref()),
                found: show(leaf.prev.as_deref()),
            });
        }
        match kind {
            ActKind::PartyCreate { party_id } => {
                if let Some(at) = self.parties.get(party_id) {
                    return fail(format!(
                        "party_create: party {party_id} was already created at index {at}"
                    ));
                }
                self.parties.insert(party_id.clone(), index);
            }
            ActKind::KeyRegister {
                party_id,
                key_id,
                public_key,
            } => {
                if !self.parties.contains_key(party_id) {
                    return fail(format!(
                        "key_register of {key_id} for unknown party {party_id}"
                    ));
                }
                if let Some(existing) = self.keys.get(key_id) {
                    return fail(format!(
                        "key_register: key {key_id} was already registered at index {}",
                        existing.registered_at
                    ));
                }
                self.keys.insert(
                    key_id.clone(),
                    PartyKey {
                        party_id: party_id.clone(),
                        public_key: *public_key,
                        registered_at: index,
                        revoked_at: None,
                    },
                );
            }
            ActKind::KeyRevoke { party_id, key_id } => {
                let Some(key) = self.keys.get_mut(key_id) else {
                    return fail(format!("key_revoke of unknown key {key_id}"));
                };
                if key.party_id != *party_id {
                    return fail(format!(
                        "key_revoke: key {key_id} belongs to party {}, not {party_id}",
                        key.party_id
                    ));
                }
                if let Some(at) = key.revoked_at {
                    return fail(format!(
                        "key_revoke: key {key_id} was already revoked at index {at}"
                    ));
                }
                key.revoked_at = Some(index);
            }
            ActKind::Waybill { .. } => {}
        }
        self.registry_head = Some(leaf.event_hash.clone());
        Ok(())
    }
}
