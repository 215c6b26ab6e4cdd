//! [`App`]: one public HubSpot app installed in many accounts,
//! handing out a [`Client`] per account.

use crate::AccountId;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use super::auth::{AccountAuth, AppOAuth, Auth, TokenFailure};
use super::budget::{LocalRateBudget, RateBudget};
use super::builder::{ClientBuilder, Parts};
use super::config::OAuthApi;
use super::exchange::Repeat;
use super::secret::Secret;
use super::token_calls::TokenDetails;
use super::token_store::{AccountTokens, TokenStore};
use super::{Client, Inner, Shared};
use crate::error::Error;
use crate::wire::AccessTokenResponse;
use timeline_template::Definition;

/// The default bound on an app's requests in flight, across all its accounts.
pub const DEFAULT_APP_MAX_IN_FLIGHT: usize = 64;

/// A public HubSpot app installed in many accounts: its OAuth
/// client id and secret, one HTTP connection pool, a [`TokenStore`] holding
/// each account's tokens, a [`RateBudget`] pacing each account to its own
/// limit, and one bound on requests in flight across all accounts.
///
/// [`account`](Self::account) hands out the [`Client`] of one account, cheaply
/// and as often as needed: every account client shares the pool, the store,
/// the budget, the bound and the known templates, and two clients of one
/// account share its tokens (one renewal for both). [`install`](Self::install)
/// onboards an account from an OAuth callback; [`send_all`](Self::send_all)
/// sends events of many accounts in one call.
///
/// State for idle accounts is bounded: an account's tokens are held while a
/// client of it exists (and reloaded from the store after), and the default
/// budget forgets accounts whose window is empty. No task runs per account.
///
/// Its `Debug` shows neither the client secret nor any token.
///
/// ```
/// use std::sync::Arc;
/// use timeline_core::{App, MemoryTokenStore};
///
/// let app = App::builder()
///     .client_id("app-client-id")
///     .client_secret("app-client-secret")
///     .token_store(Arc::new(MemoryTokenStore::new()))
///     .build()
///     .unwrap();
/// let client = app.account(101);
/// assert!(!format!("{app:?} {client:?}").contains("app-client-secret"));
/// ```
#[derive(Clone)]
pub struct App {
    inner: Arc<AppInner>,
}

/// What the clones of an app share.
struct AppInner {
    shared: Arc<Shared>,
    oauth: Arc<AppOAuth>,
    budget: Arc<dyn RateBudget>,
    in_flight_total: Arc<tokio::sync::Semaphore>,
    accounts: Mutex<AccountAuths>,
}

/// The credentials of the accounts that have a client now.
#[derive(Default)]
struct AccountAuths {
    auths: HashMap<AccountId, Weak<AccountAuth>>,
    /// The size at which accounts without a client are swept out next.
    sweep_at: usize,
}

/// The least size at which [`AccountAuths`] sweeps.
const LEAST_SWEEP: usize = 64;

impl AccountAuths {
    /// The credentials of `account`, shared with its existing clients, made
    /// by `make` when it has none. Entries of accounts whose clients are all
    /// gone are swept out whenever the map has doubled since the last sweep,
    /// so it stays within twice the accounts in use (and [`LEAST_SWEEP`]) at
    /// a constant cost per lookup.
    fn get(&mut self, account: AccountId, make: impl FnOnce() -> AccountAuth) -> Arc<AccountAuth> {
        if self.auths.len() >= self.sweep_at {
            self.sweep();
        }
        if let Some(auth) = self.auths.get(&account).and_then(Weak::upgrade) {
            return auth;
        }
        let auth = Arc::new(make());
        self.auths.insert(account, Arc::downgrade(&auth));
        auth
    }

    /// Forgets the accounts whose clients are all gone, and gives back the
    /// room of a map that has become much larger than what it holds.
    fn sweep(&mut self) {
        self.auths.retain(|_, auth| auth.strong_count() > 0);
        self.sweep_at = (2 * self.auths.len()).max(LEAST_SWEEP);
        if self.auths.capacity() > 4 * self.sweep_at {
            self.auths.shrink_to(self.sweep_at);
        }
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("App")
            .field("client_id", &inner.oauth.client_id)
            .field("base_url", &inner.shared.base_url.as_str())
            .field("config", &inner.shared.config)
            .finish_non_exhaustive()
    }
}

