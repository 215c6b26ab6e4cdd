//! The dispatcher over the SQLite outbox, on a real file: the flush barrier
//! across accounts, a shutdown's leftovers staying in the file and going out
//! from a reopened outbox at the next start, and an outage's pending rows
//! surviving a restart.

mod dispatch_support;

use std::sync::Arc;
use std::time::Duration;

use dispatch_support::*;
use timeline_dispatch::{Outbox, SqliteOutbox};
use timeline_sandbox::{Fault, Faults};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_delivers_every_account_through_a_sqlite_file() {
    let sandbox = sandbox().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(SqliteOutbox::open(dir.path().join("outbox.sqlite")).await.unwrap());
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), outbox.clone(), &outcomes).batch_size(25).spawn().unwrap();
    let emitters: Vec<_> = ACCOUNTS
        .iter()
        .map(|&account| {
            let dispatcher = dispatcher.clone();
            tokio::spawn(async move {
                for event in signups(account, 60) {
                    dispatcher.emit(account, &event).await.unwrap();
                }
            })
        })
        .collect();
    for emitter in emitters {
        emitter.await.unwrap();
    }
    dispatcher.flush().await.unwrap();
    for account in ACCOUNTS {
        assert_eq!(sandbox.events_in(account).len(), 60);
    }
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.delivered, counts.pending, counts.claimed, counts.dead), (180, 0, 0, 0));
    assert!(outcomes.delivered().len() == 180);
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_outage_leaves_pending_survives_a_restart_and_goes_out_after() {
    let sandbox = sandbox().faults(Faults::seeded(21).share(1.0, Fault::Status(503))).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    {
        let outbox = Arc::new(SqliteOutbox::open(&path).await.unwrap());
        let outcomes = Outcomes::default();
        let dispatcher = dispatcher(app(&sandbox), outbox.clone(), &outcomes).spawn().unwrap();
        for event in signups(102, 40) {
            dispatcher.emit(102, &event).await.unwrap();
        }
        dispatcher.flush().await.unwrap();
        let report = dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
        let left = report.outbox.unwrap();
        assert_eq!(left.pending + left.claimed, 40, "all of them stay for the next start: {left:?}");
        assert_eq!(left.delivered, 0);
        assert!(sandbox.events().is_empty());
    }
    sandbox.set_faults(Faults::none());
    let outbox = Arc::new(SqliteOutbox::open(&path).await.unwrap());
    assert_eq!(outbox.counts().await.unwrap().pending, 40, "the file kept them");
    let outcomes = Outcomes::default();
    let dispatcher = dispatcher(app(&sandbox), outbox.clone(), &outcomes).spawn().unwrap();
    // The sink hears of an event last, after the sandbox and the outbox.
    eventually(PATIENCE, "all reported delivered", || async { outcomes.delivered().len() == 40 }).await;
    assert_eq!(sandbox.events_in(102).len(), 40);
    assert_eq!(outbox.counts().await.unwrap().delivered, 40);
    assert!(outcomes.delivered().iter().all(|outcome| outcome.attempt >= 2), "redeliveries");
    let report = dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
    assert!(report.drained);
    let left = report.outbox.unwrap();
    assert_eq!((left.pending, left.claimed, left.dead), (0, 0, 0));
}
