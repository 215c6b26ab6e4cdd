//! Settings of a [`Client`](super::Client): retries, timeouts, the rate
//! limit, and which app-event paths it sends to. Each has a `Default`; the
//! structs have `with_*` setters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::rate_limit::RateLimit;

/// The longest wait between two attempts, whatever the policy or the
/// server's `Retry-After` says: a day.
pub(crate) const LONGEST_WAIT: Duration = Duration::from_secs(86_400);

/// The longest rate-limit window a client paces to: a day (HubSpot's
/// longest limit is daily).
pub(crate) const LONGEST_WINDOW: Duration = Duration::from_secs(86_400);

/// Inputs per app-event batch request unless set otherwise
/// ([`ClientBuilder::app_event_batch_size`](super::ClientBuilder::app_event_batch_size)):
/// 500, the maximum reported for `…/events/batch`. HubSpot's reference does
/// not confirm it; a smaller setting is always safe.
///
/// ```
/// assert_eq!(timeline_core::DEFAULT_APP_EVENT_BATCH_SIZE, 500);
/// ```
pub const DEFAULT_APP_EVENT_BATCH_SIZE: usize = 500;

/// Which paths app events are sent to. Both take the same bodies and give
/// the same answers; HubSpot says the `/v4/` paths go unsupported on
/// 2027-03-30 and points to the date-versioned ones.
///
/// ```
/// use timeline_core::AppEventsApi;
/// assert_eq!(AppEventsApi::default(), AppEventsApi::V2026_03);
/// assert_eq!(AppEventsApi::V4.version(), "v4");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AppEventsApi {
    /// `POST /integrators/timeline/2026-03/events` and `…/events/batch`.
    #[default]
    V2026_03,
    /// `POST /integrators/timeline/v4/events` and `…/events/batch`.
    V4,
}

impl AppEventsApi {
    /// The version segment of the paths: `"2026-03"` or `"v4"`.
    pub const fn version(self) -> &'static str {
        match self {
            AppEventsApi::V2026_03 => "2026-03",
            AppEventsApi::V4 => "v4",
        }
    }
}

/// Which of HubSpot's OAuth APIs the token calls use. HubSpot deprecates
/// v1 on 2027-02-16; its successor is date-versioned, with every parameter
/// in a form body.
///
/// | call | [`V2026_03`](Self::V2026_03) (default) | [`V1`](Self::V1) |
/// |---|---|---|
/// | tokens (code, refresh) | `POST /oauth/2026-03/token` | `POST /oauth/v1/token` |
/// | an install's account | the token answer's `hub_id` | `GET /oauth/v1/access-tokens/{token}` |
/// | [`App::introspect`](crate::App::introspect) | `POST /oauth/2026-03/token/introspect` | `GET /oauth/v1/access-tokens/{token}`, then `…/refresh-tokens/{token}` |
/// | [`App::uninstall`](crate::App::uninstall) | `POST /oauth/2026-03/token/revoke` | `DELETE /oauth/v1/refresh-tokens/{token}` |
///
/// ```
/// use timeline_core::OAuthApi;
/// assert_eq!(OAuthApi::default(), OAuthApi::V2026_03);
/// assert_eq!(OAuthApi::V1.version(), "v1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OAuthApi {
    /// `/oauth/2026-03/…`.
    #[default]
    V2026_03,
    /// `/oauth/v1/…`, for apps not moved yet.
    V1,
}

impl OAuthApi {
    /// The version segment of the paths: `"2026-03"` or `"v1"`.
    pub const fn version(self) -> &'static str {
        match self {
            OAuthApi::V2026_03 => "2026-03",
            OAuthApi::V1 => "v1",
        }
    }
}

impl std::str::FromStr for OAuthApi {
    type Err = String;

    /// `2026-03` or `v1`, as the CLI and services take them.
    ///
    /// ```
    /// use timeline_core::OAuthApi;
    /// assert_eq!("v1".parse::<OAuthApi>(), Ok(OAuthApi::V1));
    /// assert!("v3".parse::<OAuthApi>().unwrap_err().contains("2026-03"));
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "2026-03" => Ok(OAuthApi::V2026_03),
            "v1" => Ok(OAuthApi::V1),
            other => Err(format!("unknown OAuth API `{other}`: give `2026-03` (the default) or `v1`")),
        }
    }
}

/// How failed requests are retried.
///
/// The wait before retry `n` (1-based) is
/// `min(max_backoff, initial_backoff × 2^(n-1), one day)` scaled by a jitter
/// factor in `[0.5, 1.0]`, unless the server said how long to wait
/// (`Retry-After`), which wins. No retry starts once `max_elapsed` has passed
/// since the first attempt. Any duration is accepted, `Duration::MAX`
/// included (for `max_elapsed`: no limit).
///
/// ```
/// use std::time::Duration;
/// use timeline_core::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .with_max_attempts(4)
///     .with_initial_backoff(Duration::from_millis(5))
///     .with_jitter(|| 1.0);
/// assert_eq!(policy.max_attempts(), 4);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
            jitter: Arc::new(fastrand::f64),
        }
    }
}

