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

use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, Error, Row, params};

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
fn account_bits(account: AccountId) -> i64 {
    i64::from_ne_bytes(account.get().to_ne_bytes())
}

/// A stored value read back as what it stands for.
struct Stored<T>(T);

impl FromSql for Stored<SystemTime> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let micros = i64::column_result(value)?;
        u64::try_from(micros)
            .ok()
            .and_then(|micros| SystemTime::UNIX_EPOCH.checked_add(Duration::from_micros(micros)))
            .map(Stored)
            .ok_or(FromSqlError::OutOfRange(micros))
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

/// Claims due rows fairly: the accounts by their oldest due row, at most
/// `limits.per_account` rows of each (its oldest), `limits.total` in all.
pub(super) fn claim(
    conn: &Connection,
    limits: ClaimLimits,
    skip: &[u64],
    lease_end: i64,
    now: i64,
) -> Result<Vec<Claimed>, Error> {
    if limits.per_account == 0 || limits.total == 0 {
        return Ok(Vec::new());
    }
    // Every account with undelivered rows, found through the index one
    // account after another, with its oldest due row; an account's due rows
    // are read through their due times, never its rows due later.
    let accounts: Vec<i64> = conn
        .prepare_cached(
            "WITH RECURSIVE accounts (account) AS ( \
                 SELECT (SELECT account FROM outbox WHERE due_at IS NOT NULL ORDER BY account LIMIT 1) \
                 UNION ALL \
                 SELECT (SELECT o.account FROM outbox o WHERE o.due_at IS NOT NULL AND o.account > a.account \
                         ORDER BY o.account LIMIT 1) \
                 FROM accounts a WHERE a.account IS NOT NULL \
             ), \
             oldest (account, first) AS ( \
                 SELECT a.account, (SELECT MIN(o.id) FROM outbox o INDEXED BY outbox_due_per_account \
                                   WHERE o.account = a.account AND o.due_at <= ?1) \
                 FROM accounts a WHERE a.account IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM outbox_paused p WHERE p.account = a.account) \
             ) \
             SELECT account FROM oldest WHERE first IS NOT NULL ORDER BY first LIMIT ?2",
        )?
        .query_map(params![now, i64::try_from(limits.total.saturating_add(skip.len())).unwrap_or(i64::MAX)], |row| {
            row.get(0)
        })?
        .collect::<Result<_, _>>()?;

    let mut take_rows = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET state = 'claimed', attempts = attempts + 1, due_at = ?1 \
         WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due_per_account \
                      WHERE account = ?2 AND due_at <= ?3 ORDER BY id LIMIT ?4) \
         RETURNING id, attempts, account, kind, event_type, event_id, enqueued_at, may_have_landed, \
             (SELECT body FROM outbox_body WHERE outbox_body.id = outbox.id)",
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
        let take = i64::try_from(limits.per_account.min(left)).unwrap_or(i64::MAX);
        let mut share = take_rows
            .query_map(params![lease_end, account, now, take], |row| {
                let id = row.get(0)?;
                Ok(Claimed {
                    fence: Fence { row: id, attempt: row.get(1)? },
                    key: key(row, 2)?,
                    enqueued_at: row.get::<_, Stored<SystemTime>>(6)?.0,
                    may_have_landed: row.get(7)?,
                    body: row.get::<_, Option<Vec<u8>>>(8)?.ok_or_else(|| {
                        Error::FromSqlConversionFailure(
                            8,
                            rusqlite::types::Type::Null,
                            format!("the row {id} has no body").into(),
                        )
                    })?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        share.sort_by_key(|claimed| claimed.fence.row);
        claimed.append(&mut share);
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

/// Applies `change` to each of `items` and says which of their fences it
/// changed: a change applies only to a row still claimed by that fence, so
/// of a fence named twice the second finds it settled (or, renewed twice,
/// counts as stale).
fn each_fence<T>(
    items: &[T],
    fence: impl Fn(&T) -> Fence,
    mut change: impl FnMut(&T) -> Result<usize, Error>,
) -> Result<Settled, Error> {
    let mut changed = Vec::new();
    for item in items {
        if change(item)? > 0 {
            changed.push(fence(item));
        }
    }
    Ok(Settled::from_changed(items.iter().map(fence), changed))
}

/// Ends the attempts whose fences are still their rows' claims; a fence
/// named twice is settled by its first outcome.
pub(super) fn settle(conn: &Connection, outcomes: &[Outcome], now: i64) -> Result<Settled, Error> {
    let mut update = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET state = ?3, due_at = ?4, settled_at = ?5, last_error = COALESCE(?6, last_error), \
             may_have_landed = COALESCE(?7, may_have_landed) \
         WHERE id = ?1 AND attempts = ?2 AND state = 'claimed'",
    )?;
    each_fence(
        outcomes,
        |outcome| outcome.fence,
        |outcome| {
            let settled_at = matches!(outcome.state, RowState::Delivered | RowState::Dead).then_some(now);
            update.execute(params![
                outcome.fence.row,
                outcome.fence.attempt,
                outcome.state.as_str(),
                outcome.due_at,
                settled_at,
                outcome.reason,
                outcome.may_have_landed
            ])
        },
    )
}

/// Extends the leases of the claims `fences` name to `lease_end`.
pub(super) fn renew(conn: &Connection, fences: &[Fence], lease_end: i64) -> Result<Settled, Error> {
    let mut update = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET due_at = ?3 WHERE id = ?1 AND attempts = ?2 AND state = 'claimed'",
    )?;
    each_fence(fences, |fence| *fence, |fence| update.execute(params![fence.row, fence.attempt, lease_end]))
}

/// Marks the rows the claims `fences` name as possibly landed.
pub(super) fn sending(conn: &Connection, fences: &[Fence]) -> Result<Settled, Error> {
    let mut update = conn.prepare_cached(
        "UPDATE OR FAIL outbox SET may_have_landed = 1 WHERE id = ?1 AND attempts = ?2 AND state = 'claimed'",
    )?;
    each_fence(fences, |fence| *fence, |fence| update.execute(params![fence.row, fence.attempt]))
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

/// The earliest due time or lease end, of the accounts not paused: while
/// none is, the first of the index of due times; otherwise each account's
/// first through the index of its due times, one account after another.
pub(super) fn next_due(conn: &Connection) -> Result<Option<SystemTime>, Error> {
    let any_paused: bool =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox_paused)")?.query_row([], |row| row.get(0))?;
    let statement = if any_paused {
        "WITH RECURSIVE accounts (account) AS ( \
             SELECT (SELECT account FROM outbox WHERE due_at IS NOT NULL ORDER BY account LIMIT 1) \
             UNION ALL \
             SELECT (SELECT o.account FROM outbox o WHERE o.due_at IS NOT NULL AND o.account > a.account \
                     ORDER BY o.account LIMIT 1) \
             FROM accounts a WHERE a.account IS NOT NULL \
         ) \
         SELECT MIN((SELECT MIN(o.due_at) FROM outbox o INDEXED BY outbox_due_per_account \
                     WHERE o.account = a.account AND o.due_at IS NOT NULL)) \
         FROM accounts a WHERE a.account IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM outbox_paused p WHERE p.account = a.account)"
    } else {
        "SELECT MIN(due_at) FROM outbox WHERE due_at IS NOT NULL"
    };
    let due: Option<Stored<SystemTime>> = conn.prepare_cached(statement)?.query_row([], |row| row.get(0))?;
    Ok(due.map(|due| due.0))
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

/// At most `limit` rows `filter` takes, in enqueue order.
pub(super) fn list(conn: &Connection, filter: &RowFilter, limit: usize) -> Result<Vec<RowSummary>, Error> {
    conn.prepare_cached(&format!(
        "SELECT {SUMMARY} FROM outbox WHERE (?1 IS NULL OR state = ?1) AND {FILTERED} ORDER BY id LIMIT ?6"
    ))?
    .query_map(
        params![
            filter.state.map(RowState::as_str),
            filter.account.map(account_bits),
            filter.event_id,
            filter.row,
            filter.reason,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        summary,
    )?
    .collect()
}