/// An account that installed the app, from [`App::install`].
///
/// ```
/// # async fn callback(app: timeline_core::App, code: &str) -> Result<(), timeline_core::Error> {
/// let installed = app.install(code, "https://example.com/oauth/callback").await?;
/// println!("account {} installed with scopes {:?}", installed.account, installed.scopes);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installed {
    /// The account (HubSpot's `hub_id`).
    pub account: AccountId,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The account's domain, such as `example.hubspot.com`.
    pub hub_domain: Option<String>,
    /// The email of the user who installed the app (v1 says it; the
    /// 2026-03 token answer gives [`user_id`](Self::user_id) only).
    pub user: Option<String>,
    /// The id of the user who installed the app.
    pub user_id: Option<u64>,
}

impl Installed {
    /// The account a token's details describe.
    fn from_details(details: TokenDetails) -> Self {
        Installed {
            account: details.account,
            scopes: details.scopes,
            hub_domain: details.hub_domain,
            user: details.user,
            user_id: details.user_id,
        }
    }
}

impl App {
    /// A builder; see [`AppBuilder`].
    ///
    /// ```
    /// let app = timeline_core::App::builder().client_id("id").client_secret("secret")
    ///     .token_store(std::sync::Arc::new(timeline_core::MemoryTokenStore::new())).build();
    /// assert!(app.is_ok());
    /// ```
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    /// The client of the account `account`: its requests carry the account's
    /// tokens from the store (renewed when due, one renewal for every client
    /// of the account) and are paced by the account's budget, within the
    /// app's bound on requests in flight. Its deterministic event ids include
    /// the account (see [`event_id_for_account`](crate::event_id_for_account)).
    ///
    /// Cheap: call it for every use rather than keeping clients of idle accounts.
    ///
    /// ```
    /// # async fn run(app: timeline_core::App, event: timeline_core::EncodedInput) -> Result<(), timeline_core::SendError> {
    /// let outcome = app.account(101).send(&event).await?;
    /// # let _ = outcome; Ok(()) }
    /// ```
    pub fn account(&self, account: impl Into<AccountId>) -> Client {
        let account = account.into();
        let app = &*self.inner;
        let auth = self.account_auth(account);
        let inner = Inner {
            shared: Arc::clone(&app.shared),
            auth: Some(Auth::Account(auth)),
            budget: Arc::clone(&app.budget),
            account: Some(account),
            in_flight_total: Some(Arc::clone(&app.in_flight_total)),
        };
        Client { inner: Arc::new(inner) }
    }

    /// The shared credentials of `account`.
    fn account_auth(&self, account: AccountId) -> Arc<AccountAuth> {
        let app = &*self.inner;
        let mut accounts = app.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        accounts.get(account, || AccountAuth::new(account, Arc::clone(&app.oauth)))
    }

