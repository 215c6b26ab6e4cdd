//! One logical request: paced, authorized, retried with the same body bytes
//! until it gets a final answer or its retries run out.

use crate::AccountId;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use tokio::sync::SemaphorePermit;
use tokio::time::Instant;

use super::Inner;
use super::budget::RatePermit;
use super::rate_limit_headers::RateLimitHeaders;
use super::report::status_may_have_stored;
use super::retry::{Verdict, classify, retry_after};
use super::secret::Secret;
use super::transport::{self, Answer, NoAnswer};
use crate::error::Error;
use crate::wire;

/// The account a plain client's requests are paced as, in its own budget.
const PLAIN_CLIENT_ACCOUNT: AccountId = AccountId::new(0);

/// One logical request: the same method, URL and body bytes on every attempt.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The method.
    pub(crate) method: Method,
    /// The URL.
    pub(crate) url: Url,
    /// The body, if any.
    pub(crate) body: Option<Bytes>,
    /// How it proves who sends it.
    pub(crate) credentials: Credentials,
    /// Set when the first attempt goes out.
    pub(crate) sent: Option<Arc<SendMark>>,
}

/// A step to finish before a batch's first request goes out (a caller
/// recording that its inputs may land); its error stops the call unsent.
pub(crate) type BeforeSend = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Whether a request (or any request of the batch it was split from) went
/// out, and the step its first attempt waits for, once paced.
#[derive(Default)]
pub(crate) struct SendMark {
    sent: AtomicBool,
    before_first: Mutex<Option<BeforeSend>>,
}

impl std::fmt::Debug for SendMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendMark").field("sent", &self.is_sent()).finish_non_exhaustive()
    }
}

impl SendMark {
    /// A mark whose first attempt waits for `step`.
    pub(crate) fn before_first_send(step: BeforeSend) -> Self {
        SendMark { sent: AtomicBool::new(false), before_first: Mutex::new(Some(step)) }
    }

    /// Whether a request went out.
    pub(crate) fn is_sent(&self) -> bool {
        self.sent.load(Ordering::Acquire)
    }

    /// Runs the step before the first send (once), then marks the request
    /// sent.
    async fn open(&self) -> Result<(), Error> {
        let step = self.before_first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(step) = step {
            step.await.map_err(Error::BeforeSend)?;
        }
        self.sent.store(true, Ordering::Release);
        Ok(())
    }
}

/// How a request proves who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// `Authorization: Bearer` with the access token.
    Bearer,
    /// The developer key as the `hapikey` query parameter.
    DeveloperKey,
}

/// How a request ended, and whether any of its attempts may have stored it.
#[derive(Debug)]
pub(crate) struct Exchanged {
    /// The end.
    pub(crate) end: End,
    /// Attempts made.
    pub(crate) attempts: u32,
    /// Whether any attempt may have reached HubSpot and been acted on: no
    /// answer after the request went out, or a status that can follow the
    /// work (500, 502, 504). Sticky across attempts.
    pub(crate) may_have_landed: bool,
}

/// The end of a request.
#[derive(Debug)]
pub(crate) enum End {
    /// A final answer: a success, or an error not worth retrying.
    Answered(Answer),
    /// The daily rate limit, answered now or earlier in the call.
    DailyLimit {
        /// HubSpot's message.
        message: String,
    },
    /// Every attempt failed with a passing condition, or the request may
    /// have landed and must not be repeated.
    Exhausted(LastFailure),
    /// Something that stops the whole call (credentials refused, a failed refresh).
    Stopped(Error),
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

/// Whether a request is worth repeating after an attempt that may have landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Yes: it is idempotent (event ids make a resend harmless).
    Always,
    /// No: a second attempt could make a second thing (a template, a token).
    UntilItMayHaveLanded,
}

