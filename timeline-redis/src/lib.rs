//! A rate budget per HubSpot account shared by every replica of a service,
//! in Redis: [`RedisRateBudget`] implements timeline-core's
//! [`RateBudget`](timeline_core::RateBudget), so an
//! [`App`](timeline_core::App) of each replica paces its requests by the
//! same rolling windows.
//!
//! Each account's window is a sliding log, a sorted set of request start
//! times on the Redis server's clock that one atomic Lua script trims, counts
//! and extends per permit; HubSpot's answers (rate-limit headers, 429s) correct
//! it for every replica. [`SlidingLog`] is the same arithmetic in Rust, on a
//! clock the caller gives. [`OnUnreachable`] says what happens while Redis is
//! away.
//!
//! # TLS
//!
//! A `rediss://` URL speaks TLS (rustls): the server's certificate and name
//! are verified against the Mozilla roots, or against the CA certificates
//! of [`ca_file`](RedisRateBudgetBuilder::ca_file) alone:
//! `RedisRateBudget::builder().url("rediss://:PASSWORD@cache:6380").ca_file("/etc/ssl/redis-ca.pem")`.
//! No error, log line or `Debug` of the budget or its builder shows the URL
//! or its password.
//!
//! # When Redis refuses
//!
//! An answer that is a refusal is not an outage, and no permit waits for it
//! silently; each is a [`Error`], logged once per streak, and the
//! client's call stops with
//! [`Error::RateBudget`](timeline_core::Error::RateBudget) (its events fail
//! unsent; a dispatcher tries them again after its backoff):
//!
//! | Redis answers | the budget |
//! |---|---|
//! | no answer, a timeout, LOADING, BUSY, TRYAGAIN, MASTERDOWN, CLUSTERDOWN | an outage: [`OnUnreachable`] (wait, or pace in process) |
//! | READONLY (a replica, as during a failover) | asks again with a backoff (over a new connection when built from a URL) for [`failover_grace`](RedisRateBudgetBuilder::failover_grace), 10 s by default, then fails with [`Error::ReadOnly`] |
//! | NOPERM (ACL), a refused login | fails at once: [`Error::NoPermission`] |
//! | OOM (`maxmemory` with `noeviction`) | fails at once: [`Error::OutOfMemory`] |
//! | an error of the script (a key of the prefix holding another type, …) | fails at once: [`Error::Script`] |
//!
//! The next permit asks Redis again, so the budget admits as soon as Redis
//! does.
//!
//! ```no_run
//! use std::sync::Arc;
//! use timeline_core::{App, MemoryTokenStore};
//! use timeline_redis::RedisRateBudget;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let budget = RedisRateBudget::builder().url("redis://127.0.0.1:6379").build().await?;
//! let app = App::builder()
//!     .client_id("app-id")
//!     .client_secret("app-secret")
//!     .token_store(Arc::new(MemoryTokenStore::new()))
//!     .rate_budget(Arc::new(budget))
//!     .build()?;
//! # drop(app);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod budget;
mod builder;
mod connection;
mod error;
mod script;
mod sliding_log;

pub use budget::{OnUnreachable, RedisRateBudget};
pub use builder::{DEFAULT_FAILOVER_GRACE, DEFAULT_PREFIX, MAX_REQUESTS_PER_WINDOW, RedisRateBudgetBuilder};
pub use error::Error;
pub use redis::aio::ConnectionManager;
pub use sliding_log::{Decision, Observed, SlidingLog};