    /// Onboards an install, from the OAuth callback HubSpot redirected the
    /// installing user to: exchanges the authorization `code` for tokens
    /// (`grant_type=authorization_code`, with the same `redirect_uri` as the
    /// authorization request), learns the account from the answer's `hub_id`
    /// (on [`OAuthApi::V1`], or when the answer lacks it, from
    /// [`introspect`](Self::introspect)), and saves the tokens through the
    /// app's [`TokenStore`]. An account whose install was revoked can send
    /// again from then on.
    ///
    /// A code is used once: the exchange is not repeated after an attempt
    /// that may have reached HubSpot. A refused code ends in
    /// [`Error::Install`].
    ///
    /// ```
    /// # async fn callback(app: timeline_core::App, code: &str) -> Result<(), timeline_core::Error> {
    /// let installed = app.install(code, "https://example.com/oauth/callback").await?;
    /// println!("account {} installed", installed.account);
    /// # Ok(()) }
    /// ```
    pub async fn install(&self, code: &str, redirect_uri: &str) -> Result<Installed, Error> {
        let oauth = &*self.inner.oauth;
        let code = Secret::new(code);
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", oauth.client_id.as_str()),
            ("client_secret", oauth.client_secret.expose()),
            ("redirect_uri", redirect_uri),
            ("code", code.expose()),
        ];
        let granted: AccessTokenResponse = oauth
            .endpoint
            .call(&form, &[&oauth.client_secret, &code], Repeat::UntilItMayHaveLanded)
            .await
            .map_err(install_failed)?;
        self.save_granted(granted).await
    }

    /// Saves tokens the token endpoint granted to a call the app did not
    /// make (a relay saw the answer pass), as [`install`](Self::install)
    /// saves its own: the account from the answer's `hub_id` (on
    /// [`OAuthApi::V2026_03`]) or from [`introspect`](Self::introspect)ing
    /// the new access token, the tokens saved through the app's
    /// [`TokenStore`] and handed to the account's clients. An account whose
    /// install was revoked can send again from then on.
    ///
    /// ```
    /// # async fn relay(app: timeline_core::App, granted: timeline_core::wire::AccessTokenResponse) -> Result<(), timeline_core::Error> {
    /// let installed = app.save_granted(granted).await?;
    /// println!("tokens of account {} saved", installed.account);
    /// # Ok(()) }
    /// ```
    pub async fn save_granted(&self, granted: AccessTokenResponse) -> Result<Installed, Error> {
        let oauth = &*self.inner.oauth;
        let answered = granted.hub_id.and_then(|hub_id| u64::try_from(hub_id).ok()).map(AccountId::new);
        let installed = match (oauth.endpoint.api, answered) {
            (OAuthApi::V2026_03, Some(account)) => Installed {
                account,
                scopes: granted.scopes.clone().unwrap_or_default(),
                hub_domain: None,
                user: None,
                user_id: granted.user_id.and_then(|id| u64::try_from(id).ok()),
            },
            _ => {
                let access_token = Secret::new(granted.access_token.clone());
                let details = oauth.introspect(&access_token).await.map_err(install_failed)?.ok_or_else(|| {
                    Error::Install("HubSpot does not know the access token it has just granted".to_owned())
                })?;
                Installed::from_details(details)
            }
        };
        let account = installed.account;
        let tokens = AppOAuth::tokens(granted, None);
        oauth
            .store
            .save(account, &tokens)
            .await
            .map_err(|error| AppOAuth::store_failed(account, "saving the installed tokens", error))?;
        self.reinstalled(account, tokens).await;
        tracing::info!(account = account.get(), "the app was installed");
        Ok(installed)
    }

    /// Saves `access_token`, an access token of `account` that HubSpot
    /// vouched for until `expires_at` (a relay learned a caller's token by
    /// [`introspect`](Self::introspect)ion), as the account's tokens when
    /// the token store holds none that renew themselves: none at all, or an
    /// access token alone that expires sooner. Tokens with a refresh token
    /// are never replaced. Whether it was saved.
    ///
    /// The account's events go out with it until it expires; then they
    /// wait ([`Error::NoRefreshToken`]) until a newer one is saved.
    ///
    /// ```
    /// # async fn relay(app: timeline_core::App) -> Result<(), timeline_core::Error> {
    /// if let Some(token) = app.introspect("bearer-from-a-request").await?
    ///     && let Some(expires_at) = token.expires_at
    /// {
    ///     app.save_access_token(token.account, "bearer-from-a-request", expires_at).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn save_access_token(
        &self,
        account: impl Into<AccountId>,
        access_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let account = account.into();
        let store = &self.inner.oauth.store;
        let stored =
            store.load(account).await.map_err(|error| AppOAuth::store_failed(account, "loading the tokens", error))?;
        if stored.is_some_and(|stored| !stored.refresh_token.is_empty() || stored.expires_at >= expires_at) {
            return Ok(false);
        }
        let tokens = AccountTokens::new(access_token, expires_at, String::new());
        store
            .save(account, &tokens)
            .await
            .map_err(|error| AppOAuth::store_failed(account, "saving an access token", error))?;
        self.reinstalled(account, tokens).await;
        tracing::debug!(account = account.get(), "saved an access token HubSpot vouched for");
        Ok(true)
    }

    /// The budget that paces each account's requests (shared by every
    /// account client of the app), for requests to HubSpot the app's
    /// clients do not make themselves.
    ///
    /// ```
    /// # async fn run(app: timeline_core::App) {
    /// let budget = app.rate_budget();
    /// let permit = budget.acquire(timeline_core::AccountId::new(101)).await;
    /// assert!(permit.is_ok(), "the default budget is in-process");
    /// # }
    /// ```
    pub fn rate_budget(&self) -> Arc<dyn RateBudget> {
        Arc::clone(&self.inner.budget)
    }

    /// How the events of v3 template `template_id` are sent as app events,
    /// when the app was built to ([`AppBuilder::migrate`]): a relay checks
    /// its callers' inputs with it before it takes them.
    pub fn migration(&self, template_id: &str) -> Option<&crate::Migration> {
        self.inner.shared.migrations.get(template_id)
    }

    /// Where the app's requests go: HubSpot's base URL, or a sandbox's.
    ///
    /// ```
    /// let app = timeline_core::App::builder().client_id("id").client_secret("secret")
    ///     .token_store(std::sync::Arc::new(timeline_core::MemoryTokenStore::new())).build().unwrap();
    /// assert_eq!(app.base_url(), "https://api.hubapi.com/");
    /// ```
    pub fn base_url(&self) -> &str {
        self.inner.shared.base_url.as_str()
    }

    /// The app's OAuth client id: a relay saves only the token answers
    /// granted to it.
    ///
    /// ```
    /// let app = timeline_core::App::builder().client_id("my-app").client_secret("secret")
    ///     .token_store(std::sync::Arc::new(timeline_core::MemoryTokenStore::new())).build().unwrap();
    /// assert_eq!(app.client_id(), "my-app");
    /// ```
    pub fn client_id(&self) -> &str {
        &self.inner.oauth.client_id
    }

    /// What HubSpot knows of `token`, an access or a refresh token of this
    /// app: whether it is active, its account, app, scopes and expiry.
    /// `None` when HubSpot does not know it. A relay learns a caller's
    /// account this way.
    ///
    /// ```
    /// # async fn run(app: timeline_core::App) -> Result<(), timeline_core::Error> {
    /// if let Some(token) = app.introspect("bearer-from-a-request").await? {
    ///     println!("account {}, active {}, expires {:?}", token.account, token.active, token.expires_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn introspect(&self, token: &str) -> Result<Option<TokenDetails>, Error> {
        self.inner.oauth.introspect(&Secret::new(token)).await.map_err(|failure| Error::Introspection(failure.reason()))
    }

    /// Ends the app's install in the account `account`: revokes its refresh
    /// token at HubSpot, then forgets its tokens ([`TokenStore::remove`]).
    /// Its clients' requests fail from then on, without calling HubSpot,
    /// until it is [installed](Self::install) again. A refresh token HubSpot
    /// already refuses or does not know counts as revoked.
    ///
    /// When HubSpot cannot be asked, this is [`Error::Uninstall`] and
    /// nothing is forgotten; when the store fails to remove the tokens,
    /// [`Error::TokenStore`], and the app remembers the revocation anyway.
    ///
    /// ```
    /// # async fn run(app: timeline_core::App) -> Result<(), timeline_core::Error> {
    /// app.uninstall(101).await?;
    /// # Ok(()) }
    /// ```
    pub async fn uninstall(&self, account: impl Into<AccountId>) -> Result<(), Error> {
        let account = account.into();
        let oauth = &*self.inner.oauth;
        let tokens = oauth
            .store
            .load(account)
            .await
            .map_err(|error| AppOAuth::store_failed(account, "loading the tokens", error))?
            .ok_or(Error::NotInstalled { account })?;
        let refresh_token = Secret::new(tokens.refresh_token);
        match oauth.revoke_at_hubspot(&refresh_token).await {
            Ok(()) | Err(TokenFailure::InvalidGrant(_) | TokenFailure::NotFound(_)) => {}
            Err(failure) => return Err(Error::Uninstall(failure.reason())),
        }
        oauth.revoke(account, refresh_token.clone());
        if let Some(auth) = self.existing_auth(account) {
            auth.uninstalled(refresh_token).await;
        }
        oauth
            .store
            .remove(account)
            .await
            .map_err(|error| AppOAuth::store_failed(account, "removing the tokens", error))?;
        tracing::info!(account = account.get(), "the app was uninstalled");
        Ok(())
    }

    /// The credentials of `account` that clients hold now, if any.
    fn existing_auth(&self, account: AccountId) -> Option<Arc<AccountAuth>> {
        let accounts = self.inner.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        accounts.auths.get(&account).and_then(Weak::upgrade)
    }

    /// Forgets the accounts that have no client now (after a call that had
    /// a client of every account it sent to at once).
    pub(crate) fn forget_idle_accounts(&self) {
        self.inner.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).sweep();
    }

    /// Forgets a revocation of `account` and hands `tokens` to its clients
    /// that exist now.
    async fn reinstalled(&self, account: AccountId, tokens: AccountTokens) {
        self.inner.oauth.reinstalled(account);
        if let Some(auth) = self.existing_auth(account) {
            auth.installed(tokens).await;
        }
    }
}

