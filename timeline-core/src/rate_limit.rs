//! [`RateLimit`]: a rolling-window request limit.

use std::time::Duration;

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
