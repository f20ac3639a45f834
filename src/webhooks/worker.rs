//! The delivery worker: takes due deliveries from the outbox (each the
//! earliest pending one of its webhook and waybill, so order per waybill
//! holds), POSTs the signed event, and records the attempt: delivered on a
//! 2xx, otherwise retried with exponential backoff until the attempts or
//! the age run out. It wakes when the sequencer commits and, failing that,
//! every poll interval (retries falling due, other instances' commits).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::WebhookSettings;
use crate::crypto::ServiceKey;
use crate::domain::ids::LogIndex;
use crate::metrics::WebhookMetrics;
use crate::storage::deliveries::{self, AttemptResult, Claimed};
use crate::storage::events::{self, EventRow};
use crate::storage::{DbPool, StorageError, time};
use crate::views::event::EventView;

use super::{backoff, signing, target};

/// Requests in flight at once per instance.
const CONCURRENCY: usize = 16;
/// Longest error text kept on a delivery.
const MAX_ERROR_LEN: usize = 500;
/// How often deliveries of deleted webhooks are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The body of every webhook request (its exact bytes are what is signed).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The same on every retry of this delivery: deduplicate on it.
    pub delivery_id: String,
    pub webhook_id: String,
    /// The act type, e.g. `carrier.accept`.
    pub event_type: String,
    pub waybill_id: String,
    /// The event's position in the log; increases along each waybill.
    pub seq: i64,
    /// The event exactly as `GET /v1/waybills/{id}/events` shows it.
    pub event: EventView,
}

struct Worker {
    pool: DbPool,
    key: Arc<ServiceKey>,
    settings: WebhookSettings,
    metrics: WebhookMetrics,
    client: reqwest::Client,
}

/// Starts the worker on the current tokio runtime. It stops when the
/// sequencer does (its commit signal closes).
pub fn spawn_worker(
    pool: DbPool,
    key: Arc<ServiceKey>,
    settings: WebhookSettings,
    metrics: WebhookMetrics,
    committed: watch::Receiver<u64>,
) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(settings.timeout_secs);
    let mut client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ewaybill-webhooks/", env!("CARGO_PKG_VERSION")));
    if !settings.allow_private {
        client = client.dns_resolver(Arc::new(target::PublicOnlyResolver));
    }
    let worker = Worker {
        pool,
        key,
        settings,
        metrics,
        client: client.build()?,
    };
    tokio::spawn(worker.run(committed));
    Ok(())
}

impl Worker {
    /// Keeps up to [`CONCURRENCY`] attempts in flight, taking more as soon
    /// as one ends (its waybill's next event may now be due), so a slow
    /// receiver holds up only its own slots.
    async fn run(self, mut committed: watch::Receiver<u64>) {
        let worker = Arc::new(self);
        let poll = Duration::from_millis(worker.settings.poll_ms);
        let mut last_sweep = Instant::now();
        let mut in_flight = JoinSet::new();
        loop {
            let free = CONCURRENCY - in_flight.len();
            let mut filled = false;
            if free > 0 {
                match worker.claim(free).await {
                    Ok(round) => {
                        filled = round.len() == free;
                        for (claimed, event) in round {
                            let worker = worker.clone();
                            in_flight.spawn(async move { worker.deliver(claimed, event).await });
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook worker could not read the outbox")
                    }
                }
            }
            if filled {
                // Possibly more waiting: claim again once a slot frees.
                if in_flight.join_next().await.is_some() {
                    continue;
                }
            }
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                changed = committed.changed() => {
                    if changed.is_err() {
                        tracing::info!("webhook worker stopping: the sequencer is gone");
                        while in_flight.join_next().await.is_some() {}
                        return;
                    }
                }
                _ = tokio::time::sleep(poll) => {}
            }
            if last_sweep.elapsed() >= SWEEP_EVERY {
                last_sweep = Instant::now();
                worker.sweep().await;
            }
        }
    }

