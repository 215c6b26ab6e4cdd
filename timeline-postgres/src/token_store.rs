//! [`PgTokenStore`]: a [`TokenStore`] in a Postgres table that every replica
//! of a service shares, whose renewals are single-flight across them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row, Transaction};
use timeline_core::{AccountTokens, BoxFuture, RenewalLock, StoreError, TokenStore};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cipher::TokenCipher;
use crate::codec::to_db_account;
use crate::error::Error;
use crate::schema::{MigrationFailure, is_plain_schema, migrate_in_schema};

/// The migrations of the token store's table, run in its schema by
/// [`PgTokenStore::migrate`].
static MIGRATIONS: Migrator = sqlx::migrate!("./token_migrations");

/// The schema of [`PgTokenStore::new`].
pub const DEFAULT_TOKEN_SCHEMA: &str = "timeline_tokens";

/// How long [`PgTokenStore::new`]'s renewal lock waits and may be held idle.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// What a database error becomes: `what` failed, because of `error`.
fn db_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |source| Error::Database { what, source }
}

/// A [`TokenStore`] in the table `tokens` of a Postgres schema
/// ([`DEFAULT_TOKEN_SCHEMA`] unless [`with_schema`](Self::with_schema) names
/// another), shared by every replica of a service.
///
/// ```no_run
/// # async fn run(pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use timeline_postgres::{PgTokenStore, TokenCipher};
///
/// let key = std::env::var("TIMELINE_TOKEN_KEY")?; // 64 hex digits
/// let store = PgTokenStore::new(pool).encrypted(TokenCipher::from_hex(&key)?);
/// store.migrate().await?; // once, at start
/// let app = hubspot_timeline::App::builder()
///     .client_id("my-client-id")
///     .client_secret("my-client-secret")
///     .token_store(Arc::new(store))
///     .build()?;
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
///
/// # Single-flight renewals
///
/// Its [`lock_renewal`](TokenStore::lock_renewal) takes a transaction-scoped
/// advisory lock (`pg_advisory_xact_lock`, on a key hashed from the schema
/// and the account) in a transaction of its own on one pooled connection,
/// held until the app has saved the renewed tokens; another replica that
/// wants to renew the account waits for it, then finds the saved tokens and
/// uses them. Every write raises the row's `version`, and
/// [`save_renewed`](TokenStore::save_renewed) updates the row only while it
/// still holds the tokens that were renewed and the version it read
/// (`UPDATE … WHERE account = $1 AND version = $2`), so a writer that went
/// past the lock (a lock lost with its connection) never overwrites newer
/// tokens.
///
/// A replica that dies holding the lock loses its connection, and Postgres
/// ends its transaction and releases the lock at once; one that hangs with
/// it is cut off after the lock timeout ([`DEFAULT_LOCK_TIMEOUT`], or
/// [`with_lock_timeout`](Self::with_lock_timeout)): the session's
/// `idle_in_transaction_session_timeout`. A replica waits for the lock that
/// long at most (`lock_timeout`), then the renewal fails with this store's
/// error. Two accounts whose keys collide only take turns.
///
/// A held lock keeps its connection, and the app loads and saves on
/// others: at most one less than the pool's connections hold locks at once
/// (the next renewal waits), so holders always find a connection. Give the
/// pool at least two.
///
/// # Encryption at rest
///
/// With a [`TokenCipher`] ([`encrypted`](Self::encrypted)), both tokens are
/// stored encrypted (XChaCha20-Poly1305, a random nonce per write, the
/// account and the column as associated data); a wrong key, or a row
/// changed, moved to another account or written in plaintext, is a
/// [`Error`], never a panic. Without one they are stored as
/// plaintext (and rows encrypted earlier are refused with
/// [`Error::KeyMissing`]). A new key that
/// [reads the old one](TokenCipher::reading_old_key) replaces it account by
/// account, as tokens are written again. Expiry and grant times are never
/// encrypted; they are kept to the microsecond (`timestamptz`).
///
/// Its `Debug` shows its schema and whether it encrypts, never a token or
/// the key.
#[derive(Clone)]
pub struct PgTokenStore {
    pool: PgPool,
    schema: String,
    table: String,
    cipher: Option<TokenCipher>,
    lock_timeout: Duration,
    /// One permit per connection a renewal lock may hold.
    lock_slots: Arc<Semaphore>,
}

impl fmt::Debug for PgTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTokenStore")
            .field("schema", &self.schema)
            .field("encrypted", &self.cipher.is_some())
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

impl PgTokenStore {
    /// The store in the schema [`DEFAULT_TOKEN_SCHEMA`] of `pool`'s
    /// database, keeping tokens in plaintext. Run [`migrate`](Self::migrate)
    /// once before using it.
    pub fn new(pool: PgPool) -> Self {
        PgTokenStore::build(pool, DEFAULT_TOKEN_SCHEMA.to_owned())
    }

