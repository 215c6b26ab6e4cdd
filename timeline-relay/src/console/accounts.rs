//! What the console shows of each account: its outbox rows and pause
//! (through [`Outbox::account_counts`], shared by every relay on the
//! outbox) and what this relay saw of its last hour (requests, 429s).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use timeline_core::AccountId;
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
        let counts = AccountCounts {
            account,
            pending: 0,
            claimed: 0,
            dead: 0,
            delivered: 0,
            oldest_undelivered: None,
            paused: None,
        };
        AccountRow { counts, hour }
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
    now: SystemTime,
) -> Result<Vec<AccountRow>, timeline_dispatch::Error> {
    let mut hours = activity.accounts_hour(now);
    let mut rows: BTreeMap<AccountId, AccountRow> = BTreeMap::new();
    for counts in outbox.account_counts(now - HOUR).await? {
        let hour = hours.remove(&counts.account).unwrap_or_default();
        rows.insert(counts.account, AccountRow { counts, hour });
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
    Ok(rows)
}

/// One account, as the console shows it.
pub(crate) async fn account(
    outbox: &dyn Outbox,
    activity: &Activity,
    account: AccountId,
    now: SystemTime,
) -> Result<AccountRow, timeline_dispatch::Error> {
    let hour = activity.account_hour(account, now);
    let counts = outbox.account_counts(now - HOUR).await?.into_iter().find(|counts| counts.account == account);
    Ok(match counts {
        Some(counts) => AccountRow { counts, hour },
        None => AccountRow::empty(account, hour),
    })
}
