//! Roadside verification over HTTP.
//!
//! - `GET /v1/waybills/{id}/qr` (the waybill's carrier or consignor): a QR
//!   code, PNG (`?format=png`, the default, or `Accept: image/png`), SVG
//!   (`?format=svg` or `Accept: image/svg+xml`) or the text it encodes as
//!   JSON (`?format=json`). It encodes `{PUBLIC BASE}/V/{token}#EWB2:...`:
//!   the verification link with the waybill's token, and in the fragment
//!   the summary as of now, signed by the service key (COSE_Sign1, zlib,
//!   Base45; format: [`crate::roadside`]), at most QR version 15.
//!   The token is created on the first request and the same one is returned
//!   every time after. The public base is `EWAYBILL_PUBLIC_URL`
//!   ([`Config::public_url`](crate::config::Config::public_url)), by default
//!   `http://{EWAYBILL_LISTEN}`.
//! - `GET /v1/verify/{token}` and `GET /V/{token}` (the QR's link; no
//!   login): what a police officer needs at the
//!   roadside: whether the waybill is authentic (every act's signature
//!   verifies under the key valid at the time and of the party in the
//!   act's role, the hash chain is whole and replays to the stored state,
//!   and the latest event is included in the latest signed checkpoint), its
//!   current status, the parties' names and registration numbers, the
//!   plates of the current transport and a goods summary (lines, gross
//!   weight, excise goods). Nothing more: no prices, addresses, drivers or
//!   references. Its verdict says in words whether the waybill is
//!   authentic *and* valid for a vehicle on the road now (issued or in
//!   transit; not cancelled, declined, rejected or already delivered).
//!   JSON, or a small HTML page when `Accept` prefers `text/html`; unknown
//!   tokens and refusals get a page too ("NOT VALID: this link is not a
//!   waybill of this service"). Every lookup (also of unknown tokens) is
//!   logged and written to the access audit trail as `roadside.verify` by
//!   party `anonymous`. Rate-limited per client IP (token bucket;
//!   `EWAYBILL_ROADSIDE_BURST`, default 30, refilled at
//!   `EWAYBILL_ROADSIDE_PER_MINUTE`, default 30); over the limit: 429 with
//!   `Retry-After`.
//!
//! The handlers live here; the answer's shape is in `view`, its HTML page
//! in `page`, the chain check in [`crate::verifier::chain`] (shared with the
//! offline auditor) and the token buckets in [`crate::rate_limit`].

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::crypto::ServiceKey;
use crate::domain::document::PartyRef;
use crate::domain::ids::{KeyId, LogIndex, PartyId, WaybillId};
use crate::ledger::merkle_log::{DbNodes, LogIdentity, event_leaf_hash};
use crate::merkle;
use crate::note::Checkpoint;
use crate::roadside::{self, GoodsSummary, Summary, token_lookup_hash};
use crate::storage::audit::{self, AccessRecord};
use crate::storage::events::{self, EventRow};
use crate::storage::roadside::{self as tokens, TokenRow};
use crate::storage::waybills::{self, WaybillRow};
use crate::storage::{DbConnection, keys, parties, time, tree};
use crate::verifier::chain::{SignerKey, StoredEvent, StoredWaybill, check_chain};

use super::access::{require_carrier_or_consignor, waybill_not_found};
use crate::problem_code::ProblemCode;

use super::auth::Caller;
use super::input::Query;
use super::negotiate::{Representation, choose};
use super::problem::{ApiError, Problem};
use super::state::AppState;

mod page;
mod view;

use view::verdict;
pub use view::{
    AuthenticityChecks, GoodsFacts, PartyFacts, RoadsideView, TransportFacts, WaybillFacts,
};

/// The party id and key id the audit trail records for roadside lookups.
pub const ANONYMOUS: &str = "anonymous";

/// The audit trail's action for a roadside lookup.
pub const AUDIT_ACTION: &str = "roadside.verify";

