//! The writer: one thread that owns the outbox's write connection and
//! applies every change the handles send it, many in one transaction (a
//! group commit), so that emitting from many tasks costs one commit per
//! group; and the syncer, a thread that puts committed groups on the disk
//! and only then answers them.
//!
//! The write connection commits without syncing (`synchronous = NORMAL`):
//! its commit writes the group's pages to the WAL file and returns. The
//! syncer then syncs that file (`fdatasync`), once for every group committed
//! since its last sync, and answers their jobs. So the writer applies and
//! commits the next groups while the last one goes to the disk, and no
//! change is answered before it is on the disk. A group is the jobs waiting
//! when the writer takes one: it commits as soon as none is left, so that
//! writing a group's pages to the WAL file (one `pwrite` per page) overlaps
//! the sync before it instead of waiting for it to end.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc as std_mpsc};

use rusqlite::{Connection, TransactionBehavior};
use timeline_core::AccountId;
use tokio::sync::{mpsc, oneshot};

use super::claims::Claims;
use super::rows::{self, Ids, Outcome};
use crate::Error;
use crate::outbox::{ClaimLimits, Claimed, Enqueued, Fence, NewEvent, RowFilter, Settled};

/// The most changes one transaction holds.
const MAX_GROUP: usize = 256;

/// Jobs waiting for the writer before a sender waits too.
pub(super) const QUEUE: usize = 1024;

/// A change to apply, with its times in the stored form.
#[derive(Debug)]
pub(super) enum Change {
    /// [`rows::enqueue`].
    Enqueue { events: Vec<NewEvent>, now: i64 },
    /// [`rows::claim`].
    Claim { limits: ClaimLimits, skip: Vec<u64>, lease_end: i64, now: i64 },
    /// [`rows::settle`].
    Settle { outcomes: Vec<Outcome>, now: i64 },
    /// [`rows::renew`].
    Renew { fences: Vec<Fence>, lease_end: i64 },
    /// [`rows::sending`].
    Sending { fences: Vec<Fence> },
    /// [`rows::requeue_dead`].
    Requeue { filter: RowFilter, now: i64 },
    /// [`rows::drop_dead`].
    Drop { filter: RowFilter },
    /// [`rows::pause`].
    Pause { account: AccountId, reason: String, now: i64 },
    /// [`rows::resume`].
    Resume { account: AccountId },
    /// [`rows::purge`].
    Purge { before: i64, dead_too: bool },
}

/// What a change did.
#[derive(Debug)]
pub(super) enum Done {
    /// An enqueue's answer.
    Enqueued(Vec<Enqueued>),
    /// A claim's rows.
    Claimed(Vec<Claimed>),
    /// What a settle, a renew or a sending applied.
    Settled(Settled),
    /// How many rows a requeue, a drop, a purge, a pause or a resume
    /// changed.
    Rows(u64),
}

/// A change and where its answer goes once its transaction is on the disk.
#[derive(Debug)]
pub(super) struct Job {
    pub(super) change: Change,
    pub(super) answer: oneshot::Sender<Result<Done, Error>>,
}

/// The answers of one committed group, waiting for their sync.
type Answers = Vec<(oneshot::Sender<Result<Done, Error>>, Result<Done, Error>)>;

/// Applies the jobs `inbox` receives, in groups, and hands each committed
/// group's answers to the syncer through `syncer`; runs on a thread of its
/// own until every handle is gone. Then closing the connection checkpoints the WAL
/// when it is the file's last one. The claims change with the rows, and
/// are put back when a transaction rolls back.
pub(super) fn run(
    mut conn: Connection,
    claims: Arc<Mutex<Claims>>,
    mut inbox: mpsc::Receiver<Job>,
    syncer: std_mpsc::Sender<Answers>,
) {
    let mut writer = Writer { conn: &mut conn, claims: &claims };
    while let Some(first) = inbox.blocking_recv() {
        let mut group = vec![first];
        let answers = match writer.apply(&mut inbox, &mut group) {
            Ok(done) => group.into_iter().zip(done).map(|(job, done)| (job.answer, Ok(done))).collect(),
            // One job's error must not fail the others: each alone, in a
            // transaction of its own.
            Err(error) if group.len() == 1 => {
                group.into_iter().zip([error]).map(|(job, error)| (job.answer, Err(failed(error)))).collect()
            }
            Err(_) => group
                .into_iter()
                .map(|job| {
                    let alone = writer.apply_alone(&job.change).map_err(failed);
                    (job.answer, alone)
                })
                .collect(),
        };
        if syncer.send(answers).is_err() {
            // The syncer is gone: the handles' answers went with it.
            break;
        }
    }
}

fn failed(error: rusqlite::Error) -> Error {
    Error::outbox(format!("the SQLite outbox could not apply a change: {error}"), error)
}

/// The write connection and the claims, which change together.
struct Writer<'a> {
    conn: &'a mut Connection,
    claims: &'a Mutex<Claims>,
}

