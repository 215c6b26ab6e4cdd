//! OAuth 2026-03 (also spelt `/oauth/v3/`): `POST …/token`,
//! `POST …/token/introspect` and `POST …/token/revoke`, every parameter in a
//! form body. A refusal is HubSpot's `Error` body with OAuth's error code as
//! its `subCategory`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use timeline_core::wire::{
    PublicAccessTokenInfoResponse, PublicRefreshTokenInfoResponse, SignedAccessToken, TokenInfoResponse,
};

use super::{
    Api, ErrorCode, FormBody, OAuthRefusal, SANDBOX_USER, SANDBOX_USER_ID, SCOPE, TokenRefused, app_id, check_client,
    exchange, hub_domain, hub_id, lifetime_left, non_empty,
};
use crate::accounts::{RefreshToken, Resolved, Unrevocable};
use crate::reply;
use crate::routes::for_account;
use crate::state::State;

/// The two spellings of the API's path prefix, which answer the same.
pub(in crate::routes) const PREFIXES: [&str; 2] = ["/oauth/2026-03", "/oauth/v3"];

/// The data-centre region every token reports.
const HUBLET: &str = "na1";

/// `POST …/token`: the grants of [`exchange`](super::exchange), answered
/// with `user_id` too; a refusal is 400 with HubSpot's `Error` body.
pub(in crate::routes) async fn token(Shared(state): Shared<Arc<State>>, form: FormBody) -> Response {
    match exchange(&state, Api::V2026_03, form) {
        Ok((account, mut body)) => {
            body.user_id = Some(SANDBOX_USER_ID);
            for_account(Json(body).into_response(), Some(account))
        }
        Err(TokenRefused::Throttled(throttled)) => throttled.into_response(),
        Err(TokenRefused::OAuth(refusal)) => refused(refusal),
    }
}

/// `POST …/token/introspect`: what the sandbox knows of `token`, a refresh
/// token (looked up first) or an access token, for the configured client.
///
/// 200 `TokenInfoResponse`: a refresh token is active until revoked; a
/// valid access token is active with its seconds left (a whole
/// `access_token_ttl` for one that never expires), an expired or revoked
/// one inactive with `expires_in` 0. 400 `invalid_client` or
/// `invalid_request` (no `token`); 404 `OBJECT_NOT_FOUND` for a token of no
/// account, which only happens once accounts are registered or tokens
/// listed. `token_type_hint` is not needed: the sandbox knows each token.
pub(in crate::routes) async fn introspect(Shared(state): Shared<Arc<State>>, form: FormBody) -> Response {
    let now = Instant::now();
    let (form, account) = read_form(&state, form, now);
    state.counters().add(account, |stats| stats.introspection_requests += 1);
    let (_, token) = match checked_token(&state, &form, account) {
        Ok(checked) => checked,
        Err(refusal) => return refused(refusal),
    };
    match token_info(&state, token, now) {
        Some((account, info)) => for_account(Json(info).into_response(), Some(account)),
        None => reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            "This token is neither an access token nor a refresh token of this app's installs.",
        ),
    }
}

/// `POST …/token/revoke`: revokes the refresh `token` and answers 204 (again
/// for one revoked already). From then on it is `invalid_grant` at both
/// token endpoints and inactive at introspection; the access tokens issued
/// with it stay valid until they expire.
///
/// 400 `invalid_client`, `invalid_request` (no `token`, or an access token:
/// only refresh tokens are revoked) or `invalid_grant` (a token of no
/// account once accounts are registered; without registration any token is
/// taken for a refresh token of the default account). `token_type_hint` is
/// not needed.
pub(in crate::routes) async fn revoke(Shared(state): Shared<Arc<State>>, form: FormBody) -> Response {
    let (form, account) = read_form(&state, form, Instant::now());
    state.counters().add(account, |stats| stats.revocation_requests += 1);
    let (form, token) = match checked_token(&state, &form, account) {
        Ok(checked) => checked,
        Err(refusal) => return refused(refusal),
    };
    let revoked = state.accounts().revoke_refresh_token(token);
    let refusal = match revoked {
        Ok(account) => return for_account(StatusCode::NO_CONTENT.into_response(), Some(account)),
        Err(Unrevocable::AccessToken) => OAuthRefusal::new(
            ErrorCode::InvalidRequest,
            "BAD_TOKEN_TYPE",
            "only refresh tokens are revoked, and this is an access token",
            form,
            account,
        ),
        Err(Unrevocable::Unknown) => {
            OAuthRefusal::new(ErrorCode::InvalidGrant, "BAD_REFRESH_TOKEN", "unknown refresh token", form, account)
        }
    };
    refused(refusal)
}

