//! [`Activity`]: the delivery outcomes a dispatcher's sink hears, and the
//! requests and 429 answers an observed rate budget sees, counted per minute
//! for the last hour, for the whole relay and for each account, in bounded
//! memory (a ring of [`MINUTES`] buckets each, for at most [`MAX_ACCOUNTS`]
//! accounts).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use timeline_core::AccountId;
use timeline_dispatch::{DispatchOutcome, Fate};

/// The minutes a series covers: the last hour.
pub(crate) const MINUTES: usize = 60;

/// The most accounts whose activity is kept; past it, the account heard
/// from longest ago is forgotten first.
pub(crate) const MAX_ACCOUNTS: usize = 1_000;

/// The outcomes of one minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Minute {
    /// The minute (minutes since the Unix epoch).
    pub(crate) minute: u64,
    /// Events delivered.
    pub(crate) delivered: u32,
    /// Attempts that ended in a retry later.
    pub(crate) retried: u32,
    /// Events that became dead letters.
    pub(crate) dead: u32,
    /// Requests to HubSpot that took a permit of the observed budget.
    pub(crate) requests: u32,
    /// HubSpot's 429 answers to them.
    pub(crate) rate_limited: u32,
}

impl Minute {
    /// Every attempt that ended this minute.
    pub(crate) fn total(&self) -> u32 {
        self.delivered + self.retried + self.dead
    }
}

/// A ring of the last [`MINUTES`] minutes.
#[derive(Debug, Clone)]
struct Ring {
    minutes: [Minute; MINUTES],
}

impl Default for Ring {
    fn default() -> Self {
        Ring { minutes: [Minute::default(); MINUTES] }
    }
}

impl Ring {
    /// The bucket of `minute`, emptied when it held an older minute.
    fn at(&mut self, minute: u64) -> &mut Minute {
        let bucket = &mut self.minutes[(minute % MINUTES as u64) as usize];
        if bucket.minute != minute {
            *bucket = Minute { minute, ..Minute::default() };
        }
        bucket
    }

    /// The last hour up to `now` (a minute), oldest first, empty minutes included.
    fn series(&self, now: u64) -> Vec<Minute> {
        (now.saturating_sub(MINUTES as u64 - 1)..=now)
            .map(|minute| {
                let bucket = self.minutes[(minute % MINUTES as u64) as usize];
                if bucket.minute == minute { bucket } else { Minute { minute, ..Minute::default() } }
            })
            .collect()
    }
}

/// One account's activity.
#[derive(Debug, Clone, Default)]
struct AccountActivity {
    ring: Ring,
    /// The minute it was last heard from.
    last_heard: u64,
}

/// What the last hour held for one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AccountHour {
    /// Events delivered.
    pub(crate) delivered: u64,
    /// Events that became dead letters.
    pub(crate) dead: u64,
    /// Requests to HubSpot under the observed budget.
    pub(crate) requests: u64,
    /// HubSpot's 429 answers to them.
    pub(crate) rate_limited: u64,
}

#[derive(Debug, Default)]
struct Counts {
    relay: Ring,
    accounts: HashMap<AccountId, AccountActivity>,
}

impl Counts {
    /// `account`'s activity, heard from at `minute`; the account heard from
    /// longest ago is forgotten first to make room.
    fn account(&mut self, account: AccountId, minute: u64) -> &mut AccountActivity {
        if !self.accounts.contains_key(&account) && self.accounts.len() >= MAX_ACCOUNTS {
            let quietest = self.accounts.iter().min_by_key(|(_, activity)| activity.last_heard).map(|(id, _)| *id);
            if let Some(quietest) = quietest {
                self.accounts.remove(&quietest);
            }
        }
        let activity = self.accounts.entry(account).or_default();
        activity.last_heard = minute;
        activity
    }
}

/// Delivery outcomes, requests and 429s per minute for the last hour.
/// Cheap to clone; every clone is the same.
#[derive(Debug, Clone, Default)]
pub(crate) struct Activity {
    counts: Arc<Mutex<Counts>>,
    budget_observed: Arc<AtomicBool>,
}

impl Activity {
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts `outcome` in the minute `at` falls in.
    pub(crate) fn record(&self, outcome: &DispatchOutcome, at: SystemTime) {
        let minute = minute_of(at);
        let count = |bucket: &mut Minute| match &outcome.fate {
            Fate::Delivered { .. } => bucket.delivered += 1,
            Fate::RetryAt { .. } => bucket.retried += 1,
            Fate::Dead { .. } => bucket.dead += 1,
        };
        let mut counts = self.counts();
        count(counts.relay.at(minute));
        let activity = counts.account(outcome.key.account, minute);
        count(activity.ring.at(minute));
    }

    /// Counts a request of `account` to HubSpot at `at`; from now on the
    /// pages show requests and 429s.
    pub(crate) fn record_request(&self, account: AccountId, at: SystemTime) {
        self.count_budget(account, at, |bucket| bucket.requests += 1);
    }

