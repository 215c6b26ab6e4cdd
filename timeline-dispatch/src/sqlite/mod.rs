//! [`SqliteOutbox`]: the embedded default [`Outbox`], a SQLite file.

mod claims;
mod migrate;
mod rows;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

use self::claims::{Claim, ClaimLock, Claims, per_account};
use self::rows::{Outcome, micros};
use self::writer::{Change, Done, Job};
use crate::Error;
use crate::fate::Fate;
use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, Enqueued, Fence, NewEvent, Outbox, OutboxCounts, OutboxDepth,
    OutboxFuture, Pause, RowFilter, RowSummary, Settled, lease_end,
};

/// How long a connection waits for another process's write lock (the
/// `timeline outbox` command's, a second service's) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections that read (`counts`, `list`, …) beside the writer, kept
/// open between reads.
const READERS: usize = 2;

/// The writer's page cache, in KiB (SQLite's default is 2 000): enough for
/// the index pages that inserts and claims touch when a million rows wait,
/// so that the writer does not read them again from the file.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

/// The WAL pages after which a commit checkpoints them into the file
/// (SQLite's default is 1 000): the outbox rewrites the same few pages (the
/// tails of its tables and indexes) in commit after commit, and a
/// checkpoint copies each page once however often it was written since the
/// last one. At most about 32 MiB of WAL with 4 KiB pages.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8_000;

/// An [`Outbox`] in a SQLite file: the embedded default, for a service
/// that dispatches from one process.
///
/// # Claims
///
/// A claim lives in the memory of the process that made it and writes
/// nothing to the file: a row is written at its enqueue, its "sending"
/// mark (with the attempt that sends it) and its settlement. A process that
/// dies takes its claims with it, so a restarted one claims their rows at
/// once, with no lease to wait for; a claim that was never sent is not
/// counted in the row's attempts. One process at a time claims from a file:
/// the first claim locks the file beside it (its name with `-claims`
/// added) until the outbox is dropped, and a claim from another process (or
/// another outbox opened on the same file) fails, naming that lock. Other
/// processes (the `timeline outbox` command) may read the file and change
/// its dead letters and pauses meanwhile; they see the rows in flight as
/// pending.
///
/// # Durability
///
/// The file is in WAL mode, and every change is on the disk (its WAL
/// frames synced) before the call that made it returns `Ok`, so an accepted
/// event survives the process's death (SIGKILL, a panic, an OOM kill) and a
/// power loss or an OS crash too (on a disk that honours flushes): the
/// guarantee of `synchronous = FULL`. Commits are grouped, and the syncs
/// run beside the writer: one `fdatasync` of the WAL file puts every group
/// committed since the last one on the disk. A sync that fails stops the
/// outbox: every change from then on fails (restart the process), since
/// what that sync should have written may be lost.
///
/// Reads see a change once it is committed, which may be shortly before it
/// is on the disk and its caller has its answer.
///
/// # Group commits
///
/// Every change goes to one writer thread, which applies the changes
/// waiting for it (up to 256) in one transaction and commits it as soon as
/// none is left, while an earlier group may still be syncing; each change
/// is answered once its group is on the disk. So many tasks emitting at once
/// share commits and syncs, and a change does not wait for another
/// process's lock more than once per group. When a group fails, its changes
/// are applied again one transaction each: the one that fails is answered
/// with its error while the others commit. Reads (`counts`, `list`, `next_due`,
/// `depth`, `account_counts`) go to connections of their own, on the tokio
/// runtime's blocking threads.
///
/// A change whose caller stops waiting (its future dropped) may still be
/// applied. Clones share the writer, which stops when the last clone is
/// dropped.
#[derive(Debug, Clone)]
pub struct SqliteOutbox {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
    readers: Arc<Readers>,
    /// This process's claims: the writer changes them, reads show them.
    claims: Arc<Mutex<Claims>>,
    /// Taken at the first claim, held until the last clone is dropped.
    claim_lock: Arc<Mutex<ClaimLock>>,
}

