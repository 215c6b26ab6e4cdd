//! The command line of `bench_e2e`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use timeline_e2e::SandboxArgs;

/// What to run.
#[derive(Debug, Clone)]
pub struct Args {
    /// Events to send.
    pub events: u64,
    /// Inputs per batch request.
    pub batch_size: usize,
    /// Batch requests in flight.
    pub in_flight: usize,
    /// Requests per window, for both the sandbox and the client; 0 is no limit.
    pub rate_limit: u32,
    /// The rolling window of the rate limit.
    pub rate_window: Duration,
    /// Whether the report keeps an entry per created event.
    pub keep_created: bool,
    /// The `timeline-sandbox` binary.
    pub sandbox_bin: PathBuf,
    /// The directory of templates the sandbox loads.
    pub templates: PathBuf,
}

/// The command line as clap reads it.
#[derive(Debug, Parser)]
#[command(name = "bench_e2e", about = "send_all end to end against the sandbox (BENCHMARKS.md)")]
struct Cli {
    /// Events to send
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Inputs per batch request
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Batch requests in flight
    #[arg(long, default_value_t = 4)]
    in_flight: usize,
    /// Keep no report entry per created event
    #[arg(long)]
    drop_created: bool,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

impl Args {
    /// Parses the process arguments (clap answers `--help` and malformed
    /// options itself); a rate limit of 0 (the default) is none.
    pub fn parse() -> Args {
        let cli = Cli::parse();
        Args {
            events: cli.events,
            batch_size: cli.batch_size,
            in_flight: cli.in_flight,
            rate_limit: cli.sandbox.rate_limit_or(0),
            rate_window: cli.sandbox.rate_window_or(Duration::from_secs(10)),
            keep_created: !cli.drop_created,
            sandbox_bin: cli.sandbox.sandbox_bin,
            templates: cli.sandbox.templates,
        }
    }
}
