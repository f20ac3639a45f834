//! Roadside verification over HTTP.
//!
//! - `GET /v1/waybills/{id}/qr` (the waybill's carrier or consignor): a QR
//!   code, PNG (`?format=png`, the default, or `Accept: image/png`), SVG
//!   (`?format=svg` or `Accept: image/svg+xml`) or the text it encodes as
//!   JSON (`?format=json`). It encodes `{public base}/v1/verify/{token}#EWB1...`:
//!   the verification link with the waybill's token, and in the fragment
//!   the summary signed by the service key (format: [`crate::roadside`]).
//!   The token is created on the first request and the same one is returned
//!   every time after. The public base is `EWAYBILL_PUBLIC_URL`
//!   ([`Config::public_url`](crate::config::Config::public_url)), by default
//!   `http://{EWAYBILL_LISTEN}`.
//! - `GET /v1/verify/{token}` (no login): what a police officer needs at the
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

use crate::problem_code::ProblemCode;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::crypto::{PublicKey, ServiceKey, Signature};
use crate::domain::act::{ActBody, ParsedAct, parse_recorded_act};
use crate::domain::document::{PartyRef, WaybillDocument};
use crate::domain::lifecycle::Status;
use crate::domain::party::{PartyKind, Role};
use crate::domain::projection::{self, WaybillState};
use crate::ledger::apply::parse_state;
use crate::ledger::event_hash::{canonical_act, event_hash};
use crate::ledger::merkle_log::{DbNodes, LogIdentity, event_leaf_hash};
use crate::merkle;
use crate::note::Checkpoint;
use crate::roadside::{
    self, GoodsSummary, PartySummary, Summary, is_token_syntax, token_lookup_hash,
};
use crate::storage::audit::{self, AccessRecord};
use crate::storage::events::{self, EventRow};
use crate::storage::roadside::{self as tokens, TokenRow};
use crate::storage::waybills::{self, WaybillRow};
use crate::storage::{DbConnection, keys, parties, time, tree};

use super::auth::Caller;
use super::input::Query;
use super::negotiate::{Representation, choose};
use super::problem::{ApiError, Problem};
use super::state::AppState;

/// The party id and key id the audit trail records for roadside lookups.
pub const ANONYMOUS: &str = "anonymous";

/// The audit trail's action for a roadside lookup.
pub const AUDIT_ACTION: &str = "roadside.verify";

// ---------------------------------------------------------------- rate limit