impl SqliteOutbox {
    /// Opens the outbox in the file at `path`, creating it (and its tables,
    /// through the crate's migrations) when needed, and starts its writer
    /// and syncer threads. Needs a tokio runtime (it opens the file on a
    /// blocking thread).
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let opening = path.clone();
        let (conn, wal, readers) =
            tokio::task::spawn_blocking(move || open_file(&opening)).await.map_err(|error| {
                Error::outbox(format!("opening the SQLite outbox {} panicked", path.display()), error)
            })??;
        let (jobs, inbox) = mpsc::channel(writer::QUEUE);
        let (committed, to_sync) = std::sync::mpsc::channel();
        let claims = Arc::new(Mutex::new(Claims::default()));
        let writer_claims = Arc::clone(&claims);
        start(&path, "sync", move || writer::sync(wal, to_sync))?;
        start(&path, "writer", move || writer::run(conn, writer_claims, inbox, committed))?;
        let readers = Arc::new(Readers { path: path.clone(), idle: Mutex::new(readers) });
        let claim_lock = Arc::new(Mutex::new(ClaimLock::new(&path)));
        Ok(SqliteOutbox { path, jobs, readers, claims, claim_lock })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends `change` to the writer and waits until it is committed and on
    /// the disk.
    async fn write(&self, change: Change) -> Result<Done, Error> {
        let (answer, done) = oneshot::channel();
        let stopped =
            || Error::outbox_message(format!("the writer of the SQLite outbox {} stopped", self.path.display()));
        self.jobs.send(Job { change, answer }).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }

    /// Writes `change`, a settle, a renew or a sending, and says what it
    /// applied.
    async fn write_settled(&self, change: Change) -> Result<Settled, Error> {
        match self.write(change).await? {
            Done::Settled(settled) => Ok(settled),
            _ => Err(mismatch()),
        }
    }

    /// Writes `change`, which changes rows or pauses, and says how many.
    async fn write_rows(&self, change: Change) -> Result<u64, Error> {
        match self.write(change).await? {
            Done::Rows(rows) => Ok(rows),
            _ => Err(mismatch()),
        }
    }

    /// This process's claims as they are now, by row.
    fn claims(&self) -> HashMap<i64, Claim> {
        self.claims.lock().unwrap_or_else(PoisonError::into_inner).all().collect()
    }

    /// Removes the delivered rows, and the dead ones when `dead_too`,
    /// settled before `before`.
    async fn purge_settled(&self, before: SystemTime, dead_too: bool) -> Result<u64, Error> {
        self.write_rows(Change::Purge { before: micros(before)?, dead_too }).await
    }
}

/// Starts the thread `role` of the outbox at `path`.
fn start(path: &Path, role: &str, run: impl FnOnce() + Send + 'static) -> Result<(), Error> {
    match std::thread::Builder::new().name(format!("timeline-sqlite-{role}")).spawn(run) {
        Ok(_) => Ok(()),
        Err(error) => {
            Err(Error::outbox(format!("could not start the {role} of the SQLite outbox {}", path.display()), error))
        }
    }
}

/// The writer's connection to the file at `path`, the file migrated, the
/// path of its WAL file, and [`READERS`] connections to read it.
fn open_file(path: &Path) -> Result<(Connection, PathBuf, Vec<Connection>), Error> {
    let failed = |what: &str, error: rusqlite::Error| {
        Error::outbox(format!("could not {what} the SQLite outbox {}: {error}", path.display()), error)
    };
    let mut conn = connect(path).map_err(|error| failed("open", error))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())).map_err(|error| failed("open", error))?;
    migrate::run(&mut conn).map_err(|error| {
        Error::outbox(format!("could not migrate the SQLite outbox {}: {error}", path.display()), error)
    })?;
    // The writer's commits go to the disk through the syncer (see
    // `writer`), which syncs the WAL file before it answers them.
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(|error| failed("open", error))?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB).map_err(|error| failed("open", error))?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES).map_err(|error| failed("open", error))?;
    // SQLite's own name of the file (symbolic links resolved), beside which
    // it keeps the WAL file.
    let wal = match conn.path() {
        Some(file) if !file.is_empty() => PathBuf::from(format!("{file}-wal")),
        _ => return Err(Error::outbox_message(format!("the SQLite outbox {} is not a file", path.display()))),
    };
    let readers =
        (0..READERS).map(|_| connect(path)).collect::<Result<_, _>>().map_err(|error| failed("open", error))?;
    Ok((conn, wal, readers))
}

/// A connection to the file at `path` (created when missing), set up as
/// every connection of the outbox is.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Plans that do not depend on bound values: otherwise SQLite prepares a
    // cached statement again whenever a value its plan looked at (a claim's
    // `LIMIT`) changes, that is at nearly every claim.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Statement journals (a multi-row change's undo log) in memory, not in
    // temporary files written on every group commit.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// The connections reads use, each by one read at a time.
