//! The `add-checkpoint` call of c2sp.org/tlog-witness: its request body,
//! and the witness's decision on it, apart from storage and HTTP.
//!
//! ```text
//! old <size>
//! <base64 consistency proof hash>   (0 to 63 lines)
//! <blank line>
//! <signed checkpoint note>
//! ```
//!
//! [`decide`] applies the spec's checks in its order and answers with the
//! status the spec assigns each failure, so the HTTP layer only maps
//! [`Refusal`]s to statuses.

use crate::merkle::{self, Hash};
use crate::note::{Checkpoint, NoteError, VerifierKey, decode_hash, parse_decimal_u64};

/// Most consistency proof lines a request may carry (the spec's bound).
pub const MAX_PROOF_LINES: usize = 63;

/// One `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness last cosigned.
    pub old_size: u64,
    /// RFC 6962 consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, signatures included.
    pub checkpoint: String,
}

/// Why a witness does not cosign, each with the status the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the body does not follow the format, or old size > size.
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(String),
    /// 404: the witness does not witness this origin.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// 403: no valid signature by the log's key.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    NotSigned(String),
    /// 409: the client's old size is not the last size cosigned.
    #[error("the last checkpoint cosigned for this log has size {latest}")]
    Conflict {
        /// The size of the latest cosigned checkpoint (0 if none).
        latest: u64,
    },
    /// 422: the checkpoint is not consistent with the one cosigned before.
    #[error("the checkpoint is not consistent: {0}")]
    Inconsistent(String),
}

/// What the witness remembers of a log: its latest cosigned tree head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Witnessed {
    /// Tree size.
    pub size: u64,
    /// Root hash at that size.
    pub root_hash: Hash,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            out.push_str(&base64_hash(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a request body strictly (one spelling per request).
    pub fn parse(body: &str) -> Result<Self, Refusal> {
        let bad = |why: &str| Refusal::Malformed(why.to_owned());
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old_size = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(parse_decimal_u64)
            .ok_or_else(|| bad("the first line must be 'old <size>' in decimal"))?;
        let proof = lines
            .map(|line| {
                decode_hash(line).ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 consistency proof lines"));
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// The origin line of the checkpoint, before anything is verified (to
    /// find the log's key).
    pub fn origin(&self) -> Result<&str, Refusal> {
        self.checkpoint
            .split_once('\n')
            .map(|(origin, _)| origin)
            .filter(|origin| !origin.is_empty())
            .ok_or_else(|| Refusal::Malformed("the checkpoint has no origin line".into()))
    }
}

/// Decides a request for the log whose key is `log` (found by the
/// request's origin), given what the witness last cosigned for it.
/// Returns the verified checkpoint to cosign and record.
pub fn decide(
    request: &AddCheckpoint,
    log: &VerifierKey,
    latest: Option<Witnessed>,
) -> Result<Checkpoint, Refusal> {
    let checkpoint = Checkpoint::open(&request.checkpoint, log).map_err(|e| match e {
        NoteError::NoVerifiedSignature | NoteError::InvalidSignature { .. } => {
            Refusal::NotSigned(e.to_string())
        }
        NoteError::OriginMismatch { .. } => Refusal::UnknownOrigin(log.name().to_owned()),
        other => Refusal::Malformed(other.to_string()),
    })?;
    if request.old_size > checkpoint.size {
        return Err(Refusal::Malformed(format!(
            "old size {} is larger than the checkpoint's size {}",
            request.old_size, checkpoint.size
        )));
    }
    let latest_size = latest.map_or(0, |w| w.size);
    if request.old_size != latest_size {
        return Err(Refusal::Conflict {
            latest: latest_size,
        });
    }
    if checkpoint.size == 0 && checkpoint.root_hash != merkle::empty_root() {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    match latest {
        None | Some(Witnessed { size: 0, .. }) => {
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "a proof from size 0 must be empty".into(),
                ));
            }
        }
        Some(w) if w.size == checkpoint.size => {
            if w.root_hash != checkpoint.root_hash || !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(format!(
                    "another root hash for size {} than the one cosigned",
                    w.size
                )));
            }
        }
        Some(w) => merkle::verify_consistency(
            w.size,
            checkpoint.size,
            &w.root_hash,
            &checkpoint.root_hash,
            &request.proof,
        )
        .map_err(|e| {
            Refusal::Inconsistent(format!(
                "no consistency from size {} to {}: {e}",
                w.size, checkpoint.size
            ))
        })?,
    }
    Ok(checkpoint)
}

