//! [`TokenStore`]: where an [`App`](super::App) keeps each account's OAuth
//! tokens, and [`MemoryTokenStore`], the in-process one.

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
/// use timeline_core::PortalTokens;
///
/// let tokens = PortalTokens::new("at-secret", Utc::now() + Duration::minutes(30), "rt-secret");
/// let shown = format!("{tokens:?}");
/// assert!(!shown.contains("at-secret") && !shown.contains("rt-secret"), "{shown}");
/// assert_eq!(tokens.refresh_token, "rt-secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalTokens {
    /// The bearer token requests carry.
    pub access_token: String,
    /// When the access token expires (wall-clock time, from `expires_in`).
    pub expires_at: DateTime<Utc>,
    /// The token that renews the access token.
    pub refresh_token: String,
}

impl PortalTokens {
    /// Tokens as the token endpoint gave them, or as a store reads them back.
    ///
    /// ```
    /// let tokens = timeline_core::PortalTokens::new("at", chrono::Utc::now(), "rt");
    /// assert_eq!(tokens.access_token, "at");
    /// ```
    pub fn new(access_token: impl Into<String>, expires_at: DateTime<Utc>, refresh_token: impl Into<String>) -> Self {
        PortalTokens { access_token: access_token.into(), expires_at, refresh_token: refresh_token.into() }
    }
}

impl fmt::Debug for PortalTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalTokens")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// Where an [`App`](super::App) loads and saves each account's tokens:
/// usually the user's own database, so that every replica of a service
/// starts from the tokens another one renewed.
///
/// The app loads an account's tokens when one of its requests first needs
/// them and again before renewing them (another replica may have renewed
/// them already), and saves what the token endpoint returns, the refresh
/// token included. Its futures are boxed ([`BoxFuture`]), so the trait can
/// be a `dyn` object.
///
/// Over a table of the user's, the implementation is two queries:
///
/// ```
/// use chrono::{DateTime, Utc};
/// use timeline_core::{BoxFuture, PortalTokens, StoreError, TokenStore};
///
/// /// `CREATE TABLE hubspot_tokens (portal BIGINT PRIMARY KEY, access_token TEXT,
/// ///  expires_at TIMESTAMPTZ, refresh_token TEXT)`, behind the user's own pool.
/// struct SqlTokenStore {
///     pool: Pool,
/// }
///
/// impl TokenStore for SqlTokenStore {
///     fn load(&self, portal: u64) -> BoxFuture<'_, Result<Option<PortalTokens>, StoreError>> {
///         Box::pin(async move {
///             // SELECT access_token, expires_at, refresh_token FROM hubspot_tokens WHERE portal = $1
///             let row = self.pool.fetch_optional(portal).await?;
///             Ok(row.map(|(access, expires_at, refresh)| PortalTokens::new(access, expires_at, refresh)))
///         })
///     }
///
///     fn save<'a>(&'a self, portal: u64, tokens: &'a PortalTokens) -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async move {
///             // INSERT INTO hubspot_tokens VALUES ($1, $2, $3, $4)
///             // ON CONFLICT (portal) DO UPDATE SET access_token = $2, expires_at = $3, refresh_token = $4
///             self.pool.upsert(portal, &tokens.access_token, tokens.expires_at, &tokens.refresh_token).await?;
///             Ok(())
///         })
///     }
/// }
/// # struct Pool;
/// # impl Pool {
/// #     async fn fetch_optional(&self, _: u64) -> Result<Option<(String, DateTime<Utc>, String)>, std::io::Error> { Ok(None) }
/// #     async fn upsert(&self, _: u64, _: &str, _: DateTime<Utc>, _: &str) -> Result<(), std::io::Error> { Ok(()) }
/// # }
/// ```
pub trait TokenStore: Send + Sync {
    /// The tokens of `portal`, or `None` when the account has none (it
    /// never installed the app).
    fn load(&self, portal: u64) -> BoxFuture<'_, Result<Option<PortalTokens>, StoreError>>;

    /// Keeps `tokens` as the tokens of `portal`, replacing any it had.
    fn save<'a>(&'a self, portal: u64, tokens: &'a PortalTokens) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// A [`TokenStore`] in memory, for tests and single-process tools. Its
/// `Debug` shows the accounts, never their tokens.
///
/// ```
/// use chrono::{Duration, Utc};
/// use timeline_core::{MemoryTokenStore, PortalTokens};
///
/// let store = MemoryTokenStore::new();
/// store.insert(101, PortalTokens::new("at-secret", Utc::now() + Duration::minutes(30), "rt-secret"));
/// assert_eq!(store.get(101).unwrap().refresh_token, "rt-secret");
/// assert!(!format!("{store:?}").contains("secret"));
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<u64, PortalTokens>>,
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

    /// Sets the tokens of `portal`, as [`save`](TokenStore::save) does.
    ///
    /// ```
    /// let store = timeline_core::MemoryTokenStore::new();
    /// store.insert(101, timeline_core::PortalTokens::new("at", chrono::Utc::now(), "rt"));
    /// assert!(store.get(101).is_some());
    /// ```
    pub fn insert(&self, portal: u64, tokens: PortalTokens) {
        self.lock().insert(portal, tokens);
    }

    /// The tokens of `portal`, if it has any.
    ///
    /// ```
    /// assert!(timeline_core::MemoryTokenStore::new().get(7).is_none());
    /// ```
    pub fn get(&self, portal: u64) -> Option<PortalTokens> {
        self.lock().get(&portal).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, PortalTokens>> {
        self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut portals: Vec<u64> = self.lock().keys().copied().collect();
        portals.sort_unstable();
        f.debug_struct("MemoryTokenStore").field("portals", &portals).finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, portal: u64) -> BoxFuture<'_, Result<Option<PortalTokens>, StoreError>> {
        let tokens = self.get(portal);
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, portal: u64, tokens: &'a PortalTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.insert(portal, tokens.clone());
        Box::pin(async { Ok(()) })
    }
}
