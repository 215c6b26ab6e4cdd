//! [`MemoryOutbox`]: an [`Outbox`] in the process's memory, for tests and
//! for services that accept losing what waits when the process ends.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use crate::Error;
use crate::fate::Fate;
use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, Enqueued, EventKey, Fence, NewEvent, Outbox, OutboxCounts,
    OutboxDepth, OutboxFuture, Pause, RowFilter, RowId, RowState, RowSummary, Settled, lease_end,
};

/// An [`Outbox`] held in memory: nothing survives the process.
///
/// Clones share their rows, so a test can keep one to look into the outbox
/// a dispatcher owns.
#[derive(Debug, Clone, Default)]
pub struct MemoryOutbox {
    inner: Arc<Mutex<Rows>>,
}

#[derive(Debug, Default)]
struct Rows {
    next_id: RowId,
    rows: BTreeMap<RowId, Row>,
    keys: HashMap<EventKey, RowId>,
    /// Pending and claimed rows, in enqueue order.
    undelivered: BTreeSet<RowId>,
    /// The same rows per account: what a claim looks at.
    accounts: HashMap<AccountId, BTreeSet<RowId>>,
    /// The same rows by due time (a pending row's next attempt, a claimed
    /// row's lease end): what `next_due` looks at.
    due: BTreeSet<(SystemTime, RowId)>,
    /// The paused accounts.
    paused: BTreeMap<AccountId, Pause>,
}

#[derive(Debug)]
struct Row {
    key: EventKey,
    body: Vec<u8>,
    state: RowState,
    attempts: u32,
    enqueued_at: SystemTime,
    due_at: Option<SystemTime>,
    last_error: Option<String>,
    settled_at: Option<SystemTime>,
    may_have_landed: bool,
}

impl MemoryOutbox {
    /// An empty outbox.
    pub fn new() -> Self {
        MemoryOutbox::default()
    }

    fn rows(&self) -> MutexGuard<'_, Rows> {
        // A panic while the lock was held cannot leave a row half changed:
        // every method checks before it changes anything.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Rows {
    fn enqueue(&mut self, events: &[NewEvent], now: SystemTime) -> Vec<Enqueued> {
        events
            .iter()
            .map(|event| {
                if self.keys.contains_key(&event.key) {
                    return Enqueued::AlreadyThere;
                }
                self.next_id += 1;
                let id = self.next_id;
                self.keys.insert(event.key.clone(), id);
                self.undelivered.insert(id);
                self.accounts.entry(event.key.account).or_default().insert(id);
                self.due.insert((now, id));
                self.rows.insert(
                    id,
                    Row {
                        key: event.key.clone(),
                        body: event.body.clone(),
                        state: RowState::Pending,
                        attempts: 0,
                        enqueued_at: now,
                        due_at: Some(now),
                        last_error: None,
                        settled_at: None,
                        may_have_landed: false,
                    },
                );
                Enqueued::Added
            })
            .collect()
    }

    /// The rows one claim takes, in the order the module docs give: accounts
    /// by their oldest due row, each account's rows in enqueue order.
    fn pick(&self, limits: ClaimLimits, skip: &[AccountId], now: SystemTime) -> Vec<RowId> {
        if limits.per_account == 0 || limits.total == 0 {
            return Vec::new();
        }
        let mut shares: Vec<Vec<RowId>> = self
            .accounts
            .iter()
            .filter(|(account, _)| !skip.contains(account) && !self.paused.contains_key(account))
            .map(|(_, ids)| {
                let due = ids.iter().filter(|id| self.rows[*id].due_at.is_some_and(|due| due <= now));
                due.take(limits.per_account).copied().collect::<Vec<_>>()
            })
            .filter(|share| !share.is_empty())
            .collect();
        shares.sort_by_key(|share| share[0]);
        shares.into_iter().flatten().take(limits.total).collect()
    }

    /// Sets the due time of row `id` (`None`: delivered or dead, no longer
    /// undelivered).
    fn set_due(&mut self, id: RowId, due_at: Option<SystemTime>) {
        let Some(row) = self.rows.get_mut(&id) else { return };
        if let Some(old) = row.due_at {
            self.due.remove(&(old, id));
        }
        row.due_at = due_at;
        match due_at {
            Some(due) => {
                self.due.insert((due, id));
                self.undelivered.insert(id);
                self.accounts.entry(row.key.account).or_default().insert(id);
            }
            None => {
                self.undelivered.remove(&id);
                if let Some(ids) = self.accounts.get_mut(&row.key.account) {
                    ids.remove(&id);
                    if ids.is_empty() {
                        self.accounts.remove(&row.key.account);
                    }
                }
            }
        }
    }