    /// The store in the schema `schema`, which must be a plain lower-case
    /// identifier (`a`–`z`, digits and `_`, not starting with a digit, at
    /// most 63 bytes).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = sqlx::PgPool::connect_lazy("postgres://localhost/app").unwrap();
    /// assert!(timeline_postgres::PgTokenStore::with_schema(pool.clone(), "app_tokens").is_ok());
    /// assert!(timeline_postgres::PgTokenStore::with_schema(pool, "Robert'); DROP").is_err());
    /// # }
    /// ```
    pub fn with_schema(pool: PgPool, schema: &str) -> Result<Self, Error> {
        if !is_plain_schema(schema) {
            return Err(Error::BadSchema(schema.to_owned()));
        }
        Ok(PgTokenStore::build(pool, schema.to_owned()))
    }

    fn build(pool: PgPool, schema: String) -> Self {
        let table = format!("\"{schema}\".tokens");
        let slots =
            usize::try_from(pool.options().get_max_connections()).unwrap_or(usize::MAX).saturating_sub(1).max(1);
        let lock_slots = Arc::new(Semaphore::new(slots));
        PgTokenStore { pool, schema, table, cipher: None, lock_timeout: DEFAULT_LOCK_TIMEOUT, lock_slots }
    }

    /// The same store, encrypting tokens with `cipher` (and reading only
    /// tokens encrypted with it).
    #[must_use]
    pub fn encrypted(mut self, cipher: TokenCipher) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// The same store, whose renewal lock waits at most `timeout` and is
    /// released by Postgres when its holder stays idle that long (whole
    /// milliseconds, at least one).
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Its schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Its pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the schema if needed and runs the migrations not run yet, on
    /// a connection of its own whose `search_path` is the schema; the
    /// migrations table is the schema's own. Safe to run from every replica
    /// at start (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<(), Error> {
        migrate_in_schema(&self.pool, &self.schema, &MIGRATIONS).await.map_err(|failure| match failure {
            MigrationFailure::Connect(error) => db_error("connect to migrate")(error),
            MigrationFailure::Migrate(error) => Error::Migrate(error),
            MigrationFailure::Close(error) => db_error("close the migration connection")(error),
        })
    }

    /// Puts `tokens` in as the tokens of `account` unless it has some
    /// already (which stay: a replica that starts again from a seed file
    /// keeps the tokens renewed since); says whether it did.
    pub async fn seed(&self, account: impl Into<AccountId>, tokens: &AccountTokens) -> Result<bool, Error> {
        let account = account.into();
        let (access, refresh) = self.seal(account, tokens)?;
        let done = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (account, access_token, refresh_token, encrypted, expires_at, granted_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account) DO NOTHING",
            self.table
        )))
        .bind(to_db_account(account))
        .bind(access)
        .bind(refresh)
        .bind(self.cipher.is_some())
        .bind(tokens.expires_at)
        .bind(tokens.granted_at)
        .execute(&self.pool)
        .await
        .map_err(db_error("seed tokens"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts `tokens` in as the tokens of `account`, replacing any it had
    /// (what [`TokenStore::save`] does).
    pub async fn insert(&self, account: impl Into<AccountId>, tokens: &AccountTokens) -> Result<(), Error> {
        let account = account.into();
        let (access, refresh) = self.seal(account, tokens)?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {t} AS row (account, access_token, refresh_token, encrypted, expires_at, granted_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (account) DO UPDATE SET access_token = $2, refresh_token = $3, encrypted = $4,
                expires_at = $5, granted_at = $6, version = row.version + 1, updated_at = now()",
            t = self.table
        )))
        .bind(to_db_account(account))
        .bind(access)
        .bind(refresh)
        .bind(self.cipher.is_some())
        .bind(tokens.expires_at)
        .bind(tokens.granted_at)
        .execute(&self.pool)
        .await
        .map_err(db_error("save tokens"))?;
        Ok(())
    }

    /// Deletes the tokens of `account` (an uninstall); none is no error.
    pub async fn delete(&self, account: impl Into<AccountId>) -> Result<(), Error> {
        let account = account.into();
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {} WHERE account = $1", self.table)))
            .bind(to_db_account(account))
            .execute(&self.pool)
            .await
            .map_err(db_error("delete tokens"))?;
        Ok(())
    }

    /// The tokens of `account` and their row's version, if it has any.
    pub async fn get(&self, account: impl Into<AccountId>) -> Result<Option<(AccountTokens, i64)>, Error> {
        let account = account.into();
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT access_token, refresh_token, encrypted, expires_at, granted_at, version FROM {} WHERE account = $1",
            self.table
        )))
        .bind(to_db_account(account))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("load tokens"))?;
        row.map(|row| self.unseal(account, &row)).transpose()
    }

    /// Keeps `renewed` if the row of `account` still holds `previous`, in
    /// one versioned update.
    async fn compare_and_set(
        &self,
        account: AccountId,
        previous: &AccountTokens,
        renewed: &AccountTokens,
    ) -> Result<bool, Error> {
        let Some((current, version)) = self.get(account).await? else {
            return Ok(false);
        };
        if current.access_token != previous.access_token || current.refresh_token != previous.refresh_token {
            return Ok(false);
        }
        let (access, refresh) = self.seal(account, renewed)?;
        let done = sqlx::query(AssertSqlSafe(format!(
            "UPDATE {} SET access_token = $3, refresh_token = $4, encrypted = $5, expires_at = $6, granted_at = $7,
                version = version + 1, updated_at = now()
            WHERE account = $1 AND version = $2",
            self.table
        )))
        .bind(to_db_account(account))
        .bind(version)
        .bind(access)
        .bind(refresh)
        .bind(self.cipher.is_some())
        .bind(renewed.expires_at)
        .bind(renewed.granted_at)
        .execute(&self.pool)
        .await
        .map_err(db_error("save renewed tokens"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the advisory lock of `account` in a transaction of its own.
    async fn lock(&self, account: AccountId) -> Result<PgRenewalLock, Error> {
        // The semaphore is never closed, so this always gives a permit.
        let slot = Arc::clone(&self.lock_slots).acquire_owned().await.ok();
        let mut tx = self.pool.begin().await.map_err(db_error("begin the renewal lock's transaction"))?;
        let timeout = format!("{}ms", self.lock_timeout.as_millis().max(1));
        sqlx::query(
            "SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)",
        )
        .bind(&timeout)
        .execute(&mut *tx)
        .await
        .map_err(db_error("set the renewal lock's timeouts"))?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("hubspot-timeline renewal {}.tokens {account}", self.schema))
            .execute(&mut *tx)
            .await
            .map_err(db_error("take the renewal lock"))?;
        Ok(PgRenewalLock { tx, _slot: slot })
    }

    /// The columns of `tokens` as `account`'s row keeps them.
    fn seal(&self, account: AccountId, tokens: &AccountTokens) -> Result<(Vec<u8>, Vec<u8>), Error> {
        Ok(match &self.cipher {
            Some(cipher) => (
                cipher.seal(account, "access_token", &tokens.access_token)?,
                cipher.seal(account, "refresh_token", &tokens.refresh_token)?,
            ),
            None => (tokens.access_token.as_bytes().to_vec(), tokens.refresh_token.as_bytes().to_vec()),
        })
    }

    /// The tokens and version of `account`'s row.
    fn unseal(&self, account: AccountId, row: &PgRow) -> Result<(AccountTokens, i64), Error> {
        let read = db_error("read tokens");
        let decoded: Result<_, sqlx::Error> = (|| {
            Ok((
                row.try_get::<Vec<u8>, _>("access_token")?,
                row.try_get::<Vec<u8>, _>("refresh_token")?,
                row.try_get::<bool, _>("encrypted")?,
                row.try_get::<DateTime<Utc>, _>("expires_at")?,
                row.try_get::<Option<DateTime<Utc>>, _>("granted_at")?,
                row.try_get::<i64, _>("version")?,
            ))
        })();
        let (access, refresh, encrypted, expires_at, granted_at, version) = decoded.map_err(read)?;
        let open = |column: &str, bytes: Vec<u8>| match (&self.cipher, encrypted) {
            (Some(cipher), true) => cipher.open(account, column, &bytes),
            (Some(_), false) => Err(Error::NotEncrypted { account }),
            (None, true) => Err(Error::KeyMissing { account }),
            (None, false) => {
                String::from_utf8(bytes).map_err(|_| Error::NotText { account, column: column.to_owned() })
            }
        };
        let mut tokens = AccountTokens::new(open("access_token", access)?, expires_at, open("refresh_token", refresh)?);
        tokens.granted_at = granted_at;
        Ok((tokens, version))
    }
}

/// A [`PgTokenStore`]'s renewal lock: a transaction holding the account's
/// advisory lock, on a pooled connection. Dropping it rolls the
/// transaction back, which releases the lock.
struct PgRenewalLock {
    tx: Transaction<'static, Postgres>,
    /// Its share of the pool, given back with the lock.
    _slot: Option<OwnedSemaphorePermit>,
}

impl RenewalLock for PgRenewalLock {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        let PgRenewalLock { tx, _slot } = *self;
        Box::pin(async move {
            let committed = tx.commit().await;
            drop(_slot);
            committed
                .map_err(|error| StoreError::from(Error::Database { what: "release the renewal lock", source: error }))
        })
    }
}

impl TokenStore for PgTokenStore {
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
        Box::pin(async move { Ok(self.get(account).await?.map(|(tokens, _)| tokens)) })
    }

    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { Ok(self.insert(account, tokens).await?) })
    }

    fn remove(&self, account: AccountId) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { Ok(self.delete(account).await?) })
    }

    fn lock_renewal(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RenewalLock>, StoreError>> {
        Box::pin(async move { Ok(Box::new(self.lock(account).await?) as Box<dyn RenewalLock>) })
    }

    fn save_renewed<'a>(
        &'a self,
        account: AccountId,
        previous: &'a AccountTokens,
        renewed: &'a AccountTokens,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { Ok(self.compare_and_set(account, previous, renewed).await?) })
    }
}
