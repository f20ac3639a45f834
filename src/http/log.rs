//! The verifiable log over HTTP: the log's key, signed checkpoints,
//! RFC 9162 proofs, raw entries for mirrors, and C2SP tlog-proof files.
//!
//! The log key and the latest checkpoint are public (no token): every
//! transparency log publishes its key and its signed tree head, and webhook
//! receivers and roadside checkers need the key without holding a token.
//! Inclusion proofs: authorities and auditors for any entry, a company for
//! the events of its own waybills. Checkpoint history, consistency proofs
//! and raw entries: authorities and auditors, and each such read of log
//! contents is written to the access audit trail.

use crate::domain::ids::{LogIndex, WaybillId};
use crate::problem_code::ProblemCode;
use actix_web::{HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::ledger::leaf::leaf_bytes_from_canonical;
use crate::ledger::merkle_log::{DbNodes, SignedCheckpoint, tree_size};
use crate::merkle;
use crate::note::TlogProof;
use crate::storage::events::{self, EventRow};
use crate::storage::{DbConnection, time, tree};

use super::access::{may_read_event, require_log_reader, sees_all, visible_waybill};
use super::audited_read::{AuditedQuery, record_access};
use super::auth::Caller;
use super::input::Query;
use super::problem::{ApiError, Problem};
use super::receipts::proof_failed;
use super::state::AppState;

/// Most entries one `GET /v1/log/entries` returns.
pub const MAX_ENTRIES_PER_PAGE: u64 = 1000;

const TEXT: &str = "text/plain; charset=utf-8";

fn latest(conn: &mut DbConnection) -> Result<SignedCheckpoint, ApiError> {
    let row = tree::latest_checkpoint(conn)?.ok_or_else(|| {
        ApiError::not_found(
            ProblemCode::NoCheckpoint,
            "the log is empty; nothing is signed yet",
        )
    })?;
    Ok(SignedCheckpoint::from_row(row)?)
}

/// The log's C2SP note verifier key (`vkey`): checks every checkpoint and
/// every webhook signature. Public: no token needed.
#[utoipa::path(get, path = "/v1/log/key", tag = "log",
    responses((status = 200, description = "The vkey line", content_type = "text/plain", body = String)),
    security(()))]
#[get("/v1/log/key")]
#[tracing::instrument(skip_all)]
pub async fn log_key(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let vkey = state
        .log
        .verifier_key()
        .map_err(|e| ApiError::internal_from(e, "log verifier key"))?;
    Ok(HttpResponse::Ok()
        .content_type(TEXT)
        .body(format!("{}\n", vkey.to_vkey())))
}

/// The latest signed checkpoint (C2SP tlog-checkpoint as a signed note).
/// Public: no token needed.
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses(
        (status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 404, description = "Nothing is signed yet (`no_checkpoint`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(()))]
#[get("/v1/log/checkpoint")]
#[tracing::instrument(skip_all)]
pub async fn latest_checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type(TEXT)
        .body(latest_note(&state).await?))
}

