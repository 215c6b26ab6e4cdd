//! [`RateBudget`]: permits per account under HubSpot's rolling window, and
//! [`LocalRateBudget`], the in-process budget every account of an
//! [`App`](super::App) (or one plain [`Client`](super::Client)) shares.

use crate::AccountId;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::pacing::{Limiter, Slot};
use super::rate_limit_headers::RateLimitHeaders;
use crate::error::Error;
use crate::rate_limit::RateLimit;

/// A boxed future, as the methods of [`RateBudget`] and
/// [`TokenStore`](super::TokenStore) return (so both traits can be used as
/// `dyn` objects without the `async-trait` crate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Permits to send requests for HubSpot accounts, each account
/// under its own rolling window (110 requests in any 10 s for OAuth apps).
///
/// Every request of a client takes a permit first, from
/// [`acquire`](Self::acquire) for its account, and keeps it until the answer
/// arrives: the permit then sees the answer's rate-limit headers
/// ([`RatePermit::observe`]) and, after a 429 of the burst limit, saturates
/// the account's window ([`RatePermit::saturate`]). Dropping the permit ends
/// the request.
///
/// The budget must model the rolling window: any window-long interval holds
/// at most the limit. A token bucket (or GCRA) with a burst of the whole
/// limit lets about twice the limit through in one window, and earns 429s.
///
/// [`LocalRateBudget`] is the in-process implementation; a budget shared by
/// several processes (in Redis, say) implements the same trait.
///
/// ```
/// use std::sync::Arc;
/// use timeline_core::{AccountId, LocalRateBudget, RateBudget, RateLimit};
///
/// # async fn run() -> Result<(), timeline_core::Error> {
/// let budget: Arc<dyn RateBudget> = Arc::new(LocalRateBudget::new(RateLimit::hubspot())?);
/// let permit = budget.acquire(AccountId::new(101)).await.expect("an in-process budget never refuses");
/// drop(permit); // the request ended without an answer
/// # Ok(()) }
/// ```
pub trait RateBudget: Send + Sync {
    /// Waits until a request for `account` may start, and takes its place in
    /// the account's window; or says why the budget cannot tell (its shared
    /// store refused it), and the request is not sent: the call stops with
    /// [`Error::RateBudget`], its events fail unsent.
    fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>>;

    /// How much of `account`'s window is taken now, without taking any of
    /// it (for an operator's view); `None` when the budget cannot tell,
    /// which is the default.
    fn usage(&self, account: AccountId) -> BoxFuture<'_, Result<Option<WindowUsage>, BudgetError>> {
        let _ = account;
        Box::pin(async { Ok(None) })
    }
}

/// How much of an account's rolling window is taken, from
/// [`RateBudget::usage`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use timeline_core::{AccountId, LocalRateBudget, RateBudget, RateLimit};
///
/// let budget = LocalRateBudget::new(RateLimit::new(5, Duration::from_secs(10))).unwrap();
/// let account = AccountId::new(101);
/// assert_eq!(budget.usage(account).await.unwrap().unwrap().used, 0);
/// let permit = budget.acquire(account).await.unwrap();
/// drop(permit);
/// let usage = budget.usage(account).await.unwrap().unwrap();
/// assert_eq!((usage.used, usage.max, usage.window), (1, 5, Duration::from_secs(10)), "still in the window");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowUsage {
    /// The requests in the window now: under way, or started within it.
    pub used: u64,
    /// The most the window takes (as HubSpot's headers last said, else as
    /// configured).
    pub max: u64,
    /// The window's length.
    pub window: Duration,
}

/// Why a [`RateBudget`] handed out no permit: any error of the budget's
/// own, kept as the [`source`](std::error::Error::source) of
/// [`Error::RateBudget`] (downcast it to the budget's error type).
pub type BudgetError = Box<dyn std::error::Error + Send + Sync>;

/// One request's place in its account's window, from
/// [`RateBudget::acquire`]; dropped when the request ends.
pub trait RatePermit: Send {
    /// The answer's rate-limit headers: `X-HubSpot-RateLimit-Max`,
    /// `-Remaining`, `-Interval-Milliseconds` and the secondly ones correct
    /// the account's window (requests other clients of the account made
    /// count too).
    fn observe(&mut self, limits: &RateLimitHeaders);

    /// The answer was a 429 of the burst limit: the account's window is full
    /// as of now, and no request of the account starts before `retry_after`
    /// has passed, when the answer gave one.
    fn saturate(&mut self, retry_after: Option<Duration>);
}

