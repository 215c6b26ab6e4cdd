//! One logical request: paced, authorized, retried with the same body bytes
//! until it gets a final answer or its retries run out.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use tokio::time::Instant;

use super::Inner;
use super::retry::{Verdict, classify};
use super::secret::Secret;
use super::transport::{self, Answer, NoAnswer};
use crate::error::Error;
use crate::wire;

/// How a request proves who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// `Authorization: Bearer` with the access token.
    Bearer,
    /// The developer key as the `hapikey` query parameter.
    DeveloperKey,
}

/// How a request ended.
#[derive(Debug)]
pub(crate) enum Exchange {
    /// A final answer: a success, or an error not worth retrying.
    Answered {
        /// The answer.
        answer: Answer,
        /// Attempts made.
        attempts: u32,
    },
    /// The daily rate limit.
    DailyLimit {
        /// HubSpot's message.
        message: String,
    },
    /// Every attempt failed with a passing condition.
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: LastFailure,
    },
}

/// The last failure of a request whose retries ran out.
#[derive(Debug)]
pub(crate) enum LastFailure {
    /// A retryable status.
    Status {
        /// The status.
        status: u16,
        /// Whether it was the burst rate limit.
        rate_limited: bool,
        /// HubSpot's message.
        message: String,
    },
    /// No answer.
    NoAnswer(NoAnswer),
}

impl Inner {
    /// Sends `body` to `url` until a final answer, under the client's pacing
    /// and retry policy.
    pub(crate) async fn exchange(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        credentials: Credentials,
    ) -> Result<Exchange, Error> {
        let started = Instant::now();
        let mut attempts = 0;
        let mut renewed_after_refusal = false;
        loop {
            attempts += 1;
            let (request, bearer) = self.request(method.clone(), url.clone(), body.clone(), credentials).await?;
            let permit = self.limiter.acquire().await;
            let sent_at = Instant::now();
            let result =
                transport::attempt(request, self.config.max_response_bytes, self.config.timeouts.attempt()).await;
            let (wait, last) = match result {
                Err(no_answer) => {
                    drop(permit);
                    tracing::debug!(attempt = attempts, reason = %no_answer.reason, "no answer");
                    (None, LastFailure::NoAnswer(no_answer))
                }
                Ok(answer) => {
                    self.limiter.observe(&answer.headers, sent_at);
                    drop(permit);
                    let empty = Vec::new();
                    let body_bytes = answer.body.as_ref().unwrap_or(&empty);
                    let status = answer.status.as_u16();
                    tracing::debug!(attempt = attempts, status, "answer");
                    match classify(answer.status, &answer.headers, body_bytes) {
                        Verdict::Success | Verdict::Fail => return Ok(Exchange::Answered { answer, attempts }),
                        Verdict::DailyLimit => {
                            return Ok(Exchange::DailyLimit { message: error_message(body_bytes) });
                        }
                        Verdict::Unauthorized => {
                            let renewable = match (&bearer, renewed_after_refusal) {
                                (Some(used), false) => self.auth_refused(used).await,
                                _ => false,
                            };
                            if !renewable {
                                return Err(Error::AuthenticationRefused {
                                    status,
                                    message: error_message(body_bytes),
                                });
                            }
                            renewed_after_refusal = true;
                            attempts -= 1;
                            continue;
                        }
                        Verdict::Retry { wait, rate_limited } => {
                            if rate_limited {
                                self.limiter.saturate();
                            }
                            let message = error_message(body_bytes);
                            (wait, LastFailure::Status { status, rate_limited, message })
                        }
                    }
                }
            };
            let wait = wait.unwrap_or_else(|| self.config.retry.backoff(attempts));
            let out_of_time = started.elapsed() + wait > self.config.retry.max_elapsed();
            if attempts >= self.config.retry.max_attempts() || out_of_time {
                return Ok(Exchange::Exhausted { attempts, last });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Builds one attempt; returns the bearer token it carries, if any.
    async fn request(
        &self,
        method: Method,
        mut url: Url,
        body: Option<Bytes>,
        credentials: Credentials,
    ) -> Result<(reqwest::RequestBuilder, Option<Secret>), Error> {
        let mut bearer = None;
        match credentials {
            Credentials::DeveloperKey => {
                let key = self.developer_key.as_ref().ok_or_else(|| no_credentials("a developer key"))?;
                url.query_pairs_mut().append_pair("hapikey", key.expose());
            }
            Credentials::Bearer => {
                let auth = self.auth.as_ref().ok_or_else(|| no_credentials("an access token or OAuth credentials"))?;
                bearer = Some(auth.bearer().await?);
            }
        }
        let mut request = self.http.request(method, url).header(USER_AGENT, &self.config.user_agent);
        if let Some(token) = &bearer {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| Error::Config("the access token holds characters HTTP headers cannot carry".into()))?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        Ok((request, bearer))
    }

    async fn auth_refused(&self, used: &Secret) -> bool {
        match &self.auth {
            Some(auth) => auth.refused(used).await,
            None => false,
        }
    }
}

fn no_credentials(what: &str) -> Error {
    Error::Config(format!("this call needs {what}, and the client was built without one"))
}

/// HubSpot's message from an error body (either shape), or a short excerpt.
pub(crate) fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<wire::Error>(body) {
        Ok(error) if !error.message.is_empty() => error.message,
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
            if text.trim().is_empty() { "(no message)".to_owned() } else { text.into_owned() }
        }
    }
}

/// How long to wait in total: the overall limit, when one is set.
pub(crate) async fn within<T>(
    limit: Option<Duration>,
    call: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, call).await.unwrap_or(Err(Error::Deadline(limit))),
        None => call.await,
    }
}
