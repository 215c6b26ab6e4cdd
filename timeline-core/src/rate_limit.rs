//! [`RateLimit`]: a rolling-window request limit, and [`RollingWindow`]:
//! the requests such a window holds.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::{Duration, Instant};

/// How many requests may start in a rolling window: what a client paces
/// itself to, and what the sandbox enforces.
///
/// The default is HubSpot's limit for OAuth apps: 110 requests per 10 s.
///
/// ```
/// use std::time::Duration;
/// use timeline_core::RateLimit;
/// let limit = RateLimit::new(10, Duration::from_secs(1));
/// assert_eq!(limit.max_requests(), 10);
/// assert_eq!(RateLimit::default().window(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    max_requests: u32,
    window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::hubspot()
    }
}

impl RateLimit {
    /// At most `max_requests` in any `window`.
    /// A client refuses `max_requests` of 0 and a window of zero or longer
    /// than a day.
    ///
    /// ```
    /// use std::time::Duration;
    /// let limit = timeline_core::RateLimit::new(100, Duration::from_secs(10));
    /// assert_eq!((limit.max_requests(), limit.window()), (100, Duration::from_secs(10)));
    /// ```
    pub const fn new(max_requests: u32, window: Duration) -> Self {
        RateLimit { max_requests, window }
    }

    /// HubSpot's limit for OAuth apps, the default: 110 requests per 10 s.
    ///
    /// ```
    /// use timeline_core::RateLimit;
    /// assert_eq!(RateLimit::hubspot(), RateLimit::default());
    /// assert_eq!(RateLimit::hubspot().max_requests(), 110);
    /// ```
    pub const fn hubspot() -> Self {
        RateLimit::new(110, Duration::from_secs(10))
    }

    /// Requests allowed per window.
    ///
    /// ```
    /// assert_eq!(timeline_core::RateLimit::default().max_requests(), 110);
    /// ```
    pub fn max_requests(&self) -> u32 {
        self.max_requests
    }

    /// The window's length.
    ///
    /// ```
    /// assert_eq!(timeline_core::RateLimit::default().window(), std::time::Duration::from_secs(10));
    /// ```
    pub fn window(&self) -> Duration {
        self.window
    }
}

/// The requests of one rolling window, each dated, counted per instant: the
/// rule "at most N requests in any window of length W" needs no more than
/// how many requests are dated after `now - W`.
///
/// A request dated `at` is in the window at `now` while `at > now - W`: it
/// leaves exactly one length after its date. Requests are counted, not
/// listed, so the memory grows with the distinct instants in a window,
/// never with the counts: a full window of `u32::MAX` requests dated at one
/// instant is one entry.
///
/// The window does not hold the maximum: its users compare
/// [`count_at`](Self::count_at) with theirs (a client paces itself to it,
/// the sandbox refuses above it).
///
/// ```
/// use std::time::{Duration, Instant};
/// use timeline_core::RollingWindow;
///
/// let start = Instant::now();
/// let mut window = RollingWindow::new(Duration::from_secs(10));
/// window.record(start, 2);
/// window.record(start + Duration::from_secs(4), 1);
/// assert_eq!(window.count_at(start + Duration::from_secs(9)), 3);
/// assert_eq!(window.count_at(start + Duration::from_secs(10)), 1, "the first two left at 10 s");
/// assert_eq!(window.next_expiry(start + Duration::from_secs(10)), Some(start + Duration::from_secs(14)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingWindow {
    length: Duration,
    counts: BTreeMap<Instant, usize>,
    /// The sum of `counts`.
    total: usize,
}

impl RollingWindow {
    /// An empty window of `length`. A length of zero keeps no request in
    /// the window; [`Duration::MAX`] keeps every one.
    pub fn new(length: Duration) -> Self {
        RollingWindow { length, counts: BTreeMap::new(), total: 0 }
    }

    /// The window's length.
    pub fn length(&self) -> Duration {
        self.length
    }

    /// Makes the window `length` long from now on: the requests recorded so
    /// far leave it one new length after their dates.
    pub fn set_length(&mut self, length: Duration) {
        self.length = length;
    }

    /// Counts `count` more requests dated `at`.
    pub fn record(&mut self, at: Instant, count: usize) {
        if count > 0 {
            let counted = self.counts.entry(at).or_default();
            *counted = counted.saturating_add(count);
            self.total = self.total.saturating_add(count);
        }
    }

