//! The witness over HTTP (c2sp.org/tlog-witness): `POST /add-checkpoint`
//! and the monitoring read `GET /<origin hash>/checkpoint`.
//!
//! Status codes are the spec's. The 409 body is the spec's
//! `text/x.tlog.size`; other refusals are RFC 9457 problems (clients of
//! the protocol read only the status; people read the detail).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::crypto::sha256;
use crate::http::problem::ApiError;
use crate::note::{KeyPairSigner, NoteError, VerifierKey, cosignature_line, cosigner_key};
use crate::problem_code::ProblemCode;

use super::add_checkpoint::{AddCheckpoint, Refusal, Witnessed, decide};
use super::store::{Record, WitnessStore, WitnessStoreError};

/// Largest request body read (a checkpoint with many signatures and 63
/// proof lines is a few kilobytes).
const MAX_BODY: usize = 64 * 1024;

/// A running witness: its key, the logs it witnesses, its database.
pub struct Witness {
    signer: KeyPairSigner,
    /// Log verifier keys by origin (the key's name).
    logs: HashMap<String, VerifierKey>,
    store: Mutex<WitnessStore>,
}

/// Why an `add-checkpoint` was not answered with cosignatures.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The protocol's refusal.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The witness's own failure.
    #[error(transparent)]
    Store(#[from] WitnessStoreError),
    /// Signing failed (a misconfigured key).
    #[error("cosigning: {0}")]
    Sign(#[from] NoteError),
}

impl Witness {
    /// A witness signing as `signer` for the logs whose keys are `logs`.
    pub fn new(signer: KeyPairSigner, logs: Vec<VerifierKey>, store: WitnessStore) -> Self {
        let logs = logs
            .into_iter()
            .map(|key| (key.name().to_owned(), key))
            .collect();
        Self {
            signer,
            logs,
            store: Mutex::new(store),
        }
    }

    /// The witness's `cosignature/v1` verifier key.
    pub fn verifier_key(&self) -> Result<VerifierKey, NoteError> {
        cosigner_key(&self.signer)
    }

    /// Handles one `add-checkpoint` body; returns the cosignature lines.
    pub fn add_checkpoint(&self, body: &str) -> Result<String, WitnessError> {
        let request = AddCheckpoint::parse(body)?;
        let origin = request.origin()?.to_owned();
        let log = self
            .logs
            .get(&origin)
            .ok_or_else(|| Refusal::UnknownOrigin(origin.clone()))?;
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        store.cosign_with(&origin, |latest| {
            let checkpoint = decide(&request, log, latest).map_err(WitnessError::Refused)?;
            let timestamp = u64::try_from(chrono::Utc::now().timestamp())
                .unwrap_or(1)
                .max(1);
            let line = cosignature_line(&checkpoint.to_body(), &self.signer, timestamp)?;
            let record = Record {
                head: Witnessed {
                    size: checkpoint.size,
                    root_hash: checkpoint.root_hash,
                },
                note: self.with_own_line(&request.checkpoint, &line),
            };
            Ok((record, line))
        })?
    }

    /// The note with this witness's earlier lines replaced by `line`.
    fn with_own_line(&self, note: &str, line: &str) -> String {
        let own = format!("\u{2014} {} ", self.signer_name());
        let mut out: String = note
            .split_inclusive('\n')
            .filter(|l| !l.starts_with(&own))
            .collect();
        out.push_str(line);
        out
    }

    fn signer_name(&self) -> &str {
        crate::note::NoteSigner::name(&self.signer)
    }

    /// The latest cosigned checkpoint of the log whose origin hashes
    /// (SHA-256, lowercase hex) to `origin_hash`.
    pub fn latest_by_origin_hash(
        &self,
        origin_hash: &str,
    ) -> Result<Option<String>, WitnessStoreError> {
        let Some(origin) = self
            .logs
            .keys()
            .find(|origin| hex::encode(sha256(origin.as_bytes())) == origin_hash)
        else {
            return Ok(None);
        };
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(store.latest(origin)?.map(|record| record.note))
    }
}

/// The witness's routes, for `App::new().configure(...)`.
pub fn configure(witness: Arc<Witness>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(witness))
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route("/add-checkpoint", web::post().to(add_checkpoint))
            .route("/{origin_hash}/checkpoint", web::get().to(checkpoint));
    }
}

#[tracing::instrument(name = "witness.add_checkpoint", skip_all)]
async fn add_checkpoint(
    witness: web::Data<Witness>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = String::from_utf8(body.to_vec()).map_err(|_| {
        ApiError::new(
            ProblemCode::MalformedAddCheckpoint,
            "the body is not UTF-8 text",
        )
    })?;
    let answer = web::block(move || witness.add_checkpoint(&body))
        .await
        .map_err(|e| ApiError::internal_from(e, "witness worker"))?;
    match answer {
        Ok(lines) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(lines)),
        Err(WitnessError::Refused(Refusal::Conflict { latest })) => {
            Ok(HttpResponse::build(StatusCode::CONFLICT)
                .content_type("text/x.tlog.size")
                .body(format!("{latest}\n")))
        }
        Err(WitnessError::Refused(refusal)) => {
            tracing::warn!(%refusal, "checkpoint refused");
            let code = match refusal {
                Refusal::Malformed(_) => ProblemCode::MalformedAddCheckpoint,
                Refusal::UnknownOrigin(_) => ProblemCode::UnknownLog,
                Refusal::NotSigned(_) => ProblemCode::CheckpointNotSigned,
                Refusal::Inconsistent(_) | Refusal::Conflict { .. } => {
                    ProblemCode::InconsistentCheckpoint
                }
            };
            Err(ApiError::new(code, refusal.to_string()))
        }
        Err(other) => Err(ApiError::internal_from(other, "add-checkpoint")),
    }
}

#[tracing::instrument(name = "witness.checkpoint", skip_all)]
async fn checkpoint(
    witness: web::Data<Witness>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let origin_hash = path.into_inner();
    let note = web::block(move || witness.latest_by_origin_hash(&origin_hash))
        .await
        .map_err(|e| ApiError::internal_from(e, "witness worker"))?
        .map_err(|e| ApiError::internal_from(e, "witness checkpoint"))?;
    match note {
        Some(note) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(note)),
        None => Err(ApiError::new(
            ProblemCode::UnknownLog,
            "this witness has cosigned no checkpoint of that log",
        )),
    }
}