fn rate_limited(wait: Duration) -> ApiError {
    // Round up: a client that waits as told finds a token.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::too_many_requests(
        ProblemCode::RateLimited,
        format!(
            "too many verification requests from this address; retry in {} s",
            secs.max(1)
        ),
        Duration::from_secs(secs),
    )
}

// ---------------------------------------------------------------- QR codes

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// `png` (default), `svg`, or `json` (the encoded text, for apps that
    /// draw their own code). Without it, the Accept header decides.
    #[param(inline, value_type = Option<QrFormat>)]
    pub format: Option<String>,
}

/// What the QR code encodes, for `?format=json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QrContent {
    /// The exact text of the QR code: `verify_url#payload`, with the
    /// payload's spaces and `%` percent-encoded (docs/roadside.md).
    pub text: String,
    /// The verification link (`{PUBLIC BASE}/V/{token}`, scheme and host
    /// uppercased for QR alphanumeric mode).
    pub verify_url: String,
    /// The signed payload `EWB2:{Base45(zlib(COSE_Sign1))}`.
    pub payload: String,
    /// The summary the payload carries: the waybill as of `issued_at`.
    pub summary: Summary,
    /// The QR version of the code (error correction level M).
    pub qr_version: i16,
}

/// The `format` values (also the schema of the query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
enum QrFormat {
    Png,
    Svg,
    Json,
}

impl Representation for QrFormat {
    fn media_type(self) -> &'static str {
        match self {
            QrFormat::Png => "image/png",
            QrFormat::Svg => "image/svg+xml",
            QrFormat::Json => "application/json",
        }
    }
}

fn qr_format(req: &HttpRequest, requested: Option<&str>) -> Result<QrFormat, ApiError> {
    match requested {
        Some("png") => return Ok(QrFormat::Png),
        Some("svg") => return Ok(QrFormat::Svg),
        Some("json") => return Ok(QrFormat::Json),
        Some(_) => {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidFormat,
                "format must be png, svg or json",
            ));
        }
        None => {}
    }
    choose(req, &[QrFormat::Png, QrFormat::Svg, QrFormat::Json])
}

/// `EWAYBILL_PUBLIC_URL` (kept without a trailing slash), else `http://{listen}`.
pub(crate) fn public_base(state: &AppState) -> String {
    state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", state.config.listen))
}

/// The waybill's token, created (and stored sealed) on first use.
fn token_for(
    conn: &mut DbConnection,
    key: &ServiceKey,
    waybill_id: &WaybillId,
    party_id: &PartyId,
) -> Result<String, ApiError> {
    let sign = |m: &[u8]| key.sign(m);
    let fresh = || -> Result<(String, TokenRow), ApiError> {
        let token = roadside::new_token().map_err(roadside_failed)?;
        let sealed = roadside::seal_token(waybill_id, &token, sign).map_err(roadside_failed)?;
        let row = TokenRow {
            waybill_id: waybill_id.clone(),
            token_hash: token_lookup_hash(&token),
            token_sealed: sealed,
            created_by: party_id.clone(),
            created_at: time::to_db(time::now()),
        };
        Ok((token, row))
    };
    if let Some(row) = tokens::of_waybill(conn, waybill_id)? {
        if let Some(token) =
            roadside::unseal_token(waybill_id, &row.token_hash, &row.token_sealed, sign)
        {
            return Ok(token);
        }
        tracing::warn!(
            waybill_id = waybill_id.as_str(),
            "roadside token cannot be unsealed (service key changed?); issuing a new one"
        );
        let (token, row) = fresh()?;
        tokens::replace(conn, &row)?;
        return Ok(token);
    }
    let (token, row) = fresh()?;
    match tokens::insert(conn, &row) {
        Ok(()) => {
            tracing::info!(
                waybill_id = waybill_id.as_str(),
                party_id = party_id.as_str(),
                "roadside token created"
            );
            Ok(token)
        }
        Err(e) if e.is_unique_violation() => {
            // Another request created it first: use that one.
            let row = tokens::of_waybill(conn, waybill_id)?.ok_or_else(|| {
                ApiError::internal("roadside token vanished after a unique violation")
            })?;
            roadside::unseal_token(waybill_id, &row.token_hash, &row.token_sealed, sign)
                .ok_or_else(|| ApiError::internal("stored roadside token cannot be unsealed"))
        }
        Err(e) => Err(e.into()),
    }
}

