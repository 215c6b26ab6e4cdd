//! `timeline relay`: HubSpot's timeline create paths in front of a
//! dispatcher and its outbox ([`timeline_relay`]), as a process, forwarding
//! every other path to HubSpot. It prints `listening on http://HOST:PORT`
//! first; SIGTERM or SIGINT stops intake, delivers what fits in
//! [`SHUTDOWN_DEADLINE`] and exits 0, leaving the rest in the outbox for the
//! next start. Several relays share a Postgres outbox, a Postgres token store
//! (`--token-store`) and a Redis budget (`--budget`). With the app's OAuth
//! credentials in `HUBSPOT_CLIENT_ID` and `HUBSPOT_CLIENT_SECRET` the relay
//! renews the tokens it holds and learns unknown callers' accounts by
//! introspection. `--migrate` sends the events of v3 templates as app
//! events (the `*-hsmeta.json` files `timeline migrate` writes), while the
//! callers keep sending, and being answered, as v3. With
//! `TIMELINE_ADMIN_TOKEN` set (and optionally `TIMELINE_ADMIN_READ_TOKEN`)
//! it serves its console at `/admin`, whose session cookie is `Secure`
//! unless the relay listens on loopback; `/metrics` is served always,
//! behind those tokens when they are set.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use timeline_core::{App, Client, DEFAULT_BASE_URL, LocalRateBudget, RateBudget, RateLimit, TokenStore};
use timeline_dispatch::{Dispatcher, DispatcherBuilder, MeteredBudget, SqliteOutbox};
use timeline_relay::{Console, Relay, TemplateSource, TokensFile, event_types_from_dir, prometheus_recorder};
use timeline_template::Definition;
use timeline_template::migration;

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
    /// are delivered with the account's tokens. Optional: other callers' accounts are learned from
    /// the token answers that pass through the relay and by introspection at HubSpot.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Where the accounts' OAuth tokens are kept, shared by every relay and service of the app:
    /// `postgres://USER@HOST:PORT/DB` (migrated; the tokens file, when given, seeds it; tokens are
    /// encrypted with TIMELINE_TOKEN_KEY, 64 hex digits, when it is set) [default: in memory].
    #[arg(long, value_name = "postgres://…", value_parser = parse_token_store)]
    pub token_store: Option<String>,
    /// Each account's rate budget in Redis (`redis://HOST:PORT` or `rediss://…`), shared by every
    /// relay and service of the app [default: in this process].
    #[arg(long, value_name = "redis://…", value_parser = parse_budget)]
    pub budget: Option<String>,
    /// A PEM file of the CAs the Postgres server's certificate must chain to (`--outbox` and
    /// `--token-store` on Postgres): the connections are then TLS, verified (`sslmode=verify-full`
    /// unless the URL says `verify-ca`). Without it the URL's `sslmode` and `sslrootcert` decide.
    #[arg(long, value_name = "PATH", env = "TIMELINE_POSTGRES_CA_FILE")]
    pub postgres_ca_file: Option<PathBuf>,
    /// A PEM file of the CAs a `rediss://` budget server's certificate must chain to, instead of
    /// the Mozilla roots.
    #[arg(long, value_name = "PATH", env = "TIMELINE_REDIS_CA_FILE")]
    pub redis_ca_file: Option<PathBuf>,
    /// Each account's rate limit, as MAX/WINDOW_MS [default: HubSpot's 110/10000].
    #[arg(long, value_name = "MAX/WINDOW_MS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,
    /// A folder of template JSON files and app-event `*-hsmeta.json` files: every input is checked
    /// against its definition before it is stored. Without it the relay learns templates from the
    /// template calls that pass through it (and from HubSpot with --app-id); a v3 input of a
    /// template it learned is checked, the others go unchecked (HubSpot checks them).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The app's id: without --templates, the relay asks HubSpot for the template of a v3 input it
    /// has not learned, with the developer key in HUBSPOT_DEVELOPER_KEY.
    #[arg(long, value_name = "ID", conflicts_with = "templates")]
    pub app_id: Option<i32>,
    /// How long a request waits for its events to settle before the answer says they are pending
    /// (`status: PENDING`; a 207 for a v3 batch, a 202 otherwise) [default: 3000].
    #[arg(long, value_name = "MS")]
    pub ack_wait_ms: Option<u64>,
    /// The dispatcher's lease on the events it claims [default: 30000].
    #[arg(long, value_name = "MS")]
    pub lease_ms: Option<u64>,
    /// Sends the v3 events of template TEMPLATE_ID as occurrences of the app event of FILE (a
    /// `*-hsmeta.json` file as `timeline migrate` writes it), or of every `*-hsmeta.json` file of
    /// DIR, each carrying the template id it was migrated from. Callers keep sending v3 events and
    /// get v3 answers; an input the app event cannot take (a token with no property, a value its
    /// property refuses) gets a per-input error and is not stored. Repeatable.
    #[arg(long, value_name = "TEMPLATE_ID=FILE|DIR", value_parser = parse_migrate)]
    pub migrate: Vec<MigrateSpec>,
}