    /// The requests in the window at `at`: every one recorded but those that
    /// left it by then (requests dated after `at` count too).
    pub fn count_at(&self, at: Instant) -> usize {
        let left = match self.last_left(at) {
            Some(cut) => self.counts.range(..=cut).fold(0usize, |sum, (_, count)| sum.saturating_add(*count)),
            None => 0,
        };
        self.total.saturating_sub(left)
    }

    /// Forgets the requests that left the window by `at`.
    pub fn forget_left(&mut self, at: Instant) {
        let Some(cut) = self.last_left(at) else {
            return;
        };
        while let Some(oldest) = self.counts.first_entry()
            && *oldest.key() <= cut
        {
            self.total = self.total.saturating_sub(oldest.remove());
        }
    }

    /// When the oldest request in the window at `at` leaves it, if one is
    /// in it and leaves before the end of time.
    pub fn next_expiry(&self, at: Instant) -> Option<Instant> {
        let first = match self.last_left(at) {
            Some(cut) => self.counts.range((Bound::Excluded(cut), Bound::Unbounded)).next(),
            None => self.counts.first_key_value(),
        };
        first.and_then(|(dated, _)| dated.checked_add(self.length))
    }

    /// Whether no request is recorded (none forgotten yet included).
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The requests recorded and not forgotten, those that left the window
    /// since included.
    pub fn recorded(&self) -> usize {
        self.total
    }

    /// How many distinct instants the requests recorded are dated at: what
    /// the window's memory grows with.
    pub fn instants(&self) -> usize {
        self.counts.len()
    }

    /// The latest date of a request that left the window by `at`, if the
    /// clock reaches back a length before `at`.
    fn last_left(&self, at: Instant) -> Option<Instant> {
        at.checked_sub(self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_request_leaves_exactly_one_length_after_its_date() {
        let start = Instant::now();
        let mut window = RollingWindow::new(SECOND);
        window.record(start, 1);
        assert_eq!(window.count_at(start + SECOND - Duration::from_nanos(1)), 1);
        assert_eq!(window.count_at(start + SECOND), 0);
        assert_eq!(window.next_expiry(start), Some(start + SECOND));
        assert_eq!(window.next_expiry(start + SECOND), None);
    }

    #[test]
    fn requests_are_counted_per_instant() {
        let start = Instant::now();
        let mut window = RollingWindow::new(SECOND);
        window.record(start, u32::MAX as usize);
        window.record(start, 1);
        window.record(start + SECOND, 0);
        assert_eq!((window.count_at(start), window.instants()), (u32::MAX as usize + 1, 1));
        window.record(start + Duration::from_millis(600), 2);
        assert_eq!(window.count_at(start + SECOND), 2);
        assert_eq!(window.next_expiry(start + SECOND), Some(start + Duration::from_millis(1_600)));
    }

    #[test]
    fn forgetting_drops_only_the_requests_that_left() {
        let start = Instant::now();
        let mut window = RollingWindow::new(SECOND);
        window.record(start, 3);
        window.record(start + Duration::from_millis(500), 1);
        window.forget_left(start + Duration::from_millis(999));
        assert_eq!(window.recorded(), 4);
        assert_eq!(window.count_at(start + SECOND), 1, "left, not yet forgotten");
        assert_eq!(window.recorded(), 4);
        window.forget_left(start + SECOND);
        assert_eq!((window.recorded(), window.instants()), (1, 1));
        window.forget_left(start + Duration::from_secs(2));
        assert!(window.is_empty());
    }

    #[test]
    fn a_longer_length_keeps_the_requests_longer() {
        let start = Instant::now();
        let mut window = RollingWindow::new(SECOND);
        window.record(start, 1);
        window.set_length(Duration::from_secs(2));
        assert_eq!(window.length(), Duration::from_secs(2));
        assert_eq!(window.count_at(start + SECOND), 1);
        assert_eq!(window.next_expiry(start + SECOND), Some(start + Duration::from_secs(2)));
    }

    #[test]
    fn windows_of_zero_and_of_the_longest_duration_do_not_overflow() {
        let start = Instant::now();
        let mut instant = RollingWindow::new(Duration::ZERO);
        instant.record(start, 1);
        assert_eq!(instant.count_at(start), 0, "a zero window holds nothing");
        assert_eq!(instant.next_expiry(start), None);
        instant.forget_left(start);
        assert!(instant.is_empty());

        let mut endless = RollingWindow::new(Duration::MAX);
        endless.record(start, 2);
        let late = start + Duration::from_secs(100 * 365 * 24 * 3_600);
        assert_eq!(endless.count_at(late), 2);
        assert_eq!(endless.next_expiry(late), None, "never leaves");
        endless.forget_left(late);
        assert_eq!(endless.recorded(), 2);
    }
}
