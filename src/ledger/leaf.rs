//! The bytes of a Merkle leaf: what an event *is* in the verifiable log.
//!
//! A leaf is the RFC 8785 canonical JSON of
//! `{"act": <the signed act>, "received_at": "<RFC 3339 UTC, microseconds>",
//! "seq": <log index>, "signature": "<base64url>"}`, so a party holding its
//! event can recompute the leaf hash, SHA-256(0x00 || leaf), without
//! trusting anything else the service says. This encoding is part of the
//! public contract: changing it forks every verifier.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::crypto::{CryptoError, canonical_bytes};

/// The receive time as it appears in a leaf: always six fractional digits.
pub fn leaf_time(received_at: DateTime<Utc>) -> String {
    received_at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Leaf bytes from an event's parts. `act` is the act as signed.
pub fn leaf_bytes(
    act: &Value,
    signature: &str,
    seq: i64,
    received_at: DateTime<Utc>,
) -> Result<Vec<u8>, CryptoError> {
    canonical_bytes(&json!({
        "act": act,
        "received_at": leaf_time(received_at),
        "seq": seq,
        "signature": signature,
    }))
}

/// Leaf bytes from a stored event whose act is already canonical text:
/// the members are concatenated in JCS order without re-parsing the act
/// (the hot path of the writer and the auditor). Equal to [`leaf_bytes`].
pub fn leaf_bytes_from_canonical(
    canonical_act: &str,
    signature: &str,
    seq: i64,
    received_at: DateTime<Utc>,
) -> Vec<u8> {
    // Keys in JCS (UTF-16) order: act < received_at < seq < signature. The
    // timestamp and the base64url signature contain nothing JSON escapes.
    format!(
        "{{\"act\":{canonical_act},\"received_at\":\"{}\",\"seq\":{seq},\"signature\":\"{signature}\"}}",
        leaf_time(received_at)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::event_hash::canonical_act;

    #[test]
    fn concatenated_leaf_equals_the_canonical_form() {
        let act = json!({
            "type": "carrier.accept", "waybill_id": "0192f5a0-0000-7000-8000-000000000001",
            "prev": "ab".repeat(32), "key_id": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
            "signed_at": "2026-11-29T16:00:00Z",
            "body": {"reservations": [{"note": "Ēķis \"quoted\" \u{1F69A}", "line_no": 2}]}
        });
        let at = "2026-11-29T16:00:01.000500Z".parse().unwrap();
        let canonical = canonical_act(&act).unwrap();
        let fast = leaf_bytes_from_canonical(&canonical, "c2lnbmF0dXJl", 41, at);
        assert_eq!(fast, leaf_bytes(&act, "c2lnbmF0dXJl", 41, at).unwrap());
        let text = String::from_utf8(fast).unwrap();
        assert!(
            text.contains("\"received_at\":\"2026-11-29T16:00:01.000500Z\""),
            "{text}"
        );
        assert!(
            text.ends_with("\"seq\":41,\"signature\":\"c2lnbmF0dXJl\"}"),
            "{text}"
        );
    }
}
