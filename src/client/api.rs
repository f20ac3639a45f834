//! HTTP calls to an ewaybill server with an access token.

use crate::problem_code::ProblemCode;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed: the server was
    /// not reached, timed out, or was briefly unable to answer.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport { .. } => true,
            ClientError::Refused { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
                    // The first send of the same request is still running.
                    || self.code() == Some(ProblemCode::IdempotencyKeyInProgress.as_str())
            }
            ClientError::Sign(_) => false,
        }
    }

    /// A readable account for a person at a terminal: the problem's title,
    /// detail and every field error on its own line.
    pub fn describe(&self) -> String {
        match self {
            ClientError::Refused { status, body, .. } if body.is_object() => {
                format!("{} ({status})", super::problem::describe(body))
            }
            ClientError::Refused { url, status, body } => {
                format!("{status} from {url}: {body}")
            }
            ClientError::Transport { url, source } => {
                let mut text = format!("cannot reach {url}: {source}");
                let mut cause = std::error::Error::source(source);
                while let Some(inner) = cause {
                    text.push_str(&format!(": {inner}"));
                    cause = inner.source();
                }
                text
            }
            ClientError::Sign(e) => format!("cannot sign: {e}"),
        }
    }
}

/// The `Idempotency-Key` for a request body: the same bytes always get the
/// same key, so a retry after a lost response is answered with the
/// original response instead of being applied twice.
pub fn idempotency_key(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
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

    /// A fresh access token, for long runs that outlive the first one.
    pub async fn refresh(&mut self, key: &KeyPair) -> Result<(), ClientError> {
        let fresh = Self::login(&self.base, key).await?;
        self.token = fresh.token;
        Ok(())
    }

    /// A POST that is safe to repeat: `body` is sent as is with an
    /// `Idempotency-Key` derived from it.
    pub async fn post_idempotent(
        &self,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{}", self.base, path);
        let request = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .header("Idempotency-Key", idempotency_key(&body))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body);
        Self::answer(url, request).await
    }

    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, ClientError> {
        self.send(Method::POST, path, Some(body)).await
    }

    /// A GET of a representation that is not JSON (the printable PDF):
    /// its bytes, with `Accept-Language` when `language` is given. A
    /// non-2xx answer is an error carrying the problem body, as for
    /// [`send`](Self::send).
    pub async fn get_bytes(
        &self,
        path: &str,
        language: Option<&str>,
    ) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{}", self.base, path);
        let mut request = self.http.get(&url).bearer_auth(&self.token);
        if let Some(language) = language {
            request = request.header(reqwest::header::ACCEPT_LANGUAGE, language);
        }
        let transport = |source| ClientError::Transport {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(ClientError::Refused {
            url,
            status,
            body: body_of(String::from_utf8_lossy(&bytes).into_owned()),
        })
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
        Self::answer(url, request).await
    }

    async fn answer(url: String, request: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        let transport = |source| ClientError::Transport {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let body = body_of(response.text().await.map_err(transport)?);
        if status.is_success() {
            Ok(body)
        } else {
            Err(ClientError::Refused { url, status, body })
        }
    }
}

/// An answer's body: its JSON, or the text as a JSON string.
fn body_of(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}
