//! [`RateLimitHeaders`]: HubSpot's `X-HubSpot-RateLimit-*` answer headers,
//! read once per answer and handed to the rate budgets.

use reqwest::header::HeaderMap;

/// What an answer's `X-HubSpot-RateLimit-*` headers say, each `None` when
/// the header is absent or not a number. The client reads them once per
/// answer and hands them to the request's
/// [`RatePermit`](super::RatePermit), so a budget never parses headers.
///
/// ```
/// use reqwest::header::{HeaderMap, HeaderValue};
/// use timeline_core::RateLimitHeaders;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("X-HubSpot-RateLimit-Max", HeaderValue::from_static("110"));
/// headers.insert("X-HubSpot-RateLimit-Remaining", HeaderValue::from_static(" 42"));
/// let limits = RateLimitHeaders::from_headers(&headers);
/// assert_eq!((limits.max, limits.remaining, limits.secondly), (Some(110), Some(42), None));
/// assert!(!limits.daily_spent());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitHeaders {
    /// `X-HubSpot-RateLimit-Max`: the requests the rolling window allows.
    pub max: Option<u64>,
    /// `X-HubSpot-RateLimit-Remaining`: what is left of the window as the
    /// server counted when it answered.
    pub remaining: Option<u64>,
    /// `X-HubSpot-RateLimit-Interval-Milliseconds`: the window's length.
    pub interval_millis: Option<u64>,
    /// `X-HubSpot-RateLimit-Secondly`: the requests one second allows.
    pub secondly: Option<u64>,
    /// `X-HubSpot-RateLimit-Secondly-Remaining`: what is left of that second.
    pub secondly_remaining: Option<u64>,
    /// `X-HubSpot-RateLimit-Daily`: the requests a day allows (private-app
    /// tokens and developer keys).
    pub daily: Option<u64>,
    /// `X-HubSpot-RateLimit-Daily-Remaining`: what is left of the day.
    pub daily_remaining: Option<u64>,
}

impl RateLimitHeaders {
    /// Reads the headers of an answer.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse().ok();
        RateLimitHeaders {
            max: number("x-hubspot-ratelimit-max"),
            remaining: number("x-hubspot-ratelimit-remaining"),
            interval_millis: number("x-hubspot-ratelimit-interval-milliseconds"),
            secondly: number("x-hubspot-ratelimit-secondly"),
            secondly_remaining: number("x-hubspot-ratelimit-secondly-remaining"),
            daily: number("x-hubspot-ratelimit-daily"),
            daily_remaining: number("x-hubspot-ratelimit-daily-remaining"),
        }
    }

    /// Whether the answer says none of the daily limit remains
    /// (`X-HubSpot-RateLimit-Daily-Remaining: 0`).
    pub fn daily_spent(&self) -> bool {
        self.daily_remaining == Some(0)
    }
}
