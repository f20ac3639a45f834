//! The signed payload of a roadside QR code, as the EU Digital COVID
//! Certificate builds its own: the CBOR [`Summary`] in a COSE_Sign1
//! (RFC 9052, tagged 18) signed with EdDSA by the service key, the key id in
//! the protected header and the link's token as external AAD; then zlib
//! (RFC 1950), Base45 (RFC 9285) and the prefix [`PAYLOAD_PREFIX`].

use std::io::{Read, Write};

use coset::{CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};

use crate::crypto::{PublicKey, Signature, base64url};

use super::link::{QrParts, split_qr_text};
use super::{RoadsideError, Summary, token_bytes};

/// The payload's format tag (like the DCC's `HC1:`).
pub const PAYLOAD_PREFIX: &str = "EWB2:";

/// Bytes of the `kid`: the start of the key's RFC 7638 thumbprint.
pub const KID_BYTES: usize = 8;

/// Longest Base45 text accepted (a version 40 code holds 4296 characters).
pub const MAX_PAYLOAD_CHARS: usize = 4296;

/// Longest COSE_Sign1 accepted after inflating (a zlib bomb stops here).
pub const MAX_COSE_BYTES: usize = 4096;

/// The `kid` of a service key: the first [`KID_BYTES`] of the SHA-256
/// digest its RFC 7638 thumbprint (`key_id`) is the base64url of.
pub fn key_id_bytes(key: &PublicKey) -> Result<Vec<u8>, RoadsideError> {
    let mut digest = base64url::decode(&key.key_id())?;
    digest.truncate(KID_BYTES);
    Ok(digest)
}

/// Signs `summary` for the link holding `token`: `EWB2:` + Base45(zlib(COSE_Sign1)).
pub fn sign_payload(
    summary: &Summary,
    token: &str,
    key: &PublicKey,
    sign: impl FnOnce(&[u8]) -> Signature,
) -> Result<String, RoadsideError> {
    let aad = token_bytes(token).ok_or(RoadsideError::Malformed("not a token"))?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id_bytes(key)?)
        .build();
    let cose = CoseSign1Builder::new()
        .protected(protected)
        .payload(summary.to_cbor()?)
        .create_signature(&aad, |tbs| sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|e| RoadsideError::Qr(e.to_string()))?;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&cose)
        .and_then(|()| zlib.finish())
        .map(|z| format!("{PAYLOAD_PREFIX}{}", base45::encode(z)))
        .map_err(|e| RoadsideError::Qr(e.to_string()))
}

/// What an offline check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload {
    pub summary: Summary,
    /// The link's token the payload is bound to (canonical form).
    pub token: String,
    /// The `kid` of the key that signed (hex).
    pub kid: String,
}

/// Checks a roadside QR code's text offline with the service key, in the
/// order of `docs/roadside.md`; nothing in the summary is read before the
/// signature verifies.
pub fn verify_qr_text(
    text: &str,
    service_key: &PublicKey,
) -> Result<VerifiedPayload, RoadsideError> {
    let QrParts { token, payload } = split_qr_text(text)?;
    let aad = token_bytes(&token).ok_or(RoadsideError::Malformed("not a token"))?;
    let cose = open(&payload)?;
    let sign1 = CoseSign1::from_tagged_slice(&cose).map_err(|_| {
        RoadsideError::Malformed("not a tagged COSE_Sign1 (CBOR tag 18, four items)")
    })?;
    let header = &sign1.protected.header;
    if header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA)) {
        return Err(RoadsideError::Malformed(
            "the protected header's alg is not EdDSA (-8)",
        ));
    }
    let only_alg_and_kid = header.crit.is_empty()
        && header.content_type.is_none()
        && header.iv.is_empty()
        && header.partial_iv.is_empty()
        && header.counter_signatures.is_empty()
        && header.rest.is_empty()
        && sign1.unprotected.is_empty();
    if !only_alg_and_kid {
        return Err(RoadsideError::Malformed(
            "the headers hold more than alg and kid",
        ));
    }
    let actual = key_id_bytes(service_key)?;
    if header.key_id != actual {
        return Err(RoadsideError::WrongKey {
            claimed: hex::encode(&header.key_id),
            actual: hex::encode(&actual),
        });
    }
    sign1.verify_signature(&aad, |sig, tbs| {
        let sig = Signature::from_bytes(sig).map_err(|_| RoadsideError::BadSignature)?;
        service_key
            .verify(tbs, &sig)
            .map_err(|_| RoadsideError::BadSignature)
    })?;
    let body = sign1
        .payload
        .as_deref()
        .ok_or(RoadsideError::Malformed("the COSE_Sign1 has no payload"))?;
    let summary = Summary::from_cbor(body)?;
    Ok(VerifiedPayload {
        summary,
        token,
        kid: hex::encode(&actual),
    })
}

/// `EWB2:` + Base45 + zlib, undone: the COSE_Sign1 bytes.
fn open(payload: &str) -> Result<Vec<u8>, RoadsideError> {
    let body = payload
        .strip_prefix(PAYLOAD_PREFIX)
        .ok_or(RoadsideError::Malformed(
            "unknown format tag (expected EWB2:)",
        ))?;
    if body.len() > MAX_PAYLOAD_CHARS {
        return Err(RoadsideError::Malformed("payload too long"));
    }
    let zlib = base45::decode(body)
        .map_err(|_| RoadsideError::Malformed("the payload is not Base45 (RFC 9285)"))?;
    let mut cose = Vec::new();
    let mut inflate = flate2::bufread::ZlibDecoder::new(zlib.as_slice());
    (&mut inflate)
        .take(u64::try_from(MAX_COSE_BYTES).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut cose)
        .map_err(|_| RoadsideError::Malformed("the payload is not zlib data"))?;
    if cose.len() > MAX_COSE_BYTES {
        return Err(RoadsideError::Malformed("the payload inflates too far"));
    }
    if !inflate.into_inner().is_empty() {
        return Err(RoadsideError::Malformed(
            "bytes follow the zlib stream's end",
        ));
    }
    Ok(cose)
}