/// The form of an introspection or revocation, and the account of its
/// `token` when known.
fn read_form(
    state: &State,
    form: FormBody,
    now: Instant,
) -> (Result<HashMap<String, String>, FormRejection>, Option<u64>) {
    let form = form.map(|Form(form)| form);
    let token = form.as_ref().ok().and_then(|form| non_empty(form, "token"));
    let account = token.and_then(|token| state.accounts().owner_of(token, now));
    (form, account)
}

/// The form and its `token`, once the body is a form, the client's
/// credentials are right and a token is there.
fn checked_token<'a>(
    state: &State,
    form: &'a Result<HashMap<String, String>, FormRejection>,
    account: Option<u64>,
) -> Result<(&'a HashMap<String, String>, &'a str), OAuthRefusal> {
    let Ok(form) = form else {
        return Err(OAuthRefusal::not_a_form("client_id, client_secret and token"));
    };
    check_client(state, form, account)?;
    let token = non_empty(form, "token")
        .ok_or_else(|| OAuthRefusal::new(ErrorCode::InvalidRequest, "BAD_TOKEN", "missing token", form, account))?;
    Ok((form, token))
}

/// What introspection tells of `token` at `now`, and its account; `None`
/// for a token of no account.
fn token_info(state: &State, token: &str, now: Instant) -> Option<(u64, TokenInfoResponse)> {
    let accounts = state.accounts();
    if let Some(RefreshToken { account, revoked }) = accounts.refresh_token(token) {
        let mut info = PublicRefreshTokenInfoResponse::new(token, hub_id(account));
        info.active = revoked.is_none();
        info.app_id = i64::from(app_id(state));
        info.client_id = client_id(state);
        info.hub_domain = Some(hub_domain(account));
        info.scopes = vec![SCOPE.to_owned()];
        info.user = Some(SANDBOX_USER.to_owned());
        info.user_id = SANDBOX_USER_ID;
        return Some((account, TokenInfoResponse::Refresh(info)));
    }
    let wall_clock = chrono::Utc::now();
    let (account, left, expires_at) = match accounts.resolve(token, now) {
        Resolved::Valid { account, expires, .. } => {
            let left = lifetime_left(state, expires, now);
            (account, Some(left), wall_clock + left)
        }
        Resolved::Expired { account, ago } => (account, None, wall_clock - ago),
        Resolved::Revoked { account } => (account, None, wall_clock),
        Resolved::Unknown => return None,
    };
    let expires_in = left.map_or(0, |left| i64::try_from(left.as_secs()).unwrap_or(i64::MAX));
    let mut info = PublicAccessTokenInfoResponse::new(token, hub_id(account), expires_in);
    info.active = left.is_some();
    info.app_id = i64::from(app_id(state));
    info.client_id = client_id(state);
    info.hub_domain = Some(hub_domain(account));
    info.scopes = vec![SCOPE.to_owned()];
    info.signed_access_token = Some(signed_access_token(state, account, expires_at.timestamp_millis()));
    info.user = Some(SANDBOX_USER.to_owned());
    info.user_id = SANDBOX_USER_ID;
    Some((account, TokenInfoResponse::Access(info)))
}

/// Plausible signed claims of an access token of the account, expiring at
/// `expires_at` (milliseconds since the epoch); the signatures are random.
fn signed_access_token(state: &State, account: u64, expires_at: i64) -> SignedAccessToken {
    let app_id = i64::from(app_id(state));
    let mut claims = SignedAccessToken::default();
    claims.app_id = app_id;
    claims.app_install_id = format!("{app_id}-{account}");
    claims.audience = client_id(state);
    claims.expires_at = expires_at;
    claims.hub_id = hub_id(account);
    claims.hublet = HUBLET.to_owned();
    claims.installing_user_id = SANDBOX_USER_ID;
    claims.new_signature = format!("sbx-sig2-{}", reply::random_uuid());
    claims.scope_to_scope_group_pks = format!("{SCOPE}:1");
    claims.scopes = SCOPE.to_owned();
    claims.signature = format!("sbx-sig-{}", reply::random_uuid());
    claims.user_id = SANDBOX_USER_ID;
    claims
}

/// The configured client id (introspection is only answered once the
/// request presented it).
fn client_id(state: &State) -> String {
    state.config.oauth_client.as_ref().map(|(client_id, _)| client_id.clone()).unwrap_or_default()
}

/// HubSpot's 400 `Error` answer of a refusal: `subCategory` is OAuth's
/// error code; `category` is `INVALID_AUTHENTICATION` for `invalid_client`,
/// `VALIDATION_ERROR` otherwise.
fn refused(refusal: OAuthRefusal) -> Response {
    let category = match refusal.error {
        ErrorCode::InvalidClient => "INVALID_AUTHENTICATION",
        ErrorCode::InvalidRequest | ErrorCode::InvalidGrant | ErrorCode::UnsupportedGrantType => "VALIDATION_ERROR",
    };
    let response =
        reply::error_with_sub_category(StatusCode::BAD_REQUEST, category, refusal.error.as_str(), refusal.message);
    for_account(response, refusal.account)
}
