//! The dispatcher when its outbox or its sink misbehaves: only settlements
//! the outbox applied reach the sink, a settlement that failed is tried
//! again without sending again, a panic makes `flush` and `shutdown` fail
//! at once instead of waiting for ever, and an account's batches one after
//! another do not each load its tokens from the token store.

mod dispatch_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;
use timeline_core::Client;

use chrono::Utc;
use dispatch_support::*;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, BoxFuture, MemoryTokenStore, StoreError, TokenStore};
use timeline_dispatch::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, DispatchOutcome, Dispatcher, Enqueued, Error, Fate, Fence,
    MemoryOutbox, NewEvent, Outbox, OutboxCounts, OutboxFuture, Pause, RowFilter, RowState, RowSummary, Settled,
};
use timeline_sandbox::DuplicateIds;

/// An outbox over a [`MemoryOutbox`] whose settles fail the first
/// `failing_settles` times or take `slow_settles` each, and, when
/// `lost_after_a_claim`, whose lease renewals and claims fail once a claim
/// has returned rows (a replica that lost its database).
struct Wrapped {
    inner: MemoryOutbox,
    failing_settles: AtomicUsize,
    slow_settles: Duration,
    lost_after_a_claim: bool,
    claimed: AtomicBool,
    settles: AtomicUsize,
}

impl Wrapped {
    fn new(inner: MemoryOutbox) -> Self {
        Wrapped {
            inner,
            failing_settles: AtomicUsize::new(0),
            slow_settles: Duration::ZERO,
            lost_after_a_claim: false,
            claimed: AtomicBool::new(false),
            settles: AtomicUsize::new(0),
        }
    }
}

impl Outbox for Wrapped {
    fn enqueue<'a>(&'a self, events: &'a [NewEvent], now: SystemTime) -> OutboxFuture<'a, Vec<Enqueued>> {
        self.inner.enqueue(events, now)
    }

    fn claim_skipping<'a>(
        &'a self,
        limits: ClaimLimits,
        skip: &'a [AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>> {
        Box::pin(async move {
            if self.lost_after_a_claim && self.claimed.load(Ordering::SeqCst) {
                return Err(Error::outbox_message("the database is unreachable"));
            }
            let claimed = self.inner.claim_skipping(limits, skip, lease, now).await?;
            self.claimed.fetch_or(!claimed.is_empty(), Ordering::SeqCst);
            Ok(claimed)
        })
    }

    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Fate)], now: SystemTime) -> OutboxFuture<'a, Settled> {
        Box::pin(async move {
            tokio::time::sleep(self.slow_settles).await;
            let failing = self.failing_settles.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            let settled = match failing {
                Ok(_) => Err(Error::outbox_message("the database is unreachable")),
                Err(_) => self.inner.settle(outcomes, now).await,
            };
            self.settles.fetch_add(1, Ordering::SeqCst);
            settled
        })
    }

    fn renew<'a>(&'a self, fences: &'a [Fence], lease: Duration, now: SystemTime) -> OutboxFuture<'a, Settled> {
        if self.lost_after_a_claim {
            return Box::pin(async { Err(Error::outbox_message("the database is unreachable")) });
        }
        self.inner.renew(fences, lease, now)
    }

    fn sending<'a>(&'a self, fences: &'a [Fence]) -> OutboxFuture<'a, Settled> {
        self.inner.sending(fences)
    }

    fn next_due(&self) -> OutboxFuture<'_, Option<SystemTime>> {
        self.inner.next_due()
    }

    fn counts(&self) -> OutboxFuture<'_, OutboxCounts> {
        self.inner.counts()
    }

    fn account_counts(&self, delivered_since: SystemTime) -> OutboxFuture<'_, Vec<AccountCounts>> {
        self.inner.account_counts(delivered_since)
    }

    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> OutboxFuture<'_, Vec<DeadReason>> {
        self.inner.dead_reasons(account, limit)
    }

    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>> {
        self.inner.list(filter, limit)
    }

    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64> {
        self.inner.requeue_dead(filter, now)
    }

    fn drop_dead<'a>(&'a self, filter: &'a RowFilter) -> OutboxFuture<'a, u64> {
        self.inner.drop_dead(filter)
    }

    fn pause<'a>(&'a self, account: AccountId, reason: &'a str, now: SystemTime) -> OutboxFuture<'a, bool> {
        self.inner.pause(account, reason, now)
    }

    fn resume(&self, account: AccountId) -> OutboxFuture<'_, bool> {
        self.inner.resume(account)
    }

    fn paused(&self) -> OutboxFuture<'_, Vec<(AccountId, Pause)>> {
        self.inner.paused()
    }

    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        self.inner.purge(before)
    }

    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64> {
        self.inner.purge_delivered(before)
    }
}

async fn state_of(outbox: &MemoryOutbox, event_id: &str) -> (RowState, u32) {
    let filter = RowFilter { event_id: Some(event_id.into()), ..RowFilter::default() };
    let row = outbox.list(&filter, 1).await.unwrap().remove(0);
    (row.state, row.attempts)
}

