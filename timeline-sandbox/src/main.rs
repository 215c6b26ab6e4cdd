//! `timeline-sandbox`: HubSpot's timeline API on loopback, for tests.
//!
//! ```text
//! timeline-sandbox --port 0 --templates timeline/
//! timeline-sandbox listening on http://127.0.0.1:40123
//! ```

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use timeline_sandbox::{Fault, Faults, RateLimit, Sandbox, SandboxBuilder};

/// A faithful local stand-in for HubSpot's CRM timeline v3 API.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// A directory of event template JSON files (as the get-template endpoint returns them).
    #[arg(long)]
    templates: Option<PathBuf>,
    /// A valid bearer token (repeatable); without any, every non-empty token is accepted.
    #[arg(long = "access-token")]
    access_tokens: Vec<String>,
    /// The only app id the template routes answer for; by default any.
    #[arg(long)]
    app_id: Option<i64>,
    /// Requests per rolling window per access token; 0 turns the limit off.
    #[arg(long, default_value_t = 110)]
    rate_limit: u32,
    /// The rolling window, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    rate_window_ms: u64,
    /// A daily cap of requests per access token.
    #[arg(long)]
    daily_limit: Option<u64>,
    /// The most inputs in one batch.
    #[arg(long, default_value_t = timeline_sandbox::DEFAULT_MAX_BATCH_INPUTS)]
    max_batch_inputs: usize,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = timeline_sandbox::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
    /// Refuse a whole batch with 400 when any input is invalid.
    #[arg(long)]
    reject_invalid_batches: bool,
    /// Milliseconds added before every API answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// The seed of random faults.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// A share of requests answered with a status, as STATUS=SHARE (such as 503=0.1); repeatable.
    #[arg(long = "fault", value_parser = parse_fault_share)]
    faults: Vec<(u16, f64)>,
    /// A share of requests whose connection is closed after storing, unanswered.
    #[arg(long, default_value_t = 0.0)]
    close_after_store: f64,
    /// The OAuth client id (enables POST /oauth/v1/token together with --oauth-client-secret).
    #[arg(long, requires = "oauth_client_secret")]
    oauth_client_id: Option<String>,
    /// The OAuth client secret.
    #[arg(long, requires = "oauth_client_id")]
    oauth_client_secret: Option<String>,
    /// Seconds issued access tokens live.
    #[arg(long, default_value_t = 1800)]
    access_token_ttl: u64,
}

fn parse_fault_share(text: &str) -> Result<(u16, f64), String> {
    let (status, share) = text.split_once('=').ok_or("expected STATUS=SHARE, such as 503=0.1")?;
    let status = status.parse::<u16>().map_err(|_| format!("`{status}` is not an HTTP status"))?;
    let share = share.parse::<f64>().map_err(|_| format!("`{share}` is not a number between 0 and 1"))?;
    Ok((status, share))
}

fn builder(args: &Args) -> SandboxBuilder {
    let mut builder = Sandbox::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .max_batch_inputs(args.max_batch_inputs)
        .max_body_bytes(args.max_body_bytes)
        .reject_invalid_batches(args.reject_invalid_batches)
        .latency(Duration::from_millis(args.latency_ms))
        .access_token_ttl(Duration::from_secs(args.access_token_ttl))
        .rate_limit(match args.rate_limit {
            0 => RateLimit::off(),
            max => RateLimit::new(max, Duration::from_millis(args.rate_window_ms)),
        });
    if let Some(dir) = &args.templates {
        builder = builder.templates_from_dir(dir);
    }
    if !args.access_tokens.is_empty() {
        builder = builder.access_tokens(args.access_tokens.iter().cloned());
    }
    if let Some(app_id) = args.app_id {
        builder = builder.app_id(app_id);
    }
    if let Some(daily) = args.daily_limit {
        builder = builder.daily_limit(daily);
    }
    if let (Some(id), Some(secret)) = (&args.oauth_client_id, &args.oauth_client_secret) {
        builder = builder.oauth_client(id, secret);
    }
    let mut faults = Faults::seeded(args.fault_seed);
    for (status, share) in &args.faults {
        faults = faults.share(*share, Fault::Status(*status));
    }
    if args.close_after_store > 0.0 {
        faults = faults.share(args.close_after_store, Fault::CloseAfterStore);
    }
    builder.faults(faults)
}

/// Resolves on SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let sandbox = match builder(&args).start().await {
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
    stop_signal().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