    fn claim(
        &mut self,
        limits: ClaimLimits,
        skip: &[AccountId],
        lease_end: SystemTime,
        now: SystemTime,
    ) -> Vec<Claimed> {
        self.pick(limits, skip, now)
            .into_iter()
            .map(|id| {
                self.set_due(id, Some(lease_end));
                let row = self.rows.get_mut(&id).expect("a picked row exists");
                row.state = RowState::Claimed;
                row.attempts += 1;
                Claimed {
                    fence: Fence { row: id, attempt: row.attempts },
                    key: row.key.clone(),
                    body: row.body.clone(),
                    enqueued_at: row.enqueued_at,
                    may_have_landed: row.may_have_landed,
                }
            })
            .collect()
    }

    /// The row `fence` names while it is still that row's claim.
    fn claimed_row(&mut self, fence: &Fence) -> Option<&mut Row> {
        self.rows.get_mut(&fence.row).filter(|row| row.state == RowState::Claimed && row.attempts == fence.attempt)
    }

    /// Changes each row `fences` name that is still claimed by its fence.
    fn each_claimed(&mut self, fences: &[Fence], mut change: impl FnMut(&mut Self, RowId)) -> Settled {
        let mut settled = Settled::default();
        for fence in fences {
            if self.claimed_row(fence).is_some() {
                change(self, fence.row);
                settled.applied += 1;
            } else {
                settled.stale.push(*fence);
            }
        }
        settled
    }

    fn settle(&mut self, outcomes: &[(Fence, Fate)], now: SystemTime) -> Settled {
        let mut settled = Settled::default();
        for (fence, settlement) in outcomes {
            let Some(row) = self.claimed_row(fence) else {
                settled.stale.push(*fence);
                continue;
            };
            let due_at = match settlement {
                Fate::Delivered { .. } => {
                    row.state = RowState::Delivered;
                    row.settled_at = Some(now);
                    // Nothing sends a delivered row again: only its key is
                    // kept, for the retention.
                    row.body = Vec::new();
                    None
                }
                Fate::RetryAt { at, reason, may_have_landed } => {
                    row.state = RowState::Pending;
                    row.last_error = Some(reason.to_string());
                    row.may_have_landed = *may_have_landed;
                    Some(*at)
                }
                Fate::Dead { reason, may_have_landed } => {
                    row.state = RowState::Dead;
                    row.last_error = Some(reason.to_string());
                    row.settled_at = Some(now);
                    row.may_have_landed = *may_have_landed;
                    None
                }
            };
            self.set_due(fence.row, due_at);
            settled.applied += 1;
        }
        settled
    }

    fn next_due(&self) -> Option<SystemTime> {
        self.due.iter().find(|(_, id)| !self.paused.contains_key(&self.rows[id].key.account)).map(|(due, _)| *due)
    }

    fn counts(&self) -> OutboxCounts {
        let mut counts = OutboxCounts::default();
        for row in self.rows.values() {
            match row.state {
                RowState::Pending => counts.pending += 1,
                RowState::Claimed => counts.claimed += 1,
                RowState::Delivered => counts.delivered += 1,
                RowState::Dead => counts.dead += 1,
            }
        }
        counts.oldest_undelivered = self.depth().oldest_undelivered;
        counts
    }

    fn depth(&self) -> OutboxDepth {
        // Ids grow with enqueues: the first undelivered one is the oldest.
        let oldest = self.undelivered.first().map(|id| self.rows[id].enqueued_at);
        OutboxDepth { undelivered: self.undelivered.len() as u64, oldest_undelivered: oldest }
    }

