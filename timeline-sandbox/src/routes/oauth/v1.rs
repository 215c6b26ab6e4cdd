//! OAuth v1: `POST /oauth/v1/token` (the authorization-code and
//! refresh-token grants), `GET /oauth/v1/access-tokens/{token}` and
//! `GET /oauth/v1/refresh-tokens/{token}` (a token's metadata), and
//! `DELETE /oauth/v1/refresh-tokens/{token}` (a revocation). HubSpot
//! retires this API on 2027-02-16 for [`v2026_03`](super::v2026_03).

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{
    Api, FormBody, OAuthRefusal, SANDBOX_USER, SANDBOX_USER_ID, SCOPE, TokenRefused, app_id, exchange, hub_domain,
    lifetime_left,
};
use crate::accounts::{RefreshToken, Resolved};
use crate::reply;
use crate::routes::for_account;
use crate::state::State;

/// `POST /oauth/v1/token`: the grants of [`exchange`]; a refusal is 400
/// with OAuth's `error` and HubSpot's v1 body.
pub(in crate::routes) async fn token(Shared(state): Shared<Arc<State>>, form: FormBody) -> Response {
    match exchange(&state, Api::V1, form) {
        Ok((account, body)) => for_account(Json(body).into_response(), Some(account)),
        Err(TokenRefused::Throttled(throttled)) => throttled.into_response(),
        Err(TokenRefused::OAuth(refusal)) => oauth_error(refusal),
    }
}

/// The body of `GET /oauth/v1/access-tokens/{token}`, as HubSpot's.
#[derive(Debug, Serialize)]
struct AccessTokenInfo {
    token: String,
    hub_id: u64,
    app_id: i32,
    scopes: Vec<&'static str>,
    expires_in: u64,
    token_type: &'static str,
    user: &'static str,
    hub_domain: String,
    user_id: i64,
}

/// `GET /oauth/v1/access-tokens/{token}`: the account, app, scopes and
/// remaining lifetime of a token the event routes would accept; 404 for
/// one they would refuse (unknown, expired or revoked).
///
/// A token that never expires (registered, or accepted without
/// registration) reports a whole `access_token_ttl` left.
pub(in crate::routes) async fn access_token(Shared(state): Shared<Arc<State>>, Path(token): Path<String>) -> Response {
    let now = Instant::now();
    let resolved = state.accounts().resolve(&token, now);
    let account = match &resolved {
        Resolved::Valid { account, .. } | Resolved::Expired { account, .. } | Resolved::Revoked { account } => {
            Some(*account)
        }
        Resolved::Unknown => None,
    };
    state.counters().add(account, |stats| stats.access_token_lookups += 1);
    let Resolved::Valid { account, expires, .. } = resolved else {
        let response = reply::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "This access token is unknown, expired or revoked; get a new one from the token endpoint.",
        );
        return for_account(response, account);
    };
    let info = AccessTokenInfo {
        token,
        hub_id: account,
        app_id: app_id(&state),
        scopes: vec![SCOPE],
        expires_in: lifetime_left(&state, expires, now).as_secs(),
        token_type: "access",
        user: SANDBOX_USER,
        hub_domain: hub_domain(account),
        user_id: SANDBOX_USER_ID,
    };
    for_account(Json(info).into_response(), Some(account))
}

/// The body of `GET /oauth/v1/refresh-tokens/{token}`, as HubSpot's.
#[derive(Debug, Serialize)]
struct RefreshTokenInfo {
    token: String,
    user: &'static str,
    hub_domain: String,
    scopes: Vec<&'static str>,
    hub_id: u64,
    client_id: String,
    user_id: i64,
    token_type: &'static str,
}

/// `GET /oauth/v1/refresh-tokens/{token}`: the account, scopes and client
/// of a refresh token that is not revoked; 404 for any other token.
/// Counted as an introspection.
pub(in crate::routes) async fn refresh_token(Shared(state): Shared<Arc<State>>, Path(token): Path<String>) -> Response {
    let known = state.accounts().refresh_token(&token);
    state.counters().add(known.as_ref().map(|known| known.account), |stats| stats.introspection_requests += 1);
    match known {
        Some(RefreshToken { account, revoked: None }) => {
            let info = RefreshTokenInfo {
                token,
                user: SANDBOX_USER,
                hub_domain: hub_domain(account),
                scopes: vec![SCOPE],
                hub_id: account,
                client_id: state.config.oauth_client.as_ref().map(|(id, _)| id.clone()).unwrap_or_default(),
                user_id: SANDBOX_USER_ID,
                token_type: "refresh",
            };
            for_account(Json(info).into_response(), Some(account))
        }
        known => for_account(unknown_refresh_token(), known.map(|known| known.account)),
    }
}

/// `DELETE /oauth/v1/refresh-tokens/{token}`: revokes the refresh token
/// (204, also when revoked already), as [`v2026_03::revoke`](super::v2026_03::revoke)
/// does; 404 for an access token or, once accounts are registered, a token
/// of none. Counted as a revocation.
pub(in crate::routes) async fn delete_refresh_token(
    Shared(state): Shared<Arc<State>>,
    Path(token): Path<String>,
) -> Response {
    let revoked = state.accounts().revoke_refresh_token(&token);
    let account = revoked.as_ref().ok().copied();
    state.counters().add(account, |stats| stats.revocation_requests += 1);
    match revoked {
        Ok(account) => for_account(StatusCode::NO_CONTENT.into_response(), Some(account)),
        Err(_) => unknown_refresh_token(),
    }
}

/// v1's 404 for a refresh token it does not hold.
fn unknown_refresh_token() -> Response {
    reply::error(StatusCode::NOT_FOUND, "NOT_FOUND", "This refresh token is unknown or revoked.")
}

/// The body of the v1 token endpoint's 400: OAuth's `error` and
/// `error_description`, and HubSpot's `status` naming the problem.
#[derive(Debug, Serialize)]
struct OAuthError<'a> {
    error: &'a str,
    error_description: &'a str,
    status: &'a str,
    message: &'a str,
    category: &'a str,
    #[serde(rename = "correlationId")]
    correlation_id: String,
}

/// HubSpot's 400 answer of the v1 token endpoint.
fn oauth_error(refusal: OAuthRefusal) -> Response {
    let body = OAuthError {
        error: refusal.error.as_str(),
        error_description: &refusal.message,
        status: refusal.problem,
        message: &refusal.message,
        category: refusal.problem,
        correlation_id: reply::random_uuid(),
    };
    for_account((StatusCode::BAD_REQUEST, Json(body)).into_response(), refusal.account)
}
