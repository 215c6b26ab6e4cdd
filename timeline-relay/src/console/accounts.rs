//! What the console shows of each account: its outbox rows and pause
//! (through [`Outbox::account_counts`], shared by every relay on the
//! outbox), how full its rate window is now ([`RateBudget::usage`]), and
//! what this relay saw of its last hour (requests, 429s).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use timeline_core::{AccountId, RateBudget, WindowUsage};
use timeline_dispatch::{AccountCounts, INSTALL_REVOKED, Outbox};

use crate::console::activity::{AccountHour, Activity};

/// The most accounts the overview lists: those with the most rows waiting.
pub(crate) const MAX_ACCOUNTS_SHOWN: usize = 200;

/// The span of the "last hour" columns.
const HOUR: Duration = Duration::from_secs(3_600);

/// One account, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountRow {
    /// Its rows in the outbox, its deliveries of the last hour and its pause.
    pub(crate) counts: AccountCounts,
    /// What this relay saw of its last hour.
    pub(crate) hour: AccountHour,
    /// How full its rate window is now, when the console observes the
    /// app's budget and the budget can tell.
    pub(crate) window: Option<WindowUsage>,
}

/// What an account is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountState {
    /// Paused because its install is revoked: its events wait until it is
    /// installed again and resumed.
    Revoked,
    /// Paused by an operator: its events wait until it is resumed.
    Paused,
    /// It has rows waiting, or deliveries in the last hour.
    Active,
    /// Nothing waiting and nothing in the last hour.
    Idle,
}

impl AccountState {
    /// The state's name, also its CSS class.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AccountState::Revoked => "revoked",
            AccountState::Paused => "paused",
            AccountState::Active => "active",
            AccountState::Idle => "idle",
        }
    }
}

impl AccountRow {
    /// The row of an account the outbox knows nothing of.
    fn empty(account: AccountId, hour: AccountHour) -> Self {
        AccountRow { counts: AccountCounts::none(account), hour, window: None }
    }

    /// The account.
    pub(crate) fn account(&self) -> AccountId {
        self.counts.account
    }

    /// What the account is doing.
    pub(crate) fn state(&self) -> AccountState {
        match &self.counts.paused {
            Some(pause) if pause.reason == INSTALL_REVOKED => AccountState::Revoked,
            Some(_) => AccountState::Paused,
            None if self.counts.undelivered() > 0 || self.counts.delivered > 0 || self.hour.dead > 0 => {
                AccountState::Active
            }
            None => AccountState::Idle,
        }
    }
}

/// The accounts with rows or a pause in the outbox, or outcomes this relay
/// saw in the last hour; those with the most undelivered and dead rows
/// first, at most [`MAX_ACCOUNTS_SHOWN`].
pub(crate) async fn accounts(
    outbox: &dyn Outbox,
    activity: &Activity,
    budget: Option<&dyn RateBudget>,
    now: SystemTime,
) -> Result<Vec<AccountRow>, timeline_dispatch::Error> {
    let mut hours = activity.accounts_hour(now);
    let mut rows: BTreeMap<AccountId, AccountRow> = BTreeMap::new();
    for counts in outbox.account_counts(now - HOUR).await? {
        let hour = hours.remove(&counts.account).unwrap_or_default();
        rows.insert(counts.account, AccountRow { counts, hour, window: None });
    }
    for (account, hour) in hours {
        rows.insert(account, AccountRow::empty(account, hour));
    }
    let mut rows: Vec<AccountRow> = rows.into_values().collect();
    rows.sort_by_key(|row| {
        std::cmp::Reverse((
            row.counts.paused.is_some(),
            row.counts.undelivered() + row.counts.dead,
            row.counts.delivered,
        ))
    });
    rows.truncate(MAX_ACCOUNTS_SHOWN);
    if let Some(budget) = budget {
        for row in &mut rows {
            row.window = window(budget, row.account()).await;
        }
    }
    Ok(rows)
}

/// One account, as the console shows it.
pub(crate) async fn account(
    outbox: &dyn Outbox,
    activity: &Activity,
    budget: Option<&dyn RateBudget>,
    account: AccountId,
    now: SystemTime,
) -> Result<AccountRow, timeline_dispatch::Error> {
    let hour = activity.account_hour(account, now);
    let counts = outbox.account_counts(now - HOUR).await?.into_iter().find(|counts| counts.account == account);
    let mut row = match counts {
        Some(counts) => AccountRow { counts, hour, window: None },
        None => AccountRow::empty(account, hour),
    };
    if let Some(budget) = budget {
        row.window = window(budget, account).await;
    }
    Ok(row)
}

/// How full `account`'s window is now; `None` when the budget cannot tell
/// (or could not be asked: logged, and the page shows the rest).
async fn window(budget: &dyn RateBudget, account: AccountId) -> Option<WindowUsage> {
    match budget.usage(account).await {
        Ok(usage) => usage,
        Err(error) => {
            tracing::warn!(account = account.get(), %error, "the rate budget could not say how full the window is");
            None
        }
    }
}