fn roadside_failed(e: roadside::RoadsideError) -> ApiError {
    ApiError::internal_from(e, "roadside payload")
}

/// What the roadside QR code of `row` encodes now: the waybill's token
/// (created on first use, by `party_id`) and its summary freshly signed by
/// the service key. The QR endpoint and the printable PDF both take their
/// code from here, so the two always carry the same content.
pub(crate) fn qr_content(
    conn: &mut DbConnection,
    key: &ServiceKey,
    base: &str,
    row: &WaybillRow,
    party_id: &PartyId,
) -> Result<QrContent, ApiError> {
    let token = token_for(conn, key, &row.id, party_id)?;
    let waybill = row.projection()?;
    let head = events::by_hash(conn, &row.head)?
        .ok_or_else(|| ApiError::internal("the head event of a waybill is missing"))?;
    let roadside::SignedQr {
        summary,
        payload,
        text,
        version,
    } = roadside::signed_qr(
        &waybill,
        u64::try_from(head.seq.get()).unwrap_or(0),
        time::now(),
        base,
        &token,
        &key.public_key(),
        |m| key.sign(m),
    )
    .map_err(roadside_failed)?;
    Ok(QrContent {
        qr_version: version,
        verify_url: roadside::verify_link(base, &token),
        text,
        payload,
        summary,
    })
}

/// The waybill's roadside QR code (its carrier or consignor).
#[utoipa::path(
    get, path = "/v1/waybills/{id}/qr", tag = "roadside",
    params(("id" = Uuid, Path, description = "Waybill id"), QrQuery),
    responses(
        (status = 200, description = "The QR code (PNG, SVG) or its content (JSON)", content(
            (String = "image/png"),
            (String = "image/svg+xml"),
            (QrContent = "application/json"),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The consignee: only the carrier and the consignor print the code", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such waybill visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No format given and Accept allows none of PNG, SVG and JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/waybills/{id}/qr")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, waybill = %path))]
pub async fn waybill_qr(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: Query<QrQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let format = qr_format(&req, query.format.as_deref())?;
    let id = WaybillId::from(path.into_inner());
    let key = state.service_key.clone();
    let base = public_base(&state);
    let content = state
        .db(move |conn| {
            let row = waybills::find(conn, &id)?.ok_or_else(waybill_not_found)?;
            require_carrier_or_consignor(&caller, &row)?;
            qr_content(conn, &key, &base, &row, &caller.party_id)
        })
        .await?;

    let mut response = HttpResponse::Ok();
    // The code holds a live token: never cache it anywhere shared.
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match format {
        QrFormat::Png => {
            let png = roadside::qr_png(&content.text).map_err(roadside_failed)?;
            response.content_type("image/png").body(png)
        }
        QrFormat::Svg => {
            let svg = roadside::qr_svg(&content.text).map_err(roadside_failed)?;
            response.content_type("image/svg+xml").body(svg)
        }
        QrFormat::Json => response.json(content),
    })
}

/// How the inspector's view is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Json,
    Html,
}

impl Representation for Page {
    fn media_type(self) -> &'static str {
        match self {
            Page::Json => "application/json",
            Page::Html => "text/html",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Page::Json => &[],
            Page::Html => &["application/xhtml+xml"],
        }
    }
}

