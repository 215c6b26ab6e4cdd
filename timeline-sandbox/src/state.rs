//! The state every route shares.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::accounts::{Accounts, Window};
use crate::app_events::AppEventStore;
use crate::config::Config;
use crate::faults::{FaultInjector, Faults};
use crate::rate_limit::RateLimiter;
use crate::received::ReceivedCounts;
use crate::stats::Counters;
use crate::store::EventStore;
use crate::templates::TemplateStore;

/// The configuration and the mutable parts of a running sandbox.
pub(crate) struct State {
    pub(crate) config: Config,
    templates: RwLock<TemplateStore>,
    events: Mutex<EventStore>,
    limiter: Mutex<RateLimiter<Window>>,
    faults: Mutex<FaultInjector>,
    accounts: Mutex<Accounts>,
    /// How many token-endpoint requests are still to answer 429, and their `Retry-After`.
    token_throttle: Mutex<(u32, Duration)>,
    counters: Mutex<Counters>,
    received: Mutex<ReceivedCounts>,
    app_events: Mutex<AppEventStore>,
    /// App-event inputs received per (type uid, or the name as sent for an unknown type; id).
    app_events_received: Mutex<ReceivedCounts>,
}

/// Shows the configuration and how many credentials the accounts hold: the
/// rest is large, and tokens are secrets.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = f.debug_struct("State");
        shown.field("config", &self.config);
        // Not blocking: a `Debug` while the accounts are locked shows no accounts.
        if let Ok(accounts) = self.accounts.try_lock() {
            shown.field("accounts", &*accounts);
        }
        shown.finish_non_exhaustive()
    }
}

impl State {
    /// The state of a sandbox that has seen nothing yet.
    pub(crate) fn new(config: Config, accounts: Accounts, templates: TemplateStore, faults: Faults) -> Self {
        State {
            limiter: Mutex::new(RateLimiter::new(config.rate_limit, config.daily_limit)),
            config,
            templates: RwLock::new(templates),
            events: Mutex::new(EventStore::default()),
            faults: Mutex::new(FaultInjector::new(faults)),
            accounts: Mutex::new(accounts),
            token_throttle: Mutex::new((0, Duration::ZERO)),
            counters: Mutex::new(Counters::default()),
            received: Mutex::new(ReceivedCounts::default()),
            app_events: Mutex::new(AppEventStore::default()),
            app_events_received: Mutex::new(ReceivedCounts::default()),
        }
    }

    /// The event types (templates and app-event types), to read.
    pub(crate) fn templates(&self) -> RwLockReadGuard<'_, TemplateStore> {
        self.templates.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The event types, to change the templates.
    pub(crate) fn templates_mut(&self) -> RwLockWriteGuard<'_, TemplateStore> {
        self.templates.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stored events and contacts.
    pub(crate) fn events(&self) -> MutexGuard<'_, EventStore> {
        lock(&self.events)
    }

    /// The rate limiter.
    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateLimiter<Window>> {
        lock(&self.limiter)
    }

    /// The fault plan in progress.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultInjector> {
        lock(&self.faults)
    }

    /// The accounts and their credentials.
    pub(crate) fn accounts(&self) -> MutexGuard<'_, Accounts> {
        lock(&self.accounts)
    }

    /// Makes the next `times` token-endpoint requests answer 429 with this `Retry-After`.
    pub(crate) fn throttle_token_endpoint(&self, times: u32, retry_after: Duration) {
        *lock(&self.token_throttle) = (times, retry_after);
    }

    /// The `Retry-After` of a 429, when this token-endpoint request is one
    /// of those to refuse.
    pub(crate) fn take_token_throttle(&self) -> Option<Duration> {
        let mut throttle = lock(&self.token_throttle);
        let (times, retry_after) = &mut *throttle;
        (*times > 0).then(|| {
            *times -= 1;
            *retry_after
        })
    }

    /// The counters, in all and per account.
    pub(crate) fn counters(&self) -> MutexGuard<'_, Counters> {
        lock(&self.counters)
    }

    /// How many inputs were received per (template, id).
    pub(crate) fn received(&self) -> MutexGuard<'_, ReceivedCounts> {
        lock(&self.received)
    }

    /// The stored app-event occurrences.
    pub(crate) fn app_events(&self) -> MutexGuard<'_, AppEventStore> {
        lock(&self.app_events)
    }

    /// How many app-event inputs were received per (type, id).
    pub(crate) fn app_events_received(&self) -> MutexGuard<'_, ReceivedCounts> {
        lock(&self.app_events_received)
    }

    /// Clears events, app-event occurrences, contacts, counters, receive
    /// counts and rate-limit windows.
    pub(crate) fn reset(&self) {
        self.app_events().clear();
        self.app_events_received().clear();
        self.events().clear();
        self.limiter().clear();
        self.counters().clear();
        self.received().clear();
    }
}

/// Locks a mutex; a panic elsewhere while it was held does not poison the sandbox.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
