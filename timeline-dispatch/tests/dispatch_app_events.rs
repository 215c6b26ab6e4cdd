//! App events through the dispatcher and the SQLite outbox: kept as they
//! were encoded, sent to the app-event API next to v3 events, stored once,
//! and a redelivery after a lost answer (a 409 for an occurrence the lost
//! attempt stored) reported delivered; a v3 template migrated by the app
//! delivered as app events.

mod dispatch_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dispatch_support::*;
use hubspot_timeline::events::EventKind;
use timeline_dispatch::{Fate, Outbox, SqliteOutbox};
use timeline_sandbox::{Fault, Faults, Sandbox};

/// The ids of the occurrences `sandbox` stores for `account`, asserting none is stored twice.
fn stored_trials(sandbox: &Sandbox, account: u64) -> BTreeSet<String> {
    let stored = sandbox.app_events_in(account);
    let ids: BTreeSet<String> = stored.iter().map(|occurrence| occurrence.id.clone()).collect();
    assert_eq!(ids.len(), stored.len(), "an occurrence is stored twice");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_events_and_v3_events_go_out_through_a_sqlite_outbox_once_each() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(SqliteOutbox::open(dir.path().join("outbox.sqlite")).await.unwrap());
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), outbox.clone(), &outcomes).batch_size(8).spawn().unwrap();
    for account in [102, 103] {
        for n in 0..15 {
            dispatcher.emit(account, &signup(account, n)).await.unwrap();
            dispatcher.emit(account, &trial(account, n)).await.unwrap();
        }
    }
    dispatcher.flush().await.unwrap();
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.pending, counts.claimed, counts.dead), (60, 0, 0, 0));
    for account in [102, 103] {
        assert_eq!(sandbox.events_in(account).len(), 15);
        let expected: BTreeSet<String> = (0..15).map(|n| trial(account, n).trial_id).collect();
        assert_eq!(stored_trials(&sandbox, account), expected);
        for n in 0..15 {
            assert_eq!(sandbox.received(TEMPLATE, &signup(account, n).signup_id), 1);
            assert_eq!(sandbox.app_event_received(TRIAL_STARTED, &trial(account, n).trial_id), 1);
        }
    }
    let delivered = outcomes.delivered();
    assert_eq!(delivered.len(), 60);
    let kinds = |kind| delivered.iter().filter(|outcome| outcome.key.kind == kind).count();
    assert_eq!((kinds(EventKind::Timeline), kinds(EventKind::AppEvent)), (30, 30));
    assert!(
        delivered
            .iter()
            .filter(|outcome| outcome.key.kind == EventKind::AppEvent)
            .all(|outcome| { outcome.key.event_type == TRIAL_STARTED })
    );
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

/// The first request stores its occurrences and loses the answer; the
/// client's retry meets the stored occurrences (409) and loses that answer
/// too, so the rows go back to the outbox as "may have landed"; their
/// redelivery's 409 means delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_after_a_lost_answer_is_delivered_and_stored_once() {
    let faults = Faults::seeded(3).schedule([Fault::CloseAfterStore, Fault::CloseAfterStore]);
    let sandbox = app_event_sandbox().faults(faults).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(SqliteOutbox::open(dir.path().join("outbox.sqlite")).await.unwrap());
    // Enqueued before the dispatcher starts, so that its first claim sends
    // all ten in the one request the faults hit.
    let rows: Vec<_> = (0..10).map(|n| timeline_dispatch::encode_event(101, &trial(101, n)).unwrap()).collect();
    outbox.enqueue(&rows, SystemTime::now()).await.unwrap();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), outbox.clone(), &outcomes).batch_size(10).spawn().unwrap();
    // The sink hears of an event last, after the sandbox and the outbox.
    eventually(PATIENCE, "all reported delivered", || async { outcomes.delivered().len() == 10 }).await;
    assert_eq!(outbox.counts().await.unwrap().delivered, 10);
    assert_eq!(sandbox.stats().connections_closed, 2);
    let expected: BTreeSet<String> = (0..10).map(|n| trial(101, n).trial_id).collect();
    assert_eq!(stored_trials(&sandbox, 101), expected);
    let delivered = outcomes.delivered();
    assert_eq!(delivered.len(), 10);
    let redelivered: Vec<_> = delivered
        .iter()
        .filter(|outcome| matches!(outcome.fate, Fate::Delivered { confirmed_by_duplicate: true }))
        .collect();
    assert!(!redelivered.is_empty(), "no redelivery met its stored occurrence: {delivered:?}");
    assert_eq!(redelivered.len(), 10, "every row was redelivered: {delivered:?}");
    for outcome in &redelivered {
        assert_eq!(outcome.attempt, 2, "{outcome:?}");
        assert_eq!(sandbox.app_event_received(TRIAL_STARTED, &outcome.key.event_id), 3, "{outcome:?}");
    }
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.dead), (0, 0, 0));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

