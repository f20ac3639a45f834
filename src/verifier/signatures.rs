//! Signature checks, on all cores, under the service's strict Ed25519 policy
//! (`PublicKey::from_bytes` + `verify_strict`, see `crate::crypto`).
//!
//! Two paths give the same verdicts:
//!
//! - [`first_invalid`]: `verify_strict` per signature, in parallel. The
//!   auditor uses this one.
//! - [`verify_strict_batched`]: ed25519-dalek `verify_batch` where that is
//!   provably equivalent, `verify_strict` elsewhere.
//!
//! Why the batch path needs more than "reject small-order and
//! non-canonical A and R": `verify_batch` checks one random linear
//! combination `sum z_i (R_i + h_i A_i - s_i B) = 0`. A mixed-order `R` (a
//! prime-order point plus a torsion point `T`) leaves `z_i T_i` in that sum,
//! which vanishes whenever the order of `T` divides `z_i`, and `z_i` comes
//! from a transcript of the inputs, so a signer can grind for it. Such a
//! signature fails `verify_strict` (cofactorless) but can pass the batch:
//! 9 of the 63 CCTV `low_order_residue` vectors that pass those prechecks
//! do, one per batch (`tests::signatures`). A mixed-order `A` has the
//! opposite problem (its torsion is scaled by `z_i h_i mod l`, so valid
//! strict signatures can fail the batch). So only signatures whose `A` and
//! `R` are both torsion-free are batched; for those the cofactorless
//! equation is the only one that can hold and the batch decides exactly
//! (up to its 2^-128 soundness). Everything else goes to `verify_strict`.
//!
//! The price: proving `R` torsion-free is a full scalar multiplication
//! (`[l]R`), and with it the batch path costs more per signature than
//! `verify_strict` itself (measured on this machine: about 60 us against
//! 38 us; plain `verify_batch` would be about 14 us but is not strict).
//! Hence the auditor verifies per signature; the batch path stays, pinned
//! by the CCTV vectors, for whoever finds a cheaper torsion check.

use ed25519_dalek::{Signature as DalekSignature, VerifyingKey, verify_batch};
use rayon::prelude::*;
use std::collections::HashMap;

use crate::crypto::{PublicKey, Signature};

/// One signature to check: `signature` over `msg` by `key`.
#[derive(Debug, Clone)]
pub struct SigJob {
    /// The log index it belongs to.
    pub index: u64,
    pub key: PublicKey,
    pub key_id: String,
    pub msg: Vec<u8>,
    pub signature: Signature,
}

/// Position in `jobs` of the first signature that does not verify
/// (strict), checking all of them on all cores.
pub fn first_invalid(jobs: &[SigJob]) -> Option<usize> {
    jobs.par_iter()
        .with_min_len(16)
        .position_first(|job| !act_signature_verifies(&job.key, &job.msg, &job.signature))
}

/// Whether `signature` over `signed` (the act's canonical bytes) verifies
/// under `key` with the strict policy.
pub fn act_signature_verifies(key: &PublicKey, signed: &[u8], signature: &Signature) -> bool {
    key.verify(signed, signature).is_ok()
}

/// Like [`first_invalid`], through [`verify_strict_batched`].
pub fn first_invalid_batched(jobs: &[SigJob]) -> Option<usize> {
    let signatures: Vec<[u8; 64]> = jobs.iter().map(|j| j.signature.to_bytes()).collect();
    let items: Vec<StrictItem<'_>> = jobs
        .iter()
        .zip(&signatures)
        .map(|(job, sig)| StrictItem {
            public_key: job.key.as_bytes(),
            msg: &job.msg,
            signature: sig,
        })
        .collect();
    verify_strict_batched(&items).iter().position(|ok| !ok)
}

/// Raw inputs, as they might arrive from anywhere.
#[derive(Debug, Clone, Copy)]
pub struct StrictItem<'a> {
    pub public_key: &'a [u8],
    pub msg: &'a [u8],
    pub signature: &'a [u8],
}

/// Signatures per `verify_batch` call.
const BATCH: usize = 64;

/// The group order l, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// `s < l`, as `verify_strict` requires (no scalar malleability).
fn scalar_is_canonical(s: &[u8]) -> bool {
    for (byte, ell) in s.iter().zip(ELL.iter()).rev() {
        if byte != ell {
            return byte < ell;
        }
    }
    false
}

