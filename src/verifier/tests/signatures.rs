//! The batch path against the strict policy: every CCTV vector gets the
//! same verdict as `PublicKey::verify`, and plain `verify_batch` with only
//! the small-order / non-canonical prechecks would not.

use ed25519_dalek::{Signature as DalekSignature, VerifyingKey, verify_batch};
use serde_json::Value;

use super::support::{key, sample};
use crate::crypto::test_vectors;
use crate::crypto::{PublicKey, Signature};
use crate::verifier::leaf::check_leaf;
use crate::verifier::signatures::{
    SigJob, StrictItem, first_invalid, first_invalid_batched, verify_strict_batched,
};

struct Vector {
    number: u64,
    flags: Vec<String>,
    key: Vec<u8>,
    sig: Vec<u8>,
    msg: Vec<u8>,
}

fn cctv() -> Vec<Vector> {
    let doc = test_vectors::read_json("ed25519/cctv/ed25519vectors.json");
    doc.as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            number: v["number"].as_u64().unwrap(),
            flags: v["flags"]
                .as_array()
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default(),
            key: hex::decode(v["key"].as_str().unwrap()).unwrap(),
            sig: hex::decode(v["sig"].as_str().unwrap()).unwrap(),
            msg: v["msg"].as_str().unwrap().as_bytes().to_vec(),
        })
        .collect()
}

/// The policy: what `crate::crypto` accepts.
fn strict_accepts(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let (Ok(pk), Ok(sig)) = (PublicKey::from_bytes(key), Signature::from_bytes(sig)) else {
        return false;
    };
    pk.verify(msg, &sig).is_ok()
}

fn items(vectors: &[Vector]) -> Vec<StrictItem<'_>> {
    vectors
        .iter()
        .map(|v| StrictItem {
            public_key: &v.key,
            msg: &v.msg,
            signature: &v.sig,
        })
        .collect()
}

#[test]
fn cctv_batch_path_matches_the_strict_policy() {
    let vectors = cctv();
    assert_eq!(vectors.len(), 914);
    let expected: Vec<bool> = vectors
        .iter()
        .map(|v| strict_accepts(&v.key, &v.msg, &v.sig))
        .collect();
    assert_eq!(expected.iter().filter(|ok| **ok).count(), 43);

    // All at once (batches of 64 mixing every kind of vector) ...
    let all = verify_strict_batched(&items(&vectors));
    // ... and one per call (each alone in its batch).
    let one_by_one: Vec<bool> = vectors
        .iter()
        .map(|v| verify_strict_batched(&items(std::slice::from_ref(v)))[0])
        .collect();
    for (i, v) in vectors.iter().enumerate() {
        assert_eq!(
            all[i], expected[i],
            "#{} {:?} (all at once)",
            v.number, v.flags
        );
        assert_eq!(
            one_by_one[i], expected[i],
            "#{} {:?} (alone)",
            v.number, v.flags
        );
    }
}

#[test]
fn cctv_vectors_mixed_into_valid_batches_keep_their_verdicts() {
    // Ordinary signatures fill the batches, so the batched route and the
    // fallback after a failed batch both run next to the odd vectors.
    let vectors = cctv();
    let mut pool = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        if i % 4 == 0 {
            let k = key((i % 5) as u8 + 10);
            let msg = format!("ordinary message {i}").into_bytes();
            pool.push(Vector {
                number: 10_000 + i as u64,
                flags: vec![],
                key: k.public_key().as_bytes().to_vec(),
                sig: k.sign(&msg).to_bytes().to_vec(),
                msg,
            });
        }
        pool.push(Vector {
            number: v.number,
            flags: v.flags.clone(),
            key: v.key.clone(),
            sig: v.sig.clone(),
            msg: v.msg.clone(),
        });
    }
    // And some ordinary signatures that fail (wrong message), so batches fail.
    for i in 0..24u8 {
        let k = key(i % 5 + 10);
        pool.push(Vector {
            number: 20_000 + u64::from(i),
            flags: vec!["wrong message".into()],
            key: k.public_key().as_bytes().to_vec(),
            sig: k.sign(b"one message").to_bytes().to_vec(),
            msg: b"another message".to_vec(),
        });
    }
    let got = verify_strict_batched(&items(&pool));
    for (i, v) in pool.iter().enumerate() {
        assert_eq!(
            got[i],
            strict_accepts(&v.key, &v.msg, &v.sig),
            "#{} {:?}",
            v.number,
            v.flags
        );
    }
}

