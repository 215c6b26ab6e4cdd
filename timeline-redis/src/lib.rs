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
mod error;
mod script;
mod sliding_log;

pub use budget::{OnUnreachable, RedisRateBudget};
pub use builder::{DEFAULT_PREFIX, MAX_REQUESTS_PER_WINDOW, RedisRateBudgetBuilder};
pub use error::BuildError;
pub use redis::aio::ConnectionManager;
pub use sliding_log::{Decision, Observed, SlidingLog};