/// The latest signed checkpoint's note, as served.
pub(super) async fn latest_note(state: &AppState) -> Result<String, ApiError> {
    Ok(state.db(latest).await?.note)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    pub size: u64,
    /// Standard base64.
    pub root_hash: String,
    /// The signed note, exactly as served.
    pub note: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only checkpoints of larger trees than this.
    pub after: Option<u64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

/// Every checkpoint the service signed, oldest first (authorities and auditors).
#[utoipa::path(get, path = "/v1/log/checkpoints", tag = "log", params(HistoryQuery),
    responses((status = 200, body = [CheckpointView]), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/v1/log/checkpoints")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn checkpoints(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    require_log_reader(&caller)?;
    let limit = super::page_limit(query.limit, 100, 1000)?;
    let after = query.after.map(|a| i64::try_from(a).unwrap_or(i64::MAX));
    let rows = state
        .db(move |conn| Ok(tree::list_checkpoints(conn, after, i64::from(limit))?))
        .await?;
    let views = rows
        .into_iter()
        .map(|row| {
            let created_at = time::from_db(row.created_at);
            let signed = SignedCheckpoint::from_row(row)?;
            Ok(CheckpointView {
                size: signed.size,
                root_hash: STANDARD.encode(signed.root_hash),
                note: signed.note,
                created_at,
            })
        })
        .collect::<Result<Vec<_>, crate::storage::StorageError>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Also what the access audit trail keeps of an authority's inclusion proof.
#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The leaf index (an event's `log_index`).
    pub index: u64,
    /// The tree size to prove against (a checkpoint's size).
    pub size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofView {
    pub index: u64,
    pub size: u64,
    /// SHA-256(0x00 || leaf), standard base64.
    pub leaf_hash: String,
    /// RFC 9162 inclusion proof, standard base64 hashes.
    pub proof: Vec<String>,
}

/// The event at `index`, if the caller may see it ([`may_read_event`]);
/// anything else is the same 404 as a missing entry.
fn visible_event(
    conn: &mut DbConnection,
    caller: &Caller,
    index: u64,
) -> Result<EventRow, ApiError> {
    let not_found = || ApiError::not_found(ProblemCode::EntryNotFound, "no such log entry");
    let seq = LogIndex::from(i64::try_from(index).map_err(|_| not_found())?);
    let event = events::by_seq(conn, seq)?.ok_or_else(not_found)?;
    if may_read_event(conn, caller, &event)? {
        Ok(event)
    } else {
        Err(not_found())
    }
}

fn check_sizes(conn: &mut DbConnection, sizes: &[u64]) -> Result<u64, ApiError> {
    let current = tree_size(conn)?;
    if let Some(too_big) = sizes.iter().find(|s| **s > current) {
        return Err(ApiError::bad_request(
            ProblemCode::SizeBeyondTree,
            format!("size {too_big} is larger than the tree ({current} leaves)"),
        ));
    }
    Ok(current)
}

fn encode_all(hashes: &[merkle::Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h)).collect()
}

/// RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
#[utoipa::path(get, path = "/v1/log/proof/inclusion", tag = "log", params(InclusionQuery),
    responses(
        (status = 200, body = InclusionProofView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/v1/log/proof/inclusion")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn inclusion(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<InclusionQuery>,
) -> Result<HttpResponse, ApiError> {
    let InclusionQuery { index, size } = query.into_inner();
    if index >= size {
        return Err(ApiError::bad_request(
            ProblemCode::IndexOutOfRange,
            "index must be smaller than size",
        ));
    }
    let view = state
        .db(move |conn| {
            check_sizes(conn, &[size])?;
            let event = visible_event(conn, &caller, index)?;
            if sees_all(&caller) {
                record_access(
                    conn,
                    &caller,
                    "log.inclusion",
                    None,
                    Some(AuditedQuery::of(&InclusionQuery { index, size })?),
                    Some(1),
                )?;
            }
            let nodes = DbNodes::new(conn);
            let proof = merkle::inclusion_proof(index, size, &nodes)
                .map_err(|e| proof_failed(&nodes, e))?;
            let leaf = crate::ledger::merkle_log::event_leaf_hash(&event);
            Ok(InclusionProofView {
                index,
                size,
                leaf_hash: STANDARD.encode(leaf),
                proof: encode_all(&proof),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofView {
    pub from: u64,
    pub to: u64,
    /// RFC 9162 consistency proof, standard base64 hashes.
    pub proof: Vec<String>,
}

/// RFC 9162 consistency proof between two tree sizes (authorities and auditors).
#[utoipa::path(get, path = "/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery),
    responses(
        (status = 200, body = ConsistencyProofView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/v1/log/proof/consistency")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn consistency(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ConsistencyQuery>,
) -> Result<HttpResponse, ApiError> {
    require_log_reader(&caller)?;
    let ConsistencyQuery { from, to } = query.into_inner();
    if from == 0 || from > to {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidSizes,
            "from must be at least 1 and at most to (a consistency proof from an empty tree means nothing)",
        ));
    }
    let proof = state
        .db(move |conn| {
            check_sizes(conn, &[from, to])?;
            let nodes = DbNodes::new(conn);
            merkle::consistency_proof(from, to, &nodes).map_err(|e| proof_failed(&nodes, e))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsistencyProofView {
        from,
        to,
        proof: encode_all(&proof),
    }))
}

/// Also what the access audit trail keeps of a page of entries, with
/// `end` as clamped.
#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// First index (inclusive).
    pub start: u64,
    /// Last index (exclusive); at most 1000 after start, and clamped to the tree size.
    pub end: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub index: u64,
    /// The exact leaf bytes, standard base64.
    pub leaf: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesPage {
    pub entries: Vec<EntryView>,
}

/// Raw log entries (exact leaf bytes) for mirrors and auditors.
#[utoipa::path(get, path = "/v1/log/entries", tag = "log", params(EntriesQuery),
    responses(
        (status = 200, body = EntriesPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/v1/log/entries")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn entries(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<EntriesQuery>,
) -> Result<HttpResponse, ApiError> {
    require_log_reader(&caller)?;
    let EntriesQuery { start, end } = query.into_inner();
    if end <= start {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidRange,
            "end must be larger than start",
        ));
    }
    let end = end.min(start.saturating_add(MAX_ENTRIES_PER_PAGE));
    let page = state
        .db(move |conn| {
            let end = end.min(tree_size(conn)?);
            let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            let rows = events::range(conn, to_i64(start), to_i64(end))?;
            record_access(
                conn,
                &caller,
                "log.entries",
                None,
                Some(AuditedQuery::of(&EntriesQuery { start, end })?),
                Some(i64::try_from(rows.len()).unwrap_or(i64::MAX)),
            )?;
            Ok(rows)
        })
        .await?;
    let entries = page
        .iter()
        .map(|row| EntryView {
            index: row.seq.leaf().unwrap_or(0),
            leaf: STANDARD.encode(leaf_bytes_from_canonical(
                &row.act,
                &row.signature,
                row.seq.get(),
                time::from_db(row.received_at),
            )),
        })
        .collect();
    Ok(HttpResponse::Ok().json(EntriesPage { entries }))
}

/// A C2SP tlog-proof for one event of a waybill, named by its `position`
/// in the waybill's chain (1 for the issue, 2 for the next act, ...; not
/// the global log index `seq`): its leaf bytes (the `extra` line), its
/// inclusion proof and the latest signed checkpoint, checkable offline
/// with the log's key.
#[utoipa::path(get, path = "/v1/waybills/{id}/events/{position}/proof", tag = "log",
    params(
        ("id" = Uuid, Path, description = "Waybill id"),
        ("position" = u64, Path, minimum = 1, description = "Position of the event in the waybill's own chain, from 1 (the issue) in the order of `GET /v1/waybills/{id}/events`; not the global log index `seq`"),
    ),
    responses(
        (status = 200, description = "c2sp.org/tlog-proof@v1 text", content_type = "text/plain", body = String),
        (status = 404, description = "No such waybill visible to the caller, or no event at this position", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/v1/waybills/{id}/events/{position}/proof")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path.0, position = path.1))]
pub async fn event_proof(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, u64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, position) = path.into_inner();
    let id = WaybillId::from(id);
    let text = state
        .db(move |conn| {
            visible_waybill(conn, &caller, &id, "waybill.proof")?;
            let chain = events::of_waybill(conn, &id)?;
            let event = usize::try_from(position)
                .ok()
                .and_then(|p| p.checked_sub(1))
                .and_then(|i| chain.get(i))
                .ok_or_else(|| {
                    ApiError::not_found(
                        ProblemCode::EventNotFound,
                        "the waybill has no event at this position",
                    )
                })?;
            let signed = latest(conn)?;
            let index = event.seq.leaf().unwrap_or(0);
            let nodes = DbNodes::new(conn);
            let proof = merkle::inclusion_proof(index, signed.size, &nodes)
                .map_err(|e| proof_failed(&nodes, e))?;
            let leaf = leaf_bytes_from_canonical(
                &event.act,
                &event.signature,
                event.seq.get(),
                time::from_db(event.received_at),
            );
            TlogProof {
                extra: Some(leaf),
                index,
                proof,
                checkpoint: signed.note,
            }
            .to_text()
            .map_err(|e| ApiError::internal_from(e, "tlog-proof"))
        })
        .await?;
    Ok(HttpResponse::Ok().content_type(TEXT).body(text))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(log_key)
        .service(latest_checkpoint)
        .service(checkpoints)
        .service(inclusion)
        .service(consistency)
        .service(entries)
        .service(event_proof);
}