/// Why the batch path routes mixed-order points to `verify_strict`: with
/// only the prechecks the brief of this module started from (A and R
/// canonical and not small-order), `verify_batch` accepts signatures the
/// strict policy refuses.
#[test]
fn plain_batch_verification_is_not_strict() {
    let mut lenient = Vec::new();
    for v in cctv() {
        let Ok(key) = PublicKey::from_bytes(&v.key) else {
            continue;
        };
        let vk = VerifyingKey::from_bytes(key.as_bytes()).unwrap();
        let r: [u8; 32] = v.sig[..32].try_into().unwrap();
        let Ok(r_point) = VerifyingKey::from_bytes(&r) else {
            continue;
        };
        if r_point.to_edwards().compress().as_bytes() != &r || r_point.is_weak() {
            continue;
        }
        let sig = DalekSignature::from_slice(&v.sig).unwrap();
        let batch = verify_batch(&[v.msg.as_slice()], &[sig], &[vk]).is_ok();
        if batch && !strict_accepts(&v.key, &v.msg, &v.sig) {
            assert!(
                v.flags.iter().any(|f| f == "low_order_residue"),
                "{}",
                v.number
            );
            lenient.push(v.number);
        }
    }
    assert!(!lenient.is_empty());
}

fn jobs_of(log: &super::support::LogBuilder) -> Vec<SigJob> {
    let (_, keys) = sample();
    let by_id = |id: &str| {
        [&keys.brewery, &keys.carrier, &keys.brewery2, &log.log_key]
            .into_iter()
            .map(|k| k.public_key())
            .find(|k| k.key_id() == id)
            .unwrap()
    };
    log.leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            let leaf = check_leaf(i as u64, leaf).unwrap();
            SigJob {
                index: i as u64,
                key: by_id(&leaf.key_id),
                key_id: leaf.key_id,
                msg: leaf.signed,
                signature: leaf.signature,
            }
        })
        .collect()
}

#[test]
fn both_paths_find_the_same_first_bad_signature() {
    let (log, _) = sample();
    let mut jobs = jobs_of(&log);
    // Enough to fill several batches.
    for _ in 0..3 {
        jobs.extend(jobs_of(&log));
    }
    assert_eq!(first_invalid(&jobs), None);
    assert_eq!(first_invalid_batched(&jobs), None);
    for bad in [0, 40, jobs.len() - 1] {
        let mut tampered = jobs.clone();
        tampered[bad].msg.push(b' ');
        tampered[bad + 1..]
            .iter_mut()
            .step_by(7)
            .for_each(|j| j.msg.push(b'!'));
        assert_eq!(first_invalid(&tampered), Some(bad));
        assert_eq!(first_invalid_batched(&tampered), Some(bad));
    }
}

/// `cargo test --release --lib verifier::tests::signatures::timing -- --ignored --nocapture`
#[test]
#[ignore = "timing, not a check"]
fn timing() {
    use std::time::Instant;
    let keys: Vec<_> = (0..8).map(|i| key(i + 20)).collect();
    let jobs: Vec<SigJob> = (0..8192)
        .map(|i| {
            let k = &keys[i % 8];
            let msg = serde_json::to_vec(&Value::String("x".repeat(400 + i % 100))).unwrap();
            SigJob {
                index: i as u64,
                key: k.public_key(),
                key_id: String::new(),
                signature: k.sign(&msg),
                msg,
            }
        })
        .collect();
    let t = Instant::now();
    assert_eq!(first_invalid(&jobs), None);
    let each = t.elapsed();
    let t = Instant::now();
    assert_eq!(first_invalid_batched(&jobs), None);
    let batched = t.elapsed();
    println!(
        "{} signatures on {} threads: verify_strict each {:?} ({:.1} us/sig), batch path {:?} ({:.1} us/sig)",
        jobs.len(),
        rayon::current_num_threads(),
        each,
        each.as_secs_f64() * 1e6 / jobs.len() as f64,
        batched,
        batched.as_secs_f64() * 1e6 / jobs.len() as f64,
    );
}
