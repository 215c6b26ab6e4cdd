//! The command line of `bench_dispatch`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use timeline_e2e::SandboxArgs;

/// Which measurement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

/// The command line as clap reads it; [`Args::parse`] fills in each part's defaults.
#[derive(Debug, Parser)]
#[command(name = "bench_dispatch", about = "The dispatcher's benchmarks (BENCHMARKS.md)")]
struct Cli {
    /// Which measurement to run
    #[arg(value_enum)]
    part: Part,
    /// The outboxes, comma-separated, in the order each round runs them [default: the part's]
    #[arg(long, value_enum, value_delimiter = ',')]
    outboxes: Vec<Kind>,
    /// Emit: rounds of every outbox, interleaved
    #[arg(long, default_value_t = 2)]
    rounds: u64,
    /// Emit, memory, flow: events emitted [default: the part's]
    #[arg(long)]
    events: Option<u64>,
    /// Emit, memory: tasks emitting at once
    #[arg(long, default_value_t = 64)]
    tasks: u64,
    /// Accounts (accounts 1 to N) [default: the part's]
    #[arg(long)]
    accounts: Option<u64>,
    /// Share: whole windows of work for every account
    #[arg(long, default_value_t = 5)]
    windows: u64,
    /// The dispatcher's (and the app's) batch size [default: the part's]
    #[arg(long)]
    batch_size: Option<usize>,
    /// The dispatcher's linger, in milliseconds [default: the dispatcher's]
    #[arg(long = "linger-ms", value_name = "MS")]
    linger_ms: Option<u64>,
    /// The dispatcher's most batches of one account in one round
    #[arg(long, default_value_t = hubspot_timeline::dispatch::DEFAULT_BATCHES_PER_ACCOUNT)]
    batches_per_account: usize,
    /// Quiet, flow: events per second emitted in all [default: the part's]
    #[arg(long, value_name = "EVENTS_PER_S")]
    rate: Option<u64>,
    /// Quiet: seconds of emitting
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Memory: seconds to wait after the last emit before the last reading
    #[arg(long = "hold-s", value_name = "S", default_value_t = 10)]
    hold_s: u64,
    /// Flow: the dispatcher's retention of delivered rows, in seconds
    #[arg(long = "retention-s", value_name = "S", default_value_t = 10)]
    retention_s: u64,
    /// Postgres: connections in the outbox's pool
    #[arg(long, default_value_t = 16)]
    pg_connections: u32,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    /// Parses the process arguments (clap answers `--help` and malformed
    /// options itself); the error says which combination cannot run.
    pub fn parse() -> Result<Args, String> {
        let cli = Cli::parse();
        let part = cli.part;
        let outboxes = if cli.outboxes.is_empty() {
            match part {
                Part::Emit => vec![Kind::Memory, Kind::Sqlite, Kind::Postgres],
                Part::Flow => vec![Kind::Memory, Kind::Sqlite],
                Part::Share | Part::Quiet | Part::Memory => vec![Kind::Sqlite],
            }
        } else {
            cli.outboxes
        };
        let quiet = part == Part::Quiet;
        let args = Args {
            part,
            outboxes,
            rounds: cli.rounds,
            events: cli.events.unwrap_or(if matches!(part, Part::Memory | Part::Flow) { 1_000_000 } else { 20_000 }),
            tasks: cli.tasks,
            accounts: cli.accounts.unwrap_or(if part == Part::Share { 100 } else { 10 }),
            windows: cli.windows,
            rate_limit: cli.sandbox.rate_limit_or(if quiet { 10 } else { 110 }),
            rate_window: cli.sandbox.rate_window_or(Duration::from_secs(if quiet { 1 } else { 10 })),
            batch_size: cli.batch_size.unwrap_or(if part == Part::Share {
                1
            } else {
                hubspot_timeline::dispatch::DEFAULT_BATCH_SIZE
            }),
            linger: cli.linger_ms.map_or(hubspot_timeline::dispatch::DEFAULT_LINGER, Duration::from_millis),
            batches_per_account: cli.batches_per_account,
            rate: cli.rate.unwrap_or(if part == Part::Flow { 10_000 } else { 3_000 }),
            seconds: cli.seconds,
            hold: Duration::from_secs(cli.hold_s),
            retention: Duration::from_secs(cli.retention_s),
            pg_connections: cli.pg_connections,
            sandbox_bin: cli.sandbox.sandbox_bin,
            templates: cli.sandbox.templates,
        };
        if args.tasks == 0 || args.accounts == 0 {
            return Err("give at least one task and one account".to_owned());
        }
        if quiet && args.accounts < 2 {
            return Err("quiet needs a busy account and at least one quiet one".to_owned());
        }
        Ok(args)
    }
}