    /// Takes due deliveries and the events they carry.
    async fn claim(&self, limit: usize) -> Result<Vec<(Claimed, Option<EventRow>)>, StorageError> {
        let pool = self.pool.clone();
        let lease = Uuid::new_v4().to_string();
        // Long enough for one attempt and the bookkeeping around it.
        let hold = Duration::from_secs(self.settings.timeout_secs + 30);
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let now = time::now();
            let until = now + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX);
            let claimed = deliveries::claim_due(
                &mut conn,
                time::to_db(now),
                &lease,
                time::to_db(until),
                i64::try_from(limit).unwrap_or(1),
            )?;
            let seqs: Vec<LogIndex> = claimed.iter().map(|c| c.delivery.seq).collect();
            let events: HashMap<LogIndex, EventRow> = events::by_seqs(&mut conn, &seqs)?
                .into_iter()
                .map(|e| (e.seq, e))
                .collect();
            Ok(claimed
                .into_iter()
                .map(|c| {
                    // Several webhooks may carry the same event: clone, not take.
                    let event = events.get(&c.delivery.seq).cloned();
                    (c, event)
                })
                .collect())
        })
        .await
        .map_err(|e| StorageError::Connect(format!("webhook worker task: {e}")))?
    }

    async fn deliver(&self, claimed: Claimed, event: Option<EventRow>) {
        let attempt = claimed.delivery.attempts.saturating_add(1);
        let started = Instant::now();
        let outcome = match event {
            Some(event) => self.send(&claimed, event, attempt).await,
            None => Err("the event is missing from the log".to_owned()),
        };
        self.metrics
            .attempt_seconds
            .observe(started.elapsed().as_secs_f64());
        let result = self.judge(&claimed, attempt, outcome);
        let label = match result.state {
            deliveries::DELIVERED => "delivered",
            deliveries::FAILED => "failed",
            _ => "retry",
        };
        self.metrics.attempts.with_label_values(&[label]).inc();
        if result.state != deliveries::DELIVERED {
            tracing::info!(
                delivery = %claimed.delivery.id, attempt, outcome = label,
                status = ?result.status, error = ?result.error, "webhook attempt failed"
            );
        }
        let pool = self.pool.clone();
        let id = claimed.delivery.id.clone();
        let recorded = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            deliveries::record_attempt(&mut conn, &claimed, &result)
        })
        .await;
        match recorded {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => {
                tracing::warn!(delivery = %id, "webhook lease lost before the attempt was recorded")
            }
            Ok(Err(e)) => {
                tracing::error!(delivery = %id, error = %e, "recording a webhook attempt")
            }
            Err(e) => tracing::error!(delivery = %id, error = %e, "recording a webhook attempt"),
        }
    }

    /// One POST; the status code, or why there was none.
    async fn send(&self, claimed: &Claimed, event: EventRow, attempt: i32) -> Result<u16, String> {
        let d = &claimed.delivery;
        let payload = WebhookPayload {
            delivery_id: d.id.clone(),
            webhook_id: d.webhook_id.clone(),
            event_type: d.event_type.clone(),
            waybill_id: d.waybill_id.to_string(),
            seq: d.seq.get(),
            event: EventView::from_row(event).map_err(|e| e.to_string())?,
        };
        let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
        let url = reqwest::Url::parse(&claimed.url).map_err(|e| format!("invalid URL: {e}"))?;
        if !self.settings.allow_private && target::literal_blocked(&url) {
            return Err("the URL points at a private address".into());
        }
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signing::SIGNATURE_HEADER, signing::sign(&self.key, &body))
            .header(signing::KEY_ID_HEADER, self.key.key_id())
            .header(signing::DELIVERY_ID_HEADER, &d.id)
            .header(signing::EVENT_SEQ_HEADER, d.seq.to_string())
            .header(signing::ATTEMPT_HEADER, attempt.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(response.status().as_u16())
    }

    /// Delivered, retried later, or given up.
    fn judge(
        &self,
        claimed: &Claimed,
        attempt: i32,
        outcome: Result<u16, String>,
    ) -> AttemptResult {
        let now = time::now();
        let (status, error) = match outcome {
            Ok(code) if (200..300).contains(&code) => {
                return AttemptResult {
                    state: deliveries::DELIVERED,
                    status: Some(i32::from(code)),
                    error: None,
                    at: time::to_db(now),
                    next_attempt_at: time::to_db(now),
                };
            }
            Ok(code) => (Some(i32::from(code)), Some(format!("HTTP {code}"))),
            Err(e) => (None, Some(truncate(e))),
        };
        let s = &self.settings;
        let age = now - time::from_db(claimed.delivery.created_at);
        let too_old = age.num_seconds() >= i64::try_from(s.max_age_secs).unwrap_or(i64::MAX);
        let attempts = u32::try_from(attempt).unwrap_or(u32::MAX);
        let give_up = attempts >= s.max_attempts || too_old;
        let wait = backoff::delay(
            attempts,
            Duration::from_millis(s.backoff_ms),
            Duration::from_secs(s.max_backoff_secs),
            backoff::random_unit(),
        );
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        AttemptResult {
            state: if give_up {
                deliveries::FAILED
            } else {
                deliveries::PENDING
            },
            status,
            error,
            at: time::to_db(now),
            next_attempt_at: time::to_db(if give_up { now } else { next }),
        }
    }

    async fn sweep(&self) {
        let pool = self.pool.clone();
        let swept = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            deliveries::sweep_orphans(&mut conn)
        })
        .await;
        match swept {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(swept = n, "deliveries of deleted webhooks removed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "sweeping orphaned deliveries"),
            Err(e) => tracing::warn!(error = %e, "sweeping orphaned deliveries"),
        }
    }
}

/// A transport error in words, with its causes (reqwest's own message
/// alone rarely says what went wrong).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_ERROR_LEN {
        let mut cut = MAX_ERROR_LEN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let text = "ā".repeat(MAX_ERROR_LEN);
        let cut = truncate(text);
        assert!(cut.len() <= MAX_ERROR_LEN);
        assert!(cut.chars().all(|c| c == 'ā'));
        assert_eq!(truncate("short".into()), "short");
    }
}
