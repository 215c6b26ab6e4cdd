//! The client's rate limiter: a rolling window of request slots, shared by
//! every call of one client and corrected by HubSpot's rate-limit headers.
//!
//! A slot is taken when a request starts and dated when its answer arrives
//! (which is after the server counted it), so the local window never frees a
//! slot before the server's does.

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
    /// A request under way: its slot cannot expire yet.
    InFlight(u64),
    /// A request answered at this instant.
    Done(Instant),
}

impl Window {
    fn purge(&mut self, now: Instant) {
        let length = self.length;
        self.slots.retain(|slot| match slot {
            Slot::InFlight(_) => true,
            Slot::Done(at) => *at + length > now,
        });
    }

    fn earliest_expiry(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Done(at) => Some(*at + self.length),
                Slot::InFlight(_) => None,
            })
            .min()
    }

    fn fill_to(&mut self, used: usize, now: Instant) {
        let target = used.min(self.capacity);
        while self.slots.len() < target {
            self.slots.push(Slot::Done(now));
        }
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
        let mut window = self.limiter.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = window.slots.iter_mut().find(|slot| **slot == Slot::InFlight(self.id)) {
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
                if window.slots.len() < window.capacity {
                    let id = window.next_id;
                    window.next_id += 1;
                    window.slots.push(Slot::InFlight(id));
                    return Permit { limiter: self, id };
                }
                window.earliest_expiry()
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

    /// Corrects the window from `X-HubSpot-RateLimit-*` headers: a smaller
    /// maximum or a longer interval than configured is adopted, and when the
    /// server counts more requests in its window than this client does
    /// (other clients of the same account), the difference is taken.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
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
        let used = window.capacity.saturating_sub(remaining as usize);
        window.fill_to(used, Instant::now());
    }

    /// After a 429 for the burst limit: the window is full as of now.
    pub(crate) fn saturate(&self) {
        let mut window = self.lock();
        let capacity = window.capacity;
        window.fill_to(capacity, Instant::now());
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

    fn used(limiter: &Limiter) -> usize {
        limiter.lock().slots.len()
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
        limiter.observe(&headers);
        assert_eq!(limiter.lock().capacity, 8);
        assert_eq!(limiter.lock().length, Duration::from_secs(12));
        assert_eq!(used(&limiter), 5);
        limiter.saturate();
        assert_eq!(used(&limiter), 8);
    }
}
