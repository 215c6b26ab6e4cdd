//! Test support for hubspot-timeline's crates (dev-only, never published).
//!
//! [`RedisServer`] is a throwaway Redis server: `redis-server` as a child
//! process on 127.0.0.1 at a free port, without persistence, killed on drop;
//! it can be stopped and started again on the same port for outage tests.
//!
//! [`PgServer`] is a throwaway Postgres server: `initdb` and `pg_ctl` on a
//! temporary folder, listening on 127.0.0.1 at a free port, stopped (and its
//! folder removed) on drop. [`TestDb`] is one database per test on a server
//! shared by the tests of one test binary, the way sqlx's test harness gives
//! each test its own database.
//!
//! Both can start with TLS on ([`RedisServer::start_tls`],
//! [`PgServer::start_tls`]), with a certificate authority and a server
//! certificate made in the test process ([`TestCertificates`]).
//!
//! Where the Postgres binaries are missing, [`PgServer::start`] and
//! [`TestDb::new`] return `None` after printing a message naming the Debian
//! package `postgresql`, so the test can skip itself; under `CI=true` they
//! panic instead, so CI never passes by skipping. [`RedisServer::start`]
//! does the same when `redis-server` is missing, naming the Debian package
//! `redis-server`.
//!
//! [`OfficialClients`] are HubSpot's official Node and Python clients,
//! installed once under `target/official-clients/` at the benchmarks' pins,
//! for the tests that point them at our servers; where node, npm or python3
//! with venv is missing they skip the same way, naming the Debian packages.
//!
//! [`openapi`] checks our servers' answers against HubSpot's OpenAPI files
//! in `reference/openapi/`.
//!
//! [`Browser`] is headless Chromium over WebDriver (Debian's `chromium` and
//! `chromium-driver`, driven with [`fantoccini`]), for the tests of
//! server-rendered pages; it skips the same way, naming the packages.
//!
//! ```no_run
//! # async fn test() {
//! let Some(db) = timeline_testkit::TestDb::new("my_crate::my_test").await else {
//!     return; // Postgres is not installed here; the message says so
//! };
//! let pool = db.pool().await;
//! sqlx::query("SELECT 1").execute(&pool).await.unwrap();
//! # }
//! ```

#![warn(missing_docs)]

mod browser;
mod certificates;
mod official_clients;
pub mod openapi;
mod pg_server;
mod redis_server;
mod test_db;

pub use browser::Browser;
pub use certificates::TestCertificates;
pub use fantoccini;
pub use official_clients::{BatchOutcome, OfficialClient, OfficialClients};
pub use pg_server::PgServer;
pub use redis_server::RedisServer;
pub use test_db::TestDb;

/// Panics when `secret` (a password, a token) shows in `error`'s `Display`
/// or `Debug`, or in those of any error of its `source()` chain.
///
/// ```should_panic
/// let error = std::io::Error::other("login as app:hunter2 refused");
/// timeline_testkit::assert_hides(&error, "hunter2");
/// ```
pub fn assert_hides(error: &(dyn std::error::Error + 'static), secret: &str) {
    let mut current = Some(error);
    while let Some(error) = current {
        let shown = format!("{error} / {error:?}");
        assert!(!shown.contains(secret), "{secret:?} shows in {shown}");
        current = error.source();
    }
}