/// Roadside check of a waybill by its QR token (no login; rate-limited; audited).
#[utoipa::path(
    get, path = "/v1/verify/{token}", tag = "roadside",
    params(("token" = String, Path, description = "The token from the QR code's link")),
    responses(
        (status = 200, description = "The check: JSON, or an HTML page when Accept prefers text/html", content(
            (RoadsideView = "application/json"),
            (String = "text/html"),
        )),
        (status = 404, description = "Unknown or malformed token (an HTML page when Accept prefers text/html)", content(
            (Problem = "application/problem+json"),
            (String = "text/html"),
        )),
        (status = 406, description = "Accept allows neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After (an HTML page when Accept prefers text/html)", content(
            (Problem = "application/problem+json"),
            (String = "text/html"),
        ), headers(("Retry-After" = u64, description = "Seconds until the next check is allowed"))),
    ),
    security(())
)]
#[get("/v1/verify/{token}")]
#[tracing::instrument(skip_all)]
pub async fn verify_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_token(state, path.into_inner(), req).await
}

/// The QR code's link: the same check as `GET /v1/verify/{token}`, at the
/// uppercase path a QR code in alphanumeric mode can hold.
#[utoipa::path(
    get, path = "/V/{token}", tag = "roadside",
    params(("token" = String, Path, description = "The token from the QR code's link (base32, either case)")),
    responses(
        (status = 200, description = "The check: an HTML page for a phone's browser, or JSON", content(
            (String = "text/html"),
            (RoadsideView = "application/json"),
        )),
        (status = 404, description = "Unknown or malformed token (an HTML page when Accept prefers text/html)", content(
            (Problem = "application/problem+json"),
            (String = "text/html"),
        )),
        (status = 406, description = "Accept allows neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", content(
            (Problem = "application/problem+json"),
            (String = "text/html"),
        ), headers(("Retry-After" = u64, description = "Seconds until the next check is allowed"))),
    ),
    security(())
)]
#[get("/V/{token}")]
#[tracing::instrument(skip_all)]
pub async fn verify_link(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_token(state, path.into_inner(), req).await
}

async fn check_token(
    state: web::Data<AppState>,
    token: String,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let client = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let page = choose(&req, &[Page::Json, Page::Html]);
    if let Err(wait) = state.roadside_limiter.check(client, Instant::now()) {
        tracing::warn!(client = %client, "roadside verification rate-limited");
        return Ok(refusal(page.ok(), &rate_limited(wait)));
    }
    let page = page?;
    let lookup = roadside::canonical_token(&token).map(|t| token_lookup_hash(&t));
    let log = state.log.clone();
    let client_text = client.to_string();
    let view = state
        .db(move |conn| {
            let found = match &lookup {
                Some(hash) => tokens::by_hash(conn, hash)?,
                None => None,
            };
            let row = match &found {
                Some(t) => waybills::find(conn, &t.waybill_id)?,
                None => None,
            };
            record(conn, row.as_ref().map(|r| &r.id), &client_text)?;
            let Some(row) = row else {
                tracing::info!(client = %client_text, "roadside verification: unknown token");
                return Err(ApiError::not_found(
                    ProblemCode::TokenNotFound,
                    "no waybill has this verification token",
                ));
            };
            let view = inspect(conn, &log, &row)?;
            tracing::info!(
                client = %client_text, waybill_id = %row.id, authentic = view.authentic,
                valid_for_transport = view.valid_for_transport,
                status = %view.waybill.status, "roadside verification"
            );
            Ok(view)
        })
        .await;
    let view = match view {
        Ok(view) => view,
        Err(e) => return Ok(refusal(Some(page), &e)),
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response.insert_header((header::VARY, "Accept"));
    Ok(match page {
        Page::Html => response
            .content_type("text/html; charset=utf-8")
            .body(page::html(&view)),
        Page::Json => response.json(view),
    })
}

/// A refusal as a problem document, or as a page a person can read when
/// the client asked for HTML.
fn refusal(page: Option<Page>, error: &ApiError) -> HttpResponse {
    let mut response = error.error_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    if page != Some(Page::Html) {
        return response;
    }
    let (headline, advice) = match error.status {
        StatusCode::NOT_FOUND => (
            "NOT VALID: this link is not a waybill of this service".to_owned(),
            "The code is forged, mistyped or from another system. Do not accept it as a waybill.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            format!(
                "NOT CHECKED: too many checks from this device. Try again in {} s.",
                error.retry_after().unwrap_or(1)
            ),
            "This says nothing about the waybill; scan the code again after the wait.",
        ),
        _ => (
            "NOT CHECKED: the service cannot check this waybill right now.".to_owned(),
            "This says nothing about the waybill; try again shortly.",
        ),
    };
    let body = page::refusal(&headline, advice);
    let mut page = HttpResponse::build(error.status);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.insert_header((name.clone(), value.clone()));
        }
    }
    page.content_type("text/html; charset=utf-8").body(body)
}

