//! `timeline outbox`: a dispatcher's outbox seen from outside, while the
//! service runs or after it stopped: what waits and what is dead
//! ([`list`]), dead letters back to pending ([`retry`]), old rows removed
//! ([`purge`]).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use timeline_dispatch::{AccountCounts, Error, Outbox, OutboxCounts, RowFilter, RowState, RowSummary, SqliteOutbox};

use crate::args::{OutboxArgs, OutboxListArgs, OutboxRetryArgs, OutboxState};
use crate::error::CliError;

/// Opens the outbox `args` name. A SQLite file must exist already; a
/// Postgres outbox is not migrated.
pub async fn open(args: &OutboxArgs) -> Result<Box<dyn Outbox>, CliError> {
    #[cfg(feature = "postgres")]
    match (&args.target.postgres, &args.schema, &args.postgres_ca_file) {
        (Some(url), schema, ca_file) => return open_postgres(url, schema.as_deref(), ca_file.as_deref()).await,
        (None, Some(_), _) => return Err(CliError::Usage("--schema goes with --postgres".to_owned())),
        (None, None, Some(_)) => return Err(CliError::Usage("--postgres-ca-file goes with --postgres".to_owned())),
        (None, None, None) => {}
    }
    match &args.target.sqlite {
        Some(path) if !path.is_file() => {
            Err(CliError::Usage(format!("{}: no SQLite outbox there (the file does not exist)", path.display())))
        }
        Some(path) => Ok(Box::new(SqliteOutbox::open(path).await?)),
        None => Err(CliError::Usage("name the outbox with --sqlite PATH or --postgres URL".to_owned())),
    }
}

/// The Postgres outbox in `schema` (or the default one) of the database at
/// `url`, over TLS verified against `ca_file` when given.
#[cfg(feature = "postgres")]
async fn open_postgres(
    url: &str,
    schema: Option<&str>,
    ca_file: Option<&std::path::Path>,
) -> Result<Box<dyn Outbox>, CliError> {
    let pool = timeline_postgres::connect(url, ca_file, 2).await.map_err(|error| {
        Error::outbox(format!("could not connect to the Postgres outbox's database: {error}"), error)
    })?;
    let schema = schema.unwrap_or(timeline_postgres::DEFAULT_SCHEMA);
    Ok(Box::new(timeline_postgres::PgOutbox::with_schema(pool, schema)?))
}

/// What `timeline outbox list` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Rows per state in the whole outbox.
    pub counts: OutboxCounts,
    /// Undelivered and dead rows per account (of `--account` only, if given).
    pub accounts: Vec<AccountCounts>,
    /// The rows listed: of `--state`, or the dead, pending and claimed ones, in that order, each
    /// state oldest first and at most `--limit` of it.
    pub rows: Vec<RowSummary>,
}

/// The listing `args` ask for.
pub async fn list(outbox: &dyn Outbox, args: &OutboxListArgs) -> Result<Listing, CliError> {
    let states = match args.state {
        Some(state) => vec![row_state(state)],
        None => vec![RowState::Dead, RowState::Pending, RowState::Claimed],
    };
    let mut rows = Vec::new();
    for state in states {
        let filter = RowFilter { state: Some(state), account: args.account, event_id: None };
        rows.extend(outbox.list(&filter, args.limit).await?);
    }
    let mut accounts = outbox.account_counts().await?;
    if let Some(account) = args.account {
        accounts.retain(|counts| counts.account == account);
    }
    Ok(Listing { counts: outbox.counts().await?, accounts, rows })
}

/// Makes the dead letters `args` take pending again, due now; returns how
/// many.
pub async fn retry(outbox: &dyn Outbox, args: &OutboxRetryArgs) -> Result<u64, Error> {
    let filter = RowFilter { state: None, account: args.account, event_id: args.id.clone() };
    outbox.requeue_dead(&filter, SystemTime::now()).await
}

