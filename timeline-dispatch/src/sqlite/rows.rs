//! The SQL of each outbox operation on one SQLite connection, and how
//! values are stored: times as microseconds since the Unix epoch, accounts
//! as their 64 bits in an `INTEGER`, kinds and states by name.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Row, SqliteExecutor};

use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, EventKey, EventKind, Fence, NewEvent, OutboxCounts, OutboxDepth, OutboxError,
    RowFilter, RowState, RowSummary, Settled, Settlement,
};

/// A time as the outbox stores it.
pub(super) fn micros(time: SystemTime) -> Result<i64, OutboxError> {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_micros()).ok())
        .ok_or_else(|| OutboxError::message(format!("{time:?} is outside the times the SQLite outbox stores")))
}

fn time(micros: i64) -> Result<SystemTime, sqlx::Error> {
    u64::try_from(micros)
        .ok()
        .and_then(|micros| SystemTime::UNIX_EPOCH.checked_add(Duration::from_micros(micros)))
        .ok_or_else(|| decode(format!("the stored time {micros} is out of range")))
}

fn decode(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

/// An account as stored: its bits, so every `u64` fits.
fn portal_bits(portal: u64) -> i64 {
    i64::from_ne_bytes(portal.to_ne_bytes())
}

fn portal(bits: i64) -> u64 {
    u64::from_ne_bytes(bits.to_ne_bytes())
}

fn kind(row: &SqliteRow) -> Result<EventKind, sqlx::Error> {
    let name: String = row.try_get("kind")?;
    EventKind::from_name(&name).ok_or_else(|| decode(format!("unknown event kind {name:?}")))
}

fn attempts(row: &SqliteRow) -> Result<u32, sqlx::Error> {
    let attempts: i64 = row.try_get("attempts")?;
    u32::try_from(attempts).map_err(|_| decode(format!("the attempt number {attempts} is out of range")))
}

fn key(row: &SqliteRow) -> Result<EventKey, sqlx::Error> {
    Ok(EventKey {
        portal: portal(row.try_get("portal")?),
        kind: kind(row)?,
        event_type: row.try_get("event_type")?,
        event_id: row.try_get("event_id")?,
    })
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Adds the events whose keys are new, each enqueued and due at its time,
/// their rows in one statement and their bodies in another (the events of
/// every enqueue of a group commit); returns the keys it added. Ids follow
/// the order of `events`.
pub(super) async fn enqueue(
    conn: &mut SqliteConnection,
    events: &[(&NewEvent, i64)],
) -> Result<HashSet<EventKey>, sqlx::Error> {
    let rows: Vec<(i64, &str, &str, &str, i64)> = events
        .iter()
        .map(|(event, now)| {
            let key = &event.key;
            (portal_bits(key.portal), key.kind.as_str(), key.event_type.as_str(), key.event_id.as_str(), *now)
        })
        .collect();
    let added = sqlx::query(
        "INSERT INTO outbox (portal, kind, event_type, event_id, state, enqueued_at, due_at) \
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, 'pending', value ->> 4, value ->> 4 \
         FROM json_each(?1) WHERE true ORDER BY key \
         ON CONFLICT (portal, kind, event_type, event_id) DO NOTHING \
         RETURNING id, portal, kind, event_type, event_id",
    )
    .bind(json(&rows)?)
    .fetch_all(&mut *conn)
    .await?;
    let mut ids: HashMap<EventKey, i64> = HashMap::with_capacity(added.len());
    for row in &added {
        ids.insert(key(row)?, row.try_get("id")?);
    }
    // The first event of a key is the one added.
    let bodies: Vec<(i64, String)> =
        events.iter().filter_map(|(event, _)| ids.remove(&event.key).map(|id| (id, hex(&event.body)))).collect();
    if !bodies.is_empty() {
        sqlx::query("INSERT INTO outbox_body (id, body) SELECT value ->> 0, unhex(value ->> 1) FROM json_each(?1)")
            .bind(json(&bodies)?)
            .execute(&mut *conn)
            .await?;
    }
    added.iter().map(key).collect()
}

/// `bytes` as lower-case hexadecimal, as SQLite's `unhex` reads it.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// `value` as the JSON text a statement reads with `json_each`.
fn json(value: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|error| sqlx::Error::Encode(error.into()))
}

/// Claims due rows fairly: the accounts by their oldest due row, at most
/// `limits.per_account` rows of each (its oldest), `limits.total` in all.
pub(super) async fn claim(
    conn: &mut SqliteConnection,
    limits: ClaimLimits,
    skip: &[u64],
    lease_end: i64,
    now: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    if limits.per_account == 0 || limits.total == 0 {
        return Ok(Vec::new());
    }
    // Every account with undelivered rows, found through the index one
    // account after another, with its oldest due row; an account's due rows
    // are read through their due times, never its rows due later.
    let accounts = sqlx::query(
        "WITH RECURSIVE accounts (portal) AS ( \
             SELECT (SELECT portal FROM outbox WHERE due_at IS NOT NULL ORDER BY portal LIMIT 1) \
             UNION ALL \
             SELECT (SELECT o.portal FROM outbox o WHERE o.due_at IS NOT NULL AND o.portal > a.portal \
                     ORDER BY o.portal LIMIT 1) \
             FROM accounts a WHERE a.portal IS NOT NULL \
         ), \
         oldest (portal, first) AS ( \
             SELECT a.portal, (SELECT MIN(o.id) FROM outbox o INDEXED BY outbox_due_per_account \
                               WHERE o.portal = a.portal AND o.due_at <= ?1) \
             FROM accounts a WHERE a.portal IS NOT NULL \
         ) \
         SELECT portal FROM oldest WHERE first IS NOT NULL ORDER BY first LIMIT ?2",
    )
    .bind(now)
    .bind(i64::try_from(limits.total.saturating_add(skip.len())).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;

    let mut claimed = Vec::new();
    for account in accounts {
        if skip.contains(&portal(account.try_get("portal")?)) {
            continue;
        }
        let left = limits.total - claimed.len();
        if left == 0 {
            break;
        }
        let take = limits.per_account.min(left);
        let rows = sqlx::query(
            "UPDATE outbox SET state = 'claimed', attempts = attempts + 1, due_at = ?1 \
             WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due_per_account \
                          WHERE portal = ?2 AND due_at <= ?3 ORDER BY id LIMIT ?4) \
             RETURNING id, portal, kind, event_type, event_id, attempts, enqueued_at, may_have_landed, \
                 (SELECT body FROM outbox_body WHERE outbox_body.id = outbox.id) AS body",
        )
        .bind(lease_end)
        .bind(account.try_get::<i64, _>("portal")?)
        .bind(now)
        .bind(i64::try_from(take).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
        let mut share = rows
            .iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                Ok(Claimed {
                    fence: Fence { row: id, attempt: attempts(row)? },
                    key: key(row)?,
                    body: row
                        .try_get::<Option<Vec<u8>>, _>("body")?
                        .ok_or_else(|| decode(format!("the row {id} has no body")))?,
                    enqueued_at: time(row.try_get("enqueued_at")?)?,
                    may_have_landed: row.try_get("may_have_landed")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        share.sort_by_key(|claimed| claimed.fence.row);
        claimed.append(&mut share);
    }
    Ok(claimed)
}

/// A [`Settlement`] as stored, for one fence.
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
    pub(super) fn new(fence: Fence, settlement: &Settlement) -> Result<Self, OutboxError> {
        Ok(match settlement {
            Settlement::Delivered => {
                Outcome { fence, state: RowState::Delivered, due_at: None, reason: None, may_have_landed: None }
            }
            Settlement::RetryAt { at, reason, may_have_landed } => Outcome {
                fence,
                state: RowState::Pending,
                due_at: Some(micros(*at)?),
                reason: Some(reason.clone()),
                may_have_landed: Some(*may_have_landed),
            },
            Settlement::Dead { reason, may_have_landed } => Outcome {
                fence,
                state: RowState::Dead,
                due_at: None,
                reason: Some(reason.clone()),
                may_have_landed: Some(*may_have_landed),
            },
        })
    }
}

/// Ends the attempts whose fences are still their rows' claims, in one
/// statement; a fence named twice is settled by its first outcome.
pub(super) async fn settle(
    conn: &mut SqliteConnection,
    outcomes: &[Outcome],
    now: i64,
) -> Result<Settled, sqlx::Error> {
    let mut seen = HashSet::new();
    let rows: Vec<_> = outcomes
        .iter()
        .filter(|outcome| seen.insert(outcome.fence))
        .map(|outcome| {
            let fence = outcome.fence;
            (fence.row, fence.attempt, outcome.state.as_str(), outcome.due_at, &outcome.reason, outcome.may_have_landed)
        })
        .collect();
    let changed = sqlx::query(
        "UPDATE outbox SET state = o.value ->> 2, due_at = o.value ->> 3, \
             settled_at = CASE WHEN o.value ->> 2 IN ('delivered', 'dead') THEN ?2 END, \
             last_error = COALESCE(o.value ->> 4, last_error), \
             may_have_landed = COALESCE(o.value ->> 5, may_have_landed) \
         FROM json_each(?1) AS o \
         WHERE outbox.id = o.value ->> 0 AND outbox.attempts = o.value ->> 1 AND outbox.state = 'claimed' \
         RETURNING outbox.id, outbox.attempts",
    )
    .bind(json(&rows)?)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    applied(outcomes.iter().map(|outcome| outcome.fence), &changed)
}

/// Extends the leases of the claims `fences` name to `lease_end`.
pub(super) async fn renew(
    conn: &mut SqliteConnection,
    fences: &[Fence],
    lease_end: i64,
) -> Result<Settled, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE outbox SET due_at = ?2 FROM json_each(?1) AS f \
         WHERE outbox.id = f.value ->> 0 AND outbox.attempts = f.value ->> 1 AND outbox.state = 'claimed' \
         RETURNING outbox.id, outbox.attempts",
    )
    .bind(json(&fence_rows(fences))?)
    .bind(lease_end)
    .fetch_all(&mut *conn)
    .await?;
    applied(fences.iter().copied(), &changed)
}

/// Marks the rows the claims `fences` name as possibly landed.
pub(super) async fn sending(conn: &mut SqliteConnection, fences: &[Fence]) -> Result<Settled, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE outbox SET may_have_landed = 1 FROM json_each(?1) AS f \
         WHERE outbox.id = f.value ->> 0 AND outbox.attempts = f.value ->> 1 AND outbox.state = 'claimed' \
         RETURNING outbox.id, outbox.attempts",
    )
    .bind(json(&fence_rows(fences))?)
    .fetch_all(&mut *conn)
    .await?;
    applied(fences.iter().copied(), &changed)
}