/// What `--migrate` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateSpec {
    /// One template and the app-event definition file made from it.
    File {
        /// The v3 template id.
        template_id: String,
        /// The `*-hsmeta.json` file.
        path: PathBuf,
    },
    /// A folder of `*-hsmeta.json` files, each carrying its template id.
    Dir(PathBuf),
}

/// `TEMPLATE_ID=FILE` (the id ASCII digits) or `DIR`.
fn parse_migrate(text: &str) -> Result<MigrateSpec, String> {
    match text.split_once('=') {
        Some((id, path)) if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_digit()) && !path.is_empty() => {
            Ok(MigrateSpec::File { template_id: id.to_owned(), path: PathBuf::from(path) })
        }
        Some(_) => Err(format!(
            "{text:?} is not TEMPLATE_ID=FILE with an id of ASCII digits, such as 1001298=pet-adopted-hsmeta.json"
        )),
        None if text.is_empty() => Err("give TEMPLATE_ID=FILE or a folder of *-hsmeta.json files".to_owned()),
        None => Ok(MigrateSpec::Dir(PathBuf::from(text))),
    }
}

/// Every template id and app-event definition `specs` name; a file that
/// carries another template id than the one given is refused.
fn migrations(specs: &[MigrateSpec]) -> Result<Vec<(String, Definition)>, CliError> {
    let mut migrations = Vec::new();
    for spec in specs {
        match spec {
            MigrateSpec::File { template_id, path } => {
                let migrated = migration::read(path)?;
                if let Some(carried) = migrated.template_id.filter(|carried| carried != template_id) {
                    return Err(CliError::Usage(format!(
                        "--migrate {template_id}={}: the file was migrated from template {carried}",
                        path.display()
                    )));
                }
                migrations.push((template_id.clone(), migrated.definition));
            }
            MigrateSpec::Dir(dir) => {
                let found = migration::read_dir(dir)?;
                if found.is_empty() {
                    return Err(CliError::Usage(format!("--migrate {}: no *-hsmeta.json file in it", dir.display())));
                }
                migrations.extend(found.into_iter().map(|(_, template_id, definition)| (template_id, definition)));
            }
        }
    }
    Ok(migrations)
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

/// A `postgres://` URL.
fn parse_token_store(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(text.to_owned());
    }
    Err("give postgres://USER@HOST:PORT/DB".to_owned())
}

/// A `redis://` or `rediss://` URL.
fn parse_budget(text: &str) -> Result<String, String> {
    if text.starts_with("redis://") || text.starts_with("rediss://") {
        return Ok(text.to_owned());
    }
    Err("give redis://HOST:PORT or rediss://HOST:PORT".to_owned())
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
    let tokens = args.tokens.as_deref().map(TokensFile::read).transpose()?;
    let console = console(args)?;
    let app = app(args, tokens.as_ref(), console.as_ref()).await?;
    let mut dispatcher = dispatcher(app.clone(), args).await?;
    if let Some(lease) = args.lease_ms {
        dispatcher = dispatcher.lease(Duration::from_millis(lease));
    }
    let callers = tokens.as_ref().map(TokensFile::callers).unwrap_or_default();
    let mut relay = Relay::builder(app, dispatcher, callers);
    if let Some(dir) = &args.templates {
        relay = relay.event_types(event_types_from_dir(dir)?);
    }
    if let Some(app_id) = args.app_id {
        let key = std::env::var("HUBSPOT_DEVELOPER_KEY").map_err(|_| {
            CliError::Usage("--app-id: set HUBSPOT_DEVELOPER_KEY to the app's developer key".to_owned())
        })?;
        let developer = Client::builder().base_url(args.hubspot_base_url.clone()).developer_key(key).build()?;
        relay = relay.template_source(TemplateSource::new(developer, app_id));
    }
    if let Some(wait) = args.ack_wait_ms {
        relay = relay.ack_wait(Duration::from_millis(wait));
    }
    let console_on = console.is_some();
    if let Some(console) = console {
        relay = relay.console(console);
    }
    let relay = relay.metrics(prometheus_recorder()?).spawn()?;

    let listen = args.listen.to_string();
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(CliError::io(&listen))?;
    let addr = listener.local_addr().map_err(CliError::io(&listen))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{addr}").and_then(|()| stdout.flush()).map_err(CliError::io("stdout"))?;
    if console_on {
        eprintln!("timeline relay: the console is at http://{addr}/admin");
    }
    axum::serve(listener, relay.router())
        .with_graceful_shutdown(timeline_sandbox::stop_signal())
        .await
        .map_err(CliError::io(&listen))?;
    let report = relay.dispatcher().shutdown(SHUTDOWN_DEADLINE).await?;
    eprintln!("timeline relay stopped: {}", stop_summary(&report));
    Ok(ExitCode::SUCCESS)
}

