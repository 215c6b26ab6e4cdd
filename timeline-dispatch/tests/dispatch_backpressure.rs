//! Backpressure: at the bound on undelivered rows `try_emit` refuses and
//! hands the event back, and `emit` waits until deliveries make room; the
//! same event emitted twice is accepted once.

mod dispatch_support;

use std::sync::Arc;
use std::time::Duration;

use dispatch_support::*;
use timeline_dispatch::{Enqueued, Error, MemoryOutbox, Outbox};

#[tokio::test]
async fn at_the_bound_try_emit_hands_the_event_back_and_emit_waits_for_room() {
    let sandbox = sandbox().start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    // A linger of an hour: nothing is delivered until the flush.
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .linger(Duration::from_secs(3600))
        .max_undelivered(3)
        .spawn()
        .unwrap();
    // Its first claim, of what the outbox held at start, is done.
    dispatcher.flush().await.unwrap();
    for event in signups(101, 3) {
        assert_eq!(dispatcher.try_emit(101, event).await.unwrap().enqueued, Enqueued::Added);
    }
    let refused = dispatcher.try_emit(101, signup(101, 3)).await.unwrap_err();
    assert!(matches!(refused.error, Error::Full), "{refused}");
    assert_eq!(refused.event.signup_id, "101-3", "the refused event is handed back");
    assert_eq!(outbox.counts().await.unwrap().pending, 3, "the refused event was not stored");

    let waiting = {
        let dispatcher = dispatcher.clone();
        tokio::spawn(async move { dispatcher.emit(101, &signup(101, 3)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "emit waits at the bound");
    assert_eq!(outbox.counts().await.unwrap().pending, 3);

    // Delivering the three makes room: the waiting emit goes through.
    dispatcher.flush().await.unwrap();
    let emitted = waiting.await.unwrap().unwrap();
    assert_eq!(emitted.enqueued, Enqueued::Added);
    dispatcher.flush().await.unwrap();
    assert_eq!(sandbox.events().len(), 4);
    assert_eq!(outbox.counts().await.unwrap().delivered, 4);

    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
    let closed = dispatcher.try_emit(101, signup(101, 9)).await.unwrap_err();
    assert!(matches!(closed.error, Error::ShutDown), "{closed}");
    assert_eq!(closed.event.signup_id, "101-9");
    assert!(matches!(dispatcher.emit(101, &signup(101, 9)).await, Err(Error::ShutDown)));
}

#[tokio::test]
async fn the_same_event_emitted_again_is_accepted_once_and_sent_once() {
    let (sandbox, outbox, _outcomes, builder) = memory_setup().await;
    let dispatcher = builder.linger(Duration::from_secs(3600)).spawn().unwrap();
    let event = signup(103, 0);
    assert_eq!(dispatcher.emit(103, &event).await.unwrap().enqueued, Enqueued::Added);
    assert_eq!(dispatcher.emit(103, &event).await.unwrap().enqueued, Enqueued::AlreadyThere);
    dispatcher.flush().await.unwrap();
    // Delivered: a client retrying its request to the service emits it again.
    assert_eq!(dispatcher.emit(103, &event).await.unwrap().enqueued, Enqueued::AlreadyThere);
    dispatcher.flush().await.unwrap();
    assert_eq!(sandbox.received(TEMPLATE, "103-0"), 1, "sent once");
    assert_eq!(outbox.counts().await.unwrap().delivered, 1);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_bad_event_is_an_error_at_the_call_site_and_stores_nothing() {
    let (_sandbox, outbox, _outcomes, builder) = memory_setup().await;
    let dispatcher = builder.spawn().unwrap();
    let mut event = signup(101, 0);
    event.signup_id = "x".repeat(1_000);
    assert!(matches!(dispatcher.emit(101, &event).await, Err(Error::Encode(_))));
    assert!(dispatcher.encode(101, &event).is_err());
    assert_eq!(outbox.counts().await.unwrap(), Default::default());
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}
