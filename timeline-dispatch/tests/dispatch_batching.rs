//! Per-account batches over HTTP to the sandbox: a full batch goes out
//! without waiting for the linger, and a partial one goes out as one request
//! once the linger ends.

mod dispatch_support;

use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;

use dispatch_support::*;
use timeline_dispatch::{MemoryOutbox, Outbox};

#[tokio::test]
async fn full_batches_go_out_at_once_whatever_the_linger() {
    let sandbox = sandbox().start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    // A linger of an hour: only full batches can go out during the test.
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .batch_size(5)
        .batches_per_account(1)
        .linger(Duration::from_secs(3600))
        .spawn()
        .unwrap();
    // Its first claim, of what the outbox held at start, is done.
    dispatcher.flush().await.unwrap();
    for event in signups(101, 10) {
        dispatcher.emit(101, &event).await.unwrap();
    }
    // The sink hears of an event last, after the sandbox and the outbox.
    eventually(PATIENCE, "ten events reported delivered", || async { outcomes.delivered().len() == 10 }).await;
    assert_eq!(sandbox.events().len(), 10);
    assert_eq!(sandbox.stats().requests, 2, "two full batches of five, one request each");
    assert_eq!(outbox.counts().await.unwrap().delivered, 10);

    // One more event is a partial batch: it waits for the linger.
    dispatcher.emit(101, &signup(101, 10)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.events().len(), 10, "a partial batch does not go out before its linger");
    assert_eq!(outbox.counts().await.unwrap().pending, 1);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn a_partial_batch_goes_out_as_one_request_when_its_linger_ends() {
    let (sandbox, _outbox, outcomes, builder) = memory_setup().await;
    let dispatcher = builder.batch_size(100).linger(Duration::from_secs(2)).spawn().unwrap();
    // Its first claim, of what the outbox held at start, is done.
    dispatcher.flush().await.unwrap();
    for event in signups(102, 7) {
        dispatcher.emit(102, &event).await.unwrap();
    }
    // No flush: only the linger sends them.
    // The sink hears of an event last, after the sandbox and the outbox.
    eventually(PATIENCE, "seven events reported delivered", || async { outcomes.delivered().len() == 7 }).await;
    assert_eq!(sandbox.events().len(), 7);
    assert_eq!(sandbox.stats().requests, 1, "the seven lingered into one request");
    assert!(
        outcomes.delivered().iter().all(|outcome| outcome.key.account == AccountId::new(102) && outcome.attempt == 1)
    );
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}
