//! HubSpot's rolling request limit per account, and the optional daily cap.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use timeline_core::wire::RateLimitPolicy;
use timeline_core::{RateLimit, RollingWindow};

/// The rate-limit headers of an admitted or refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitHeaders {
    /// `(max, remaining, window)` of the rolling limit, when on.
    pub(crate) rolling: Option<(u32, u32, Duration)>,
    /// `(max, remaining)` of the daily cap, when on.
    pub(crate) daily: Option<(u64, u64)>,
}

/// The limiter's verdict on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Go ahead; answer with these headers.
    Admitted(LimitHeaders),
    /// Refuse with 429 for this policy.
    Refused(RateLimitPolicy, LimitHeaders),
}

/// The requests counted recently and today in each window `K` (an account,
/// or a credential of its own).
#[derive(Debug)]
pub(crate) struct RateLimiter<K> {
    rolling: Option<RateLimit>,
    daily_max: Option<u64>,
    recent: HashMap<K, RollingWindow>,
    today: HashMap<K, (NaiveDate, u64)>,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    /// A limiter with no requests counted yet.
    pub(crate) fn new(rolling: Option<RateLimit>, daily_max: Option<u64>) -> Self {
        RateLimiter { rolling, daily_max, recent: HashMap::new(), today: HashMap::new() }
    }

    /// Counts a request in window `key` made at `now`, unless a limit refuses
    /// it (refused requests do not count). The daily cap counts and answers
    /// only requests it applies to (`daily`): HubSpot holds OAuth tokens to
    /// none, and sends them no `-Daily` headers.
    pub(crate) fn admit(&mut self, key: K, now: Instant, daily: bool) -> Admission {
        let daily_max = self.daily_max.filter(|_| daily);
        let date = Utc::now().date_naive();
        let used_today = match self.today.get(&key) {
            Some((day, count)) if *day == date => *count,
            _ => 0,
        };
        let rolling = self.rolling.map(|limit| (limit.max_requests(), limit.window()));
        let recent = rolling.map(|(_, window)| {
            let recent = self.recent.entry(key.clone()).or_insert_with(|| RollingWindow::new(window));
            recent.forget_left(now);
            recent
        });
        let in_window = recent.as_ref().map_or(0, |recent| u32::try_from(recent.count_at(now)).unwrap_or(u32::MAX));

        if let Some(daily_max) = daily_max
            && used_today >= daily_max
        {
            let headers = LimitHeaders {
                rolling: rolling.map(|(max, window)| (max, max.saturating_sub(in_window), window)),
                daily: Some((daily_max, 0)),
            };
            return Admission::Refused(RateLimitPolicy::Daily, headers);
        }
        if let Some((max, window)) = rolling
            && in_window >= max
        {
            let headers = LimitHeaders {
                rolling: Some((max, 0, window)),
                daily: daily_max.map(|daily_max| (daily_max, daily_max.saturating_sub(used_today))),
            };
            return Admission::Refused(RateLimitPolicy::TenSecondlyRolling, headers);
        }

        if let Some(recent) = recent {
            recent.record(now, 1);
        }
        if daily {
            self.today.insert(key, (date, used_today + 1));
        }
        Admission::Admitted(LimitHeaders {
            rolling: rolling.map(|(max, window)| (max, max.saturating_sub(in_window + 1), window)),
            daily: daily_max.map(|daily_max| (daily_max, daily_max.saturating_sub(used_today + 1))),
        })
    }

    /// Forgets every counted request.
    pub(crate) fn clear(&mut self) {
        self.recent.clear();
        self.today.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remaining(admission: &Admission) -> Option<u32> {
        match admission {
            Admission::Admitted(headers) => headers.rolling.map(|(_, remaining, _)| remaining),
            Admission::Refused(..) => None,
        }
    }

    #[test]
    fn the_window_rolls_with_the_oldest_request() {
        let window = Duration::from_secs(10);
        let mut limiter = RateLimiter::new(Some(RateLimit::new(2, window)), None);
        let start = Instant::now();
        assert_eq!(remaining(&limiter.admit("t", start, true)), Some(1));
        assert_eq!(remaining(&limiter.admit("t", start + Duration::from_secs(4), true)), Some(0));
        let refused = limiter.admit("t", start + Duration::from_secs(9), true);
        assert!(matches!(refused, Admission::Refused(RateLimitPolicy::TenSecondlyRolling, _)));
        assert_eq!(remaining(&limiter.admit("t", start + window, true)), Some(0));
        let refused = limiter.admit("t", start + Duration::from_secs(13), true);
        assert!(matches!(refused, Admission::Refused(..)));
        assert_eq!(remaining(&limiter.admit("t", start + Duration::from_secs(14), true)), Some(0));
    }

    #[test]
    fn keys_have_their_own_windows_and_clear_forgets_them() {
        let mut limiter = RateLimiter::new(Some(RateLimit::new(1, Duration::from_secs(10))), Some(5));
        let now = Instant::now();
        assert!(matches!(limiter.admit("a", now, true), Admission::Admitted(_)));
        assert!(matches!(limiter.admit("a", now, true), Admission::Refused(..)));
        assert!(matches!(limiter.admit("b", now, true), Admission::Admitted(_)));
        limiter.clear();
        assert!(matches!(limiter.admit("a", now, true), Admission::Admitted(_)));
    }

    #[test]
    fn the_daily_cap_counts_only_admitted_requests() {
        let mut limiter = RateLimiter::new(Some(RateLimit::new(1, Duration::from_secs(10))), Some(2));
        let now = Instant::now();
        assert!(matches!(limiter.admit("d", now, true), Admission::Admitted(_)));
        assert!(matches!(limiter.admit("d", now, true), Admission::Refused(RateLimitPolicy::TenSecondlyRolling, _)));
        let later = now + Duration::from_secs(10);
        match limiter.admit("d", later, true) {
            Admission::Admitted(headers) => assert_eq!(headers.daily, Some((2, 0))),
            refused => panic!("{refused:?}"),
        }
        let refused = limiter.admit("d", later + Duration::from_secs(10), true);
        assert!(matches!(refused, Admission::Refused(RateLimitPolicy::Daily, _)));
    }

    #[test]
    fn requests_the_daily_cap_does_not_apply_to_neither_count_nor_see_it() {
        let mut limiter = RateLimiter::new(Some(RateLimit::new(10, Duration::from_secs(10))), Some(1));
        let now = Instant::now();
        for _ in 0..3 {
            match limiter.admit("o", now, false) {
                Admission::Admitted(headers) => assert_eq!(headers.daily, None),
                refused => panic!("{refused:?}"),
            }
        }
        assert!(matches!(limiter.admit("o", now, true), Admission::Admitted(_)));
        assert!(matches!(limiter.admit("o", now, true), Admission::Refused(RateLimitPolicy::Daily, _)));
        assert!(matches!(limiter.admit("o", now, false), Admission::Admitted(_)));
    }
}
