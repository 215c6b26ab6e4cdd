//! An axum service that emits a timeline event from a request handler
//! through the dispatcher and its outbox: the model to copy.
//!
//! ```console
//! $ cargo run --release --example service --features dispatch -- \
//!     --listen 127.0.0.1:0 --hubspot-base-url http://127.0.0.1:40123 --outbox sqlite:outbox.sqlite
//! listening on http://127.0.0.1:40555
//! $ curl -X POST http://127.0.0.1:40555/accounts/101/registrations -H 'content-type: application/json' \
//!     -d '{"registrationId": "r-1", "email": "a@b.co", "webinar": "Q2 roadmap", "registeredAt": "2026-05-04T09:15:00Z"}'
//! ```
//!
//! `--outbox postgres://USER@HOST:PORT/DB` keeps the outbox in Postgres
//! (the `postgres` feature); `--tokens FILE` is a JSON object from account
//! id to access token (without it every account uses
//! `HUBSPOT_ACCESS_TOKEN`), or to OAuth tokens `{"accessToken",
//! "refreshToken", "expiresAt"}`; `--token-store postgres://…` keeps the
//! tokens in a Postgres token store that every replica shares, seeded from
//! `--tokens FILE` and encrypted with `TIMELINE_TOKEN_KEY` (64 hex digits)
//! when it is set. `--budget redis://HOST:PORT` paces every account by a
//! rate budget in Redis shared with the other replicas (the `redis`
//! feature); without it the app paces in process. TLS: `?sslmode=verify-full`
//! in a Postgres URL, `rediss://` for Redis, and `--postgres-ca-file PATH`,
//! `--redis-ca-file PATH` for a private CA. `--rate-limit
//! MAX/WINDOW_MS` sets each account's limit (HubSpot's 110 per 10 000 ms
//! by default), `--lease-ms` the dispatcher's lease on claimed events (how
//! soon another replica takes over the events of one that died).
//! `HUBSPOT_OAUTH_API=v1` renews OAuth tokens on HubSpot's v1 OAuth API
//! instead of the 2026-03 one. SIGTERM or
//! SIGINT stops intake, delivers what
//! fits in ten seconds and exits 0; what is left stays in the outbox for the
//! next start.

mod args;
mod routes;
mod tokens;

use hubspot_timeline::Client;
use std::error::Error;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hubspot_timeline::App;
use hubspot_timeline::accounts::OAuthApi;
use hubspot_timeline::dispatch::{Dispatcher, DispatcherBuilder, Fate, SqliteOutbox};

use args::{Args, OutboxSpec};

/// How long a shutdown may take to deliver what is due.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse(std::env::args().skip(1))?;
    let store: Arc<dyn hubspot_timeline::accounts::TokenStore> = match &args.token_store {
        Some(url) => tokens::postgres(url, args.postgres_ca_file.as_deref(), args.tokens.as_deref()).await?,
        None => Arc::new(tokens::FileTokens::load(args.tokens.as_deref())?),
    };
    let client = Client::builder().oauth_api(oauth_api()?).base_url(args.hubspot_base_url.clone());
    let app = match &args.budget {
        Some(url) => App::builder()
            .client(client)
            .rate_budget(redis_budget(url, args.redis_ca_file.as_deref(), args.rate_limit).await?),
        None => App::builder().client(client.rate_limit(args.rate_limit)),
    };
    let app = app
        // Static tokens are never renewed; an OAuth app gives its own client id and secret.
        .client_id(std::env::var("HUBSPOT_CLIENT_ID").unwrap_or_else(|_| "service-example".to_owned()))
        .client_secret(std::env::var("HUBSPOT_CLIENT_SECRET").unwrap_or_else(|_| "service-example".to_owned()))
        .token_store(store)
        .build()?;
    let mut dispatcher = builder(app, &args.outbox, args.postgres_ca_file.as_deref()).await?;
    if let Some(lease) = args.lease {
        dispatcher = dispatcher.lease(lease);
    }
    let dispatcher = dispatcher
        .sink(|outcome: &hubspot_timeline::dispatch::DispatchOutcome| match &outcome.fate {
            Fate::Dead { reason, .. } => {
                eprintln!("dead letter {} of account {}: {reason}", outcome.key.event_id, outcome.key.account)
            }
            Fate::RetryAt { reason, .. } => eprintln!("retrying {} later: {reason}", outcome.key.event_id),
            Fate::Delivered { .. } => {}
        })
        .spawn()?;

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;

    axum::serve(listener, routes::router(dispatcher.clone())).with_graceful_shutdown(stop_signal()).await?;
    let report = dispatcher.shutdown(SHUTDOWN_DEADLINE).await?;
    eprintln!("stopped: {report:?}");
    Ok(())
}

/// The OAuth API named by `HUBSPOT_OAUTH_API`: `2026-03` (the default) or `v1`.
fn oauth_api() -> Result<OAuthApi, Box<dyn Error>> {
    match std::env::var("HUBSPOT_OAUTH_API") {
        Ok(api) if !api.is_empty() => Ok(api.parse().map_err(|problem| format!("HUBSPOT_OAUTH_API: {problem}"))?),
        _ => Ok(OAuthApi::default()),
    }
}

/// The dispatcher's builder over the outbox `spec` names (a Postgres one
/// over TLS verified against `ca_file`, when given).
async fn builder(app: App, spec: &OutboxSpec, ca_file: Option<&Path>) -> Result<DispatcherBuilder, Box<dyn Error>> {
    Ok(match spec {
        OutboxSpec::Sqlite(path) => Dispatcher::builder(app, SqliteOutbox::open(path).await?),
        OutboxSpec::Postgres(url) => postgres_builder(app, url, ca_file).await?,
    })
}

/// Connections of the service's Postgres pools.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 10;

#[cfg(feature = "postgres")]
async fn postgres_builder(app: App, url: &str, ca_file: Option<&Path>) -> Result<DispatcherBuilder, Box<dyn Error>> {
    let pool = hubspot_timeline::postgres::connect(url, ca_file, POSTGRES_CONNECTIONS).await?;
    let outbox = hubspot_timeline::postgres::PgOutbox::new(pool);
    outbox.migrate().await?;
    Ok(Dispatcher::builder(app, outbox))
}

#[cfg(not(feature = "postgres"))]
async fn postgres_builder(_app: App, _url: &str, _ca_file: Option<&Path>) -> Result<DispatcherBuilder, Box<dyn Error>> {
    Err("--outbox postgres://…: build with the postgres feature (--all-features) for a Postgres outbox".into())
}

/// The Redis budget at `url`, trusting the CA of `ca_file` for `rediss://`.
#[cfg(feature = "redis")]
async fn redis_budget(
    url: &str,
    ca_file: Option<&Path>,
    limit: hubspot_timeline::budget::RateLimit,
) -> Result<Arc<dyn hubspot_timeline::budget::RateBudget>, Box<dyn Error>> {
    let mut budget = hubspot_timeline::redis::RedisRateBudget::builder().url(url).limit(limit);
    if let Some(ca_file) = ca_file {
        budget = budget.ca_file(ca_file);
    }
    Ok(Arc::new(budget.build().await?))
}

#[cfg(not(feature = "redis"))]
async fn redis_budget(
    _url: &str,
    _ca_file: Option<&Path>,
    _limit: hubspot_timeline::budget::RateLimit,
) -> Result<Arc<dyn hubspot_timeline::budget::RateBudget>, Box<dyn Error>> {
    Err("--budget redis://…: build with the redis feature (--all-features) for a budget in Redis".into())
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
