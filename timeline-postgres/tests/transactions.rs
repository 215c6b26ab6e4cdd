//! Enqueueing in the caller's own transaction: the events exist if and only
//! if it commits, and a commit (never a rollback) wakes listeners.

mod common;

use std::time::Duration;

use common::{at, event, outbox};
use sqlx::postgres::PgListener;
use timeline_dispatch::{ClaimLimits, Enqueued, Outbox};

const ALL: ClaimLimits = ClaimLimits { per_account: 100, total: 100 };
const LEASE: Duration = Duration::from_secs(60);
/// Only to keep a broken test from hanging: never reached when it passes.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn business_table(pool: &sqlx::PgPool) {
    sqlx::query("CREATE TABLE registrations (id text PRIMARY KEY)").execute(pool).await.unwrap();
}

async fn registrations(pool: &sqlx::PgPool) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM registrations").fetch_one(pool).await.unwrap();
    n
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_no_event() {
    let Some((_db, outbox)) = outbox("transactions::rolled_back").await else { return };
    let pool = outbox.pool().clone();
    business_table(&pool).await;

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO registrations VALUES ('r-1')").execute(&mut *tx).await.unwrap();
    let enqueued = outbox.enqueue_in(&mut *tx, &[event(101, "r-1"), event(102, "r-1")], at(0)).await.unwrap();
    assert_eq!(enqueued, [Enqueued::Added, Enqueued::Added]);
    // Inside the transaction the rows are there; outside they are not yet.
    assert_eq!(outbox.counts().await.unwrap().pending, 0);
    tx.rollback().await.unwrap();

    assert_eq!(registrations(&pool).await, 0);
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (0, 0, 0, 0));
    assert!(outbox.claim(ALL, LEASE, at(10)).await.unwrap().is_empty());
    // Nothing of the rolled-back rows blocks the same keys later.
    assert_eq!(outbox.enqueue(&[event(101, "r-1")], at(20)).await.unwrap(), [Enqueued::Added]);
}

#[tokio::test]
async fn a_committed_transaction_leaves_its_events_once() {
    let Some((_db, outbox)) = outbox("transactions::committed").await else { return };
    let pool = outbox.pool().clone();
    business_table(&pool).await;
    outbox.enqueue(&[event(101, "earlier")], at(0)).await.unwrap();

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO registrations VALUES ('r-1')").execute(&mut *tx).await.unwrap();
    let events = [event(101, "earlier"), event(101, "r-1"), event(102, "r-1"), event(101, "r-1")];
    let enqueued = outbox.enqueue_in(&mut *tx, &events, at(1)).await.unwrap();
    assert_eq!(enqueued, [Enqueued::AlreadyThere, Enqueued::Added, Enqueued::Added, Enqueued::AlreadyThere]);
    tx.commit().await.unwrap();

    assert_eq!(registrations(&pool).await, 1);
    assert_eq!(outbox.counts().await.unwrap().pending, 3);
    let claimed = outbox.claim(ALL, LEASE, at(2)).await.unwrap();
    let mut got: Vec<_> =
        claimed.iter().map(|c| (c.key.account.get(), c.key.event_id.as_str(), c.body.clone())).collect();
    got.sort();
    assert_eq!(
        got,
        [
            (101, "earlier", event(101, "earlier").body),
            (101, "r-1", event(101, "r-1").body),
            (102, "r-1", event(102, "r-1").body),
        ]
    );
    assert!(claimed.iter().all(|c| c.fence.attempt == 1 && !c.may_have_landed));
    assert_eq!(claimed.iter().find(|c| c.key.event_id == "r-1").unwrap().enqueued_at, at(1));
}

#[tokio::test]
async fn a_commit_notifies_and_a_rollback_does_not() {
    let Some((_db, outbox)) = outbox("transactions::notify").await else { return };
    let pool = outbox.pool().clone();
    let mut raw = PgListener::connect_with(&pool).await.unwrap();
    raw.listen(outbox.schema()).await.unwrap();

    let mut tx = pool.begin().await.unwrap();
    outbox.enqueue_in(&mut *tx, &[event(101, "rolled-back")], at(0)).await.unwrap();
    tx.rollback().await.unwrap();
    // Enqueueing only keys that are there adds nothing and notifies nothing.
    outbox.enqueue(&[event(101, "there")], at(0)).await.unwrap();
    outbox.enqueue_in(&pool, &[event(101, "there")], at(0)).await.unwrap();
    // Notifications arrive in commit order: had either of those notified,
    // it would come before this marker.
    sqlx::query("SELECT pg_notify($1, 'marker')").bind(outbox.schema()).execute(&pool).await.unwrap();
    let first = tokio::time::timeout(HANG_GUARD, raw.recv()).await.expect("the marker arrives").unwrap();
    assert_eq!(first.payload(), "marker");

    let mut listener = outbox.listen().await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    outbox.enqueue_in(&mut *tx, &[event(101, "committed")], at(0)).await.unwrap();
    tx.commit().await.unwrap();
    tokio::time::timeout(HANG_GUARD, listener.recv()).await.expect("the commit wakes the listener").unwrap();
    let second = tokio::time::timeout(HANG_GUARD, raw.recv()).await.expect("the commit notifies").unwrap();
    assert_eq!(second.payload(), "");
}

/// Two transactions enqueueing the same keys in opposite orders wait for one
/// another instead of deadlocking: rows go in in key order (each insert made
/// slow by a trigger, so the two statements interleave).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_adding_the_same_keys_in_opposite_orders_do_not_deadlock() {
    let Some((_db, outbox)) = outbox("transactions::opposite_orders").await else { return };
    let pool = outbox.pool().clone();
    sqlx::raw_sql(
        "CREATE FUNCTION timeline_outbox.slow_insert() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;
         CREATE TRIGGER slow_insert BEFORE INSERT ON timeline_outbox.events
             FOR EACH ROW EXECUTE FUNCTION timeline_outbox.slow_insert();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let enqueue = |events: Vec<timeline_dispatch::NewEvent>| {
        let (outbox, pool) = (outbox.clone(), pool.clone());
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let enqueued = outbox.enqueue_in(&mut *tx, &events, at(0)).await?;
            tx.commit().await.unwrap();
            Ok::<_, timeline_dispatch::Error>(enqueued)
        })
    };
    let forward = enqueue(vec![event(101, "a"), event(101, "b")]);
    let backward = enqueue(vec![event(101, "b"), event(101, "a")]);
    let forward = tokio::time::timeout(HANG_GUARD, forward).await.unwrap().unwrap();
    let backward = tokio::time::timeout(HANG_GUARD, backward).await.unwrap().unwrap();
    let (forward, backward) = (forward.expect("no deadlock"), backward.expect("no deadlock"));
    let added = |answers: &[Enqueued]| answers.iter().filter(|answer| **answer == Enqueued::Added).count();
    assert_eq!(added(&forward) + added(&backward), 2, "{forward:?} {backward:?}");
    assert_eq!(outbox.counts().await.unwrap().pending, 2);
    // Ids follow the caller's order within a call: the first caller's order.
    let claimed = outbox.claim(ALL, LEASE, at(1)).await.unwrap();
    assert_eq!(claimed.len(), 2);
}
