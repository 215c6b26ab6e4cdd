//! `timeline`: pull HubSpot timeline event templates, generate typed events
//! from them, backfill events from NDJSON, run the sandbox. See `timeline --help`.

use std::process::ExitCode;

use clap::Parser;
use timeline_cli::args::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    match timeline_cli::run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("timeline: {error}");
            ExitCode::from(2)
        }
    }
}
