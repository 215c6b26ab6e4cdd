//! The command line of `bench_dispatch`.

use std::path::PathBuf;
use std::time::Duration;

use timeline_e2e::{default_sandbox_bin, number};

/// Which measurement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `emit` cost and end-to-end events/s with each outbox.
    Emit,
    /// Delivery across many accounts against the sum of their allowances.
    Share,
    /// A quiet account's delay while one account sends half the traffic.
    Quiet,
    /// Peak RSS while many events wait in the SQLite outbox.
    Memory,
    /// Memory and `emit` cost while many events flow through, delivered
    /// rows purged after the retention.
    Flow,
}

/// Which outbox a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `MemoryOutbox`.
    Memory,
    /// `SqliteOutbox`, a file in a temporary folder.
    Sqlite,
    /// `PgOutbox` on a throwaway Postgres server (`timeline-testkit`).
    Postgres,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }

    fn parse(name: &str) -> Result<Kind, String> {
        match name {
            "memory" => Ok(Kind::Memory),
            "sqlite" => Ok(Kind::Sqlite),
            "postgres" => Ok(Kind::Postgres),
            _ => Err(format!("unknown outbox `{name}`: give memory, sqlite or postgres")),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Args {
    pub part: Part,
    /// The outboxes, in the order each round runs them (`share`, `quiet`: the first).
    pub outboxes: Vec<Kind>,
    /// Emit: rounds of every outbox, interleaved.
    pub rounds: u64,
    /// Emit, memory: events emitted.
    pub events: u64,
    /// Emit, memory: tasks emitting at once.
    pub tasks: u64,
    /// Accounts (accounts 1 to N); in `quiet`, account 1 is the busy one.
    pub accounts: u64,
    /// Share: whole windows of work for every account.
    pub windows: u64,
    /// Each account's requests per window, in the sandbox and in the app's budget
    /// (`emit` and `memory` turn both limits off).
    pub rate_limit: u32,
    /// The rolling window of the rate limit.
    pub rate_window: Duration,
    /// The dispatcher's (and the app's) batch size.
    pub batch_size: usize,
    /// The dispatcher's linger.
    pub linger: Duration,
    /// The dispatcher's most batches of one account in one round.
    pub batches_per_account: usize,
    /// Quiet, flow: events per second emitted in all (quiet: half of them to account 1).
    pub rate: u64,
    /// Quiet: seconds of emitting.
    pub seconds: u64,
    /// Memory: seconds to wait after the last emit (the dispatcher retrying) before the last reading.
    pub hold: Duration,
    /// Flow: the dispatcher's retention of delivered rows.
    pub retention: Duration,
    /// Postgres: connections in the outbox's pool.
    pub pg_connections: u32,
    /// The `timeline-sandbox` binary.
    pub sandbox_bin: PathBuf,
    /// The directory of templates the sandbox loads.
    pub templates: PathBuf,
}

const USAGE: &str = "usage: bench_dispatch emit|share|quiet|memory|flow [--outboxes memory,sqlite,postgres] [--rounds N] \
[--events N] [--tasks N] [--accounts N] [--windows N] [--rate-limit N] [--rate-window-ms MS] [--batch-size N] \
[--linger-ms MS] [--batches-per-account N] [--rate EVENTS_PER_S] [--seconds N] [--hold-s N] [--retention-s N] [--pg-connections N] [--sandbox-bin PATH] \
[--templates DIR]";

impl Args {
    /// Parses the process arguments.
    pub fn parse() -> Result<Args, String> {
        let mut words = std::env::args().skip(1);
        let part = match words.next().as_deref() {
            Some("emit") => Part::Emit,
            Some("share") => Part::Share,
            Some("quiet") => Part::Quiet,
            Some("memory") => Part::Memory,
            Some("flow") => Part::Flow,
            _ => return Err(USAGE.to_owned()),
        };
        let mut args = Args {
            part,
            outboxes: match part {
                Part::Emit => vec![Kind::Memory, Kind::Sqlite, Kind::Postgres],
                Part::Flow => vec![Kind::Memory, Kind::Sqlite],
                Part::Share | Part::Quiet | Part::Memory => vec![Kind::Sqlite],
            },
            rounds: 2,
            events: if matches!(part, Part::Memory | Part::Flow) { 1_000_000 } else { 20_000 },
            tasks: 64,
            accounts: match part {
                Part::Share => 100,
                Part::Emit | Part::Quiet | Part::Memory | Part::Flow => 10,
            },
            windows: 5,
            rate_limit: if part == Part::Quiet { 10 } else { 110 },
            rate_window: if part == Part::Quiet { Duration::from_secs(1) } else { Duration::from_secs(10) },
            batch_size: if part == Part::Share { 1 } else { hubspot_timeline::dispatch::DEFAULT_BATCH_SIZE },
            linger: hubspot_timeline::dispatch::DEFAULT_LINGER,
            batches_per_account: hubspot_timeline::dispatch::DEFAULT_BATCHES_PER_ACCOUNT,
            rate: if part == Part::Flow { 10_000 } else { 3_000 },
            seconds: 10,
            hold: Duration::from_secs(10),
            retention: Duration::from_secs(10),
            pg_connections: 16,
            sandbox_bin: default_sandbox_bin(),
            templates: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/templates")),
        };
        while let Some(flag) = words.next() {
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.to_owned());
            }
            let value = words.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--outboxes" => args.outboxes = value.split(',').map(Kind::parse).collect::<Result<_, _>>()?,
                "--rounds" => args.rounds = number(&flag, &value)?,
                "--events" => args.events = number(&flag, &value)?,
                "--tasks" => args.tasks = number(&flag, &value)?,
                "--accounts" => args.accounts = number(&flag, &value)?,
                "--windows" => args.windows = number(&flag, &value)?,
                "--rate-limit" => args.rate_limit = number(&flag, &value)?,
                "--rate-window-ms" => args.rate_window = Duration::from_millis(number(&flag, &value)?),
                "--batch-size" => args.batch_size = number(&flag, &value)?,
                "--linger-ms" => args.linger = Duration::from_millis(number(&flag, &value)?),
                "--batches-per-account" => args.batches_per_account = number(&flag, &value)?,
                "--rate" => args.rate = number(&flag, &value)?,
                "--seconds" => args.seconds = number(&flag, &value)?,
                "--hold-s" => args.hold = Duration::from_secs(number(&flag, &value)?),
                "--retention-s" => args.retention = Duration::from_secs(number(&flag, &value)?),
                "--pg-connections" => args.pg_connections = number(&flag, &value)?,
                "--sandbox-bin" => args.sandbox_bin = PathBuf::from(value),
                "--templates" => args.templates = PathBuf::from(value),
                _ => return Err(format!("unknown option {flag}\n{USAGE}")),
            }
        }
        if args.outboxes.is_empty() || args.tasks == 0 || args.accounts == 0 {
            return Err(format!("give at least one outbox, one task and one account\n{USAGE}"));
        }
        if part == Part::Quiet && args.accounts < 2 {
            return Err(format!("quiet needs a busy account and at least one quiet one\n{USAGE}"));
        }
        Ok(args)
    }
}