/// The console of `TIMELINE_ADMIN_TOKEN` and `TIMELINE_ADMIN_READ_TOKEN`,
/// its cookie `Secure` unless the relay listens on loopback; `None` without
/// an admin token.
fn console(args: &RelayArgs) -> Result<Option<Console>, CliError> {
    let Some(console) = Console::from_env() else { return Ok(None) };
    Ok(Some(console.secure_cookies(!args.listen.ip().is_loopback()).build()?))
}

/// The app the relay delivers with: the OAuth credentials of
/// `HUBSPOT_CLIENT_ID` and `HUBSPOT_CLIENT_SECRET`, the token store of
/// `--token-store` (seeded from `tokens`) or one in memory holding `tokens`,
/// and the budget of `--budget` or one in this process, each account under
/// `--rate-limit`, measured (`/metrics`) and observed by the console,
/// sending the templates of `--migrate` as app events.
pub async fn app(args: &RelayArgs, tokens: Option<&TokensFile>, console: Option<&Console>) -> Result<App, CliError> {
    let store: Arc<dyn TokenStore> = match &args.token_store {
        Some(url) => postgres_token_store(url, args.postgres_ca_file.as_deref(), tokens).await?,
        None => Arc::new(tokens.map(TokensFile::token_store).unwrap_or_default()),
    };
    let client = Client::builder().base_url(args.hubspot_base_url.clone());
    let app = App::builder()
        // Static tokens are never renewed; OAuth tokens are, with the app's own client id and secret.
        .client_id(std::env::var("HUBSPOT_CLIENT_ID").unwrap_or_else(|_| "timeline-relay".to_owned()))
        .client_secret(std::env::var("HUBSPOT_CLIENT_SECRET").unwrap_or_else(|_| "timeline-relay".to_owned()))
        .token_store(store);
    let app = migrations(&args.migrate)?
        .into_iter()
        .fold(app, |app, (template_id, definition)| app.migrate(template_id, definition));
    let limit = args.rate_limit.unwrap_or_default();
    let budget: Arc<dyn RateBudget> = match &args.budget {
        Some(url) => redis_budget(url, args.redis_ca_file.as_deref(), limit).await?,
        None => Arc::new(LocalRateBudget::new(limit)?),
    };
    let budget: Arc<dyn RateBudget> = Arc::new(MeteredBudget::new(budget));
    let budget = match console {
        Some(console) => console.observe_budget(budget),
        None => budget,
    };
    Ok(app.client(client).rate_budget(budget).build()?)
}

/// The dispatcher's builder over the outbox `--outbox` names.
async fn dispatcher(app: App, args: &RelayArgs) -> Result<DispatcherBuilder, CliError> {
    match &args.outbox {
        OutboxSpec::Sqlite(path) => Ok(Dispatcher::builder(app, SqliteOutbox::open(path).await?)),
        OutboxSpec::Postgres(url) => postgres(app, url, args.postgres_ca_file.as_deref()).await,
    }
}

/// Connections of the relay's Postgres pool.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 10;

#[cfg(feature = "postgres")]
async fn postgres(app: App, url: &str, ca_file: Option<&Path>) -> Result<DispatcherBuilder, CliError> {
    let pool = timeline_postgres::connect(url, ca_file, POSTGRES_CONNECTIONS).await.map_err(|error| {
        timeline_dispatch::Error::outbox(format!("could not connect to the Postgres outbox's database: {error}"), error)
    })?;
    let outbox = timeline_postgres::PgOutbox::new(pool);
    outbox.migrate().await?;
    Ok(Dispatcher::builder(app, outbox))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_app: App, _url: &str, _ca_file: Option<&Path>) -> Result<DispatcherBuilder, CliError> {
    Err(CliError::Usage("--outbox postgres://…: build timeline with its postgres feature".to_owned()))
}

