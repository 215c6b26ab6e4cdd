//! [`TokenStore`]: where an [`App`](super::App) keeps each account's OAuth
//! tokens, with the renewal lock and the compare-and-set save that make a
//! renewal single-flight across the processes sharing a store; and
//! [`MemoryTokenStore`], the in-process one.

use crate::AccountId;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::budget::BoxFuture;

/// The error a [`TokenStore`] gives: any error of the user's storage.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// One account's OAuth tokens. Its `Debug` shows neither token.
///
/// ```
/// use chrono::{Duration, Utc};
/// use timeline_core::AccountTokens;
///
/// let tokens = AccountTokens::new("at-secret", Utc::now() + Duration::minutes(30), "rt-secret");
/// let shown = format!("{tokens:?}");
/// assert!(!shown.contains("at-secret") && !shown.contains("rt-secret"), "{shown}");
/// assert_eq!(tokens.refresh_token, "rt-secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountTokens {
    /// The bearer token requests carry.
    pub access_token: String,
    /// When the access token expires (wall-clock time, from `expires_in`).
    pub expires_at: DateTime<Utc>,
    /// The token that renews the access token.
    pub refresh_token: String,
    /// When the token endpoint granted the access token, when known: with
    /// it, every process that loads the tokens renews them at the time the
    /// process that was granted them would (a tenth of their lifetime before
    /// they expire, at most a minute); without it, a minute before they
    /// expire.
    pub granted_at: Option<DateTime<Utc>>,
}

impl AccountTokens {
    /// Tokens as the token endpoint gave them, or as a store reads them back.
    ///
    /// ```
    /// let tokens = timeline_core::AccountTokens::new("at", chrono::Utc::now(), "rt");
    /// assert_eq!(tokens.access_token, "at");
    /// ```
    pub fn new(access_token: impl Into<String>, expires_at: DateTime<Utc>, refresh_token: impl Into<String>) -> Self {
        AccountTokens {
            access_token: access_token.into(),
            expires_at,
            refresh_token: refresh_token.into(),
            granted_at: None,
        }
    }

    /// The same tokens, granted at `granted_at` (see
    /// [`granted_at`](Self::granted_at)).
    ///
    /// ```
    /// use chrono::{Duration, Utc};
    ///
    /// let granted = Utc::now();
    /// let tokens = timeline_core::AccountTokens::new("at", granted + Duration::minutes(30), "rt").granted(granted);
    /// assert_eq!(tokens.granted_at, Some(granted));
    /// ```
    #[must_use]
    pub fn granted(mut self, granted_at: DateTime<Utc>) -> Self {
        self.granted_at = Some(granted_at);
        self
    }
}

impl fmt::Debug for AccountTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountTokens")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &"<redacted>")
            .field("granted_at", &self.granted_at)
            .finish()
    }
}

/// A store's lock on renewing one account's tokens, from
/// [`TokenStore::lock_renewal`]: while it is held, no other process sharing
/// the store renews that account. Released by
/// [`release`](Self::release), or by dropping it (as soon as the store can:
/// a database lock goes with its connection or transaction).
pub trait RenewalLock: Send {
    /// Gives the lock up, saying whether the store could.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>>;
}

/// The [`RenewalLock`] of a store without one across processes: holding it
/// keeps out nobody but what the app's own per-account lock already does.
///
/// ```
/// use timeline_core::{NoRenewalLock, RenewalLock};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock: Box<dyn RenewalLock> = Box::new(NoRenewalLock);
/// lock.release().await.unwrap();
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRenewalLock;

