//! The flush barrier and shutdown with a deadline, over HTTP to the sandbox.

mod dispatch_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dispatch_support::*;
use timeline_dispatch::{Error, Fate, MemoryOutbox, Outbox, RowFilter, RowState};
use timeline_sandbox::{Fault, Faults};

#[tokio::test]
async fn flush_returns_once_everything_emitted_before_it_is_delivered() {
    let sandbox = sandbox().start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    // A linger of an hour: only the flush sends.
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .linger(Duration::from_secs(3600))
        .batch_size(20)
        .spawn()
        .unwrap();
    for account in ACCOUNTS {
        for event in signups(account, 17) {
            dispatcher.emit(account, &event).await.unwrap();
        }
    }
    dispatcher.flush().await.unwrap();
    // No waiting: the barrier has passed.
    assert_eq!(sandbox.events().len(), 51);
    for account in ACCOUNTS {
        assert_eq!(sandbox.events_in(account).len(), 17);
    }
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.pending, counts.claimed), (51, 0, 0));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn flush_counts_an_event_waiting_for_its_backoff_as_failed_for_now() {
    let sandbox = sandbox().faults(Faults::seeded(7).share(1.0, Fault::Status(503))).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes)
        .retry_backoff(
            backoff().with_initial_backoff(Duration::from_secs(600)).with_max_backoff(Duration::from_secs(600)),
        )
        .spawn()
        .unwrap();
    let before = SystemTime::now();
    dispatcher.emit(101, &signup(101, 0)).await.unwrap();
    dispatcher.flush().await.unwrap();
    let rows = outbox.list(&RowFilter::default(), 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, RowState::Pending);
    assert_eq!(rows[0].attempts, 1);
    assert!(rows[0].due_at.unwrap() > before + Duration::from_secs(60), "due after its backoff");
    assert!(rows[0].last_error.as_deref().unwrap().contains("503"), "{:?}", rows[0].last_error);
    assert!(matches!(outcomes.all()[0].fate, Fate::RetryAt { .. }));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test]
async fn shutdown_gives_back_what_is_being_sent_at_its_deadline_and_reports_what_stays() {
    // Every answer comes after a minute: nothing is answered before the deadline.
    let sandbox =
        sandbox().faults(Faults::seeded(3).share(1.0, Fault::Delay(Duration::from_secs(60)))).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    for event in signups(101, 5) {
        dispatcher.emit(101, &event).await.unwrap();
    }
    eventually(PATIENCE, "the batch claimed", || async { outbox.counts().await.unwrap().claimed == 5 }).await;

    let report = dispatcher.shutdown(Duration::from_millis(300)).await.expect("the dispatcher stops");
    assert!(!report.drained);
    assert_eq!(report.returned, 5);
    assert_eq!(report.delivered_while_stopping, 0);
    let left = report.outbox.clone().expect("the outbox counted");
    assert_eq!((left.pending, left.claimed, left.delivered), (5, 0, 0), "given back, still in the outbox");
    assert_eq!(outbox.counts().await.unwrap().pending, 5);
    assert_eq!(
        outcomes.all().iter().filter(|outcome| given_back(&outcome.fate) == Some(true)).count(),
        5,
        "given back after their request went out: they may have landed"
    );
    assert!(matches!(dispatcher.emit(101, &signup(101, 5)).await, Err(Error::ShutDown)));
    assert!(dispatcher.flush().await.is_err(), "a stopped dispatcher flushes nothing");
    assert_eq!(
        dispatcher.shutdown(Duration::from_secs(1)).await.expect("the one report"),
        report,
        "every caller gets the one report"
    );

    // The next start delivers them, as redeliveries.
    sandbox.set_faults(Faults::none());
    let next = Outcomes::default();
    let restarted = dispatch_support::dispatcher(app(&sandbox), Arc::new(outbox.clone()), &next).spawn().unwrap();
    restarted.flush().await.unwrap();
    assert_eq!(outbox.counts().await.unwrap().delivered, 5);
    assert_eq!(next.delivered().len(), 5);
    assert!(next.delivered().iter().all(|outcome| outcome.attempt == 2));
    let report = restarted.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
    assert!(report.drained);
    assert_eq!(report.outbox.unwrap().pending, 0);
}

#[tokio::test]
async fn shutdown_delivers_what_is_due_within_its_time() {
    let (sandbox, _outbox, _outcomes, builder) = memory_setup().await;
    let dispatcher = builder.linger(Duration::from_secs(3600)).spawn().unwrap();
    dispatcher.flush().await.unwrap();
    for event in signups(102, 30) {
        dispatcher.emit(102, &event).await.unwrap();
    }
    let report = dispatcher.shutdown(Duration::from_secs(30)).await.expect("the dispatcher stops");
    assert!(report.drained);
    assert_eq!(report.delivered_while_stopping, 30);
    assert_eq!(report.returned, 0);
    assert_eq!(report.outbox.unwrap().delivered, 30);
    assert_eq!(sandbox.events_in(102).len(), 30);
}

#[tokio::test]
async fn dropping_the_dispatcher_does_not_wait_and_gives_its_rows_back() {
    let sandbox =
        sandbox().faults(Faults::seeded(5).share(1.0, Fault::Delay(Duration::from_secs(60)))).start().await.unwrap();
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes).spawn().unwrap();
    for event in signups(103, 4) {
        dispatcher.emit(103, &event).await.unwrap();
    }
    eventually(PATIENCE, "the batch claimed", || async { outbox.counts().await.unwrap().claimed == 4 }).await;
    drop(dispatcher);
    eventually(PATIENCE, "the rows given back", || async { outbox.counts().await.unwrap().pending == 4 }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_is_not_held_up_by_events_emitted_after_it() {
    let (_sandbox, _outbox, outcomes, builder) = memory_setup().await;
    let dispatcher = builder.batch_size(10).spawn().unwrap();
    for event in signups(101, 30) {
        dispatcher.emit(101, &event).await.unwrap();
    }
    // Another task keeps emitting, before, during and after the flush.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let emitter = {
        let (dispatcher, stop) = (dispatcher.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 100_000 {
                dispatcher.emit(102, &signup(102, n)).await.unwrap();
                n += 1;
            }
        })
    };
    tokio::time::timeout(PATIENCE, dispatcher.flush()).await.expect("the flush finished").unwrap();
    let first: std::collections::BTreeSet<String> = signups(101, 30).into_iter().map(|event| event.signup_id).collect();
    let delivered: std::collections::BTreeSet<String> =
        outcomes.delivered().into_iter().map(|outcome| outcome.key.event_id).collect();
    assert!(first.is_subset(&delivered), "every event emitted before the flush is delivered");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    emitter.await.unwrap();
    dispatcher.shutdown(Duration::from_secs(30)).await.expect("the dispatcher stops");
}
