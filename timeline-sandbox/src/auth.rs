//! Who may call: bearer tokens on every route, developer `hapikey` on the
//! template routes, and the expiry of tokens the OAuth endpoint issued.

use std::time::Instant;

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

/// Checks a request's credentials and returns the one it used, the key of its rate limit.
pub(crate) fn authenticate(
    state: &State,
    scheme: Scheme,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<String, Refusal> {
    if scheme == Scheme::DeveloperOrBearer
        && let Some(key) = query.and_then(hapikey)
    {
        return Ok(format!("hapikey:{key}"));
    }
    let Some(token) = bearer(headers) else {
        return Err(reply::error(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", MISSING).into());
    };
    if let Some(expires) = state.issued_tokens().get(token).copied() {
        let now = Instant::now();
        if now >= expires {
            let ago = now.duration_since(expires).as_secs();
            return Err(reply::error(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_AUTHENTICATION",
                format!(
                    "The OAuth token used to make this call expired {ago} second(s) ago. Refresh it and try again."
                ),
            )
            .into());
        }
        return Ok(token.to_owned());
    }
    match &state.config.access_tokens {
        Some(valid) if !valid.contains(token) => Err(reply::error(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "The access token is not valid: it is unknown to this account or was revoked.",
        )
        .into()),
        _ => Ok(token.to_owned()),
    }
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
