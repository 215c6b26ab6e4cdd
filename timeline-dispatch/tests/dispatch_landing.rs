//! "Already in use" means delivered only for a row that may have landed: a
//! row claimed and given back without being sent (its batch timed out
//! waiting for the budget, a shutdown's deadline, a crash after the claim)
//! whose id another event holds is a dead letter with `DuplicateId`, never
//! delivered; a row whose request went out before the crash is delivered.

mod dispatch_support;

use hubspot_timeline::Client;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use dispatch_support::*;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::send::FailureReason;
use timeline_dispatch::{ClaimLimits, Fate, MemoryOutbox, Outbox, RowFilter, RowState, RowSummary, encode_event};
use timeline_sandbox::{DuplicateIds, Fault, Faults, Sandbox};

/// An app of the sandbox's accounts whose budget allows one request per
/// hour per account: once that request is spent, the next waits longer than
/// any test.
fn starved_app(sandbox: &Sandbox) -> App {
    app_with_rate_limit(sandbox, RateLimit::new(1, Duration::from_secs(3600)))
}

/// The one row of `outbox` with `event_id`.
async fn row(outbox: &MemoryOutbox, event_id: &str) -> RowSummary {
    let filter = RowFilter { event_id: Some(event_id.into()), ..RowFilter::default() };
    let mut rows = outbox.list(&filter, 10).await.unwrap();
    assert_eq!(rows.len(), 1, "one row of {event_id}");
    rows.remove(0)
}

/// Stores, straight through the client, another signup with the id of
/// `signup(101, 0)` (another contact): HubSpot holds the id from then on.
async fn another_event_takes_the_id(app: &App) {
    let mut other = signup(101, 0);
    other.contact_id = 9_999;
    let report = app.account(101).send_batch(&[other]).await.unwrap();
    assert_eq!(report.created_count(), 1);
}

