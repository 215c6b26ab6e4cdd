//! A [`RateBudget`] that passes every call to a [`LocalRateBudget`] and
//! records when each account's answers arrived (when the permit observes
//! the answer's headers), for the per-account shares.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hubspot_timeline::AccountId;
use hubspot_timeline::budget::{BoxFuture, BudgetError, LocalRateBudget, RateBudget, RateLimitHeaders, RatePermit};

use crate::pacing;

/// The app's budget, recording answer times per account.
pub struct Recording {
    budget: LocalRateBudget,
    answers: Mutex<Vec<(u64, Instant)>>,
}

impl Recording {
    pub fn new(budget: LocalRateBudget) -> Self {
        Recording { budget, answers: Mutex::default() }
    }

    /// The budget's accounts with state (see [`LocalRateBudget::tracked_accounts`]).
    pub fn tracked_accounts(&self) -> usize {
        self.budget.tracked_accounts()
    }

    /// Every answer's time, in order, and each account's.
    pub fn take(&self) -> (Vec<Instant>, HashMap<u64, Vec<Instant>>) {
        let mut answers = std::mem::take(&mut *self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        answers.sort_unstable_by_key(|(_, at)| *at);
        let mut per_account: HashMap<u64, Vec<Instant>> = HashMap::new();
        for (account, at) in &answers {
            per_account.entry(*account).or_default().push(*at);
        }
        (answers.into_iter().map(|(_, at)| at).collect(), per_account)
    }
}

impl RateBudget for Recording {
    fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>> {
        Box::pin(async move {
            let permit = self.budget.acquire(account).await?;
            Ok(Box::new(RecordingPermit { permit, account: account.get(), answers: &self.answers })
                as Box<dyn RatePermit + '_>)
        })
    }
}

struct RecordingPermit<'a> {
    permit: Box<dyn RatePermit + 'a>,
    account: u64,
    answers: &'a Mutex<Vec<(u64, Instant)>>,
}

impl RatePermit for RecordingPermit<'_> {
    fn observe(&mut self, limits: &RateLimitHeaders) {
        self.permit.observe(limits);
        let now = Instant::now();
        self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((self.account, now));
    }

    fn saturate(&mut self, retry_after: Option<std::time::Duration>) {
        self.permit.saturate(retry_after);
    }
}

/// A run of every account against its allowance, as its summary reports it.
#[derive(Clone, Copy)]
pub struct ShareRun<'a> {
    /// The app's budget, with the answers it recorded.
    pub budget: &'a Recording,
    /// Accounts 1 to `accounts` had work.
    pub accounts: u64,
    /// Each account's requests per window.
    pub limit: u32,
    /// The rolling window.
    pub window: Duration,
    /// Whole windows of work for every account.
    pub windows: u64,
    /// Requests the sandbox received.
    pub received: u64,
    /// Of them, accepted.
    pub accepted: u64,
    /// Of them, answered 429.
    pub rate_limited: u64,
    /// The run's wall time.
    pub elapsed: Duration,
    /// The driver's CPU time.
    pub cpu: Duration,
    /// The sandbox's CPU time, when it could be read.
    pub sandbox_cpu: Option<Duration>,
}

impl ShareRun<'_> {
    /// Prints the summary's lines: the accounts and their limit, the
    /// requests and what they cost, the shares of the allowances (see
    /// [`print_shares`]) and the accounts the budget still tracks.
    pub fn print(&self) {
        let total_limit = self.limit * u32::try_from(self.accounts).expect("fewer than 2^32 accounts");
        println!(
            "accounts        {} registered, {} per {} ms each ({total_limit} per window in all), {} windows of work",
            self.accounts,
            self.limit,
            self.window.as_millis(),
            self.windows
        );
        let (all, answers_per_account) = self.budget.take();
        println!(
            "requests        {} ({} accepted, {} answered 429), {} answers recorded",
            self.received,
            self.accepted,
            self.rate_limited,
            all.len()
        );
        let per_request =
            |cpu: Duration| format!("{:.1} us/request", cpu.as_secs_f64() * 1e6 / all.len().max(1) as f64);
        println!(
            "elapsed         {:.2} s, client CPU {}, sandbox CPU {}",
            self.elapsed.as_secs_f64(),
            per_request(self.cpu),
            self.sandbox_cpu.map_or("?".to_owned(), per_request)
        );
        print_shares(&all, &answers_per_account, self.accepted, self.accounts, self.limit, self.window);
        println!("budget          {} accounts tracked at the end", self.budget.tracked_accounts());
    }
}

/// Prints the aggregate shares of `all` the answers (steady windows and
/// whole run, against `accounts` × `limit` per window) and the spread of
/// each account's own steady share.
pub fn print_shares(
    all: &[Instant],
    answers_per_account: &HashMap<u64, Vec<Instant>>,
    accepted: u64,
    accounts: u64,
    limit: u32,
    window: Duration,
) {
    let total_limit = limit * u32::try_from(accounts).expect("fewer than 2^32 accounts");
    let steady = pacing::steady_share(all, total_limit, window);
    let whole_run = pacing::whole_run_share(all, accepted, total_limit, window);
    println!(
        "aggregate       {} of the sum of the allowances in the steady windows, {} over the whole run",
        percent(steady),
        percent(whole_run)
    );
    let mut shares: Vec<f64> = (1..=accounts)
        .map(|account| {
            let answers = answers_per_account.get(&account).map_or(&[][..], Vec::as_slice);
            pacing::steady_share(answers, limit, window).unwrap_or(0.0)
        })
        .collect();
    shares.sort_unstable_by(f64::total_cmp);
    if let (Some(min), Some(max)) = (shares.first(), shares.last()) {
        let below = shares.iter().filter(|share| **share < 0.9).count();
        println!(
            "per account     steady share min {:.1}%, median {:.1}%, max {:.1}%; {below} of {} below 90%",
            min * 100.0,
            shares[shares.len() / 2] * 100.0,
            max * 100.0,
            shares.len()
        );
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or("? (fewer than 2 whole windows)".to_owned(), |share| format!("{:.1}%", share * 100.0))
}