/// Removes the delivered and dead rows settled before `now - older_than`;
/// returns how many and that time.
pub async fn purge(outbox: &dyn Outbox, older_than: Duration) -> Result<(u64, SystemTime), CliError> {
    let before = SystemTime::now()
        .checked_sub(older_than)
        .ok_or_else(|| CliError::Usage(format!("--older-than {older_than:?} reaches before the clock's range")))?;
    Ok((outbox.purge(before).await?, before))
}

fn row_state(state: OutboxState) -> RowState {
    match state {
        OutboxState::Pending => RowState::Pending,
        OutboxState::Claimed => RowState::Claimed,
        OutboxState::Delivered => RowState::Delivered,
        OutboxState::Dead => RowState::Dead,
    }
}

/// A time as `timeline outbox` prints it: RFC 3339 in UTC, to the
/// millisecond.
pub fn timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Listing {
    /// The listing as one JSON object: `counts` (`pending`, `claimed`,
    /// `delivered`, `dead`, `oldest_undelivered`), `accounts` (`account`,
    /// `undelivered`, `dead`) and `rows` (`row`, `account`, `kind`,
    /// `event_type`, `event_id`, `state`, `attempts`, `may_have_landed`,
    /// `enqueued_at`, `due_at`, `last_error`); times in RFC 3339, UTC.
    pub fn to_json(&self) -> Value {
        let counts = &self.counts;
        json!({
            "counts": {
                "pending": counts.pending,
                "claimed": counts.claimed,
                "delivered": counts.delivered,
                "dead": counts.dead,
                "oldest_undelivered": counts.oldest_undelivered.map(timestamp),
            },
            "accounts": self.accounts.iter().map(|account| json!({
                "account": account.account,
                "undelivered": account.undelivered,
                "dead": account.dead,
            })).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|row| json!({
                "row": row.row,
                "account": row.key.account,
                "kind": row.key.kind.as_str(),
                "event_type": row.key.event_type,
                "event_id": row.key.event_id,
                "state": row.state.as_str(),
                "attempts": row.attempts,
                "may_have_landed": row.may_have_landed,
                "enqueued_at": timestamp(row.enqueued_at),
                "due_at": row.due_at.map(timestamp),
                "last_error": row.last_error,
            })).collect::<Vec<_>>(),
        })
    }

    /// The listing as text: the counts, a table of accounts, then each row
    /// on a line.
    pub fn to_text(&self) -> String {
        let counts = &self.counts;
        let mut text = format!(
            "{} pending, {} claimed, {} delivered, {} dead",
            counts.pending, counts.claimed, counts.delivered, counts.dead
        );
        if let Some(oldest) = counts.oldest_undelivered {
            text.push_str(&format!("; the oldest undelivered row was enqueued at {}", timestamp(oldest)));
        }
        text.push('\n');
        if !self.accounts.is_empty() {
            text.push_str(&format!("\n{:>20} {:>12} {:>8}\n", "account", "undelivered", "dead"));
            for account in &self.accounts {
                text.push_str(&format!("{:>20} {:>12} {:>8}\n", account.account, account.undelivered, account.dead));
            }
        }
        if !self.rows.is_empty() {
            text.push('\n');
        }
        for row in &self.rows {
            text.push_str(&format!(
                "{state:<9} row {id}  account {account}  {kind} {event_type}/{event_id}  attempts {attempts}  enqueued {enqueued}",
                state = row.state.as_str(),
                id = row.row,
                account = row.key.account,
                kind = row.key.kind,
                event_type = row.key.event_type,
                event_id = row.key.event_id,
                attempts = row.attempts,
                enqueued = timestamp(row.enqueued_at),
            ));
            if let Some(due) = row.due_at {
                let what = if row.state == RowState::Claimed { "lease ends" } else { "due" };
                text.push_str(&format!("  {what} {}", timestamp(due)));
            }
            if row.may_have_landed {
                text.push_str("  may have landed");
            }
            if let Some(error) = &row.last_error {
                text.push_str(&format!("  last error: {error}"));
            }
            text.push('\n');
        }
        text
    }
}
