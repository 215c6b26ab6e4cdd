//! Credentials: a static access token, an OAuth refresh-token provider
//! that renews the access token before it expires, one refresh at a time,
//! or an account of an app, whose tokens live in the app's token store.

use crate::AccountId;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::config::{OAuthApi, RetryPolicy};
use super::exchange::Repeat;
use super::report::status_may_have_stored;
use super::retry::{Verdict, classify};
use super::secret::Secret;
use super::token_store::{AccountTokens, TokenStore};
use super::transport::{self, Answer};
use crate::error::{Error, ErrorSource};
use crate::wire::AccessTokenResponse;

/// The longest access-token lifetime taken from `expires_in`: a day
/// (HubSpot's tokens last 30 minutes), so any answer gives a renewal time.
const LONGEST_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// How requests are authorized.
#[derive(Debug)]
pub(crate) enum Auth {
    /// One access token for the client's lifetime.
    Static(Secret),
    /// Tokens from HubSpot's OAuth token endpoint.
    RefreshToken(Box<OAuthProvider>),
    /// The tokens of one account of an app.
    Account(Arc<AccountAuth>),
}

impl Auth {
    /// The bearer token to send now.
    pub(crate) async fn bearer(&self) -> Result<Secret, Error> {
        match self {
            Auth::Static(token) => Ok(token.clone()),
            Auth::RefreshToken(provider) => provider.access_token().await,
            Auth::Account(account) => account.access_token().await,
        }
    }

    /// Whether HubSpot counts these credentials' requests against a daily
    /// limit: a private app's access token, yes; OAuth tokens have none
    /// (only the rolling ten-second window binds them).
    pub(crate) fn has_daily_limit(&self) -> bool {
        matches!(self, Auth::Static(_))
    }

    /// Called after a 401 answered a request made with `used`; says
    /// whether a new token may fix it.
    pub(crate) async fn refused(&self, used: &Secret) -> bool {
        match self {
            Auth::Static(_) => false,
            Auth::RefreshToken(provider) => {
                provider.forget(used).await;
                true
            }
            Auth::Account(account) => {
                account.forget(used).await;
                true
            }
        }
    }
}

/// The OAuth credentials and what the provider needs to call the token endpoint.
#[derive(Debug)]
pub(crate) struct OAuthProvider {
    client_id: String,
    client_secret: Secret,
    endpoint: TokenEndpoint,
    state: Mutex<TokenState>,
}

/// Where and how the provider calls the token endpoint (and, for an app,
/// the other OAuth calls).
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    /// The OAuth API of the calls.
    pub(crate) api: OAuthApi,
    /// The token endpoint's URL.
    pub(crate) url: Url,
    /// The API's base URL, under which v1's token information and
    /// refresh-token paths are.
    pub(crate) base_url: Url,
    /// The client's HTTP client.
    pub(crate) http: reqwest::Client,
    /// The client's retry policy.
    pub(crate) retry: RetryPolicy,
    /// The limit on one attempt.
    pub(crate) attempt_timeout: Duration,
    /// The bound on the answer's body.
    pub(crate) max_response_bytes: usize,
}

#[derive(Debug)]
struct TokenState {
    refresh_token: Secret,
    current: Option<AccessToken>,
}

#[derive(Debug)]
struct AccessToken {
    value: Secret,
    renew_at: Instant,
}

impl OAuthProvider {
    /// A provider that has no access token yet.
    pub(crate) fn new(
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        endpoint: TokenEndpoint,
    ) -> Self {
        OAuthProvider {
            client_id,
            client_secret,
            endpoint,
            state: Mutex::new(TokenState { refresh_token, current: None }),
        }
    }

    /// The current access token, renewed first when it is due. Callers that
    /// arrive during a renewal wait for it instead of starting their own.
    async fn access_token(&self) -> Result<Secret, Error> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.current
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let granted = self.refresh(&state.refresh_token).await?;
        let lifetime = token_lifetime(granted.expires_in);
        let margin = renewal_margin(lifetime);
        let value = Secret::new(granted.access_token);
        if let Some(refresh_token) = granted.refresh_token {
            state.refresh_token = Secret::new(refresh_token);
        }
        state.current = Some(AccessToken { value: value.clone(), renew_at: Instant::now() + lifetime - margin });
        tracing::debug!(expires_in = granted.expires_in, "renewed the OAuth access token");
        Ok(value)
    }

    /// Drops `used` if it is still the current token, so the next caller renews.
    async fn forget(&self, used: &Secret) {
        let mut state = self.state.lock().await;
        if state.current.as_ref().is_some_and(|token| &token.value == used) {
            state.current = None;
        }
    }

    /// Calls the token endpoint with `refresh_token`.
    async fn refresh(&self, refresh_token: &Secret) -> Result<AccessTokenResponse, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ];
        self.endpoint
            .call(&form, &[&self.client_secret, refresh_token], Repeat::Always)
            .await
            .map_err(|failure| Error::TokenRefresh(failure.reason()))
    }
}

