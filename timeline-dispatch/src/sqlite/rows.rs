//! The SQL of each outbox operation on one SQLite connection, and how
//! values are stored: times as microseconds since the Unix epoch, accounts
//! as their 64 bits in an `INTEGER`, kinds and states by name.
//!
//! Changes go one row per execution of a cached prepared statement, inside
//! the writer's transaction: no statement text to parse and nothing to pack
//! per row, bodies bound as they are. They are `OR FAIL`: a statement that
//! fails keeps what it changed before, which needs no statement journal
//! (a copy of every page the statement touches); the writer rolls the whole
//! transaction back on any error anyway.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{CachedStatement, Connection, Error, Params, Row, params};

use super::claims::{Claim, Claims, per_account};
use crate::fate::Fate;
use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, Enqueued, EventKey, EventKind, Fence, NewEvent, OutboxCounts,
    OutboxDepth, Pause, RowFilter, RowState, RowSummary, Settled,
};

/// A time as the outbox stores it.
pub(super) fn micros(time: SystemTime) -> Result<i64, crate::Error> {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_micros()).ok())
        .ok_or_else(|| crate::Error::outbox_message(format!("{time:?} is outside the times the SQLite outbox stores")))
}

/// An account as stored: its bits, so every `u64` fits.
pub(super) fn account_bits(account: AccountId) -> i64 {
    i64::from_ne_bytes(account.get().to_ne_bytes())
}

/// A stored value read back as what it stands for.
struct Stored<T>(T);

/// The time `micros` stores, if it is one.
fn time(micros: i64) -> Option<SystemTime> {
    u64::try_from(micros).ok().and_then(|micros| SystemTime::UNIX_EPOCH.checked_add(Duration::from_micros(micros)))
}

impl FromSql for Stored<SystemTime> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let micros = i64::column_result(value)?;
        time(micros).map(Stored).ok_or(FromSqlError::OutOfRange(micros))
    }
}

impl FromSql for Stored<u64> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(Stored(u64::from_ne_bytes(i64::column_result(value)?.to_ne_bytes())))
    }
}

impl FromSql for Stored<EventKind> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        EventKind::from_name(name).map(Stored).ok_or_else(|| unknown("event kind", name))
    }
}

impl FromSql for Stored<RowState> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        RowState::from_name(name).map(Stored).ok_or_else(|| unknown("row state", name))
    }
}

fn unknown(what: &str, name: &str) -> FromSqlError {
    FromSqlError::Other(format!("unknown {what} {name:?}").into())
}

/// A count, never negative.
fn count(row: &Row<'_>, column: impl rusqlite::RowIndex) -> Result<u64, Error> {
    Ok(u64::try_from(row.get::<_, i64>(column)?).unwrap_or(0))
}

/// The key of a row whose first four columns are `account, kind,
/// event_type, event_id` from `first` on.
fn key(row: &Row<'_>, first: usize) -> Result<EventKey, Error> {
    Ok(EventKey {
        account: AccountId::new(row.get::<_, Stored<u64>>(first)?.0),
        kind: row.get::<_, Stored<EventKind>>(first + 1)?.0,
        event_type: row.get(first + 2)?,
        event_id: row.get(first + 3)?,
    })
}

/// The ids the enqueues of one transaction give: each above the highest id
/// given before (`outbox_sequence`, so a purged row's id is never given
/// again) and the highest id in the table. Both are read at the
/// transaction's first enqueue, and the last id given is written back by
/// [`save`](Self::save) before the transaction commits: one read and one
/// write per transaction, not per row.
#[derive(Debug, Default)]
pub(super) struct Ids {
    /// The last id given (or found), once read.
    last: Option<i64>,
    /// Whether an id was given since it was read.
    given: bool,
}

