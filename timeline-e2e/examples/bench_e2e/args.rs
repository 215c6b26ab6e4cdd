//! The command line of `bench_e2e`.

use std::path::PathBuf;
use std::time::Duration;

use timeline_e2e::{default_sandbox_bin, number};

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

const USAGE: &str = "usage: bench_e2e [--events N] [--batch-size N] [--in-flight N] \
[--rate-limit N (0 = off)] [--rate-window-ms MS] [--drop-created] [--sandbox-bin PATH] [--templates DIR]";

impl Args {
    /// Parses the process arguments.
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            events: 100_000,
            batch_size: 100,
            in_flight: 4,
            rate_limit: 0,
            rate_window: Duration::from_secs(10),
            keep_created: true,
            sandbox_bin: default_sandbox_bin(),
            templates: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/templates")),
        };
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            if flag == "--drop-created" {
                args.keep_created = false;
                continue;
            }
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.to_owned());
            }
            let value = words.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--events" => args.events = number(&flag, &value)?,
                "--batch-size" => args.batch_size = number(&flag, &value)?,
                "--in-flight" => args.in_flight = number(&flag, &value)?,
                "--rate-limit" => args.rate_limit = number(&flag, &value)?,
                "--rate-window-ms" => args.rate_window = Duration::from_millis(number(&flag, &value)?),
                "--sandbox-bin" => args.sandbox_bin = PathBuf::from(value),
                "--templates" => args.templates = PathBuf::from(value),
                _ => return Err(format!("unknown option {flag}\n{USAGE}")),
            }
        }
        Ok(args)
    }
}