/// What the requests of one call share: the limit on each attempt, and the
/// daily limit (of a private app's token or a developer key), once HubSpot
/// said it is reached, so the rest of the call fails unsent instead of
/// spending a request each.
#[derive(Debug)]
pub(crate) struct CallState {
    daily_limit: OnceLock<String>,
    attempt_timeout: Duration,
    single_event: bool,
}

impl CallState {
    /// A call whose attempts each have `attempt_timeout`.
    pub(crate) fn new(attempt_timeout: Duration) -> Self {
        CallState { daily_limit: OnceLock::new(), attempt_timeout, single_event: false }
    }

    /// A call of one event, which goes to its kind's single-event endpoint
    /// when it has one.
    pub(crate) fn single_event(mut self, single: bool) -> Self {
        self.single_event = single;
        self
    }

    /// Whether the call sends one event to a single-event endpoint.
    pub(crate) fn is_single_event(&self) -> bool {
        self.single_event
    }

    /// HubSpot's message, if the daily limit was reached in this call.
    pub(crate) fn daily_limit(&self) -> Option<&str> {
        self.daily_limit.get().map(String::as_str)
    }

    fn trip_daily_limit(&self, message: &str) {
        let _ = self.daily_limit.set(message.to_owned());
    }
}

impl Inner {
    /// Sends `body` to `url` until a final answer, under the client's pacing
    /// and retry policy.
    pub(crate) async fn exchange(&self, request: Outgoing, repeat: Repeat, call: &CallState) -> Exchanged {
        let started = Instant::now();
        let mut attempts = 0;
        let mut may_have_landed = false;
        let mut renewed_after_refusal = false;
        let ended = |end, attempts, may_have_landed| Exchanged { end, attempts, may_have_landed };
        loop {
            if let Some(message) = call.daily_limit() {
                return ended(End::DailyLimit { message: message.to_owned() }, attempts, may_have_landed);
            }
            attempts += 1;
            let (built, bearer) = match self.request(&request).await {
                Ok(built) => built,
                Err(error) => return ended(End::Stopped(error), attempts - 1, may_have_landed),
            };
            let (mut permit, place) = match self.pace().await {
                Ok(paced) => paced,
                Err(error) => return ended(End::Stopped(error), attempts - 1, may_have_landed),
            };
            if let Some(message) = call.daily_limit() {
                return ended(End::DailyLimit { message: message.to_owned() }, attempts - 1, may_have_landed);
            }
            if let Some(sent) = &request.sent
                && let Err(error) = sent.open().await
            {
                drop((permit, place));
                return ended(End::Stopped(error), attempts - 1, may_have_landed);
            }
            let result = transport::attempt(built, self.shared.config.max_response_bytes, call.attempt_timeout).await;
            let (wait, last) = match result {
                Err(no_answer) => {
                    drop((permit, place));
                    tracing::debug!(attempt = attempts, reason = %no_answer.reason, "no answer");
                    may_have_landed |= no_answer.may_have_landed;
                    (None, LastFailure::NoAnswer(no_answer))
                }
                Ok(answer) => {
                    let limits = RateLimitHeaders::from_headers(&answer.headers);
                    permit.observe(&limits);
                    let daily_applies =
                        bearer.is_none() || self.auth.as_ref().is_some_and(|auth| auth.has_daily_limit());
                    if daily_applies && limits.daily_spent() {
                        call.trip_daily_limit("HubSpot's answer said none of the daily limit remains");
                    }
                    let empty = Vec::new();
                    let body_bytes = answer.body.as_ref().unwrap_or(&empty);
                    let status = answer.status.as_u16();
                    tracing::debug!(attempt = attempts, status, "answer");
                    may_have_landed |= status_may_have_stored(status);
                    let verdict = match classify(answer.status, &answer.headers, body_bytes) {
                        Verdict::DailyLimit if !daily_applies => {
                            Verdict::Retry { wait: retry_after(&answer.headers, SystemTime::now()), rate_limited: true }
                        }
                        verdict => verdict,
                    };
                    if let Verdict::Retry { wait, rate_limited: true } = verdict {
                        permit.saturate(wait);
                    }
                    drop((permit, place));
                    match verdict {
                        Verdict::Success | Verdict::Fail => {
                            return ended(End::Answered(answer), attempts, may_have_landed);
                        }
                        Verdict::DailyLimit => {
                            let message = error_message(body_bytes);
                            call.trip_daily_limit(&message);
                            return ended(End::DailyLimit { message }, attempts, may_have_landed);
                        }
                        Verdict::Unauthorized => {
                            let renewable = match (&bearer, renewed_after_refusal) {
                                (Some(used), false) => self.auth_refused(used).await,
                                _ => false,
                            };
                            if !renewable {
                                let error = Error::AuthenticationRefused { status, message: error_message(body_bytes) };
                                return ended(End::Stopped(error), attempts, may_have_landed);
                            }
                            renewed_after_refusal = true;
                            attempts -= 1;
                            continue;
                        }
                        Verdict::Retry { wait, rate_limited } => {
                            let message = error_message(body_bytes);
                            (wait, LastFailure::Status { status, rate_limited, message })
                        }
                    }
                }
            };
            let wait = wait.unwrap_or_else(|| self.shared.config.retry.backoff(attempts));
            let out_of_time = started.elapsed().saturating_add(wait) > self.shared.config.retry.max_elapsed();
            let must_not_repeat = may_have_landed && repeat == Repeat::UntilItMayHaveLanded;
            if attempts >= self.shared.config.retry.max_attempts() || out_of_time || must_not_repeat {
                return ended(End::Exhausted(last), attempts, may_have_landed);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for the account's rate permit and a place among the requests
    /// in flight. A plain client takes the place first, so that no request
    /// waits for one after it was paced; an account client of an app takes
    /// the permit first, so that an account waiting for its budget holds no
    /// place the other accounts could use. A budget's refusal is
    /// [`Error::RateBudget`].
    async fn pace(&self) -> Result<(Box<dyn RatePermit + '_>, Option<SemaphorePermit<'_>>), Error> {
        let place = || async {
            match &self.in_flight_total {
                Some(bound) => Some(bound.acquire().await.expect("the client never closes its bound on requests")),
                None => None,
            }
        };
        match self.account {
            Some(account) => {
                let permit = self.budget.acquire(account).await.map_err(Error::rate_budget)?;
                Ok((permit, place().await))
            }
            None => {
                let place = place().await;
                Ok((self.budget.acquire(PLAIN_CLIENT_ACCOUNT).await.map_err(Error::rate_budget)?, place))
            }
        }
    }

    /// Builds one attempt; returns the bearer token it carries, if any.
    async fn request(&self, outgoing: &Outgoing) -> Result<(reqwest::RequestBuilder, Option<Secret>), Error> {
        let mut bearer = None;
        let mut url = outgoing.url.clone();
        match outgoing.credentials {
            Credentials::DeveloperKey => {
                let key = self.shared.developer_key.as_ref().ok_or_else(|| no_credentials("a developer key"))?;
                url.query_pairs_mut().append_pair("hapikey", key.expose());
            }
            Credentials::Bearer => {
                let auth = self.auth.as_ref().ok_or_else(|| no_credentials("an access token or OAuth credentials"))?;
                bearer = Some(auth.bearer().await?);
            }
        }
        let mut request =
            self.shared.http.request(outgoing.method.clone(), url).header(USER_AGENT, &self.shared.config.user_agent);
        if let Some(token) = &bearer {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|error| {
                Error::config_from("the access token holds characters HTTP headers cannot carry", error)
            })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = &outgoing.body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
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
    Error::config(format!("this call needs {what}, and the client was built without one"))
}

/// HubSpot's message from an error body (either shape), or a short excerpt.
pub(crate) fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<wire::ApiError>(body) {
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