#[derive(Debug)]
struct Readers {
    path: PathBuf,
    /// Those no read uses now; a read opens another when none is left.
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Runs `read` on a blocking thread with a connection of its own.
    async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let readers = Arc::clone(self);
        let done = tokio::task::spawn_blocking(move || {
            let idle = readers.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let conn = match idle {
                Some(conn) => conn,
                None => connect(&readers.path)?,
            };
            let done = read(&conn);
            let mut idle = readers.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < READERS {
                idle.push(conn);
            }
            done
        })
        .await;
        let failed = |error: Box<dyn std::error::Error + Send + Sync>| {
            Error::outbox(format!("could not read the SQLite outbox {}: {error}", self.path.display()), error)
        };
        done.map_err(|error| failed(error.into()))?.map_err(|error| failed(error.into()))
    }
}

/// The answer a change of another kind gave: the writer answers every job
/// with its own change's kind, so this is never built.
fn mismatch() -> Error {
    Error::outbox_message("the SQLite outbox's writer answered with another change's result")
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
        skip: &'a [AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>> {
        Box::pin(async move {
            self.claim_lock.lock().unwrap_or_else(PoisonError::into_inner).take()?;
            let lease_end = lease_end(now, lease)?;
            let change = Change::Claim {
                limits,
                skip: skip.iter().map(|account| account.get()).collect(),
                lease_end: micros(lease_end)?,
                now: micros(now)?,
            };
            match self.write(change).await? {
                Done::Claimed(claimed) => Ok(claimed),
                _ => Err(mismatch()),
            }
        })
    }

    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Fate)], now: SystemTime) -> OutboxFuture<'a, Settled> {
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
        Box::pin(async move {
            let now = micros(SystemTime::now())?;
            let live = self.claims.lock().unwrap_or_else(PoisonError::into_inner).live(now);
            self.readers.read(move |conn| rows::next_due(conn, &live)).await
        })
    }

    fn counts(&self) -> OutboxFuture<'_, OutboxCounts> {
        Box::pin(async move {
            let mut counts = self.readers.read(rows::counts).await?;
            // The rows this process claimed are pending in the file.
            let claimed = self.claims.lock().unwrap_or_else(PoisonError::into_inner).len() as u64;
            let claimed = claimed.min(counts.pending);
            counts.pending -= claimed;
            counts.claimed += claimed;
            Ok(counts)
        })
    }

    fn depth(&self) -> OutboxFuture<'_, OutboxDepth> {
        Box::pin(self.readers.read(rows::depth))
    }

    fn account_counts(&self, delivered_since: SystemTime) -> OutboxFuture<'_, Vec<AccountCounts>> {
        Box::pin(async move {
            let delivered_since = micros(delivered_since)?;
            let mut accounts = self.readers.read(move |conn| rows::account_counts(conn, delivered_since)).await?;
            // The rows this process claimed are pending in the file.
            let claimed = per_account(self.claims().values());
            for counts in &mut accounts {
                let held = claimed.get(&rows::account_bits(counts.account)).map_or(0, |held| *held as u64);
                let held = held.min(counts.pending);
                counts.pending -= held;
                counts.claimed += held;
            }
            Ok(accounts)
        })
    }

    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> OutboxFuture<'_, Vec<DeadReason>> {
        Box::pin(self.readers.read(move |conn| rows::dead_reasons(conn, account, limit)))
    }

    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>> {
        let filter = filter.clone();
        let claims = self.claims();
        Box::pin(self.readers.read(move |conn| rows::list(conn, &claims, &filter, limit)))
    }

    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64> {
        Box::pin(async move { self.write_rows(Change::Requeue { filter: filter.clone(), now: micros(now)? }).await })
    }

    fn drop_dead<'a>(&'a self, filter: &'a RowFilter) -> OutboxFuture<'a, u64> {
        Box::pin(self.write_rows(Change::Drop { filter: filter.clone() }))
    }

    fn pause<'a>(&'a self, account: AccountId, reason: &'a str, now: SystemTime) -> OutboxFuture<'a, bool> {
        Box::pin(async move {
            let change = Change::Pause { account, reason: reason.to_owned(), now: micros(now)? };
            Ok(self.write_rows(change).await? > 0)
        })
    }

    fn resume(&self, account: AccountId) -> OutboxFuture<'_, bool> {
        Box::pin(async move { Ok(self.write_rows(Change::Resume { account }).await? > 0) })
    }

    fn paused(&self) -> OutboxFuture<'_, Vec<(AccountId, Pause)>> {
        Box::pin(self.readers.read(rows::paused))
    }

    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_settled(before, true))
    }

    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_settled(before, false))
    }
}
