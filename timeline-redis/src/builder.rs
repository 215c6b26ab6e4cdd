//! [`RedisRateBudgetBuilder`]: where the budget's Redis is (and the CA its
//! TLS trusts), its key prefix, its limit and its policy when Redis is
//! unreachable.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, TlsCertificates};
use timeline_core::{LocalRateBudget, RateLimit};
use tokio::sync::mpsc;

use crate::budget::{OnUnreachable, RedisRateBudget, Shared, apply_feedback};
use crate::connection::BudgetConnection;
use crate::error::Error;
use crate::script::BudgetScript;

/// The key prefix when none is given.
pub const DEFAULT_PREFIX: &str = "hubspot-timeline:budget";

/// The most requests per window a [`RedisRateBudget`] holds (one sorted-set
/// member per request); HubSpot's limits are far below.
pub const MAX_REQUESTS_PER_WINDOW: u32 = 100_000;

/// How long READONLY answers are tried again, unless
/// [`failover_grace`](RedisRateBudgetBuilder::failover_grace) says otherwise.
pub const DEFAULT_FAILOVER_GRACE: Duration = Duration::from_secs(10);

/// How long a command may take before Redis counts as unreachable.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Builds a [`RedisRateBudget`]; [`url`](Self::url) or
/// [`connection`](Self::connection) is required.
///
/// A `rediss://` URL speaks TLS (rustls), verifying the server's
/// certificate and name against the Mozilla roots, or against the CA of
/// [`ca_file`](Self::ca_file) alone when given. Neither the builder's
/// `Debug` nor its errors show the URL (it may hold a password).
///
/// ```no_run
/// use std::time::Duration;
/// use timeline_core::RateLimit;
/// use timeline_redis::{OnUnreachable, RedisRateBudget};
///
/// # async fn run() -> Result<(), timeline_redis::Error> {
/// let budget = RedisRateBudget::builder()
///     .url("redis://127.0.0.1:6379")
///     .prefix("my-service:budget")
///     .limit(RateLimit::new(100, Duration::from_secs(10)))
///     .on_unreachable(OnUnreachable::Wait)
///     .build()
///     .await?;
/// # drop(budget);
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct RedisRateBudgetBuilder {
    url: Option<String>,
    ca_file: Option<PathBuf>,
    connection: Option<ConnectionManager>,
    prefix: Option<String>,
    limit: Option<RateLimit>,
    on_unreachable: OnUnreachable,
    failover_grace: Option<Duration>,
}

impl fmt::Debug for RedisRateBudgetBuilder {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateBudgetBuilder")
            .field("url", &self.url.as_ref().map(|_| "…"))
            .field("ca_file", &self.ca_file)
            .field("connection", &self.connection.is_some())
            .field("prefix", &self.prefix)
            .field("limit", &self.limit)
            .field("on_unreachable", &self.on_unreachable)
            .field("failover_grace", &self.failover_grace)
            .finish()
    }
}

impl RedisRateBudgetBuilder {
    /// The Redis server, as `redis://[USER:PASSWORD@]HOST:PORT[/DB]`,
    /// `rediss://…` (TLS) or `unix://PATH`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// A PEM file of the CA certificates that a `rediss://` server's
    /// certificate must chain to, instead of the Mozilla roots (for a
    /// private CA, such as a managed Redis's or your own). Goes with a
    /// `rediss://` [`url`](Self::url) only.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// A connection of the caller's, instead of a [`url`](Self::url): it
    /// reconnects by itself after an outage, within its own configuration.
    pub fn connection(mut self, connection: ConnectionManager) -> Self {
        self.connection = Some(connection);
        self
    }

    /// The prefix of the budget's keys ([`DEFAULT_PREFIX`] unless given):
    /// processes that share a budget give the same one.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The limit of every account ([`RateLimit::hubspot`], 110 per 10 s,
    /// unless given); every replica gives the same one.
    pub fn limit(mut self, limit: RateLimit) -> Self {
        self.limit = Some(limit);
        self
    }

    /// What happens while Redis does not answer ([`OnUnreachable::Wait`]
    /// unless given).
    pub fn on_unreachable(mut self, policy: OnUnreachable) -> Self {
        self.on_unreachable = policy;
        self
    }

    /// How long the budget asks again while Redis answers READONLY (its
    /// server became a replica, as during a failover) before permits fail
    /// with [`Error::ReadOnly`](crate::Error::ReadOnly)
    /// ([`DEFAULT_FAILOVER_GRACE`] unless given). A budget built from a URL
    /// opens a new connection between tries, so a DNS name that moved to
    /// the new primary is followed.
    pub fn failover_grace(mut self, grace: Duration) -> Self {
        self.failover_grace = Some(grace);
        self
    }

