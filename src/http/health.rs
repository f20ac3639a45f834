//! Liveness and readiness for orchestrators; no authentication.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::state::AppState;
use crate::ledger::integrity::Verdict;

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
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthView {
        status: "ok",
        database: None,
        detail: None,
    })
}

/// The service can serve requests: its database answers and its stored log
/// matches its signed tree (503 with the first bad entry otherwise).
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = HealthView), (status = 503, body = HealthView)), security(()))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let backend = state.config.database.backend_name();
    let probe = web::block(move || -> Result<(), String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    if state.log_health.verdict() == Verdict::Inconsistent {
        return HttpResponse::ServiceUnavailable().json(HealthView {
            status: "log_inconsistent",
            database: Some(backend),
            detail: state.log_health.problem(),
        });
    }
    match probe {
        Ok(Ok(())) => HttpResponse::Ok().json(HealthView {
            status: "ready",
            database: Some(backend),
            detail: None,
        }),
        Ok(Err(e)) => HttpResponse::ServiceUnavailable().json(HealthView {
            status: "unavailable",
            database: Some(backend),
            detail: Some(e),
        }),
        Err(_) => HttpResponse::ServiceUnavailable().json(HealthView {
            status: "unavailable",
            database: Some(backend),
            detail: Some("probe did not finish".into()),
        }),
    }
}