/// A point as the strict policy accepts it for A (`PublicKey::from_bytes`)
/// and R (`verify_strict` compares the recomputed R byte for byte, so only
/// canonical encodings can match, and it refuses small-order R): it
/// decompresses, re-encodes to the same bytes and is not of small order.
/// Returns it with whether it is torsion-free.
fn strict_point(bytes: &[u8]) -> Option<(VerifyingKey, bool)> {
    let bytes: &[u8; 32] = bytes.try_into().ok()?;
    let point = VerifyingKey::from_bytes(bytes).ok()?;
    let edwards = point.to_edwards();
    if edwards.compress().as_bytes() != bytes || point.is_weak() {
        return None;
    }
    Some((point, edwards.is_torsion_free()))
}

enum Route {
    /// Refused by the prechecks, exactly as the strict policy refuses it.
    Reject,
    /// Mixed-order A or R: only `verify_strict` decides these correctly.
    Single(VerifyingKey, DalekSignature),
    /// Torsion-free A and R: the batch equation decides exactly.
    Batch(VerifyingKey, DalekSignature),
}

fn route(item: &StrictItem<'_>, keys: &HashMap<&[u8], Option<(VerifyingKey, bool)>>) -> Route {
    let Some(Some((key, key_torsion_free))) = keys.get(item.public_key) else {
        return Route::Reject;
    };
    let Ok(sig_bytes) = <[u8; 64]>::try_from(item.signature) else {
        return Route::Reject;
    };
    if !scalar_is_canonical(&sig_bytes[32..]) {
        return Route::Reject;
    }
    let Some((_, r_torsion_free)) = strict_point(&sig_bytes[..32]) else {
        return Route::Reject;
    };
    let sig = DalekSignature::from_bytes(&sig_bytes);
    if *key_torsion_free && r_torsion_free {
        Route::Batch(*key, sig)
    } else {
        Route::Single(*key, sig)
    }
}

/// The strict verdict for every item, computed with batch verification
/// where that is exact (module docs), in parallel. A failed batch is
/// re-checked one signature at a time, so one bad signature costs only
/// its own batch.
pub fn verify_strict_batched(items: &[StrictItem<'_>]) -> Vec<bool> {
    let mut keys: HashMap<&[u8], Option<(VerifyingKey, bool)>> = HashMap::new();
    for item in items {
        keys.entry(item.public_key)
            .or_insert_with(|| strict_point(item.public_key));
    }
    let routes: Vec<Route> = items.par_iter().map(|item| route(item, &keys)).collect();

    let mut verdicts = vec![false; items.len()];
    let mut batched = Vec::new();
    let mut single = Vec::new();
    for (i, r) in routes.iter().enumerate() {
        match r {
            Route::Reject => {}
            Route::Single(key, sig) => single.push((i, *key, *sig)),
            Route::Batch(key, sig) => batched.push((i, *key, *sig)),
        }
    }
    let strict = |i: usize, key: &VerifyingKey, sig: &DalekSignature| {
        (i, key.verify_strict(items[i].msg, sig).is_ok())
    };
    let mut results: Vec<(usize, bool)> = single
        .par_iter()
        .map(|(i, key, sig)| strict(*i, key, sig))
        .collect();
    let batch_results: Vec<Vec<(usize, bool)>> = batched
        .par_chunks(BATCH)
        .map(|chunk| {
            let msgs: Vec<&[u8]> = chunk.iter().map(|(i, _, _)| items[*i].msg).collect();
            let sigs: Vec<DalekSignature> = chunk.iter().map(|(_, _, s)| *s).collect();
            let keys: Vec<VerifyingKey> = chunk.iter().map(|(_, k, _)| *k).collect();
            if verify_batch(&msgs, &sigs, &keys).is_ok() {
                chunk.iter().map(|(i, _, _)| (*i, true)).collect()
            } else {
                chunk.iter().map(|(i, k, s)| strict(*i, k, s)).collect()
            }
        })
        .collect();
    results.extend(batch_results.into_iter().flatten());
    for (i, ok) in results {
        verdicts[i] = ok;
    }
    verdicts
}