    fn account_counts(&self, delivered_since: SystemTime) -> Vec<AccountCounts> {
        let mut accounts: BTreeMap<AccountId, AccountCounts> = BTreeMap::new();
        let entry = |accounts: &mut BTreeMap<AccountId, AccountCounts>, account: AccountId| {
            accounts.entry(account).or_insert_with(|| AccountCounts {
                paused: self.paused.get(&account).cloned(),
                ..AccountCounts::none(account)
            });
        };
        for row in self.rows.values() {
            let counted = match row.state {
                RowState::Delivered => row.settled_at.is_some_and(|at| at >= delivered_since),
                _ => true,
            };
            if !counted {
                continue;
            }
            entry(&mut accounts, row.key.account);
            let account = accounts.get_mut(&row.key.account).expect("just added");
            match row.state {
                RowState::Pending => account.pending += 1,
                RowState::Claimed => account.claimed += 1,
                RowState::Dead => account.dead += 1,
                RowState::Delivered => account.delivered += 1,
            }
            if matches!(row.state, RowState::Pending | RowState::Claimed) {
                let oldest = account.oldest_undelivered.get_or_insert(row.enqueued_at);
                *oldest = (*oldest).min(row.enqueued_at);
            }
        }
        for &account in self.paused.keys() {
            entry(&mut accounts, account);
        }
        accounts.into_values().collect()
    }

    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> Vec<DeadReason> {
        let mut groups: BTreeMap<&str, (u64, RowId)> = BTreeMap::new();
        for (&id, row) in &self.rows {
            if row.state != RowState::Dead || account.is_some_and(|account| account != row.key.account) {
                continue;
            }
            // Ids grow with enqueues: the first of a group is its oldest.
            let group = groups.entry(row.last_error.as_deref().unwrap_or_default()).or_insert((0, id));
            group.0 += 1;
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|(a_reason, (a_rows, _)), (b_reason, (b_rows, _))| {
            b_rows.cmp(a_rows).then(a_reason.cmp(b_reason))
        });
        groups
            .into_iter()
            .take(limit)
            .map(|(reason, (rows, id))| DeadReason {
                reason: reason.to_owned(),
                rows,
                sample: summary(id, &self.rows[&id]),
                sample_body: self.rows[&id].body.clone(),
            })
            .collect()
    }

    fn list(&self, filter: &RowFilter, limit: usize) -> Vec<RowSummary> {
        self.rows
            .iter()
            .filter(|&(&id, row)| takes(filter, id, row) && filter.state.is_none_or(|state| state == row.state))
            .take(limit)
            .map(|(&id, row)| summary(id, row))
            .collect()
    }

    /// The dead rows `filter` takes (its state aside).
    fn dead(&self, filter: &RowFilter) -> Vec<RowId> {
        self.rows
            .iter()
            .filter(|&(&id, row)| row.state == RowState::Dead && takes(filter, id, row))
            .map(|(&id, _)| id)
            .collect()
    }

    fn requeue_dead(&mut self, filter: &RowFilter, now: SystemTime) -> u64 {
        let dead = self.dead(filter);
        for &id in &dead {
            if let Some(row) = self.rows.get_mut(&id) {
                row.state = RowState::Pending;
                row.settled_at = None;
            }
            self.set_due(id, Some(now));
        }
        dead.len() as u64
    }

    fn drop_dead(&mut self, filter: &RowFilter) -> u64 {
        let dead = self.dead(filter);
        self.remove(&dead);
        dead.len() as u64
    }

    /// Removes the rows `ids` (none of them undelivered).
    fn remove(&mut self, ids: &[RowId]) {
        for id in ids {
            if let Some(row) = self.rows.remove(id) {
                self.keys.remove(&row.key);
            }
        }
    }

    fn purge(&mut self, before: SystemTime, dead_too: bool) -> u64 {
        let gone: Vec<RowId> = self
            .rows
            .iter()
            .filter(|(_, row)| dead_too || row.state == RowState::Delivered)
            .filter(|(_, row)| row.settled_at.is_some_and(|at| at < before))
            .map(|(&id, _)| id)
            .collect();
        self.remove(&gone);
        gone.len() as u64
    }
}

/// Whether `filter`'s account, event id, row and reason take row `id`
/// (its state aside).
fn takes(filter: &RowFilter, id: RowId, row: &Row) -> bool {
    filter.account.is_none_or(|account| account == row.key.account)
        && filter.event_id.as_deref().is_none_or(|event_id| event_id == row.key.event_id)
        && filter.row.is_none_or(|only| only == id)
        && filter.reason.as_deref().is_none_or(|reason| row.last_error.as_deref() == Some(reason))
}

/// Row `id` as [`Outbox::list`] shows it.
fn summary(id: RowId, row: &Row) -> RowSummary {
    RowSummary {
        row: id,
        key: row.key.clone(),
        state: row.state,
        attempts: row.attempts,
        enqueued_at: row.enqueued_at,
        due_at: row.due_at,
        last_error: row.last_error.clone(),
        may_have_landed: row.may_have_landed,
    }
}

fn ready<'a, T: Send + 'a>(result: Result<T, Error>) -> OutboxFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

