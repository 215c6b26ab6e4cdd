//! Leases and fences: a lease that runs out (simulated by an UPDATE, not by
//! sleeping) is reclaimed with the next attempt, and the old claimer's settle
//! is stale.

mod common;

use std::time::Duration;
use timeline_dispatch::conformance::rejected;

use chrono::{DateTime, Utc};
use common::{at, event, outbox};
use timeline_dispatch::{ClaimLimits, Fate, Outbox, RowFilter, RowState};

const ONE: ClaimLimits = ClaimLimits { per_account: 10, total: 10 };
const LEASE: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_lease_that_runs_out_is_reclaimed_and_the_old_settle_is_stale() {
    let Some((_db, outbox)) = outbox("leases::run_out").await else { return };
    outbox.enqueue(&[event(101, "e-1")], at(0)).await.unwrap();

    let old = outbox.claim(ONE, LEASE, at(1)).await.unwrap();
    assert_eq!(old.len(), 1);
    let old = old[0].fence;
    assert_eq!(old.attempt, 1);
    // Under its lease, the row is not claimed again.
    assert!(outbox.claim(ONE, LEASE, at(2)).await.unwrap().is_empty());
    assert_eq!(outbox.next_due().await.unwrap(), Some(at(1) + LEASE));

    // The claimer dies; its lease runs out.
    let expired = sqlx::query("UPDATE timeline_outbox.events SET due_at = $1 WHERE id = $2")
        .bind(DateTime::<Utc>::from(at(1)))
        .bind(old.row)
        .execute(outbox.pool())
        .await
        .unwrap();
    assert_eq!(expired.rows_affected(), 1);
    let new = outbox.claim(ONE, LEASE, at(2)).await.unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!((new[0].fence.row, new[0].fence.attempt), (old.row, 2));
    assert!(!new[0].may_have_landed, "a lease that ended is no evidence of a send");

    // The old claimer comes back: nothing it says is applied.
    let dead = Fate::Dead { reason: rejected("slow replica"), may_have_landed: false };
    let settled =
        outbox.settle(&[(old, Fate::Delivered { confirmed_by_duplicate: false }), (old, dead)], at(3)).await.unwrap();
    assert_eq!((settled.applied, settled.stale), (0, vec![old, old]));
    let row = &outbox.list(&RowFilter::default(), 10).await.unwrap()[0];
    assert_eq!((row.state, row.attempts, row.due_at), (RowState::Claimed, 2, Some(at(2) + LEASE)));

    // The new claim settles.
    let settled =
        outbox.settle(&[(new[0].fence, Fate::Delivered { confirmed_by_duplicate: false })], at(4)).await.unwrap();
    assert_eq!((settled.applied, settled.stale), (1, vec![]));
    let row = &outbox.list(&RowFilter::default(), 10).await.unwrap()[0];
    assert_eq!((row.state, row.attempts, row.due_at), (RowState::Delivered, 2, None));
    // And a delivered row is not claimed again.
    assert!(outbox.claim(ONE, LEASE, at(1_000_000)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_settle_after_a_retry_and_a_new_claim_is_stale() {
    let Some((_db, outbox)) = outbox("leases::after_retry").await else { return };
    outbox.enqueue(&[event(101, "e-1")], at(0)).await.unwrap();
    let first = outbox.claim(ONE, LEASE, at(1)).await.unwrap()[0].fence;
    let retry = Fate::RetryAt { at: at(10), reason: rejected("503 Service Unavailable"), may_have_landed: false };
    assert_eq!(outbox.settle(&[(first, retry)], at(2)).await.unwrap().applied, 1);
    assert!(outbox.claim(ONE, LEASE, at(9)).await.unwrap().is_empty(), "not due before its retry time");
    let second = outbox.claim(ONE, LEASE, at(10)).await.unwrap()[0].fence;
    assert_eq!(second.attempt, 2);

    // A duplicate settle of the first attempt (a slow replica's) is stale.
    let settled = outbox.settle(&[(first, Fate::Delivered { confirmed_by_duplicate: false })], at(11)).await.unwrap();
    assert_eq!((settled.applied, settled.stale), (0, vec![first]));
    let row = &outbox.list(&RowFilter::default(), 10).await.unwrap()[0];
    assert_eq!(row.state, RowState::Claimed);
    assert_eq!(row.last_error, Some(rejected("503 Service Unavailable").to_string()));
}