fn base64_hash(hash: &Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::merkle::{MemoryTree, consistency_proof};
    use crate::note::KeyPairSigner;

    struct Log {
        signer: KeyPairSigner,
        tree: MemoryTree,
    }

    impl Log {
        fn new(name: &str, seed: u8) -> Self {
            Self {
                signer: KeyPairSigner::new(name, KeyPair::from_seed(&[seed; 32])).unwrap(),
                tree: MemoryTree::new(),
            }
        }
        fn grow(&mut self, n: u64, salt: u8) {
            for i in 0..n {
                self.tree
                    .push(merkle::leaf_hash(&[salt, i as u8, (i >> 8) as u8]));
            }
        }
        fn checkpoint(&self) -> String {
            Checkpoint {
                origin: self.signer.verifier_key().name().to_owned(),
                size: self.tree.size(),
                root_hash: self.tree.root(),
                extensions: vec![],
            }
            .sign(&self.signer)
            .unwrap()
        }
        fn request(&self, old_size: u64) -> AddCheckpoint {
            let proof = if old_size == 0 {
                vec![]
            } else {
                consistency_proof(old_size, self.tree.size(), &self.tree).unwrap()
            };
            AddCheckpoint {
                old_size,
                proof,
                checkpoint: self.checkpoint(),
            }
        }
        fn witnessed(&self) -> Witnessed {
            Witnessed {
                size: self.tree.size(),
                root_hash: self.tree.root(),
            }
        }
    }

    #[test]
    fn the_specs_example_body_parses_and_round_trips() {
        let body = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let request = AddCheckpoint::parse(body).unwrap();
        assert_eq!(request.old_size, 20_852_014);
        assert_eq!(request.proof.len(), 4);
        assert_eq!(request.origin().unwrap(), "example.com/behind-the-sofa");
        assert_eq!(request.to_body(), body);
    }

    #[test]
    fn malformed_bodies_are_400() {
        for bad in [
            "",
            "old 1\n",
            "old 01\n\ncp\n",
            "old -1\n\ncp\n",
            "new 1\n\ncp\n",
            "old 1\nnot-a-hash\n\ncp\n",
        ] {
            assert!(
                matches!(AddCheckpoint::parse(bad), Err(Refusal::Malformed(_))),
                "{bad:?}"
            );
        }
        let many = format!(
            "old 1\n{}\ncp\n",
            "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n".repeat(64)
        );
        assert!(matches!(
            AddCheckpoint::parse(&many),
            Err(Refusal::Malformed(_))
        ));
    }

    #[test]
    fn a_log_that_grows_is_cosigned_step_by_step() {
        let mut log = Log::new("example.com/log", 1);
        let key = log.signer.verifier_key();
        log.grow(3, 0);
        assert_eq!(decide(&log.request(0), &key, None).unwrap().size, 3);
        let seen = log.witnessed();
        log.grow(300, 1);
        assert_eq!(decide(&log.request(3), &key, Some(seen)).unwrap().size, 303);
        // The same checkpoint again is fine; the empty tree too.
        let seen = log.witnessed();
        assert!(decide(&log.request(303), &key, Some(seen)).is_ok());
        let empty = Log::new("example.com/log", 1);
        assert!(decide(&empty.request(0), &key, None).is_ok());
    }

    #[test]
    fn each_refusal_has_the_specs_status() {
        let mut log = Log::new("example.com/log", 1);
        let key = log.signer.verifier_key();
        log.grow(5, 0);
        let seen = log.witnessed();
        log.grow(5, 1);

        // 409: the client's old size is not what the witness cosigned.
        assert_eq!(
            decide(&log.request(4), &key, Some(seen)),
            Err(Refusal::Conflict { latest: 5 })
        );
        assert_eq!(
            decide(&log.request(3), &key, None),
            Err(Refusal::Conflict { latest: 0 })
        );
        // 400: old size above the checkpoint's.
        let mut request = log.request(5);
        request.old_size = 11;
        assert!(matches!(
            decide(&request, &key, Some(seen)),
            Err(Refusal::Malformed(_))
        ));
        // 403: signed by another key of the same name.
        let impostor = Log {
            signer: KeyPairSigner::new("example.com/log", KeyPair::from_seed(&[2; 32])).unwrap(),
            tree: log.tree.clone(),
        };
        assert!(matches!(
            decide(&impostor.request(5), &key, Some(seen)),
            Err(Refusal::NotSigned(_))
        ));
        // 422: a fork (same size 5, another history) and a bad proof.
        let mut fork = Log::new("example.com/log", 1);
        fork.grow(5, 9);
        assert!(matches!(
            decide(&fork.request(5), &key, Some(seen)),
            Err(Refusal::Inconsistent(_))
        ));
        fork.grow(5, 1);
        assert!(matches!(
            decide(&fork.request(5), &key, Some(seen)),
            Err(Refusal::Inconsistent(_))
        ));
        let mut request = log.request(0);
        request.proof = vec![[0; 32]];
        assert!(matches!(
            decide(&request, &key, None),
            Err(Refusal::Inconsistent(_))
        ));
        // 404: a checkpoint of another origin presented under this key.
        let other = Log::new("example.com/other", 1);
        assert!(matches!(
            decide(&other.request(0), &key, None),
            Err(Refusal::UnknownOrigin(_) | Refusal::NotSigned(_))
        ));
    }
}
