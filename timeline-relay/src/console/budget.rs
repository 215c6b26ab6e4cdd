//! [`ObservedBudget`]: a rate budget that tells the console's activity of
//! every request it lets through and every 429 answer HubSpot gives it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use timeline_core::{AccountId, BoxFuture, BudgetError, RateBudget, RateLimitHeaders, RatePermit, WindowUsage};

use crate::console::activity::Activity;

/// The app's budget once the console observes it, to ask how full each
/// account's window is.
#[derive(Default)]
pub(crate) struct Observed(Mutex<Option<Arc<dyn RateBudget>>>);

impl Observed {
    /// Remembers `budget`.
    pub(crate) fn set(&self, budget: Arc<dyn RateBudget>) {
        *self.lock() = Some(budget);
    }

    /// The budget, once observed.
    pub(crate) fn get(&self) -> Option<Arc<dyn RateBudget>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<dyn RateBudget>>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Observed").field(&self.lock().is_some()).finish()
    }
}

/// The budget it wraps, observed.
pub(crate) struct ObservedBudget {
    pub(crate) inner: Arc<dyn RateBudget>,
    pub(crate) activity: Activity,
}

impl std::fmt::Debug for ObservedBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedBudget").finish_non_exhaustive()
    }
}

impl RateBudget for ObservedBudget {
    /// Counts the request once the inner budget lets it go; a refusal is handed on as it is.
    fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>> {
        Box::pin(async move {
            let inner = self.inner.acquire(account).await?;
            self.activity.record_request(account, SystemTime::now());
            Ok(Box::new(ObservedPermit { inner, account, activity: &self.activity }) as Box<dyn RatePermit + '_>)
        })
    }

    fn usage(&self, account: AccountId) -> BoxFuture<'_, Result<Option<WindowUsage>, BudgetError>> {
        self.inner.usage(account)
    }
}

/// A permit whose 429s are counted.
struct ObservedPermit<'a> {
    inner: Box<dyn RatePermit + 'a>,
    account: AccountId,
    activity: &'a Activity,
}

impl RatePermit for ObservedPermit<'_> {
    fn observe(&mut self, limits: &RateLimitHeaders) {
        self.inner.observe(limits);
    }

    fn saturate(&mut self, retry_after: Option<Duration>) {
        self.activity.record_rate_limited(self.account, SystemTime::now());
        self.inner.saturate(retry_after);
    }
}