impl Ids {
    /// The id the next added row gets.
    fn next(&mut self, conn: &Connection) -> Result<i64, Error> {
        let last = match self.last {
            Some(last) => last,
            None => {
                let last = conn
                    .prepare_cached(
                        "SELECT MAX((SELECT last FROM outbox_sequence), COALESCE((SELECT MAX(id) FROM outbox), 0))",
                    )?
                    .query_row([], |row| row.get(0))?;
                *self.last.insert(last)
            }
        };
        last.checked_add(1).ok_or_else(|| Error::IntegralValueOutOfRange(0, last))
    }

    /// Records that `id` (from [`next`](Self::next)) was given.
    fn given(&mut self, id: i64) {
        self.last = Some(id);
        self.given = true;
    }

    /// Writes the last id given back, if any was.
    pub(super) fn save(&self, conn: &Connection) -> Result<(), Error> {
        if let (Some(last), true) = (self.last, self.given) {
            conn.prepare_cached("UPDATE OR FAIL outbox_sequence SET last = ?1")?.execute([last])?;
        }
        Ok(())
    }
}

/// Adds the events whose keys are new, each enqueued and due at `now`, and
/// their bodies; says which it added. Ids (from `ids`) follow the order of
/// `events`; of a key given twice, the first is added.
pub(super) fn enqueue(conn: &Connection, events: &[NewEvent], now: i64, ids: &mut Ids) -> Result<Vec<Enqueued>, Error> {
    let mut insert_row = conn.prepare_cached(
        "INSERT OR FAIL INTO outbox (id, account, kind, event_type, event_id, state, enqueued_at, due_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) \
         ON CONFLICT (account, kind, event_type, event_id) DO NOTHING",
    )?;
    let mut insert_body = conn.prepare_cached("INSERT OR FAIL INTO outbox_body (id, body) VALUES (?1, ?2)")?;
    events
        .iter()
        .map(|event| {
            let key = &event.key;
            let id = ids.next(conn)?;
            let params = params![id, account_bits(key.account), key.kind.as_str(), key.event_type, key.event_id, now];
            if insert_row.execute(params)? == 0 {
                return Ok(Enqueued::AlreadyThere);
            }
            ids.given(id);
            insert_body.execute(params![id, event.body])?;
            Ok(Enqueued::Added)
        })
        .collect()
}

/// The common table `accounts`: every account with undelivered rows, found
/// through the index one account after another (and a last `NULL`).
const ACCOUNTS: &str = "WITH RECURSIVE accounts (account) AS ( \
         SELECT (SELECT account FROM outbox WHERE due_at IS NOT NULL ORDER BY account LIMIT 1) \
         UNION ALL \
         SELECT (SELECT o.account FROM outbox o WHERE o.due_at IS NOT NULL AND o.account > a.account \
                 ORDER BY o.account LIMIT 1) \
         FROM accounts a WHERE a.account IS NOT NULL \
     )";