/// A replica that lost its database after its claim (its renewals fail)
/// while its settlement was slow: its lease ran out, another replica
/// claimed the row again and delivered it, so the slow replica's settlement
/// is stale, not applied, and never reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settlement_the_outbox_did_not_apply_is_not_reported() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let shared = MemoryOutbox::new();
    let slow =
        Wrapped { slow_settles: Duration::from_secs(3), lost_after_a_claim: true, ..Wrapped::new(shared.clone()) };
    let slow = Arc::new(slow);
    let slow_outcomes = Outcomes::default();
    let first = dispatcher(app(&sandbox), slow.clone(), &slow_outcomes).lease(Duration::from_secs(1)).spawn().unwrap();
    first.emit(101, &signup(101, 0)).await.unwrap();
    let id = signup(101, 0).signup_id;
    eventually(PATIENCE, "the first request answered", || async { sandbox.received(TEMPLATE, &id) == 1 }).await;

    let outcomes = Outcomes::default();
    let second = dispatcher(app(&sandbox), Arc::new(shared.clone()), &outcomes).spawn().unwrap();
    eventually(PATIENCE, "delivered by the second", || async { outcomes.delivered().len() == 1 }).await;
    assert_eq!(state_of(&shared, &id).await, (RowState::Delivered, 2));
    assert_eq!(outcomes.delivered()[0].fate, Fate::Delivered { confirmed_by_duplicate: true });
    eventually(PATIENCE, "the first replica's settlement", || async { slow.settles.load(Ordering::SeqCst) >= 1 }).await;
    assert_eq!(slow_outcomes.all(), Vec::<DispatchOutcome>::new(), "the stale settlement is not reported");
    assert_eq!(sandbox.stats().inputs_stored, 1, "stored once");
    assert_eq!(state_of(&shared, &id).await, (RowState::Delivered, 2), "still delivered");
    first.shutdown(Duration::from_secs(5)).await.expect("the first stops");
    second.shutdown(Duration::from_secs(5)).await.expect("the second stops");
}

/// The outbox fails the first settlement: it is tried again until it lands,
/// and only then reported; the event is not sent again meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_settlement_is_tried_again_without_sending_again() {
    let sandbox = sandbox().start().await.unwrap();
    let shared = MemoryOutbox::new();
    let wrapped = Arc::new(Wrapped { failing_settles: AtomicUsize::new(1), ..Wrapped::new(shared.clone()) });
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), wrapped.clone(), &outcomes).spawn().unwrap();
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    let id = signup(101, 0).signup_id;
    eventually(PATIENCE, "the outcome reported", || async { !outcomes.all().is_empty() }).await;
    assert!(wrapped.settles.load(Ordering::SeqCst) >= 2, "the first settlement failed");
    assert_eq!(outcomes.delivered().len(), 1, "{:?}", outcomes.all());
    assert_eq!(outcomes.all().len(), 1, "reported once: {:?}", outcomes.all());
    assert_eq!(state_of(&shared, &id).await, (RowState::Delivered, 1), "one attempt");
    assert_eq!(sandbox.received(TEMPLATE, &id), 1, "sent once");
    dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
}

/// A sink that panics kills the dispatcher's task: `flush` and `shutdown`
/// say so at once, and `emit` refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_sink_makes_flush_and_shutdown_fail_promptly() {
    let sandbox = sandbox().start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let dispatcher = timeline_dispatch::Dispatcher::builder(app(&sandbox), outbox.clone())
        .linger(Duration::ZERO)
        .sink(|_: &DispatchOutcome| panic!("the sink broke"))
        .spawn()
        .unwrap();
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    let flushed = tokio::time::timeout(Duration::from_secs(5), dispatcher.flush()).await;
    let Ok(Err(Error::Died { message })) = flushed else { panic!("the flush did not fail: {flushed:?}") };
    assert!(message.contains("the sink broke"), "{message}");
    let stopped = tokio::time::timeout(Duration::from_secs(5), dispatcher.shutdown(Duration::from_secs(1))).await;
    let Ok(Err(Error::Died { message })) = stopped else { panic!("the shutdown did not fail: {stopped:?}") };
    assert!(message.contains("the sink broke"), "{message}");
    assert!(matches!(dispatcher.emit(101, &signup(101, 1)).await, Err(timeline_dispatch::Error::ShutDown)));
    assert_eq!(outbox.counts().await.unwrap().delivered, 1, "the outbox holds the truth");
}

/// A token store that counts its loads.
struct CountingStore {
    tokens: MemoryTokenStore,
    loads: AtomicUsize,
}

impl TokenStore for CountingStore {
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.tokens.load(account)
    }

    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.tokens.save(account, tokens)
    }
}

/// An account's batches one after another, on default settings: its
/// tokens are loaded from the store once, not once per batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_tokens_are_loaded_once_for_its_batches_one_after_another() {
    let sandbox = sandbox().start().await.unwrap();
    let tokens = MemoryTokenStore::new();
    tokens.insert(101, AccountTokens::new(token_of(101), Utc::now() + chrono::Duration::days(1), "refresh"));
    let store = Arc::new(CountingStore { tokens, loads: AtomicUsize::new(0) });
    let app = App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::clone(&store) as Arc<dyn TokenStore>)
        .client(Client::builder().base_url(sandbox.url()))
        .build()
        .unwrap();
    let dispatcher = Dispatcher::builder(app, MemoryOutbox::new()).spawn().unwrap();
    for event in signups(101, 5) {
        dispatcher.emit(101, &event).await.unwrap();
        dispatcher.flush().await.unwrap();
    }
    assert_eq!(sandbox.stats().requests, 5, "five batches");
    assert_eq!(store.loads.load(Ordering::SeqCst), 1, "the tokens were loaded once");
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}