impl RetryPolicy {
    /// A policy that tries each request once.
    ///
    /// ```
    /// assert_eq!(timeline_core::RetryPolicy::never().max_attempts(), 1);
    /// ```
    pub fn never() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// Attempts per request, the first included (default 6);
    /// [`ClientBuilder::build`](super::ClientBuilder::build) refuses 0.
    ///
    /// ```
    /// assert_eq!(timeline_core::RetryPolicy::default().with_max_attempts(3).max_attempts(), 3);
    /// ```
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The wait before the first retry (default 500 ms).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = timeline_core::RetryPolicy::default().with_initial_backoff(Duration::from_millis(100)).with_jitter(|| 1.0);
    /// assert_eq!(policy.backoff(1), Duration::from_millis(100));
    /// ```
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between two attempts (default 20 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = timeline_core::RetryPolicy::default().with_max_backoff(Duration::from_secs(1)).with_jitter(|| 1.0);
    /// assert_eq!(policy.backoff(10), Duration::from_secs(1));
    /// ```
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// How long after the first attempt retries may still start (default 120 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = timeline_core::RetryPolicy::default().with_max_elapsed(Duration::from_secs(30));
    /// assert_eq!(policy.max_elapsed(), Duration::from_secs(30));
    /// ```
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The source of jitter: a function returning a number in `[0, 1]`
    /// (random by default; values outside are clamped, NaN counts as 0).
    /// `|| 1.0` makes waits deterministic in tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = timeline_core::RetryPolicy::default().with_jitter(|| 0.0);
    /// assert_eq!(policy.backoff(1), Duration::from_millis(250));
    /// ```
    pub fn with_jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// Attempts per request, the first included.
    ///
    /// ```
    /// assert_eq!(timeline_core::RetryPolicy::default().max_attempts(), 6);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How long after the first attempt retries may still start.
    ///
    /// ```
    /// assert_eq!(timeline_core::RetryPolicy::default().max_elapsed(), std::time::Duration::from_secs(120));
    /// ```
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// Refuses a policy that would never send.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::config(
                "the retry policy's max_attempts is 0, which sends nothing; give at least 1 (RetryPolicy::never() is 1)",
            ));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (1 for the first retry), when
    /// the server gave no `Retry-After`: at most a day.
    ///
    /// ```
    /// use std::time::Duration;
    /// use timeline_core::RetryPolicy;
    /// let policy = RetryPolicy::default()
    ///     .with_initial_backoff(Duration::from_millis(100))
    ///     .with_max_backoff(Duration::from_millis(300))
    ///     .with_jitter(|| 1.0);
    /// assert_eq!(policy.backoff(1), Duration::from_millis(100));
    /// assert_eq!(policy.backoff(2), Duration::from_millis(200));
    /// assert_eq!(policy.backoff(3), Duration::from_millis(300));
    /// ```
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(30);
        let uncapped = self.initial_backoff.saturating_mul(1u32 << doublings);
        let capped = uncapped.min(self.max_backoff).min(LONGEST_WAIT);
        let jitter = (self.jitter)();
        let factor = if jitter.is_finite() { 0.5 + 0.5 * jitter.clamp(0.0, 1.0) } else { 0.5 };
        capped.mul_f64(factor)
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_elapsed", &self.max_elapsed)
            .finish_non_exhaustive()
    }
}

/// Time limits of requests. Each must be longer than zero, or
/// [`ClientBuilder::build`](super::ClientBuilder::build) refuses it.
///
/// ```
/// use std::time::Duration;
/// use timeline_core::Timeouts;
/// let timeouts = Timeouts::default().with_attempt(Duration::from_secs(5));
/// assert_eq!(timeouts.attempt(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    connect: Duration,
    attempt: Duration,
    overall: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(10), attempt: Duration::from_secs(30), overall: None }
    }
}

impl Timeouts {
    /// The limit on opening a connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timeouts = timeline_core::Timeouts::default().with_connect(Duration::from_secs(3));
    /// assert_eq!(timeouts.connect(), Duration::from_secs(3));
    /// ```
    pub fn with_connect(mut self, timeout: Duration) -> Self {
        self.connect = timeout;
        self
    }

    /// The limit on one attempt, from sending to the end of the response body (default 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timeouts = timeline_core::Timeouts::default().with_attempt(Duration::from_secs(5));
    /// assert_eq!(timeouts.attempt(), Duration::from_secs(5));
    /// ```
    pub fn with_attempt(mut self, timeout: Duration) -> Self {
        self.attempt = timeout;
        self
    }

    /// The limit on a whole call (`send`, `send_batch`, `send_all`, template
    /// calls), retries included (default none).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timeouts = timeline_core::Timeouts::default().with_overall(Duration::from_secs(60));
    /// assert_eq!(timeouts.overall(), Some(Duration::from_secs(60)));
    /// ```
    pub fn with_overall(mut self, timeout: Duration) -> Self {
        self.overall = Some(timeout);
        self
    }

    /// The limit on opening a connection.
    ///
    /// ```
    /// assert_eq!(timeline_core::Timeouts::default().connect(), std::time::Duration::from_secs(10));
    /// ```
    pub fn connect(&self) -> Duration {
        self.connect
    }

