//! The client's rate limiter: a rolling window of request slots, shared by
//! every call of one client and corrected by HubSpot's rate-limit headers.
//!
//! A slot is taken when a request starts and dated when its answer arrives
//! (which is after the server counted it), so the local window never frees a
//! slot before the server's does.
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

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::config::RateLimit;

/// Shared pacing state of one client.
#[derive(Debug)]
pub(crate) struct Limiter {
    window: Mutex<Window>,
    freed: Notify,
}

#[derive(Debug)]
struct Window {
    capacity: usize,
    length: Duration,
    slots: Vec<Slot>,
    next_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A request under way since `started`: its slot cannot expire yet.
    InFlight { id: u64, started: Instant },
    /// A request answered at this instant, or one the server counted for
    /// another client, dated when this client's request was sent.
    Done(Instant),
}

impl Window {
    /// Whether `slot` is in the window at `at`.
    fn counts(&self, slot: &Slot, at: Instant) -> bool {
        match slot {
            Slot::InFlight { .. } => true,
            Slot::Done(done) => *done + self.length > at,
        }
    }

    /// The slots in the window at `now`.
    fn used(&self, now: Instant) -> usize {
        self.slots.iter().filter(|slot| self.counts(slot, now)).count()
    }

    /// The slots the server may have counted before a request sent at
    /// `sent_at`: those in the window at that instant, less the requests
    /// started after it.
    fn used_when_sent(&self, sent_at: Instant) -> usize {
        self.slots
            .iter()
            .filter(|slot| match slot {
                Slot::InFlight { started, .. } => *started <= sent_at,
                Slot::Done(_) => self.counts(slot, sent_at),
            })
            .count()
    }

    /// Forgets the slots that expired before `now` and before every request
    /// under way was sent.
    fn purge(&mut self, now: Instant) {
        let horizon = self
            .slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::InFlight { started, .. } => Some(*started),
                Slot::Done(_) => None,
            })
            .fold(now, Instant::min);
        let length = self.length;
        self.slots.retain(|slot| match slot {
            Slot::InFlight { .. } => true,
            Slot::Done(at) => *at + length > horizon,
        });
    }

    /// When the first slot in the window at `now` expires, if one can.
    fn earliest_expiry(&self, now: Instant) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Done(at) => Some(*at + self.length),
                Slot::InFlight { .. } => None,
            })
            .filter(|expiry| *expiry > now)
            .min()
    }

    /// Takes `count` slots dated `at`.
    fn take(&mut self, count: usize, at: Instant) {
        self.slots.extend(std::iter::repeat_n(Slot::Done(at), count));
    }
}

/// One request's slot; dated when dropped.
pub(crate) struct Permit<'a> {
    limiter: &'a Limiter,
    id: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut window = self.limiter.lock();
        let id = self.id;
        if let Some(slot) =
            window.slots.iter_mut().find(|slot| matches!(slot, Slot::InFlight { id: own, .. } if *own == id))
        {
            *slot = Slot::Done(now);
        }
        drop(window);
        self.limiter.freed.notify_waiters();
    }
}

impl Limiter {
    /// A limiter allowing `limit`.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Limiter {
            window: Mutex::new(Window {
                capacity: limit.max_requests() as usize,
                length: limit.window(),
                slots: Vec::new(),
                next_id: 0,
            }),
            freed: Notify::new(),
        }
    }

    /// Waits for a free slot and takes it.
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            let mut freed = std::pin::pin!(freed);
            freed.as_mut().enable();
            let expiry = {
                let mut window = self.lock();
                let now = Instant::now();
                window.purge(now);
                if window.used(now) < window.capacity {
                    let id = window.next_id;
                    window.next_id += 1;
                    window.slots.push(Slot::InFlight { id, started: now });
                    return Permit { limiter: self, id };
                }
                window.earliest_expiry(now)
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

    /// Corrects the window from the `X-HubSpot-RateLimit-*` headers of the
    /// answer to a request sent at `sent_at`, while its permit is held: a
    /// smaller maximum or a longer interval than configured is adopted, and
    /// when the server counted more requests than this client had in its window
    /// when sending (other clients of the same account), the difference is
    /// taken, dated `sent_at`.
    pub(crate) fn observe(&self, headers: &HeaderMap, sent_at: Instant) {
        let Some(remaining) = header_number(headers, "x-hubspot-ratelimit-remaining") else {
            return;
        };
        let mut window = self.lock();
        if let Some(max) = header_number(headers, "x-hubspot-ratelimit-max")
            && max > 0
            && (max as usize) < window.capacity
        {
            window.capacity = max as usize;
        }
        if let Some(millis) = header_number(headers, "x-hubspot-ratelimit-interval-milliseconds") {
            window.length = window.length.max(Duration::from_millis(millis));
        }
        let counted = window.capacity.saturating_sub(usize::try_from(remaining).unwrap_or(usize::MAX));
        let missing = counted.saturating_sub(window.used_when_sent(sent_at));
        window.take(missing, sent_at);
    }

    /// After a 429 for the burst limit: the window is full as of now.
    pub(crate) fn saturate(&self) {
        let now = Instant::now();
        let mut window = self.lock();
        let missing = window.capacity.saturating_sub(window.used(now));
        window.take(missing, now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const SECOND: Duration = Duration::from_secs(1);

    fn used(limiter: &Limiter) -> usize {
        limiter.lock().slots.len()
    }

    fn used_now(limiter: &Limiter) -> usize {
        limiter.lock().used(Instant::now())
    }

    fn remaining(count: u32) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(count));
        headers
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
        limiter.observe(&headers, Instant::now());
        assert_eq!(limiter.lock().capacity, 8);
        assert_eq!(limiter.lock().length, Duration::from_secs(12));
        assert_eq!(used(&limiter), 5);
        limiter.saturate();
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
        assert_eq!(limiter.lock().earliest_expiry(Instant::now()), Some(sent_at + SECOND));
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
}