fn record(
    conn: &mut DbConnection,
    waybill_id: Option<&WaybillId>,
    client: &str,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        &AccessRecord {
            id: Uuid::now_v7().to_string(),
            at: time::to_db(time::now()),
            party_id: PartyId::from(ANONYMOUS),
            key_id: KeyId::from(ANONYMOUS),
            action: AUDIT_ACTION.to_owned(),
            waybill_id: waybill_id.cloned(),
            query: Some(format!("client={client}")),
            result_count: Some(i64::from(waybill_id.is_some())),
        },
    )?;
    Ok(())
}

/// Re-verifies the waybill from its stored chain and the log.
fn inspect(
    conn: &mut DbConnection,
    log: &LogIdentity,
    row: &WaybillRow,
) -> Result<RoadsideView, ApiError> {
    let chain = events::of_waybill(conn, &row.id)?;
    let mut checks = AuthenticityChecks {
        signatures: true,
        hash_chain: true,
        log_inclusion: false,
        log_index: None,
        checkpoint_size: None,
        problems: Vec::new(),
    };
    let stored: Vec<StoredEvent<'_>> = chain
        .iter()
        .map(|e| StoredEvent {
            seq: e.seq.get(),
            act: &e.act,
            signature: &e.signature,
            hash: &e.hash,
            received_at: time::from_db(e.received_at),
        })
        .collect();
    let walked = check_chain(
        StoredWaybill {
            id: &row.id,
            head: &row.head,
            status: &row.status,
            version: row.version,
        },
        &stored,
        |key_id| signer(conn, key_id),
    )?;
    checks.signatures = walked.signatures;
    checks.hash_chain = walked.hash_chain;
    checks.problems = walked.problems;
    let replayed = walked.state;
    if let Some(head) = chain.last() {
        check_inclusion(conn, log, head, &mut checks)?;
    }
    let waybill = match replayed {
        Some(state) if checks.hash_chain => state,
        _ => row.projection()?,
    };
    let authentic = checks.signatures && checks.hash_chain && checks.log_inclusion;
    let (valid_for_transport, verdict) = verdict(authentic, waybill.status);
    Ok(RoadsideView {
        verdict,
        valid_for_transport,
        authentic,
        checks,
        waybill: WaybillFacts {
            id: waybill.id.to_string(),
            number: waybill.document.number.clone(),
            status: waybill.status.as_str().to_owned(),
            version: waybill.version,
            issue_date: waybill.document.issue_date.to_string(),
        },
        consignor: party_facts(&waybill.document.consignor),
        consignee: party_facts(&waybill.document.consignee),
        carrier: party_facts(&waybill.document.carrier),
        transport: TransportFacts {
            vehicle_plate: waybill.transport.vehicle_plate.clone(),
            trailer_plate: waybill.transport.trailer_plate.clone(),
            vehicle_country: waybill.transport.vehicle_country.clone(),
        },
        goods: GoodsSummary::of(&waybill.document).into(),
        verified_at: time::now(),
    })
}

