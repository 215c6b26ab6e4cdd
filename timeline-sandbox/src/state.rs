//! The state every route shares.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use crate::builder::Config;
use crate::faults::{FaultInjector, Faults};
use crate::rate_limit::RateLimiter;
use crate::received::ReceivedCounts;
use crate::stats::Stats;
use crate::store::EventStore;
use crate::templates::TemplateStore;

/// The configuration and the mutable parts of a running sandbox.
pub(crate) struct State {
    pub(crate) config: Config,
    templates: RwLock<TemplateStore>,
    events: Mutex<EventStore>,
    limiter: Mutex<RateLimiter>,
    faults: Mutex<FaultInjector>,
    issued_tokens: Mutex<HashMap<String, Instant>>,
    stats: Mutex<Stats>,
    received: Mutex<ReceivedCounts>,
}

/// Shows the configuration only: the rest is large, and issued tokens are secrets.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("config", &self.config).finish_non_exhaustive()
    }
}

impl State {
    /// The state of a sandbox that has seen nothing yet.
    pub(crate) fn new(config: Config, templates: TemplateStore, faults: Faults) -> Self {
        State {
            limiter: Mutex::new(RateLimiter::new(config.rate_limit, config.daily_limit)),
            config,
            templates: RwLock::new(templates),
            events: Mutex::new(EventStore::default()),
            faults: Mutex::new(FaultInjector::new(faults)),
            issued_tokens: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            received: Mutex::new(ReceivedCounts::default()),
        }
    }

    /// The templates, to read.
    pub(crate) fn templates(&self) -> RwLockReadGuard<'_, TemplateStore> {
        self.templates.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The templates, to change.
    pub(crate) fn templates_mut(&self) -> RwLockWriteGuard<'_, TemplateStore> {
        self.templates.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stored events and contacts.
    pub(crate) fn events(&self) -> MutexGuard<'_, EventStore> {
        lock(&self.events)
    }

    /// The rate limiter.
    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        lock(&self.limiter)
    }

    /// The fault plan in progress.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultInjector> {
        lock(&self.faults)
    }

    /// Access tokens issued over OAuth, with their expiry.
    pub(crate) fn issued_tokens(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        lock(&self.issued_tokens)
    }

    /// The counters.
    pub(crate) fn stats(&self) -> MutexGuard<'_, Stats> {
        lock(&self.stats)
    }

    /// How many inputs were received per (template, id).
    pub(crate) fn received(&self) -> MutexGuard<'_, ReceivedCounts> {
        lock(&self.received)
    }

    /// Clears events, contacts, counters, receive counts and rate-limit windows.
    pub(crate) fn reset(&self) {
        self.events().clear();
        self.limiter().clear();
        *self.stats() = Stats::default();
        self.received().clear();
    }
}

/// Locks a mutex; a panic elsewhere while it was held does not poison the sandbox.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
