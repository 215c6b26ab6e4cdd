//! [`SqliteOutbox`]: the embedded default [`Outbox`], a SQLite file.

mod rows;
mod writer;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

use self::rows::{Outcome, micros};
use self::writer::{Change, Done, Job};
use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, Enqueued, Fence, NewEvent, Outbox, OutboxCounts, OutboxDepth, OutboxError,
    OutboxFuture, RowFilter, RowSummary, Settled, Settlement, lease_end,
};

/// How long a connection waits for another process's write lock (the
/// `timeline outbox` command's, a second service's) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections that read (`counts`, `list`, …) beside the writer.
const READERS: u32 = 2;

/// An [`Outbox`] in a SQLite file: the embedded default, for a service
/// that runs as one process (or a few on one machine).
///
/// # Durability
///
/// The file is in WAL mode with `synchronous = FULL`: every commit is on
/// the disk (fsync'd) before [`enqueue`](Outbox::enqueue) returns, so an
/// accepted event survives the process's death (SIGKILL, a panic, an OOM
/// kill) and a power loss or an OS crash too (on a disk that honours
/// flushes). WAL with `NORMAL` would survive a process's death alone; the
/// cost of `FULL` is one fsync per commit, and commits are grouped.
///
/// # Group commits
///
/// Every change goes to one writer task, which applies the changes waiting
/// for it (up to 256) in one transaction and answers each once it is
/// committed. So many tasks emitting at once share commits, and a change
/// does not wait for another process's lock more than once per group. When
/// a group fails, its changes are applied again one transaction each: the
/// one that fails is answered with its error while the others commit. Reads
/// (`counts`, `list`, `next_due`, `account_counts`) go to their own
/// connections and see what was committed.
///
/// A change whose caller stops waiting (its future dropped) may still be
/// applied. Clones share the writer, which stops when the last clone is
/// dropped.
#[derive(Debug, Clone)]
pub struct SqliteOutbox {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
    readers: SqlitePool,
}

impl SqliteOutbox {
    /// Opens the outbox in the file at `path`, creating it (and its tables,
    /// through the crate's migrations) when needed. Starts the writer on the
    /// current tokio runtime.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        let path = path.as_ref().to_path_buf();
        let failed = |what: &str, error: sqlx::Error| {
            OutboxError::new(format!("could not {what} the SQLite outbox {}: {error}", path.display()), error)
        };
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Statement journals (a multi-row change's undo log) in memory,
            // not in temporary files written on every group commit.
            .pragma("temp_store", "memory")
            .busy_timeout(BUSY_TIMEOUT);
        let mut conn = options.connect().await.map_err(|error| failed("open", error))?;
        sqlx::migrate!("migrations/sqlite").run(&mut conn).await.map_err(|error| {
            OutboxError::new(format!("could not migrate the SQLite outbox {}: {error}", path.display()), error)
        })?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options)
            .await
            .map_err(|error| failed("open", error))?;
        let (jobs, queue) = mpsc::channel(writer::QUEUE);
        tokio::spawn(writer::run(conn, queue));
        Ok(SqliteOutbox { path, jobs, readers })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends `change` to the writer and waits until it is committed.
    async fn write(&self, change: Change) -> Result<Done, OutboxError> {
        let (answer, done) = oneshot::channel();
        let stopped =
            || OutboxError::message(format!("the writer of the SQLite outbox {} stopped", self.path.display()));
        self.jobs.send(Job { change, answer }).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }

    /// Writes `change`, a settle, a renew or a sending, and says what it
    /// applied.
    async fn write_settled(&self, change: Change) -> Result<Settled, OutboxError> {
        match self.write(change).await? {
            Done::Settled(settled) => Ok(settled),
            _ => Err(mismatch()),
        }
    }

    /// Removes the delivered rows, and the dead ones when `dead_too`,
    /// settled before `before`.
    async fn purge_settled(&self, before: SystemTime, dead_too: bool) -> Result<u64, OutboxError> {
        match self.write(Change::Purge { before: micros(before)?, dead_too }).await? {
            Done::Rows(rows) => Ok(rows),
            _ => Err(mismatch()),
        }
    }

