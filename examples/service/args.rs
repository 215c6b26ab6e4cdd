//! The service's command line: `--listen`, `--hubspot-base-url`,
//! `--outbox sqlite:PATH | postgres://…`, `--tokens FILE` and
//! `--token-store postgres://…`.

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

const USAGE: &str = "usage: service --listen ADDR --hubspot-base-url URL --outbox sqlite:PATH|postgres://USER@HOST:PORT/DB [--tokens FILE] [--token-store postgres://USER@HOST:PORT/DB]";

impl Args {
    /// Parses `args` (without the program name).
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut listen, mut base_url, mut outbox, mut tokens, mut token_store) = (None, None, None, None, None);
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
                "--token-store" => token_store = Some(token_store_url(&value()?)?),
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other}; {USAGE}")),
            }
        }
        Ok(Args {
            listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            hubspot_base_url: base_url.unwrap_or_else(|| hubspot_timeline::DEFAULT_BASE_URL.to_owned()),
            outbox: outbox.ok_or_else(|| format!("--outbox is required; {USAGE}"))?,
            tokens,
            token_store,
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
    Err(format!("--outbox {text}: give sqlite:PATH or a postgres:// URL"))
}

fn token_store_url(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(text.to_owned());
    }
    Err(format!("--token-store {text}: give a postgres:// URL"))
}