    /// Counts HubSpot's 429 answer to a request of `account` at `at`.
    pub(crate) fn record_rate_limited(&self, account: AccountId, at: SystemTime) {
        self.count_budget(account, at, |bucket| bucket.rate_limited += 1);
    }

    /// Counts what a rate budget saw in the relay's and `account`'s minute of `at`.
    fn count_budget(&self, account: AccountId, at: SystemTime, count: impl Fn(&mut Minute)) {
        self.budget_observed.store(true, Ordering::Relaxed);
        let minute = minute_of(at);
        let mut counts = self.counts();
        count(counts.relay.at(minute));
        count(counts.account(account, minute).ring.at(minute));
    }

    /// Whether requests and 429s are counted (a budget is observed).
    pub(crate) fn counts_requests(&self) -> bool {
        self.budget_observed.load(Ordering::Relaxed)
    }

    /// The whole relay's last hour up to `now`, a minute each, oldest first.
    pub(crate) fn relay_series(&self, now: SystemTime) -> Vec<Minute> {
        self.counts().relay.series(minute_of(now))
    }

    /// `account`'s last hour up to `now`, a minute each, oldest first.
    pub(crate) fn account_series(&self, account: AccountId, now: SystemTime) -> Vec<Minute> {
        let minute = minute_of(now);
        match self.counts().accounts.get(&account) {
            Some(activity) => activity.ring.series(minute),
            None => Ring::default().series(minute),
        }
    }

    /// The last hour of every account heard from in it.
    pub(crate) fn accounts_hour(&self, now: SystemTime) -> HashMap<AccountId, AccountHour> {
        let minute = minute_of(now);
        let counts = self.counts();
        counts
            .accounts
            .iter()
            .filter(|(_, activity)| activity.last_heard + MINUTES as u64 > minute)
            .map(|(account, activity)| (*account, hour_of(&activity.ring.series(minute))))
            .collect()
    }

    /// `account`'s last hour.
    pub(crate) fn account_hour(&self, account: AccountId, now: SystemTime) -> AccountHour {
        let minute = minute_of(now);
        match self.counts().accounts.get(&account) {
            Some(activity) => hour_of(&activity.ring.series(minute)),
            None => AccountHour::default(),
        }
    }
}

/// The sums of a series.
fn hour_of(series: &[Minute]) -> AccountHour {
    AccountHour {
        delivered: series.iter().map(|minute| u64::from(minute.delivered)).sum(),
        dead: series.iter().map(|minute| u64::from(minute.dead)).sum(),
        requests: series.iter().map(|minute| u64::from(minute.requests)).sum(),
        rate_limited: series.iter().map(|minute| u64::from(minute.rate_limited)).sum(),
    }
}

/// Minutes since the Unix epoch.
pub(crate) fn minute_of(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map(|since| since.as_secs() / 60).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use timeline_core::EventKind;
    use timeline_core::FailureReason;
    use timeline_dispatch::EventKey;

    fn outcome(account: u64, fate: Fate) -> DispatchOutcome {
        let key = EventKey {
            account: account.into(),
            kind: EventKind::Timeline,
            event_type: "7".to_owned(),
            event_id: "e".to_owned(),
        };
        DispatchOutcome { row: 1, attempt: 1, key, fate }
    }

    #[test]
    fn outcomes_land_in_their_minute_and_age_out_after_an_hour() {
        let activity = Activity::default();
        let start = UNIX_EPOCH + Duration::from_secs(1_000 * 60);
        let delivered = Fate::Delivered { confirmed_by_duplicate: false };
        let limited = Arc::new(FailureReason::RateLimited { daily: false, message: "slow down".into() });
        activity.record(&outcome(101, delivered.clone()), start);
        activity.record(&outcome(101, delivered.clone()), start + Duration::from_secs(60));
        activity.record(&outcome(202, Fate::Dead { reason: limited, may_have_landed: false }), start);
        assert!(!activity.counts_requests());
        activity.record_request(202.into(), start);
        activity.record_rate_limited(202.into(), start);

        let series = activity.relay_series(start + Duration::from_secs(60));
        assert_eq!(series.len(), MINUTES);
        assert_eq!((series[58].delivered, series[58].dead, series[58].requests, series[58].rate_limited), (1, 1, 1, 1));
        assert!(activity.counts_requests());
        assert_eq!(series[59].delivered, 1);
        let hour = activity.account_hour(101.into(), start + Duration::from_secs(60));
        assert_eq!(hour, AccountHour { delivered: 2, ..AccountHour::default() });

        let later = start + Duration::from_secs(60 * 60);
        assert_eq!(activity.account_hour(101.into(), later).delivered, 1, "the first minute is out of the hour");
        assert_eq!(activity.accounts_hour(later).len(), 1, "account 202 was last heard from over an hour ago");
    }

    #[test]
    fn accounts_kept_are_bounded() {
        let activity = Activity::default();
        let now = SystemTime::now();
        for account in 0..(MAX_ACCOUNTS as u64 + 10) {
            activity.record(&outcome(account + 1, Fate::Delivered { confirmed_by_duplicate: false }), now);
        }
        assert_eq!(activity.counts().accounts.len(), MAX_ACCOUNTS);
    }
}
