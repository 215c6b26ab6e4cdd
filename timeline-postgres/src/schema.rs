//! What the outbox and the token store share about their schema: the rule
//! for its name, and migrations run inside it.

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Connection, PgConnection, PgPool};

/// The longest name Postgres keeps for a schema.
const MAX_SCHEMA_LEN: usize = 63;

/// Whether `schema` is a plain lower-case identifier (`a`–`z`, digits and
/// `_`, not starting with a digit, at most 63 bytes), safe to write into SQL.
pub(crate) fn is_plain_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= MAX_SCHEMA_LEN
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Why [`migrate_in_schema`] failed.
pub(crate) enum MigrationFailure {
    /// The migration connection did not open.
    Connect(sqlx::Error),
    /// A migration failed.
    Migrate(MigrateError),
    /// The migration connection did not close cleanly.
    Close(sqlx::Error),
}

/// Creates `schema` if needed and runs the `migrations` not run yet, on a
/// connection of its own (from `pool`'s options) whose `search_path` is the
/// schema; the migrations table is the schema's own, so each schema keeps
/// its own history. sqlx takes an advisory lock, so every replica may run it
/// at start.
pub(crate) async fn migrate_in_schema(
    pool: &PgPool,
    schema: &str,
    migrations: &Migrator,
) -> Result<(), MigrationFailure> {
    let options = (*pool.connect_options()).clone().options([("search_path", format!("\"{schema}\""))]);
    let mut conn = PgConnection::connect_with(&options).await.map_err(MigrationFailure::Connect)?;
    let mut migrator = Migrator::with_migrations(migrations.iter().cloned().collect());
    migrator.dangerous_set_table_name(format!("\"{schema}\"._sqlx_migrations"));
    migrator.create_schema(format!("\"{schema}\""));
    let migrated = migrator.run(&mut conn).await;
    let closed = conn.close().await;
    migrated.map_err(MigrationFailure::Migrate)?;
    closed.map_err(MigrationFailure::Close)
}