/// `2001001` as `timeline migrate` writes it.
const SIGNUP_APP_EVENT: &str = r#"{"uid": "signup", "type": "app-event", "x-eventTemplateId": "2001001",
  "config": {"name": "Signup", "objectType": "CONTACT", "properties": [
    {"name": "plan", "label": "Plan", "type": "enumeration", "options": [
      {"value": "starter", "label": "Starter"}, {"value": "pro", "label": "Pro"}]}]}}"#;

/// A dispatcher delivering through an app that migrates template `2001001`
/// sends its v3 events as `signup` occurrences, while its outcomes speak of
/// the v3 rows; an event the app-event type refuses (a plan that is not
/// one of its options) is a dead letter with the reason, unsent, and the
/// others land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_template_is_delivered_as_app_events_and_a_bad_event_fails_alone() {
    let definition = hubspot_timeline::templates::definition::parse(SIGNUP_APP_EVENT).unwrap();
    let sandbox = sandbox().app_event_type(definition.clone()).start().await.unwrap();
    let store = hubspot_timeline::accounts::MemoryTokenStore::new();
    let expires_at = chrono::Utc::now() + chrono::Duration::days(1);
    store.insert(101, hubspot_timeline::accounts::AccountTokens::new(token_of(101), expires_at, "refresh"));
    let app = hubspot_timeline::App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(hubspot_timeline::Client::builder().base_url(sandbox.url()).retry(client_retry()))
        .migrate(TEMPLATE, definition)
        .build()
        .unwrap();
    let outbox = Arc::new(timeline_dispatch::MemoryOutbox::new());
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, outbox.clone(), &outcomes).spawn().unwrap();
    let mut events = signups(101, 8);
    events[5].plan = Plan::Legacy;
    for event in &events {
        dispatcher.emit(101, event).await.unwrap();
    }
    dispatcher.flush().await.unwrap();
    let all = outcomes.all();
    assert_eq!(all.len(), 8);
    assert!(all.iter().all(|outcome| outcome.key.kind == EventKind::Timeline && outcome.key.event_type == TEMPLATE));
    let dead: Vec<_> = all.iter().filter(|outcome| matches!(outcome.fate, Fate::Dead { .. })).collect();
    let [dead] = dead.as_slice() else { panic!("one dead letter: {all:?}") };
    assert_eq!(dead.key.event_id, events[5].signup_id);
    let Fate::Dead { reason, .. } = &dead.fate else { unreachable!() };
    assert!(matches!(**reason, hubspot_timeline::send::FailureReason::NotMigrated { .. }), "{reason}");
    assert!(reason.to_string().contains("legacy"), "{reason}");
    let stored: BTreeSet<String> = sandbox.app_events_in(101).into_iter().map(|occurrence| occurrence.id).collect();
    let expected: BTreeSet<String> =
        events.iter().filter(|event| event.plan != Plan::Legacy).map(|event| event.signup_id.clone()).collect();
    assert_eq!(stored, expected);
    assert_eq!(sandbox.app_event("signup", &events[0].signup_id).unwrap().properties["plan"], "starter");
    assert!(sandbox.events().is_empty(), "nothing went to the v3 API");
    assert_eq!(sandbox.app_event_received("signup", &events[5].signup_id), 0);
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.dead), (7, 1));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}
