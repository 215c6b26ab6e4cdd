//! The rate limiter of one account: rolling windows of request slots, shared
//! by every request made for the account through one
//! [`LocalRateBudget`](super::LocalRateBudget) (a plain client's own, or an
//! app's) and corrected by HubSpot's rate-limit headers.
//!
//! A slot is taken when a request starts and dated when its answer arrives
//! (which is after the server counted it), so the local window never frees a
//! slot before the server's does. A request starts only when both windows
//! have room: the main one (the configured [`RateLimit`]) and a window of one
//! second, which has no limit until an answer names one.
//!
//! An answer's `X-HubSpot-RateLimit-Remaining` is the server's count when the
//! request arrived, so it is compared with the slots the window held when the
//! request was sent: the slots dated less than a window before that instant
//! (even those expired since) and the requests already under way. When the
//! server counts more, the difference (what other clients of the same account
//! used) is taken as slots dated at that instant: they expire a window after
//! the count they stand for, not a window after the answer, and the next answer
//! corrects them again. An expired slot is kept while a request started before
//! it expired is under way, for that answer's comparison.
//! `X-HubSpot-RateLimit-Secondly-Remaining` corrects the one-second window
//! the same way.
//!
//! # What an answer's headers set
//!
//! Every answer that carries `X-HubSpot-RateLimit-Remaining` sets the main
//! window anew, so an odd header lasts only until the next answer:
//! - its maximum is `X-HubSpot-RateLimit-Max` when that is at least 1 and at
//!   most the configured maximum (the configured value is the ceiling), and
//!   the configured maximum otherwise;
//! - its length is `X-HubSpot-RateLimit-Interval-Milliseconds` when that is
//!   longer than the configured window and at most 60 s, and the configured
//!   window otherwise.
//!
//! Every answer that carries `X-HubSpot-RateLimit-Secondly-Remaining` sets the
//! one-second window's maximum to `X-HubSpot-RateLimit-Secondly` (no limit
//! when that is absent or 0). `X-HubSpot-RateLimit-Daily-Remaining: 0` says
//! the daily limit is spent: [`daily_limit_reached`] tells the caller, which
//! heeds it for a private app's token or a developer key only (HubSpot has
//! no daily limit for OAuth tokens).
//!
//! # Memory
//!
//! Answered slots are counted per instant, so the state grows with the
//! requests made in a window, never with the size of the limit: a window of
//! `u32::MAX` requests saturated by a 429 is one entry.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::rate_limit_headers::RateLimitHeaders;
use crate::rate_limit::{RateLimit, RollingWindow};

/// The longest interval adopted from `X-HubSpot-RateLimit-Interval-Milliseconds`.
const LONGEST_ADOPTED_INTERVAL: Duration = Duration::from_secs(60);

/// The length of the window `X-HubSpot-RateLimit-Secondly` limits.
const ONE_SECOND: Duration = Duration::from_secs(1);

/// Shared pacing state of one client.
#[derive(Debug)]
pub(crate) struct Limiter {
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Debug)]
struct State {
    /// The limit the client was built with: the ceiling of what is adopted.
    configured: RateLimit,
    /// The requests under way: their slots cannot expire yet.
    in_flight: Vec<InFlight>,
    next_id: u64,
    /// The configured window, as corrected by the last answer.
    main: Window,
    /// The one-second window of `X-HubSpot-RateLimit-Secondly`.
    secondly: Window,
    /// No request starts before this instant: a 429's `Retry-After`.
    paused_until: Option<Instant>,
}

/// A request under way since `started`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    id: u64,
    started: Instant,
}

/// A rolling window of request slots under a maximum: the slots of
/// answered requests (and of those the server counted for other clients),
/// dated in a [`RollingWindow`], and the requests under way, which the
/// limiter lists beside it.
#[derive(Debug)]
struct Window {
    /// Slots allowed at once; `None` is no limit.
    capacity: Option<usize>,
    done: RollingWindow,
}