impl RenewalLock for NoRenewalLock {
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Where an [`App`](super::App) loads and saves each account's tokens:
/// usually the user's own database, so that every replica of a service
/// starts from the tokens another one renewed.
///
/// The app loads an account's tokens when one of its requests first needs
/// them, and saves what the token endpoint returns, the refresh token
/// included. Its futures are boxed ([`BoxFuture`]), so the trait can be a
/// `dyn` object.
///
/// # Renewals
///
/// One process renews an account's tokens one refresh at a time. When the
/// tokens are due, the app:
///
/// 1. takes the store's [`lock_renewal`](Self::lock_renewal) for the account;
/// 2. [`load`](Self::load)s the tokens again, and uses them without a refresh
///    when another process has just saved valid ones;
/// 3. otherwise calls the token endpoint and saves what it returns with
///    [`save_renewed`](Self::save_renewed), a compare-and-set on the tokens
///    it renewed; when another writer won, it loads and uses theirs if they
///    are valid (else its own, which the token endpoint just granted);
/// 4. releases the lock.
///
/// A store that implements only `load` and `save` keeps working: its lock
/// keeps out no other process ([`NoRenewalLock`]) and its compare-and-set
/// is a plain `save`, so replicas over it may each renew an account. A store
/// shared by several processes implements both to make the renewal
/// single-flight across them (the `timeline-postgres` crate's
/// `PgTokenStore` does, with a Postgres advisory lock and a versioned row).
///
/// Over a table of the user's, the implementation is two queries:
///
/// ```
/// use chrono::{DateTime, Utc};
/// use timeline_core::{AccountId, AccountTokens, BoxFuture, StoreError, TokenStore};
///
/// /// `CREATE TABLE hubspot_tokens (account BIGINT PRIMARY KEY, access_token TEXT,
/// ///  expires_at TIMESTAMPTZ, refresh_token TEXT)`, behind the user's own pool.
/// struct SqlTokenStore {
///     pool: Pool,
/// }
///
/// impl TokenStore for SqlTokenStore {
///     fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
///         Box::pin(async move {
///             // SELECT access_token, expires_at, refresh_token FROM hubspot_tokens WHERE account = $1
///             let row = self.pool.fetch_optional(account).await?;
///             Ok(row.map(|(access, expires_at, refresh)| AccountTokens::new(access, expires_at, refresh)))
///         })
///     }
///
///     fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async move {
///             // INSERT INTO hubspot_tokens VALUES ($1, $2, $3, $4)
///             // ON CONFLICT (account) DO UPDATE SET access_token = $2, expires_at = $3, refresh_token = $4
///             self.pool.upsert(account, &tokens.access_token, tokens.expires_at, &tokens.refresh_token).await?;
///             Ok(())
///         })
///     }
/// }
/// # struct Pool;
/// # impl Pool {
/// #     async fn fetch_optional(&self, _: AccountId) -> Result<Option<(String, DateTime<Utc>, String)>, std::io::Error> { Ok(None) }
/// #     async fn upsert(&self, _: AccountId, _: &str, _: DateTime<Utc>, _: &str) -> Result<(), std::io::Error> { Ok(()) }
/// # }
/// ```
pub trait TokenStore: Send + Sync {
    /// The tokens of `account`, or `None` when the account has none (it
    /// never installed the app).
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>>;

    /// Keeps `tokens` as the tokens of `account`, replacing any it had.
    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Waits until this process alone may renew the tokens of `account`
    /// among every process sharing the store, and holds that until the
    /// returned lock is released or dropped.
    ///
    /// The default is [`NoRenewalLock`]: no lock across processes.
    fn lock_renewal(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RenewalLock>, StoreError>> {
        let _ = account;
        Box::pin(async { Ok(Box::new(NoRenewalLock) as Box<dyn RenewalLock>) })
    }

    /// Forgets the tokens of `account` (the app was uninstalled there,
    /// [`App::uninstall`](crate::App::uninstall)); nothing to forget is no
    /// error.
    ///
    /// The default refuses: a store written before this method existed
    /// says it cannot, rather than keeping tokens it was told to forget.
    fn remove(&self, account: AccountId) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            Err(format!("this token store cannot forget the tokens of account {account}: it lacks TokenStore::remove")
                .into())
        })
    }

    /// Keeps `renewed` as the tokens of `account` if the store still holds
    /// `previous` (the tokens that were renewed), and says whether it did;
    /// `false` means another writer changed them first, and `renewed` was
    /// not kept.
    ///
    /// The default [`save`](Self::save)s and says `true`.
    fn save_renewed<'a>(
        &'a self,
        account: AccountId,
        previous: &'a AccountTokens,
        renewed: &'a AccountTokens,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = previous;
        Box::pin(async move {
            self.save(account, renewed).await?;
            Ok(true)
        })
    }
}

