//! [`PgOutbox`]: the [`Outbox`] in a Postgres schema.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgExecutor, PgPool, Row};
use timeline_dispatch::outbox::lease_end;
use timeline_dispatch::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, Enqueued, Error, EventKey, Fate, Fence, NewEvent, Outbox,
    OutboxCounts, OutboxDepth, OutboxFuture, Pause, RowFilter, RowState, RowSummary, Settled,
};

use crate::codec::{
    db_error, from_db_account, from_db_attempt, from_db_count, from_db_kind, from_db_state, from_db_time,
    to_db_account, to_db_attempt, to_db_limit, to_db_time,
};
use crate::enqueue::insert;
use crate::group_commit::GroupCommits;
use crate::listener::EnqueueListener;
use crate::schema::{MigrationFailure, is_plain_schema, migrate_in_schema};
use crate::sql::Statements;

/// The migrations of the outbox's tables, run in its schema by
/// [`PgOutbox::migrate`].
static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

/// An [`Outbox`] in a Postgres schema: shared by every replica of a service,
/// and enqueued to in the caller's own transaction with
/// [`enqueue_in`](Self::enqueue_in).
///
/// Rows live in the table `events` of its schema ([`DEFAULT_SCHEMA`] unless
/// [`with_schema`](Self::with_schema) names another); its migrations are
/// recorded in that schema's own `_sqlx_migrations`, apart from the
/// application's.
///
/// # Time
///
/// Times are the callers' `now`, as the trait passes them (so tests drive
/// time by data), stored as `timestamptz` (microseconds; finer parts are
/// dropped). Replicas' clocks should agree to well within a lease: a replica
/// whose clock runs ahead may reclaim a row whose lease has not run out
/// elsewhere, which the attempt fence makes safe (the slower claim's settle is
/// stale) but which sends the event twice (its id makes HubSpot keep one).
///
/// # Claims
///
/// One statement, committed before it returns (so before anything is sent):
/// the accounts with due rows (found by skipping through an index one account
/// at a time, so a large backlog costs nothing) by their oldest due row, then
/// each account's oldest due rows cut to the claim's limits, and only then
/// exactly those rows locked with `FOR UPDATE SKIP LOCKED` (rows another
/// claim holds are skipped, never waited for; no row the claim does not take
/// is locked, so other replicas' claims find every other due row), updated to
/// claimed with the attempt number raised and the lease's end as their due
/// time. Every later change is fenced on (row, attempt): a change whose
/// attempt is not the row's any more changes nothing and is named as stale.
///
/// # Group commits
///
/// [`enqueue`](Outbox::enqueue) (what [`Dispatcher::emit`](timeline_dispatch::Dispatcher::emit)
/// calls) joins the enqueues waiting at the same moment in one statement, up
/// to four such groups at once, so tasks emitting together share round trips
/// and commits; when a group fails, its enqueues are tried again one by one,
/// so one that fails does not fail the others. [`enqueue_in`](Self::enqueue_in)
/// is never grouped: it runs in the caller's transaction.
///
/// # Waking a dispatcher
///
/// [`enqueue_in`](Self::enqueue_in) notifies the channel named after the
/// schema when its transaction commits and it added a row;
/// [`listen`](Self::listen) waits for that. A dispatcher that does not listen
/// finds the rows on its next poll ([`next_due`](Outbox::next_due)).
#[derive(Clone)]
pub struct PgOutbox {
    pool: PgPool,
    schema: String,
    statements: std::sync::Arc<Statements>,
    group_commits: GroupCommits,
}

impl std::fmt::Debug for PgOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The statements are the schema's, spelled out: not worth showing.
        f.debug_struct("PgOutbox").field("schema", &self.schema).field("pool", &self.pool).finish_non_exhaustive()
    }
}

/// The schema of [`PgOutbox::new`].
pub const DEFAULT_SCHEMA: &str = "timeline_outbox";

