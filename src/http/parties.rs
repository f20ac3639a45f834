//! Parties and their keys: managed by the operator; a party may also add and
//! revoke its own keys (rotation without calling the operator).

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::PublicKey;
use crate::domain::field_error::FieldError;
use crate::domain::ids::{KeyId, LogIndex, PartyId};
use crate::domain::party::PartyKind;
use crate::domain::validation::check_text;
use crate::ledger::commands::NewParty;
use crate::ledger::{Command, Outcome};
use crate::storage::keys::KeyRow;
use crate::storage::parties::PartyRow;
use crate::storage::{keys, parties, time};

use super::access::{may_see_party, party_not_found, require_operator};
use super::auth::Caller;
use super::input::{Json, Query, path_text};
use super::problem::{ApiError, Problem};
use super::receipts::{LogReceipt, receipt};
use super::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartyRequest {
    pub kind: PartyKind,
    #[schema(example = "Aldaris brewery")]
    pub name: String,
    /// Registration number in the national company register.
    #[schema(example = "40003032065")]
    pub reg_no: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "LV")]
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PartyView {
    pub id: String,
    pub kind: PartyKind,
    pub name: String,
    pub reg_no: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Position of the registration in the event log.
    pub log_seq: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl PartyView {
    fn from_row(row: PartyRow) -> Result<Self, ApiError> {
        Ok(Self {
            kind: PartyKind::parse(&row.kind)
                .map_err(|e| ApiError::internal_from(e, "stored party kind unreadable"))?,
            id: row.id.into_string(),
            name: row.name,
            reg_no: row.reg_no,
            country: row.country,
            vat_no: row.vat_no,
            address: row.address,
            log_seq: row.log_seq.get(),
            created_at: time::from_db(row.created_at),
        })
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyRequest {
    /// Raw 32-byte Ed25519 public key, base64url without padding.
    #[schema(example = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")]
    pub public_key: String,
    #[schema(example = "ERP integration 2026")]
    pub label: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct KeyView {
    /// RFC 7638 JWK thumbprint (SHA-256, base64url) of the RFC 8037 OKP JWK.
    #[schema(example = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")]
    pub key_id: String,
    pub party_id: String,
    pub public_key: String,
    pub label: String,
    pub active: bool,
    pub registered_seq: i64,
    pub registered_at: chrono::DateTime<chrono::Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A registered party and the receipt of its registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyCreated {
    #[serde(flatten)]
    pub party: PartyView,
    pub receipt: LogReceipt,
}

/// A key after registration or revocation, with the receipt of the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyChanged {
    #[serde(flatten)]
    pub key: KeyView,
    pub receipt: LogReceipt,
}

impl From<KeyRow> for KeyView {
    fn from(row: KeyRow) -> Self {
        Self {
            active: row.is_active(),
            key_id: row.key_id.into_string(),
            party_id: row.party_id.into_string(),
            public_key: row.public_key,
            label: row.label,
            registered_seq: row.registered_seq.get(),
            registered_at: time::from_db(row.registered_at),
            revoked_seq: row.revoked_seq.map(LogIndex::get),
            revoked_at: row.revoked_at.map(time::from_db),
        }
    }
}

fn validate_party(req: &CreatePartyRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if req.kind == PartyKind::Operator {
        errors.push(FieldError::new(
            "kind",
            "invalid_value",
            "kind must be company, authority or auditor; the operator is created at bootstrap",
        ));
    }
    check_text(&mut errors, "name", &req.name, 200);
    check_text(&mut errors, "reg_no", &req.reg_no, 40);
    check_country(&mut errors, &req.country);
    errors
}

fn check_country(errors: &mut Vec<FieldError>, country: &str) {
    if isocountry::CountryCode::for_alpha2(country).is_err() {
        errors.push(FieldError::new(
            "country",
            "invalid_country",
            "country must be an ISO 3166-1 alpha-2 code, e.g. LV",
        ));
    }
}

/// Register a company or an authority (operator only).
#[utoipa::path(
    post, path = "/v1/parties", tag = "parties",
    request_body = CreatePartyRequest,
    responses(
        (status = 201, description = "Party registered", body = PartyCreated),
        (status = 403, description = "Not the operator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "reg_no and country already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/parties")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn create_party(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreatePartyRequest>,
) -> Result<HttpResponse, ApiError> {
    require_operator(&caller)?;
    let req = body.into_inner();
    let errors = validate_party(&req);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let committed = state
        .sequencer
        .submit(Command::CreateParty {
            party: NewParty {
                kind: req.kind,
                name: req.name.trim().to_owned(),
                reg_no: req.reg_no.trim().to_owned(),
                country: req.country,
                vat_no: req.vat_no,
                address: req.address,
            },
            requested_by: caller.key_id,
        })
        .await?;
    let receipt = receipt(&state, &committed).await?;
    let Outcome::Party { party, .. } = committed.outcome else {
        return Err(ApiError::internal(
            "a party registration committed with another outcome",
        ));
    };
    let view = PartyView::from_row(party)?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/parties/{}", view.id)))
        .json(PartyCreated {
            party: view,
            receipt,
        }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartyQuery {
    pub reg_no: Option<String>,
    pub country: Option<String>,
    /// `log_seq` of the last party of the previous page.
    pub after: Option<i64>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<u32>,
}

/// List parties in registration order, optionally by registration (operator only).
#[utoipa::path(
    get, path = "/v1/parties", tag = "parties",
    params(PartyQuery),
    responses(
        (status = 200, body = [PartyView]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/parties")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn list_parties(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<PartyQuery>,
) -> Result<HttpResponse, ApiError> {
    require_operator(&caller)?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 100, 500)?;
    let rows = state
        .db(move |conn| {
            Ok(parties::list(
                conn,
                query.reg_no.as_deref(),
                query.country.as_deref(),
                query.after.map(LogIndex::from),
                i64::from(limit),
            )?)
        })
        .await?;
    party_list(rows)
}

/// A 200 with the parties as views.
fn party_list(rows: Vec<PartyRow>) -> Result<HttpResponse, ApiError> {
    let views = rows
        .into_iter()
        .map(PartyView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompanyQuery {
    /// The company's registration number, exactly as registered.
    pub reg_no: String,
    /// ISO 3166-1 alpha-2; without it, the companies of every country with
    /// that number.
    pub country: Option<String>,
}

/// Find a registered company by its registration number (any signed-in
/// party), e.g. to fill in a waybill's consignee or carrier. Only an exact
/// number finds anything, so the register cannot be listed this way; an
/// unknown number gives an empty list. Authorities and the operator are
/// not companies and are never found here.
#[utoipa::path(
    get, path = "/v1/companies", tag = "parties",
    params(CompanyQuery),
    responses(
        (status = 200, body = [PartyView]),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/companies")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn find_companies(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<CompanyQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "reg_no", &query.reg_no, 40);
    if let Some(country) = &query.country {
        check_country(&mut errors, country);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let rows = state
        .db(move |conn| {
            Ok(parties::companies_by_reg_no(
                conn,
                &query.reg_no,
                query.country.as_deref(),
            )?)
        })
        .await?;
    party_list(rows)
}

/// Read a party (the operator, or the party itself).
#[utoipa::path(
    get, path = "/v1/parties/{id}", tag = "parties",
    params(("id" = String, Path, description = "Party id")),
    responses(
        (status = 200, body = PartyView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/parties/{id}")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, target = %path))]
pub async fn get_party(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = PartyId::from(path.into_inner());
    path_text("id", &id)?;
    may_see_party(&caller, &id)?;
    let row = state
        .db(move |conn| Ok(parties::find(conn, &id)?))
        .await?
        .ok_or_else(party_not_found)?;
    Ok(HttpResponse::Ok().json(PartyView::from_row(row)?))
}

/// The caller's own party.
#[utoipa::path(
    get, path = "/v1/me", tag = "parties",
    responses((status = 200, body = PartyView)),
    security(("bearer" = []))
)]
#[get("/v1/me")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller.party_id.clone();
    let row = state
        .db(move |conn| Ok(parties::find(conn, &id)?))
        .await?
        .ok_or_else(|| ApiError::internal("the calling party is not stored"))?;
    Ok(HttpResponse::Ok().json(PartyView::from_row(row)?))
}

/// Register a public key for a party (the operator, or an active key of that party).
#[utoipa::path(
    post, path = "/v1/parties/{id}/keys", tag = "parties",
    params(("id" = String, Path, description = "Party id")),
    request_body = RegisterKeyRequest,
    responses(
        (status = 201, body = KeyChanged),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/parties/{id}/keys")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, target = %path))]
pub async fn register_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<RegisterKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let party_id = PartyId::from(path.into_inner());
    path_text("id", &party_id)?;
    may_see_party(&caller, &party_id)?;
    let req = body.into_inner();
    let mut errors = Vec::new();
    let public_key = match PublicKey::from_base64url(&req.public_key) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError::new(
                "public_key",
                "invalid_public_key",
                format!(
                    "expected a raw 32-byte Ed25519 public key, base64url without padding: {e}"
                ),
            ));
            None
        }
    };
    if req.label.trim().is_empty() || req.label.chars().count() > 200 {
        errors.push(FieldError::new(
            "label",
            "required",
            "label must be 1 to 200 characters",
        ));
    }
    let (Some(public_key), true) = (public_key, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let committed = state
        .sequencer
        .submit(Command::RegisterKey {
            party_id: party_id.clone(),
            public_key,
            label: req.label.trim().to_owned(),
            requested_by: caller.key_id,
        })
        .await?;
    let receipt = receipt(&state, &committed).await?;
    let Outcome::Key { key, .. } = committed.outcome else {
        return Err(ApiError::internal(
            "a key change committed with another outcome",
        ));
    };
    let view = KeyChanged {
        key: KeyView::from(key),
        receipt,
    };
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/parties/{party_id}/keys/{}", view.key.key_id),
        ))
        .json(view))
}

/// List a party's keys, active and revoked.
#[utoipa::path(
    get, path = "/v1/parties/{id}/keys", tag = "parties",
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = [KeyView]), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/parties/{id}/keys")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, target = %path))]
pub async fn list_keys(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let party_id = PartyId::from(path.into_inner());
    path_text("id", &party_id)?;
    may_see_party(&caller, &party_id)?;
    let rows = state
        .db(move |conn| {
            if parties::find(conn, &party_id)?.is_none() {
                return Err(party_not_found());
            }
            Ok(keys::of_party(conn, &party_id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(KeyView::from).collect::<Vec<_>>()))
}

/// Revoke a key. Signatures it made before stay valid; new ones are refused.
/// A party cannot revoke its own last active key (register another one
/// first); the operator can.
#[utoipa::path(
    delete, path = "/v1/parties/{id}/keys/{key_id}", tag = "parties",
    params(("id" = String, Path, description = "Party id"), ("key_id" = String, Path, description = "Key id")),
    responses(
        (status = 200, description = "Revoked", body = KeyChanged),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked (`key_already_revoked`), or the caller's own party's last active key (`last_active_key`; the operator may revoke another party's last key)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/parties/{id}/keys/{key_id}")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id, target = %path.0, key = %path.1))]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (party_id, key_id) = path.into_inner();
    let (party_id, key_id) = (PartyId::from(party_id), KeyId::from(key_id));
    path_text("id", &party_id)?;
    path_text("key_id", &key_id)?;
    may_see_party(&caller, &party_id)?;
    let committed = state
        .sequencer
        .submit(Command::RevokeKey {
            party_id,
            key_id,
            requested_by: caller.key_id,
        })
        .await?;
    let receipt = receipt(&state, &committed).await?;
    let Outcome::Key { key, .. } = committed.outcome else {
        return Err(ApiError::internal(
            "a key change committed with another outcome",
        ));
    };
    Ok(HttpResponse::Ok().json(KeyChanged {
        key: KeyView::from(key),
        receipt,
    }))
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_party)
        .service(list_parties)
        .service(find_companies)
        .service(me)
        .service(get_party)
        .service(register_key)
        .service(list_keys)
        .service(revoke_key);
}