/// The in-process [`RateBudget`]: an exact rolling window per account (the
/// slots of the requests of the last window, counted per instant, never a
/// token bucket), corrected by HubSpot's rate-limit headers.
///
/// State is bounded by the accounts that are busy: an account with no
/// request under way and nothing left in its window holds the same as an
/// account never seen, and is forgotten when a request of any account starts
/// a window after the last sweep, or once the accounts tracked have doubled
/// since (so the cost stays constant per request). No task runs per account.
///
/// ```
/// use std::time::Duration;
/// use timeline_core::{AccountId, LocalRateBudget, RateBudget, RateLimit};
///
/// # async fn run() -> Result<(), timeline_core::Error> {
/// let budget = LocalRateBudget::new(RateLimit::new(5, Duration::from_secs(1)))?;
/// drop(budget.acquire(AccountId::new(101)).await);
/// assert_eq!(budget.tracked_accounts(), 1);
/// tokio::time::sleep(Duration::from_secs(1)).await;
/// assert_eq!(budget.tracked_accounts(), 0, "account 101 is idle again");
/// # Ok(()) }
/// ```
pub struct LocalRateBudget {
    limit: RateLimit,
    accounts: Mutex<Accounts>,
}

/// The accounts a [`LocalRateBudget`] tracks.
struct Accounts {
    limiters: HashMap<AccountId, Arc<Limiter>>,
    /// The size at which idle accounts are swept out next, whatever the time.
    sweep_at: usize,
    last_sweep: Instant,
}

/// The least size at which [`Accounts`] sweeps before a window has passed.
const LEAST_SWEEP: usize = 64;

impl Accounts {
    /// Forgets the idle accounts once a window has passed since the last
    /// sweep, or when the map has doubled since: the sweeps cost a constant
    /// per permit.
    fn sweep_if_due(&mut self, window: Duration, now: Instant) {
        if self.limiters.len() >= self.sweep_at || now.duration_since(self.last_sweep) >= window {
            self.sweep(now);
        }
    }

    /// Forgets every account that no request or waiter holds and whose
    /// limiter is idle.
    fn sweep(&mut self, now: Instant) {
        self.limiters.retain(|_, limiter| Arc::strong_count(limiter) > 1 || !limiter.is_idle(now));
        self.sweep_at = (2 * self.limiters.len()).max(LEAST_SWEEP);
        self.last_sweep = now;
        if self.limiters.capacity() > 4 * self.sweep_at {
            self.limiters.shrink_to(self.sweep_at);
        }
    }
}

impl LocalRateBudget {
    /// A budget of `limit` for every account (the default is HubSpot's 110
    /// requests per 10 s). A limit of 0 requests, or a window of zero or
    /// longer than a day, is an [`Error::Config`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use timeline_core::{LocalRateBudget, RateLimit};
    /// assert!(LocalRateBudget::new(RateLimit::new(100, Duration::from_secs(10))).is_ok());
    /// assert!(LocalRateBudget::new(RateLimit::new(0, Duration::from_secs(10))).is_err());
    /// ```
    pub fn new(limit: RateLimit) -> Result<Self, Error> {
        limit.check()?;
        Ok(LocalRateBudget::unchecked(limit))
    }

    /// A budget of a limit already checked.
    pub(crate) fn unchecked(limit: RateLimit) -> Self {
        let accounts = Accounts { limiters: HashMap::new(), sweep_at: LEAST_SWEEP, last_sweep: Instant::now() };
        LocalRateBudget { limit, accounts: Mutex::new(accounts) }
    }

    /// How many accounts the budget holds state for now: those with a
    /// request under way, waiting, or in their window (idle ones are
    /// forgotten first).
    ///
    /// ```
    /// assert_eq!(timeline_core::LocalRateBudget::default().tracked_accounts(), 0);
    /// ```
    pub fn tracked_accounts(&self) -> usize {
        let mut accounts = self.lock();
        accounts.sweep(Instant::now());
        accounts.limiters.len()
    }

    /// The limiter of `account`, made when the account has none.
    fn limiter(&self, account: AccountId) -> Arc<Limiter> {
        let now = Instant::now();
        let mut accounts = self.lock();
        accounts.sweep_if_due(self.limit.window(), now);
        let limit = self.limit;
        Arc::clone(accounts.limiters.entry(account).or_insert_with(|| Arc::new(Limiter::new(limit))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for LocalRateBudget {
    /// HubSpot's limit for OAuth apps: 110 requests per 10 s per account.
    fn default() -> Self {
        LocalRateBudget::unchecked(RateLimit::hubspot())
    }
}

impl fmt::Debug for LocalRateBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRateBudget")
            .field("limit", &self.limit)
            .field("accounts", &self.lock().limiters.len())
            .finish()
    }
}

impl RateBudget for LocalRateBudget {
    /// Never refuses.
    fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>> {
        Box::pin(async move {
            let limiter = self.limiter(account);
            let slot = limiter.take_slot().await;
            Ok(Box::new(LocalPermit { limiter, slot }) as Box<dyn RatePermit>)
        })
    }

    /// This process's requests in the account's window: an account it
    /// does not track has none.
    fn usage(&self, account: AccountId) -> BoxFuture<'_, Result<Option<WindowUsage>, BudgetError>> {
        let limiter = self.lock().limiters.get(&account).cloned();
        let (used, max) = match limiter {
            Some(limiter) => limiter.usage(Instant::now()),
            None => (0, None),
        };
        let usage = WindowUsage {
            used: used as u64,
            max: max.map_or(u64::from(self.limit.max_requests()), |max| max as u64),
            window: self.limit.window(),
        };
        Box::pin(async move { Ok(Some(usage)) })
    }
}

/// A request's slot in its account's limiter.
struct LocalPermit {
    limiter: Arc<Limiter>,
    slot: Slot,
}

impl RatePermit for LocalPermit {
    fn observe(&mut self, limits: &RateLimitHeaders) {
        self.limiter.observe(limits, self.slot.started());
    }

