//! Counters and gauges through the `metrics` facade (the `metrics` feature;
//! without it these calls do nothing), and `MeteredBudget`, a rate budget
//! that measures its waits.
//!
//! | name | kind | what |
//! |---|---|---|
//! | `timeline_dispatch_queued_total` | counter | events added to the outbox by `emit` |
//! | `timeline_dispatch_delivered_total` | counter | events delivered |
//! | `timeline_dispatch_failed_total` | counter | events that became dead letters |
//! | `timeline_dispatch_retried_total` | counter | attempts that ended in a retry later |
//! | `timeline_dispatch_stale_total` | counter | settlements the outbox did not apply because another dispatcher had claimed the row again (not counted above) |
//! | `timeline_dispatch_rate_limited_total` | counter | events whose attempt ended in a 429 after the client's retries, and (with `MeteredBudget`) 429 answers seen by the budget |
//! | `timeline_dispatch_outbox_depth` | gauge | undelivered rows (pending and claimed) |
//! | `timeline_dispatch_oldest_pending_seconds` | gauge | age of the oldest undelivered row |
//! | `timeline_dispatch_budget_wait_seconds` | histogram | waits for a permit of an account's budget (`MeteredBudget`) |

use std::time::SystemTime;

use crate::outbox::OutboxDepth;

#[cfg(feature = "metrics")]
pub use metered::MeteredBudget;

/// Counts events `emit` added.
pub(crate) fn queued(events: u64) {
    #[cfg(feature = "metrics")]
    metrics::counter!("timeline_dispatch_queued_total").increment(events);
    #[cfg(not(feature = "metrics"))]
    let _ = events;
}

/// Counts the ends of one batch's attempts.
pub(crate) fn settled(delivered: u64, dead: u64, retried: u64, rate_limited: u64) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("timeline_dispatch_delivered_total").increment(delivered);
        metrics::counter!("timeline_dispatch_failed_total").increment(dead);
        metrics::counter!("timeline_dispatch_retried_total").increment(retried);
        metrics::counter!("timeline_dispatch_rate_limited_total").increment(rate_limited);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (delivered, dead, retried, rate_limited);
}

/// Counts settlements the outbox did not apply.
pub(crate) fn stale(settlements: u64) {
    #[cfg(feature = "metrics")]
    metrics::counter!("timeline_dispatch_stale_total").increment(settlements);
    #[cfg(not(feature = "metrics"))]
    let _ = settlements;
}

/// Sets the depth and age gauges from the outbox's counts.
pub(crate) fn depth(depth: &OutboxDepth, now: SystemTime) {
    #[cfg(feature = "metrics")]
    {
        let age = depth.oldest_undelivered.and_then(|oldest| now.duration_since(oldest).ok()).unwrap_or_default();
        metrics::gauge!("timeline_dispatch_outbox_depth").set(depth.undelivered as f64);
        metrics::gauge!("timeline_dispatch_oldest_pending_seconds").set(age.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (depth, now);
}

#[cfg(feature = "metrics")]
mod metered {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use timeline_core::{AccountId, BoxFuture, BudgetError, RateBudget, RatePermit, WindowUsage};

    /// A [`RateBudget`] that records how long each permit took
    /// (`timeline_dispatch_budget_wait_seconds`) and counts the 429s its
    /// permits see (`timeline_dispatch_rate_limited_total`), around the
    /// budget it wraps. Give it to the app
    /// ([`AppBuilder::rate_budget`](timeline_core::AppBuilder::rate_budget)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use timeline_core::{LocalRateBudget, RateLimit};
    /// use timeline_dispatch::MeteredBudget;
    ///
    /// let budget = MeteredBudget::new(Arc::new(LocalRateBudget::new(RateLimit::hubspot()).unwrap()));
    /// # let _ = budget;
    /// ```
    pub struct MeteredBudget {
        inner: Arc<dyn RateBudget>,
    }

    impl MeteredBudget {
        /// Measures `inner`.
        pub fn new(inner: Arc<dyn RateBudget>) -> Self {
            MeteredBudget { inner }
        }
    }

    impl std::fmt::Debug for MeteredBudget {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("MeteredBudget").finish_non_exhaustive()
        }
    }

    impl RateBudget for MeteredBudget {
        /// Measures the wait; a refusal of `inner` is handed on as it is.
        fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>> {
            Box::pin(async move {
                let started = Instant::now();
                let permit = self.inner.acquire(account).await?;
                metrics::histogram!("timeline_dispatch_budget_wait_seconds").record(started.elapsed().as_secs_f64());
                Ok(Box::new(MeteredPermit { inner: permit }) as Box<dyn RatePermit + '_>)
            })
        }

        fn usage(&self, account: AccountId) -> BoxFuture<'_, Result<Option<WindowUsage>, BudgetError>> {
            self.inner.usage(account)
        }
    }

    /// A permit whose 429s are counted.
    struct MeteredPermit<'a> {
        inner: Box<dyn RatePermit + 'a>,
    }

    impl RatePermit for MeteredPermit<'_> {
        fn observe(&mut self, limits: &timeline_core::RateLimitHeaders) {
            self.inner.observe(limits);
        }

        fn saturate(&mut self, retry_after: Option<Duration>) {
            metrics::counter!("timeline_dispatch_rate_limited_total").increment(1);
            self.inner.saturate(retry_after);
        }
    }
}