impl TokenEndpoint {
    /// Posts `form` to the token endpoint until it answers with tokens,
    /// retrying transport failures, 5xx and 429 (after its `Retry-After`,
    /// when it gives one) within the retry policy; with
    /// [`Repeat::UntilItMayHaveLanded`], not after an attempt that may have
    /// been acted on. `secrets` are removed from any answer quoted.
    pub(crate) async fn call(
        &self,
        form: &[(&str, &str)],
        secrets: &[&Secret],
        repeat: Repeat,
    ) -> Result<AccessTokenResponse, TokenFailure> {
        self.call_with(|| self.http.post(self.url.clone()).form(form), secrets, repeat).await
    }

    /// Sends the requests `request` makes as [`call`](Self::call) does, and
    /// reads the answer as a `T`.
    pub(crate) async fn call_with<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
        secrets: &[&Secret],
        repeat: Repeat,
    ) -> Result<T, TokenFailure> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let request = request();
            let (failure, wait, landed) =
                match transport::attempt(request, self.max_response_bytes, self.attempt_timeout).await {
                    Ok(answer) => {
                        let landed = status_may_have_stored(answer.status.as_u16());
                        match read(answer, secrets) {
                            Ok(granted) => return Ok(granted),
                            Err(Refusal::Final(failure)) => return Err(failure),
                            Err(Refusal::Passing { reason, wait }) => (reason, wait, landed),
                        }
                    }
                    Err(no_answer) => (no_answer.reason, None, no_answer.may_have_landed),
                };
            let wait = wait.unwrap_or_else(|| self.retry.backoff(attempt));
            let out_of_time = started.elapsed().saturating_add(wait) > self.retry.max_elapsed();
            let must_not_repeat = landed && repeat == Repeat::UntilItMayHaveLanded;
            if attempt >= self.retry.max_attempts() || out_of_time || must_not_repeat {
                return Err(TokenFailure::Failed(format!("{failure} (after {attempt} attempts)")));
            }
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "the token endpoint failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Why an OAuth call gave nothing.
#[derive(Debug)]
pub(crate) enum TokenFailure {
    /// A 400 `invalid_grant`: the refresh token (or code) is refused for good.
    InvalidGrant(String),
    /// A 404: the token asked about is unknown.
    NotFound(String),
    /// Any other failure, after the retries.
    Failed(String),
}

impl TokenFailure {
    /// What went wrong.
    pub(crate) fn reason(self) -> String {
        match self {
            TokenFailure::InvalidGrant(reason) | TokenFailure::NotFound(reason) | TokenFailure::Failed(reason) => {
                reason
            }
        }
    }
}

/// `text` with every non-empty secret of `secrets` replaced by
/// `<redacted>` (an empty one hides nothing, and replacing it would redact
/// between every character).
fn redacted(mut text: String, secrets: &[&Secret]) -> String {
    for secret in secrets.iter().filter(|secret| !secret.expose().is_empty()) {
        text = text.replace(secret.expose(), "<redacted>");
    }
    text
}

/// The `T` of an answer (an empty body reads as JSON's `null`, so `()`
/// takes a 204), or why it holds none.
fn read<T: DeserializeOwned>(answer: Answer, secrets: &[&Secret]) -> Result<T, Refusal> {
    let body = answer.body.map_err(|error| Refusal::Passing { reason: error.to_string(), wait: None })?;
    match classify(answer.status, &answer.headers, &body) {
        Verdict::Success => {
            let json: &[u8] = if body.trim_ascii().is_empty() { b"null" } else { &body };
            serde_json::from_slice(json).map_err(|error| {
                Refusal::Final(TokenFailure::Failed(format!("the token endpoint's answer could not be read: {error}")))
            })
        }
        verdict => {
            let text = redacted(String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned(), secrets);
            let reason = format!("the token endpoint answered {}: {text}", answer.status.as_u16());
            match verdict {
                Verdict::Retry { wait, .. } => Err(Refusal::Passing { reason, wait }),
                _ if answer.status.is_server_error() => Err(Refusal::Passing { reason, wait: None }),
                _ if answer.status.as_u16() == 400 && is_invalid_grant(&body) => {
                    Err(Refusal::Final(TokenFailure::InvalidGrant(reason)))
                }
                _ if answer.status.as_u16() == 404 => Err(Refusal::Final(TokenFailure::NotFound(reason))),
                _ => Err(Refusal::Final(TokenFailure::Failed(reason))),
            }
        }
    }
}