impl Outbox for MemoryOutbox {
    fn enqueue<'a>(&'a self, events: &'a [NewEvent], now: SystemTime) -> OutboxFuture<'a, Vec<Enqueued>> {
        ready(Ok(self.rows().enqueue(events, now)))
    }

    fn claim_skipping<'a>(
        &'a self,
        limits: ClaimLimits,
        skip: &'a [AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>> {
        ready(lease_end(now, lease).map(|lease_end| self.rows().claim(limits, skip, lease_end, now)))
    }

    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Fate)], now: SystemTime) -> OutboxFuture<'a, Settled> {
        ready(Ok(self.rows().settle(outcomes, now)))
    }

    fn renew<'a>(&'a self, fences: &'a [Fence], lease: Duration, now: SystemTime) -> OutboxFuture<'a, Settled> {
        let renewed = lease_end(now, lease)
            .map(|lease_end| self.rows().each_claimed(fences, |rows, id| rows.set_due(id, Some(lease_end))));
        ready(renewed)
    }

    fn sending<'a>(&'a self, fences: &'a [Fence]) -> OutboxFuture<'a, Settled> {
        ready(Ok(self.rows().each_claimed(fences, |rows, id| {
            if let Some(row) = rows.rows.get_mut(&id) {
                row.may_have_landed = true;
            }
        })))
    }

    fn next_due(&self) -> OutboxFuture<'_, Option<SystemTime>> {
        ready(Ok(self.rows().next_due()))
    }

    fn counts(&self) -> OutboxFuture<'_, OutboxCounts> {
        ready(Ok(self.rows().counts()))
    }

    fn depth(&self) -> OutboxFuture<'_, OutboxDepth> {
        ready(Ok(self.rows().depth()))
    }

    fn account_counts(&self, delivered_since: SystemTime) -> OutboxFuture<'_, Vec<AccountCounts>> {
        ready(Ok(self.rows().account_counts(delivered_since)))
    }

    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> OutboxFuture<'_, Vec<DeadReason>> {
        ready(Ok(self.rows().dead_reasons(account, limit)))
    }

    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>> {
        ready(Ok(self.rows().list(filter, limit)))
    }

    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64> {
        ready(Ok(self.rows().requeue_dead(filter, now)))
    }

    fn drop_dead<'a>(&'a self, filter: &'a RowFilter) -> OutboxFuture<'a, u64> {
        ready(Ok(self.rows().drop_dead(filter)))
    }

    fn pause<'a>(&'a self, account: AccountId, reason: &'a str, now: SystemTime) -> OutboxFuture<'a, bool> {
        let mut rows = self.rows();
        let paused = !rows.paused.contains_key(&account);
        rows.paused.entry(account).or_insert_with(|| Pause { since: now, reason: reason.to_owned() });
        ready(Ok(paused))
    }

    fn resume(&self, account: AccountId) -> OutboxFuture<'_, bool> {
        ready(Ok(self.rows().paused.remove(&account).is_some()))
    }

    fn paused(&self) -> OutboxFuture<'_, Vec<(AccountId, Pause)>> {
        ready(Ok(self.rows().paused.iter().map(|(account, pause)| (*account, pause.clone())).collect()))
    }

    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        ready(Ok(self.rows().purge(before, true)))
    }

    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        ready(Ok(self.rows().purge(before, false)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::rejected;
    use crate::outbox::EventKind;

    fn event(account: u64, id: &str) -> NewEvent {
        NewEvent {
            key: EventKey {
                account: account.into(),
                kind: EventKind::Timeline,
                event_type: "1001".into(),
                event_id: id.into(),
            },
            body: format!("{{\"id\":\"{id}\"}}").into_bytes(),
        }
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + seconds)
    }

    const LEASE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn a_key_is_accepted_once_until_purged() {
        let outbox = MemoryOutbox::new();
        let first = outbox.enqueue(&[event(1, "a"), event(1, "a"), event(2, "a")], at(0)).await.unwrap();
        assert_eq!(first, [Enqueued::Added, Enqueued::AlreadyThere, Enqueued::Added]);
        let claimed = outbox.claim(ClaimLimits { per_account: 10, total: 10 }, LEASE, at(0)).await.unwrap();
        let outcomes: Vec<_> =
            claimed.iter().map(|c| (c.fence, Fate::Delivered { confirmed_by_duplicate: false })).collect();
        assert_eq!(outbox.settle(&outcomes, at(1)).await.unwrap(), Settled { applied: 2, stale: vec![] });
        assert_eq!(outbox.enqueue(&[event(1, "a")], at(2)).await.unwrap(), [Enqueued::AlreadyThere]);
        assert_eq!(outbox.purge(at(1)).await.unwrap(), 0, "settled at 1 is not before 1");
        assert_eq!(outbox.purge(at(2)).await.unwrap(), 2);
        assert_eq!(outbox.enqueue(&[event(1, "a")], at(3)).await.unwrap(), [Enqueued::Added]);
    }

    #[tokio::test]
    async fn a_backlog_takes_one_share_and_the_oldest_account_goes_first() {
        let outbox = MemoryOutbox::new();
        let backlog: Vec<_> = (0..10).map(|i| event(1, &format!("b{i}"))).collect();
        outbox.enqueue(&backlog, at(0)).await.unwrap();
        outbox.enqueue(&[event(2, "q0")], at(1)).await.unwrap();
        outbox.enqueue(&[event(3, "r0")], at(2)).await.unwrap();
        let claimed = outbox.claim(ClaimLimits { per_account: 3, total: 5 }, LEASE, at(3)).await.unwrap();
        let ids: Vec<_> = claimed.iter().map(|c| c.key.event_id.as_str()).collect();
        assert_eq!(ids, ["b0", "b1", "b2", "q0", "r0"]);
        let claimed = outbox.claim(ClaimLimits { per_account: 3, total: 2 }, LEASE, at(3)).await.unwrap();
        let ids: Vec<_> = claimed.iter().map(|c| c.key.event_id.as_str()).collect();
        assert_eq!(ids, ["b3", "b4"]);
    }

    #[tokio::test]
    async fn a_reclaimed_row_refuses_the_older_fence() {
        let outbox = MemoryOutbox::new();
        outbox.enqueue(&[event(1, "a")], at(0)).await.unwrap();
        let limits = ClaimLimits { per_account: 1, total: 1 };
        let first = outbox.claim(limits, LEASE, at(0)).await.unwrap();
        assert!(outbox.claim(limits, LEASE, at(29)).await.unwrap().is_empty());
        let second = outbox.claim(limits, LEASE, at(30)).await.unwrap();
        assert_eq!(second[0].fence.attempt, 2);
        assert!(!second[0].may_have_landed, "a lease that ran out is no evidence of a send");
        let dead = Fate::Dead { reason: rejected("late"), may_have_landed: false };
        let stale = outbox.settle(&[(first[0].fence, dead)], at(31)).await.unwrap();
        assert_eq!(stale, Settled { applied: 0, stale: vec![first[0].fence] });
        let done = [(second[0].fence, Fate::Delivered { confirmed_by_duplicate: false })];
        assert_eq!(outbox.settle(&done, at(31)).await.unwrap(), Settled { applied: 1, stale: vec![] });
        assert_eq!(outbox.settle(&done, at(32)).await.unwrap(), Settled { applied: 0, stale: vec![second[0].fence] });
        assert_eq!(outbox.counts().await.unwrap().delivered, 1);
    }

    #[tokio::test]
    async fn a_dead_letter_requeued_keeps_its_attempts() {
        let outbox = MemoryOutbox::new();
        outbox.enqueue(&[event(1, "a"), event(2, "b")], at(0)).await.unwrap();
        let limits = ClaimLimits { per_account: 5, total: 5 };
        let claimed = outbox.claim(limits, LEASE, at(0)).await.unwrap();
        let outcomes: Vec<_> = claimed
            .iter()
            .map(|c| (c.fence, Fate::Dead { reason: rejected("bad request"), may_have_landed: false }))
            .collect();
        outbox.settle(&outcomes, at(1)).await.unwrap();
        let filter = RowFilter { account: Some(AccountId::new(2)), ..RowFilter::default() };
        assert_eq!(outbox.requeue_dead(&filter, at(2)).await.unwrap(), 1);
        let again = outbox.claim(limits, LEASE, at(2)).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].key.account.get(), again[0].fence.attempt), (2, 2));
        let accounts = outbox.account_counts(at(0)).await.unwrap();
        let counts: Vec<_> = accounts.iter().map(|a| (a.account.get(), a.undelivered(), a.dead)).collect();
        assert_eq!(counts, [(1, 0, 1), (2, 1, 0)]);
        assert_eq!(outbox.next_due().await.unwrap(), Some(at(2) + LEASE));
    }
}
