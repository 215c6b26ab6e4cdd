//! The sandbox's command-line options and stop signal, for the binaries
//! that run it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::{DuplicateIds, Fault, Faults, RateLimit, Sandbox, SandboxBuilder};

/// The sandbox's command-line options, shared by the `timeline-sandbox`
/// binary and `timeline sandbox`.
///
/// ```
/// use clap::Parser;
/// use timeline_sandbox::SandboxOptions;
///
/// #[derive(Parser)]
/// struct Args {
///     #[command(flatten)]
///     sandbox: SandboxOptions,
/// }
/// let args = Args::parse_from(["sandbox", "--port", "0", "--fault", "503=0.1"]);
/// let builder = args.sandbox.builder();
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct SandboxOptions {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// A directory of event template JSON files (as the get-template endpoint returns them).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// A directory of app-event definitions (`*-hsmeta.json` files); occurrences
    /// name a type by its uid or by `app{APP_ID}-{uid}`.
    #[arg(long)]
    pub app_events: Option<PathBuf>,
    /// A valid bearer token (repeatable); without any, and without any
    /// --account-token, every non-empty token is accepted.
    #[arg(long = "access-token")]
    pub access_tokens: Vec<String>,
    /// An account and one of its access tokens, as ACCOUNT=TOKEN (such as
    /// 101=tok-a); repeatable. Once any is given, tokens of no account get 401.
    #[arg(long = "account-token", value_parser = parse_account_token)]
    pub account_tokens: Vec<(u64, String)>,
    /// The only app id the template routes answer for; by default any.
    #[arg(long)]
    pub app_id: Option<i32>,
    /// Requests per rolling window per account; 0 turns the limit off.
    #[arg(long, default_value_t = 110)]
    pub rate_limit: u32,
    /// The rolling window, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub rate_window_ms: u64,
    /// A daily cap of requests per account.
    #[arg(long)]
    pub daily_limit: Option<u64>,
    /// The most inputs in one batch.
    #[arg(long, default_value_t = crate::DEFAULT_MAX_BATCH_INPUTS)]
    pub max_batch_inputs: usize,
    /// The most occurrences in one app-event batch.
    #[arg(long, default_value_t = crate::DEFAULT_MAX_APP_EVENT_BATCH_INPUTS)]
    pub max_app_event_batch_inputs: usize,
    /// Answer an app-event 409 without naming the ids that exist.
    #[arg(long)]
    pub app_event_conflicts_without_ids: bool,
    /// The only project name `types/projects` resolves; by default any.
    #[arg(long)]
    pub app_event_project: Option<String>,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = crate::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Refuse a whole batch with 400 when any input is invalid.
    #[arg(long)]
    pub reject_invalid_batches: bool,
    /// What a repeated (template, id) gets: accept-identical answers an
    /// identical re-send as created and refuses other content as "already in
    /// use"; replace stores it over the old event; reject refuses every repeat.
    #[arg(long, value_enum, default_value_t = DuplicateIds::AcceptIdentical)]
    pub duplicate_ids: DuplicateIds,
    /// Milliseconds added before every API answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// The seed of random faults.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// A share of requests answered with a status, as STATUS=SHARE (such as 503=0.1); repeatable.
    #[arg(long = "fault", value_parser = parse_fault_share)]
    pub faults: Vec<(u16, f64)>,
    /// A share of requests whose connection is closed after storing, unanswered.
    #[arg(long, default_value_t = 0.0)]
    pub close_after_store: f64,
    /// The OAuth client id (enables the OAuth v1 and 2026-03 endpoints together with --oauth-client-secret).
    #[arg(long, requires = "oauth_client_secret")]
    pub oauth_client_id: Option<String>,
    /// The OAuth client secret.
    #[arg(long, requires = "oauth_client_id")]
    pub oauth_client_secret: Option<String>,
    /// Seconds issued access tokens live.
    #[arg(long, default_value_t = 1800)]
    pub access_token_ttl: u64,
}

fn parse_fault_share(text: &str) -> Result<(u16, f64), String> {
    let (status, share) = text.split_once('=').ok_or("expected STATUS=SHARE, such as 503=0.1")?;
    let status = status.parse::<u16>().map_err(|_| format!("`{status}` is not an HTTP status"))?;
    let share = share.parse::<f64>().map_err(|_| format!("`{share}` is not a number between 0 and 1"))?;
    Ok((status, share))
}

fn parse_account_token(text: &str) -> Result<(u64, String), String> {
    let (account, token) = text.split_once('=').ok_or("expected ACCOUNT=TOKEN, such as 101=tok-a")?;
    let account = account.parse::<u64>().map_err(|_| format!("`{account}` is not an account id (a whole number)"))?;
    if token.is_empty() {
        return Err("the token after `=` is empty".to_owned());
    }
    Ok((account, token.to_owned()))
}

impl SandboxOptions {
    /// A sandbox builder set up as the options say.
    pub fn builder(&self) -> SandboxBuilder {
        let args = self;
        let mut builder = Sandbox::builder()
            .bind(SocketAddr::new(args.host, args.port))
            .max_batch_inputs(args.max_batch_inputs)
            .max_app_event_batch_inputs(args.max_app_event_batch_inputs)
            .app_event_conflicts_name_ids(!args.app_event_conflicts_without_ids)
            .max_body_bytes(args.max_body_bytes)
            .reject_invalid_batches(args.reject_invalid_batches)
            .duplicate_ids(args.duplicate_ids)
            .latency(Duration::from_millis(args.latency_ms))
            .access_token_ttl(Duration::from_secs(args.access_token_ttl));
        builder = match args.rate_limit {
            0 => builder.no_rate_limit(),
            max => builder.rate_limit(RateLimit::new(max, Duration::from_millis(args.rate_window_ms))),
        };
        if let Some(dir) = &args.templates {
            builder = builder.templates_from_dir(dir);
        }
        if let Some(dir) = &args.app_events {
            builder = builder.app_events_from_dir(dir);
        }
        if let Some(project) = &args.app_event_project {
            builder = builder.app_event_project(project);
        }
        if !args.access_tokens.is_empty() {
            builder = builder.access_tokens(args.access_tokens.iter().cloned());
        }
        for (account, token) in &args.account_tokens {
            builder = builder.account_token(*account, token);
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
}

/// Resolves on SIGINT or SIGTERM (on other platforms, on Ctrl-C).
pub async fn stop_signal() {
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