impl PgOutbox {
    /// The outbox in the schema [`DEFAULT_SCHEMA`] of `pool`'s database. Run
    /// [`migrate`](Self::migrate) once before using it.
    pub fn new(pool: PgPool) -> Self {
        PgOutbox::build(pool, DEFAULT_SCHEMA.to_owned())
    }

    /// The outbox in the schema `schema`, which must be a plain lower-case
    /// identifier (`a`–`z`, digits and `_`, not starting with a digit, at most
    /// 63 bytes).
    pub fn with_schema(pool: PgPool, schema: &str) -> Result<Self, Error> {
        if !is_plain_schema(schema) {
            return Err(Error::outbox_message(format!(
                "{schema:?} is not a plain lower-case identifier for the outbox's schema"
            )));
        }
        Ok(PgOutbox::build(pool, schema.to_owned()))
    }

    fn build(pool: PgPool, schema: String) -> Self {
        let statements = std::sync::Arc::new(Statements::new(&schema));
        let group_commits = GroupCommits::new(pool.clone(), Arc::clone(&statements));
        PgOutbox { pool, schema, statements, group_commits }
    }

    /// Its schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Its pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the schema if needed and runs the migrations not run yet, on a
    /// connection of its own whose `search_path` is the schema; the
    /// migrations table is the schema's own. Safe to run from every replica at
    /// start (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<(), Error> {
        migrate_in_schema(&self.pool, &self.schema, &MIGRATIONS).await.map_err(|failure| match failure {
            MigrationFailure::Connect(error) => db_error("connect to migrate")(error),
            MigrationFailure::Migrate(error) => Error::outbox(format!("postgres outbox: migrate: {error}"), error),
            MigrationFailure::Close(error) => db_error("close the migration connection")(error),
        })
    }

    /// Adds `events` (pending, due at `now`) through `executor`: the caller's
    /// connection or transaction (`&mut *tx`), so they exist if and only if
    /// the caller's transaction commits. Says, in order, which were added and
    /// which were there already (an event whose key an earlier event of
    /// `events` has counts as there already). Rows are inserted in key order
    /// (their ids in the order of `events`), so two transactions adding the
    /// same keys in opposite orders wait for one another, never deadlock.
    ///
    /// When it adds a row, it notifies [`listen`](Self::listen)ers, which
    /// Postgres delivers when the transaction commits (and never if it rolls
    /// back).
    pub async fn enqueue_in<'c, E>(
        &self,
        executor: E,
        events: &[NewEvent],
        now: SystemTime,
    ) -> Result<Vec<Enqueued>, Error>
    where
        E: PgExecutor<'c>,
    {
        let events: Vec<(&NewEvent, SystemTime)> = events.iter().map(|event| (event, now)).collect();
        insert(executor, &self.statements, &events, Some(&self.schema)).await
    }

    /// Waits for [`enqueue_in`](Self::enqueue_in)'s notifications, on a
    /// connection of its own from the pool's options.
    pub async fn listen(&self) -> Result<EnqueueListener, Error> {
        EnqueueListener::connect(&self.pool, &self.schema).await
    }

    async fn claim_rows(
        &self,
        limits: ClaimLimits,
        skip: &[AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> Result<Vec<Claimed>, Error> {
        if limits.per_account == 0 || limits.total == 0 {
            return Ok(Vec::new());
        }
        let lease_end = lease_end(now, lease)?;
        let rows = sqlx::query(AssertSqlSafe(self.statements.claim.clone()))
            .bind(to_db_time(now)?)
            .bind(to_db_limit(limits.per_account))
            .bind(to_db_limit(limits.total))
            .bind(to_db_time(lease_end)?)
            .bind(skip.iter().copied().map(to_db_account).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("claim"))?;
        let mut claimed = rows.iter().map(claimed_row).collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|(first, claim)| (*first, claim.fence.row));
        Ok(claimed.into_iter().map(|(_, claim)| claim).collect())
    }

    async fn settle_rows(&self, outcomes: &[(Fence, Fate)], now: SystemTime) -> Result<Settled, Error> {
        // A fence named twice is settled by its first outcome (the others are
        // stale); of one row's fences, only its current attempt's can apply.
        let mut seen = HashSet::new();
        let (mut rows, mut attempts, mut states, mut due, mut errors, mut landed) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (fence, settlement) in outcomes {
            if !seen.insert(*fence) {
                continue;
            }
            rows.push(fence.row);
            attempts.push(to_db_attempt(fence.attempt)?);
            let (state, due_at, error, may_have_landed) = match settlement {
                Fate::Delivered { .. } => (RowState::Delivered, None, None, None),
                Fate::RetryAt { at, reason, may_have_landed } => {
                    (RowState::Pending, Some(to_db_time(*at)?), Some(reason.to_string()), Some(*may_have_landed))
                }
                Fate::Dead { reason, may_have_landed } => {
                    (RowState::Dead, None, Some(reason.to_string()), Some(*may_have_landed))
                }
            };
            states.push(state.as_str());
            due.push(due_at);
            errors.push(error);
            landed.push(may_have_landed);
        }
        let changed = if rows.is_empty() {
            Vec::new()
        } else {
            sqlx::query(AssertSqlSafe(self.statements.settle.clone()))
                .bind(&rows)
                .bind(&attempts)
                .bind(&states)
                .bind(&due)
                .bind(&errors)
                .bind(to_db_time(now)?)
                .bind(&landed)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("settle"))?
        };
        settled(outcomes.iter().map(|(fence, _)| *fence), &changed)
    }

    /// Runs `statement` (`$1` rows, `$2` attempts, then `extra`) on the
    /// claims `fences` name.
    async fn update_claims(
        &self,
        statement: &Arc<str>,
        fences: &[Fence],
        lease_end: Option<SystemTime>,
        what: &'static str,
    ) -> Result<Settled, Error> {
        if fences.is_empty() {
            return Ok(Settled::default());
        }
        let rows: Vec<i64> = fences.iter().map(|fence| fence.row).collect();
        let attempts = fences.iter().map(|fence| to_db_attempt(fence.attempt)).collect::<Result<Vec<_>, _>>()?;
        let mut query = sqlx::query(AssertSqlSafe(statement.clone())).bind(&rows).bind(&attempts);
        if let Some(lease_end) = lease_end {
            query = query.bind(to_db_time(lease_end)?);
        }
        let changed = query.fetch_all(&self.pool).await.map_err(db_error(what))?;
        settled(fences.iter().copied(), &changed)
    }

    async fn next_due_time(&self) -> Result<Option<SystemTime>, Error> {
        let (due,): (Option<chrono::DateTime<chrono::Utc>>,) =
            sqlx::query_as(AssertSqlSafe(self.statements.next_due.clone()))
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("next due time"))?;
        Ok(due.map(from_db_time))
    }

    async fn count_rows(&self) -> Result<OutboxCounts, Error> {
        let (pending, claimed, delivered, dead, oldest): (i64, i64, i64, i64, Option<chrono::DateTime<chrono::Utc>>) =
            sqlx::query_as(AssertSqlSafe(self.statements.counts.clone()))
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("count rows"))?;
        Ok(OutboxCounts {
            pending: from_db_count(pending),
            claimed: from_db_count(claimed),
            delivered: from_db_count(delivered),
            dead: from_db_count(dead),
            oldest_undelivered: oldest.map(from_db_time),
        })
    }

    async fn depth_rows(&self) -> Result<OutboxDepth, Error> {
        let (undelivered, oldest): (i64, Option<chrono::DateTime<chrono::Utc>>) =
            sqlx::query_as(AssertSqlSafe(self.statements.depth.clone()))
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("count undelivered rows"))?;
        Ok(OutboxDepth { undelivered: from_db_count(undelivered), oldest_undelivered: oldest.map(from_db_time) })
    }

    async fn count_accounts(&self, delivered_since: SystemTime) -> Result<Vec<AccountCounts>, Error> {
        let rows = sqlx::query(AssertSqlSafe(self.statements.account_counts.clone()))
            .bind(to_db_time(delivered_since)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("count rows per account"))?;
        let mut accounts = rows.iter().map(account_row).collect::<Result<Vec<_>, _>>()?;
        accounts.sort_by_key(|account| account.account);
        Ok(accounts)
    }

    async fn group_dead(&self, account: Option<AccountId>, limit: usize) -> Result<Vec<DeadReason>, Error> {
        let rows = sqlx::query(AssertSqlSafe(self.statements.dead_reasons.clone()))
            .bind(account.map(to_db_account))
            .bind(to_db_limit(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("group dead letters"))?;
        rows.iter()
            .map(|row| {
                let read = db_error("read a dead letters' reason");
                Ok(DeadReason {
                    sample: summary_row(row)?,
                    reason: row.try_get("reason").map_err(read)?,
                    rows: from_db_count(row.try_get("rows").map_err(db_error("read a dead letters' count"))?),
                    sample_body: row
                        .try_get::<Option<Vec<u8>>, _>("body")
                        .map_err(db_error("read a dead letter's body"))?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn list_rows(&self, filter: &RowFilter, limit: usize) -> Result<Vec<RowSummary>, Error> {
        let rows = filtered(&self.statements.list, filter.state.map(RowState::as_str), filter)
            .bind(to_db_limit(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("list rows"))?;
        rows.iter().map(summary_row).collect()
    }

    async fn requeue(&self, filter: &RowFilter, now: SystemTime) -> Result<u64, Error> {
        let done = filtered(&self.statements.requeue_dead, to_db_time(now)?, filter)
            .execute(&self.pool)
            .await
            .map_err(db_error("requeue dead rows"))?;
        Ok(done.rows_affected())
    }

    async fn drop_rows(&self, filter: &RowFilter) -> Result<u64, Error> {
        let done = filtered(&self.statements.drop_dead, None::<i64>, filter)
            .execute(&self.pool)
            .await
            .map_err(db_error("drop dead rows"))?;
        Ok(done.rows_affected())
    }

    async fn pause_account(&self, account: AccountId, reason: &str, now: SystemTime) -> Result<bool, Error> {
        let paused = sqlx::query(AssertSqlSafe(self.statements.pause.clone()))
            .bind(to_db_account(account))
            .bind(to_db_time(now)?)
            .bind(reason)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("pause an account"))?;
        Ok(paused.is_some())
    }

    async fn resume_account(&self, account: AccountId) -> Result<bool, Error> {
        let resumed = sqlx::query(AssertSqlSafe(self.statements.resume.clone()))
            .bind(to_db_account(account))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("resume an account"))?;
        Ok(resumed.is_some())
    }

    async fn paused_accounts(&self) -> Result<Vec<(AccountId, Pause)>, Error> {
        let rows: Vec<(i64, chrono::DateTime<chrono::Utc>, String)> =
            sqlx::query_as(AssertSqlSafe(self.statements.paused.clone()))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("list paused accounts"))?;
        let mut paused: Vec<_> = rows
            .into_iter()
            .map(|(account, since, reason)| (from_db_account(account), Pause { since: from_db_time(since), reason }))
            .collect();
        paused.sort_by_key(|(account, _)| *account);
        Ok(paused)
    }

    async fn purge_rows(&self, statement: &Arc<str>, before: SystemTime) -> Result<u64, Error> {
        let done = sqlx::query(AssertSqlSafe(statement.clone()))
            .bind(to_db_time(before)?)
            .execute(&self.pool)
            .await
            .map_err(db_error("purge"))?;
        Ok(done.rows_affected())
    }
}

/// `statement` with `first` as `$1` and `filter`'s account, event id, row
/// and reason as `$2` to `$5`.
fn filtered<'q, T>(
    statement: &Arc<str>,
    first: T,
    filter: &'q RowFilter,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>
where
    T: 'q + sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
{
    sqlx::query(AssertSqlSafe(statement.clone()))
        .bind(first)
        .bind(filter.account.map(to_db_account))
        .bind(filter.event_id.as_deref())
        .bind(filter.row)
        .bind(filter.reason.as_deref())
}

/// A row of the per-account counts.
fn account_row(row: &PgRow) -> Result<AccountCounts, Error> {
    let read = db_error("read an account's counts");
    let decoded: Result<_, sqlx::Error> = (|| {
        Ok((
            row.try_get::<i64, _>("account")?,
            row.try_get::<i64, _>("pending")?,
            row.try_get::<i64, _>("claimed")?,
            row.try_get::<i64, _>("dead")?,
            row.try_get::<i64, _>("delivered")?,
            row.try_get::<Option<chrono::DateTime<chrono::Utc>>, _>("oldest")?,
            row.try_get::<Option<chrono::DateTime<chrono::Utc>>, _>("since")?,
            row.try_get::<Option<String>, _>("reason")?,
        ))
    })();
    let (account, pending, claimed, dead, delivered, oldest, since, reason) = decoded.map_err(read)?;
    Ok(AccountCounts {
        account: from_db_account(account),
        pending: from_db_count(pending),
        claimed: from_db_count(claimed),
        dead: from_db_count(dead),
        delivered: from_db_count(delivered),
        oldest_undelivered: oldest.map(from_db_time),
        paused: since.map(|since| Pause { since: from_db_time(since), reason: reason.unwrap_or_default() }),
    })
}

/// What changed of `fences` (the first of each fence), by the rows
/// `changed` returned (id, attempt).
fn settled(fences: impl Iterator<Item = Fence>, changed: &[PgRow]) -> Result<Settled, Error> {
    let changed = changed
        .iter()
        .map(|row| {
            let id: i64 = row.try_get(0).map_err(db_error("read a changed row"))?;
            let attempt: i32 = row.try_get(1).map_err(db_error("read a changed row"))?;
            Ok(Fence { row: id, attempt: from_db_attempt(attempt)? })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Settled::from_changed(fences, changed))
}

/// A row the claim returned, with its account's oldest due row (the order of
/// the claim).
fn claimed_row(row: &PgRow) -> Result<(i64, Claimed), Error> {
    let read = db_error("read a claimed row");
    let decoded: Result<_, sqlx::Error> = (|| {
        Ok((
            row.try_get::<i64, _>("first")?,
            row.try_get::<i64, _>("id")?,
            row.try_get::<i32, _>("attempts")?,
            row.try_get::<i64, _>("account")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<String, _>("event_type")?,
            row.try_get::<String, _>("event_id")?,
            row.try_get::<Vec<u8>, _>("body")?,
            row.try_get::<chrono::DateTime<chrono::Utc>, _>("enqueued_at")?,
            row.try_get::<bool, _>("may_have_landed")?,
        ))
    })();
    let (first, id, attempts, account, kind, event_type, event_id, body, enqueued_at, may_have_landed) =
        decoded.map_err(read)?;
    Ok((
        first,
        Claimed {
            fence: Fence { row: id, attempt: from_db_attempt(attempts)? },
            key: EventKey { account: from_db_account(account), kind: from_db_kind(&kind)?, event_type, event_id },
            body,
            enqueued_at: from_db_time(enqueued_at),
            may_have_landed,
        },
    ))
}

/// A row [`Outbox::list`] returned.
fn summary_row(row: &PgRow) -> Result<RowSummary, Error> {
    let read = db_error("read a listed row");
    let decoded: Result<_, sqlx::Error> = (|| {
        Ok((
            row.try_get::<i64, _>("id")?,
            row.try_get::<i64, _>("account")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<String, _>("event_type")?,
            row.try_get::<String, _>("event_id")?,
            row.try_get::<String, _>("state")?,
            row.try_get::<i32, _>("attempts")?,
            row.try_get::<chrono::DateTime<chrono::Utc>, _>("enqueued_at")?,
            row.try_get::<Option<chrono::DateTime<chrono::Utc>>, _>("due_at")?,
            row.try_get::<Option<String>, _>("last_error")?,
            row.try_get::<bool, _>("may_have_landed")?,
        ))
    })();
    let (id, account, kind, event_type, event_id, state, attempts, enqueued_at, due_at, last_error, may_have_landed) =
        decoded.map_err(read)?;
    Ok(RowSummary {
        row: id,
        key: EventKey { account: from_db_account(account), kind: from_db_kind(&kind)?, event_type, event_id },
        state: from_db_state(&state)?,
        attempts: from_db_attempt(attempts)?,
        enqueued_at: from_db_time(enqueued_at),
        due_at: due_at.map(from_db_time),
        last_error,
        may_have_landed,
    })
}

impl Outbox for PgOutbox {
    /// Adds `events` in a statement of its own on the pool (no notification:
    /// the dispatcher calling it knows).
    fn enqueue<'a>(&'a self, events: &'a [NewEvent], now: SystemTime) -> OutboxFuture<'a, Vec<Enqueued>> {
        Box::pin(self.group_commits.enqueue(events, now))
    }

    fn claim_skipping<'a>(
        &'a self,
        limits: ClaimLimits,
        skip: &'a [AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>> {
        Box::pin(self.claim_rows(limits, skip, lease, now))
    }

    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Fate)], now: SystemTime) -> OutboxFuture<'a, Settled> {
        Box::pin(self.settle_rows(outcomes, now))
    }

    fn renew<'a>(&'a self, fences: &'a [Fence], lease: Duration, now: SystemTime) -> OutboxFuture<'a, Settled> {
        Box::pin(async move {
            self.update_claims(&self.statements.renew, fences, Some(lease_end(now, lease)?), "renew leases").await
        })
    }

    fn sending<'a>(&'a self, fences: &'a [Fence]) -> OutboxFuture<'a, Settled> {
        Box::pin(self.update_claims(&self.statements.sending, fences, None, "mark rows as sending"))
    }

    fn next_due(&self) -> OutboxFuture<'_, Option<SystemTime>> {
        Box::pin(self.next_due_time())
    }

    fn counts(&self) -> OutboxFuture<'_, OutboxCounts> {
        Box::pin(self.count_rows())
    }

    fn depth(&self) -> OutboxFuture<'_, OutboxDepth> {
        Box::pin(self.depth_rows())
    }

    fn account_counts(&self, delivered_since: SystemTime) -> OutboxFuture<'_, Vec<AccountCounts>> {
        Box::pin(self.count_accounts(delivered_since))
    }

    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> OutboxFuture<'_, Vec<DeadReason>> {
        Box::pin(self.group_dead(account, limit))
    }

    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>> {
        Box::pin(self.list_rows(filter, limit))
    }

    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64> {
        Box::pin(self.requeue(filter, now))
    }

    fn drop_dead<'a>(&'a self, filter: &'a RowFilter) -> OutboxFuture<'a, u64> {
        Box::pin(self.drop_rows(filter))
    }

    fn pause<'a>(&'a self, account: AccountId, reason: &'a str, now: SystemTime) -> OutboxFuture<'a, bool> {
        Box::pin(self.pause_account(account, reason, now))
    }

    fn resume(&self, account: AccountId) -> OutboxFuture<'_, bool> {
        Box::pin(self.resume_account(account))
    }

    fn paused(&self) -> OutboxFuture<'_, Vec<(AccountId, Pause)>> {
        Box::pin(self.paused_accounts())
    }

    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_rows(&self.statements.purge, before))
    }

    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        Box::pin(self.purge_rows(&self.statements.purge_delivered, before))
    }
}
