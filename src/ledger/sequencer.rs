//! The single writer. Requests queue commands; one thread takes everything
//! queued (up to `max_batch`), applies the whole batch in one transaction,
//! commits once (one fsync for the whole batch: group commit) and only then
//! answers. While a batch commits, the next one queues up, so under load
//! batches grow by themselves and latency stays near one commit.
//!
//! A run of acts is checked in order against an in-memory view of what the
//! acts need (`BatchView`, fetched in a few queries), each accepted act
//! updating the view for the next; only the accepted acts are written, all
//! together at the end of the run. A refused act is never written, so it
//! leaves no trace. Registry changes are rare and each runs in a savepoint
//! of its own.
//!
//! One command can never fail the others: when the batch's transaction
//! fails for a reason that is not a lost connection (a constraint, text the
//! database cannot store, ...), the writer retries each half of the batch
//! on its own until the failing command is alone, answers it with its own
//! error and commits the rest ([`Writer::write_isolating`]).
//!
//! An answer never claims more than is known: when the connection is lost
//! during COMMIT, the writer reconnects, waits for the log's write lock (so
//! the lost transaction has finished one way or the other) and looks for
//! the batch's first event; only if it cannot find out does it answer
//! [`WriteError::OutcomeUnknown`].
//!
//! Ordering lives here and only here: sequence numbers are assigned inside
//! the transaction after taking the log's write lock (see
//! [`crate::storage::events::begin_batch`]), so two processes sharing one
//! PostgreSQL database still produce one gap-free order.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, watch};

use crate::crypto::ServiceKey;
use crate::domain::ids::LogIndex;
use crate::merkle::Hash;
use crate::metrics::LedgerMetrics;
use crate::storage::{self, DbConnection, DbPool, StorageError, events};

use super::batch_view::BatchView;
use super::commands::{Command, Committed, Outcome, PreparedAct, WriteError};
use super::merkle_log::{self, LogError, LogIdentity, SignedCheckpoint};
use super::{apply, registry};

#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Most commands in one transaction.
    pub max_batch: usize,
    /// Most commands waiting; beyond it submitters wait for room (backpressure).
    pub queue_depth: usize,
    /// Fault injection for tests; never set in production.
    #[doc(hidden)]
    pub faults: Faults,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            queue_depth: 4096,
            faults: Faults::default(),
        }
    }
}

/// Where the writer asks a test's fault hook whether to fail.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// The batch is written and COMMIT is next: the connection is "lost",
    /// so the transaction rolls back.
    BeforeCommit,
    /// COMMIT succeeded but its acknowledgement is "lost".
    AfterCommit,
    /// Finding out whether the batch was committed "fails" as well.
    Recheck,
}

/// A test's fault hook: answers `true` where the writer is to fail.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct Faults(Option<Arc<dyn Fn(FaultPoint) -> bool + Send + Sync>>);

impl Faults {
    pub fn new(hook: impl Fn(FaultPoint) -> bool + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(hook)))
    }

    fn fires(&self, point: FaultPoint) -> bool {
        self.0.as_ref().is_some_and(|hook| hook(point))
    }
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Faults(injected)"
        } else {
            "Faults(none)"
        })
    }
}

/// What a lost connection looks like to the writer, for fault injection.
fn lost_connection() -> LogError {
    LogError::Storage(StorageError::connection_lost(
        "server closed the connection unexpectedly (injected fault)",
    ))
}

/// Why a batch's transaction did not give answers.
enum BatchFailure {
    /// No connection could be had: nothing was written.
    NoConnection(LogError),
    /// The connection was lost before COMMIT, or during it and the batch
    /// is not in the log: nothing was written.
    Unavailable(LogError),
    /// The connection was lost during COMMIT and the writer could not find
    /// out whether the batch was committed.
    OutcomeUnknown(LogError),
    /// The transaction failed because of something in it.
    Refused(LogError),
}

impl BatchFailure {
    /// A failure before or of COMMIT (the server rolled back, or never got it).
    fn before_commit(e: LogError) -> Self {
        if is_unavailable(&e) {
            BatchFailure::Unavailable(e)
        } else {
            BatchFailure::Refused(e)
        }
    }
}

fn is_unavailable(e: &LogError) -> bool {
    matches!(e, LogError::Storage(e) if e.is_unavailable())
}

/// One answer per job, in order.
type Answers = Vec<Result<Committed, WriteError>>;

