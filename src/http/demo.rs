//! The demo's test-only key files, for the web app's sign-in page: a
//! newcomer who ran `ewaybill demo` signs in as the brewery, the carrier,
//! the grocery chain or the police with one click. The keys are publicly
//! known (they are committed in `fixtures/keys/`), so serving them without
//! a token gives nothing away; on a service not started by `ewaybill demo`
//! the endpoint answers `404 not_demo` and the page shows nothing of this.

use actix_web::{HttpResponse, get, http::header, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::config::DemoKeyFile;
use crate::problem_code::ProblemCode;

/// The words every client shows next to the demo keys.
pub const WARNING: &str = "TEST-ONLY keys: their secrets are public. Anyone can sign with them. \
Never register them on a production service.";

/// The demo parties' key files.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemoKeysView {
    /// Show this next to the keys.
    #[schema(example = "TEST-ONLY keys: their secrets are public. ...")]
    pub warning: &'static str,
    /// One per demo party, in the order of `fixtures/parties.json`.
    pub keys: Vec<DemoKeyView>,
}

/// One demo party and its test-only key file.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemoKeyView {
    /// The party's handle in the fixtures.
    #[schema(example = "brewery")]
    pub handle: String,
    /// `company`, `authority` or `oversight`.
    #[schema(example = "company")]
    pub kind: String,
    /// The party's registered name.
    #[schema(example = "Demo Brewery SIA")]
    pub name: String,
    /// The key id (RFC 7638 thumbprint).
    pub key_id: String,
    /// The key file's text, as `ewaybill login --key` reads it (one line:
    /// the 32-byte Ed25519 seed, unpadded base64url).
    pub key_file: String,
}

impl From<&DemoKeyFile> for DemoKeyView {
    fn from(file: &DemoKeyFile) -> Self {
        Self {
            handle: file.handle.clone(),
            kind: file.kind.clone(),
            name: file.name.clone(),
            key_id: file.key_id.clone(),
            key_file: file.key_file.clone(),
        }
    }
}

/// The demo parties' test-only key files (only on a service started by
/// `ewaybill demo`; `404 not_demo` everywhere else). No token: the keys are
/// public test fixtures.
#[utoipa::path(get, path = "/v1/demo/keys", tag = "demo",
    responses(
        (status = 200, body = DemoKeysView),
        (status = 404, description = "Not a demo service (`not_demo`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(()))]
#[get("/v1/demo/keys")]
#[tracing::instrument(skip_all)]
pub async fn demo_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let files = &state.config.demo_keys;
    if files.is_empty() {
        return Err(ApiError::not_found(
            ProblemCode::NotDemo,
            "this service was not started by `ewaybill demo`, so it offers no demo keys",
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DemoKeysView {
            warning: WARNING,
            keys: files.iter().map(DemoKeyView::from).collect(),
        }))
}

pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(demo_keys);
}