impl Window {
    fn new(capacity: Option<usize>, length: Duration) -> Self {
        Window { capacity, done: RollingWindow::new(length) }
    }

    /// The answered slots in the window at `at`: all but those expired by
    /// then, which are few (kept only while an older request is under way).
    fn done_at(&self, at: Instant) -> usize {
        self.done.count_at(at.into_std())
    }

    /// The slots in the window at `now`.
    fn used(&self, in_flight: &[InFlight], now: Instant) -> usize {
        self.done_at(now).saturating_add(in_flight.len())
    }

    /// Whether no request may start at `now`.
    fn is_full(&self, in_flight: &[InFlight], now: Instant) -> bool {
        self.capacity.is_some_and(|capacity| self.used(in_flight, now) >= capacity)
    }

    /// The slots the server may have counted before a request sent at
    /// `sent_at`: those in the window at that instant, less the requests
    /// started after it.
    fn used_when_sent(&self, in_flight: &[InFlight], sent_at: Instant) -> usize {
        let earlier = in_flight.iter().filter(|request| request.started <= sent_at).count();
        self.done_at(sent_at).saturating_add(earlier)
    }

    /// Forgets the slots that expired before `now` and before every request
    /// under way was sent.
    fn purge(&mut self, in_flight: &[InFlight], now: Instant) {
        let horizon = in_flight.iter().map(|request| request.started).fold(now, Instant::min);
        self.done.forget_left(horizon.into_std());
    }

    /// When the first slot in the window at `now` expires, if one can.
    fn earliest_expiry(&self, now: Instant) -> Option<Instant> {
        self.done.next_expiry(now.into_std()).map(Instant::from_std)
    }

    /// Takes `count` slots dated `at`.
    fn take(&mut self, count: usize, at: Instant) {
        self.done.record(at.into_std(), count);
    }

    /// Takes the slots the server counted, when the answer to a request sent
    /// at `sent_at` left `remaining`, beyond those this window held then.
    fn correct(&mut self, in_flight: &[InFlight], remaining: u64, sent_at: Instant) {
        let Some(capacity) = self.capacity else {
            return;
        };
        let counted = capacity.saturating_sub(usize::try_from(remaining).unwrap_or(usize::MAX));
        let missing = counted.saturating_sub(self.used_when_sent(in_flight, sent_at));
        self.take(missing, sent_at);
    }
}

impl State {
    fn purge(&mut self, now: Instant) {
        self.main.purge(&self.in_flight, now);
        self.secondly.purge(&self.in_flight, now);
    }

    fn has_room(&self, now: Instant) -> bool {
        !self.is_paused(now) && !self.main.is_full(&self.in_flight, now) && !self.secondly.is_full(&self.in_flight, now)
    }

    fn is_paused(&self, now: Instant) -> bool {
        self.paused_until.is_some_and(|until| now < until)
    }

    /// When a full window may next have room, if a slot in it can expire,
    /// or when a pause ends.
    fn next_room(&self, now: Instant) -> Option<Instant> {
        let expiry = [&self.main, &self.secondly]
            .into_iter()
            .filter(|window| window.is_full(&self.in_flight, now))
            .filter_map(|window| window.earliest_expiry(now))
            .min();
        match self.paused_until.filter(|_| self.is_paused(now)) {
            Some(until) => Some(expiry.map_or(until, |expiry| expiry.max(until))),
            None => expiry,
        }
    }
}

/// A request's place in the windows, while it is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    id: u64,
    started: Instant,
}

impl Slot {
    /// The instant the request could start.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }
}

impl Limiter {
    /// A limiter allowing `limit`.
    pub(crate) fn new(limit: RateLimit) -> Self {
        let capacity = usize::try_from(limit.max_requests()).unwrap_or(usize::MAX);
        Limiter {
            state: Mutex::new(State {
                configured: limit,
                in_flight: Vec::new(),
                next_id: 0,
                main: Window::new(Some(capacity), limit.window()),
                secondly: Window::new(None, ONE_SECOND),
                paused_until: None,
            }),
            freed: Notify::new(),
        }
    }