    fn saturate(&mut self, retry_after: Option<Duration>) {
        self.limiter.saturate(retry_after);
    }
}

impl Drop for LocalPermit {
    fn drop(&mut self) {
        self.limiter.release(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    const SECOND: Duration = Duration::from_secs(1);

    fn budget(max_requests: u32) -> LocalRateBudget {
        LocalRateBudget::new(RateLimit::new(max_requests, SECOND)).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn each_account_has_its_own_window() {
        let budget = budget(2);
        let start = Instant::now();
        for account in [101, 101, 202, 202] {
            drop(budget.acquire(AccountId::new(account)).await);
        }
        assert_eq!(Instant::now(), start, "two accounts, two requests each: no wait");
        drop(budget.acquire(AccountId::new(101)).await);
        assert_eq!(Instant::now(), start + SECOND, "the third request of 101 waits a window");
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_rolls_exactly() {
        let budget = budget(3);
        let start = Instant::now();
        drop(budget.acquire(AccountId::new(7)).await);
        tokio::time::advance(Duration::from_millis(600)).await;
        drop(budget.acquire(AccountId::new(7)).await);
        drop(budget.acquire(AccountId::new(7)).await);
        // Any second holds at most three: the fourth waits for the first to expire.
        drop(budget.acquire(AccountId::new(7)).await);
        assert_eq!(Instant::now(), start + SECOND);
        // The fifth waits for the two dated 600 ms.
        drop(budget.acquire(AccountId::new(7)).await);
        assert_eq!(Instant::now(), start + Duration::from_millis(1_600));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_saturates_the_account_and_pauses_it_for_its_retry_after() {
        let budget = budget(100);
        let start = Instant::now();
        let mut permit = budget.acquire(AccountId::new(101)).await.unwrap();
        permit.saturate(Some(Duration::from_secs(3)));
        drop(permit);
        drop(budget.acquire(AccountId::new(202)).await);
        assert_eq!(Instant::now(), start, "another account is not held back");
        drop(budget.acquire(AccountId::new(101)).await);
        assert_eq!(Instant::now(), start + Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn headers_correct_the_account_window() {
        let budget = budget(10);
        let start = Instant::now();
        let mut permit = budget.acquire(AccountId::new(101)).await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(0));
        permit.observe(&RateLimitHeaders::from_headers(&headers));
        drop(permit);
        drop(budget.acquire(AccountId::new(202)).await);
        assert_eq!(Instant::now(), start);
        drop(budget.acquire(AccountId::new(101)).await);
        assert_eq!(Instant::now(), start + SECOND, "the server counted ten for 101");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_accounts_are_forgotten_and_busy_ones_kept() {
        let budget = budget(5);
        for account in 0..10_000 {
            drop(budget.acquire(AccountId::new(account)).await);
        }
        let held = budget.acquire(AccountId::new(1)).await;
        assert!(budget.tracked_accounts() >= 10_000);
        tokio::time::advance(SECOND).await;
        assert_eq!(budget.tracked_accounts(), 1, "only the account with a request under way");
        drop(held);
        drop(budget.acquire(AccountId::new(2)).await);
        tokio::time::advance(SECOND).await;
        drop(budget.acquire(AccountId::new(3)).await);
        assert_eq!(budget.lock().limiters.len(), 1, "a window later, a permit sweeps the idle ones");
        let room = budget.lock().limiters.capacity();
        assert!(room <= 4 * LEAST_SWEEP, "the map kept room for {room} accounts");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_account_is_not_forgotten() {
        let budget = Arc::new(budget(1));
        let start = Instant::now();
        drop(budget.acquire(AccountId::new(9)).await);
        let waiter = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move { drop(budget.acquire(AccountId::new(9)).await) })
        };
        tokio::task::yield_now().await;
        assert_eq!(budget.tracked_accounts(), 1);
        waiter.await.unwrap();
        assert_eq!(Instant::now(), start + SECOND);
    }
}