/// Whether an error body says `invalid_grant`: v1's `{"error":"invalid_grant"}`
/// or, in HubSpot's common error body of the 2026-03 API, its `subCategory`.
fn is_invalid_grant(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: Option<String>,
        #[serde(rename = "subCategory")]
        sub_category: Option<String>,
    }
    serde_json::from_slice::<OAuthError>(body).is_ok_and(|answer| {
        [answer.error, answer.sub_category].iter().flatten().any(|code| code.eq_ignore_ascii_case("invalid_grant"))
    })
}

/// How long before its expiry a stored access token is renewed, so that no
/// request carries a token about to expire (a token granted for less than
/// ten minutes is renewed a tenth of its lifetime early).
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// What the accounts of one app share for their tokens.
pub(crate) struct AppOAuth {
    /// The app's client id.
    pub(crate) client_id: String,
    /// The app's client secret.
    pub(crate) client_secret: Secret,
    /// The token endpoint.
    pub(crate) endpoint: TokenEndpoint,
    /// Where the accounts' tokens are kept.
    pub(crate) store: Arc<dyn TokenStore>,
    /// The accounts whose install HubSpot said is revoked, with the refresh
    /// token it refused: kept for the app's life, not a client's, so an
    /// account's later clients ask the token endpoint nothing until the
    /// store holds another refresh token (a new install).
    pub(crate) revoked: std::sync::Mutex<HashMap<AccountId, Secret>>,
}

impl fmt::Debug for AppOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppOAuth").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl AppOAuth {
    /// Tokens from `granted` as the store keeps them, granted now;
    /// `previous_refresh` when the answer carries no new refresh token.
    pub(crate) fn tokens(granted: AccessTokenResponse, previous_refresh: Option<&Secret>) -> AccountTokens {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(token_lifetime(granted.expires_in)).unwrap_or_default();
        let refresh = granted
            .refresh_token
            .or_else(|| previous_refresh.map(|secret| secret.expose().to_owned()))
            .unwrap_or_default();
        AccountTokens::new(granted.access_token, expires_at, refresh).granted(now)
    }

    /// The refresh token refused for `account`, if its install is revoked.
    fn revoked(&self, account: AccountId) -> Option<Secret> {
        self.revoked.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&account).cloned()
    }

    /// Remembers that HubSpot refused `refresh_token` of `account` (or that
    /// the app revoked it).
    pub(crate) fn revoke(&self, account: AccountId, refresh_token: Secret) {
        self.revoked.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(account, refresh_token);
    }

    /// Forgets that `account`'s install was revoked (it was installed again).
    pub(crate) fn reinstalled(&self, account: AccountId) {
        self.revoked.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&account);
    }

    /// A store failure of `account`, as an error.
    pub(crate) fn store_failed(account: AccountId, what: &str, error: super::token_store::StoreError) -> Error {
        let message = format!("{what}: {error}");
        Error::TokenStore { account, message, source: Some(ErrorSource::boxed(error)) }
    }
}

/// The credentials of one account of an app: its tokens, loaded from the
/// app's store when first needed, renewed one refresh at a time.
#[derive(Debug)]
pub(crate) struct AccountAuth {
    account: AccountId,
    app: Arc<AppOAuth>,
    state: Mutex<AccountState>,
}

/// What a [`AccountAuth`] knows of its account's tokens.
#[derive(Debug)]
enum AccountState {
    /// Nothing yet: the store has not been read.
    Unloaded,
    /// The tokens last loaded, saved or renewed.
    Tokens {
        /// The tokens.
        tokens: AccountTokens,
        /// When the access token is due for renewal.
        renew_at: DateTime<Utc>,
        /// An access token HubSpot refused (a 401): never used again.
        refused: Option<Secret>,
    },
    /// The token endpoint answered `invalid_grant` to this refresh token.
    Revoked {
        /// The refresh token refused.
        refresh_token: Secret,
    },
}

impl AccountAuth {
    /// The credentials of `account`, not loaded yet; revoked when the app
    /// knows its install is.
    pub(crate) fn new(account: AccountId, app: Arc<AppOAuth>) -> Self {
        let state = match app.revoked(account) {
            Some(refresh_token) => AccountState::Revoked { refresh_token },
            None => AccountState::Unloaded,
        };
        AccountAuth { account, app, state: Mutex::new(state) }
    }

