//! Credentials: a static access token, or an OAuth refresh-token provider
//! that renews the access token before it expires, one refresh at a time.

use std::time::Duration;

use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::config::RetryPolicy;
use super::retry::{Verdict, classify};
use super::secret::Secret;
use super::transport::{self, Answer};
use crate::error::Error;
use crate::wire::AccessTokenResponse;

/// The longest access-token lifetime taken from `expires_in`: a day
/// (HubSpot's tokens last 30 minutes), so any answer gives a renewal time.
const LONGEST_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// How requests are authorized.
#[derive(Debug)]
pub(crate) enum Auth {
    /// One access token for the client's lifetime.
    Static(Secret),
    /// Tokens from HubSpot's OAuth token endpoint.
    OAuth(Box<OAuthProvider>),
}

impl Auth {
    /// The bearer token to send now.
    pub(crate) async fn bearer(&self) -> Result<Secret, Error> {
        match self {
            Auth::Static(token) => Ok(token.clone()),
            Auth::OAuth(provider) => provider.access_token().await,
        }
    }

    /// Called after a 401 answered a request made with `used`; says
    /// whether a new token may fix it.
    pub(crate) async fn refused(&self, used: &Secret) -> bool {
        match self {
            Auth::Static(_) => false,
            Auth::OAuth(provider) => {
                provider.forget(used).await;
                true
            }
        }
    }
}

/// The OAuth credentials and what the provider needs to call the token endpoint.
#[derive(Debug)]
pub(crate) struct OAuthProvider {
    client_id: String,
    client_secret: Secret,
    endpoint: TokenEndpoint,
    state: Mutex<TokenState>,
}

/// Where and how the provider calls the token endpoint.
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    /// The token endpoint's URL.
    pub(crate) url: Url,
    /// The client's HTTP client.
    pub(crate) http: reqwest::Client,
    /// The client's retry policy.
    pub(crate) retry: RetryPolicy,
    /// The limit on one attempt.
    pub(crate) attempt_timeout: Duration,
    /// The bound on the answer's body.
    pub(crate) max_response_bytes: usize,
}

#[derive(Debug)]
struct TokenState {
    refresh_token: Secret,
    current: Option<AccessToken>,
}

#[derive(Debug)]
struct AccessToken {
    value: Secret,
    renew_at: Instant,
}

impl OAuthProvider {
    /// A provider that has no access token yet.
    pub(crate) fn new(
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        endpoint: TokenEndpoint,
    ) -> Self {
        OAuthProvider {
            client_id,
            client_secret,
            endpoint,
            state: Mutex::new(TokenState { refresh_token, current: None }),
        }
    }

    /// The current access token, renewed first when it is due. Callers that
    /// arrive during a renewal wait for it instead of starting their own.
    async fn access_token(&self) -> Result<Secret, Error> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.current
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let granted = self.refresh(&state.refresh_token).await?;
        let lifetime = token_lifetime(granted.expires_in);
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        let value = Secret::new(granted.access_token);
        if let Some(refresh_token) = granted.refresh_token {
            state.refresh_token = Secret::new(refresh_token);
        }
        state.current = Some(AccessToken { value: value.clone(), renew_at: Instant::now() + lifetime - margin });
        tracing::debug!(expires_in = granted.expires_in, "renewed the OAuth access token");
        Ok(value)
    }

    /// Drops `used` if it is still the current token, so the next caller renews.
    async fn forget(&self, used: &Secret) {
        let mut state = self.state.lock().await;
        if state.current.as_ref().is_some_and(|token| &token.value == used) {
            state.current = None;
        }
    }

    /// Calls the token endpoint, retrying transport failures, 429 and 5xx.
    async fn refresh(&self, refresh_token: &Secret) -> Result<AccessTokenResponse, Error> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let request = self.endpoint.http.post(self.endpoint.url.clone()).form(&[
                ("grant_type", "refresh_token"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose()),
                ("refresh_token", refresh_token.expose()),
            ]);
            let failure = match transport::attempt(
                request,
                self.endpoint.max_response_bytes,
                self.endpoint.attempt_timeout,
            )
            .await
            {
                Ok(answer) => match self.read(answer, refresh_token) {
                    Ok(granted) => return Ok(granted),
                    Err(Refusal::Final(reason)) => return Err(Error::TokenRefresh(reason)),
                    Err(Refusal::Passing(reason)) => reason,
                },
                Err(no_answer) => no_answer.reason,
            };
            if attempt >= self.endpoint.retry.max_attempts() || started.elapsed() >= self.endpoint.retry.max_elapsed() {
                return Err(Error::TokenRefresh(format!("{failure} (after {attempt} attempts)")));
            }
            tokio::time::sleep(self.endpoint.retry.backoff(attempt)).await;
            attempt += 1;
        }
    }

    fn read(&self, answer: Answer, refresh_token: &Secret) -> Result<AccessTokenResponse, Refusal> {
        let body = answer.body.map_err(|error| Refusal::Passing(error.to_string()))?;
        match classify(answer.status, &answer.headers, &body) {
            Verdict::Success => serde_json::from_slice(&body).map_err(|error| {
                Refusal::Final(format!("the token endpoint's answer is not an access token: {error}"))
            }),
            verdict => {
                let text = String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned();
                let text = text
                    .replace(self.client_secret.expose(), "<redacted>")
                    .replace(refresh_token.expose(), "<redacted>");
                let reason = format!("the token endpoint answered {}: {text}", answer.status.as_u16());
                let passing = matches!(verdict, Verdict::Retry { .. }) || answer.status.is_server_error();
                Err(if passing { Refusal::Passing(reason) } else { Refusal::Final(reason) })
            }
        }
    }
}

/// The lifetime `expires_in` seconds gives a token: none when negative, at
/// most [`LONGEST_TOKEN_LIFETIME`].
fn token_lifetime(expires_in: i64) -> Duration {
    Duration::from_secs(expires_in.max(0).unsigned_abs()).min(LONGEST_TOKEN_LIFETIME)
}

/// Why a token request did not give a token.
enum Refusal {
    /// Worth another attempt.
    Passing(String),
    /// Not worth another attempt.
    Final(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_are_clamped_to_a_day() {
        assert_eq!(token_lifetime(1_800), Duration::from_secs(1_800));
        assert_eq!(token_lifetime(-5), Duration::ZERO);
        assert_eq!(token_lifetime(i64::MAX), LONGEST_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(i64::MIN), Duration::ZERO);
    }
}
