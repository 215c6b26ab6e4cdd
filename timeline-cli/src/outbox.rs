//! `timeline outbox`: a dispatcher's outbox seen from outside, while the
//! service runs or after it stopped: what waits and what is dead, per
//! account and by reason ([`list`]), dead letters back to pending
//! ([`retry`]) or removed ([`drop_dead`]), old rows removed ([`purge`]);
//! and accounts paused and resumed (through [`Outbox::pause`] and
//! [`Outbox::resume`]).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use timeline_dispatch::{
    AccountCounts, DeadReason, Error, Outbox, OutboxCounts, RowFilter, RowState, RowSummary, SqliteOutbox,
};

use crate::args::{OutboxArgs, OutboxDeadArgs, OutboxListArgs, OutboxState};
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

/// How far back `timeline outbox list` counts each account's delivered
/// rows.
pub const DELIVERED_WINDOW: Duration = Duration::from_secs(3600);

/// How many reasons of dead letters `timeline outbox list` shows.
const REASONS: usize = 20;

/// What `timeline outbox list` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Rows per state in the whole outbox.
    pub counts: OutboxCounts,
    /// Each account's rows, those delivered in the last [`DELIVERED_WINDOW`],
    /// and its pause (of `--account` only, if given).
    pub accounts: Vec<AccountCounts>,
    /// The dead letters grouped by reason, the largest groups first (of
    /// `--account` only, if given).
    pub reasons: Vec<DeadReason>,
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
        let filter = RowFilter { state: Some(state), account: args.account, ..RowFilter::default() };
        rows.extend(outbox.list(&filter, args.limit).await?);
    }
    let since = SystemTime::now().checked_sub(DELIVERED_WINDOW).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut accounts = outbox.account_counts(since).await?;
    if let Some(account) = args.account {
        accounts.retain(|counts| counts.account == account);
    }
    let reasons = outbox.dead_reasons(args.account, REASONS).await?;
    Ok(Listing { counts: outbox.counts().await?, accounts, reasons, rows })
}

/// The dead letters `args` name.
fn dead_letters(args: &OutboxDeadArgs) -> RowFilter {
    RowFilter {
        state: Some(RowState::Dead),
        account: args.account,
        event_id: args.id.clone(),
        row: args.row,
        reason: args.reason.clone(),
    }
}

/// Makes the dead letters `args` take pending again, due now; returns how
/// many.
pub async fn retry(outbox: &dyn Outbox, args: &OutboxDeadArgs) -> Result<u64, Error> {
    outbox.requeue_dead(&dead_letters(args), SystemTime::now()).await
}

/// Removes the dead letters `args` take; returns how many.
pub async fn drop_dead(outbox: &dyn Outbox, args: &OutboxDeadArgs) -> Result<u64, Error> {
    outbox.drop_dead(&dead_letters(args)).await
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

/// A row as `timeline outbox list --json` shows it.
fn row_json(row: &RowSummary) -> Value {
    json!({
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
    })
}

/// A time as `timeline outbox` prints it: RFC 3339 in UTC, to the
/// millisecond.
pub fn timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Listing {
    /// The listing as one JSON object: `counts` (`pending`, `claimed`,
    /// `delivered`, `dead`, `oldest_undelivered`), `accounts` (`account`,
    /// `pending`, `claimed`, `undelivered`, `dead`, `delivered_last_hour`,
    /// `oldest_undelivered`, `paused`: `since` and `reason`, or null),
    /// `dead_reasons` (`reason`, `rows`, `sample`: a row as in `rows`,
    /// `sample_body`: the JSON input, as text) and `rows` (`row`, `account`,
    /// `kind`, `event_type`, `event_id`, `state`, `attempts`,
    /// `may_have_landed`, `enqueued_at`, `due_at`, `last_error`); times in
    /// RFC 3339, UTC.
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
                "pending": account.pending,
                "claimed": account.claimed,
                "undelivered": account.undelivered(),
                "dead": account.dead,
                "delivered_last_hour": account.delivered,
                "oldest_undelivered": account.oldest_undelivered.map(timestamp),
                "paused": account.paused.as_ref().map(|pause| json!({
                    "since": timestamp(pause.since),
                    "reason": pause.reason,
                })),
            })).collect::<Vec<_>>(),
            "dead_reasons": self.reasons.iter().map(|group| json!({
                "reason": group.reason,
                "rows": group.rows,
                "sample": row_json(&group.sample),
                "sample_body": String::from_utf8_lossy(&group.sample_body),
            })).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(row_json).collect::<Vec<_>>(),
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
            text.push_str(&format!(
                "\n{:>20} {:>9} {:>9} {:>8} {:>16}  {:<24}  {}\n",
                "account", "pending", "claimed", "dead", "delivered (1 h)", "oldest undelivered", "paused"
            ));
            for account in &self.accounts {
                let paused = match &account.paused {
                    Some(pause) => format!("since {}: {}", timestamp(pause.since), pause.reason),
                    None => "-".to_owned(),
                };
                text.push_str(&format!(
                    "{:>20} {:>9} {:>9} {:>8} {:>16}  {:<24}  {paused}\n",
                    account.account,
                    account.pending,
                    account.claimed,
                    account.dead,
                    account.delivered,
                    account.oldest_undelivered.map_or_else(|| "-".to_owned(), timestamp),
                ));
            }
        }
        if !self.reasons.is_empty() {
            text.push_str("\ndead letters by reason:\n");
            for group in &self.reasons {
                text.push_str(&format!(
                    "{:>8}  {}  (e.g. row {}, {}/{})\n",
                    group.rows, group.reason, group.sample.row, group.sample.key.event_type, group.sample.key.event_id
                ));
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
