//! A [`RateBudget`] that passes every call to a [`LocalRateBudget`] and
//! records when each account's answers arrived (when the permit observes
//! the answer's headers), for the per-account shares.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use hubspot_timeline::{BoxFuture, LocalRateBudget, RateBudget, RatePermit};
use reqwest::header::HeaderMap;

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
        for (portal, at) in &answers {
            per_account.entry(*portal).or_default().push(*at);
        }
        (answers.into_iter().map(|(_, at)| at).collect(), per_account)
    }
}

impl RateBudget for Recording {
    fn acquire(&self, portal: u64) -> BoxFuture<'_, Box<dyn RatePermit + '_>> {
        Box::pin(async move {
            let permit = self.budget.acquire(portal).await;
            Box::new(RecordingPermit { permit, portal, answers: &self.answers }) as Box<dyn RatePermit + '_>
        })
    }
}

struct RecordingPermit<'a> {
    permit: Box<dyn RatePermit + 'a>,
    portal: u64,
    answers: &'a Mutex<Vec<(u64, Instant)>>,
}

impl RatePermit for RecordingPermit<'_> {
    fn observe(&mut self, headers: &HeaderMap) {
        self.permit.observe(headers);
        let now = Instant::now();
        self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((self.portal, now));
    }

    fn saturate(&mut self, retry_after: Option<std::time::Duration>) {
        self.permit.saturate(retry_after);
    }
}
