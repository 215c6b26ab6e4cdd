//! An app's OAuth calls besides renewals: what HubSpot knows of a token
//! (introspection) and revoking a refresh token, on the API the app uses
//! ([`OAuthApi`]).

use crate::AccountId;
use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::Deserialize;

use super::auth::{AppOAuth, TokenFailure};
use super::config::OAuthApi;
use super::exchange::Repeat;
use super::secret::Secret;
use crate::wire::TokenInfoResponse;

/// Which kind of token [`TokenDetails`] describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenUse {
    /// An access token, sent as `Authorization: Bearer`.
    Access,
    /// A refresh token, exchanged for access tokens.
    Refresh,
}

/// What HubSpot knows of a token, from [`App::introspect`](crate::App::introspect).
///
/// ```
/// # async fn run(app: timeline_core::App, bearer: &str) -> Result<(), timeline_core::Error> {
/// match app.introspect(bearer).await? {
///     Some(token) if token.active => println!("account {}, scopes {:?}", token.account, token.scopes),
///     Some(_) => println!("expired or revoked"),
///     None => println!("unknown to HubSpot"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenDetails {
    /// An access or a refresh token.
    pub token_use: TokenUse,
    /// Whether HubSpot still accepts it (an expired access token or a
    /// revoked refresh token is not active).
    pub active: bool,
    /// The account it acts for (HubSpot's `hub_id`).
    pub account: AccountId,
    /// The app it was granted to, when HubSpot says.
    pub app_id: Option<u64>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// When an access token expires (none for a refresh token).
    pub expires_at: Option<DateTime<Utc>>,
    /// The granting user's email, when HubSpot says.
    pub user: Option<String>,
    /// The granting user's id, when HubSpot says.
    pub user_id: Option<u64>,
    /// The account's domain, when HubSpot says.
    pub hub_domain: Option<String>,
}

impl TokenDetails {
    /// The details of a 2026-03 introspection's answer.
    fn from_introspection(info: TokenInfoResponse, now: DateTime<Utc>) -> Self {
        let positive = |number: i64| u64::try_from(number).ok().filter(|number| *number > 0);
        match info {
            TokenInfoResponse::Access(info) => TokenDetails {
                token_use: TokenUse::Access,
                active: info.active,
                account: AccountId::new(info.hub_id.max(0).unsigned_abs()),
                app_id: positive(info.app_id),
                scopes: info.scopes,
                expires_at: Some(expiry(now, info.expires_in)),
                user: info.user,
                user_id: positive(info.user_id),
                hub_domain: info.hub_domain,
            },
            TokenInfoResponse::Refresh(info) => TokenDetails {
                token_use: TokenUse::Refresh,
                active: info.active,
                account: AccountId::new(info.hub_id.max(0).unsigned_abs()),
                app_id: positive(info.app_id),
                scopes: info.scopes,
                expires_at: None,
                user: info.user,
                user_id: positive(info.user_id),
                hub_domain: info.hub_domain,
            },
        }
    }
}

/// `now` plus `expires_in` seconds (none when negative; the end of time
/// when beyond it).
fn expiry(now: DateTime<Utc>, expires_in: i64) -> DateTime<Utc> {
    chrono::Duration::try_seconds(expires_in.max(0))
        .and_then(|lifetime| now.checked_add_signed(lifetime))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// v1's answer about an access or a refresh token
/// (`GET /oauth/v1/access-tokens/{token}`, `…/refresh-tokens/{token}`),
/// given only for a token HubSpot accepts.
#[derive(Deserialize)]
struct V1TokenInfo {
    hub_id: u64,
    #[serde(default)]
    app_id: Option<u64>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    user_id: Option<u64>,
    #[serde(default)]
    hub_domain: Option<String>,
}

impl V1TokenInfo {
    /// The details it gives of an active token of `token_use`.
    fn details(self, token_use: TokenUse, now: DateTime<Utc>) -> TokenDetails {
        TokenDetails {
            token_use,
            active: true,
            account: AccountId::new(self.hub_id),
            app_id: self.app_id,
            scopes: self.scopes,
            expires_at: self.expires_in.filter(|_| token_use == TokenUse::Access).map(|left| expiry(now, left)),
            user: self.user,
            user_id: self.user_id,
            hub_domain: self.hub_domain,
        }
    }
}

impl AppOAuth {
    /// What HubSpot knows of `token` (an access or a refresh token); `None`
    /// when it does not know it (a 404).
    pub(crate) async fn introspect(&self, token: &Secret) -> Result<Option<TokenDetails>, TokenFailure> {
        let now = Utc::now();
        match self.endpoint.api {
            OAuthApi::V2026_03 => {
                let form = [
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", self.client_secret.expose()),
                    ("token", token.expose()),
                ];
                let url = self.token_path("introspect");
                let request = || self.endpoint.http.post(url.clone()).form(&form);
                let answer = self.endpoint.call_with(request, &[&self.client_secret, token], Repeat::Always).await;
                found(answer.map(|info| TokenDetails::from_introspection(info, now)))
            }
            OAuthApi::V1 => {
                for (kind, token_use) in [("access-tokens", TokenUse::Access), ("refresh-tokens", TokenUse::Refresh)] {
                    let url = self.v1_path(kind, token);
                    let request = || self.endpoint.http.get(url.clone());
                    let answer = self.endpoint.call_with(request, &[token], Repeat::Always).await;
                    if let Some(details) = found(answer.map(|info: V1TokenInfo| info.details(token_use, now)))? {
                        return Ok(Some(details));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Revokes `refresh_token` at HubSpot: it renews nothing from then on.
    pub(crate) async fn revoke_at_hubspot(&self, refresh_token: &Secret) -> Result<(), TokenFailure> {
        let secrets = [&self.client_secret, refresh_token];
        match self.endpoint.api {
            OAuthApi::V2026_03 => {
                let form = [
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", self.client_secret.expose()),
                    ("token", refresh_token.expose()),
                    ("token_type_hint", "refresh_token"),
                ];
                let url = self.token_path("revoke");
                let request = || self.endpoint.http.post(url.clone()).form(&form);
                self.endpoint.call_with(request, &secrets, Repeat::Always).await
            }
            OAuthApi::V1 => {
                let url = self.v1_path("refresh-tokens", refresh_token);
                let request = || self.endpoint.http.delete(url.clone());
                self.endpoint.call_with(request, &secrets, Repeat::Always).await
            }
        }
    }

    /// The 2026-03 call `last` under the token endpoint (`…/token/{last}`).
    fn token_path(&self, last: &str) -> Url {
        let mut url = self.endpoint.url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(last);
        }
        url
    }

    /// v1's `/oauth/v1/{kind}/{token}` under the base URL.
    fn v1_path(&self, kind: &str, token: &Secret) -> Url {
        let mut url = self.endpoint.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["oauth", "v1", kind, token.expose()]);
        }
        url
    }
}

/// An answer's value, `None` for a 404 (an unknown token).
fn found<T>(answer: Result<T, TokenFailure>) -> Result<Option<T>, TokenFailure> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(TokenFailure::NotFound(_)) => Ok(None),
        Err(failure) => Err(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_far_away_or_negative_do_not_overflow() {
        let now = Utc::now();
        assert_eq!(expiry(now, -5), now);
        assert_eq!(expiry(now, 1_800), now + chrono::Duration::seconds(1_800));
        assert!(expiry(now, i64::MAX) > now);
    }
}
