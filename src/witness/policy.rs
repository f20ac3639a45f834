//! Witness policies: which witnesses a log or a verifier trusts and how
//! many of them must have cosigned a checkpoint before it is relied on
//! (c2sp.org/tlog-cosignature lines, verified with the witnesses' keys).
//!
//! The same rule serves the service (which checkpoint to put in receipts)
//! and `ewaybill verify --witness ... --quorum N`.

use crate::note::{Checkpoint, NoteError, SignatureType, VerifierKey};

/// Why a policy cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A witness key that is not a `cosignature/v1` key.
    #[error("witness key {0} is not a cosignature/v1 key (type 0x04)")]
    NotACosignerKey(String),
    /// The same witness named twice.
    #[error("witness {0} is named twice")]
    Duplicate(String),
    /// More cosignatures required than witnesses known.
    #[error("a quorum of {quorum} needs at least {quorum} witnesses, got {known}")]
    QuorumTooLarge {
        /// The quorum asked for.
        quorum: usize,
        /// The witnesses given.
        known: usize,
    },
    /// A witness entry that is not `<vkey> <url>`.
    #[error("witness {0:?} is not '<name>+<key id>+<key> <url>': {1}")]
    Malformed(String, String),
}

/// A witness as the service is configured with it: its cosigner key and
/// where its add-checkpoint lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessEndpoint {
    /// Its `cosignature/v1` verifier key; the key's name is the witness's.
    pub key: VerifierKey,
    /// The submission prefix (`<url>/add-checkpoint`).
    pub url: String,
}

impl WitnessEndpoint {
    /// Parses `<vkey> <url>` (one `EWAYBILL_WITNESS` value).
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let malformed = |why: String| PolicyError::Malformed(text.to_owned(), why);
        let (vkey, url) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| malformed("no URL after the key".into()))?;
        let key = VerifierKey::parse(vkey).map_err(|e| malformed(e.to_string()))?;
        if key.signature_type() != SignatureType::CosignatureV1 {
            return Err(PolicyError::NotACosignerKey(key.name().to_owned()));
        }
        let url = url.trim().trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(malformed("the URL must be http:// or https://".into()));
        }
        Ok(Self { key, url })
    }
}

/// Trusted witnesses and how many must cosign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    witnesses: Vec<VerifierKey>,
    quorum: usize,
}

/// What a policy says of one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVerdict {
    /// The checkpoint, verified against the log's key.
    pub checkpoint: Checkpoint,
    /// The trusted witnesses whose cosignatures verified, in line order.
    pub cosigned_by: Vec<String>,
    /// How many the policy requires.
    pub quorum: usize,
}

impl PolicyVerdict {
    /// Whether enough trusted witnesses cosigned.
    pub fn satisfied(&self) -> bool {
        self.cosigned_by.len() >= self.quorum
    }
}

impl WitnessPolicy {
    /// `quorum` of `witnesses` (cosigner keys, distinct names) must cosign.
    pub fn new(witnesses: Vec<VerifierKey>, quorum: usize) -> Result<Self, PolicyError> {
        for (i, key) in witnesses.iter().enumerate() {
            if key.signature_type() != SignatureType::CosignatureV1 {
                return Err(PolicyError::NotACosignerKey(key.name().to_owned()));
            }
            if witnesses[..i].iter().any(|k| k.name() == key.name()) {
                return Err(PolicyError::Duplicate(key.name().to_owned()));
            }
        }
        if quorum > witnesses.len() {
            return Err(PolicyError::QuorumTooLarge {
                quorum,
                known: witnesses.len(),
            });
        }
        Ok(Self { witnesses, quorum })
    }

    /// The trusted witnesses.
    pub fn witnesses(&self) -> &[VerifierKey] {
        &self.witnesses
    }

    /// How many must cosign.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// Verifies `note` as a checkpoint of the log `log` and counts the
    /// trusted witnesses that cosigned it. A bad signature by a trusted
    /// key is an error (tampering), not a missing cosignature.
    pub fn check(&self, note: &str, log: &VerifierKey) -> Result<PolicyVerdict, NoteError> {
        let (checkpoint, opened) = Checkpoint::open_cosigned(note, log, &self.witnesses)?;
        let cosigned_by = opened
            .cosignature_times
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        Ok(PolicyVerdict {
            checkpoint,
            cosigned_by,
            quorum: self.quorum,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::note::{KeyPairSigner, cosignature_line, cosigner_key};

    fn witness(name: &str, seed: u8) -> KeyPairSigner {
        KeyPairSigner::new(name, KeyPair::from_seed(&[seed; 32])).unwrap()
    }

    #[test]
    fn a_quorum_counts_only_trusted_valid_cosignatures() {
        let log = witness("example.com/log", 1);
        let body = Checkpoint {
            origin: "example.com/log".into(),
            size: 3,
            root_hash: [3; 32],
            extensions: vec![],
        };
        let note = body.sign(&log).unwrap();
        let (w1, w2, stranger) = (witness("w1", 2), witness("w2", 3), witness("w3", 4));
        let mut cosigned = note.clone();
        for w in [&w1, &stranger] {
            cosigned.push_str(&cosignature_line(&body.to_body(), w, 1_700_000_000).unwrap());
        }
        let keys = vec![cosigner_key(&w1).unwrap(), cosigner_key(&w2).unwrap()];
        let one = WitnessPolicy::new(keys.clone(), 1).unwrap();
        let two = WitnessPolicy::new(keys.clone(), 2).unwrap();
        let verdict = one.check(&cosigned, &log.verifier_key()).unwrap();
        assert_eq!(verdict.cosigned_by, ["w1"]);
        assert!(verdict.satisfied());
        assert!(
            !two.check(&cosigned, &log.verifier_key())
                .unwrap()
                .satisfied()
        );
        assert!(!one.check(&note, &log.verifier_key()).unwrap().satisfied());
        // A trusted witness's line over another checkpoint is tampering.
        let forged = cosigned.replace("\n3\n", "\n4\n");
        assert!(one.check(&forged, &log.verifier_key()).is_err());
    }

    #[test]
    fn policies_and_endpoints_are_checked() {
        let w1 = cosigner_key(&witness("w1", 2)).unwrap();
        assert!(matches!(
            WitnessPolicy::new(vec![w1.clone()], 2),
            Err(PolicyError::QuorumTooLarge { .. })
        ));
        assert!(matches!(
            WitnessPolicy::new(vec![w1.clone(), w1.clone()], 1),
            Err(PolicyError::Duplicate(_))
        ));
        let plain = witness("w1", 2).verifier_key();
        assert!(matches!(
            WitnessPolicy::new(vec![plain.clone()], 1),
            Err(PolicyError::NotACosignerKey(_))
        ));
        let endpoint =
            WitnessEndpoint::parse(&format!("{} http://127.0.0.1:7381/", w1.to_vkey())).unwrap();
        assert_eq!(endpoint.url, "http://127.0.0.1:7381");
        assert_eq!(endpoint.key, w1);
        assert!(WitnessEndpoint::parse(&w1.to_vkey()).is_err());
        assert!(WitnessEndpoint::parse(&format!("{} ftp://x", w1.to_vkey())).is_err());
        assert!(WitnessEndpoint::parse(&format!("{} http://x", plain.to_vkey())).is_err());
    }
}
