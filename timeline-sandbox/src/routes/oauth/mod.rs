//! HubSpot's OAuth APIs: [`v1`] and its successor [`v2026_03`]. They share
//! the token grants, the client's check and what they tell of a token; each
//! writes its own answers.

pub(super) mod v1;
pub(super) mod v2026_03;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Form, rejection::FormRejection};
use timeline_core::wire::{AccessTokenResponse, RateLimitPolicy};

use super::for_account;
use crate::accounts::{BadGrant, Grant, Revocation};
use crate::reply::{self, Refusal};
use crate::state::State;

/// The app id token information reports when none was configured.
const UNSET_APP_ID: i32 = 1;

/// The email of the user every token was granted by.
const SANDBOX_USER: &str = "sandbox@example.com";

/// The id of the user every token was granted by.
const SANDBOX_USER_ID: i64 = 1;

/// The one scope every token is granted.
const SCOPE: &str = "timeline";

/// The shortest `Retry-After` of a throttled token request.
const SHORTEST_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The fields of an OAuth request's form body, or why the body is not a form.
type FormBody = Result<Form<HashMap<String, String>>, FormRejection>;

/// The OAuth API a token request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    /// `POST /oauth/v1/token`.
    V1,
    /// `POST /oauth/2026-03/token` (or `/oauth/v3/token`).
    V2026_03,
}

/// OAuth's error code of a refused request (RFC 6749 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorCode {
    /// A parameter is missing or the body is not a form.
    InvalidRequest,
    /// The client id or secret is missing or wrong.
    InvalidClient,
    /// The code or refresh token is unknown, used or revoked.
    InvalidGrant,
    /// The grant type is not one the sandbox serves.
    UnsupportedGrantType,
}

impl ErrorCode {
    /// The code as OAuth spells it.
    fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// An OAuth request refused with 400, before each API writes it its way.
#[derive(Debug)]
struct OAuthRefusal {
    /// OAuth's error code.
    error: ErrorCode,
    /// HubSpot's name of the problem, such as `BAD_CLIENT_SECRET` (v1 answers it as `status`).
    problem: &'static str,
    /// What went wrong, quoting the credentials the request presented.
    message: String,
    /// The account of the request's code or token, when known.
    account: Option<u64>,
}

impl OAuthRefusal {
    /// A refusal of the request with `form`, whose message says `problem`
    /// and quotes the credentials the form carried.
    fn new(
        error: ErrorCode,
        problem: &'static str,
        description: &str,
        form: &HashMap<String, String>,
        account: Option<u64>,
    ) -> Self {
        OAuthRefusal { error, problem, message: format!("{description}{}", presented(form)), account }
    }