    /// Starts again from `tokens` (a new install), forgetting a revocation.
    pub(crate) async fn installed(&self, tokens: AccountTokens) {
        let renew_at = renewal_time(&tokens);
        *self.state.lock().await = AccountState::Tokens { tokens, renew_at, refused: None };
    }

    /// Forgets the account's tokens: the app revoked `refresh_token` (an
    /// uninstall). Its requests fail until it is installed again.
    pub(crate) async fn uninstalled(&self, refresh_token: Secret) {
        *self.state.lock().await = AccountState::Revoked { refresh_token };
    }

    /// The access token to send now: the one held while it is valid, else a
    /// valid one from the store (another replica may have renewed it), else
    /// a renewed one, saved to the store. Callers that arrive during a
    /// renewal wait for it instead of starting their own; so do other
    /// processes whose store shares the renewal lock (see
    /// [`TokenStore`]'s renewals).
    async fn access_token(&self) -> Result<Secret, Error> {
        let mut state = self.state.lock().await;
        if let AccountState::Tokens { tokens, renew_at, refused } = &*state
            && usable(tokens, *renew_at, refused.as_ref())
        {
            return Ok(Secret::new(tokens.access_token.clone()));
        }
        let stored = self.load_unless_revoked(&state).await?;
        let refused = match &mut *state {
            AccountState::Tokens { refused, .. } => refused.take(),
            _ => None,
        };
        if let Some(access) = adopt(&mut state, stored, refused.as_ref()) {
            return Ok(access);
        }
        let lock = self
            .app
            .store
            .lock_renewal(self.account)
            .await
            .map_err(|error| AppOAuth::store_failed(self.account, "locking the renewal", error))?;
        let renewed = self.renew_locked(&mut state, refused).await;
        if let Err(error) = lock.release().await {
            tracing::warn!(account = self.account.get(), %error, "the token store's renewal lock could not be released");
        }
        renewed
    }

    /// The account's tokens in the store, unless they hold the refresh
    /// token HubSpot refused: then the install is still revoked. A store
    /// with another refresh token means the account was installed again
    /// (by this process or another), and the revocation is forgotten.
    async fn load_unless_revoked(&self, state: &AccountState) -> Result<AccountTokens, Error> {
        let stored = self.load().await?;
        if let AccountState::Revoked { refresh_token } = state {
            if stored.refresh_token == refresh_token.expose() {
                return Err(Error::InstallRevoked { account: self.account });
            }
            tracing::info!(account = self.account.get(), "the account was installed again");
            self.app.reinstalled(self.account);
        }
        Ok(stored)
    }

    /// The account's tokens in the store.
    async fn load(&self) -> Result<AccountTokens, Error> {
        self.app
            .store
            .load(self.account)
            .await
            .map_err(|error| AppOAuth::store_failed(self.account, "loading the tokens", error))?
            .ok_or(Error::NotInstalled { account: self.account })
    }

    /// Under the store's renewal lock: the tokens another process may just
    /// have saved when they are valid, else renewed ones, saved over the
    /// tokens they renew.
    async fn renew_locked(&self, state: &mut AccountState, refused: Option<Secret>) -> Result<Secret, Error> {
        let stored = self.load().await?;
        if let Some(access) = adopt(state, stored.clone(), refused.as_ref()) {
            tracing::debug!(account = self.account.get(), "another process renewed the account's tokens");
            return Ok(access);
        }
        if stored.refresh_token.is_empty() {
            return Err(Error::NoRefreshToken { account: self.account });
        }
        let refresh_token = Secret::new(stored.refresh_token.clone());
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.app.client_id.as_str()),
            ("client_secret", self.app.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ];
        let secrets = [&self.app.client_secret, &refresh_token];
        let granted = match self.app.endpoint.call(&form, &secrets, Repeat::Always).await {
            Ok(granted) => granted,
            Err(TokenFailure::InvalidGrant(_)) => {
                tracing::warn!(account = self.account.get(), "the install is revoked: the refresh token was refused");
                self.app.revoke(self.account, refresh_token.clone());
                *state = AccountState::Revoked { refresh_token };
                return Err(Error::InstallRevoked { account: self.account });
            }
            Err(failure) => return Err(Error::TokenRefresh(failure.reason())),
        };
        let tokens = AppOAuth::tokens(granted, Some(&refresh_token));
        tracing::debug!(account = self.account.get(), "renewed the account's OAuth access token");
        match self.app.store.save_renewed(self.account, &stored, &tokens).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(account = self.account.get(), "another writer saved the account's tokens first");
                if let Ok(theirs) = self.load().await
                    && let Some(access) = adopt(state, theirs, refused.as_ref())
                {
                    return Ok(access);
                }
            }
            Err(error) => {
                tracing::warn!(account = self.account.get(), %error, "the renewed tokens could not be saved to the token store")
            }
        }
        let access = Secret::new(tokens.access_token.clone());
        let renew_at = renewal_time(&tokens);
        *state = AccountState::Tokens { tokens, renew_at, refused: None };
        Ok(access)
    }

    /// Never sends `used` again, so the next caller renews (unless the store
    /// holds another valid token).
    async fn forget(&self, used: &Secret) {
        if let AccountState::Tokens { tokens, refused, .. } = &mut *self.state.lock().await
            && tokens.access_token == used.expose()
        {
            *refused = Some(used.clone());
        }
    }
}

