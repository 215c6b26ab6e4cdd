//! [`TokenAccounts`]: the account of a caller's bearer token, from the
//! tokens the relay was given ([`Callers`]), from what it learned, or by
//! asking HubSpot ([`App::introspect`]) and remembering the answer until
//! the token expires.

use std::sync::Mutex;
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
}

impl TokenAccounts {
    /// The accounts `callers` names, and those `app` learns from HubSpot.
    pub(crate) fn new(callers: Callers, app: App) -> Self {
        TokenAccounts { callers, known: Mutex::new(KnownTokens::new(MAX_KNOWN_TOKENS)), app }
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
    /// problem when HubSpot could not be asked.
    async fn account(&self, token: &str) -> Result<Option<AccountId>, String> {
        if let Some(account) = self.callers.account(token) {
            return Ok(Some(account));
        }
        match self.lock().get(token, Instant::now()) {
            Some(Known::Account(account)) => return Ok(Some(account)),
            Some(Known::Refused) => return Ok(None),
            None => {}
        }
        let details = self.app.introspect(token).await.map_err(|error| error.to_string())?;
        match details {
            Some(details) if details.active && details.token_use == TokenUse::Access => {
                let expires_at = details.expires_at.unwrap_or_else(Utc::now);
                self.learn(token.to_owned(), details.account, expires_at);
                Ok(Some(details.account))
            }
            _ => {
                let now = Instant::now();
                self.lock().insert(token.to_owned(), Known::Refused, now + REFUSED_FOR, now);
                Ok(None)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KnownTokens> {
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// HubSpot's 401 with this message.
fn unauthorized(message: &str) -> Refusal {
    hubspot::error(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", message).into()
}
