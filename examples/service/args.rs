//! The service's command line: `--listen`, `--hubspot-base-url`,
//! `--outbox sqlite:PATH | postgres://…`, `--tokens FILE`,
//! `--token-store postgres://…`, `--budget redis://HOST:PORT`,
//! `--rate-limit MAX/WINDOW_MS`, `--lease-ms MS`, and the CA files of TLS
//! to Postgres and Redis, `--postgres-ca-file PATH` and `--redis-ca-file
//! PATH` (or `TIMELINE_POSTGRES_CA_FILE`, `TIMELINE_REDIS_CA_FILE`). No
//! error repeats a URL (it may hold a password).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use hubspot_timeline::budget::RateLimit;

/// Where the outbox is.
pub enum OutboxSpec {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A Postgres URL.
    Postgres(String),
}

/// The parsed command line.
pub struct Args {
    pub listen: SocketAddr,
    pub hubspot_base_url: String,
    pub outbox: OutboxSpec,
    pub tokens: Option<PathBuf>,
    /// The Postgres URL of a shared token store (`--token-store`).
    pub token_store: Option<String>,
    /// The Redis of a rate budget shared with the other replicas; `None`:
    /// the app's own in-process budget.
    pub budget: Option<String>,
    /// Each account's limit (HubSpot's 110 per 10 s unless given).
    pub rate_limit: RateLimit,
    /// The dispatcher's lease on the events it claims; `None`: the default.
    pub lease: Option<Duration>,
    /// The CAs a Postgres server's certificate must chain to (TLS, verified).
    pub postgres_ca_file: Option<PathBuf>,
    /// The CAs a `rediss://` server's certificate must chain to.
    pub redis_ca_file: Option<PathBuf>,
}

const USAGE: &str = "usage: service --listen ADDR --hubspot-base-url URL --outbox sqlite:PATH|postgres://USER@HOST:PORT/DB \
                     [--tokens FILE] [--token-store postgres://USER@HOST:PORT/DB] [--budget redis://HOST:PORT] \
                     [--rate-limit MAX/WINDOW_MS] [--lease-ms MS] [--postgres-ca-file PATH] [--redis-ca-file PATH]";

impl Args {
    /// Parses `args` (without the program name).
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut listen, mut base_url, mut outbox, mut tokens) = (None, None, None, None);
        let (mut token_store, mut budget, mut rate_limit, mut lease) = (None, None, None, None);
        let mut postgres_ca_file = std::env::var_os("TIMELINE_POSTGRES_CA_FILE").map(PathBuf::from);
        let mut redis_ca_file = std::env::var_os("TIMELINE_REDIS_CA_FILE").map(PathBuf::from);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value; {USAGE}"));
            match flag.as_str() {
                "--listen" => {
                    let text = value()?;
                    listen = Some(text.parse().map_err(|error| format!("--listen {text}: {error}"))?);
                }
                "--hubspot-base-url" => base_url = Some(value()?),
                "--outbox" => outbox = Some(outbox_spec(&value()?)?),
                "--tokens" => tokens = Some(PathBuf::from(value()?)),
                "--token-store" => token_store = Some(url_of("--token-store", &value()?, &["postgres", "postgresql"])?),
                "--budget" => budget = Some(url_of("--budget", &value()?, &["redis", "rediss"])?),
                "--rate-limit" => rate_limit = Some(rate_limit_of(&value()?)?),
                "--lease-ms" => lease = Some(Duration::from_millis(millis_of("--lease-ms", &value()?)?)),
                "--postgres-ca-file" => postgres_ca_file = Some(PathBuf::from(value()?)),
                "--redis-ca-file" => redis_ca_file = Some(PathBuf::from(value()?)),
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other}; {USAGE}")),
            }
        }
        Ok(Args {
            listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            hubspot_base_url: base_url.unwrap_or_else(|| hubspot_timeline::send::DEFAULT_BASE_URL.to_owned()),
            outbox: outbox.ok_or_else(|| format!("--outbox is required; {USAGE}"))?,
            tokens,
            token_store,
            budget,
            rate_limit: rate_limit.unwrap_or_else(RateLimit::hubspot),
            lease,
            postgres_ca_file,
            redis_ca_file,
        })
    }
}

fn outbox_spec(text: &str) -> Result<OutboxSpec, String> {
    if let Some(path) = text.strip_prefix("sqlite:") {
        return Ok(OutboxSpec::Sqlite(PathBuf::from(path)));
    }
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(OutboxSpec::Postgres(text.to_owned()));
    }
    Err("--outbox: give sqlite:PATH or a postgres:// URL".to_owned())
}

/// `text` when it is a URL of one of `schemes`.
fn url_of(flag: &str, text: &str, schemes: &[&str]) -> Result<String, String> {
    if schemes.iter().any(|scheme| text.strip_prefix(scheme).is_some_and(|rest| rest.starts_with("://"))) {
        return Ok(text.to_owned());
    }
    Err(format!("{flag}: give a {}:// URL", schemes[0]))
}

/// `MAX/WINDOW_MS`, such as `110/10000`.
fn rate_limit_of(text: &str) -> Result<RateLimit, String> {
    let (max, window) = text.split_once('/').ok_or_else(|| format!("--rate-limit {text}: give MAX/WINDOW_MS"))?;
    let max = max.parse().map_err(|_| format!("--rate-limit {text}: {max:?} is not a count of requests"))?;
    let window = Duration::from_millis(millis_of("--rate-limit", window)?);
    if max == 0 || window.is_zero() {
        return Err(format!("--rate-limit {text}: both numbers must be above zero"));
    }
    Ok(RateLimit::new(max, window))
}

fn millis_of(flag: &str, text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| format!("{flag}: {text:?} is not a number of milliseconds"))
}