/// Holds `tokens` and gives their access token when it is usable (not due
/// for renewal, not `refused`); else leaves `state` alone.
fn adopt(state: &mut AccountState, tokens: AccountTokens, refused: Option<&Secret>) -> Option<Secret> {
    let renew_at = renewal_time(&tokens);
    if !usable(&tokens, renew_at, refused) {
        return None;
    }
    let access = Secret::new(tokens.access_token.clone());
    *state = AccountState::Tokens { tokens, renew_at, refused: refused.cloned() };
    Some(access)
}

/// Whether `tokens` hold an access token not due for renewal at `renew_at`
/// yet, and not one HubSpot refused.
fn usable(tokens: &AccountTokens, renew_at: DateTime<Utc>, refused: Option<&Secret>) -> bool {
    refused.is_none_or(|refused| refused.expose() != tokens.access_token) && Utc::now() < renew_at
}

/// When tokens are due for renewal: [`renewal_margin`] of their lifetime
/// before they expire when it is known (they say when they were granted),
/// else [`EXPIRY_MARGIN`] before, so that every process holding the same
/// tokens renews them at the same time.
fn renewal_time(tokens: &AccountTokens) -> DateTime<Utc> {
    let margin = match tokens.granted_at {
        Some(granted_at) => renewal_margin((tokens.expires_at - granted_at).to_std().unwrap_or_default()),
        None => EXPIRY_MARGIN,
    };
    tokens.expires_at - chrono::Duration::from_std(margin).unwrap_or_default()
}

/// How long before the end of a `lifetime` a token just granted is renewed:
/// a tenth of it, at most [`EXPIRY_MARGIN`].
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(EXPIRY_MARGIN)
}

/// The lifetime `expires_in` seconds gives a token: none when negative, at
/// most [`LONGEST_TOKEN_LIFETIME`].
fn token_lifetime(expires_in: i64) -> Duration {
    Duration::from_secs(expires_in.max(0).unsigned_abs()).min(LONGEST_TOKEN_LIFETIME)
}

/// Why a token request did not give a token.
enum Refusal {
    /// Worth another attempt, after `wait` when the answer said.
    Passing {
        /// What went wrong.
        reason: String,
        /// The answer's `Retry-After`.
        wait: Option<Duration>,
    },
    /// Not worth another attempt.
    Final(TokenFailure),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_redacted_of_every_secret_but_empty_ones() {
        let (secret, empty) = (Secret::new("s3cret"), Secret::new(""));
        let text = redacted("bad client_secret s3cret".to_owned(), &[&secret, &empty]);
        assert_eq!(text, "bad client_secret <redacted>");
    }

    #[test]
    fn token_lifetimes_are_clamped_to_a_day() {
        assert_eq!(token_lifetime(1_800), Duration::from_secs(1_800));
        assert_eq!(token_lifetime(-5), Duration::ZERO);
        assert_eq!(token_lifetime(i64::MAX), LONGEST_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(i64::MIN), Duration::ZERO);
    }

    #[test]
    fn tokens_are_renewed_a_tenth_of_their_known_lifetime_early_else_a_minute() {
        let granted = Utc::now();
        let short = AccountTokens::new("at", granted + chrono::Duration::seconds(20), "rt");
        assert_eq!(renewal_time(&short), granted + chrono::Duration::seconds(20 - 60));
        assert_eq!(renewal_time(&short.clone().granted(granted)), granted + chrono::Duration::seconds(18));
        let long = AccountTokens::new("at", granted + chrono::Duration::minutes(30), "rt").granted(granted);
        assert_eq!(renewal_time(&long), granted + chrono::Duration::minutes(29));
    }
}
