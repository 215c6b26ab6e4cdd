//! Dispatchers delivering from a Postgres outbox to the sandbox: an event
//! enqueued in the caller's transaction is delivered if and only if it
//! committed, a commit's notification wakes a dispatcher, and two
//! dispatchers on one outbox never deliver a row twice.

mod common;

use hubspot_timeline::Client;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use chrono::Utc;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::send::RetryPolicy;
use timeline_dispatch::{DispatchOutcome, Dispatcher, Fate, NewEvent, Outbox};
use timeline_postgres::PgOutbox;
use timeline_sandbox::Sandbox;

use common::{Signup, signup_template};

const ACCOUNTS: [u64; 3] = [101, 102, 103];
const TEMPLATE: &str = "2001001";
const CLIENT_ID: &str = "test-client-id";
const CLIENT_SECRET: &str = "test-client-secret";
/// Only to keep a broken test from hanging: never reached when it passes.
const HANG_GUARD: Duration = Duration::from_secs(90);

/// Signup `n` of `account`; its id names both (ids are unique across accounts).
fn signup(account: u64, n: usize) -> Signup {
    Signup { contact_id: 1_000 + n as u64, signup_id: format!("{account}-{n}"), plan: "starter".to_owned() }
}

fn token_of(account: u64) -> String {
    format!("tok-{account}")
}

async fn sandbox() -> Sandbox {
    let template = signup_template();
    let builder = Sandbox::builder().template(template).oauth_client(CLIENT_ID, CLIENT_SECRET).no_rate_limit();
    let builder = ACCOUNTS.iter().fold(builder, |builder, &account| builder.account_token(account, token_of(account)));
    builder.start().await.expect("the sandbox starts")
}

fn app(sandbox: &Sandbox) -> App {
    let store = MemoryTokenStore::new();
    for account in ACCOUNTS {
        store.insert(account, AccountTokens::new(token_of(account), Utc::now() + chrono::Duration::days(1), "refresh"));
    }
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(
            Client::builder()
                .base_url(sandbox.url())
                .retry(RetryPolicy::default().with_max_attempts(2).with_initial_backoff(Duration::from_millis(1)))
                .rate_limit(RateLimit::new(100_000, Duration::from_millis(20))),
        )
        .build()
        .expect("a valid app")
}

/// Waits until `done`, checking every 20 ms, panicking past the hang guard.
async fn eventually<F: Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let give_up = tokio::time::Instant::now() + HANG_GUARD;
    while !done().await {
        assert!(tokio::time::Instant::now() < give_up, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many times the sandbox received each signup id.
fn received(sandbox: &Sandbox) -> BTreeMap<String, u64> {
    sandbox
        .received_counts()
        .into_iter()
        .filter(|((template, _), _)| template == TEMPLATE)
        .map(|((_, id), count)| (id, count))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_transaction_is_delivered_and_a_rolled_back_one_never() {
    let Some((_db, outbox)) = common::outbox("dispatch::committed").await else { return };
    let pool = outbox.pool().clone();
    sqlx::query("CREATE TABLE signups (id text PRIMARY KEY)").execute(&pool).await.unwrap();
    let sandbox = sandbox().await;
    let dispatcher = Dispatcher::builder(app(&sandbox), outbox.clone()).linger(Duration::ZERO).spawn().unwrap();

    for (n, commit) in [(1, false), (2, true), (3, false)] {
        let event = signup(101, n);
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO signups VALUES ($1)").bind(&event.signup_id).execute(&mut *tx).await.unwrap();
        let row = dispatcher.encode(101, &event).unwrap();
        outbox.enqueue_in(&mut *tx, &[row], SystemTime::now()).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
    }
    dispatcher.wake();
    dispatcher.flush().await.unwrap();

    assert_eq!(received(&sandbox), BTreeMap::from([("101-2".to_owned(), 1)]));
    assert_eq!(sandbox.events_in(101).len(), 1);
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (0, 0, 1, 0));
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_wakes_a_listening_dispatcher() {
    let Some((_db, outbox)) = common::outbox("dispatch::wakes").await else { return };
    let sandbox = sandbox().await;
    // It polls once an hour: only the notification can bring the event out.
    let dispatcher = Dispatcher::builder(app(&sandbox), outbox.clone())
        .linger(Duration::ZERO)
        .poll_interval(Duration::from_secs(3600))
        .spawn()
        .unwrap();
    let mut listener = outbox.listen().await.unwrap();
    let woken = dispatcher.clone();
    let waker = tokio::spawn(async move {
        while listener.recv().await.is_ok() {
            woken.wake();
        }
    });

    let row = dispatcher.encode(102, &signup(102, 1)).unwrap();
    let mut tx = outbox.pool().begin().await.unwrap();
    outbox.enqueue_in(&mut *tx, &[row], SystemTime::now()).await.unwrap();
    tx.commit().await.unwrap();
    eventually("the committed event reaches the sandbox", || async { sandbox.events_in(102).len() == 1 }).await;
    assert_eq!(received(&sandbox), BTreeMap::from([("102-1".to_owned(), 1)]));

    waker.abort();
    dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_on_one_outbox_never_deliver_a_row_twice() {
    const PER_ACCOUNT: usize = 200;
    let Some((db, outbox)) = common::outbox("dispatch::two_dispatchers").await else { return };
    let sandbox = sandbox().await;
    let delivered_by = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let mut dispatchers = Vec::new();
    for count in &delivered_by {
        // Each replica has its own pool; small rounds make many claims race.
        let replica = PgOutbox::new(db.pool().await);
        let count = Arc::clone(count);
        let sink = move |outcome: &DispatchOutcome| {
            if matches!(outcome.fate, Fate::Delivered { .. }) {
                count.fetch_add(1, Ordering::Relaxed);
            }
        };
        let dispatcher = Dispatcher::builder(app(&sandbox), replica)
            .linger(Duration::ZERO)
            .batch_size(5)
            .batches_per_account(1)
            .rows_under_way(10)
            .sink(sink)
            .spawn()
            .unwrap();
        dispatchers.push(dispatcher);
    }

    let rows: Vec<NewEvent> = (0..PER_ACCOUNT)
        .flat_map(|n| ACCOUNTS.map(|account| (account, n)))
        .map(|(account, n)| dispatchers[0].encode(account, &signup(account, n)).unwrap())
        .collect();
    outbox.enqueue(&rows, SystemTime::now()).await.unwrap();
    for dispatcher in &dispatchers {
        dispatcher.wake();
    }
    let total = rows.len() as u64;
    let reported = || delivered_by.iter().map(|count| count.load(Ordering::Relaxed) as u64).sum::<u64>();
    // The sinks hear of a row last, after the sandbox and the outbox.
    eventually("every row reported delivered", || async { reported() == total }).await;
    assert_eq!(outbox.counts().await.unwrap().delivered, total);

    let received = received(&sandbox);
    let twice: Vec<_> = received.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "received more than once: {twice:?}");
    assert_eq!(received.len(), rows.len(), "every event received");
    let by = delivered_by.each_ref().map(|count| count.load(Ordering::Relaxed));
    assert_eq!(by[0] + by[1], rows.len(), "each row delivered by one dispatcher: {by:?}");
    assert!(by[0] > 0 && by[1] > 0, "both dispatchers delivered: {by:?}");
    for dispatcher in &dispatchers {
        dispatcher.shutdown(Duration::from_secs(10)).await.expect("the dispatcher stops");
    }
}