/// Delivers the outbox's rows with an unpaced app, then checks that the
/// signup whose id another event holds is a dead letter for `DuplicateId`
/// and was never reported delivered.
async fn redeliver_and_expect_a_duplicate_id(sandbox: &Sandbox, outbox: &MemoryOutbox) {
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(sandbox), Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    let id = signup(101, 0).signup_id;
    eventually(PATIENCE, "the row settled for good", || async {
        matches!(row(outbox, &id).await.state, RowState::Dead | RowState::Delivered)
    })
    .await;
    let row = row(outbox, &id).await;
    assert_eq!(row.state, RowState::Dead, "{row:?}");
    assert!(!row.may_have_landed, "{row:?}");
    assert_eq!(sandbox.received(TEMPLATE, &id), 2, "the other event, then this one's only request");
    let all = outcomes.all();
    assert!(!all.iter().any(|outcome| matches!(outcome.fate, Fate::Delivered { .. })), "{all:?}");
    let dead: Vec<_> = all.iter().filter(|outcome| matches!(outcome.fate, Fate::Dead { .. })).collect();
    assert_eq!(dead.len(), 1, "{all:?}");
    let Fate::Dead { reason, may_have_landed } = &dead[0].fate else { unreachable!() };
    assert!(matches!(**reason, FailureReason::DuplicateId { .. }), "{reason:?}");
    assert!(!may_have_landed);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_timed_out_waiting_for_its_budget_is_not_taken_for_delivered() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let starved = starved_app(&sandbox);
    // The other event spends account 101's one request of the hour.
    another_event_takes_the_id(&starved).await;
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher =
        dispatcher(starved, Arc::new(outbox.clone()), &outcomes).batch_timeout(Duration::from_secs(1)).spawn().unwrap();
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    eventually(PATIENCE, "the attempt timed out", || async { !outcomes.all().is_empty() }).await;
    let Fate::RetryAt { reason, may_have_landed, .. } = &outcomes.all()[0].fate else { panic!("{:?}", outcomes.all()) };
    assert!(matches!(**reason, FailureReason::NotSent { .. }), "{reason:?}");
    assert!(!may_have_landed, "the request never went out");
    dispatcher.shutdown(Duration::from_millis(100)).await.expect("the dispatcher stops");
    let waiting = row(&outbox, &signup(101, 0).signup_id).await;
    assert_eq!((waiting.state, waiting.may_have_landed), (RowState::Pending, false), "{waiting:?}");
    assert!(waiting.attempts >= 1);
    redeliver_and_expect_a_duplicate_id(&sandbox, &outbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_given_back_at_a_shutdown_deadline_before_its_request_is_not_taken_for_delivered() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let starved = starved_app(&sandbox);
    another_event_takes_the_id(&starved).await;
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(starved, Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    eventually(PATIENCE, "the row claimed", || async { outbox.counts().await.unwrap().claimed == 1 }).await;
    let report = dispatcher.shutdown(Duration::from_millis(500)).await.expect("the dispatcher stops");
    assert_eq!(report.returned, 1);
    assert_eq!(outcomes.all().iter().map(|outcome| given_back(&outcome.fate)).collect::<Vec<_>>(), [Some(false)]);
    let given_back = row(&outbox, &signup(101, 0).signup_id).await;
    assert_eq!((given_back.state, given_back.may_have_landed), (RowState::Pending, false));
    redeliver_and_expect_a_duplicate_id(&sandbox, &outbox).await;
}

/// A claimed batch of four goes out as two requests of two, one at a time
/// (the app's batch size and in-flight bound); the first request hangs. At
/// the shutdown's deadline the first two rows may have landed and the last
/// two, never sent, may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_shutdown_deadline_only_the_rows_whose_request_went_out_may_have_landed() {
    let faults = Faults::seeded(1).schedule([Fault::Delay(Duration::from_secs(60))]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let store = MemoryTokenStore::new();
    store.insert(101, AccountTokens::new(token_of(101), Utc::now() + chrono::Duration::days(1), "refresh"));
    let app = App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(Client::builder().base_url(sandbox.url()).batch_size(2).max_in_flight(1))
        .build()
        .unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    // The four rows wait before the dispatcher starts: its first claim takes them as one batch.
    let events = signups(101, 4);
    let rows: Vec<_> = events.iter().map(|event| encode_event(101, event).unwrap()).collect();
    outbox.enqueue(&rows, SystemTime::now()).await.unwrap();
    let dispatcher = dispatcher(app, Arc::new(outbox.clone()), &outcomes).batch_size(4).spawn().unwrap();
    eventually(PATIENCE, "the first request in the sandbox", || async { sandbox.stats().requests >= 1 }).await;
    assert!(row(&outbox, &events[0].signup_id).await.may_have_landed, "marked before it went out");
    let report = dispatcher.shutdown(Duration::from_millis(300)).await.expect("the dispatcher stops");
    assert_eq!(report.returned, 4);
    let mut returned: Vec<(String, Option<bool>)> =
        outcomes.all().into_iter().map(|outcome| (outcome.key.event_id, given_back(&outcome.fate))).collect();
    returned.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<(String, Option<bool>)> =
        events.iter().enumerate().map(|(n, event)| (event.signup_id.clone(), Some(n < 2))).collect();
    assert_eq!(returned, expected);
    for (n, event) in events.iter().enumerate() {
        let given_back = row(&outbox, &event.signup_id).await;
        assert_eq!((given_back.state, given_back.may_have_landed), (RowState::Pending, n < 2), "{given_back:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_claimed_by_a_process_that_died_before_sending_is_not_taken_for_delivered() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    another_event_takes_the_id(&app(&sandbox)).await;
    let outbox = MemoryOutbox::new();
    outbox.enqueue(&[encode_event(101, &signup(101, 0)).unwrap()], SystemTime::now()).await.unwrap();
    // A dispatcher claimed the row and died before sending it: its lease
    // runs out (by data: a lease of a millisecond).
    let claim = outbox.claim(ClaimLimits { per_account: 1, total: 1 }, Duration::from_millis(1), SystemTime::now());
    assert_eq!(claim.await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(5)).await;
    redeliver_and_expect_a_duplicate_id(&sandbox, &outbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_event_claimed_by_a_process_that_died_before_sending_meets_a_409_as_a_dead_letter() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let app = app(&sandbox);
    let mut other = trial(101, 0);
    other.contact_id = 9_999;
    assert_eq!(app.account(101).send_batch(&[other]).await.unwrap().created_count(), 1);
    let outbox = MemoryOutbox::new();
    outbox.enqueue(&[encode_event(101, &trial(101, 0)).unwrap()], SystemTime::now()).await.unwrap();
    let claim = outbox.claim(ClaimLimits { per_account: 1, total: 1 }, Duration::from_millis(1), SystemTime::now());
    assert_eq!(claim.await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(5)).await;

    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    dispatcher.flush().await.unwrap();
    let id = trial(101, 0).trial_id;
    assert_eq!(row(&outbox, &id).await.state, RowState::Dead);
    assert_eq!(sandbox.app_event_received(TRIAL_STARTED, &id), 2, "the other occurrence, then this one's request");
    let all = outcomes.all();
    assert_eq!(all.len(), 1, "{all:?}");
    let Fate::Dead { reason, .. } = &all[0].fate else { panic!("{all:?}") };
    assert!(matches!(**reason, FailureReason::DuplicateId { .. }), "{reason:?}");
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}
