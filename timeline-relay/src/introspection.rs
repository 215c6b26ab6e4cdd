//! [`TokenAccounts`]: the account of a caller's bearer token, from the
//! tokens the relay was given ([`Callers`]), from what it learned, or by
//! asking HubSpot ([`App::introspect`]) and remembering the answer until
//! the token expires. Requests with the same new token wait for one answer.
//! An introspected token is also kept as its account's tokens when the app
//! holds none that renew themselves, so that the account's events go out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use timeline_core::{AccountId, App, TokenUse};

use crate::callers::{self, Callers};
use crate::hubspot::{self, Refusal};
use crate::known_tokens::{Known, KnownTokens, MAX_KNOWN_TOKENS, REFUSED_FOR};

/// The accounts of callers' bearer tokens: given, learned, or introspected.
#[derive(Debug)]
pub(crate) struct TokenAccounts {
    /// The tokens the relay was given.
    callers: Callers,
    /// What the relay learned of other tokens.
    known: Mutex<KnownTokens>,
    /// Asks HubSpot about tokens neither names.
    app: App,
    /// The tokens HubSpot is being asked about, each with the turn later
    /// requests with it wait for.
    asking: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl TokenAccounts {
    /// The accounts `callers` names, and those `app` learns from HubSpot.
    pub(crate) fn new(callers: Callers, app: App) -> Self {
        let known = Mutex::new(KnownTokens::new(MAX_KNOWN_TOKENS));
        TokenAccounts { callers, known, app, asking: Mutex::default() }
    }

    /// The account of a request's bearer token; HubSpot's 401
    /// (`INVALID_AUTHENTICATION`) for a missing token or one HubSpot does
    /// not take, a 503 when HubSpot could not be asked.
    pub(crate) async fn authenticate(&self, headers: &HeaderMap) -> Result<AccountId, Refusal> {
        let Some(token) = callers::bearer(headers) else {
            return Err(unauthorized(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication: send \
                 `Authorization: Bearer <access token>`.",
            ));
        };
        match self.account(token).await {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(unauthorized("The access token is not valid: it is unknown, expired or revoked.")),
            Err(problem) => Err(hubspot::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                format!("The relay could not learn the access token's account from HubSpot ({problem}); try again."),
            )
            .into()),
        }
    }

    /// The account of a request's bearer token, when it has one HubSpot takes.
    pub(crate) async fn account_of(&self, headers: &HeaderMap) -> Option<AccountId> {
        self.account(callers::bearer(headers)?).await.ok().flatten()
    }

    /// Remembers that `access_token` acts for `account` until `expires_at`.
    pub(crate) fn learn(&self, access_token: String, account: AccountId, expires_at: DateTime<Utc>) {
        let now = Instant::now();
        let until = now + (expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        self.lock().insert(access_token, Known::Account(account), until, now);
    }

    /// The account of `token`; `None` when HubSpot does not take it; the
    /// problem when HubSpot could not be asked. One request at a time asks
    /// HubSpot about a token; the others wait and take its answer.
    async fn account(&self, token: &str) -> Result<Option<AccountId>, String> {
        if let Some(account) = self.callers.account(token) {
            return Ok(Some(account));
        }
        if let Some(known) = self.known(token) {
            return Ok(known);
        }
        let turn = Arc::clone(self.asking().entry(token.to_owned()).or_default());
        let _turn = turn.lock().await;
        if let Some(known) = self.known(token) {
            return Ok(known);
        }
        let _asking = Asking { accounts: self, token };
        let details = self.app.introspect(token).await.map_err(|error| error.to_string())?;
        match details {
            Some(details) if details.active && details.token_use == TokenUse::Access => {
                let expires_at = details.expires_at.unwrap_or_else(Utc::now);
                self.learn(token.to_owned(), details.account, expires_at);
                self.lend(details.account, token, expires_at).await;
                Ok(Some(details.account))
            }
            _ => {
                let now = Instant::now();
                self.lock().insert(token.to_owned(), Known::Refused, now + REFUSED_FOR, now);
                Ok(None)
            }
        }
    }

    /// Keeps the caller's `token` as the account's tokens when the app holds
    /// none that renew themselves ([`App::save_access_token`]), so that the
    /// account's events go out with it; a failure is logged, and the
    /// events wait for tokens.
    async fn lend(&self, account: AccountId, token: &str, expires_at: DateTime<Utc>) {
        match self.app.save_access_token(account, token, expires_at).await {
            Ok(true) => tracing::info!(account = account.get(), "delivering with a caller's access token"),
            Ok(false) => {}
            Err(error) => tracing::warn!(account = account.get(), %error, "a caller's access token could not be saved"),
        }
    }

    /// What the relay knows of `token` now: `Some(None)` when it is refused.
    fn known(&self, token: &str) -> Option<Option<AccountId>> {
        match self.lock().get(token, Instant::now())? {
            Known::Account(account) => Some(Some(account)),
            Known::Refused => Some(None),
        }
    }

    fn asking(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        self.asking.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KnownTokens> {
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// HubSpot's 401 with this message.
fn unauthorized(message: &str) -> Refusal {
    hubspot::error(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", message).into()
}

/// HubSpot is being asked about a token: when the question ends (answered,
/// failed or given up), the token's turn is forgotten, so the map holds the
/// questions under way only.
struct Asking<'a> {
    accounts: &'a TokenAccounts,
    token: &'a str,
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.accounts.asking().remove(self.token);
    }
}
