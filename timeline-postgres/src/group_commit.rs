//! Group commits of [`Outbox::enqueue`](timeline_dispatch::Outbox::enqueue):
//! the enqueues that wait at the same moment go to Postgres in one
//! statement, so many tasks emitting at once share round trips and commits.
//!
//! No task lives longer than the work: an enqueue that finds fewer than
//! [`GROUPS_IN_FLIGHT`] groups under way starts one, which commits what is
//! waiting, group after group, and ends when nothing is. A group runs in a
//! task of its own, so a caller that stops waiting does not stop the group
//! that holds the others' events.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sqlx::PgPool;
use timeline_dispatch::{Enqueued, Error, NewEvent};
use tokio::sync::oneshot;

use crate::enqueue::insert;
use crate::sql::Statements;

/// The most groups committing at once (each on a connection of the pool).
const GROUPS_IN_FLIGHT: usize = 4;

/// The most enqueues one group holds.
const MAX_GROUP: usize = 256;

/// One enqueue waiting for its group's commit.
struct Job {
    events: Vec<NewEvent>,
    now: SystemTime,
    answer: oneshot::Sender<Result<Vec<Enqueued>, Error>>,
}

/// The enqueues waiting, and how many groups are under way.
#[derive(Default)]
struct Waiting {
    jobs: Vec<Job>,
    groups: usize,
}

/// A group's place among the [`GROUPS_IN_FLIGHT`], given back if its task
/// ends any other way than by finding nothing to commit (a panic).
struct GroupSlot {
    waiting: Arc<Mutex<Waiting>>,
    held: bool,
}

impl Drop for GroupSlot {
    fn drop(&mut self) {
        if self.held {
            self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).groups -= 1;
        }
    }
}

/// Group commits of one outbox's enqueues; clones share them.
#[derive(Clone)]
pub(crate) struct GroupCommits {
    pool: PgPool,
    statements: Arc<Statements>,
    waiting: Arc<Mutex<Waiting>>,
}

impl GroupCommits {
    /// Group commits through `pool`.
    pub(crate) fn new(pool: PgPool, statements: Arc<Statements>) -> Self {
        GroupCommits { pool, statements, waiting: Arc::default() }
    }

    /// Adds `events`, due at `now`, in the next group, and waits for its
    /// commit.
    pub(crate) async fn enqueue(&self, events: &[NewEvent], now: SystemTime) -> Result<Vec<Enqueued>, Error> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (answer, answered) = oneshot::channel();
        let start_group = {
            let mut waiting = self.lock();
            waiting.jobs.push(Job { events: events.to_vec(), now, answer });
            let start = waiting.groups < GROUPS_IN_FLIGHT;
            waiting.groups += usize::from(start);
            start
        };
        if start_group {
            tokio::spawn(self.clone().commit_while_waiting());
        }
        answered.await.map_err(|_| Error::outbox_message("postgres outbox: the group commit of an enqueue stopped"))?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Commits the waiting enqueues, a group at a time, until none waits.
    async fn commit_while_waiting(self) {
        let mut slot = GroupSlot { waiting: Arc::clone(&self.waiting), held: true };
        loop {
            let group: Vec<Job> = {
                let mut waiting = self.lock();
                if waiting.jobs.is_empty() {
                    // Given up under the lock that saw nothing waiting, so an
                    // enqueue arriving now starts a group of its own.
                    waiting.groups -= 1;
                    slot.held = false;
                    return;
                }
                let take = waiting.jobs.len().min(MAX_GROUP);
                waiting.jobs.drain(..take).collect()
            };
            self.commit(group).await;
        }
    }

    /// Commits `group` in one statement and answers each of its enqueues;
    /// when that fails, each enqueue alone, so one that fails does not fail
    /// the others.
    async fn commit(&self, group: Vec<Job>) {
        let rows: Vec<(&NewEvent, SystemTime)> =
            group.iter().flat_map(|job| job.events.iter().map(move |event| (event, job.now))).collect();
        match insert(&self.pool, &self.statements, &rows, None).await {
            Ok(enqueued) => {
                let mut answers = enqueued.into_iter();
                for job in group {
                    let answer: Vec<Enqueued> = answers.by_ref().take(job.events.len()).collect();
                    let _ = job.answer.send(Ok(answer));
                }
            }
            Err(error) if group.len() == 1 => {
                if let Some(job) = group.into_iter().next() {
                    let _ = job.answer.send(Err(error));
                }
            }
            Err(_) => {
                for job in group {
                    let rows: Vec<(&NewEvent, SystemTime)> = job.events.iter().map(|event| (event, job.now)).collect();
                    let answer = insert(&self.pool, &self.statements, &rows, None).await;
                    let _ = job.answer.send(answer);
                }
            }
        }
    }
}
