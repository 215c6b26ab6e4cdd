//! What the console shows of each account: its outbox rows (through the
//! [`Outbox`] trait) and its last hour (from the outcomes heard).

use std::collections::BTreeMap;
use std::time::SystemTime;

use timeline_core::AccountId;
use timeline_dispatch::{Outbox, RowFilter, RowState};

use crate::console::activity::{AccountHour, Activity};

/// The most accounts the overview lists: those with the most rows waiting.
pub(crate) const MAX_ACCOUNTS_SHOWN: usize = 200;

/// One account, as the overview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountRow {
    /// The account.
    pub(crate) account: AccountId,
    /// Its pending and claimed rows.
    pub(crate) undelivered: u64,
    /// Its dead letters.
    pub(crate) dead: u64,
    /// When its oldest undelivered row was enqueued.
    pub(crate) oldest_undelivered: Option<SystemTime>,
    /// Its outcomes of the last hour.
    pub(crate) hour: AccountHour,
}

/// What an account is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountState {
    /// Its last failure said its install is revoked.
    Revoked,
    /// It has rows waiting, or had outcomes in the last hour.
    Active,
    /// Nothing waiting and nothing in the last hour.
    Idle,
}

impl AccountState {
    /// The state's name, also its CSS class.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AccountState::Revoked => "revoked",
            AccountState::Active => "active",
            AccountState::Idle => "idle",
        }
    }
}

impl AccountRow {
    /// What the account is doing.
    pub(crate) fn state(&self) -> AccountState {
        if self.hour.revoked {
            AccountState::Revoked
        } else if self.undelivered > 0 || self.hour.delivered > 0 || self.hour.dead > 0 {
            AccountState::Active
        } else {
            AccountState::Idle
        }
    }
}

/// The accounts with rows waiting or outcomes in the last hour, those with
/// the most undelivered and dead rows first, at most [`MAX_ACCOUNTS_SHOWN`].
pub(crate) async fn accounts(
    outbox: &dyn Outbox,
    activity: &Activity,
    now: SystemTime,
) -> Result<Vec<AccountRow>, timeline_dispatch::Error> {
    let mut hours = activity.accounts_hour(now);
    let mut rows: BTreeMap<AccountId, AccountRow> = BTreeMap::new();
    for counts in outbox.account_counts().await? {
        let hour = hours.remove(&counts.account).unwrap_or_default();
        let row = AccountRow {
            account: counts.account,
            undelivered: counts.undelivered,
            dead: counts.dead,
            oldest_undelivered: None,
            hour,
        };
        rows.insert(counts.account, row);
    }
    for (account, hour) in hours {
        rows.insert(account, AccountRow { account, undelivered: 0, dead: 0, oldest_undelivered: None, hour });
    }
    let mut rows: Vec<AccountRow> = rows.into_values().collect();
    rows.sort_by_key(|row| std::cmp::Reverse((row.undelivered + row.dead, row.hour.delivered)));
    rows.truncate(MAX_ACCOUNTS_SHOWN);
    for row in &mut rows {
        if row.undelivered > 0 {
            row.oldest_undelivered = oldest_undelivered(outbox, row.account).await?;
        }
    }
    Ok(rows)
}

/// One account, as the overview shows it.
pub(crate) async fn account(
    outbox: &dyn Outbox,
    activity: &Activity,
    account: AccountId,
    now: SystemTime,
) -> Result<AccountRow, timeline_dispatch::Error> {
    let counts = outbox.account_counts().await?.into_iter().find(|counts| counts.account == account);
    let (undelivered, dead) = counts.map_or((0, 0), |counts| (counts.undelivered, counts.dead));
    let oldest_undelivered = if undelivered > 0 { oldest_undelivered(outbox, account).await? } else { None };
    Ok(AccountRow { account, undelivered, dead, oldest_undelivered, hour: activity.account_hour(account, now) })
}

/// When `account`'s oldest pending or claimed row was enqueued.
pub(crate) async fn oldest_undelivered(
    outbox: &dyn Outbox,
    account: AccountId,
) -> Result<Option<SystemTime>, timeline_dispatch::Error> {
    let mut oldest = None;
    for state in [RowState::Pending, RowState::Claimed] {
        let filter = RowFilter { state: Some(state), account: Some(account), event_id: None };
        let first = outbox.list(&filter, 1).await?.into_iter().next().map(|row| row.enqueued_at);
        oldest = oldest.into_iter().chain(first).min();
    }
    Ok(oldest)
}
