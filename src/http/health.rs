//! Liveness and readiness for orchestrators; no authentication.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::state::AppState;
use crate::ledger::integrity::Verdict;
use crate::storage::StorageError;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = HealthView)), security(()))]
#[get("/healthz")]
#[tracing::instrument(skip_all)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthView {
        status: "ok",
        database: None,
        detail: None,
    })
}

/// Longest `/readyz` takes to answer, whatever the database does.
const READY_WITHIN: Duration = Duration::from_millis(900);

/// The service can serve requests: its database answers and its stored log
/// matches its signed tree (503 with the first bad entry otherwise). It
/// answers within a second: a database that does not answer by then is
/// unavailable. Why the database failed is logged, not shown.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = HealthView), (status = 503, body = HealthView)), security(()))]
#[get("/readyz")]
#[tracing::instrument(skip_all)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let backend = state.config.database.backend_name();
    let probe = web::block(move || -> Result<(), StorageError> {
        let mut conn = pool.get_timeout(READY_WITHIN)?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    });
    let probe = tokio::time::timeout(READY_WITHIN, probe).await;
    if state.log_health.verdict() == Verdict::Inconsistent {
        return HttpResponse::ServiceUnavailable().json(HealthView {
            status: "log_inconsistent",
            database: Some(backend),
            detail: state.log_health.problem(),
        });
    }
    let failure = match probe {
        Ok(Ok(Ok(()))) => {
            // Ready either way; the note tells the operator what a phone
            // scanning a roadside QR code would be sent to.
            let detail = state.config.public_url.is_none().then(|| {
                "EWAYBILL_PUBLIC_URL is not set: roadside QR links point at the listen address"
                    .to_owned()
            });
            return HttpResponse::Ok().json(HealthView {
                status: "ready",
                database: Some(backend),
                detail,
            });
        }
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(e)) => format!("the probe did not finish: {e}"),
        Err(_) => format!("no answer within {} ms", READY_WITHIN.as_millis()),
    };
    tracing::warn!(error = %failure, "not ready: the database is unavailable");
    HttpResponse::ServiceUnavailable().json(HealthView {
        status: "unavailable",
        database: Some(backend),
        detail: Some("the database is not reachable".into()),
    })
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
