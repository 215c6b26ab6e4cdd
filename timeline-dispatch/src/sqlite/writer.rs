//! The writer: one task that owns the outbox's write connection and applies
//! every change the handles send it, many in one transaction (a group
//! commit), so that emitting from many tasks costs one commit per group.

use std::sync::Arc;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::rows::{self, Outcome};
use crate::outbox::{ClaimLimits, Claimed, Enqueued, Fence, NewEvent, OutboxError, RowFilter, Settled};

/// The most changes one transaction holds.
const MAX_GROUP: usize = 256;

/// Changes waiting for the writer before a sender waits too.
pub(super) const QUEUE: usize = 1024;

/// A change to apply, with its times in the stored form.
#[derive(Debug)]
pub(super) enum Change {
    /// [`rows::enqueue`].
    Enqueue { events: Vec<NewEvent>, now: i64 },
    /// [`rows::claim`].
    Claim { limits: ClaimLimits, lease_end: i64, now: i64 },
    /// [`rows::settle`].
    Settle { outcomes: Vec<Outcome>, now: i64 },
    /// [`rows::renew`].
    Renew { fences: Vec<Fence>, lease_end: i64 },
    /// [`rows::sending`].
    Sending { fences: Vec<Fence> },
    /// [`rows::requeue_dead`].
    Requeue { filter: RowFilter, now: i64 },
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
    /// How many rows a requeue or a purge changed.
    Rows(u64),
}

/// A change and where its answer goes once its transaction committed.
#[derive(Debug)]
pub(super) struct Job {
    pub(super) change: Change,
    pub(super) answer: oneshot::Sender<Result<Done, OutboxError>>,
}

/// Applies the jobs `jobs` receives, in groups, until every sender is gone.
pub(super) async fn run(mut conn: SqliteConnection, mut jobs: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        match apply(&mut conn, &group).await {
            Ok(done) => {
                for (job, done) in group.drain(..).zip(done) {
                    // A caller that stopped waiting needs no answer.
                    let _ = job.answer.send(done.map_err(failed));
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for job in group.drain(..) {
                    let _ = job.answer.send(Err(failed(Arc::clone(&error))));
                }
            }
        }
    }
    // Nothing is left to write; closing checkpoints the WAL when this is the
    // file's last connection.
    let _ = conn.close().await;
}

fn failed(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> OutboxError {
    OutboxError::new("the SQLite outbox could not apply a change", error)
}

/// Applies `group` in one transaction, each job under a savepoint of its
/// own: a job that fails is undone alone and answered with its error, and
/// the others commit. An error outside the jobs (the transaction could not
/// begin or commit) fails them all, and nothing is applied.
async fn apply(conn: &mut SqliteConnection, group: &[Job]) -> Result<Vec<Result<Done, sqlx::Error>>, sqlx::Error> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
        let result = change(&mut tx, &job.change).await;
        let end = if result.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        sqlx::raw_sql(end).execute(&mut *tx).await?;
        done.push(result);
    }
    tx.commit().await?;
    Ok(done)
}

/// Applies one change.
async fn change(conn: &mut SqliteConnection, change: &Change) -> Result<Done, sqlx::Error> {
    Ok(match change {
        Change::Enqueue { events, now } => Done::Enqueued(rows::enqueue(conn, events, *now).await?),
        Change::Claim { limits, lease_end, now } => Done::Claimed(rows::claim(conn, *limits, *lease_end, *now).await?),
        Change::Settle { outcomes, now } => Done::Settled(rows::settle(conn, outcomes, *now).await?),
        Change::Renew { fences, lease_end } => Done::Settled(rows::renew(conn, fences, *lease_end).await?),
        Change::Sending { fences } => Done::Settled(rows::sending(conn, fences).await?),
        Change::Requeue { filter, now } => Done::Rows(rows::requeue_dead(conn, filter, *now).await?),
        Change::Purge { before, dead_too } => Done::Rows(rows::purge(conn, *before, *dead_too).await?),
    })
}