    /// Connects (when given a URL) and builds the budget; its feedback task
    /// runs on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a missing or malformed URL, a CA file
    /// without a `rediss://` URL, a limit of 0 requests, a window of zero or
    /// over a day, more than [`MAX_REQUESTS_PER_WINDOW`] requests, an empty
    /// prefix or a `LocalShare` of 0 replicas; [`Error::CaFile`] when
    /// the CA file cannot be read; [`Error::Redis`] when the first
    /// connection fails (unreachable, a refused password, a failed TLS
    /// handshake).
    pub async fn build(self) -> Result<RedisRateBudget, Error> {
        let limit = self.limit.unwrap_or_else(RateLimit::hubspot);
        LocalRateBudget::new(limit).map_err(|error| Error::Config(error.to_string()))?;
        if limit.max_requests() > MAX_REQUESTS_PER_WINDOW {
            return Err(Error::Config(format!(
                "a Redis budget holds at most {MAX_REQUESTS_PER_WINDOW} requests per window, not {}",
                limit.max_requests()
            )));
        }
        let prefix = self.prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_owned());
        if prefix.is_empty() {
            return Err(Error::Config("the key prefix is empty".to_owned()));
        }
        let fallback = match self.on_unreachable {
            OnUnreachable::Wait => None,
            OnUnreachable::LocalShare { replicas: 0 } => {
                return Err(Error::Config("OnUnreachable::LocalShare needs at least 1 replica".to_owned()));
            }
            OnUnreachable::LocalShare { replicas } => {
                let share = RateLimit::new((limit.max_requests() / replicas).max(1), limit.window());
                Some(LocalRateBudget::new(share).map_err(|error| Error::Config(error.to_string()))?)
            }
        };
        let connection = match (self.connection, self.url) {
            (Some(_), _) if self.ca_file.is_some() => {
                return Err(Error::Config("a CA file goes with a URL, not with a connection".to_owned()));
            }
            (Some(connection), _) => BudgetConnection::given(connection),
            (None, Some(url)) => {
                let client = client(&url, self.ca_file)?;
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_connection_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(200));
                BudgetConnection::open(client, config).await.map_err(Error::Redis)?
            }
            (None, None) => return Err(Error::Config("a Redis URL or connection is required".to_owned())),
        };
        let script = BudgetScript::new(prefix, limit);
        let (feedback, queue) = mpsc::unbounded_channel();
        tokio::spawn(apply_feedback(script.clone(), connection.clone(), queue));
        let shared = Shared {
            connection,
            script,
            limit,
            on_unreachable: self.on_unreachable,
            failover_grace: self.failover_grace.unwrap_or(DEFAULT_FAILOVER_GRACE),
            read_only_since: Mutex::new(None),
            refusing: AtomicBool::new(false),
            fallback,
            instance: format!("{:016x}", fastrand::u64(..)),
            sequence: AtomicU64::new(0),
            outage: AtomicBool::new(false),
            next_probe: Mutex::new(None),
            feedback,
            gates: Mutex::new(HashMap::new()),
        };
        Ok(RedisRateBudget::from_shared(Arc::new(shared)))
    }
}

/// The client of `url`, trusting the CA of `ca_file` when given. Errors
/// leave the URL out.
fn client(url: &str, ca_file: Option<PathBuf>) -> Result<redis::Client, Error> {
    let info = url
        .into_connection_info()
        .map_err(|error| Error::Config(format!("the Redis URL is not one (the URL is not shown): {error}")))?;
    let tls = matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. });
    if tls {
        install_crypto_provider();
    }
    match ca_file {
        None => redis::Client::open(info),
        Some(_) if !tls => {
            return Err(Error::Config("a CA file goes with a rediss:// URL (TLS) only".to_owned()));
        }
        Some(path) => {
            let pem = std::fs::read(&path).map_err(|source| Error::CaFile { path, source })?;
            redis::Client::build_with_tls(info, TlsCertificates { client_tls: None, root_cert: Some(pem) })
        }
    }
    .map_err(|error| Error::Config(format!("the Redis URL or CA cannot be used: {error}")))
}

/// Makes rustls's process-wide crypto provider the one reqwest uses
/// (aws-lc-rs), unless the program chose one: the redis crate's TLS takes
/// the process-wide one, and finds none when several are compiled in.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one first; either is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

impl RedisRateBudget {
    /// A builder: the Redis URL or connection, the key prefix, the limit and
    /// the policy when Redis is unreachable.
    pub fn builder() -> RedisRateBudgetBuilder {
        RedisRateBudgetBuilder::default()
    }
}