    /// The slots in the main window at `now`, and the most it takes
    /// (`None`: no limit).
    pub(crate) fn usage(&self, now: Instant) -> (usize, Option<usize>) {
        let state = self.lock();
        (state.main.used(&state.in_flight, now), state.main.capacity)
    }

    /// Waits for a free slot and takes it; [`release`](Self::release) gives it back.
    pub(crate) async fn take_slot(&self) -> Slot {
        loop {
            let freed = self.freed.notified();
            let mut freed = std::pin::pin!(freed);
            freed.as_mut().enable();
            let expiry = {
                let mut state = self.lock();
                let now = Instant::now();
                state.purge(now);
                if state.has_room(now) {
                    let id = state.next_id;
                    state.next_id += 1;
                    state.in_flight.push(InFlight { id, started: now });
                    return Slot { id, started: now };
                }
                state.next_room(now)
            };
            match expiry {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = freed => {}
                    }
                }
                None => freed.await,
            }
        }
    }

    /// Corrects the windows from the `X-HubSpot-RateLimit-*` headers of the
    /// answer to a request sent at `sent_at`, while its permit is held: the
    /// maximum and interval are set anew within the configured bounds (see
    /// the module documentation), and when the server counted more requests
    /// than this client had in its window when sending (other clients of the
    /// same account), the difference is taken, dated `sent_at`.
    pub(crate) fn observe(&self, limits: &RateLimitHeaders, sent_at: Instant) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(remaining) = limits.remaining {
            let ceiling = usize::try_from(state.configured.max_requests()).unwrap_or(usize::MAX);
            let configured_window = state.configured.window();
            state.main.capacity = Some(count(limits.max).map_or(ceiling, |max| max.min(ceiling)));
            let length = limits
                .interval_millis
                .map(Duration::from_millis)
                .filter(|interval| *interval <= LONGEST_ADOPTED_INTERVAL)
                .map_or(configured_window, |interval| interval.max(configured_window));
            state.main.done.set_length(length);
            state.main.correct(&state.in_flight, remaining, sent_at);
        }
        if let Some(remaining) = limits.secondly_remaining {
            state.secondly.capacity = count(limits.secondly);
            state.secondly.correct(&state.in_flight, remaining, sent_at);
        }
    }

    /// Ends a request's slot: it is dated now (its answer arrived, or it
    /// got none).
    pub(crate) fn release(&self, slot: Slot) {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some(position) = state.in_flight.iter().position(|request| request.id == slot.id) {
            state.in_flight.swap_remove(position);
            state.main.take(1, now);
            state.secondly.take(1, now);
        }
        drop(state);
        self.freed.notify_waiters();
    }

    /// After a 429 for the burst limit: the window is full as of now, and
    /// no request starts before the `Retry-After` wait, if one was given.
    pub(crate) fn saturate(&self, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(capacity) = state.main.capacity {
            let missing = capacity.saturating_sub(state.main.used(&state.in_flight, now));
            state.main.take(missing, now);
        }
        if let Some(until) = retry_after.and_then(|wait| now.checked_add(wait)) {
            state.paused_until = Some(state.paused_until.map_or(until, |paused| paused.max(until)));
        }
    }

    /// Whether the limiter holds nothing a fresh one would not: no request
    /// under way, no slot in either window at `now`, no pause.
    pub(crate) fn is_idle(&self, now: Instant) -> bool {
        let mut state = self.lock();
        state.purge(now);
        state.in_flight.is_empty()
            && state.main.done.is_empty()
            && state.secondly.done.is_empty()
            && !state.is_paused(now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A header's request count, when it names a limit (a count of 0 does not).
fn count(header: Option<u64>) -> Option<usize> {
    header.filter(|count| *count > 0).map(|count| usize::try_from(count).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    const SECOND: Duration = Duration::from_secs(1);

    /// One request's slot; dated when dropped.
    struct Permit<'a> {
        limiter: &'a Limiter,
        slot: Slot,
    }

    impl Drop for Permit<'_> {
        fn drop(&mut self) {
            self.limiter.release(self.slot);
        }
    }

    impl Limiter {
        /// Waits for a free slot and takes it, until the permit is dropped.
        async fn acquire(&self) -> Permit<'_> {
            Permit { limiter: self, slot: self.take_slot().await }
        }
    }

    /// The main window's slots, expired ones kept for a comparison included.
    fn used(limiter: &Limiter) -> usize {
        let state = limiter.lock();
        state.in_flight.len() + state.main.done.recorded()
    }

    fn used_now(limiter: &Limiter) -> usize {
        let state = limiter.lock();
        state.main.used(&state.in_flight, Instant::now())
    }

    fn remaining(count: u32) -> RateLimitHeaders {
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(count));
        RateLimitHeaders::from_headers(&headers)
    }

    /// The main window's headers: maximum, remaining count and interval.
    fn main_headers(max: u64, remaining: u64, interval_millis: u64) -> RateLimitHeaders {
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-max", HeaderValue::from(max));
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(remaining));
        headers.insert("x-hubspot-ratelimit-interval-milliseconds", HeaderValue::from(interval_millis));
        RateLimitHeaders::from_headers(&headers)
    }

    fn main_window(limiter: &Limiter) -> (Option<usize>, Duration) {
        let state = limiter.lock();
        (state.main.capacity, state.main.done.length())
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_for_the_oldest_answer_to_expire() {
        let limiter = Limiter::new(RateLimit::new(2, Duration::from_secs(10)));
        let start = Instant::now();
        drop(limiter.acquire().await);
        drop(limiter.acquire().await);
        assert_eq!(used(&limiter), 2);
        let _third = limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn headers_take_the_slots_others_used() {
        let limiter = Limiter::new(RateLimit::new(10, Duration::from_secs(10)));
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-max", HeaderValue::from_static("8"));
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from_static("3"));
        headers.insert("x-hubspot-ratelimit-interval-milliseconds", HeaderValue::from_static("12000"));
        limiter.observe(&RateLimitHeaders::from_headers(&headers), Instant::now());
        assert_eq!(limiter.lock().main.capacity, Some(8));
        assert_eq!(limiter.lock().main.done.length(), Duration::from_secs(12));
        assert_eq!(used(&limiter), 5);
        limiter.saturate(None);
        assert_eq!(used(&limiter), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_count_of_own_slots_expired_since_the_request_was_sent_takes_nothing() {
        let limiter = Limiter::new(RateLimit::new(3, SECOND));
        let start = Instant::now();
        drop(limiter.acquire().await);
        drop(limiter.acquire().await);
        tokio::time::advance(Duration::from_millis(900)).await;
        let sent = limiter.acquire().await;
        let sent_at = Instant::now();
        tokio::time::advance(Duration::from_millis(200)).await;
        let _next = limiter.acquire().await;
        // The server counted the two first requests and the one sent; both
        // first slots have expired since.
        limiter.observe(&remaining(0), sent_at);
        assert_eq!(used_now(&limiter), 2);
        drop(sent);
        let _another = limiter.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(1_100));
    }

    #[tokio::test(start_paused = true)]
    async fn slots_others_used_expire_a_window_after_the_request_was_sent() {
        let limiter = Limiter::new(RateLimit::new(5, SECOND));
        drop(limiter.acquire().await);
        tokio::time::advance(Duration::from_millis(900)).await;
        let _sent = limiter.acquire().await;
        let sent_at = Instant::now();
        tokio::time::advance(Duration::from_millis(200)).await;
        // The server counted the first request, the one sent and two of
        // another client.
        limiter.observe(&remaining(1), sent_at);
        assert_eq!(used_now(&limiter), 3);
        assert_eq!(limiter.lock().main.earliest_expiry(Instant::now()), Some(sent_at + SECOND));
        tokio::time::advance(Duration::from_millis(800)).await;
        assert_eq!(used_now(&limiter), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_started_after_the_one_answered_are_not_in_its_count() {
        let limiter = Limiter::new(RateLimit::new(5, SECOND));
        let _sent = limiter.acquire().await;
        let sent_at = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        let _later = limiter.acquire().await;
        // The server counted the request sent and two of another client.
        limiter.observe(&remaining(2), sent_at);
        assert_eq!(used_now(&limiter), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn answers_out_of_order_take_the_slots_others_used_once() {
        let limiter = Limiter::new(RateLimit::new(10, SECOND));
        let _first = limiter.acquire().await;
        let first_sent_at = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        let _second = limiter.acquire().await;
        let second_sent_at = Instant::now();
        // The second answer comes first: both requests and two of another client.
        limiter.observe(&remaining(6), second_sent_at);
        assert_eq!(used_now(&limiter), 4);
        // The first request arrived before the second: itself and the same two.
        limiter.observe(&remaining(7), first_sent_at);
        assert_eq!(used_now(&limiter), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_slots_are_kept_only_while_an_older_request_is_under_way() {
        let limiter = Limiter::new(RateLimit::new(3, SECOND));
        drop(limiter.acquire().await);
        tokio::time::advance(Duration::from_millis(500)).await;
        let slow = limiter.acquire().await;
        tokio::time::advance(Duration::from_millis(1_500)).await;
        drop(limiter.acquire().await);
        assert_eq!((used(&limiter), used_now(&limiter)), (3, 2));
        drop(slow);
        let _last = limiter.acquire().await;
        assert_eq!((used(&limiter), used_now(&limiter)), (3, 3));
    }

    #[tokio::test(start_paused = true)]
    async fn an_odd_header_lasts_until_the_next_answer() {
        let limiter = Limiter::new(RateLimit::new(3, SECOND));
        let start = Instant::now();
        let odd = limiter.acquire().await;
        let normal = limiter.acquire().await;
        limiter.observe(&main_headers(1, 0, 30_000), start);
        drop(odd);
        assert_eq!(main_window(&limiter), (Some(1), Duration::from_secs(30)));
        limiter.observe(&main_headers(3, 1, 1_000), start);
        drop(normal);
        assert_eq!(main_window(&limiter), (Some(3), SECOND));
        drop(limiter.acquire().await);
        assert_eq!(Instant::now(), start);
        drop(limiter.acquire().await);
        assert_eq!(Instant::now(), start + SECOND, "the configured window, not the odd one");
        limiter.observe(&main_headers(1, 0, 30_000), Instant::now());
        limiter.observe(&remaining(2), Instant::now());
        assert_eq!(main_window(&limiter), (Some(3), SECOND), "an answer without a maximum or interval");
    }

    #[tokio::test(start_paused = true)]
    async fn values_outside_the_bounds_are_not_adopted() {
        let limiter = Limiter::new(RateLimit::new(10, SECOND));
        for (max, interval_millis, adopted, case) in [
            (10, 3_600_000, (Some(10), SECOND), "an interval over a minute"),
            (10, 60_000, (Some(10), Duration::from_secs(60)), "an interval of a minute"),
            (10, 10, (Some(10), SECOND), "an interval shorter than configured"),
            (0, 1_000, (Some(10), SECOND), "a max of 0"),
            (1_000, 1_000, (Some(10), SECOND), "a max above the configured one"),
            (4, 1_000, (Some(4), SECOND), "a smaller max"),
        ] {
            limiter.observe(&main_headers(max, 1_000, interval_millis), Instant::now());
            assert_eq!(main_window(&limiter), adopted, "{case}");
        }
        assert_eq!(used_now(&limiter), 0);
    }

    fn secondly(max: u64, remaining: u64) -> RateLimitHeaders {
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-secondly", HeaderValue::from(max));
        headers.insert("x-hubspot-ratelimit-secondly-remaining", HeaderValue::from(remaining));
        RateLimitHeaders::from_headers(&headers)
    }

    /// A limiter of 100 requests per 10 s whose first request was answered
    /// with `headers`, and the instant it was sent.
    async fn answered_once(headers: &RateLimitHeaders) -> (Limiter, Instant) {
        let limiter = Limiter::new(RateLimit::new(100, Duration::from_secs(10)));
        let sent_at = Instant::now();
        let first = limiter.acquire().await;
        limiter.observe(headers, sent_at);
        drop(first);
        (limiter, sent_at)
    }

    #[tokio::test(start_paused = true)]
    async fn the_secondly_limit_paces_too() {
        let (limiter, start) = answered_once(&secondly(2, 1)).await;
        drop(limiter.acquire().await);
        assert_eq!(Instant::now(), start);
        drop(limiter.acquire().await);
        assert_eq!(Instant::now(), start + SECOND, "the third request waits for the second's window");
    }

    #[tokio::test(start_paused = true)]
    async fn the_secondly_remaining_count_takes_the_slots_others_used() {
        let (limiter, start) = answered_once(&secondly(5, 0)).await;
        assert_eq!(limiter.lock().secondly.done_at(start), 5);
        drop(limiter.acquire().await);
        assert_eq!(Instant::now(), start + SECOND);
        let mut unlimited = HeaderMap::new();
        unlimited.insert("x-hubspot-ratelimit-secondly-remaining", HeaderValue::from(0));
        limiter.observe(&RateLimitHeaders::from_headers(&unlimited), Instant::now());
        assert_eq!(limiter.lock().secondly.capacity, None, "no maximum, no secondly limit");
    }

    #[test]
    fn the_daily_limit_is_reached_when_none_remains() {
        let mut headers = HeaderMap::new();
        assert!(!RateLimitHeaders::from_headers(&headers).daily_spent());
        headers.insert("x-hubspot-ratelimit-daily", HeaderValue::from(250_000));
        headers.insert("x-hubspot-ratelimit-daily-remaining", HeaderValue::from(12));
        assert!(!RateLimitHeaders::from_headers(&headers).daily_spent());
        headers.insert("x-hubspot-ratelimit-daily-remaining", HeaderValue::from_static("none"));
        assert!(!RateLimitHeaders::from_headers(&headers).daily_spent());
        headers.insert("x-hubspot-ratelimit-daily-remaining", HeaderValue::from(0));
        assert!(RateLimitHeaders::from_headers(&headers).daily_spent());
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_limit_is_counted_not_listed() {
        let saturated = Limiter::new(RateLimit::new(u32::MAX, Duration::from_secs(10)));
        saturated.saturate(None);
        assert_eq!(used_now(&saturated), u32::MAX as usize);
        assert_eq!(saturated.lock().main.done.instants(), 1);

        let corrected = Limiter::new(RateLimit::new(u32::MAX, Duration::from_secs(10)));
        let sent = corrected.acquire().await;
        corrected.observe(&remaining(0), Instant::now());
        drop(sent);
        assert_eq!(used_now(&corrected), u32::MAX as usize);
        assert_eq!(corrected.lock().main.done.instants(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn windows_of_zero_and_of_the_longest_duration_do_not_overflow() {
        let endless = Limiter::new(RateLimit::new(2, Duration::MAX));
        let first = endless.acquire().await;
        endless.observe(&main_headers(2, 1, 1_000), Instant::now());
        drop(first);
        endless.saturate(None);
        let never = tokio::time::timeout(Duration::from_secs(3_600), endless.acquire()).await;
        assert!(never.is_err(), "a slot of an endless window never expires");

        let instant = Limiter::new(RateLimit::new(1, Duration::ZERO));
        drop(instant.acquire().await);
        instant.saturate(None);
        drop(instant.acquire().await);
        instant.observe(&main_headers(1, 0, 0), Instant::now());
    }
}
