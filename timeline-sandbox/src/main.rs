//! `timeline-sandbox`: HubSpot's timeline API on loopback, for tests.
//!
//! ```text
//! timeline-sandbox --port 0 --templates timeline/ --app-events src/app/app-events/
//! timeline-sandbox listening on http://127.0.0.1:40123
//! ```

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use timeline_sandbox::SandboxOptions;

/// A faithful local stand-in for HubSpot's CRM timeline v3 and app-events APIs.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    options: SandboxOptions,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let sandbox = match args.options.builder().start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("timeline-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let announced = writeln!(stdout, "timeline-sandbox listening on {}", sandbox.url()).and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = announced {
        eprintln!("timeline-sandbox: cannot write to stdout: {error}");
    }
    timeline_sandbox::stop_signal().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
