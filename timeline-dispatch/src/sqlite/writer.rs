//! The writer: one task that owns the outbox's write connection and applies
//! every change the handles send it, many in one transaction (a group
//! commit), so that emitting from many tasks costs one commit per group.

use std::collections::HashSet;

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
    Claim { limits: ClaimLimits, skip: Vec<u64>, lease_end: i64, now: i64 },
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
        let answers = match apply(&mut conn, &group).await {
            Ok(done) => done.into_iter().map(Ok).collect(),
            // One job's error must not fail the others: each alone, in a
            // transaction of its own.
            Err(_) if group.len() > 1 => {
                let mut answers = Vec::with_capacity(group.len());
                for job in &group {
                    let alone = apply(&mut conn, std::slice::from_ref(job)).await;
                    answers.push(alone.map(|mut done| done.remove(0)).map_err(failed));
                }
                answers
            }
            Err(error) => vec![Err(failed(error))],
        };
        for (job, answer) in group.drain(..).zip(answers) {
            // A caller that stopped waiting needs no answer.
            let _ = job.answer.send(answer);
        }
    }
    // Nothing is left to write; closing checkpoints the WAL when this is the
    // file's last connection.
    let _ = conn.close().await;
}

fn failed(error: sqlx::Error) -> OutboxError {
    OutboxError::new(format!("the SQLite outbox could not apply a change: {error}"), error)
}

/// Applies `group` in one transaction: all of it, or (on an error) none.
/// The events of all its enqueues go in one statement.
async fn apply(conn: &mut SqliteConnection, group: &[Job]) -> Result<Vec<Done>, sqlx::Error> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let events: Vec<(&NewEvent, i64)> = group
        .iter()
        .filter_map(|job| match &job.change {
            Change::Enqueue { events, now } => Some(events.iter().map(move |event| (event, *now))),
            _ => None,
        })
        .flatten()
        .collect();
    let mut added = if events.is_empty() { HashSet::new() } else { rows::enqueue(&mut tx, &events).await? };
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        done.push(match &job.change {
            // Of a key enqueued twice in a group, the first is the one added.
            Change::Enqueue { events, .. } => Done::Enqueued(
                events
                    .iter()
                    .map(|event| if added.remove(&event.key) { Enqueued::Added } else { Enqueued::AlreadyThere })
                    .collect(),
            ),
            Change::Claim { limits, skip, lease_end, now } => {
                Done::Claimed(rows::claim(&mut tx, *limits, skip, *lease_end, *now).await?)
            }
            Change::Settle { outcomes, now } => Done::Settled(rows::settle(&mut tx, outcomes, *now).await?),
            Change::Renew { fences, lease_end } => Done::Settled(rows::renew(&mut tx, fences, *lease_end).await?),
            Change::Sending { fences } => Done::Settled(rows::sending(&mut tx, fences).await?),
            Change::Requeue { filter, now } => Done::Rows(rows::requeue_dead(&mut tx, filter, *now).await?),
            Change::Purge { before, dead_too } => Done::Rows(rows::purge(&mut tx, *before, *dead_too).await?),
        });
    }
    tx.commit().await?;
    Ok(done)
}
