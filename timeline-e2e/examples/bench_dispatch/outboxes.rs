//! The outboxes a run uses, opened fresh for it: in memory, a SQLite file in
//! a temporary folder, a database of its own on a throwaway Postgres server.

use std::error::Error;
use std::sync::Arc;

use hubspot_timeline::dispatch::{MemoryOutbox, Outbox, SqliteOutbox};
use hubspot_timeline::postgres::PgOutbox;
use sqlx::postgres::PgPoolOptions;
use timeline_testkit::PgServer;

use crate::args::Kind;

/// An open outbox and what it lives in.
pub struct Opened {
    pub outbox: Arc<dyn Outbox>,
    /// The SQLite file's folder, removed on drop.
    _dir: Option<tempfile::TempDir>,
}

/// The throwaway Postgres server, when `kinds` has Postgres.
pub fn pg_server(kinds: &[Kind]) -> Result<Option<PgServer>, Box<dyn Error>> {
    if !kinds.contains(&Kind::Postgres) {
        return Ok(None);
    }
    let server = PgServer::start().ok_or("the Postgres outbox needs `initdb` and `pg_ctl` (package `postgresql`)")?;
    Ok(Some(server))
}

/// Opens a fresh outbox of `kind`; `name` names its Postgres database.
pub async fn open(
    kind: Kind,
    pg: Option<&PgServer>,
    name: &str,
    pg_connections: u32,
) -> Result<Opened, Box<dyn Error>> {
    match kind {
        Kind::Memory => Ok(Opened { outbox: Arc::new(MemoryOutbox::new()), _dir: None }),
        Kind::Sqlite => {
            let dir = tempfile::Builder::new().prefix("bench-dispatch-").tempdir()?;
            let outbox = SqliteOutbox::open(dir.path().join("outbox.sqlite")).await?;
            Ok(Opened { outbox: Arc::new(outbox), _dir: Some(dir) })
        }
        Kind::Postgres => {
            let server = pg.ok_or("no Postgres server was started")?;
            let url = server.create_database(name).await;
            let pool = PgPoolOptions::new().max_connections(pg_connections).connect(&url).await?;
            let outbox = PgOutbox::new(pool);
            outbox.migrate().await?;
            Ok(Opened { outbox: Arc::new(outbox), _dir: None })
        }
    }
}
