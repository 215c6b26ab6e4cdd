//! `timeline relay`: HubSpot's timeline create paths in front of a
//! dispatcher and its outbox ([`timeline_relay`]), as a process. It prints
//! `listening on http://HOST:PORT` first; SIGTERM or SIGINT stops intake,
//! delivers what fits in [`SHUTDOWN_DEADLINE`] and exits 0, leaving the
//! rest in the outbox for the next start.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use timeline_core::{App, Client, DEFAULT_BASE_URL, RateLimit};
use timeline_dispatch::{Dispatcher, DispatcherBuilder, SqliteOutbox};
use timeline_relay::{Relay, TokensFile, event_types_from_dir};

use crate::error::CliError;

/// How long a stop may take to deliver what is due.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// `timeline relay`
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The address to serve on, such as 127.0.0.1:8080 (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Where HubSpot is (or a sandbox).
    #[arg(long, value_name = "URL", default_value = DEFAULT_BASE_URL)]
    pub hubspot_base_url: String,
    /// The outbox: `sqlite:PATH` (created when missing) or `postgres://USER@HOST:PORT/DB` (migrated;
    /// the password from PGPASSWORD or ~/.pgpass).
    #[arg(long, value_name = "sqlite:PATH|postgres://…", value_parser = parse_outbox)]
    pub outbox: OutboxSpec,
    /// A JSON object from account id to access token (or to OAuth tokens `{"accessToken",
    /// "refreshToken", "expiresAt"}`): a caller's bearer token names its account, and its events
    /// are delivered with the account's tokens.
    #[arg(long, value_name = "FILE")]
    pub tokens: PathBuf,
    /// Each account's rate limit, as MAX/WINDOW_MS [default: HubSpot's 110/10000].
    #[arg(long, value_name = "MAX/WINDOW_MS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,
    /// A folder of template JSON files and app-event `*-hsmeta.json` files: every input is checked
    /// against its definition before it is stored. Without it inputs are taken unchecked (HubSpot
    /// checks them) and v3 answers leave `objectType` empty.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// How long a request waits for its events to settle before the answer is 202 with
    /// `status: PENDING` [default: 3000].
    #[arg(long, value_name = "MS")]
    pub ack_wait_ms: Option<u64>,
    /// The dispatcher's lease on the events it claims [default: 30000].
    #[arg(long, value_name = "MS")]
    pub lease_ms: Option<u64>,
}

/// Where the outbox is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxSpec {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A Postgres URL.
    Postgres(String),
}

/// `sqlite:PATH` or a `postgres://` URL.
fn parse_outbox(text: &str) -> Result<OutboxSpec, String> {
    if let Some(path) = text.strip_prefix("sqlite:").filter(|path| !path.is_empty()) {
        return Ok(OutboxSpec::Sqlite(PathBuf::from(path)));
    }
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(OutboxSpec::Postgres(text.to_owned()));
    }
    Err("give sqlite:PATH or postgres://USER@HOST:PORT/DB".to_owned())
}

/// `MAX/WINDOW_MS`, both positive.
fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    let refused = || format!("{text:?} is not MAX/WINDOW_MS with both positive, such as 110/10000");
    let (max, window) = text.split_once('/').ok_or_else(refused)?;
    let max: u32 = max.trim().parse().map_err(|_| refused())?;
    let window: u64 = window.trim().parse().map_err(|_| refused())?;
    if max == 0 || window == 0 {
        return Err(refused());
    }
    Ok(RateLimit::new(max, Duration::from_millis(window)))
}

/// Runs the relay until SIGTERM or SIGINT.
pub async fn run(args: &RelayArgs) -> Result<ExitCode, CliError> {
    let tokens = TokensFile::read(&args.tokens)?;
    let mut client = Client::builder().base_url(args.hubspot_base_url.clone());
    if let Some(limit) = args.rate_limit {
        client = client.rate_limit(limit);
    }
    let app = App::builder()
        .client(client)
        // Static tokens are never renewed; OAuth tokens are, with the app's own client id and secret.
        .client_id(std::env::var("HUBSPOT_CLIENT_ID").unwrap_or_else(|_| "timeline-relay".to_owned()))
        .client_secret(std::env::var("HUBSPOT_CLIENT_SECRET").unwrap_or_else(|_| "timeline-relay".to_owned()))
        .token_store(Arc::new(tokens.token_store()))
        .build()?;
    let mut dispatcher = dispatcher(app.clone(), &args.outbox).await?;
    if let Some(lease) = args.lease_ms {
        dispatcher = dispatcher.lease(Duration::from_millis(lease));
    }
    let mut relay = Relay::builder(app, dispatcher, tokens.callers());
    if let Some(dir) = &args.templates {
        relay = relay.event_types(event_types_from_dir(dir)?);
    }
    if let Some(wait) = args.ack_wait_ms {
        relay = relay.ack_wait(Duration::from_millis(wait));
    }
    let relay = relay.spawn()?;

    let listen = args.listen.to_string();
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(CliError::io(&listen))?;
    let addr = listener.local_addr().map_err(CliError::io(&listen))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{addr}").and_then(|()| stdout.flush()).map_err(CliError::io("stdout"))?;
    axum::serve(listener, relay.router())
        .with_graceful_shutdown(timeline_sandbox::stop_signal())
        .await
        .map_err(CliError::io(&listen))?;
    let report = relay.dispatcher().shutdown(SHUTDOWN_DEADLINE).await?;
    eprintln!("timeline relay stopped: {report:?}");
    Ok(ExitCode::SUCCESS)
}

/// The dispatcher's builder over the outbox `spec` names.
async fn dispatcher(app: App, spec: &OutboxSpec) -> Result<DispatcherBuilder, CliError> {
    match spec {
        OutboxSpec::Sqlite(path) => Ok(Dispatcher::builder(app, SqliteOutbox::open(path).await?)),
        OutboxSpec::Postgres(url) => postgres(app, url).await,
    }
}

/// Connections of the relay's Postgres pool.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 10;

#[cfg(feature = "postgres")]
async fn postgres(app: App, url: &str) -> Result<DispatcherBuilder, CliError> {
    let pool = timeline_postgres::connect(url, None, POSTGRES_CONNECTIONS).await.map_err(|error| {
        timeline_dispatch::Error::outbox(format!("could not connect to the Postgres outbox's database: {error}"), error)
    })?;
    let outbox = timeline_postgres::PgOutbox::new(pool);
    outbox.migrate().await?;
    Ok(Dispatcher::builder(app, outbox))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_app: App, _url: &str) -> Result<DispatcherBuilder, CliError> {
    Err(CliError::Usage("--outbox postgres://…: build timeline with its postgres feature".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outboxes_and_rate_limits_read_as_documented() {
        assert_eq!(parse_outbox("sqlite:relay.sqlite"), Ok(OutboxSpec::Sqlite("relay.sqlite".into())));
        assert!(matches!(parse_outbox("postgres://relay@db:5432/relay"), Ok(OutboxSpec::Postgres(_))));
        assert!(parse_outbox("relay.sqlite").is_err());
        assert!(parse_outbox("sqlite:").is_err());
        assert_eq!(parse_rate_limit("100/5000"), Ok(RateLimit::new(100, Duration::from_millis(5000))));
        for refused in ["100", "0/10000", "100/0", "x/1"] {
            assert!(parse_rate_limit(refused).is_err(), "{refused}");
        }
    }
}
