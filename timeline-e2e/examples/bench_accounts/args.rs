//! The command line of `bench_accounts`.

use std::path::PathBuf;
use std::time::Duration;

use timeline_e2e::{default_sandbox_bin, number};

/// Which measurement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

const USAGE: &str = "usage: bench_accounts memory|share [--accounts N] [--events-per-account N] [--rounds N] \
[--windows N] [--rate-limit N] [--rate-window-ms MS] [--batch-size N] [--in-flight N] [--in-flight-total N] \
[--sandbox-bin PATH] [--templates DIR]";

impl Args {
    /// Parses the process arguments.
    pub fn parse() -> Result<Args, String> {
        let mut words = std::env::args().skip(1);
        let part = match words.next().as_deref() {
            Some("memory") => Part::Memory,
            Some("share") => Part::Share,
            _ => return Err(USAGE.to_owned()),
        };
        let mut args = Args {
            part,
            accounts: if part == Part::Memory { 10_000 } else { 100 },
            events_per_account: 5,
            rounds: 2,
            windows: 5,
            rate_limit: 110,
            rate_window: Duration::from_secs(10),
            batch_size: if part == Part::Memory { 100 } else { 1 },
            in_flight: 4,
            in_flight_total: hubspot_timeline::accounts::DEFAULT_APP_MAX_IN_FLIGHT,
            sandbox_bin: default_sandbox_bin(),
            templates: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/templates")),
        };
        while let Some(flag) = words.next() {
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.to_owned());
            }
            let value = words.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--accounts" => args.accounts = number(&flag, &value)?,
                "--events-per-account" => args.events_per_account = number(&flag, &value)?,
                "--rounds" => args.rounds = number(&flag, &value)?,
                "--windows" => args.windows = number(&flag, &value)?,
                "--rate-limit" => args.rate_limit = number(&flag, &value)?,
                "--rate-window-ms" => args.rate_window = Duration::from_millis(number(&flag, &value)?),
                "--batch-size" => args.batch_size = number(&flag, &value)?,
                "--in-flight" => args.in_flight = number(&flag, &value)?,
                "--in-flight-total" => args.in_flight_total = number(&flag, &value)?,
                "--sandbox-bin" => args.sandbox_bin = PathBuf::from(value),
                "--templates" => args.templates = PathBuf::from(value),
                _ => return Err(format!("unknown option {flag}\n{USAGE}")),
            }
        }
        Ok(args)
    }
}