    /// The refusal of a body that is not a form with these `fields`.
    fn not_a_form(fields: &str) -> Self {
        OAuthRefusal {
            error: ErrorCode::InvalidRequest,
            problem: "BAD_REQUEST",
            message: format!("The body must be a form (application/x-www-form-urlencoded) with {fields}."),
            account: None,
        }
    }
}

/// Why a token request gets no token.
#[derive(Debug)]
enum TokenRefused {
    /// The token throttle's 429, the same answer on both APIs.
    Throttled(Refusal),
    /// A 400, for the API to write.
    OAuth(OAuthRefusal),
}

impl From<OAuthRefusal> for TokenRefused {
    fn from(refusal: OAuthRefusal) -> Self {
        TokenRefused::OAuth(refusal)
    }
}

/// The token grants both APIs serve: counts the request, then checks the
/// token throttle, the client's credentials and the `authorization_code` or
/// `refresh_token` grant, and issues an access token (valid for the
/// configured TTL) for the account of the code or refresh token. The answer
/// holds the account, the tokens, `token_use` and the scopes.
///
/// A refusal's message echoes the credentials the request presented, as some
/// servers echo a bad request, so that tests can check a client keeps them
/// out of its errors.
fn exchange(state: &State, api: Api, form: FormBody) -> Result<(u64, AccessTokenResponse), TokenRefused> {
    let form = form.map(|Form(form)| form);
    let field = |name: &str| form.as_ref().ok().and_then(|form| non_empty(form, name));
    let grant_type = field("grant_type").unwrap_or_default().to_owned();
    let account = state.accounts().account_of(field("code"), field("refresh_token"));
    state.counters().add(account, |stats| {
        *stats.token_requests.entry(grant_type.clone()).or_default() += 1;
        if api == Api::V2026_03 {
            *stats.token_requests_2026_03.entry(grant_type.clone()).or_default() += 1;
        }
    });
    if let Some(retry_after) = state.take_token_throttle() {
        let response =
            reply::rate_limited(RateLimitPolicy::TenSecondlyRolling, Some(retry_after.max(SHORTEST_RETRY_AFTER)));
        return Err(TokenRefused::Throttled(for_account(response, account).into()));
    }
    let Ok(form) = &form else {
        return Err(OAuthRefusal::not_a_form("grant_type, client_id and client_secret").into());
    };
    check_client(state, form, account)?;
    let refuse = |error, problem, description: &str| OAuthRefusal::new(error, problem, description, form, account);
    let granted = match grant_type.as_str() {
        "refresh_token" => match field("refresh_token") {
            Some(refresh_token) => {
                state.accounts().renew(refresh_token).map(|account| (account, Some(refresh_token.to_owned())))
            }
            None => return Err(refuse(ErrorCode::InvalidRequest, "BAD_REFRESH_TOKEN", "missing refresh_token").into()),
        },
        "authorization_code" => match field("code") {
            Some(code) => state.accounts().redeem_code(code).map(|account| (account, None)),
            None => return Err(refuse(ErrorCode::InvalidRequest, "BAD_AUTH_CODE", "missing code").into()),
        },
        _ => {
            let description = "grant_type must be authorization_code or refresh_token";
            return Err(refuse(ErrorCode::UnsupportedGrantType, "BAD_GRANT_TYPE", description).into());
        }
    };
    let (account, refresh_token) = granted.map_err(|bad| {
        let (problem, what) = match grant_type.as_str() {
            "refresh_token" => ("BAD_REFRESH_TOKEN", "refresh token"),
            _ => ("BAD_AUTH_CODE", "authorization code"),
        };
        let description = match bad {
            BadGrant::Unknown => format!("unknown, expired or already used {what}"),
            BadGrant::Revoked(account, Revocation::Install) => {
                format!("the {what} belongs to a revoked install (account {account})")
            }
            BadGrant::Revoked(account, Revocation::Token) => format!("the {what} was revoked (account {account})"),
        };
        refuse(ErrorCode::InvalidGrant, problem, &description)
    })?;

    let Grant { access_token, refresh_token, expires_in } =
        state.accounts().issue(account, state.config.access_token_ttl, Instant::now(), refresh_token);
    state.counters().add(Some(account), |stats| stats.tokens_issued += 1);
    let mut body = AccessTokenResponse::new(access_token, expires_in);
    body.refresh_token = Some(refresh_token);
    body.token_use = Some("access_token".to_owned());
    body.hub_id = Some(hub_id(account));
    body.scopes = Some(vec![SCOPE.to_owned()]);
    Ok((account, body))
}

/// Checks the request's `client_id` and `client_secret` against the
/// configured OAuth client: `invalid_client` when either is missing or
/// wrong, or when no client is configured.
fn check_client(state: &State, form: &HashMap<String, String>, account: Option<u64>) -> Result<(), OAuthRefusal> {
    let refuse =
        |problem, description: &str| OAuthRefusal::new(ErrorCode::InvalidClient, problem, description, form, account);
    let Some((client_id, client_secret)) = &state.config.oauth_client else {
        return Err(refuse("BAD_CLIENT_ID", "No OAuth client is configured on this sandbox"));
    };
    if non_empty(form, "client_id") != Some(client_id.as_str()) {
        return Err(refuse("BAD_CLIENT_ID", "missing or unknown client_id"));
    }
    if non_empty(form, "client_secret") != Some(client_secret.as_str()) {
        return Err(refuse("BAD_CLIENT_SECRET", &format!("the client_secret does not match client id `{client_id}`")));
    }
    Ok(())
}

/// The field `name` of a form, when it is there and not empty.
fn non_empty<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(String::as_str).filter(|value| !value.is_empty())
}

/// The credentials a request presented, quoted for a refusal's message:
/// `client_secret`, `refresh_token`, `code` and `token`, those it carried.
fn presented(form: &HashMap<String, String>) -> String {
    let quoted: Vec<String> = ["client_secret", "refresh_token", "code", "token"]
        .into_iter()
        .filter_map(|name| non_empty(form, name).map(|value| format!("{name} `{value}`")))
        .collect();
    if quoted.is_empty() { String::new() } else { format!(" (the request presented {})", quoted.join(", ")) }
}

/// The app id token information reports: the configured one, or 1.
fn app_id(state: &State) -> i32 {
    state.config.app_id.unwrap_or(UNSET_APP_ID)
}

/// The account's domain, as token information reports it.
fn hub_domain(account: u64) -> String {
    format!("account-{account}.example.com")
}

/// The account id as HubSpot's bodies carry it.
fn hub_id(account: u64) -> i64 {
    i64::try_from(account).unwrap_or(i64::MAX)
}

/// What is left of a valid access token's life at `now`: a token that
/// never expires (registered, or accepted without registration) has a whole
/// `access_token_ttl` left.
fn lifetime_left(state: &State, expires: Option<Instant>, now: Instant) -> Duration {
    expires.map_or(state.config.access_token_ttl, |expires| expires.duration_since(now))
}
