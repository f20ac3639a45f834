//! HTTP calls to an ewaybill server with an access token.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::crypto::KeyPair;

use super::signing::client_assertion;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach {url}")]
    Transport { url: String, source: reqwest::Error },
    #[error("{status} from {url}: {body}")]
    Refused {
        url: String,
        status: StatusCode,
        body: Value,
    },
    #[error("cannot sign: {0}")]
    Sign(#[from] crate::crypto::CryptoError),
}

impl ClientError {
    /// The problem `code` the server answered with, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { body, .. } => body.get("code").and_then(Value::as_str),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ApiClient {
    /// Proves possession of `key` and keeps the access token.
    pub async fn login(base: &str, key: &KeyPair) -> Result<Self, ClientError> {
        let http = reqwest::Client::new();
        let base = base.trim_end_matches('/').to_owned();
        let mut client = Self {
            http,
            base,
            token: String::new(),
        };
        let assertion = client_assertion(key)?;
        let answer = client
            .send(
                Method::POST,
                "/v1/auth/token",
                Some(json!({ "assertion": assertion })),
            )
            .await?;
        client.token = answer["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok(client)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, ClientError> {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Any call; a non-2xx answer is an error carrying the problem body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{}", self.base, path);
        let mut request = self.http.request(method, &url);
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let transport = |source| ClientError::Transport {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let text = response.text().await.map_err(transport)?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            Ok(body)
        } else {
            Err(ClientError::Refused { url, status, body })
        }
    }
}