/// The roadside endpoint's rate limit: a token bucket per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a client may make at once.
    pub burst: u32,
    /// Requests the bucket regains per minute.
    pub per_minute: u32,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by client IP, one set per service instance (it
/// lives in [`AppState`]).
pub struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Buckets kept before idle (full) ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill_per_sec(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    /// Takes one token; `Err(wait)` when the bucket is empty.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst);
        let rate = self.refill_per_sec();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err(Duration::from_secs_f64(wait.clamp(0.0, 3600.0)))
        }
    }

    /// The limit the buckets enforce.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }
}

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
    /// The exact text of the QR code: `verify_url#payload`.
    pub text: String,
    /// The verification link (`{public base}/v1/verify/{token}`).
    pub verify_url: String,
    /// The signed payload `EWB1.<summary>.<signature>`.
    pub payload: String,
    /// The summary the payload carries.
    pub summary: Summary,
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
fn public_base(state: &AppState) -> String {
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
    waybill_id: &str,
    party_id: &str,
) -> Result<String, ApiError> {
    let sign = |m: &[u8]| key.sign(m);
    let fresh = || -> Result<(String, TokenRow), ApiError> {
        let token = roadside::new_token().map_err(roadside_failed)?;
        let sealed = roadside::seal_token(waybill_id, &token, sign).map_err(roadside_failed)?;
        let row = TokenRow {
            waybill_id: waybill_id.to_owned(),
            token_hash: token_lookup_hash(&token),
            token_sealed: sealed,
            created_by: party_id.to_owned(),
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
            waybill_id,
            "roadside token cannot be unsealed (service key changed?); issuing a new one"
        );
        let (token, row) = fresh()?;
        tokens::replace(conn, &row)?;
        return Ok(token);
    }
    let (token, row) = fresh()?;
    match tokens::insert(conn, &row) {
        Ok(()) => {
            tracing::info!(waybill_id, party_id, "roadside token created");
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

fn party_summary(p: &PartyRef) -> PartySummary {
    PartySummary {
        name: p.name.clone(),
        reg_no: p.reg_no.clone(),
        country: p.country.clone(),
    }
}

fn goods_summary(document: &WaybillDocument) -> GoodsSummary {
    GoodsSummary {
        lines: u64::try_from(document.lines.len()).unwrap_or(u64::MAX),
        gross_weight_kg: document.totals.gross_weight_kg.normalize().to_string(),
        excise: document.lines.iter().any(|l| l.excise_category.is_some()),
    }
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
    let id = path.into_inner().to_string();
    let key = state.service_key.clone();
    let (token, waybill, log_index, checkpoint_size) = state
        .db(move |conn| {
            let not_found =
                || ApiError::not_found(ProblemCode::WaybillNotFound, "waybill not found");
            let row = waybills::find(conn, &id)?.ok_or_else(not_found)?;
            if caller.kind != PartyKind::Company {
                return Err(not_found());
            }
            if caller.party_id == row.consignee_id
                && caller.party_id != row.carrier_id
                && caller.party_id != row.consignor_id
            {
                return Err(ApiError::forbidden(
                    ProblemCode::NotCarrierOrConsignor,
                    "the roadside QR code is for the carrier and the consignor",
                ));
            }
            if caller.party_id != row.carrier_id && caller.party_id != row.consignor_id {
                return Err(not_found());
            }
            let token = token_for(conn, &key, &row.id, &caller.party_id)?;
            let waybill = parse_state(&row)?;
            let head = events::by_hash(conn, &row.head)?
                .ok_or_else(|| ApiError::internal("the head event of a waybill is missing"))?;
            let checkpoint = tree::latest_checkpoint(conn)?
                .ok_or_else(|| ApiError::internal("no checkpoint is stored"))?;
            Ok((token, waybill, head.seq, checkpoint.size))
        })
        .await?;

    let to_u64 = |v: i64| u64::try_from(v).unwrap_or(0);
    let summary = Summary {
        id: waybill.id.to_string(),
        number: waybill.document.number.clone(),
        status: waybill.status.as_str().to_owned(),
        version: waybill.version,
        head: waybill.head.clone(),
        log_index: to_u64(log_index),
        checkpoint_size: to_u64(checkpoint_size),
        issue_date: waybill.document.issue_date.to_string(),
        consignor: party_summary(&waybill.document.consignor),
        consignee: party_summary(&waybill.document.consignee),
        carrier: party_summary(&waybill.document.carrier),
        vehicle_plate: waybill.transport.vehicle_plate.clone(),
        trailer_plate: waybill.transport.trailer_plate.clone(),
        vehicle_country: waybill.transport.vehicle_country.clone(),
        goods: goods_summary(&waybill.document),
        token_sha256: roadside::token_sha256_b64(&token),
        key_id: state.service_key.key_id(),
        issued_at: time::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let payload =
        roadside::sign_payload(&summary, |m| state.service_key.sign(m)).map_err(roadside_failed)?;
    let base = public_base(&state);
    let text = roadside::qr_text(&base, &token, &payload);
    let verify_url = format!("{base}{}{token}", roadside::VERIFY_PATH);

    let mut response = HttpResponse::Ok();
    // The code holds a live token: never cache it anywhere shared.
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match format {
        QrFormat::Png => {
            let png = roadside::qr_png(&text).map_err(roadside_failed)?;
            response.content_type("image/png").body(png)
        }
        QrFormat::Svg => {
            let svg = roadside::qr_svg(&text).map_err(roadside_failed)?;
            response.content_type("image/svg+xml").body(svg)
        }
        QrFormat::Json => response.json(QrContent {
            text,
            verify_url,
            payload,
            summary,
        }),
    })
}

// ---------------------------------------------------------------- inspector view

/// The result of the roadside check.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadsideView {
    /// The verdict in words, as the HTML page's headline shows it, e.g.
    /// "AUTHENTIC and VALID for transport: IN TRANSIT" or "Authentic, but
    /// CANCELLED: NOT VALID for transport".
    #[schema(example = "Authentic, but CANCELLED: NOT VALID for transport")]
    pub verdict: String,
    /// Authentic, and in a status in which goods may be on the road
    /// (`issued` or `in_transit`); false once cancelled, declined, rejected
    /// or delivered, and whenever `authentic` is false.
    pub valid_for_transport: bool,
    /// Every check below passed.
    pub authentic: bool,
    pub checks: AuthenticityChecks,
    pub waybill: WaybillFacts,
    pub consignor: PartyFacts,
    pub consignee: PartyFacts,
    pub carrier: PartyFacts,
    pub transport: TransportFacts,
    pub goods: GoodsFacts,
    pub verified_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthenticityChecks {
    /// Every act's Ed25519 signature verifies (strict) under a key of the
    /// party in the act's role, registered before and not revoked at the act.
    pub signatures: bool,
    /// The hash chain is whole and replays to the stored state.
    pub hash_chain: bool,
    /// The latest event is included in the latest signed checkpoint.
    pub log_inclusion: bool,
    /// The latest event's log index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Size of the checkpoint the inclusion was proven against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_size: Option<u64>,
    /// What failed, if anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaybillFacts {
    pub id: String,
    pub number: String,
    pub status: String,
    pub version: u64,
    pub issue_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyFacts {
    pub name: String,
    pub reg_no: String,
    pub country: String,
}

impl From<PartySummary> for PartyFacts {
    fn from(p: PartySummary) -> Self {
        Self {
            name: p.name,
            reg_no: p.reg_no,
            country: p.country,
        }
    }
}

/// What is carried, without prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoodsFacts {
    /// Number of goods lines.
    pub lines: u64,
    /// Total gross weight in kg, a decimal string.
    pub gross_weight_kg: String,
    /// Whether any line carries excise goods.
    pub excise: bool,
}

impl From<GoodsSummary> for GoodsFacts {
    fn from(g: GoodsSummary) -> Self {
        Self {
            lines: g.lines,
            gross_weight_kg: g.gross_weight_kg,
            excise: g.excise,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransportFacts {
    pub vehicle_plate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_plate: Option<String>,
    pub vehicle_country: String,
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
    let client = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let page = choose(&req, &[Page::Json, Page::Html]);
    if let Err(wait) = state.roadside_limiter.check(client, Instant::now()) {
        tracing::warn!(client = %client, "roadside verification rate-limited");
        return Ok(refusal(page.ok(), &rate_limited(wait)));
    }
    let page = page?;
    let token = path.into_inner();
    let lookup = is_token_syntax(&token).then(|| token_lookup_hash(&token));
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
            record(conn, row.as_ref().map(|r| r.id.as_str()), &client_text)?;
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
            .body(html(&view)),
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
    let body = page_html(
        "Waybill check",
        &format!(
            "<h1 class=bad>✘ {}</h1><p>{}</p>",
            escape(&headline),
            escape(advice)
        ),
    );
    let mut page = HttpResponse::build(error.status);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.insert_header((name.clone(), value.clone()));
        }
    }
    page.content_type("text/html; charset=utf-8").body(body)
}

/// Whether the waybill may be relied on for a vehicle on the road now,
/// and the headline that says so.
fn verdict(authentic: bool, status: Status) -> (bool, String) {
    if !authentic {
        return (
            false,
            "NOT AUTHENTIC: do not rely on this waybill".to_owned(),
        );
    }
    let not_valid = |what: &str| {
        (
            false,
            format!("Authentic, but {what}: NOT VALID for transport"),
        )
    };
    match status {
        Status::Issued => (true, "AUTHENTIC and VALID for transport: ISSUED".to_owned()),
        Status::InTransit => (
            true,
            "AUTHENTIC and VALID for transport: IN TRANSIT".to_owned(),
        ),
        Status::Cancelled => not_valid("CANCELLED by the consignor"),
        Status::Declined => not_valid("DECLINED by the carrier"),
        Status::Rejected => not_valid("REJECTED by the consignee"),
        Status::Delivered => not_valid("already DELIVERED"),
        Status::PartiallyAccepted => not_valid("already DELIVERED (partially accepted)"),
    }
}

fn record(conn: &mut DbConnection, waybill_id: Option<&str>, client: &str) -> Result<(), ApiError> {
    audit::record(
        conn,
        &AccessRecord {
            id: Uuid::now_v7().to_string(),
            at: time::to_db(time::now()),
            party_id: ANONYMOUS.to_owned(),
            key_id: ANONYMOUS.to_owned(),
            action: AUDIT_ACTION.to_owned(),
            waybill_id: waybill_id.map(str::to_owned),
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
    let replayed = check_chain(conn, row, &chain, &mut checks)?;
    if let Some(head) = chain.last() {
        check_inclusion(conn, log, head, &mut checks)?;
    }
    let waybill = match replayed {
        Some(state) if checks.hash_chain => state,
        _ => parse_state(row)?,
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
        consignor: party_summary(&waybill.document.consignor).into(),
        consignee: party_summary(&waybill.document.consignee).into(),
        carrier: party_summary(&waybill.document.carrier).into(),
        transport: TransportFacts {
            vehicle_plate: waybill.transport.vehicle_plate.clone(),
            trailer_plate: waybill.transport.trailer_plate.clone(),
            vehicle_country: waybill.transport.vehicle_country.clone(),
        },
        goods: goods_summary(&waybill.document).into(),
        verified_at: time::now(),
    })
}

/// Walks the chain: hashes, links, signatures, roles; replays the state.
fn check_chain(
    conn: &mut DbConnection,
    row: &WaybillRow,
    chain: &[EventRow],
    checks: &mut AuthenticityChecks,
) -> Result<Option<WaybillState>, ApiError> {
    let broken = |checks: &mut AuthenticityChecks, problem: String| {
        checks.hash_chain = false;
        checks.problems.push(problem);
    };
    let mut prev: Option<String> = None;
    let mut state: Option<WaybillState> = None;
    for event in chain {
        let seq = event.seq;
        let Ok(act) = serde_json::from_str::<Value>(&event.act) else {
            broken(checks, format!("event {seq}: the stored act is not JSON"));
            return Ok(None);
        };
        if event_hash(&act, &event.signature).ok().as_deref() != Some(event.hash.as_str()) {
            broken(
                checks,
                format!("event {seq}: its hash does not match its content"),
            );
        }
        let act_prev = act.get("prev").and_then(Value::as_str).map(str::to_owned);
        if act_prev != prev {
            broken(
                checks,
                format!("event {seq}: prev does not name the previous event"),
            );
        }
        prev = Some(event.hash.clone());
        let parsed = match parse_recorded_act(act, event.signature.clone()) {
            Ok(p) => p,
            Err(_) => {
                broken(checks, format!("event {seq}: the act does not parse"));
                return Ok(None);
            }
        };
        if parsed.header.waybill_id.to_string() != row.id {
            broken(
                checks,
                format!("event {seq}: the act names another waybill"),
            );
        }
        if let Err(problem) = check_signer(conn, &parsed, event, state.as_ref())? {
            checks.signatures = false;
            checks.problems.push(format!("event {seq}: {problem}"));
        }
        match projection::apply(
            state.as_ref(),
            &parsed,
            &event.hash,
            time::from_db(event.received_at),
        ) {
            Ok(next) => state = Some(next),
            Err(e) => {
                broken(checks, format!("event {seq}: the act does not apply: {e}"));
                return Ok(None);
            }
        }
    }
    match &state {
        None => broken(checks, "the waybill has no events".to_owned()),
        Some(s) => {
            if prev.as_deref() != Some(row.head.as_str())
                || s.head != row.head
                || s.status.as_str() != row.status
                || i64::try_from(s.version).ok() != Some(row.version)
            {
                broken(
                    checks,
                    "the stored waybill differs from its signed chain".to_owned(),
                );
            }
        }
    }
    Ok(state)
}

/// Whether the act's signature verifies under a key that was valid at the
/// act and belongs to the party in the act's role. `Ok(Err(problem))` for
/// a failed check, `Err` only for a storage failure.
fn check_signer(
    conn: &mut DbConnection,
    act: &ParsedAct,
    event: &EventRow,
    before: Option<&WaybillState>,
) -> Result<Result<(), String>, ApiError> {
    let Some(key) = keys::find(conn, &act.header.key_id)? else {
        return Ok(Err("signed by an unknown key".into()));
    };
    let key = key.key;
    let valid_then =
        key.registered_seq < event.seq && key.revoked_seq.is_none_or(|r| event.seq < r);
    if !valid_then {
        return Ok(Err("the signing key was not valid at the time".into()));
    }
    let verified = PublicKey::from_base64url(&key.public_key)
        .ok()
        .zip(Signature::from_base64url(&event.signature).ok())
        .zip(canonical_act(&act.raw_act).ok())
        .is_some_and(|((pk, sig), canonical)| pk.verify(canonical.as_bytes(), &sig).is_ok());
    if !verified {
        return Ok(Err("the signature does not verify".into()));
    }
    let document = match (before, &act.body) {
        (Some(s), _) => &s.document,
        (None, ActBody::Document(d)) => d.as_ref(),
        (None, _) => return Ok(Err("the chain does not start with a document".into())),
    };
    let expected = match act.header.act_type.role() {
        Role::Consignor => &document.consignor,
        Role::Carrier => &document.carrier,
        Role::Consignee => &document.consignee,
    };
    let party = parties::find(conn, &key.party_id)?;
    if !party.is_some_and(|p| p.reg_no == expected.reg_no && p.country == expected.country) {
        return Ok(Err(format!(
            "signed by a party that is not the waybill's {}",
            act.header.act_type.role().as_str()
        )));
    }
    Ok(Ok(()))
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
    let index = u64::try_from(head.seq).unwrap_or(u64::MAX);
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

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole HTML document around `body`.
fn page_html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
<meta name=viewport content=\"width=device-width,initial-scale=1\">\
<title>{title}</title>\
<style>body{{font-family:sans-serif;margin:1em}}\
h1.ok,h1.bad{{color:#fff;padding:.4em;border-radius:.2em}}h1.ok{{background:#060}}h1.bad{{background:#a00}}\
th{{text-align:left;padding-right:1em}}</style>\
</head><body>{body}</body></html>",
        title = escape(title),
    )
}

fn html(view: &RoadsideView) -> String {
    let (mark, class) = if view.valid_for_transport {
        ("✔", "ok")
    } else {
        ("✘", "bad")
    };
    let detail = if view.authentic {
        "Every signature is valid and the waybill is in the signed log."
    } else {
        "The checks below failed."
    };
    let party = |role: &str, p: &PartyFacts| {
        format!(
            "<tr><th>{role}</th><td>{} ({}, {})</td></tr>",
            escape(&p.name),
            escape(&p.reg_no),
            escape(&p.country)
        )
    };
    let trailer = view
        .transport
        .trailer_plate
        .as_deref()
        .map(|t| format!(" + {}", escape(t)))
        .unwrap_or_default();
    let problems: String = view
        .checks
        .problems
        .iter()
        .map(|p| format!("<li>{}</li>", escape(p)))
        .collect();
    let body = format!(
        "<h1 class={class}>{mark} {verdict}</h1><p>{detail}</p><ul>{problems}</ul>\
<h2>Waybill {number}</h2><table>\
<tr><th>Status</th><td>{status}</td></tr><tr><th>Issued</th><td>{issue_date}</td></tr>\
{consignor}{carrier}{consignee}\
<tr><th>Vehicle</th><td>{plate}{trailer} ({country})</td></tr>\
<tr><th>Goods</th><td>{lines} line(s), {weight} kg gross{excise}</td></tr>\
</table><p><small>Checked {at}</small></p>",
        verdict = escape(&view.verdict),
        number = escape(&view.waybill.number),
        status = escape(&view.waybill.status),
        issue_date = escape(&view.waybill.issue_date),
        consignor = party("Consignor", &view.consignor),
        carrier = party("Carrier", &view.carrier),
        consignee = party("Consignee", &view.consignee),
        plate = escape(&view.transport.vehicle_plate),
        country = escape(&view.transport.vehicle_country),
        lines = view.goods.lines,
        weight = escape(&view.goods.gross_weight_kg),
        excise = if view.goods.excise {
            ", excise goods"
        } else {
            ""
        },
        at = view
            .verified_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    page_html(&format!("Waybill {}", view.waybill.number), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_refills() {
        let limiter = Limiter::new(RateLimit {
            burst: 3,
            per_minute: 60,
        });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1));
        assert!(limiter.check(b, t0).is_ok(), "per client");
        assert!(limiter.check(a, t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_secs(1)).is_err());
    }

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
    fn only_issued_and_in_transit_are_valid_for_transport() {
        for status in Status::ALL {
            let (valid, headline) = verdict(true, status);
            let expected = matches!(status, Status::Issued | Status::InTransit);
            assert_eq!(valid, expected, "{status:?}");
            if expected {
                assert!(headline.starts_with("AUTHENTIC and VALID"), "{headline}");
            } else {
                assert!(headline.starts_with("Authentic, but "), "{headline}");
                assert!(headline.ends_with("NOT VALID for transport"), "{headline}");
            }
            let (valid, headline) = verdict(false, status);
            assert!(!valid);
            assert!(headline.starts_with("NOT AUTHENTIC"), "{headline}");
        }
        assert_eq!(
            verdict(true, Status::Cancelled).1,
            "Authentic, but CANCELLED by the consignor: NOT VALID for transport"
        );
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

    #[test]
    fn html_escapes() {
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