fn fence_rows(fences: &[Fence]) -> Vec<(i64, u32)> {
    fences.iter().map(|fence| (fence.row, fence.attempt)).collect()
}

/// What changed of `fences` (the first of each fence), by the rows `changed`
/// returned (id, attempts).
fn applied(fences: impl Iterator<Item = Fence>, changed: &[SqliteRow]) -> Result<Settled, sqlx::Error> {
    let changed = changed
        .iter()
        .map(|row| Ok(Fence { row: row.try_get("id")?, attempt: attempts(row)? }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Settled::from_changed(fences, changed))
}

/// Makes the dead rows `filter` takes pending again, due at `now`.
pub(super) async fn requeue_dead(
    conn: &mut SqliteConnection,
    filter: &RowFilter,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'pending', due_at = ?1, settled_at = NULL \
         WHERE state = 'dead' AND (?2 IS NULL OR portal = ?2) AND (?3 IS NULL OR event_id = ?3)",
    )
    .bind(now)
    .bind(filter.portal.map(portal_bits))
    .bind(filter.event_id.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Removes the delivered rows (and the dead ones when `dead_too`) settled
/// before `before`.
pub(super) async fn purge(conn: &mut SqliteConnection, before: i64, dead_too: bool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM outbox WHERE settled_at < ?1 AND (?2 OR state = 'delivered')")
        .bind(before)
        .bind(dead_too)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// The earliest due time or lease end.
pub(super) async fn next_due(conn: impl SqliteExecutor<'_>) -> Result<Option<SystemTime>, sqlx::Error> {
    let row = sqlx::query("SELECT MIN(due_at) AS due FROM outbox WHERE due_at IS NOT NULL").fetch_one(conn).await?;
    row.try_get::<Option<i64>, _>("due")?.map(time).transpose()
}

/// Rows per state and the oldest undelivered row's enqueue time (one
/// statement: one snapshot).
pub(super) async fn counts(conn: impl SqliteExecutor<'_>) -> Result<OutboxCounts, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(state = 'pending'), 0) AS pending, COALESCE(SUM(state = 'claimed'), 0) AS claimed, \
                COALESCE(SUM(state = 'delivered'), 0) AS delivered, COALESCE(SUM(state = 'dead'), 0) AS dead, \
                MIN(CASE WHEN due_at IS NOT NULL THEN enqueued_at END) AS oldest \
         FROM outbox",
    )
    .fetch_one(conn)
    .await?;
    Ok(OutboxCounts {
        pending: count(row.try_get("pending")?),
        claimed: count(row.try_get("claimed")?),
        delivered: count(row.try_get("delivered")?),
        dead: count(row.try_get("dead")?),
        oldest_undelivered: row.try_get::<Option<i64>, _>("oldest")?.map(time).transpose()?,
    })
}

/// The undelivered rows and the oldest one's enqueue time, through the
/// partial index of undelivered rows (ids grow with enqueues, so the least
/// undelivered id is the oldest), in one statement.
pub(super) async fn depth(conn: impl SqliteExecutor<'_>) -> Result<OutboxDepth, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM outbox WHERE due_at IS NOT NULL) AS undelivered, \
                (SELECT enqueued_at FROM outbox WHERE id = (SELECT MIN(id) FROM outbox WHERE due_at IS NOT NULL)) \
                    AS oldest",
    )
    .fetch_one(conn)
    .await?;
    Ok(OutboxDepth {
        undelivered: count(row.try_get("undelivered")?),
        oldest_undelivered: row.try_get::<Option<i64>, _>("oldest")?.map(time).transpose()?,
    })
}

/// Undelivered and dead rows per account, by account.
pub(super) async fn account_counts(conn: impl SqliteExecutor<'_>) -> Result<Vec<AccountCounts>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT portal, SUM(due_at IS NOT NULL) AS undelivered, SUM(state = 'dead') AS dead \
         FROM outbox WHERE due_at IS NOT NULL OR state = 'dead' GROUP BY portal",
    )
    .fetch_all(conn)
    .await?;
    let mut accounts = rows
        .iter()
        .map(|row| {
            Ok(AccountCounts {
                portal: portal(row.try_get("portal")?),
                undelivered: count(row.try_get("undelivered")?),
                dead: count(row.try_get("dead")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    accounts.sort_by_key(|account| account.portal);
    Ok(accounts)
}

/// At most `limit` rows `filter` takes, in enqueue order.
pub(super) async fn list(
    conn: impl SqliteExecutor<'_>,
    filter: &RowFilter,
    limit: usize,
) -> Result<Vec<RowSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, portal, kind, event_type, event_id, state, attempts, enqueued_at, due_at, last_error, may_have_landed \
         FROM outbox WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR portal = ?2) AND (?3 IS NULL OR event_id = ?3) \
         ORDER BY id LIMIT ?4",
    )
    .bind(filter.state.map(RowState::as_str))
    .bind(filter.portal.map(portal_bits))
    .bind(filter.event_id.as_deref())
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok(RowSummary {
                row: row.try_get("id")?,
                key: key(row)?,
                state: RowState::from_name(&state).ok_or_else(|| decode(format!("unknown row state {state:?}")))?,
                attempts: attempts(row)?,
                enqueued_at: time(row.try_get("enqueued_at")?)?,
                due_at: row.try_get::<Option<i64>, _>("due_at")?.map(time).transpose()?,
                last_error: row.try_get("last_error")?,
                may_have_landed: row.try_get("may_have_landed")?,
            })
        })
        .collect()
}
