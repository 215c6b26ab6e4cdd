//! [`connect`] and [`connect_options`]: a pool from a Postgres URL, with
//! TLS as the URL and a CA file ask, and errors that never show the URL.

use std::path::Path;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgConnection, PgPool};

use crate::error::Error;

/// The connect options of `url`: its `sslmode` (`disable`, `prefer` by
/// default, `require`, `verify-ca`, `verify-full`) and `sslrootcert`
/// honoured, plus `ca_file`, a PEM file of the CAs the server's
/// certificate must chain to. A CA file turns verification on: `prefer`
/// and `require` become `verify-full` (`verify-ca` stays), and `disable` or
/// `allow` with a CA file are refused.
///
/// ```
/// use sqlx::postgres::PgSslMode;
///
/// let ca = std::path::Path::new("/etc/ssl/db-ca.pem");
/// let options = timeline_postgres::connect_options("postgres://app@db/app?sslmode=require", Some(ca)).unwrap();
/// assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyFull));
/// let error = timeline_postgres::connect_options("postgres://app:hunter2@db:port/app", None).unwrap_err();
/// assert!(!error.to_string().contains("hunter2") && !format!("{error:?}").contains("hunter2"));
/// ```
///
/// # Errors
///
/// [`Error::Url`] for a URL that does not parse;
/// [`Error::CaFileWithoutVerification`] for a CA file with
/// `sslmode=disable` or `allow`.
pub fn connect_options(url: &str, ca_file: Option<&Path>) -> Result<PgConnectOptions, Error> {
    let options: PgConnectOptions = url.parse().map_err(Error::Url)?;
    let Some(ca_file) = ca_file else {
        return Ok(options);
    };
    let mode = match options.get_ssl_mode() {
        PgSslMode::Disable => return Err(Error::CaFileWithoutVerification("disable")),
        PgSslMode::Allow => return Err(Error::CaFileWithoutVerification("allow")),
        PgSslMode::VerifyCa => PgSslMode::VerifyCa,
        PgSslMode::Prefer | PgSslMode::Require | PgSslMode::VerifyFull => PgSslMode::VerifyFull,
    };
    Ok(options.ssl_mode(mode).ssl_root_cert(ca_file))
}

/// A pool of at most `max_connections` connections to the database of
/// `url` (see [`connect_options`] for TLS and `ca_file`), once one
/// connection has opened: a refused one says why, where a pool would only
/// time out.
///
/// ```no_run
/// # async fn run() -> Result<(), timeline_postgres::Error> {
/// let url = "postgres://app@db.internal/app?sslmode=verify-full";
/// let pool = timeline_postgres::connect(url, Some("/etc/ssl/db-ca.pem".as_ref()), 10).await?;
/// let outbox = timeline_postgres::PgOutbox::new(pool);
/// # drop(outbox);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// Those of [`connect_options`], and [`Error::Refused`] when the
/// first connection fails.
pub async fn connect(url: &str, ca_file: Option<&Path>, max_connections: u32) -> Result<PgPool, Error> {
    let options = connect_options(url, ca_file)?;
    let refused = |source| Error::Refused { server: server(&options), source };
    PgConnection::connect_with(&options).await.map_err(refused)?.close().await.map_err(refused)?;
    Ok(PgPoolOptions::new().max_connections(max_connections).connect_lazy_with(options))
}

/// `HOST:PORT/DATABASE as USER`, for errors.
fn server(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or(options.get_username());
    format!("{}:{}/{database} as {}", options.get_host(), options.get_port(), options.get_username())
}