/// The Postgres token store at `url`, migrated and seeded from `tokens`
/// (an account's tokens already there stay), encrypting tokens with
/// `TIMELINE_TOKEN_KEY` when it is set.
#[cfg(feature = "postgres")]
async fn postgres_token_store(
    url: &str,
    ca_file: Option<&Path>,
    tokens: Option<&TokensFile>,
) -> Result<Arc<dyn TokenStore>, CliError> {
    use timeline_postgres::{PgTokenStore, TokenCipher};

    let failed = |what: &str, error: timeline_postgres::Error| CliError::Backend {
        option: "--token-store",
        problem: format!("{what}: {error}"),
    };
    let pool = timeline_postgres::connect(url, ca_file, POSTGRES_CONNECTIONS)
        .await
        .map_err(|error| failed("could not connect to its database", error))?;
    let mut store = PgTokenStore::new(pool);
    if let Ok(key) = std::env::var("TIMELINE_TOKEN_KEY") {
        store = store.encrypted(TokenCipher::from_hex(&key).map_err(|error| failed("TIMELINE_TOKEN_KEY", error))?);
    }
    store.migrate().await.map_err(|error| failed("could not migrate it", error))?;
    for (account, account_tokens) in tokens.into_iter().flat_map(TokensFile::accounts) {
        store.seed(account, account_tokens).await.map_err(|error| failed("could not seed it", error))?;
    }
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
async fn postgres_token_store(
    _url: &str,
    _ca_file: Option<&Path>,
    _tokens: Option<&TokensFile>,
) -> Result<Arc<dyn TokenStore>, CliError> {
    Err(CliError::Usage("--token-store postgres://…: build timeline with its postgres feature".to_owned()))
}

/// The Redis budget at `url` (TLS verified against `ca_file` when given),
/// each account under `limit`.
#[cfg(feature = "redis")]
async fn redis_budget(url: &str, ca_file: Option<&Path>, limit: RateLimit) -> Result<Arc<dyn RateBudget>, CliError> {
    let mut builder = timeline_redis::RedisRateBudget::builder().url(url).limit(limit);
    if let Some(ca_file) = ca_file {
        builder = builder.ca_file(ca_file);
    }
    let budget = builder.build().await;
    Ok(Arc::new(budget.map_err(|error| CliError::Backend { option: "--budget", problem: error.to_string() })?))
}

#[cfg(not(feature = "redis"))]
async fn redis_budget(_url: &str, _ca_file: Option<&Path>, _limit: RateLimit) -> Result<Arc<dyn RateBudget>, CliError> {
    Err(CliError::Usage("--budget redis://…: build timeline with its redis feature".to_owned()))
}

/// What a stop did and left, in a line: what was delivered while stopping,
/// what was given back, and what waits in the outbox for the next start.
fn stop_summary(report: &timeline_dispatch::ShutdownReport) -> String {
    let mut summary = format!(
        "{} delivered while stopping, {} given back unsent{}",
        report.delivered_while_stopping,
        report.returned,
        if report.drained { "" } else { " (the deadline came first)" }
    );
    match &report.outbox {
        Some(counts) => summary.push_str(&format!(
            "; the outbox holds {} pending and {} claimed for the next start, {} dead",
            counts.pending, counts.claimed, counts.dead
        )),
        None => summary.push_str("; the outbox could not be counted"),
    }
    summary
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
        assert!(parse_token_store("postgres://relay@db:5432/relay").is_ok());
        assert!(parse_token_store("sqlite:tokens.sqlite").is_err());
        assert!(parse_budget("redis://127.0.0.1:6379").is_ok() && parse_budget("rediss://cache:6380").is_ok());
        assert!(parse_budget("127.0.0.1:6379").is_err());
        assert_eq!(
            parse_migrate("1001298=timeline/pet-hsmeta.json"),
            Ok(MigrateSpec::File { template_id: "1001298".into(), path: "timeline/pet-hsmeta.json".into() })
        );
        assert_eq!(parse_migrate("timeline/app-events"), Ok(MigrateSpec::Dir("timeline/app-events".into())));
        for refused in ["pet=pet-hsmeta.json", "1001298=", "=pet-hsmeta.json", ""] {
            assert!(parse_migrate(refused).is_err(), "{refused}");
        }
    }
}