struct Job {
    command: Command,
    reply: oneshot::Sender<Result<Committed, WriteError>>,
}

/// Handle for submitting commands; cheap to clone.
#[derive(Clone)]
pub struct Sequencer {
    queue: mpsc::Sender<Job>,
    committed: watch::Receiver<u64>,
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
        let (batches, committed) = watch::channel(0);
        let writer = Writer {
            pool,
            service_key,
            identity,
            metrics,
            max_batch: config.max_batch.max(1),
            batches,
            faults: config.faults,
        };
        std::thread::Builder::new()
            .name("ewaybill-sequencer".into())
            .spawn(move || writer.run(jobs))?;
        Ok(Self { queue, committed })
    }

    /// Changes after every committed batch that appended something, so
    /// the feed and the webhook worker wake on new events instead of polling.
    pub fn committed(&self) -> watch::Receiver<u64> {
        self.committed.clone()
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
    /// Count of committed batches that appended events.
    batches: watch::Sender<u64>,
    faults: Faults,
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
            if let Some(unreachable) = self.commit(&mut batch) {
                // Whatever queued while the writer waited for a connection
                // has waited long enough: answer it now rather than make it
                // wait out another connection timeout.
                while let Ok(job) = jobs.try_recv() {
                    self.metrics
                        .rejected
                        .with_label_values(&[job.command.kind()])
                        .inc();
                    let _ = job.reply.send(Err(unavailable(&unreachable)));
                }
            }
        }
        tracing::info!("sequencer stopped: no more submitters");
    }

    /// Writes and answers a batch; says why if no connection could be had.
    #[tracing::instrument(name = "sequencer.commit", skip_all, fields(batch_size = batch.len()))]
    fn commit(&self, batch: &mut Vec<Job>) -> Option<String> {
        let started = Instant::now();
        let mut unreachable = None;
        let results = self.write_isolating(batch, &mut unreachable);
        self.metrics
            .batch_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.batch_size.observe(batch.len() as f64);
        if results.iter().any(Result::is_ok) {
            self.batches.send_modify(|n| *n = n.wrapping_add(1));
        }
        for (job, result) in batch.drain(..).zip(results) {
            let counter = match result {
                Ok(_) => &self.metrics.committed,
                Err(_) => &self.metrics.rejected,
            };
            counter.with_label_values(&[job.command.kind()]).inc();
            // The submitter may have gone (client hung up): the write stands.
            let _ = job.reply.send(result);
        }
        unreachable
    }

    /// Writes `jobs` in one transaction. When it fails because of what is
    /// in it (anything but a lost connection), each half is written on its
    /// own, recursively, until the failing command is alone: it gets its
    /// own error, every other command its own answer.
    fn write_isolating(&self, jobs: &[Job], unreachable: &mut Option<String>) -> Answers {
        let every = |error: &dyn Fn() -> WriteError| jobs.iter().map(|_| Err(error())).collect();
        match self.write_batch(jobs) {
            Ok(answers) => answers,
            Err(BatchFailure::NoConnection(e)) => {
                tracing::error!(error = %e, size = jobs.len(), "batch not written: no database connection");
                let reason = e.to_string();
                let answers = every(&|| unavailable(&reason));
                *unreachable = Some(reason);
                answers
            }
            Err(BatchFailure::Unavailable(e)) => {
                tracing::error!(error = %e, size = jobs.len(), "batch rolled back: connection lost");
                let reason = e.to_string();
                every(&|| unavailable(&reason))
            }
            Err(BatchFailure::OutcomeUnknown(e)) => {
                tracing::error!(
                    error = %e,
                    size = jobs.len(),
                    "connection lost during COMMIT and the outcome could not be checked"
                );
                every(&|| WriteError::OutcomeUnknown)
            }
            Err(BatchFailure::Refused(e)) if jobs.len() <= 1 => {
                tracing::error!(
                    error = %e,
                    command = jobs.first().map_or("none", |j| j.command.kind()),
                    "a command failed the transaction; answered on its own, the rest of its batch is unaffected"
                );
                if jobs.is_empty() {
                    Vec::new()
                } else {
                    vec![Err(refused(e))]
                }
            }
            Err(BatchFailure::Refused(e)) => {
                tracing::warn!(
                    error = %e,
                    size = jobs.len(),
                    "batch failed; writing its halves apart to isolate the cause"
                );
                let (first, second) = jobs.split_at(jobs.len() / 2);
                let mut answers = self.write_isolating(first, unreachable);
                answers.extend(self.write_isolating(second, unreachable));
                answers
            }
        }
    }

    /// One transaction for `jobs`; on a lost COMMIT acknowledgement, finds
    /// out whether it was committed. Its span is one attempt: the whole
    /// batch, or one half while a failing command is isolated.
    #[tracing::instrument(
        name = "sequencer.write",
        skip_all,
        fields(size = jobs.len(), first_seq = tracing::field::Empty)
    )]
    fn write_batch(&self, jobs: &[Job]) -> Result<Answers, BatchFailure> {
        let mut conn = self.connection().map_err(BatchFailure::NoConnection)?;
        // Filled once the whole batch is written and only COMMIT is left,
        // with the first event appended (which tells whether it committed).
        let mut staged: Option<(Answers, Option<(LogIndex, String)>)> = None;
        let written = storage::transaction(&mut conn, |conn| {
            let answers = self.write_in(conn, jobs)?;
            let first = answers.iter().find_map(|r| {
                r.as_ref()
                    .ok()
                    .map(|c| (c.outcome.event().seq, c.outcome.event().hash.clone()))
            });
            staged = Some((answers, first));
            if self.faults.fires(FaultPoint::BeforeCommit) {
                return Err(lost_connection());
            }
            Ok(())
        })
        .and_then(|()| {
            if self.faults.fires(FaultPoint::AfterCommit) {
                Err(lost_connection())
            } else {
                Ok(())
            }
        });
        drop(conn);
        let error = match (written, staged) {
            (Ok(()), Some((answers, _))) => return Ok(answers),
            (Ok(()), None) => {
                return Err(BatchFailure::Refused(LogError::Inconsistent(
                    "the batch committed without answers".into(),
                )));
            }
            (Err(e), None) => return Err(BatchFailure::before_commit(e)),
            (Err(e), Some(staged)) => (e, staged),
        };
        match error {
            (e, _) if !is_unavailable(&e) => Err(BatchFailure::Refused(e)),
            // Nothing appended: the answers are refusals, true either way.
            (_, (answers, None)) => Ok(answers),
            (e, (answers, Some((seq, hash)))) => match self.recheck(seq, &hash) {
                Ok(true) => {
                    tracing::warn!(error = %e, size = jobs.len(), "COMMIT acknowledgement lost, but the batch is in the log");
                    Ok(answers)
                }
                Ok(false) => Err(BatchFailure::Unavailable(e)),
                Err(check) => {
                    tracing::error!(error = %check, "cannot find out whether the batch was committed");
                    Err(BatchFailure::OutcomeUnknown(e))
                }
            },
        }
    }

    /// Whether event `seq` of the log is `hash`, once the transaction that
    /// may have written it has finished.
    fn recheck(&self, seq: LogIndex, hash: &str) -> Result<bool, LogError> {
        if self.faults.fires(FaultPoint::Recheck) {
            return Err(lost_connection());
        }
        let mut conn = self.connection()?;
        let wait = self.pool.connection_timeout();
        Ok(events::settled_hash_at(&mut conn, seq, wait)?.as_deref() == Some(hash))
    }

    /// The batch inside its transaction; each command refused on its own
    /// leaves no trace and does not sink the others. The batch's events
    /// then join the Merkle tree and one checkpoint is signed over them,
    /// still inside the transaction: nobody gets a receipt for an event
    /// that is not durable and checkpointed.
    fn write_in(&self, conn: &mut DbConnection, batch: &[Job]) -> Result<Answers, LogError> {
        let first_seq = events::begin_batch(conn)?;
        tracing::Span::current().record("first_seq", first_seq);
        let mut seq = LogIndex::from(first_seq);
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
                let result = storage::transaction(conn, |conn| self.apply(conn, &job.command, seq));
                if result.is_ok() {
                    seq = seq.next();
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
                    seq = seq.next();
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
        let (leaves, checkpoint) = if appended.is_empty() {
            (Vec::new(), None)
        } else {
            let tree_size = LogError::position(first_seq)?;
            let (leaves, checkpoint) =
                merkle_log::integrate(conn, &self.identity, tree_size, &appended)?;
            (leaves, Some(Arc::new(checkpoint)))
        };
        events::finish_batch(conn, seq.get())?;
        receipts(outcomes, leaves, checkpoint)
    }

    /// A connection, waiting at most the pool's connection timeout (the
    /// pool keeps trying to connect meanwhile), so that a write fails fast
    /// while the database is away.
    fn connection(&self) -> Result<crate::storage::PooledDb, LogError> {
        Ok(self.pool.get().map_err(StorageError::from)?)
    }

    fn apply(
        &self,
        conn: &mut DbConnection,
        command: &Command,
        seq: LogIndex,
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

/// Each command's answer: an appended command gets the next leaf hash (in
/// log order) and the batch's checkpoint. A leaf missing for an appended
/// event fails the whole batch, still inside its transaction, rather than
/// hand out a receipt for a hash nobody computed.
fn receipts(
    outcomes: Vec<Result<Outcome, WriteError>>,
    leaves: Vec<Hash>,
    checkpoint: Option<Arc<SignedCheckpoint>>,
) -> Result<Answers, LogError> {
    let mut leaves = leaves.into_iter();
    let mut answers = Vec::with_capacity(outcomes.len());
    for result in outcomes {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                answers.push(Err(e));
                continue;
            }
        };
        let Some(checkpoint) = checkpoint.clone() else {
            answers.push(Err(WriteError::Unavailable));
            continue;
        };
        let seq = outcome.event().seq;
        let leaf_hash = leaves
            .next()
            .ok_or(LogError::MissingLeaf { seq: seq.get() })?;
        answers.push(Ok(Committed {
            log_index: LogError::position(seq.get())?,
            leaf_hash,
            outcome,
            checkpoint,
        }));
    }
    Ok(answers)
}

