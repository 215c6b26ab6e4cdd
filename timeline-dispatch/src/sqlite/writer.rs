//! The writer: one task that owns the outbox's write connection and applies
//! every change the handles send it, many in one transaction (a group
//! commit), so that emitting from many tasks costs one commit per group.

use std::sync::Arc;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::rows::{self, Outcome};
use crate::outbox::{ClaimLimits, Claimed, Enqueued, NewEvent, OutboxError, RowFilter, Settled};

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
    /// [`rows::requeue_dead`].
    Requeue { filter: RowFilter, now: i64 },
    /// [`rows::purge`].
    Purge { before: i64 },
}

/// What a change did.
#[derive(Debug)]
pub(super) enum Done {
    /// An enqueue's answer.
    Enqueued(Vec<Enqueued>),
    /// A claim's rows.
    Claimed(Vec<Claimed>),
    /// A settle's counts.
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
                    let _ = job.answer.send(Ok(done));
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for job in group.drain(..) {
                    let _ = job
                        .answer
                        .send(Err(OutboxError::new("the SQLite outbox could not apply a change", Arc::clone(&error))));
                }
            }
        }
    }
    // Nothing is left to write; closing checkpoints the WAL when this is the
    // file's last connection.
    let _ = conn.close().await;
}

/// Applies `group` in one transaction: all of it, or (on an error) none.
async fn apply(conn: &mut SqliteConnection, group: &[Job]) -> Result<Vec<Done>, sqlx::Error> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        done.push(match &job.change {
            Change::Enqueue { events, now } => Done::Enqueued(rows::enqueue(&mut tx, events, *now).await?),
            Change::Claim { limits, lease_end, now } => {
                Done::Claimed(rows::claim(&mut tx, *limits, *lease_end, *now).await?)
            }
            Change::Settle { outcomes, now } => Done::Settled(rows::settle(&mut tx, outcomes, *now).await?),
            Change::Requeue { filter, now } => Done::Rows(rows::requeue_dead(&mut tx, filter, *now).await?),
            Change::Purge { before } => Done::Rows(rows::purge(&mut tx, *before).await?),
        });
    }
    tx.commit().await?;
    Ok(done)
}
