//! The log as C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>), with the
//! service root as the log's prefix: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]`
//! and `/tile/entries/<N>[.p/<W>]`, so monitors and witnesses can follow
//! the log with standard tooling.
//!
//! Hash tiles are public like the checkpoint: every leaf carries a 64-byte
//! signature, so a hash cannot be confirmed by guessing the entry behind
//! it. Entry bundles carry the parties' commercial data and are for
//! authorities and auditors, each read written to the access audit trail,
//! like `GET /v1/log/entries`.

use actix_web::dev::Payload;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};

use crate::ledger::leaf::leaf_bytes_from_canonical;
use crate::ledger::merkle_log::tree_size;
use crate::merkle::tile::{Tile, TileKind, entry_bundle};
use crate::problem_code::ProblemCode;
use crate::storage::{DbConnection, StorageError, events, time, tree};

use super::access::require_log_reader;
use super::audited_read::{AuditedQuery, record_access};
use super::auth::Caller;
use super::problem::{ApiError, Problem};
use super::state::AppState;

const OCTETS: &str = "application/octet-stream";
/// A full tile never changes.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// A partial tile's hashes never change either, but it is replaced by a
/// wider one as the log grows, and the spec lets a log drop it then.
const BRIEFLY: &str = "public, max-age=60";

/// The latest checkpoint at `<prefix>/checkpoint`, where tlog-tiles
/// clients look for it (the same note as `GET /v1/log/checkpoint`).
#[utoipa::path(get, path = "/checkpoint", tag = "log",
    responses(
        (status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 404, description = "Nothing is signed yet (`no_checkpoint`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(()))]
#[get("/checkpoint")]
#[tracing::instrument(skip_all)]
pub async fn tiles_checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let note = super::log::latest_note(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body(note))
}

/// A tile of Merkle hashes (`<L>/<N>[.p/<W>]`, public) or an entry bundle
/// (`entries/<N>[.p/<W>]`, authorities and auditors, audited). `<N>` is
/// written in 3-digit elements, all but the last starting with `x`
/// (`x001/x234/067`).
#[utoipa::path(get, path = "/tile/{tile}", tag = "log",
    params(("tile" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (c2sp.org/tlog-tiles)")),
    responses(
        (status = 200, description = "Concatenated 32-byte hashes, or big-endian uint16 length-prefixed entries", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "Not a tlog-tiles path (`invalid_path`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An entry bundle without a valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An entry bundle for a caller who is no authority or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The signed tree does not reach this tile (`tile_not_found`)", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])))]
#[get("/tile/{tile:.*}")]
#[tracing::instrument(skip_all, fields(tile = %path.as_str()))]
pub async fn log_tile(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tile = Tile::parse(&path)
        .map_err(|e| ApiError::bad_request(ProblemCode::InvalidPath, e.to_string()))?;
    let body = match tile.kind {
        TileKind::Hashes { .. } => state.db(move |conn| hash_tile(conn, tile)).await?,
        TileKind::Entries => {
            let caller = Caller::from_request(&req, &mut Payload::None).await?;
            require_log_reader(&caller)?;
            state
                .db(move |conn| {
                    let body = bundle(conn, tile)?;
                    record_access(
                        conn,
                        &caller,
                        "log.entry_bundle",
                        None,
                        Some(AuditedQuery::of(
                            &serde_json::json!({ "tile": tile.path() }),
                        )?),
                        Some(i64::from(tile.width)),
                    )?;
                    Ok(body)
                })
                .await?
        }
    };
    let cache = match (tile.kind, tile.is_full()) {
        (TileKind::Entries, _) => "private, max-age=60",
        (_, true) => FOREVER,
        (_, false) => BRIEFLY,
    };
    Ok(HttpResponse::Ok()
        .content_type(OCTETS)
        .insert_header((CACHE_CONTROL, HeaderValue::from_static(cache)))
        .body(body))
}

/// The tile's first node index and the end of its range, as stored, if
/// the signed tree reaches it.
fn stored_range(conn: &mut DbConnection, tile: Tile) -> Result<(i16, i64, i64), ApiError> {
    let not_found = || {
        ApiError::not_found(
            ProblemCode::TileNotFound,
            format!("the signed tree does not reach tile {}", tile.path()),
        )
    };
    if !tile.exists_in(tree_size(conn)?) {
        return Err(not_found());
    }
    let (first, count) = tile.nodes().ok_or_else(not_found)?;
    let start = i64::try_from(first.index).map_err(|_| not_found())?;
    let end = start
        .checked_add(i64::try_from(count).map_err(|_| not_found())?)
        .ok_or_else(not_found)?;
    Ok((i16::from(first.level), start, end))
}

fn hash_tile(conn: &mut DbConnection, tile: Tile) -> Result<Vec<u8>, ApiError> {
    let (level, start, end) = stored_range(conn, tile)?;
    let rows = tree::level_range(conn, level, start, end)?;
    if rows.len() != usize::from(tile.width) || rows.iter().any(|(_, h)| h.len() != 32) {
        return Err(StorageError::Corrupt(format!(
            "tile {} has {} of its {} nodes",
            tile.path(),
            rows.len(),
            tile.width
        ))
        .into());
    }
    Ok(rows.into_iter().flat_map(|(_, hash)| hash).collect())
}

fn bundle(conn: &mut DbConnection, tile: Tile) -> Result<Vec<u8>, ApiError> {
    let (_, start, end) = stored_range(conn, tile)?;
    let rows = events::range(conn, start, end)?;
    if rows.len() != usize::from(tile.width) {
        return Err(StorageError::Corrupt(format!(
            "entry bundle {} has {} of its {} entries",
            tile.path(),
            rows.len(),
            tile.width
        ))
        .into());
    }
    let leaves: Vec<Vec<u8>> = rows
        .iter()
        .map(|row| {
            leaf_bytes_from_canonical(
                &row.act,
                &row.signature,
                row.seq.get(),
                time::from_db(row.received_at),
            )
        })
        .collect();
    entry_bundle(leaves.iter().map(Vec::as_slice)).ok_or_else(|| {
        ApiError::internal_from(
            tile.path(),
            "an entry is longer than the 65535 bytes an entry bundle can carry",
        )
    })
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(tiles_checkpoint).service(log_tile);
}