fn install_failed(failure: TokenFailure) -> Error {
    Error::Install(failure.reason())
}

/// Builds an [`App`]: its OAuth credentials and token store (required), and
/// the settings of its account clients, as [`ClientBuilder`] has them.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use timeline_core::{App, Client, LocalRateBudget, MemoryTokenStore, RateLimit};
///
/// let app = App::builder()
///     .client_id("app-client-id")
///     .client_secret("app-client-secret")
///     .token_store(Arc::new(MemoryTokenStore::new()))
///     .rate_budget(Arc::new(LocalRateBudget::new(RateLimit::new(100, Duration::from_secs(10))).unwrap()))
///     .client(Client::builder().max_in_flight_total(32))
///     .build();
/// assert!(app.is_ok());
/// assert!(App::builder().client_id("id").build().is_err(), "no secret, no store");
/// ```
#[derive(Default)]
pub struct AppBuilder {
    client: ClientBuilder,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    store: Option<Arc<dyn TokenStore>>,
    budget: Option<Arc<dyn RateBudget>>,
    migrations: Vec<(String, Definition)>,
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// The app's OAuth client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The app's OAuth client secret.
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(client_secret));
        self
    }

    /// Where the accounts' tokens are loaded from and saved to.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The budget that paces each account (default: a [`LocalRateBudget`]
    /// of the client settings' [`rate_limit`](ClientBuilder::rate_limit));
    /// [`build`](Self::build) refuses both a budget and a rate limit.
    pub fn rate_budget(mut self, budget: Arc<dyn RateBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The settings every account client of the app shares: a
    /// [`ClientBuilder`] without credentials (each account's come from the
    /// token store), whose base URL, token URL and OAuth API, sizes,
    /// retries, timeouts, HTTP client, known templates and developer key
    /// the app uses. Its [`max_in_flight_total`](ClientBuilder::max_in_flight_total)
    /// bounds the requests the app keeps under way at once, across all its
    /// accounts and calls (default [`DEFAULT_APP_MAX_IN_FLIGHT`]): requests
    /// wait for a place in arrival order, so accounts with work take turns,
    /// and a request takes its account's rate permit before its place, so
    /// an account waiting for its budget holds no place. Its
    /// [`rate_limit`](ClientBuilder::rate_limit) is each account's limit in
    /// the default budget. [`build`](Self::build) checks it as
    /// [`ClientBuilder::build`] does, and refuses one with credentials.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use timeline_core::{App, Client, MemoryTokenStore};
    /// let app = App::builder()
    ///     .client_id("id")
    ///     .client_secret("secret")
    ///     .token_store(Arc::new(MemoryTokenStore::new()))
    ///     .client(Client::builder().base_url("https://api.hubapi.com").batch_size(50).max_in_flight_total(32))
    ///     .build();
    /// assert!(app.is_ok());
    /// ```
    pub fn client(mut self, client: ClientBuilder) -> Self {
        self.client = client;
        self
    }

    /// Sends the events of v3 template `template_id` as occurrences of the
    /// app-event type `definition`, from every account client: `send_all`,
    /// [`App::send_all`] and a dispatcher delivering with the app (see
    /// [`ClientBuilder::migrate`], whose rules it follows, and
    /// [`Migration`](crate::Migration) for the mapping). The reports still
    /// speak of the v3 events, so the app moves to the app-events API with
    /// no change to its event types.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use timeline_core::{App, MemoryTokenStore};
    ///
    /// let definition = timeline_template::definition::parse(
    ///     r#"{"uid": "pet_adopted", "type": "app-event", "config": {"name": "Pet adopted",
    ///         "objectType": "CONTACT", "properties": [{"name": "petName", "type": "string"}]}}"#,
    /// )
    /// .unwrap();
    /// let app = App::builder()
    ///     .client_id("id")
    ///     .client_secret("secret")
    ///     .token_store(Arc::new(MemoryTokenStore::new()))
    ///     .migrate("1001298", definition)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(app.migration("1001298").unwrap().event_type_name(), "pet_adopted");
    /// ```
    pub fn migrate(mut self, template_id: impl Into<String>, definition: Definition) -> Self {
        self.migrations.push((template_id.into(), definition));
        self
    }

    /// Checks the settings and builds the app: the client id, the secret and
    /// the token store are required, and every setting is checked as
    /// [`ClientBuilder::build`] checks it.
    ///
    /// ```
    /// use timeline_core::{App, Error};
    /// let refused = App::builder().client_id("id").client_secret("secret").build();
    /// assert!(matches!(refused, Err(Error::Config { message, .. }) if message.contains("token_store")));
    /// ```
    pub fn build(self) -> Result<App, Error> {
        let missing = |what: &str| Error::config(format!("an app needs {what}; give it to the AppBuilder"));
        let client_id = self.client_id.ok_or_else(|| missing("a client_id"))?;
        let client_secret = self.client_secret.ok_or_else(|| missing("a client_secret"))?;
        let store = self.store.ok_or_else(|| missing("a token_store"))?;
        if self.client.has_credentials() {
            return Err(Error::config(
                "the app's client settings take no credentials: each account's tokens come from the token store",
            ));
        }
        let parts: Parts = self.client.with_migrations(self.migrations).into_parts()?;
        let budget = match (self.budget, parts.rate_limit) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "give either a rate_budget or a rate_limit in the client settings (for the default budget), not both",
                ));
            }
            (Some(budget), None) => budget,
            (None, limit) => Arc::new(LocalRateBudget::new(limit.unwrap_or_default())?),
        };
        let oauth =
            AppOAuth { client_id, client_secret, endpoint: parts.token_endpoint(), store, revoked: Default::default() };
        let in_flight_total = parts.max_in_flight_total.unwrap_or(DEFAULT_APP_MAX_IN_FLIGHT);
        let inner = AppInner {
            shared: Arc::new(parts.shared),
            oauth: Arc::new(oauth),
            budget,
            in_flight_total: Arc::new(tokio::sync::Semaphore::new(in_flight_total)),
            accounts: Mutex::new(AccountAuths::default()),
        };
        Ok(App { inner: Arc::new(inner) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryTokenStore;

    fn app() -> App {
        let store = Arc::new(MemoryTokenStore::new());
        App::builder().client_id("id").client_secret("secret").token_store(store).build().unwrap()
    }

    #[test]
    fn client_settings_with_credentials_are_refused() {
        let store = Arc::new(MemoryTokenStore::new());
        let refused = App::builder()
            .client_id("id")
            .client_secret("secret")
            .token_store(store)
            .client(Client::builder().access_token("a-token-of-one-account"))
            .build();
        assert!(matches!(refused, Err(Error::Config { message, .. }) if message.contains("no credentials")));
    }

    #[test]
    fn clients_of_one_account_share_its_credentials() {
        let app = app();
        let (first, second) = (app.account(101), app.account(101));
        let auth = |client: &Client| match &client.inner.auth {
            Some(Auth::Account(auth)) => Arc::clone(auth),
            other => panic!("{other:?}"),
        };
        assert!(Arc::ptr_eq(&auth(&first), &auth(&second)));
        assert!(!Arc::ptr_eq(&auth(&first), &auth(&app.account(202))));
    }

    #[test]
    fn accounts_without_a_client_are_forgotten() {
        let app = app();
        let kept = app.account(7);
        for account in 0..10_000 {
            drop(app.account(account));
        }
        let held = app.inner.accounts.lock().unwrap().auths.len();
        assert!(held <= LEAST_SWEEP, "{held} accounts held after their clients were dropped");
        assert!(app.inner.accounts.lock().unwrap().auths.contains_key(&AccountId::new(7)));
        drop(kept);
    }

    #[test]
    fn accounts_whose_clients_were_alive_together_are_forgotten_after_the_call() {
        let app = app();
        let clients: Vec<Client> = (0..10_000).map(|account| app.account(account)).collect();
        assert_eq!(app.inner.accounts.lock().unwrap().auths.len(), 10_000);
        drop(clients);
        app.forget_idle_accounts();
        let accounts = app.inner.accounts.lock().unwrap();
        assert_eq!(accounts.auths.len(), 0);
        assert!(accounts.auths.capacity() <= 4 * LEAST_SWEEP, "the map kept room for {}", accounts.auths.capacity());
    }
}