/// A party whole, as the online page shows it (the QR's summary may cut
/// its name).
fn party_facts(p: &PartyRef) -> PartyFacts {
    PartyFacts {
        name: p.name.clone(),
        reg_no: p.reg_no.clone(),
        country: p.country.clone(),
    }
}

/// The key `key_id` as the chain check needs it: its public key, when it
/// could sign, and its party's registration number and country.
fn signer(conn: &mut DbConnection, key_id: &str) -> Result<Option<SignerKey>, ApiError> {
    let Some(key) = keys::find(conn, &KeyId::from(key_id))? else {
        return Ok(None);
    };
    let key = key.key;
    let party = parties::find(conn, &key.party_id)?.map(|p| (p.reg_no, p.country));
    Ok(Some(SignerKey {
        public_key: key.public_key,
        registered_at: key.registered_seq.get(),
        revoked_at: key.revoked_seq.map(LogIndex::get),
        party,
    }))
}

/// Proves the head event is in the latest checkpoint, whose signature is
/// checked with the log's key.
fn check_inclusion(
    conn: &mut DbConnection,
    log: &LogIdentity,
    head: &EventRow,
    checks: &mut AuthenticityChecks,
) -> Result<(), ApiError> {
    let fail = |checks: &mut AuthenticityChecks, problem: &str| {
        checks.problems.push(problem.to_owned());
    };
    let Some(row) = tree::latest_checkpoint(conn)? else {
        fail(checks, "the log has no checkpoint");
        return Ok(());
    };
    let checkpoint = match log
        .verifier_key()
        .map(|vkey| Checkpoint::open(&row.note, &vkey))
    {
        Ok(Ok(c)) => c,
        _ => {
            fail(checks, "the latest checkpoint's signature does not verify");
            return Ok(());
        }
    };
    let index = head.seq.leaf().unwrap_or(u64::MAX);
    checks.log_index = Some(index);
    checks.checkpoint_size = Some(checkpoint.size);
    if index >= checkpoint.size {
        fail(checks, "the latest event is not yet in a signed checkpoint");
        return Ok(());
    }
    let nodes = DbNodes::new(conn);
    let proof = merkle::inclusion_proof(index, checkpoint.size, &nodes);
    if let Some(failure) = nodes.take_failure() {
        // The database failed, not the document: say that, not "not authentic".
        return Err(failure.into());
    }
    let included = proof.ok().is_some_and(|proof| {
        merkle::verify_inclusion(
            &event_leaf_hash(head),
            index,
            checkpoint.size,
            &proof,
            &checkpoint.root_hash,
        )
        .is_ok()
    });
    if included {
        checks.log_inclusion = true;
    } else {
        fail(checks, "the latest event's inclusion proof does not verify");
    }
    Ok(())
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(waybill_qr)
        .service(verify_token)
        .service(verify_link);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(
            rate_limited(Duration::from_millis(1500)).retry_after(),
            Some(2)
        );
        assert_eq!(rate_limited(Duration::from_secs(2)).retry_after(), Some(2));
        assert_eq!(rate_limited(Duration::ZERO).retry_after(), Some(1));
    }

    #[test]
    fn refusals_are_pages_for_browsers() {
        let missing = ApiError::not_found(ProblemCode::TokenNotFound, "no such token");
        let json = refusal(Some(Page::Json), &missing);
        assert_eq!(
            json.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let page = refusal(Some(Page::Html), &missing);
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(
            page.headers()
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let limited = refusal(Some(Page::Html), &rate_limited(Duration::from_secs(7)));
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers().get(header::RETRY_AFTER).unwrap(), "7");
        assert_eq!(
            refusal(None, &rate_limited(Duration::from_secs(7)))
                .headers()
                .get(header::RETRY_AFTER)
                .unwrap(),
            "7"
        );
    }
}
