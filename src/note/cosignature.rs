//! Producing witness cosignatures (c2sp.org/tlog-cosignature,
//! `cosignature/v1`): a timestamped Ed25519 signature over
//! `cosignature/v1\ntime <t>\n<checkpoint body>`, written as a signature
//! line whose key id is computed with signature type `0x04`.
//!
//! Verifying them is [`super::VerifierKey`]'s job (the same message
//! builder serves both, so a cosignature we make is one we accept).

use super::NoteError;
use super::signer::NoteSigner;
use super::syntax::{encode_base64, is_valid_key_name};
use super::verifier_key::{SignatureType, VerifierKey, cosignature_message, key_id_for};

/// The `cosignature/v1` verifier key of a witness signer (hand its
/// `to_vkey()` to the logs and verifiers that trust the witness).
pub fn cosigner_key(signer: &dyn NoteSigner) -> Result<VerifierKey, NoteError> {
    VerifierKey::cosigner_from_public_key(signer.name(), signer.public_key())
}

/// The signature line (with its newline) of `signer`'s cosignature at
/// `timestamp` (POSIX seconds, 1 to 2^63 - 1: the witness protocol forbids
/// 0) over the checkpoint `text` (the note text, final newline included).
pub fn cosignature_line(
    text: &str,
    signer: &dyn NoteSigner,
    timestamp: u64,
) -> Result<String, NoteError> {
    if !is_valid_key_name(signer.name()) {
        return Err(NoteError::InvalidKeyName(signer.name().to_owned()));
    }
    if timestamp == 0 || timestamp > i64::MAX as u64 {
        return Err(NoteError::MalformedNote(
            "a cosignature timestamp must be 1 to 2^63 - 1",
        ));
    }
    let message = cosignature_message(timestamp, text);
    let public_key = signer.public_key();
    let signature = signer.sign(message.as_bytes());
    public_key
        .verify(message.as_bytes(), &signature)
        .map_err(|_| NoteError::SignerMismatch)?;
    let mut raw = Vec::with_capacity(4 + 8 + 64);
    raw.extend_from_slice(&key_id_for(
        signer.name(),
        SignatureType::CosignatureV1,
        &public_key,
    ));
    raw.extend_from_slice(&timestamp.to_be_bytes());
    raw.extend_from_slice(&signature.to_bytes());
    Ok(format!(
        "\u{2014} {} {}\n",
        signer.name(),
        encode_base64(&raw)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::note::{Checkpoint, KeyPairSigner};

    fn vector() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/vectors/tlog/signed-note/checkpoint-cosignature-generated.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn seed(v: &serde_json::Value) -> [u8; 32] {
        let hex_seed = v["ed25519_seed_hex"].as_str().unwrap();
        hex::decode(&hex_seed[..64]).unwrap().try_into().unwrap()
    }

    #[test]
    fn reproduces_the_shared_cosignature_vector() {
        let v = vector();
        let witness = &v["witness"];
        let signer = KeyPairSigner::new(
            witness["name"].as_str().unwrap(),
            KeyPair::from_seed(&seed(witness)),
        )
        .unwrap();
        assert_eq!(
            cosigner_key(&signer).unwrap().to_vkey(),
            witness["vkey"].as_str().unwrap()
        );
        let body = v["checkpoint_body"].as_str().unwrap();
        let line = cosignature_line(
            body,
            &signer,
            witness["cosignature_timestamp"].as_u64().unwrap(),
        )
        .unwrap();
        let signed = v["signed_checkpoint"].as_str().unwrap();
        assert!(signed.ends_with(&line), "{line}");

        // And it verifies through the note verifier, as a witness of the log.
        let log = VerifierKey::parse(v["log"]["vkey"].as_str().unwrap()).unwrap();
        let (_, opened) =
            Checkpoint::open_cosigned(signed, &log, &[cosigner_key(&signer).unwrap()]).unwrap();
        assert_eq!(
            opened.cosignature_times,
            [(witness["name"].as_str().unwrap().to_owned(), 1_700_000_000)]
        );
    }

    #[test]
    fn refuses_a_zero_timestamp() {
        let signer = KeyPairSigner::new("w", KeyPair::from_seed(&[7; 32])).unwrap();
        assert!(cosignature_line("a\n", &signer, 0).is_err());
        assert!(cosignature_line("a\n", &signer, 1 << 63).is_err());
    }
}