impl Writer<'_> {
    /// Applies `group` and the jobs waiting behind it, up to [`MAX_GROUP`],
    /// in one transaction; all of them, or (on an error) none. `group` ends
    /// up holding every job taken.
    fn apply(&mut self, inbox: &mut mpsc::Receiver<Job>, group: &mut Vec<Job>) -> Result<Vec<Done>, rusqlite::Error> {
        let claims = self.claims;
        self.in_transaction(|tx, ids| {
            let mut done = Vec::with_capacity(group.len());
            loop {
                for job in &group[done.len()..] {
                    done.push(change(
                        tx,
                        &mut claims.lock().unwrap_or_else(PoisonError::into_inner),
                        &job.change,
                        ids,
                    )?);
                }
                if group.len() >= MAX_GROUP {
                    break;
                }
                match inbox.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            Ok(done)
        })
    }

    /// Applies `change` in a transaction of its own.
    fn apply_alone(&mut self, change_alone: &Change) -> Result<Done, rusqlite::Error> {
        let claims = self.claims;
        self.in_transaction(|tx, ids| {
            change(tx, &mut claims.lock().unwrap_or_else(PoisonError::into_inner), change_alone, ids)
        })
    }

    /// Runs `changes` in a transaction that commits if they succeed; the
    /// claims are kept when it commits and put back when it does not.
    fn in_transaction<T>(
        &mut self,
        changes: impl FnOnce(&Connection, &mut Ids) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let committed = (|| {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut ids = Ids::default();
            let done = changes(&tx, &mut ids)?;
            ids.save(&tx)?;
            tx.commit()?;
            Ok(done)
        })();
        let mut claims = self.claims.lock().unwrap_or_else(PoisonError::into_inner);
        match committed {
            Ok(_) => claims.commit(),
            Err(_) => claims.roll_back(),
        }
        committed
    }
}

/// Applies one change inside its group's transaction, whose enqueues give
/// `ids`.
fn change(conn: &Connection, claims: &mut Claims, change: &Change, ids: &mut Ids) -> Result<Done, rusqlite::Error> {
    Ok(match change {
        Change::Enqueue { events, now } => Done::Enqueued(rows::enqueue(conn, events, *now, ids)?),
        Change::Claim { limits, skip, lease_end, now } => {
            Done::Claimed(rows::claim(conn, claims, *limits, skip, *lease_end, *now)?)
        }
        Change::Settle { outcomes, now } => Done::Settled(rows::settle(conn, claims, outcomes, *now)?),
        Change::Renew { fences, lease_end } => Done::Settled(rows::renew(claims, fences, *lease_end)?),
        Change::Sending { fences } => Done::Settled(rows::sending(conn, claims, fences)?),
        Change::Requeue { filter, now } => Done::Rows(rows::requeue_dead(conn, filter, *now)?),
        Change::Drop { filter } => Done::Rows(rows::drop_dead(conn, filter)?),
        Change::Pause { account, reason, now } => Done::Rows(rows::pause(conn, *account, reason, *now)?),
        Change::Resume { account } => Done::Rows(rows::resume(conn, *account)?),
        Change::Purge { before, dead_too } => Done::Rows(rows::purge(conn, *before, *dead_too)?),
    })
}

/// Syncs the WAL file at `wal` once for all the groups committed since the
/// last sync, then answers their jobs; runs on a thread of its own until the
/// writer is gone. After a sync fails, every answer is that error: what the
/// failed sync should have put on the disk may be lost, and so may
/// everything written after it.
pub(super) fn sync(wal: PathBuf, committed: std_mpsc::Receiver<Answers>) {
    let mut file = WalFile { path: wal, open: None };
    let mut broken: Option<String> = None;
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        groups.extend(committed.try_iter());
        if broken.is_none() {
            broken = file.sync().err().map(|error| {
                format!("the SQLite outbox could not put its WAL file {} on the disk: {error}", file.path.display())
            });
        }
        for (answer, done) in groups.into_iter().flatten() {
            let done = match &broken {
                None => done,
                Some(broken) => Err(Error::outbox_message(broken.clone())),
            };
            // A caller that stopped waiting needs no answer.
            let _ = answer.send(done);
        }
    }
}

/// The WAL file, opened at its first sync and again whenever SQLite made
/// a new one.
struct WalFile {
    path: PathBuf,
    /// The file and its device and inode numbers.
    open: Option<(File, (u64, u64))>,
}

impl WalFile {
    /// Puts everything written to the WAL file on the disk.
    fn sync(&mut self) -> std::io::Result<()> {
        let on_disk = std::fs::metadata(&self.path)?;
        let current = (on_disk.dev(), on_disk.ino());
        let file = match &self.open {
            Some((file, id)) if *id == current => file,
            _ => {
                let file = File::open(&self.path)?;
                let opened = file.metadata()?;
                // A new file: its name must be on the disk too.
                File::open(self.path.parent().unwrap_or(Path::new(".")))?.sync_all()?;
                &self.open.insert((file, (opened.dev(), opened.ino()))).0
            }
        };
        file.sync_data()
    }
}
