//! What every client command needs: which server, which key, and a
//! logged-in [`ApiClient`].

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;
use serde_json::Value;
use uuid::Uuid;

use crate::client::{ApiClient, ClientError, read_key};
use crate::crypto::KeyPair;

/// Where the client commands look for the service unless told otherwise.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// Your party's private key file (from `ewaybill keygen`).
    #[arg(long, short, env = "EWAYBILL_KEY")]
    pub key: Option<PathBuf>,
    /// The ewaybill service's address.
    #[arg(long, env = "EWAYBILL_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,
}

impl ServerArgs {
    pub fn read_key(&self) -> anyhow::Result<KeyPair> {
        let path = self
            .key
            .as_ref()
            .ok_or_else(|| anyhow!("a key is required: pass --key FILE or set EWAYBILL_KEY"))?;
        Ok(read_key(path)?)
    }

    pub async fn login(&self, key: &KeyPair) -> anyhow::Result<ApiClient> {
        ApiClient::login(&self.server, key)
            .await
            .map_err(human)
            .with_context(|| format!("logging in to {}", self.server))
    }
}

/// A waybill as the server shows it to the caller (`GET /v1/waybills/{id}`).
pub async fn get_waybill(client: &ApiClient, id: Uuid) -> anyhow::Result<Value> {
    client
        .get(&format!("/v1/waybills/{id}"))
        .await
        .map_err(human)
}

/// A client error as a readable one-paragraph error.
pub fn human(e: ClientError) -> anyhow::Error {
    anyhow!(e.describe())
}
