//! What every handler can reach.

use std::sync::Arc;

use actix_web::web;

use crate::config::Config;
use crate::crypto::ServiceKey;
use crate::ledger::Sequencer;
use crate::ledger::integrity::LogHealth;
use crate::ledger::merkle_log::LogIdentity;
use crate::storage::{DbConnection, DbPool};

use super::problem::ApiError;
use super::tokens::TokenIssuer;

pub struct AppState {
    pub pool: DbPool,
    pub sequencer: Sequencer,
    pub service_key: Arc<ServiceKey>,
    pub log: Arc<LogIdentity>,
    pub log_health: Arc<LogHealth>,
    pub tokens: TokenIssuer,
    pub config: Arc<Config>,
    /// The risk engine, kept in step with the ledger.
    pub risk: Arc<crate::risk::live::LiveRisk>,
    /// Token buckets of the roadside verification endpoint.
    pub roadside_limiter: crate::rate_limit::Limiter,
}

impl AppState {
    /// Runs blocking database work off the async workers.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(crate::storage::StorageError::from)?;
            work(&mut conn)
        })
        .await?
    }
}