    fn read_failed(&self, error: sqlx::Error) -> OutboxError {
        OutboxError::new(format!("could not read the SQLite outbox {}: {error}", self.path.display()), error)
    }
}

/// The answer a change of another kind gave: the writer answers every job
/// with its own change's kind, so this is never built.
fn mismatch() -> OutboxError {
    OutboxError::message("the SQLite outbox's writer answered with another change's result")
}

impl Outbox for SqliteOutbox {
    fn enqueue<'a>(&'a self, events: &'a [NewEvent], now: SystemTime) -> OutboxFuture<'a, Vec<Enqueued>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(Vec::new());
            }
            match self.write(Change::Enqueue { events: events.to_vec(), now: micros(now)? }).await? {
                Done::Enqueued(enqueued) => Ok(enqueued),
                _ => Err(mismatch()),
            }
        })
    }

    fn claim_skipping<'a>(
        &'a self,
        limits: ClaimLimits,
        skip: &'a [u64],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>> {
        Box::pin(async move {
            let lease_end = lease_end(now, lease)?;
            let change =
                Change::Claim { limits, skip: skip.to_vec(), lease_end: micros(lease_end)?, now: micros(now)? };
            match self.write(change).await? {
                Done::Claimed(claimed) => Ok(claimed),
                _ => Err(mismatch()),
            }
        })
    }

    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Settlement)], now: SystemTime) -> OutboxFuture<'a, Settled> {
        Box::pin(async move {
            if outcomes.is_empty() {
                return Ok(Settled::default());
            }
            let outcomes = outcomes
                .iter()
                .map(|(fence, settlement)| Outcome::new(*fence, settlement))
                .collect::<Result<Vec<_>, _>>()?;
            self.write_settled(Change::Settle { outcomes, now: micros(now)? }).await
        })
    }

    fn renew<'a>(&'a self, fences: &'a [Fence], lease: Duration, now: SystemTime) -> OutboxFuture<'a, Settled> {
        Box::pin(async move {
            if fences.is_empty() {
                return Ok(Settled::default());
            }
            let lease_end = lease_end(now, lease)?;
            self.write_settled(Change::Renew { fences: fences.to_vec(), lease_end: micros(lease_end)? }).await
        })
    }

    fn sending<'a>(&'a self, fences: &'a [Fence]) -> OutboxFuture<'a, Settled> {
        Box::pin(async move {
            if fences.is_empty() {
                return Ok(Settled::default());
            }
            self.write_settled(Change::Sending { fences: fences.to_vec() }).await
        })
    }

    fn next_due(&self) -> OutboxFuture<'_, Option<SystemTime>> {
        Box::pin(async move { rows::next_due(&self.readers).await.map_err(|error| self.read_failed(error)) })
    }

    fn counts(&self) -> OutboxFuture<'_, OutboxCounts> {
        Box::pin(async move { rows::counts(&self.readers).await.map_err(|error| self.read_failed(error)) })
    }

    fn depth(&self) -> OutboxFuture<'_, OutboxDepth> {
        Box::pin(async move { rows::depth(&self.readers).await.map_err(|error| self.read_failed(error)) })
    }

    fn account_counts(&self) -> OutboxFuture<'_, Vec<AccountCounts>> {
        Box::pin(async move { rows::account_counts(&self.readers).await.map_err(|error| self.read_failed(error)) })
    }

    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>> {
        Box::pin(async move { rows::list(&self.readers, filter, limit).await.map_err(|error| self.read_failed(error)) })
    }

    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64> {
        Box::pin(async move {
            match self.write(Change::Requeue { filter: filter.clone(), now: micros(now)? }).await? {
                Done::Rows(rows) => Ok(rows),
                _ => Err(mismatch()),
            }
        })
    }

    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_settled(before, true))
    }

    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_settled(before, false))
    }
}