/// Claims due rows fairly: the accounts by their oldest due row, at most
/// `limits.per_account` rows of each (its oldest), `limits.total` in all.
/// The claims go to `claims` alone and write no row, except a row that a
/// process of an earlier release left claimed in the file: it becomes
/// pending. A row claimed before whose lease has not ended is not claimed
/// again.
pub(super) fn claim(
    conn: &Connection,
    claims: &mut Claims,
    limits: ClaimLimits,
    skip: &[u64],
    lease_end: i64,
    now: i64,
) -> Result<Vec<Claimed>, Error> {
    if limits.per_account == 0 || limits.total == 0 {
        return Ok(Vec::new());
    }
    let held_per_account = claims.live_per_account(now);
    // Every account with undelivered rows, found through the index one
    // account after another, with its oldest due row; an account's due rows
    // are read through their due times, never its rows due later. Accounts
    // whose due rows are all claimed may come first: there are at most as
    // many of them as accounts holding claims.
    let accounts_wanted = limits.total.saturating_add(skip.len()).saturating_add(held_per_account.len());
    let accounts: Vec<i64> = conn
        .prepare_cached(&format!(
            "{ACCOUNTS}, \
             oldest (account, first) AS ( \
                 SELECT a.account, (SELECT MIN(o.id) FROM outbox o INDEXED BY outbox_due_per_account \
                                   WHERE o.account = a.account AND o.due_at <= ?1) \
                 FROM accounts a WHERE a.account IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM outbox_paused p WHERE p.account = a.account) \
             ) \
             SELECT account FROM oldest WHERE first IS NOT NULL ORDER BY first LIMIT ?2"
        ))?
        .query_map(params![now, i64::try_from(accounts_wanted).unwrap_or(i64::MAX)], |row| row.get(0))?
        .collect::<Result<_, _>>()?;

    // An account's oldest due rows, its rows claimed and not ended among
    // them, read from the index alone.
    let mut due_rows = conn.prepare_cached(
        "SELECT id FROM outbox INDEXED BY outbox_due_per_account WHERE account = ?1 AND due_at <= ?2 \
         ORDER BY id LIMIT ?3",
    )?;
    let mut read_row = conn.prepare_cached(
        "SELECT attempts, account, kind, event_type, event_id, enqueued_at, may_have_landed, \
             (SELECT body FROM outbox_body WHERE outbox_body.id = outbox.id), state = 'claimed' \
         FROM outbox WHERE id = ?1",
    )?;
    let mut claimed = Vec::new();
    for account in accounts {
        if skip.contains(&u64::from_ne_bytes(account.to_ne_bytes())) {
            continue;
        }
        let left = limits.total - claimed.len();
        if left == 0 {
            break;
        }
        let take = limits.per_account.min(left);
        let held = held_per_account.get(&account).copied().unwrap_or(0);
        let rows: Vec<i64> = due_rows
            .query_map(params![account, now, i64::try_from(take + held).unwrap_or(i64::MAX)], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let unclaimed: Vec<i64> = rows.into_iter().filter(|id| !claims.is_live(*id, now)).take(take).collect();
        for id in unclaimed {
            let (row, claimed_before) = read_row.query_row([id], |row| {
                let stored_attempts: u32 = row.get(0)?;
                // A lease of this process that ended: its attempt counts.
                let attempts = claims.get(id).map_or(stored_attempts, |ended| ended.attempt.max(stored_attempts));
                let claimed = Claimed {
                    fence: Fence { row: id, attempt: attempts + 1 },
                    key: key(row, 1)?,
                    enqueued_at: row.get::<_, Stored<SystemTime>>(5)?.0,
                    may_have_landed: row.get(6)?,
                    body: row.get::<_, Option<Vec<u8>>>(7)?.ok_or_else(|| {
                        Error::FromSqlConversionFailure(
                            7,
                            rusqlite::types::Type::Null,
                            format!("the row {id} has no body").into(),
                        )
                    })?,
                };
                Ok((claimed, row.get::<_, bool>(8)?))
            })?;
            if claimed_before {
                conn.prepare_cached("UPDATE OR FAIL outbox SET state = 'pending' WHERE id = ?1")?.execute([id])?;
            }
            claims.set(id, Claim { attempt: row.fence.attempt, lease_end, account });
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// A [`Fate`] as stored, for one fence.
#[derive(Debug)]
pub(super) struct Outcome {
    fence: Fence,
    state: RowState,
    due_at: Option<i64>,
    reason: Option<String>,
    /// `None`: unchanged (delivered).
    may_have_landed: Option<bool>,
}

impl Outcome {
    /// How `settlement` of `fence` is stored; fails for a retry time the
    /// outbox cannot store.
    pub(super) fn new(fence: Fence, settlement: &Fate) -> Result<Self, crate::Error> {
        Ok(match settlement {
            Fate::Delivered { .. } => {
                Outcome { fence, state: RowState::Delivered, due_at: None, reason: None, may_have_landed: None }
            }
            Fate::RetryAt { at, reason, may_have_landed } => Outcome {
                fence,
                state: RowState::Pending,
                due_at: Some(micros(*at)?),
                reason: Some(reason.to_string()),
                may_have_landed: Some(*may_have_landed),
            },
            Fate::Dead { reason, may_have_landed } => Outcome {
                fence,
                state: RowState::Dead,
                due_at: None,
                reason: Some(reason.to_string()),
                may_have_landed: Some(*may_have_landed),
            },
        })
    }
}

/// Applies `change` to each of `items` whose fence is its row's claim in
/// `claims`, and says which of their fences it applied: of a fence named
/// twice, the second finds its claim ended (or, renewed twice, counts as
/// stale).
fn each_fence<T>(
    claims: &mut Claims,
    items: &[T],
    fence: impl Fn(&T) -> Fence,
    mut change: impl FnMut(&mut Claims, &T) -> Result<bool, Error>,
) -> Result<Settled, Error> {
    let mut changed = Vec::new();
    for item in items {
        if claims.is_current(fence(item)) && change(claims, item)? {
            changed.push(fence(item));
        }
    }
    Ok(Settled::from_changed(items.iter().map(fence), changed))
}

/// Ends the attempts whose fences are still their rows' claims, storing
/// each one's attempt number and fate; a fence named twice is settled by
/// its first outcome. A delivered row's body goes.
pub(super) fn settle(conn: &Connection, claims: &mut Claims, outcomes: &[Outcome], now: i64) -> Result<Settled, Error> {
    let mut update = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET state = ?3, due_at = ?4, settled_at = ?5, last_error = COALESCE(?6, last_error), \
             may_have_landed = COALESCE(?7, may_have_landed), attempts = ?2 \
         WHERE id = ?1 AND due_at IS NOT NULL",
    )?;
    each_fence(
        claims,
        outcomes,
        |outcome| outcome.fence,
        |claims, outcome| {
            let settled_at = matches!(outcome.state, RowState::Delivered | RowState::Dead).then_some(now);
            let changed = update.execute(params![
                outcome.fence.row,
                outcome.fence.attempt,
                outcome.state.as_str(),
                outcome.due_at,
                settled_at,
                outcome.reason,
                outcome.may_have_landed
            ])?;
            claims.remove(outcome.fence.row);
            Ok(changed > 0)
        },
    )
}

/// Extends the leases of the claims `fences` name to `lease_end` (in
/// `claims` alone).
pub(super) fn renew(claims: &mut Claims, fences: &[Fence], lease_end: i64) -> Result<Settled, Error> {
    each_fence(
        claims,
        fences,
        |fence| *fence,
        |claims, fence| {
            if let Some(claim) = claims.get(fence.row) {
                claims.set(fence.row, Claim { lease_end, ..claim });
            }
            Ok(true)
        },
    )
}

/// Marks the rows the claims `fences` name as possibly landed, with the
/// attempt that sends them.
pub(super) fn sending(conn: &Connection, claims: &mut Claims, fences: &[Fence]) -> Result<Settled, Error> {
    let mut update = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET may_have_landed = 1, attempts = ?2 WHERE id = ?1 AND due_at IS NOT NULL",
    )?;
    each_fence(claims, fences, |fence| *fence, |_, fence| Ok(update.execute(params![fence.row, fence.attempt])? > 0))
}

/// The condition of the rows a [`RowFilter`] takes, its state aside, on
/// the parameters `?2` to `?5`.
const FILTERED: &str = "(?2 IS NULL OR account = ?2) AND (?3 IS NULL OR event_id = ?3) AND (?4 IS NULL OR id = ?4) \
     AND (?5 IS NULL OR last_error = ?5)";

/// Runs `statement` (`?1`, then [`FILTERED`]'s parameters) on the rows
/// `filter` takes; returns how many it changed.
fn on_filtered(conn: &Connection, statement: &str, first: Option<i64>, filter: &RowFilter) -> Result<u64, Error> {
    let changed = conn.prepare_cached(statement)?.execute(params![
        first,
        filter.account.map(account_bits),
        filter.event_id,
        filter.row,
        filter.reason
    ])?;
    Ok(changed as u64)
}

/// Makes the dead rows `filter` takes pending again, due at `now`.
pub(super) fn requeue_dead(conn: &Connection, filter: &RowFilter, now: i64) -> Result<u64, Error> {
    let statement = format!(
        "UPDATE OR FAIL outbox SET state = 'pending', due_at = ?1, settled_at = NULL WHERE state = 'dead' AND {FILTERED}"
    );
    on_filtered(conn, &statement, Some(now), filter)
}

/// Removes the dead rows `filter` takes (their bodies go with them).
pub(super) fn drop_dead(conn: &Connection, filter: &RowFilter) -> Result<u64, Error> {
    let statement = format!("DELETE FROM outbox WHERE ?1 IS NULL AND state = 'dead' AND {FILTERED}");
    on_filtered(conn, &statement, None, filter)
}

/// Pauses `account` unless it is paused; whether it was not.
pub(super) fn pause(conn: &Connection, account: AccountId, reason: &str, now: i64) -> Result<u64, Error> {
    let added = conn
        .prepare_cached(
            "INSERT OR FAIL INTO outbox_paused (account, since, reason) VALUES (?1, ?2, ?3) \
             ON CONFLICT (account) DO NOTHING",
        )?
        .execute(params![account_bits(account), now, reason])?;
    Ok(added as u64)
}

/// Resumes `account`; whether it was paused.
pub(super) fn resume(conn: &Connection, account: AccountId) -> Result<u64, Error> {
    let removed =
        conn.prepare_cached("DELETE FROM outbox_paused WHERE account = ?1")?.execute([account_bits(account)])?;
    Ok(removed as u64)
}

/// The paused accounts, by account.
pub(super) fn paused(conn: &Connection) -> Result<Vec<(AccountId, Pause)>, Error> {
    let mut paused = conn
        .prepare_cached("SELECT account, since, reason FROM outbox_paused")?
        .query_map([], |row| {
            Ok((
                AccountId::new(row.get::<_, Stored<u64>>(0)?.0),
                Pause { since: row.get::<_, Stored<SystemTime>>(1)?.0, reason: row.get(2)? },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    paused.sort_by_key(|(account, _)| *account);
    Ok(paused)
}

/// Removes the delivered rows (and the dead ones when `dead_too`) settled
/// before `before`.
pub(super) fn purge(conn: &Connection, before: i64, dead_too: bool) -> Result<u64, Error> {
    let removed = conn
        .prepare_cached("DELETE FROM outbox WHERE settled_at < ?1 AND (?2 OR state = 'delivered')")?
        .execute(params![before, dead_too])?;
    Ok(removed as u64)
}

/// The earliest due time of a row not under a `live` claim, or end of a
/// `live` lease, of the accounts not paused: while none is, through the
/// index of due times; otherwise each account's through the index of its
/// due times, one account after another. The rows under a claim are
/// skipped as they come (in the row, their due time is the one they were
/// claimed at).
pub(super) fn next_due(conn: &Connection, live: &HashMap<i64, Claim>) -> Result<Option<SystemTime>, Error> {
    let paused: HashSet<i64> = conn
        .prepare_cached("SELECT account FROM outbox_paused")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let due = if paused.is_empty() {
        let statement =
            conn.prepare_cached("SELECT id, due_at FROM outbox WHERE due_at IS NOT NULL ORDER BY due_at LIMIT ?1")?;
        first_unclaimed(statement, params![after(live.len())], live)?
    } else {
        let accounts: Vec<i64> = conn
            .prepare_cached(&format!("{ACCOUNTS} SELECT account FROM accounts WHERE account IS NOT NULL"))?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let held_per_account = per_account(live.values());
        let mut earliest: Option<i64> = None;
        for account in accounts.into_iter().filter(|account| !paused.contains(account)) {
            let held = held_per_account.get(&account).copied().unwrap_or(0);
            let statement = conn.prepare_cached(
                "SELECT id, due_at FROM outbox INDEXED BY outbox_due_per_account \
                 WHERE account = ?1 AND due_at IS NOT NULL ORDER BY due_at LIMIT ?2",
            )?;
            let due = first_unclaimed(statement, params![account, after(held)], live)?;
            earliest = earliest.into_iter().chain(due).min();
        }
        earliest
    };
    let lease_end = live.values().filter(|claim| !paused.contains(&claim.account)).map(|claim| claim.lease_end).min();
    Ok(due.into_iter().chain(lease_end).min().and_then(time))
}

/// A `LIMIT` that reads past `skipped` rows to one more.
fn after(skipped: usize) -> i64 {
    i64::try_from(skipped.saturating_add(1)).unwrap_or(i64::MAX)
}

/// The due time of the first row `due` (`id, due_at` in order) reads that
/// no `live` claim holds.
fn first_unclaimed(
    mut due: CachedStatement<'_>,
    params: impl Params,
    live: &HashMap<i64, Claim>,
) -> Result<Option<i64>, Error> {
    for row in due.query_map(params, |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))? {
        let (id, due_at) = row?;
        if !live.contains_key(&id) {
            return Ok(Some(due_at));
        }
    }
    Ok(None)
}

/// Rows per state and the oldest undelivered row's enqueue time (one
/// statement: one snapshot).
pub(super) fn counts(conn: &Connection) -> Result<OutboxCounts, Error> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(state = 'pending'), 0) AS pending, COALESCE(SUM(state = 'claimed'), 0) AS claimed, \
                COALESCE(SUM(state = 'delivered'), 0) AS delivered, COALESCE(SUM(state = 'dead'), 0) AS dead, \
                MIN(CASE WHEN due_at IS NOT NULL THEN enqueued_at END) AS oldest \
         FROM outbox",
    )?
    .query_row([], |row| {
        Ok(OutboxCounts {
            pending: count(row, "pending")?,
            claimed: count(row, "claimed")?,
            delivered: count(row, "delivered")?,
            dead: count(row, "dead")?,
            oldest_undelivered: row.get::<_, Option<Stored<SystemTime>>>("oldest")?.map(|oldest| oldest.0),
        })
    })
}

/// The undelivered rows and the oldest one's enqueue time, through the
/// partial index of undelivered rows (ids grow with enqueues, so the least
/// undelivered id is the oldest), in one statement.
pub(super) fn depth(conn: &Connection) -> Result<OutboxDepth, Error> {
    conn.prepare_cached(
        "SELECT (SELECT count(*) FROM outbox WHERE due_at IS NOT NULL) AS undelivered, \
                (SELECT enqueued_at FROM outbox WHERE id = (SELECT MIN(id) FROM outbox WHERE due_at IS NOT NULL)) \
                    AS oldest",
    )?
    .query_row([], |row| {
        Ok(OutboxDepth {
            undelivered: count(row, "undelivered")?,
            oldest_undelivered: row.get::<_, Option<Stored<SystemTime>>>("oldest")?.map(|oldest| oldest.0),
        })
    })
}

/// Each account's rows and pause, by account, with the rows delivered
/// at or after `delivered_since` (one statement: one snapshot).
pub(super) fn account_counts(conn: &Connection, delivered_since: i64) -> Result<Vec<AccountCounts>, Error> {
    let mut accounts = conn
        .prepare_cached(
            "WITH counted AS ( \
                 SELECT account, SUM(state = 'pending') AS pending, SUM(state = 'claimed') AS claimed, \
                        SUM(state = 'dead') AS dead, SUM(state = 'delivered') AS delivered, \
                        MIN(CASE WHEN due_at IS NOT NULL THEN enqueued_at END) AS oldest \
                 FROM outbox \
                 WHERE due_at IS NOT NULL OR state = 'dead' OR (state = 'delivered' AND settled_at >= ?1) \
                 GROUP BY account \
             ) \
             SELECT c.account, c.pending, c.claimed, c.dead, c.delivered, c.oldest, p.since, p.reason \
             FROM counted c LEFT JOIN outbox_paused p ON p.account = c.account \
             UNION ALL \
             SELECT p.account, 0, 0, 0, 0, NULL, p.since, p.reason FROM outbox_paused p \
             WHERE p.account NOT IN (SELECT account FROM counted)",
        )?
        .query_map([delivered_since], |row| {
            let since: Option<Stored<SystemTime>> = row.get(6)?;
            Ok(AccountCounts {
                account: AccountId::new(row.get::<_, Stored<u64>>(0)?.0),
                pending: count(row, 1)?,
                claimed: count(row, 2)?,
                dead: count(row, 3)?,
                delivered: count(row, 4)?,
                oldest_undelivered: row.get::<_, Option<Stored<SystemTime>>>(5)?.map(|oldest| oldest.0),
                paused: match since {
                    Some(since) => Some(Pause { since: since.0, reason: row.get(7)? }),
                    None => None,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    accounts.sort_by_key(|account| account.account);
    Ok(accounts)
}

/// The columns [`summary`] reads, first in a statement.
const SUMMARY: &str = "id, account, kind, event_type, event_id, state, attempts, enqueued_at, due_at, last_error, \
     may_have_landed";

/// A row whose first columns are [`SUMMARY`]'s.
fn summary(row: &Row<'_>) -> Result<RowSummary, Error> {
    Ok(RowSummary {
        row: row.get(0)?,
        key: key(row, 1)?,
        state: row.get::<_, Stored<RowState>>(5)?.0,
        attempts: row.get(6)?,
        enqueued_at: row.get::<_, Stored<SystemTime>>(7)?.0,
        due_at: row.get::<_, Option<Stored<SystemTime>>>(8)?.map(|due| due.0),
        last_error: row.get(9)?,
        may_have_landed: row.get(10)?,
    })
}

/// The dead letters (of `account`, when given) by reason, the largest
/// groups first, at most `limit`, each with its oldest row and its body.
pub(super) fn dead_reasons(
    conn: &Connection,
    account: Option<AccountId>,
    limit: usize,
) -> Result<Vec<DeadReason>, Error> {
    conn.prepare_cached(&format!(
        "WITH groups AS ( \
             SELECT COALESCE(last_error, '') AS reason, count(*) AS rows, MIN(id) AS first FROM outbox \
             WHERE state = 'dead' AND (?1 IS NULL OR account = ?1) \
             GROUP BY COALESCE(last_error, '') ORDER BY rows DESC, reason LIMIT ?2 \
         ) \
         SELECT {SUMMARY}, g.reason, g.rows, (SELECT body FROM outbox_body b WHERE b.id = g.first) \
         FROM groups g JOIN outbox ON outbox.id = g.first ORDER BY g.rows DESC, g.reason"
    ))?
    .query_map(params![account.map(account_bits), i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
        Ok(DeadReason {
            sample: summary(row)?,
            reason: row.get(11)?,
            rows: count(row, 12)?,
            sample_body: row.get::<_, Option<Vec<u8>>>(13)?.unwrap_or_default(),
        })
    })?
    .collect()
}

/// At most `limit` rows `filter` takes, in enqueue order; the rows
/// `claims` holds show as claimed, with their claim's attempt and lease end.
pub(super) fn list(
    conn: &Connection,
    claims: &HashMap<i64, Claim>,
    filter: &RowFilter,
    limit: usize,
) -> Result<Vec<RowSummary>, Error> {
    let claimed = format!("[{}]", claims.keys().map(i64::to_string).collect::<Vec<_>>().join(","));
    let mut rows = conn
        .prepare_cached(&format!(
            "SELECT {SUMMARY} FROM outbox \
             WHERE (?1 IS NULL OR ?1 = CASE WHEN id IN (SELECT value FROM json_each(?7)) THEN 'claimed' ELSE state END) \
                 AND {FILTERED} \
             ORDER BY id LIMIT ?6"
        ))?
        .query_map(
            params![
                filter.state.map(RowState::as_str),
                filter.account.map(account_bits),
                filter.event_id,
                filter.row,
                filter.reason,
                i64::try_from(limit).unwrap_or(i64::MAX),
                claimed
            ],
            summary,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    for row in &mut rows {
        if let Some(claim) = claims.get(&row.row) {
            row.state = RowState::Claimed;
            row.attempts = claim.attempt;
            row.due_at = time(claim.lease_end);
        }
    }
    Ok(rows)
}