    /// The limit on one attempt.
    ///
    /// ```
    /// assert_eq!(timeline_core::Timeouts::default().attempt(), std::time::Duration::from_secs(30));
    /// ```
    pub fn attempt(&self) -> Duration {
        self.attempt
    }

    /// The limit on a whole call, if any.
    ///
    /// ```
    /// assert_eq!(timeline_core::Timeouts::default().overall(), None);
    /// ```
    pub fn overall(&self) -> Option<Duration> {
        self.overall
    }

    /// Refuses a limit of zero, which no request can meet.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let limits = [("connect", Some(self.connect)), ("attempt", Some(self.attempt)), ("overall", self.overall)];
        match limits.into_iter().find(|(_, limit)| *limit == Some(Duration::ZERO)) {
            Some((name, _)) => Err(Error::config(format!(
                "the {name} timeout is zero, which no request can meet; give a limit longer than zero"
            ))),
            None => Ok(()),
        }
    }
}

impl RateLimit {
    /// Refuses a limit that cannot pace requests.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.max_requests() == 0 {
            return Err(Error::config(
                "the rate limit's max_requests is 0, which lets nothing through; give at least 1",
            ));
        }
        if self.window().is_zero() {
            return Err(Error::config(
                "the rate limit's window is zero, which paces nothing; give a window longer than zero",
            ));
        }
        if self.window() > LONGEST_WINDOW {
            return Err(Error::config(format!(
                "the rate limit's window of {:?} is longer than a day, the longest HubSpot limit; give a window of at most a day",
                self.window()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(10))
            .with_max_backoff(Duration::from_millis(50))
            .with_jitter(|| 1.0);
        let waits: Vec<u128> = (1..=5).map(|retry| policy.backoff(retry).as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 50, 50]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(50));
    }

    #[test]
    fn jitter_scales_between_half_and_full() {
        let base = RetryPolicy::default().with_initial_backoff(Duration::from_millis(100));
        assert_eq!(base.clone().with_jitter(|| 0.0).backoff(1), Duration::from_millis(50));
        assert_eq!(base.clone().with_jitter(|| 0.5).backoff(1), Duration::from_millis(75));
        assert_eq!(base.clone().with_jitter(|| 7.0).backoff(1), Duration::from_millis(100));
        assert_eq!(base.with_jitter(|| f64::NAN).backoff(1), Duration::from_millis(50));
    }

    #[test]
    fn zero_attempts_and_zero_requests_per_window_are_stored_then_refused() {
        let no_attempts = RetryPolicy::default().with_max_attempts(0);
        assert_eq!(no_attempts.max_attempts(), 0);
        let error = no_attempts.check().unwrap_err();
        assert!(matches!(&error, Error::Config { message, .. } if message.contains("max_attempts")), "{error:?}");
        assert!(RetryPolicy::never().check().is_ok());
        let no_requests = RateLimit::new(0, Duration::from_secs(1));
        assert_eq!(no_requests.max_requests(), 0);
        let error = no_requests.check().unwrap_err();
        assert!(matches!(&error, Error::Config { message, .. } if message.contains("max_requests")), "{error:?}");
    }

    #[test]
    fn zero_timeouts_are_refused_by_name() {
        let zero = Duration::ZERO;
        for (timeouts, name) in [
            (Timeouts::default().with_connect(zero), "connect"),
            (Timeouts::default().with_attempt(zero), "attempt"),
            (Timeouts::default().with_overall(zero), "overall"),
        ] {
            let error = timeouts.check().unwrap_err();
            assert!(matches!(&error, Error::Config { message, .. } if message.contains(name)), "{error:?}");
        }
        assert!(Timeouts::default().with_overall(Duration::from_nanos(1)).check().is_ok());
    }

    #[test]
    fn the_longest_durations_make_waits_of_at_most_a_day() {
        let longest = RetryPolicy::default()
            .with_initial_backoff(Duration::MAX)
            .with_max_backoff(Duration::MAX)
            .with_max_elapsed(Duration::MAX)
            .with_jitter(|| 1.0);
        for retry in [1, 2, 31, u32::MAX] {
            assert_eq!(longest.backoff(retry), LONGEST_WAIT, "retry {retry}");
        }
        let doubling = RetryPolicy::default().with_max_backoff(Duration::MAX).with_jitter(|| 1.0);
        assert_eq!(doubling.backoff(u32::MAX), LONGEST_WAIT);
        assert_eq!(doubling.backoff(3), Duration::from_secs(2));
    }

    #[test]
    fn windows_of_zero_or_over_a_day_are_refused() {
        for window in [Duration::ZERO, LONGEST_WINDOW + Duration::from_nanos(1), Duration::MAX] {
            let error = RateLimit::new(10, window).check().unwrap_err();
            assert!(matches!(&error, Error::Config { message, .. } if message.contains("window")), "{error:?}");
        }
        assert!(RateLimit::new(u32::MAX, LONGEST_WINDOW).check().is_ok());
        assert!(RateLimit::new(1, Duration::from_nanos(1)).check().is_ok());
    }
}
