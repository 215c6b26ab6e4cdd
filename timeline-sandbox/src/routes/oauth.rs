//! `POST /oauth/v1/token`: the authorization-code and refresh-token grants.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Form, State as Shared, rejection::FormRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use timeline_core::wire::{AccessTokenResponse, ApiError};

use crate::reply;
use crate::state::State;

/// Issues an access token (valid for the configured TTL) and a refresh token.
///
/// A refusal's message echoes the credentials the request presented, as some
/// servers echo a bad request, so that tests can check a client keeps them
/// out of its errors.
pub(super) async fn token(
    Shared(state): Shared<Arc<State>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            "BAD_REQUEST",
            "The body must be a form (application/x-www-form-urlencoded) with grant_type, client_id and client_secret.",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).filter(|value| !value.is_empty());
    let refuse = |status: &str, problem: &str| oauth_error(status, &format!("{problem}{}", presented(&form)));
    let Some((client_id, client_secret)) = &state.config.oauth_client else {
        return refuse("BAD_CLIENT_ID", "No OAuth client is configured on this sandbox");
    };
    if field("client_id") != Some(client_id.as_str()) {
        return refuse("BAD_CLIENT_ID", "missing or unknown client_id");
    }
    if field("client_secret") != Some(client_secret.as_str()) {
        return refuse("BAD_CLIENT_SECRET", &format!("the client_secret does not match client id `{client_id}`"));
    }
    let refresh_token = match field("grant_type") {
        Some("refresh_token") => match field("refresh_token") {
            Some(refresh_token) => refresh_token.to_owned(),
            None => return refuse("BAD_REFRESH_TOKEN", "missing or invalid refresh_token"),
        },
        Some("authorization_code") => match field("code") {
            Some(_) => format!("sbx-rt-{}", reply::random_uuid()),
            None => return refuse("BAD_AUTH_CODE", "missing or invalid code"),
        },
        _ => return refuse("BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token"),
    };

    let ttl = state.config.access_token_ttl;
    let access_token = format!("sbx-at-{}", reply::random_uuid());
    state.issued_tokens().insert(access_token.clone(), Instant::now() + ttl);
    state.stats().tokens_issued += 1;
    let mut body = AccessTokenResponse::new(access_token, i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    body.refresh_token = Some(refresh_token);
    body.token_use = Some("access_token".to_owned());
    body.scopes = Some(vec!["timeline".to_owned()]);
    Json(body).into_response()
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

/// HubSpot's 400 answer of the token endpoint, whose `status` names the problem.
fn oauth_error(status: &str, message: &str) -> Response {
    let mut body = ApiError::default();
    body.status = Some(status.to_owned());
    body.category = status.to_owned();
    body.correlation_id = reply::random_uuid();
    body.message = message.to_owned();
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