/// A [`TokenStore`] in memory, for tests and single-process tools. Its
/// `Debug` shows the accounts, never their tokens. Its
/// [`save_renewed`](TokenStore::save_renewed) is a true compare-and-set;
/// it has no lock across processes (it is in one).
///
/// ```
/// use chrono::{Duration, Utc};
/// use timeline_core::{MemoryTokenStore, AccountTokens};
///
/// let store = MemoryTokenStore::new();
/// store.insert(101, AccountTokens::new("at-secret", Utc::now() + Duration::minutes(30), "rt-secret"));
/// assert_eq!(store.get(101).unwrap().refresh_token, "rt-secret");
/// assert!(!format!("{store:?}").contains("secret"));
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<AccountId, AccountTokens>>,
}

impl MemoryTokenStore {
    /// An empty store.
    ///
    /// ```
    /// assert!(timeline_core::MemoryTokenStore::new().get(101).is_none());
    /// ```
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// Sets the tokens of `account`, as [`save`](TokenStore::save) does.
    ///
    /// ```
    /// let store = timeline_core::MemoryTokenStore::new();
    /// store.insert(101, timeline_core::AccountTokens::new("at", chrono::Utc::now(), "rt"));
    /// assert!(store.get(101).is_some());
    /// ```
    pub fn insert(&self, account: impl Into<AccountId>, tokens: AccountTokens) {
        self.lock().insert(account.into(), tokens);
    }

    /// The tokens of `account`, if it has any.
    ///
    /// ```
    /// assert!(timeline_core::MemoryTokenStore::new().get(7).is_none());
    /// ```
    pub fn get(&self, account: impl Into<AccountId>) -> Option<AccountTokens> {
        self.lock().get(&account.into()).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AccountId, AccountTokens>> {
        self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut accounts: Vec<AccountId> = self.lock().keys().copied().collect();
        accounts.sort_unstable();
        f.debug_struct("MemoryTokenStore").field("accounts", &accounts).finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
        let tokens = self.get(account);
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.insert(account, tokens.clone());
        Box::pin(async { Ok(()) })
    }

    fn remove(&self, account: AccountId) -> BoxFuture<'_, Result<(), StoreError>> {
        self.lock().remove(&account);
        Box::pin(async { Ok(()) })
    }

    fn save_renewed<'a>(
        &'a self,
        account: AccountId,
        previous: &'a AccountTokens,
        renewed: &'a AccountTokens,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let mut tokens = self.lock();
        let unchanged = tokens.get(&account) == Some(previous);
        if unchanged {
            tokens.insert(account, renewed.clone());
        }
        Box::pin(async move { Ok(unchanged) })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[tokio::test]
    async fn the_memory_store_keeps_a_renewal_only_over_the_tokens_it_renewed() {
        let store = MemoryTokenStore::new();
        let first = AccountTokens::new("at-1", Utc::now() + Duration::minutes(30), "rt");
        let theirs = AccountTokens::new("at-2", Utc::now() + Duration::minutes(30), "rt");
        let ours = AccountTokens::new("at-3", Utc::now() + Duration::minutes(30), "rt");
        store.insert(101, first.clone());
        assert!(store.save_renewed(AccountId::new(101), &first, &theirs).await.unwrap());
        assert!(!store.save_renewed(AccountId::new(101), &first, &ours).await.unwrap(), "another writer won");
        assert_eq!(store.get(101), Some(theirs));
        store.lock_renewal(AccountId::new(101)).await.unwrap().release().await.unwrap();
    }
}
