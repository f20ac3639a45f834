//! Prometheus metrics of the ledger itself (HTTP metrics come from the
//! middleware). One registry per app instance, so tests stay independent.

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct LedgerMetrics {
    /// Commands per group-commit transaction.
    pub batch_size: Histogram,
    /// Time from BEGIN to COMMIT of one batch.
    pub batch_seconds: Histogram,
    /// Commands committed, by kind.
    pub committed: IntCounterVec,
    /// Commands refused, by kind.
    pub rejected: IntCounterVec,
    /// 1 when the stored events match the signed tree, 0 when they do not,
    /// -1 until the check has run.
    pub log_consistent: IntGauge,
}

impl LedgerMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let batch_size = histogram(
            registry,
            "ewaybill_sequencer_batch_size",
            "Commands committed together in one transaction",
            vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
        )?;
        let batch_seconds = histogram(
            registry,
            "ewaybill_sequencer_batch_seconds",
            "Duration of one group-commit transaction",
            prometheus::exponential_buckets(0.0005, 2.0, 14)?,
        )?;
        let committed = counter_vec(
            registry,
            "ewaybill_commands_committed_total",
            "Commands committed",
            "kind",
        )?;
        let rejected = counter_vec(
            registry,
            "ewaybill_commands_rejected_total",
            "Commands refused",
            "kind",
        )?;
        let log_consistent = IntGauge::new(
            "ewaybill_log_consistent",
            "1 if every stored event matches the signed Merkle tree, 0 if not, -1 while unchecked",
        )?;
        log_consistent.set(-1);
        let log_consistent = registered(registry, log_consistent)?;
        Ok(Self {
            batch_size,
            batch_seconds,
            committed,
            rejected,
            log_consistent,
        })
    }
}

/// Webhook delivery: attempts by outcome, and how long receivers take.
#[derive(Clone)]
pub struct WebhookMetrics {
    /// Attempts, by outcome: `delivered`, `retry` (failed, will retry),
    /// `failed` (failed, given up).
    pub attempts: IntCounterVec,
    /// Duration of one delivery request.
    pub attempt_seconds: Histogram,
}

impl WebhookMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let attempts = counter_vec(
            registry,
            "ewaybill_webhook_attempts_total",
            "Webhook delivery attempts, by outcome (delivered, retry, failed)",
            "outcome",
        )?;
        let attempt_seconds = histogram(
            registry,
            "ewaybill_webhook_attempt_seconds",
            "Duration of one webhook delivery request",
            prometheus::exponential_buckets(0.005, 2.0, 12)?,
        )?;
        Ok(Self {
            attempts,
            attempt_seconds,
        })
    }
}

/// `metric`, registered in `registry`; the handle kept is the registered one.
fn registered<M: Collector + Clone + 'static>(
    registry: &Registry,
    metric: M,
) -> prometheus::Result<M> {
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

/// A histogram with these buckets, registered in `registry`.
fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    buckets: Vec<f64>,
) -> prometheus::Result<Histogram> {
    registered(
        registry,
        Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))?,
    )
}

/// A counter with one label, registered in `registry`.
fn counter_vec(
    registry: &Registry,
    name: &str,
    help: &str,
    label: &str,
) -> prometheus::Result<IntCounterVec> {
    registered(
        registry,
        IntCounterVec::new(Opts::new(name, help), &[label])?,
    )
}
