//! The enqueue statement, shared by an enqueue in the caller's transaction
//! and the group commits.

use std::collections::HashSet;
use std::time::SystemTime;

use sqlx::{AssertSqlSafe, PgExecutor, Row};
use timeline_dispatch::{Enqueued, Error, EventKey, NewEvent};

use crate::codec::{db_error, from_db_account, from_db_kind, to_db_account, to_db_time};
use crate::sql::Statements;

/// Adds each of `events` (pending, due at its enqueue time) whose key is
/// new, through `executor`, in one statement; says, in order, which were
/// added and which were there already (the first event of a key is the one
/// that may be added). Notifies `notify` when it adds a row.
pub(crate) async fn insert<'c, E>(
    executor: E,
    statements: &Statements,
    events: &[(&NewEvent, SystemTime)],
    notify: Option<&str>,
) -> Result<Vec<Enqueued>, Error>
where
    E: PgExecutor<'c>,
{
    let mut seen = HashSet::new();
    let firsts: Vec<bool> = events.iter().map(|(event, _)| seen.insert(&event.key)).collect();
    let unique = events.iter().zip(&firsts).filter(|(_, first)| **first).map(|(event, _)| event);
    let (mut accounts, mut kinds, mut types, mut ids, mut bodies, mut times) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (event, now) in unique {
        accounts.push(to_db_account(event.key.account));
        kinds.push(event.key.kind.as_str());
        types.push(event.key.event_type.as_str());
        ids.push(event.key.event_id.as_str());
        bodies.push(event.body.as_slice());
        times.push(to_db_time(*now)?);
    }
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(AssertSqlSafe(statements.enqueue.clone()))
        .bind(&accounts)
        .bind(&kinds)
        .bind(&types)
        .bind(&ids)
        .bind(&bodies)
        .bind(&times)
        .bind(notify)
        .fetch_all(executor)
        .await
        .map_err(db_error("enqueue"))?;
    let mut added = HashSet::with_capacity(rows.len());
    for row in &rows {
        let account: i64 = row.try_get(0).map_err(db_error("read an added row"))?;
        let kind: String = row.try_get(1).map_err(db_error("read an added row"))?;
        let event_type: String = row.try_get(2).map_err(db_error("read an added row"))?;
        let event_id: String = row.try_get(3).map_err(db_error("read an added row"))?;
        added.insert(EventKey { account: from_db_account(account), kind: from_db_kind(&kind)?, event_type, event_id });
    }
    Ok(events
        .iter()
        .zip(firsts)
        .map(
            |((event, _), first)| {
                if first && added.contains(&event.key) { Enqueued::Added } else { Enqueued::AlreadyThere }
            },
        )
        .collect())
}
