//! The single writer. Requests queue commands; one thread takes everything
//! queued (up to `max_batch`), applies each command inside its own savepoint
//! of one transaction, commits once (one fsync for the whole batch) and only
//! then answers. While a batch commits, the next one queues up, so under load
//! batches grow by themselves and latency stays near one commit.
//!
//! Ordering lives here and only here: sequence numbers are assigned inside
//! the transaction after taking the log's write lock (see
//! [`crate::storage::events::begin_batch`]), so two processes sharing one
//! PostgreSQL database still produce one gap-free order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::crypto::ServiceKey;
use crate::metrics::LedgerMetrics;
use crate::storage::{DbConnection, DbPool, StorageError, events};

use super::batch_view::BatchView;
use super::commands::{Command, Committed, Outcome, PreparedAct, WriteError};
use super::merkle_log::{self, LogIdentity};
use super::{apply, registry};

#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Most commands in one transaction.
    pub max_batch: usize,
    /// Most commands waiting; beyond it submitters wait for room (backpressure).
    pub queue_depth: usize,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            queue_depth: 4096,
        }
    }
}

struct Job {
    command: Command,
    reply: oneshot::Sender<Result<Committed, WriteError>>,
}

/// Handle for submitting commands; cheap to clone.
#[derive(Clone)]
pub struct Sequencer {
    queue: mpsc::Sender<Job>,
}

impl Sequencer {
    /// Starts the writer thread. It stops when every handle is dropped.
    pub fn start(
        pool: DbPool,
        service_key: Arc<ServiceKey>,
        identity: Arc<LogIdentity>,
        metrics: LedgerMetrics,
        config: SequencerConfig,
    ) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel(config.queue_depth.max(1));
        let writer = Writer {
            pool,
            service_key,
            identity,
            metrics,
            max_batch: config.max_batch.max(1),
        };
        std::thread::Builder::new()
            .name("ewaybill-sequencer".into())
            .spawn(move || writer.run(jobs))?;
        Ok(Self { queue })
    }

    /// Queues a command and waits until its batch is committed and
    /// covered by a signed checkpoint.
    pub async fn submit(&self, command: Command) -> Result<Committed, WriteError> {
        self.enqueue(command).await?.await
    }

    /// Queues commands in their order, which is the order they are applied
    /// in (possibly across several batches), and waits for every answer.
    /// Each command succeeds or is refused on its own.
    pub async fn submit_many(&self, commands: Vec<Command>) -> Vec<Result<Committed, WriteError>> {
        let mut pending = Vec::with_capacity(commands.len());
        for command in commands {
            pending.push(self.enqueue(command).await);
        }
        let mut answers = Vec::with_capacity(pending.len());
        for queued in pending {
            answers.push(match queued {
                Ok(answer) => answer.await,
                Err(e) => Err(e),
            });
        }
        answers
    }

    async fn enqueue(
        &self,
        command: Command,
    ) -> Result<impl Future<Output = Result<Committed, WriteError>> + use<>, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { command, reply })
            .await
            .map_err(|_| WriteError::Unavailable)?;
        Ok(async move { answer.await.map_err(|_| WriteError::Unavailable)? })
    }
}

struct Writer {
    pool: DbPool,
    service_key: Arc<ServiceKey>,
    identity: Arc<LogIdentity>,
    metrics: LedgerMetrics,
    max_batch: usize,
}

