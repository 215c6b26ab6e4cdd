//! Fair turns between accounts: a busy account's backlog takes one share of
//! each claim, so a quiet account's events go out in the first claim, and a
//! quiet account's fresh event goes out as soon as it is due, not after the
//! backlog, nor after another account's batch that waits for its budget.

mod dispatch_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use dispatch_support::*;
use timeline_dispatch::{DispatchOutcome, MemoryOutbox, Outbox, encode_event};

const BUSY: u64 = 101;
const QUIET: u64 = 102;
const BATCH: usize = 10;

/// How many of the busy account's events were delivered before the last
/// delivered event of the quiet account.
fn busy_before_quiet(delivered: &[DispatchOutcome]) -> usize {
    let last_quiet =
        delivered.iter().rposition(|outcome| outcome.key.account.get() == QUIET).expect("the quiet account's events");
    delivered[..last_quiet].iter().filter(|outcome| outcome.key.account.get() == BUSY).count()
}

#[tokio::test]
async fn a_quiet_account_goes_out_in_the_first_round_despite_a_busy_backlog() {
    let sandbox = sandbox().start().await.unwrap();
    let outbox = MemoryOutbox::new();
    // A backlog found at start: 300 events of the busy account, older than
    // the quiet account's 3.
    let now = SystemTime::now();
    let busy: Vec<_> = signups(BUSY, 300).iter().map(|event| encode_event(BUSY, event).unwrap()).collect();
    outbox.enqueue(&busy, now).await.unwrap();
    let quiet: Vec<_> = signups(QUIET, 3).iter().map(|event| encode_event(QUIET, event).unwrap()).collect();
    outbox.enqueue(&quiet, now).await.unwrap();

    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .batch_size(BATCH)
        .batches_per_account(1)
        .spawn()
        .unwrap();
    dispatcher.flush().await.unwrap();

    let delivered = outcomes.delivered();
    assert_eq!(delivered.len(), 303);
    assert!(
        busy_before_quiet(&delivered) <= BATCH,
        "the quiet account waited behind {} of the busy account's events, more than one round's share",
        busy_before_quiet(&delivered)
    );
    assert_eq!(sandbox.events_in(QUIET).len(), 3);
    assert_eq!(sandbox.events_in(BUSY).len(), 300);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_fresh_event_of_a_quiet_account_goes_out_in_the_next_round() {
    // Slow answers, so the busy account's 40 rounds take a while and the
    // quiet account's event is emitted while the backlog is under way.
    let sandbox = sandbox().latency(Duration::from_millis(20)).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let busy: Vec<_> = signups(BUSY, 40 * BATCH).iter().map(|event| encode_event(BUSY, event).unwrap()).collect();
    outbox.enqueue(&busy, SystemTime::now()).await.unwrap();

    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .batch_size(BATCH)
        .batches_per_account(1)
        .spawn()
        .unwrap();
    eventually(PATIENCE, "the backlog under way", || async { !outcomes.delivered().is_empty() }).await;
    let delivered_at_emit = outcomes.delivered().len();
    dispatcher.emit(QUIET, &signup(QUIET, 0)).await.unwrap();
    dispatcher.flush().await.unwrap();

    let delivered = outcomes.delivered();
    assert_eq!(delivered.len(), 40 * BATCH + 1);
    // At most the round under way when it was emitted and the next one's share.
    let waited = busy_before_quiet(&delivered) - delivered_at_emit;
    assert!(waited <= 2 * BATCH, "the quiet account's event waited behind {waited} of the busy account's events");
    assert!(
        busy_before_quiet(&delivered) < 40 * BATCH,
        "the quiet account's event went out before the end of the backlog"
    );
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

/// Continuous pipelines: an account whose batch waits for its budget holds
/// no other account up. Account 101's only request of the hour is spent, so
/// its batch waits (for the batch timeout); account 102's event, emitted
/// after it, is delivered while 101's row is still claimed. (One event: 102
/// has one request an hour too, and events emitted one by one may go out as
/// two batches on a loaded machine, the second waiting an hour.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_waiting_for_its_budget_holds_no_other_account_up() {
    let sandbox = sandbox().start().await.unwrap();
    let app = app_with_rate_limit(&sandbox, hubspot_timeline::budget::RateLimit::new(1, Duration::from_secs(3600)));
    assert_eq!(app.account(BUSY).send_batch(&[signup(BUSY, 99)]).await.unwrap().created_count(), 1);
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    dispatcher.emit(BUSY, &signup(BUSY, 0)).await.unwrap();
    eventually(PATIENCE, "101's row claimed", || async { outbox.counts().await.unwrap().claimed == 1 }).await;
    dispatcher.emit(QUIET, &signup(QUIET, 0)).await.unwrap();
    eventually(PATIENCE, "102's event delivered", || async { outcomes.delivered().len() == 1 }).await;
    let busy = outbox
        .list(&timeline_dispatch::RowFilter { account: Some(AccountId::new(BUSY)), ..Default::default() }, 10)
        .await;
    let busy = busy.unwrap();
    assert_eq!(busy.len(), 1);
    assert_eq!(busy[0].state, timeline_dispatch::RowState::Claimed, "101's batch still waits for its budget");
    assert!(outcomes.all().iter().all(|outcome| outcome.key.account.get() == QUIET), "{:?}", outcomes.all());
    dispatcher.shutdown(Duration::from_millis(100)).await.expect("the dispatcher stops");
}
