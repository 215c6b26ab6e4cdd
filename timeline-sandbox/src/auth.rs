//! Who may call: bearer tokens on every route (each belongs to an account),
//! developer `hapikey` on the template routes.

use std::time::Instant;

use crate::accounts::{Resolved, Window};
use crate::reply::{self, Refusal};
use crate::state::State;
use axum::http::{HeaderMap, StatusCode};

/// What a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// A bearer access token only (event routes).
    Bearer,
    /// A developer `hapikey` query parameter or a bearer token (template routes).
    DeveloperOrBearer,
}

const MISSING: &str = "Authentication credentials not found. This API supports OAuth 2.0 authentication: send \
                       `Authorization: Bearer <access token>`.";

/// Who a request that passed authentication is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    /// The account it acts for; `None` for a developer key.
    pub(crate) account: Option<u64>,
    /// The window its rate limit counts in.
    pub(crate) window: Window,
    /// Whether it presented a token of the OAuth token endpoint, which
    /// HubSpot holds to no daily limit.
    pub(crate) oauth: bool,
}

/// A request refused by authentication, and the account whose token it
/// presented, when known (an expired or revoked token).
#[derive(Debug)]
pub(crate) struct Denied {
    /// The account of the token, if any.
    pub(crate) account: Option<u64>,
    /// The 401 answer.
    pub(crate) refusal: Refusal,
}

/// Checks a request's credentials and says who is calling.
pub(crate) fn authenticate(
    state: &State,
    scheme: Scheme,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Caller, Denied> {
    if scheme == Scheme::DeveloperOrBearer
        && let Some(key) = query.and_then(hapikey)
    {
        return Ok(Caller { account: None, window: Window::DeveloperKey(key.to_owned()), oauth: false });
    }
    let Some(token) = bearer(headers) else {
        return Err(denied(None, "INVALID_AUTHENTICATION", MISSING.to_owned()));
    };
    match state.accounts().resolve(token, Instant::now()) {
        Resolved::Valid { account, window, expires } => {
            Ok(Caller { account: Some(account), window, oauth: expires.is_some() })
        }
        Resolved::Expired { account, ago } => Err(denied(
            Some(account),
            "EXPIRED_AUTHENTICATION",
            format!(
                "The OAuth token used to make this call expired {} second(s) ago. Refresh it and try again.",
                ago.as_secs()
            ),
        )),
        Resolved::Revoked { account } => Err(denied(
            Some(account),
            "INVALID_AUTHENTICATION",
            format!("The access token is not valid: the app's install in account {account} was revoked."),
        )),
        Resolved::Unknown => Err(denied(
            None,
            "INVALID_AUTHENTICATION",
            "The access token is not valid: it is unknown to this account or was revoked.".to_owned(),
        )),
    }
}

/// A 401 with HubSpot's error body.
fn denied(account: Option<u64>, category: &str, message: String) -> Denied {
    Denied { account, refusal: reply::error(StatusCode::UNAUTHORIZED, category, message).into() }
}

/// The non-empty bearer token of the `Authorization` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The non-empty `hapikey` parameter of a query string.
fn hapikey(query: &str) -> Option<&str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, value)| *name == "hapikey" && !value.is_empty())
        .map(|(_, value)| value)
}