impl Writer {
    fn run(self, mut jobs: mpsc::Receiver<Job>) {
        let mut batch = Vec::with_capacity(self.max_batch);
        while let Some(first) = jobs.blocking_recv() {
            batch.push(first);
            while batch.len() < self.max_batch {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.commit(&mut batch);
        }
        tracing::info!("sequencer stopped: no more submitters");
    }

    fn commit(&self, batch: &mut Vec<Job>) {
        let started = Instant::now();
        let results = self.write_batch(batch);
        self.metrics
            .batch_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.batch_size.observe(batch.len() as f64);
        match results {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let counter = match result {
                        Ok(_) => &self.metrics.committed,
                        Err(_) => &self.metrics.rejected,
                    };
                    counter.with_label_values(&[job.command.kind()]).inc();
                    // The submitter may have gone (client hung up): the write stands.
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "batch rolled back");
                for job in batch.drain(..) {
                    let _ = job
                        .reply
                        .send(Err(WriteError::Storage(StorageError::Connect(format!(
                            "the batch could not be committed: {e}"
                        )))));
                }
            }
        }
    }

    /// One transaction for the whole batch; each command in its own savepoint
    /// so a refused command leaves no trace and does not sink the others.
    /// The batch's events then join the Merkle tree and one checkpoint is
    /// signed over them, still inside the transaction: nobody gets a
    /// receipt for an event that is not durable and checkpointed.
    fn write_batch(
        &self,
        batch: &[Job],
    ) -> Result<Vec<Result<Committed, WriteError>>, merkle_log::LogError> {
        let mut conn = self.connection()?;
        conn.transaction::<_, merkle_log::LogError, _>(|conn| {
            let first_seq = events::begin_batch(conn)?;
            let mut seq = first_seq;
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut next = 0;
            while next < batch.len() {
                let run: Vec<&PreparedAct> = batch[next..]
                    .iter()
                    .map_while(|job| match &job.command {
                        Command::AppendAct(act) => Some(&**act),
                        _ => None,
                    })
                    .collect();
                if run.is_empty() {
                    // A registry change: rare, applied on its own in a savepoint.
                    let job = &batch[next];
                    let result = conn.transaction::<_, WriteError, _>(|conn| {
                        self.apply(conn, &job.command, seq)
                    });
                    if result.is_ok() {
                        seq += 1;
                    }
                    outcomes.push(result);
                    next += 1;
                    continue;
                }
                // A run of acts: read what they need at once, check each in
                // order against the view, write the run in a few statements.
                let mut view = BatchView::prefetch(conn, &run)?;
                for act in &run {
                    let result = apply::check_act(&view, act, seq).map(|(outcome, row)| {
                        if let Outcome::Act { state, event } = &outcome {
                            view.accept(event.clone(), row, state);
                        }
                        outcome
                    });
                    if result.is_ok() {
                        seq += 1;
                    }
                    outcomes.push(result);
                }
                view.flush(conn)?;
                next += run.len();
            }
            let appended: Vec<_> = outcomes
                .iter()
                .filter_map(|r| r.as_ref().ok().map(|o| o.event().clone()))
                .collect();
            let (mut leaves, checkpoint) = if appended.is_empty() {
                (Vec::new().into_iter(), None)
            } else {
                let tree_size = u64::try_from(first_seq).unwrap_or(0);
                let (leaves, checkpoint) =
                    merkle_log::integrate(conn, &self.identity, tree_size, &appended)?;
                (leaves.into_iter(), Some(Arc::new(checkpoint)))
            };
            events::finish_batch(conn, seq)?;
            Ok(outcomes
                .into_iter()
                .map(|result| {
                    let outcome = result?;
                    let checkpoint = checkpoint.clone().ok_or(WriteError::Unavailable)?;
                    Ok(Committed {
                        log_index: u64::try_from(outcome.event().seq).unwrap_or(0),
                        leaf_hash: leaves.next().unwrap_or_default(),
                        outcome,
                        checkpoint,
                    })
                })
                .collect())
        })
    }

    fn connection(&self) -> Result<crate::storage::PooledDb, merkle_log::LogError> {
        // The database may be briefly unreachable (restart, failover): retry
        // a few times before failing the batch.
        let mut delay = Duration::from_millis(50);
        for _ in 0..5 {
            match self.pool.get() {
                Ok(conn) => return Ok(conn),
                Err(e) => {
                    tracing::warn!(error = %e, "sequencer waiting for a database connection");
                    std::thread::sleep(delay);
                    delay *= 2;
                }
            }
        }
        Ok(self.pool.get().map_err(StorageError::from)?)
    }

    fn apply(
        &self,
        conn: &mut DbConnection,
        command: &Command,
        seq: i64,
    ) -> Result<Outcome, WriteError> {
        match command {
            Command::AppendAct(_) => Err(WriteError::Unavailable),
            Command::CreateParty {
                party,
                requested_by,
            } => registry::create_party(conn, &self.service_key, seq, party, requested_by),
            Command::RegisterKey {
                party_id,
                public_key,
                label,
                requested_by,
            } => registry::register_key(
                conn,
                &self.service_key,
                seq,
                party_id,
                public_key,
                label,
                requested_by,
            ),
            Command::RevokeKey {
                party_id,
                key_id,
                requested_by,
            } => registry::revoke_key(conn, &self.service_key, seq, party_id, key_id, requested_by),
        }
    }
}
