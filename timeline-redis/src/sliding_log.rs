//! [`SlidingLog`]: the arithmetic of the budget's Lua script, in Rust, on a
//! clock the caller gives, to check it against the definition of a rolling
//! window and against the script itself.

use std::collections::BTreeSet;

/// What an account's log answers a request that wants to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request may start; it is logged at this instant (µs).
    Admitted {
        /// The instant it is logged at.
        at: u64,
    },
    /// The window is full (or the account blocked): try again after this
    /// many microseconds, when the oldest entry leaves the window or the
    /// block ends.
    Wait {
        /// Microseconds until the account may have room.
        micros: u64,
    },
}

/// One account's rolling window as a sliding log: the start times of the
/// requests of the last window (µs), what the script keeps in a Redis sorted
/// set. A request starts when fewer than the maximum are logged less than a
/// window ago; otherwise it waits until the oldest of them leaves the window.
///
/// The log is a pure value: every method takes the instant it happens at, so
/// any sequence of request times can be replayed.
///
/// ```
/// use timeline_redis::{Decision, SlidingLog};
///
/// let mut log = SlidingLog::new(2, 1_000_000); // 2 requests per second
/// assert_eq!(log.acquire(0, "a"), Decision::Admitted { at: 0 });
/// assert_eq!(log.acquire(400_000, "b"), Decision::Admitted { at: 400_000 });
/// assert_eq!(log.acquire(500_000, "c"), Decision::Wait { micros: 500_000 });
/// assert_eq!(log.acquire(1_000_000, "c"), Decision::Admitted { at: 1_000_000 });
/// ```
#[derive(Debug, Clone)]
pub struct SlidingLog {
    configured_max: u64,
    configured_window: u64,
    max: u64,
    window: u64,
    /// (dated at, member); a member is `START:NAME`.
    entries: BTreeSet<(u64, String)>,
    blocked_until: u64,
}

/// The longest interval adopted from `X-HubSpot-RateLimit-Interval-Milliseconds`, in µs.
pub(crate) const LONGEST_ADOPTED_INTERVAL_MICROS: u64 = 60_000_000;

impl SlidingLog {
    /// An empty log of at most `max` requests in any `window_micros`.
    pub fn new(max: u64, window_micros: u64) -> Self {
        SlidingLog {
            configured_max: max,
            configured_window: window_micros,
            max,
            window: window_micros,
            entries: BTreeSet::new(),
            blocked_until: 0,
        }
    }

    /// How many entries are in the window at `now`.
    pub fn len_at(&self, now: u64) -> usize {
        let cut = i128::from(now) - i128::from(self.window);
        self.entries.iter().filter(|(at, _)| i128::from(*at) > cut).count()
    }

    /// The maximum and window length (µs) in force: the configured ones, or
    /// those the last answer's headers set.
    pub fn limit(&self) -> (u64, u64) {
        (self.max, self.window)
    }

    fn trim(&mut self, now: u64) -> u64 {
        let cut = i128::from(now) - i128::from(self.window);
        self.entries.retain(|(at, _)| i128::from(*at) > cut);
        self.entries.len() as u64
    }

    fn fill(&mut self, count: u64, at: u64, prefix: &str) {
        for i in 1..=count {
            self.entries.insert((at, format!("{at}:{prefix}:{i}")));
        }
    }

    /// A request named `name` (unique) wants to start at `now`.
    pub fn acquire(&mut self, now: u64, name: &str) -> Decision {
        if self.blocked_until > now {
            return Decision::Wait { micros: self.blocked_until - now };
        }
        let used = self.trim(now);
        if used < self.max {
            self.entries.insert((now, format!("{now}:{name}")));
            return Decision::Admitted { at: now };
        }
        let index = usize::try_from(used - self.max).unwrap_or(usize::MAX);
        let oldest = self.entries.iter().nth(index).map_or(now, |(at, _)| *at);
        Decision::Wait { micros: oldest + self.window - now }
    }

    /// The request `name` that started at `started` ended at `now`: its
    /// entry is dated `now` (never earlier than it was).
    pub fn release(&mut self, now: u64, name: &str, started: u64) {
        let member = format!("{started}:{name}");
        let dated = self.entries.iter().find(|(_, m)| *m == member).map(|(at, _)| *at);
        match dated {
            Some(at) if at >= now => {}
            Some(at) => {
                self.entries.remove(&(at, member.clone()));
                self.entries.insert((now, member));
            }
            None => {
                self.entries.insert((now, member));
            }
        }
    }

    /// The answer to a request sent at `sent_at` said `remaining` requests
    /// remain (and, when not 0, the maximum and interval in ms): the window
    /// takes the maximum and length they set within the configured bounds,
    /// and when the server counted more than the log held for the request,
    /// the difference is logged at `sent_at`, named after `prefix`.
    pub fn observe(&mut self, now: u64, prefix: &str, answer: Observed) {
        self.max = if answer.max >= 1 && answer.max < self.configured_max { answer.max } else { self.configured_max };
        let interval = answer.interval_millis.saturating_mul(1_000);
        self.window = if interval > self.configured_window && interval <= LONGEST_ADOPTED_INTERVAL_MICROS {
            interval
        } else {
            self.configured_window
        };
        self.trim(now);
        let counted = self.max as i128 - answer.remaining as i128;
        let from = answer.sent_at as i128 - self.window as i128;
        let held = self
            .entries
            .iter()
            .filter(|(at, member)| {
                i128::from(*at) > from && started_of(member).is_some_and(|started| started <= answer.sent_at)
            })
            .count() as i128;
        if counted > held {
            self.fill((counted - held) as u64, answer.sent_at, prefix);
        }
    }

    /// A 429 at `now`: the window is filled to its maximum (entries named
    /// after `prefix`) and, with a `Retry-After`, nothing starts for
    /// `retry_after_micros`.
    pub fn saturate(&mut self, now: u64, prefix: &str, retry_after_micros: Option<u64>) {
        let used = self.trim(now);
        if self.max > used {
            self.fill(self.max - used, now, prefix);
        }
        if let Some(wait) = retry_after_micros.filter(|wait| *wait > 0) {
            self.blocked_until = self.blocked_until.max(now + wait);
        }
    }
}

/// What an answer's `X-HubSpot-RateLimit-*` headers said, for
/// [`SlidingLog::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// `X-HubSpot-RateLimit-Remaining`.
    pub remaining: u64,
    /// `X-HubSpot-RateLimit-Max`, 0 when absent.
    pub max: u64,
    /// `X-HubSpot-RateLimit-Interval-Milliseconds`, 0 when absent.
    pub interval_millis: u64,
    /// When the answered request started (µs).
    pub sent_at: u64,
}

/// The start time a member's name begins with.
fn started_of(member: &str) -> Option<u64> {
    member.split(':').next()?.parse().ok()
}
