//! Sends batches of signed `consignor.issue` acts to
//! `POST /v1/waybills:batch` and reads the per-item answers.
//!
//! Acts are signed just before sending (the server wants `signed_at`
//! within minutes). A failed or lost answer is retried with the very same
//! bytes and therefore the same `Idempotency-Key`; whatever happens, the
//! waybill ids never change, so nothing can be issued twice.

use crate::problem_code::ProblemCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::client::{ApiClient, ClientError, sign_act};
use crate::crypto::KeyPair;

use super::journal::Status;

pub const BATCH_PATH: &str = "/v1/waybills:batch";
/// The most items the server takes in one batch.
pub const MAX_BATCH: usize = 1000;
/// Sends of the same batch before giving up (1 + retries).
const ATTEMPTS: u32 = 5;
const TIMEOUT: Duration = Duration::from_secs(300);

/// A document ready to go.
pub struct Item<'a> {
    pub number: &'a str,
    pub waybill_id: Uuid,
    pub document: &'a Value,
}

/// The server's answer for one item.
#[derive(Debug)]
pub struct ItemAnswer {
    pub status: Status,
    pub waybill_id: Option<Uuid>,
    /// The problem details of a rejected item.
    pub problem: Option<Value>,
}

#[derive(Debug)]
pub enum BatchError {
    /// The request is larger than the server takes: send fewer at once.
    TooLarge,
    Failed(anyhow::Error),
}

pub struct Sender<'k> {
    pub client: ApiClient,
    pub key: &'k KeyPair,
}

impl Sender<'_> {
    /// Signs and sends one batch; the answers are in item order.
    pub async fn send(&mut self, items: &[Item<'_>]) -> Result<Vec<ItemAnswer>, BatchError> {
        let now = Utc::now();
        let envelopes = items
            .iter()
            .map(|item| {
                sign_act(
                    self.key,
                    "consignor.issue",
                    item.waybill_id,
                    None,
                    item.document.clone(),
                    now,
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BatchError::Failed(e.into()))?;
        let body = serde_json::to_vec(&envelopes).map_err(|e| BatchError::Failed(e.into()))?;
        let answer = self.post(body).await?;
        read_answer(&answer, items.len()).map_err(BatchError::Failed)
    }

    async fn post(&mut self, body: Vec<u8>) -> Result<Value, BatchError> {
        let mut attempt = 1;
        let mut refreshed = false;
        loop {
            let error = match self
                .client
                .post_idempotent(BATCH_PATH, body.clone(), TIMEOUT)
                .await
            {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            match error.status() {
                Some(StatusCode::PAYLOAD_TOO_LARGE) => return Err(BatchError::TooLarge),
                Some(StatusCode::UNAUTHORIZED) if !refreshed => {
                    refreshed = true;
                    self.client
                        .refresh(self.key)
                        .await
                        .map_err(|e| BatchError::Failed(anyhow!(e.describe())))?;
                    continue;
                }
                Some(StatusCode::NOT_FOUND)
                    if error.code() == Some(ProblemCode::NoSuchRoute.as_str()) =>
                {
                    return Err(BatchError::Failed(anyhow!(
                        "this server has no batch endpoint (POST {BATCH_PATH}); it is too old for `ewaybill upload`"
                    )));
                }
                _ => {}
            }
            if error.is_transient() && attempt < ATTEMPTS {
                let wait = Duration::from_secs(1 << attempt);
                eprintln!(
                    "{}; sending the same batch again in {} s",
                    summary(&error),
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Err(BatchError::Failed(anyhow!(error.describe())));
        }
    }
}

fn summary(error: &ClientError) -> String {
    error
        .describe()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Reads `{"items": [{"index", "status", "waybill_id", "problem"}], ...}`;
/// every item sent must be answered exactly once.
fn read_answer(answer: &Value, sent: usize) -> anyhow::Result<Vec<ItemAnswer>> {
    let items = answer["items"]
        .as_array()
        .ok_or_else(|| anyhow!("the batch answer has no items: {answer}"))?;
    let mut answers: Vec<Option<ItemAnswer>> = (0..sent).map(|_| None).collect();
    for item in items {
        let index = item["index"]
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < sent)
            .ok_or_else(|| anyhow!("a batch answer item has no valid index: {item}"))?;
        let status = match item["status"].as_str() {
            Some("created") => Status::Created,
            Some("existed") => Status::Existed,
            Some("rejected") => Status::Rejected,
            other => bail!("unknown item status {other:?} in the batch answer"),
        };
        let waybill_id = item["waybill_id"]
            .as_str()
            .map(Uuid::parse_str)
            .transpose()
            .context("a waybill_id in the batch answer is not a UUID")?;
        let problem = item.get("problem").filter(|p| p.is_object()).cloned();
        if answers[index]
            .replace(ItemAnswer {
                status,
                waybill_id,
                problem,
            })
            .is_some()
        {
            bail!("the batch answer lists item {index} twice");
        }
    }
    answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.ok_or_else(|| anyhow!("the batch answer has no item {i}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_put_back_in_item_order() {
        let id = Uuid::now_v7();
        let answer = json!({
            "items": [
                {"index": 1, "status": "rejected", "waybill_id": null,
                 "problem": {"code": "validation_failed", "errors": []}},
                {"index": 0, "status": "existed", "waybill_id": id.to_string(), "result": {}}
            ],
            "created": 0, "existed": 1, "rejected": 1
        });
        let answers = read_answer(&answer, 2).unwrap();
        assert_eq!(answers[0].status, Status::Existed);
        assert_eq!(answers[0].waybill_id, Some(id));
        assert_eq!(answers[1].status, Status::Rejected);
        assert_eq!(
            answers[1].problem.as_ref().unwrap()["code"],
            "validation_failed"
        );
    }

    #[test]
    fn incomplete_or_odd_answers_are_refused() {
        let one = |index: u64, status: &str| json!({"index": index, "status": status});
        assert!(read_answer(&json!({"items": [one(0, "created")]}), 2).is_err());
        assert!(read_answer(&json!({"items": [one(0, "created"), one(0, "created")]}), 1).is_err());
        assert!(read_answer(&json!({"items": [one(5, "created")]}), 1).is_err());
        assert!(read_answer(&json!({"items": [one(0, "maybe")]}), 1).is_err());
        assert!(read_answer(&json!({"error": "x"}), 1).is_err());
    }
}
