//! The event view: one event of a waybill's chain as a client sees it,
//! exactly as signed. The HTTP API, the feed and the webhook payloads all
//! show events this way.

use base64::Engine;
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::ledger::leaf::leaf_bytes_from_canonical;
use crate::storage::events::EventRow;
use crate::storage::time;

/// A stored event that cannot be shown: the store is broken.
#[derive(Debug, thiserror::Error)]
pub enum EventViewError {
    #[error("stored act {seq} is not JSON: {source}")]
    ActNotJson {
        seq: i64,
        #[source]
        source: serde_json::Error,
    },
}

/// One event of a waybill's chain, exactly as signed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Global position in the event log (0-based); the same as `log_index`.
    pub seq: i64,
    /// The event's Merkle leaf index.
    pub log_index: i64,
    /// The exact leaf bytes (standard base64): the RFC 8785 JSON of
    /// `{"act", "received_at", "seq", "signature"}`. Its leaf hash is
    /// SHA-256(0x00 || leaf).
    pub leaf: String,
    /// Lowercase hex SHA-256 of the JCS bytes of `{"act", "signature"}`.
    pub hash: String,
    /// When the service received the act (UTC).
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// The act as signed (its RFC 8785 canonical form).
    #[schema(value_type = Object)]
    pub act: Box<RawValue>,
    pub signature: String,
}

impl EventView {
    pub fn from_row(row: EventRow) -> Result<Self, EventViewError> {
        let leaf = leaf_bytes_from_canonical(
            &row.act,
            &row.signature,
            row.seq.get(),
            time::from_db(row.received_at),
        );
        let seq = row.seq.get();
        let act = RawValue::from_string(row.act)
            .map_err(|source| EventViewError::ActNotJson { seq, source })?;
        Ok(Self {
            seq,
            log_index: seq,
            leaf: base64::engine::general_purpose::STANDARD.encode(leaf),
            hash: row.hash,
            received_at: time::from_db(row.received_at),
            act,
            signature: row.signature,
        })
    }
}