/// The answer for a command that was not written because the database
/// could not be reached or the connection was lost before COMMIT.
fn unavailable(reason: &str) -> WriteError {
    WriteError::Storage(StorageError::Connect(format!(
        "the batch could not be written: {reason}"
    )))
}

/// The answer for the command that alone failed its transaction: its own
/// storage error (a 500 that logs its cause).
fn refused(e: LogError) -> WriteError {
    match e {
        LogError::Storage(e) => WriteError::Storage(e),
        other => WriteError::Storage(StorageError::Corrupt(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::events::EventRow;
    use crate::storage::parties::PartyRow;

    fn appended(seq: i64) -> Result<Outcome, WriteError> {
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        Ok(Outcome::Party {
            party: PartyRow {
                id: format!("party-{seq}").into(),
                kind: "company".into(),
                name: "Example".into(),
                reg_no: seq.to_string(),
                country: "EE".into(),
                vat_no: None,
                address: None,
                log_seq: seq.into(),
                created_at: at,
            },
            event: EventRow {
                seq: seq.into(),
                hash: format!("hash-{seq}"),
                waybill_id: None,
                act_type: "party.create".into(),
                act: "{}".into(),
                signature: String::new(),
                key_id: "service".into(),
                party_id: None,
                received_at: at,
            },
        })
    }

    fn checkpoint() -> Option<Arc<SignedCheckpoint>> {
        Some(Arc::new(SignedCheckpoint {
            size: 2,
            root_hash: [9; 32],
            note: String::new(),
        }))
    }

    #[test]
    fn each_appended_command_gets_its_own_leaf() {
        let outcomes = vec![
            appended(0),
            Err(WriteError::Rejected(
                super::super::commands::Rejection::PartyExists,
            )),
            appended(1),
        ];
        let answers = receipts(outcomes, vec![[1; 32], [2; 32]], checkpoint()).unwrap();
        let leaves: Vec<Option<Hash>> = answers
            .iter()
            .map(|a| a.as_ref().ok().map(|c| c.leaf_hash))
            .collect();
        assert_eq!(leaves, vec![Some([1; 32]), None, Some([2; 32])]);
    }

    #[test]
    fn a_missing_leaf_fails_the_batch() {
        let outcomes = vec![appended(0), appended(1)];
        let failure = receipts(outcomes, vec![[1; 32]], checkpoint()).unwrap_err();
        assert!(
            matches!(failure, LogError::MissingLeaf { seq: 1 }),
            "{failure}"
        );
    }

    #[test]
    fn a_negative_sequence_number_fails_the_batch() {
        let failure = receipts(vec![appended(-1)], vec![[1; 32]], checkpoint()).unwrap_err();
        assert!(
            matches!(failure, LogError::NegativeSeq { seq: -1 }),
            "{failure}"
        );
    }
}
