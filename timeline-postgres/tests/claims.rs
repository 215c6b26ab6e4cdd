//! Claims on a shared outbox: two claimers never get the same row, and one
//! claim takes a fair share of each account.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{at, event, outbox};
use timeline_dispatch::{ClaimLimits, Fate, Fence, NewEvent, Outbox};
use timeline_postgres::PgOutbox;
use tokio::sync::Barrier;

const LEASE: Duration = Duration::from_secs(3600);
const ACCOUNTS: u64 = 20;
const PER_ACCOUNT: u64 = 150;

/// Claims small shares until a claim comes back empty, settling each as
/// delivered; returns every row it claimed, and how many settles were stale.
async fn claim_until_empty(outbox: PgOutbox, start: Arc<Barrier>) -> (Vec<Fence>, usize) {
    let limits = ClaimLimits { per_account: 3, total: 11 };
    let mut claimed = Vec::new();
    let mut stale = 0;
    start.wait().await;
    loop {
        let rows = outbox.claim(limits, LEASE, at(10)).await.unwrap();
        if rows.is_empty() {
            return (claimed, stale);
        }
        let outcomes: Vec<_> =
            rows.iter().map(|row| (row.fence, Fate::Delivered { confirmed_by_duplicate: false })).collect();
        stale += outbox.settle(&outcomes, at(11)).await.unwrap().stale.len();
        claimed.extend(rows.iter().map(|row| row.fence));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_claimers_never_get_the_same_row() {
    let Some((db, first)) = outbox("claims::two_claimers").await else { return };
    // The second claimer has its own pool, as another replica would.
    let second = PgOutbox::new(db.pool().await);
    let events: Vec<NewEvent> =
        (0..PER_ACCOUNT).flat_map(|n| (1..=ACCOUNTS).map(move |account| event(account, &format!("e-{n}")))).collect();
    for chunk in events.chunks(500) {
        first.enqueue(chunk, at(0)).await.unwrap();
    }

    let start = Arc::new(Barrier::new(2));
    let a = tokio::spawn(claim_until_empty(first.clone(), start.clone()));
    let b = tokio::spawn(claim_until_empty(second, start));
    let (a, a_stale) = a.await.unwrap();
    let (b, b_stale) = b.await.unwrap();

    let mut claims_per_row: HashMap<i64, usize> = HashMap::new();
    for fence in a.iter().chain(&b) {
        *claims_per_row.entry(fence.row).or_default() += 1;
        assert_eq!(fence.attempt, 1, "row {} claimed a second time", fence.row);
    }
    let twice: Vec<_> = claims_per_row.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "rows claimed by both: {twice:?}");
    assert_eq!(claims_per_row.len(), events.len(), "every row claimed");
    assert_eq!((a_stale, b_stale), (0, 0));
    assert!(!a.is_empty() && !b.is_empty(), "both claimers took rows ({} and {})", a.len(), b.len());
    let counts = first.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.delivered), (0, 0, events.len() as u64));
}

#[tokio::test]
async fn a_claim_takes_each_accounts_oldest_rows_accounts_by_their_oldest_due_row() {
    let Some((_db, outbox)) = outbox("claims::fair").await else { return };
    // Account 7 has a backlog; 9 and 8 came later with a few rows each; 10
    // came first, but its row is not due yet (a retry's backoff).
    outbox.enqueue(&[event(10, "ten-0")], at(0)).await.unwrap();
    sqlx::query("UPDATE timeline_outbox.events SET due_at = $1 WHERE account = 10")
        .bind(chrono::DateTime::<chrono::Utc>::from(at(1000)))
        .execute(outbox.pool())
        .await
        .unwrap();
    let backlog: Vec<_> = (0..50).map(|n| event(7, &format!("big-{n}"))).collect();
    outbox.enqueue(&backlog, at(1)).await.unwrap();
    outbox.enqueue(&[event(9, "nine-0"), event(8, "eight-0"), event(9, "nine-1")], at(2)).await.unwrap();

    let claimed = outbox.claim(ClaimLimits { per_account: 4, total: 5 }, LEASE, at(3)).await.unwrap();
    let got: Vec<_> = claimed.iter().map(|c| (c.key.account.get(), c.key.event_id.as_str())).collect();
    assert_eq!(got, [(7, "big-0"), (7, "big-1"), (7, "big-2"), (7, "big-3"), (9, "nine-0")]);

    // Now account 8's oldest due row (eight-0) is older than 9's (nine-1).
    let claimed = outbox.claim(ClaimLimits { per_account: 4, total: 100 }, LEASE, at(4)).await.unwrap();
    let got: Vec<_> = claimed.iter().map(|c| (c.key.account.get(), c.key.event_id.as_str())).collect();
    assert_eq!(got, [(7, "big-4"), (7, "big-5"), (7, "big-6"), (7, "big-7"), (8, "eight-0"), (9, "nine-1")]);

    // Once due, account 10's row, the oldest, goes first.
    let claimed = outbox.claim(ClaimLimits { per_account: 1, total: 2 }, LEASE, at(1000)).await.unwrap();
    let got: Vec<_> = claimed.iter().map(|c| (c.key.account.get(), c.key.event_id.as_str())).collect();
    assert_eq!(got, [(10, "ten-0"), (7, "big-8")]);
}

/// A claim locks only the rows it takes: while one claim of 15 rows is still
/// in its statement (held open by a statement trigger that sleeps), a second
/// session's claim takes every other due row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_leaves_every_row_it_does_not_take_to_other_claims() {
    let Some((db, first)) = outbox("claims::locks_only_what_it_claims").await else { return };
    let second = PgOutbox::new(db.pool().await);
    let events: Vec<NewEvent> =
        (0..10).flat_map(|n| (1..=10).map(move |account| event(account, &format!("e-{n}")))).collect();
    first.enqueue(&events, at(0)).await.unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION timeline_outbox.hold() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
         CREATE TRIGGER hold AFTER UPDATE ON timeline_outbox.events
             FOR EACH STATEMENT EXECUTE FUNCTION timeline_outbox.hold();",
    )
    .execute(first.pool())
    .await
    .unwrap();

    let slow = tokio::spawn(async move { first.claim(ClaimLimits { per_account: 10, total: 15 }, LEASE, at(1)).await });
    // The slow claim has taken its rows once the trigger sleeps.
    let started = std::time::Instant::now();
    loop {
        let (sleeping,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'",
        )
        .fetch_one(second.pool())
        .await
        .unwrap();
        if sleeping > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the first claim never reached its trigger");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let others = second.claim(ClaimLimits { per_account: 10, total: 1_000 }, LEASE, at(1)).await.unwrap();
    let taken = slow.await.unwrap().unwrap();
    assert_eq!(taken.len(), 15);
    assert_eq!(others.len(), 85, "every row the first claim did not take");
}
