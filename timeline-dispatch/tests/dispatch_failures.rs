//! What becomes of failed attempts, over HTTP to the sandbox: an outage
//! leaves events pending with their backoff and they go out once it ends; a
//! permanent refusal is a dead letter with its reason; a revoked install
//! pauses its account until it is resumed; a redelivery after a crash counts "already in
//! use" as delivered.

mod dispatch_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use dispatch_support::*;
use hubspot_timeline::send::FailureReason;
use timeline_dispatch::{
    ClaimLimits, Dispatcher, Fate, INSTALL_REVOKED, MemoryOutbox, Outbox, RowFilter, RowState, encode_event,
};
use timeline_sandbox::{DuplicateIds, Fault, Faults};

#[tokio::test]
async fn an_outage_leaves_events_pending_with_backoff_until_it_ends_then_they_go_out_once() {
    let sandbox = sandbox().faults(Faults::seeded(11).share(1.0, Fault::Status(503))).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    let events = signups(101, 20);
    for event in &events {
        dispatcher.emit(101, event).await.unwrap();
    }
    // HubSpot is down: the events fail, again and again, and stay pending.
    eventually(PATIENCE, "three failed attempts each", || async {
        let rows = outbox.list(&RowFilter::default(), 100).await.unwrap();
        rows.iter().all(|row| row.attempts >= 3)
    })
    .await;
    let rows = outbox.list(&RowFilter::default(), 100).await.unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|row| matches!(row.state, RowState::Pending | RowState::Claimed)), "none dead, none lost");
    assert!(rows.iter().any(|row| row.last_error.as_deref().is_some_and(|error| error.contains("503"))));
    assert!(sandbox.events().is_empty());
    assert!(!outcomes.all().is_empty(), "the failed attempts are reported");
    assert!(outcomes.all().iter().all(|outcome| matches!(outcome.fate, Fate::RetryAt { .. })));
    assert!(sandbox.stats().status_count(503) > 0);

    // HubSpot is back.
    sandbox.set_faults(Faults::none());
    eventually(PATIENCE, "all delivered", || async { outbox.counts().await.unwrap().delivered == 20 }).await;
    for event in &events {
        assert_eq!(sandbox.received(TEMPLATE, &event.signup_id), 1, "{} received once", event.signup_id);
    }
    assert_eq!(sandbox.events().len(), 20);
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.dead), (0, 0, 0));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_permanent_refusal_is_a_dead_letter_with_its_reason_and_the_rest_of_its_batch_lands() {
    let (sandbox, outbox, outcomes, builder) = memory_setup().await;
    let dispatcher = builder.linger(Duration::from_secs(3600)).spawn().unwrap();
    dispatcher.flush().await.unwrap();
    let mut bad = signup(102, 1);
    bad.plan = Plan::Legacy;
    for event in [signup(102, 0), bad, signup(102, 2)] {
        dispatcher.emit(102, &event).await.unwrap();
    }
    dispatcher.flush().await.unwrap();
    let dead = outbox.list(&RowFilter { state: Some(RowState::Dead), ..RowFilter::default() }, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].key.event_id, "102-1");
    assert!(dead[0].last_error.as_deref().unwrap().contains("legacy"), "{:?}", dead[0].last_error);
    assert_eq!(outbox.counts().await.unwrap().delivered, 2);
    assert_eq!(sandbox.events_in(102).len(), 2);
    let dead_outcomes: Vec<_> =
        outcomes.all().into_iter().filter(|outcome| matches!(outcome.fate, Fate::Dead { .. })).collect();
    assert_eq!(dead_outcomes.len(), 1);
    assert_eq!(dead_outcomes[0].key.event_id, "102-1");
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

