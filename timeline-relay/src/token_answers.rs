//! Token answers that pass through the relay: a `200` from HubSpot's token
//! endpoint (`POST /oauth/v1/token`, `/oauth/2026-03/token` and the other
//! versions) with an access and a refresh token is saved in the token
//! store for its account ([`App::save_granted`](timeline_core::App::save_granted)),
//! and its access token names that account from then on, when the call
//! was made for the relay's own app (its `client_id`); an account the
//! dispatcher paused for a revoked install is resumed, since it installed
//! again.

use axum::http::Method;
use timeline_core::AccountId;
use timeline_core::wire::AccessTokenResponse;
use timeline_dispatch::INSTALL_REVOKED;

use crate::state::RelayState;

/// Whether a request is a call of a token endpoint: `POST /oauth/{version}/token`.
pub(crate) fn is_token_call(method: &Method, path: &str) -> bool {
    let Some(version) = path.strip_prefix("/oauth/").and_then(|rest| rest.strip_suffix("/token")) else {
        return false;
    };
    method == Method::POST && !version.is_empty() && !version.contains('/')
}

/// Whether the token call whose form is `request_body` asks for the
/// relay's own app (its `client_id`): the tokens of another app are not
/// the relay's to keep, and its client secret could not renew them.
pub(crate) fn for_app(relay: &RelayState, request_body: &[u8]) -> bool {
    form_urlencoded::parse(request_body)
        .find(|(name, _)| name == "client_id")
        .is_some_and(|(_, client_id)| client_id == relay.app.client_id())
}

/// Saves the tokens of a token endpoint's `200` answer `body`, if it
/// grants a refresh token (a client-credentials grant renews nothing), and
/// learns the account of its access token. A failure is logged: the
/// caller gets HubSpot's answer all the same.
pub(crate) async fn keep(relay: &RelayState, body: &[u8]) {
    let Ok(granted) = serde_json::from_slice::<AccessTokenResponse>(body) else {
        tracing::warn!("a token answer that passed could not be read; its tokens are not saved");
        return;
    };
    if granted.refresh_token.as_deref().is_none_or(str::is_empty) {
        return;
    }
    let access_token = granted.access_token.clone();
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(granted.expires_in.max(0));
    match relay.app.save_granted(granted).await {
        Ok(installed) => {
            tracing::info!(account = installed.account.get(), "saved the tokens of a token answer that passed");
            relay.token_accounts.learn(access_token, installed.account, expires_at);
            resume_if_revoked(relay, installed.account).await;
        }
        Err(error) => tracing::warn!(%error, "the tokens of a token answer that passed could not be saved"),
    }
}

/// Resumes `account` when the dispatcher paused it for a revoked install
/// ([`INSTALL_REVOKED`]): a token answer for it shows it installed again.
/// A pause of an operator's stays. A failure is logged.
async fn resume_if_revoked(relay: &RelayState, account: AccountId) {
    let outbox = relay.dispatcher.outbox();
    let revoked = match outbox.paused().await {
        Ok(paused) => paused.iter().any(|(paused, pause)| *paused == account && pause.reason == INSTALL_REVOKED),
        Err(error) => {
            tracing::warn!(account = account.get(), %error, "could not read the outbox's pauses after a new install");
            return;
        }
    };
    if !revoked {
        return;
    }
    match outbox.resume(account).await {
        Ok(_) => {
            tracing::info!(
                account = account.get(),
                "resumed an account paused for a revoked install: it installed again"
            );
            relay.dispatcher.wake();
        }
        Err(error) => tracing::warn!(account = account.get(), %error, "could not resume an account installed again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_calls_are_posts_to_a_token_endpoint_of_any_version() {
        for path in ["/oauth/v1/token", "/oauth/2026-03/token", "/oauth/v3/token", "/oauth/2026-09/token"] {
            assert!(is_token_call(&Method::POST, path), "{path}");
        }
        assert!(!is_token_call(&Method::GET, "/oauth/v1/token"));
        for path in ["/oauth/2026-03/token/introspect", "/oauth/v1/access-tokens/at", "/oauth//token", "/oauth/token"] {
            assert!(!is_token_call(&Method::POST, path), "{path}");
        }
    }
}
