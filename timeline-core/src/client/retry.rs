//! Which answers are worth another attempt, and how long to wait first.
//! Pure functions of the status, headers and body.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::config::LONGEST_WAIT;
use crate::wire::{RateLimitError, RateLimitPolicy};

/// The shortest wait after a 423: HubSpot's bulk-sync lock lasts 2 s.
const LOCKED_WAIT: Duration = Duration::from_secs(2);

/// What to do with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A 2xx: read the body.
    Success,
    /// A passing condition: try again after `wait`, or the policy's backoff.
    Retry {
        /// The server's `Retry-After`, if it sent one.
        wait: Option<Duration>,
        /// Whether the cause is the burst rate limit.
        rate_limited: bool,
    },
    /// 401: the access token was refused.
    Unauthorized,
    /// The daily rate limit: retrying before it resets is pointless.
    DailyLimit,
    /// Any other answer: final.
    Fail,
}

/// Classifies an answer by status, `Retry-After` and (for 429) the body. A
/// 423 waits at least 2 s, the length of HubSpot's bulk-sync lock.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Verdict {
    if status.is_success() {
        return Verdict::Success;
    }
    let wait = retry_after(headers, SystemTime::now());
    match status.as_u16() {
        401 => Verdict::Unauthorized,
        429 => match rate_limit_policy(body) {
            Some(RateLimitPolicy::Daily) => Verdict::DailyLimit,
            _ => Verdict::Retry { wait, rate_limited: true },
        },
        423 => {
            Verdict::Retry { wait: Some(wait.map_or(LOCKED_WAIT, |wait| wait.max(LOCKED_WAIT))), rate_limited: false }
        }
        477 | 502 | 503 | 504 | 521 => Verdict::Retry { wait, rate_limited: false },
        _ => Verdict::Fail,
    }
}

/// The policy a 429 body names, if it parses.
pub(crate) fn rate_limit_policy(body: &[u8]) -> Option<RateLimitPolicy> {
    serde_json::from_slice::<RateLimitError>(body).ok().and_then(|error| error.policy_name)
}

/// `Retry-After` as a wait from `now`: seconds (integer or decimal), or an
/// HTTP date (a date already past means no wait). At most a day.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::from_secs_f64(seconds.min(LONGEST_WAIT.as_secs_f64()))
        }
        Ok(_) => return None,
        Err(_) => httpdate::parse_http_date(text).ok()?.duration_since(now).unwrap_or(Duration::ZERO),
    };
    Some(wait.min(LONGEST_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn success_statuses() {
        for code in [200, 201, 204, 207] {
            assert_eq!(classify(status(code), &HeaderMap::new(), b""), Verdict::Success);
        }
    }

    #[test]
    fn retryable_statuses() {
        for code in [477, 502, 503, 504, 521] {
            assert_eq!(
                classify(status(code), &HeaderMap::new(), b""),
                Verdict::Retry { wait: None, rate_limited: false },
                "{code}"
            );
        }
    }

    #[test]
    fn a_lock_waits_at_least_two_seconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            classify(status(423), &headers, b""),
            Verdict::Retry { wait: Some(LOCKED_WAIT), rate_limited: false }
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        assert_eq!(
            classify(status(423), &headers, b""),
            Verdict::Retry { wait: Some(LOCKED_WAIT), rate_limited: false }
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(
            classify(status(423), &headers, b""),
            Verdict::Retry { wait: Some(Duration::from_secs(5)), rate_limited: false }
        );
    }

    #[test]
    fn final_statuses() {
        for code in [400, 403, 404, 409, 413, 500, 522, 523] {
            assert_eq!(classify(status(code), &HeaderMap::new(), b""), Verdict::Fail, "{code}");
        }
        assert_eq!(classify(status(401), &HeaderMap::new(), b""), Verdict::Unauthorized);
    }

    #[test]
    fn burst_limit_is_retried_and_daily_is_not() {
        let burst = br#"{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
        let daily = br#"{"status":"error","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
        assert_eq!(classify(status(429), &HeaderMap::new(), burst), Verdict::Retry { wait: None, rate_limited: true });
        assert_eq!(classify(status(429), &HeaderMap::new(), daily), Verdict::DailyLimit);
        assert_eq!(
            classify(status(429), &HeaderMap::new(), b"not json"),
            Verdict::Retry { wait: None, rate_limited: true }
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(
            classify(status(503), &headers, b""),
            Verdict::Retry { wait: Some(Duration::from_secs(2)), rate_limited: false }
        );
        let now = SystemTime::now();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.25"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_millis(250)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&headers, now), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn retry_after_as_an_http_date_is_the_time_until_then() {
        let mut headers = HeaderMap::new();
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        for (date, wait) in [
            ("Wed, 21 Oct 2015 07:28:03 GMT", Duration::from_secs(3)),
            ("Wednesday, 21-Oct-15 07:29:00 GMT", Duration::from_secs(60)),
            ("Wed Oct 21 07:28:00 2015", Duration::ZERO),
            ("Tue, 20 Oct 2015 07:28:00 GMT", Duration::ZERO),
            ("Wed, 18 Nov 2015 07:28:00 GMT", LONGEST_WAIT),
        ] {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(date));
            assert_eq!(retry_after(&headers, now), Some(wait), "{date}");
        }
    }
}