/// A revoked install pauses its account, on default settings: its events
/// wait pending (no dead letter, one refused refresh, not one per batch),
/// the sink hears them given back with the reason, other accounts deliver;
/// once the account installed the app again and an operator resumes it,
/// its events are delivered, each once.
#[tokio::test]
async fn a_revoked_install_pauses_its_account_until_it_is_resumed_and_other_accounts_still_deliver() {
    let sandbox = sandbox().start().await.unwrap();
    sandbox.revoke(103);
    let app = app(&sandbox);
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher =
        Dispatcher::builder_shared(app.clone(), Arc::new(outbox.clone())).sink(outcomes.sink()).spawn().unwrap();
    let revoked = signups(103, 5);
    for event in &revoked {
        dispatcher.emit(103, event).await.unwrap();
    }
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    dispatcher.flush().await.unwrap();

    let paused = outbox.paused().await.unwrap();
    assert_eq!(paused.len(), 1, "{paused:?}");
    assert_eq!((paused[0].0, paused[0].1.reason.as_str()), (AccountId::new(103), INSTALL_REVOKED));
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.dead, counts.delivered), (5, 0, 1), "{counts:?}");
    let of_103: Vec<_> = outcomes.all().into_iter().filter(|outcome| outcome.key.account.get() == 103).collect();
    assert!(!of_103.is_empty());
    assert!(
        of_103.iter().all(|outcome| matches!(&outcome.fate, Fate::RetryAt { reason, .. }
            if matches!(**reason, FailureReason::InstallRevoked { .. }))),
        "given back with the reason, never dead nor delivered: {of_103:?}"
    );
    assert_eq!(sandbox.events_in(101).len(), 1);
    assert_eq!(sandbox.stats().token_request_count("refresh_token"), 1, "one refused refresh");

    app.install(&sandbox.authorization_code(103), "https://example.com/oauth/callback").await.unwrap();
    assert!(outbox.resume(AccountId::new(103)).await.unwrap());
    dispatcher.flush().await.unwrap();
    eventually(PATIENCE, "the resumed account's events delivered", || async {
        outbox.counts().await.unwrap().delivered == 6
    })
    .await;
    for event in &revoked {
        assert_eq!(sandbox.received(TEMPLATE, &event.signup_id), 1, "{} received once", event.signup_id);
    }
    assert_eq!(outbox.counts().await.unwrap().dead, 0);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_redelivery_after_a_crash_counts_already_in_use_as_delivered() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let app = app(&sandbox);
    let outbox = MemoryOutbox::new();
    let events = signups(101, 6);
    let rows: Vec<_> = events.iter().map(|event| encode_event(101, event).unwrap()).collect();
    outbox.enqueue(&rows, SystemTime::now()).await.unwrap();

    // A dispatcher that claimed the rows, recorded that they go out, sent
    // them and died before settling: the claim's lease runs out (by data: a
    // lease of a millisecond).
    let claimed = outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_millis(1), SystemTime::now());
    let claimed = claimed.await.unwrap();
    assert_eq!(claimed.len(), 6);
    let fences: Vec<_> = claimed.iter().map(|row| row.fence).collect();
    assert_eq!(outbox.sending(&fences).await.unwrap().applied, 6);
    let report = app.account(101).send_batch(&events).await.unwrap();
    assert_eq!(report.created_count(), 6);
    tokio::time::sleep(Duration::from_millis(5)).await;

    // The restarted dispatcher sends them again; the sandbox refuses every
    // re-sent id as "already in use", which for a redelivery means delivered.
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    dispatcher.flush().await.unwrap();
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.dead, counts.pending), (6, 0, 0));
    let delivered = outcomes.delivered();
    assert_eq!(delivered.len(), 6);
    assert!(delivered.iter().all(|outcome| outcome.attempt == 2));
    assert!(delivered.iter().all(|outcome| outcome.fate == Fate::Delivered { confirmed_by_duplicate: true }));
    for event in &events {
        assert_eq!(sandbox.received(TEMPLATE, &event.signup_id), 2, "sent, then re-sent");
    }
    assert_eq!(sandbox.stats().inputs_stored, 6, "stored once each");
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_first_attempt_refused_as_already_in_use_is_a_dead_letter() {
    // Another event holds the id: that is not a redelivery.
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let app = app(&sandbox);
    let event = signup(101, 0);
    app.account(101).send(&event).await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app, Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    dispatcher.emit(101, &event).await.unwrap();
    dispatcher.flush().await.unwrap();
    let dead = outbox.list(&RowFilter { state: Some(RowState::Dead), ..RowFilter::default() }, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].last_error.as_deref().unwrap().contains("already in use"), "{:?}", dead[0].last_error);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_batch_slower_than_its_timeout_is_a_failed_attempt_then_delivered_once() {
    // The first request takes far longer than the batch timeout; the rest
    // answer at once.
    let faults = Faults::none().schedule([Fault::Delay(Duration::from_secs(5))]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .batch_timeout(Duration::from_millis(300))
        .spawn()
        .unwrap();
    let events = signups(101, 5);
    for event in &events {
        dispatcher.emit(101, event).await.unwrap();
    }
    eventually(PATIENCE, "all delivered", || async { outbox.counts().await.unwrap().delivered == 5 }).await;

    let first_attempts: Vec<_> = outcomes.all().into_iter().filter(|outcome| outcome.attempt == 1).collect();
    assert_eq!(first_attempts.len(), 5);
    assert!(
        first_attempts.iter().all(|outcome| matches!(outcome.fate, Fate::RetryAt { .. })),
        "the slow batch was given up at its timeout, not waited for: {first_attempts:?}"
    );
    for event in &events {
        assert!(sandbox.event(TEMPLATE, &event.signup_id).is_some(), "{} stored", event.signup_id);
    }
    assert_eq!(sandbox.events().len(), 5, "no event stored under another id, whether the slow request landed or not");
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.dead), (0, 0, 0));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_batch_timeout_of_zero_or_beyond_the_lease_is_refused_and_a_short_lease_shortens_the_default() {
    let sandbox = sandbox().start().await.unwrap();
    let outcomes = Outcomes::default();
    for timeout in [Duration::ZERO, Duration::from_secs(60)] {
        let refused = dispatcher(app(&sandbox), Arc::new(MemoryOutbox::new()), &outcomes)
            .lease(Duration::from_secs(60))
            .batch_timeout(timeout)
            .spawn();
        assert!(refused.unwrap_err().to_string().contains("batch timeout"), "{timeout:?}");
    }
    let short_lease =
        dispatcher(app(&sandbox), Arc::new(MemoryOutbox::new()), &outcomes).lease(Duration::from_secs(2)).spawn();
    assert!(short_lease.is_ok(), "a short lease shortens the default batch timeout: {short_lease:?}");
}
