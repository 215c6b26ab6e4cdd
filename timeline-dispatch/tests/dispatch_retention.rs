//! Retention: the dispatcher purges delivered rows once they are older than
//! its retention, and keeps dead letters.

mod dispatch_support;

use std::time::Duration;

use dispatch_support::*;
use timeline_dispatch::{Enqueued, MemoryOutbox, Outbox, RowFilter, RowState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_rows_are_purged_after_the_retention_and_dead_letters_stay() {
    let (_sandbox, outbox, _outcomes, builder) = memory_setup().await;
    let dispatcher = builder.retention(Duration::from_secs(1)).spawn().unwrap();
    for event in signups(101, 5) {
        dispatcher.emit(101, &event).await.unwrap();
    }
    let mut refused = signup(101, 5);
    refused.plan = Plan::Legacy;
    dispatcher.emit(101, &refused).await.unwrap();
    dispatcher.flush().await.unwrap();
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.dead), (5, 1), "{counts:?}");
    // Within the retention the same event is accepted once, not sent again.
    assert_eq!(dispatcher.emit(101, &signup(101, 0)).await.unwrap().enqueued, Enqueued::AlreadyThere);

    eventually(PATIENCE, "the delivered rows purged", || async { outbox.counts().await.unwrap().delivered == 0 }).await;
    let dead = outbox.list(&RowFilter { state: Some(RowState::Dead), ..RowFilter::default() }, 10).await.unwrap();
    assert_eq!(dead.len(), 1, "the dead letter stays");
    assert_eq!(dead[0].key.event_id, refused.signup_id);
    // Past the retention, the same event is a new row.
    assert_eq!(dispatcher.emit(101, &signup(101, 0)).await.unwrap().enqueued, Enqueued::Added);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

/// Settings that would overflow a clock, make every claim fail or send
/// nothing are refused by `spawn` with a message naming the setting; a
/// bound that is merely large is not.
#[test]
fn settings_that_would_overflow_are_refused_at_spawn() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let sandbox = sandbox().start().await.unwrap();
        let builder = || timeline_dispatch::Dispatcher::builder(app(&sandbox), MemoryOutbox::new());
        let refused = [
            ("retention", builder().retention(Duration::ZERO)),
            ("retention", builder().retention(Duration::from_secs(11 * 365 * 24 * 3600))),
            ("linger", builder().linger(Duration::MAX)),
            ("poll interval", builder().poll_interval(Duration::MAX)),
            ("lease", builder().lease(Duration::MAX)),
            ("lease", builder().lease(Duration::from_millis(500))),
            ("batches per account", builder().batches_per_account(0)),
        ];
        for (setting, built) in refused {
            let error = built.spawn().expect_err(setting);
            assert!(error.to_string().contains(setting), "{setting}: {error}");
        }
        // Pipelines never multiply it by the batch size.
        let unbounded = builder().batches_per_account(usize::MAX).spawn().expect("no bound per account");
        unbounded.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
    });
}
