//! How a request learns that its inputs settled: [`Settlements`] is the
//! dispatcher's [`Sink`]; a request registers a waiter per event key before
//! the event is stored, and the sink wakes it with the outcome (delivered,
//! or dead with its reason). Transient failures wake nobody: the event is
//! still on its way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use timeline_core::FailureReason;
use timeline_dispatch::{DispatchOutcome, EventKey, Fate, RowState, RowSummary, Sink};
use tokio::sync::oneshot;

/// How an event ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Settlement {
    /// HubSpot stored it.
    Delivered,
    /// A permanent failure: it is a dead letter.
    Dead(DeadReason),
}

impl Settlement {
    /// The settlement an outbox row shows, or `None` while it is on its way.
    pub(crate) fn of_row(row: &RowSummary) -> Option<Settlement> {
        match row.state {
            RowState::Delivered => Some(Settlement::Delivered),
            RowState::Dead => Some(Settlement::Dead(DeadReason::Recorded(row.last_error.clone().unwrap_or_default()))),
            RowState::Pending | RowState::Claimed => None,
        }
    }
}

/// Why an event is dead: the client's typed reason when the relay saw the
/// attempt end, or the text the outbox recorded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeadReason {
    /// The reason of the attempt the relay saw end.
    Seen(Arc<FailureReason>),
    /// The outbox's record of an earlier attempt.
    Recorded(String),
}

/// The dispatcher's sink of a relay: wakes the requests waiting for an
/// event's settlement. Cheap to clone; every clone is the same.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settlements {
    waiting: Arc<Mutex<HashMap<EventKey, Vec<oneshot::Sender<Settlement>>>>>,
}

impl Settlements {
    fn waiting(&self) -> MutexGuard<'_, HashMap<EventKey, Vec<oneshot::Sender<Settlement>>>> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for `key`'s settlement from now on; register before the event
    /// is stored, so that no outcome can pass unseen.
    pub(crate) fn register(&self, key: EventKey) -> Waiter {
        let (sender, receiver) = oneshot::channel();
        self.waiting().entry(key.clone()).or_default().push(sender);
        Waiter { key, receiver, settlements: self.clone() }
    }

    /// Forgets the waiters of `key` that nobody waits on any more.
    fn prune(&self, key: &EventKey) {
        let mut waiting = self.waiting();
        if let Some(senders) = waiting.get_mut(key) {
            senders.retain(|sender| !sender.is_closed());
            if senders.is_empty() {
                waiting.remove(key);
            }
        }
    }

    /// Wakes every waiter of `key` with `settlement`.
    fn settle(&self, key: &EventKey, settlement: Settlement) {
        let senders = self.waiting().remove(key).unwrap_or_default();
        for sender in senders {
            // A request that stopped waiting no longer needs it.
            let _ = sender.send(settlement.clone());
        }
    }
}

impl Sink for Settlements {
    fn outcome(&self, outcome: &DispatchOutcome) {
        match &outcome.fate {
            Fate::Delivered { .. } => self.settle(&outcome.key, Settlement::Delivered),
            Fate::Dead { reason, .. } => {
                self.settle(&outcome.key, Settlement::Dead(DeadReason::Seen(Arc::clone(reason))))
            }
            Fate::RetryAt { .. } => {}
        }
    }
}

/// One request's wait for one event's settlement; dropping it forgets the
/// registration.
#[derive(Debug)]
pub(crate) struct Waiter {
    key: EventKey,
    receiver: oneshot::Receiver<Settlement>,
    settlements: Settlements,
}

impl Waiter {
    /// The settlement, once it comes before `deadline`; `None` when the
    /// deadline passes first (or the relay stops).
    pub(crate) async fn until(&mut self, deadline: tokio::time::Instant) -> Option<Settlement> {
        tokio::time::timeout_at(deadline, &mut self.receiver).await.ok()?.ok()
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.receiver.close();
        self.settlements.prune(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline_core::EventKind;

    fn key(id: &str) -> EventKey {
        EventKey { account: 101.into(), kind: EventKind::Timeline, event_type: "7".to_owned(), event_id: id.to_owned() }
    }

    fn outcome(id: &str, fate: Fate) -> DispatchOutcome {
        DispatchOutcome { row: 1, attempt: 1, key: key(id), fate }
    }

    #[tokio::test]
    async fn a_waiter_hears_its_own_event_settle_and_not_a_retry() {
        let settlements = Settlements::default();
        let mut waiter = settlements.register(key("a"));
        let mut other = settlements.register(key("b"));
        let reason = Arc::new(FailureReason::Server { status: 503, attempts: 3 });
        let retry = Fate::RetryAt { at: std::time::SystemTime::now(), reason, may_have_landed: false };
        settlements.outcome(&outcome("a", retry));
        settlements.outcome(&outcome("a", Fate::Delivered { confirmed_by_duplicate: false }));
        let soon = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        assert_eq!(waiter.until(soon).await, Some(Settlement::Delivered));
        assert_eq!(other.until(tokio::time::Instant::now()).await, None, "b has not settled");
    }

    #[test]
    fn dropped_waiters_are_forgotten() {
        let settlements = Settlements::default();
        let first = settlements.register(key("a"));
        let second = settlements.register(key("a"));
        drop(first);
        assert_eq!(settlements.waiting().get(&key("a")).map(Vec::len), Some(1));
        drop(second);
        assert!(settlements.waiting().is_empty());
    }
}
