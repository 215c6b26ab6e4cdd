//! OAuth: `POST /oauth/v1/token` (the authorization-code and refresh-token
//! grants) and `GET /oauth/v1/access-tokens/{token}` (a token's metadata).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Form, Path, State as Shared, rejection::FormRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use timeline_core::wire::{AccessTokenResponse, RateLimitPolicy};

use super::for_portal;
use crate::accounts::{BadGrant, Grant, Resolved};
use crate::reply;
use crate::state::State;

/// The app id the access-token metadata reports when none was configured.
const UNSET_APP_ID: i32 = 1;

/// The shortest `Retry-After` of a throttled token request.
const SHORTEST_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Issues an access token (valid for the configured TTL) for the account of
/// the code or refresh token, after the throttle and the client's credentials.
///
/// A refusal's message echoes the credentials the request presented, as some
/// servers echo a bad request, so that tests can check a client keeps them
/// out of its errors.
pub(super) async fn token(
    Shared(state): Shared<Arc<State>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let form = form.map(|Form(form)| form);
    let field = |name: &str| {
        form.as_ref().ok().and_then(|form| form.get(name)).map(String::as_str).filter(|value| !value.is_empty())
    };
    let grant_type = field("grant_type").unwrap_or_default().to_owned();
    let portal = state.accounts().account_of(field("code"), field("refresh_token"));
    state.counters().add(portal, |stats| *stats.token_requests.entry(grant_type.clone()).or_default() += 1);
    if let Some(retry_after) = state.take_token_throttle() {
        let response =
            reply::rate_limited(RateLimitPolicy::TenSecondlyRolling, Some(retry_after.max(SHORTEST_RETRY_AFTER)));
        return for_portal(response, portal);
    }
    let Ok(form) = &form else {
        return oauth_error(
            "invalid_request",
            "BAD_REQUEST",
            "The body must be a form (application/x-www-form-urlencoded) with grant_type, client_id and client_secret.",
        );
    };
    let refuse = |error: &str, status: &str, problem: &str| {
        for_portal(oauth_error(error, status, &format!("{problem}{}", presented(form))), portal)
    };
    let Some((client_id, client_secret)) = &state.config.oauth_client else {
        return refuse("invalid_client", "BAD_CLIENT_ID", "No OAuth client is configured on this sandbox");
    };
    if field("client_id") != Some(client_id.as_str()) {
        return refuse("invalid_client", "BAD_CLIENT_ID", "missing or unknown client_id");
    }
    if field("client_secret") != Some(client_secret.as_str()) {
        let problem = format!("the client_secret does not match client id `{client_id}`");
        return refuse("invalid_client", "BAD_CLIENT_SECRET", &problem);
    }
    let granted = match grant_type.as_str() {
        "refresh_token" => match field("refresh_token") {
            Some(refresh_token) => {
                state.accounts().renew(refresh_token).map(|portal| (portal, Some(refresh_token.to_owned())))
            }
            None => return refuse("invalid_request", "BAD_REFRESH_TOKEN", "missing refresh_token"),
        },
        "authorization_code" => match field("code") {
            Some(code) => state.accounts().redeem_code(code).map(|portal| (portal, None)),
            None => return refuse("invalid_request", "BAD_AUTH_CODE", "missing code"),
        },
        _ => {
            let problem = "grant_type must be authorization_code or refresh_token";
            return refuse("unsupported_grant_type", "BAD_GRANT_TYPE", problem);
        }
    };
    let (portal, refresh_token) = match granted {
        Ok(granted) => granted,
        Err(bad) => {
            let (status, what) = match grant_type.as_str() {
                "refresh_token" => ("BAD_REFRESH_TOKEN", "refresh token"),
                _ => ("BAD_AUTH_CODE", "authorization code"),
            };
            let problem = match bad {
                BadGrant::Unknown => format!("unknown, expired or already used {what}"),
                BadGrant::Revoked(portal) => format!("the {what} belongs to a revoked install (account {portal})"),
            };
            return refuse("invalid_grant", status, &problem);
        }
    };

    let Grant { access_token, refresh_token, expires_in } =
        state.accounts().issue(portal, state.config.access_token_ttl, Instant::now(), refresh_token);
    state.counters().add(Some(portal), |stats| stats.tokens_issued += 1);
    let mut body = AccessTokenResponse::new(access_token, expires_in);
    body.refresh_token = Some(refresh_token);
    body.token_use = Some("access_token".to_owned());
    body.hub_id = i64::try_from(portal).ok();
    body.scopes = Some(vec!["timeline".to_owned()]);
    for_portal(Json(body).into_response(), Some(portal))
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
    user_id: u64,
}

/// `GET /oauth/v1/access-tokens/{token}`: the account, app, scopes and
/// remaining lifetime of a token the event routes would accept; 404 for
/// one they would refuse (unknown, expired or revoked).
///
/// A token that never expires (registered, or accepted without
/// registration) reports a whole `access_token_ttl` left.
pub(super) async fn access_token(Shared(state): Shared<Arc<State>>, Path(token): Path<String>) -> Response {
    let now = Instant::now();
    let resolved = state.accounts().resolve(&token, now);
    let portal = match &resolved {
        Resolved::Valid { portal, .. } | Resolved::Expired { portal, .. } | Resolved::Revoked { portal } => {
            Some(*portal)
        }
        Resolved::Unknown => None,
    };
    state.counters().add(portal, |stats| stats.access_token_lookups += 1);
    let Resolved::Valid { portal, expires, .. } = resolved else {
        let response = reply::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "This access token is unknown, expired or revoked; get a new one from the token endpoint.",
        );
        return for_portal(response, portal);
    };
    let left = expires.map_or(state.config.access_token_ttl, |expires| expires.duration_since(now));
    let info = AccessTokenInfo {
        token,
        hub_id: portal,
        app_id: state.config.app_id.unwrap_or(UNSET_APP_ID),
        scopes: vec!["timeline"],
        expires_in: left.as_secs(),
        token_type: "access",
        user: "sandbox@example.com",
        hub_domain: format!("portal-{portal}.example.com"),
        user_id: 1,
    };
    for_portal(Json(info).into_response(), Some(portal))
}

/// The credentials a token request presented, quoted for a refusal's
/// message: `client_secret`, `refresh_token` and `code`, those it carried.
fn presented(form: &HashMap<String, String>) -> String {
    let quoted: Vec<String> = ["client_secret", "refresh_token", "code"]
        .into_iter()
        .filter_map(|name| form.get(name).filter(|value| !value.is_empty()).map(|value| format!("{name} `{value}`")))
        .collect();
    if quoted.is_empty() { String::new() } else { format!(" (the request presented {})", quoted.join(", ")) }
}

/// The body of the token endpoint's 400: OAuth's `error` and
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

/// HubSpot's 400 answer of the token endpoint.
fn oauth_error(error: &str, status: &str, message: &str) -> Response {
    let body = OAuthError {
        error,
        error_description: message,
        status,
        message,
        category: status,
        correlation_id: reply::random_uuid(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
