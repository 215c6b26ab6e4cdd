//! The command line of `bench_accounts`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use timeline_e2e::SandboxArgs;

/// Which measurement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The app's memory before, after touching many accounts, and after they go idle.
    Memory,
    /// The share of the accounts' allowances used when all of them have work.
    Share,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Args {
    pub part: Part,
    /// Accounts (accounts 1 to N).
    pub accounts: u64,
    /// Memory: events sent to each account per round (one batch when at most the batch size).
    pub events_per_account: u64,
    /// Memory: rounds of touching `accounts` new accounts and letting them go idle.
    pub rounds: u64,
    /// Share: whole windows of work for every account.
    pub windows: u64,
    /// Each account's requests per window in the app's budget, and in the
    /// sandbox for `share` (`memory` turns the sandbox's limit off).
    pub rate_limit: u32,
    /// The rolling window of the rate limit.
    pub rate_window: Duration,
    /// Inputs per batch request.
    pub batch_size: usize,
    /// Batch requests one account keeps under way (`ClientBuilder::max_in_flight`, in the app's client settings).
    pub in_flight: usize,
    /// Requests the app keeps under way across accounts (`ClientBuilder::max_in_flight_total`, in the app's client settings).
    pub in_flight_total: usize,
    /// The `timeline-sandbox` binary.
    pub sandbox_bin: PathBuf,
    /// The directory of templates the sandbox loads.
    pub templates: PathBuf,
}

/// The command line as clap reads it; [`Args::parse`] fills in each part's defaults.
#[derive(Debug, Parser)]
#[command(name = "bench_accounts", about = "An app's memory and pacing across many accounts (BENCHMARKS.md)")]
struct Cli {
    /// Which measurement to run
    #[arg(value_enum)]
    part: Part,
    /// Accounts (accounts 1 to N) [default: the part's]
    #[arg(long)]
    accounts: Option<u64>,
    /// Memory: events sent to each account per round
    #[arg(long, default_value_t = 5)]
    events_per_account: u64,
    /// Memory: rounds of touching the accounts and letting them go idle
    #[arg(long, default_value_t = 2)]
    rounds: u64,
    /// Share: whole windows of work for every account
    #[arg(long, default_value_t = 5)]
    windows: u64,
    /// Inputs per batch request [default: the part's]
    #[arg(long)]
    batch_size: Option<usize>,
    /// Batch requests one account keeps under way
    #[arg(long, default_value_t = 4)]
    in_flight: usize,
    /// Requests the app keeps under way across accounts
    #[arg(long, default_value_t = hubspot_timeline::accounts::DEFAULT_APP_MAX_IN_FLIGHT)]
    in_flight_total: usize,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    /// Parses the process arguments (clap answers `--help` and malformed
    /// options itself).
    pub fn parse() -> Args {
        let cli = Cli::parse();
        let memory = cli.part == Part::Memory;
        Args {
            part: cli.part,
            accounts: cli.accounts.unwrap_or(if memory { 10_000 } else { 100 }),
            events_per_account: cli.events_per_account,
            rounds: cli.rounds,
            windows: cli.windows,
            rate_limit: cli.sandbox.rate_limit_or(110),
            rate_window: cli.sandbox.rate_window_or(Duration::from_secs(10)),
            batch_size: cli.batch_size.unwrap_or(if memory { 100 } else { 1 }),
            in_flight: cli.in_flight,
            in_flight_total: cli.in_flight_total,
            sandbox_bin: cli.sandbox.sandbox_bin,
            templates: cli.sandbox.templates,
        }
    }
}
