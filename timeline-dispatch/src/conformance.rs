//! The rules of the [`Outbox`] trait's documentation as assertions, for the
//! tests of an outbox: [`check_outbox`] runs them all.
//!
//! Each rule gets a fresh, empty outbox from the caller's `make` and drives
//! time by data (the `now` every method takes), so the rules hold for an
//! outbox that uses the times it is given. Times are whole milliseconds, so
//! an outbox that stores microseconds keeps them exactly. A broken rule
//! panics with the rule's name and what differed.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use timeline_core::{AccountId, FailureReason};

use crate::fate::Fate;
use crate::outbox::{
    AccountCounts, ClaimLimits, Claimed, Enqueued, EventKey, EventKind, Fence, NewEvent, Outbox, OutboxCounts,
    OutboxDepth, Pause, RowFilter, RowState, Settled,
};

/// Runs every rule on outboxes `make` gives, one fresh outbox per rule.
///
/// ```no_run
/// # async fn run() {
/// timeline_dispatch::conformance::check_outbox(|| async { timeline_dispatch::MemoryOutbox::new() }).await;
/// # }
/// ```
pub async fn check_outbox<O, F, Fut>(make: F)
where
    O: Outbox,
    F: Fn() -> Fut,
    Fut: Future<Output = O>,
{
    keys_are_unique_until_purged(&make().await).await;
    bodies_and_keys_come_back_as_enqueued(&make().await).await;
    a_claim_leases_its_rows(&make().await).await;
    claims_are_fair_between_accounts(&make().await).await;
    claims_go_to_the_oldest_due_rows_first(&make().await).await;
    a_claim_skipping_accounts_leaves_their_rows(&make().await).await;
    an_ended_lease_is_claimed_again(&make().await).await;
    a_stale_settle_is_counted_and_not_applied(&make().await).await;
    a_retry_is_not_claimed_before_it_is_due(&make().await).await;
    a_requeued_dead_letter_keeps_its_attempts(&make().await).await;
    purge_removes_only_rows_settled_before(&make().await).await;
    purge_delivered_keeps_dead_letters(&make().await).await;
    may_have_landed_is_set_by_sending_and_by_settlements_alone(&make().await).await;
    a_renewed_lease_is_not_claimed_again(&make().await).await;
    counts_follow_the_rows(&make().await).await;
    next_due_is_the_earliest_due_time_or_lease_end(&make().await).await;
    list_filters_and_orders(&make().await).await;
    account_counts_show_each_account(&make().await).await;
    dead_letters_are_grouped_by_reason(&make().await).await;
    requeue_and_drop_take_only_the_dead_rows_filtered(&make().await).await;
    a_paused_account_is_not_claimed_until_resumed(&make().await).await;
}

const LEASE: Duration = Duration::from_secs(30);

/// A time `millis` after the start of every rule (a date in 2027).
/// A reason for the fates an outbox's own tests settle with: HubSpot
/// refused the request with status 400 and `message`. An outbox stores
/// its text.
///
/// ```
/// let reason = timeline_dispatch::conformance::rejected("bad token");
/// assert_eq!(reason.to_string(), "refused by HubSpot with status 400: bad token");
/// ```
pub fn rejected(message: &str) -> Arc<FailureReason> {
    Arc::new(FailureReason::Rejected { status: 400, message: message.to_owned() })
}

fn at(millis: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000) + Duration::from_millis(millis)
}

fn secs(seconds: u64) -> SystemTime {
    at(seconds * 1000)
}

fn key(account: u64, event_type: &str, event_id: &str) -> EventKey {
    EventKey {
        account: account.into(),
        kind: EventKind::Timeline,
        event_type: event_type.into(),
        event_id: event_id.into(),
    }
}

fn event(account: u64, event_id: &str) -> NewEvent {
    NewEvent {
        key: key(account, "1001", event_id),
        body: format!(r#"{{"eventTemplateId":"1001","id":"{event_id}","tokens":{{"n":{account}}}}}"#).into_bytes(),
    }
}

fn limits(per_account: usize, total: usize) -> ClaimLimits {
    ClaimLimits { per_account, total }
}

/// The event ids of `claimed`, sorted: which rows a claim took, whatever its
/// order.
fn ids(claimed: &[Claimed]) -> Vec<String> {
    let mut ids: Vec<_> = claimed.iter().map(|c| c.key.event_id.clone()).collect();
    ids.sort();
    ids
}

fn strings(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<_> = ids.iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}

async fn enqueue(outbox: &impl Outbox, events: &[NewEvent], now: SystemTime) -> Vec<Enqueued> {
    outbox.enqueue(events, now).await.expect("enqueue")
}

async fn claim(outbox: &impl Outbox, limits: ClaimLimits, now: SystemTime) -> Vec<Claimed> {
    outbox.claim(limits, LEASE, now).await.expect("claim")
}

async fn settle(outbox: &impl Outbox, outcomes: &[(Fence, Fate)], now: SystemTime) -> Settled {
    outbox.settle(outcomes, now).await.expect("settle")
}

async fn state_of(outbox: &impl Outbox, event_id: &str) -> Option<(RowState, u32)> {
    let filter = RowFilter { event_id: Some(event_id.into()), ..RowFilter::default() };
    let rows = outbox.list(&filter, 10).await.expect("list");
    assert!(rows.len() <= 1, "one row per key (event id {event_id}): {rows:?}");
    rows.first().map(|row| (row.state, row.attempts))
}

async fn dead(outbox: &impl Outbox, fence: Fence, now: SystemTime) {
    let settled =
        settle(outbox, &[(fence, Fate::Dead { reason: rejected("bad token"), may_have_landed: false })], now).await;
    assert_eq!(settled, Settled { applied: 1, stale: vec![] });
}

async fn delivered(outbox: &impl Outbox, fence: Fence, now: SystemTime) {
    assert_eq!(
        settle(outbox, &[(fence, Fate::Delivered { confirmed_by_duplicate: false })], now).await,
        Settled { applied: 1, stale: vec![] }
    );
}

/// A key is accepted once in whatever state its row is, and again only
/// after a purge removed the row; each part of the key tells rows apart.
async fn keys_are_unique_until_purged(outbox: &impl Outbox) {
    let rule = "keys are unique until purged";
    assert_eq!(enqueue(outbox, &[], secs(0)).await, [], "{rule}: an empty enqueue");
    let first = enqueue(outbox, &[event(1, "a"), event(1, "a"), event(1, "b")], secs(0)).await;
    assert_eq!(first, [Enqueued::Added, Enqueued::AlreadyThere, Enqueued::Added], "{rule}: within one call");

    let mut other_type = event(1, "a");
    other_type.key.event_type = "1002".into();
    let others = enqueue(outbox, &[event(2, "a"), other_type], secs(0)).await;
    assert_eq!(others, [Enqueued::Added, Enqueued::Added], "{rule}: another account or type is another key");
    assert_eq!(enqueue(outbox, &[event(1, "a")], secs(1)).await, [Enqueued::AlreadyThere], "{rule}: pending");

    let claimed = claim(outbox, limits(10, 10), secs(1)).await;
    assert_eq!(claimed.len(), 4, "{rule}: the four rows are claimed");
    assert_eq!(enqueue(outbox, &[event(1, "a")], secs(2)).await, [Enqueued::AlreadyThere], "{rule}: claimed");

    let fence_of = |id: &str, account: u64| {
        claimed.iter().find(|c| c.key == key(account, "1001", id)).map(|c| c.fence).expect("claimed")
    };
    delivered(outbox, fence_of("a", 1), secs(3)).await;
    dead(outbox, fence_of("b", 1), secs(3)).await;
    let again = enqueue(outbox, &[event(1, "a"), event(1, "b")], secs(4)).await;
    assert_eq!(again, [Enqueued::AlreadyThere, Enqueued::AlreadyThere], "{rule}: delivered and dead rows");
    assert_eq!(
        state_of(outbox, "b").await.map(|s| s.0),
        Some(RowState::Dead),
        "{rule}: a re-emit keeps a dead row dead"
    );

    assert_eq!(outbox.purge(secs(10)).await.expect("purge"), 2, "{rule}: the purge");
    let after = enqueue(outbox, &[event(1, "a"), event(1, "b"), event(2, "a")], secs(11)).await;
    assert_eq!(
        after,
        [Enqueued::Added, Enqueued::Added, Enqueued::AlreadyThere],
        "{rule}: purged keys are new again, the claimed row is still there"
    );
    let renewed = claim(outbox, limits(10, 10), secs(11)).await;
    assert_eq!(ids(&renewed), strings(&["a", "b"]), "{rule}: the new rows are due");
    assert!(renewed.iter().all(|c| c.fence.attempt == 1), "{rule}: a new row starts at attempt 1: {renewed:?}");
}

/// A claim gives back the key, body and enqueue time as enqueued; the body
/// of a duplicate does not replace the first.
async fn bodies_and_keys_come_back_as_enqueued(outbox: &impl Outbox) {
    let rule = "bodies and keys come back as enqueued";
    let first = event(7, "x");
    let mut duplicate = event(7, "x");
    duplicate.body = br#"{"other":true}"#.to_vec();
    enqueue(outbox, std::slice::from_ref(&first), at(1500)).await;
    enqueue(outbox, &[duplicate], at(2500)).await;
    let claimed = claim(outbox, limits(10, 10), at(3000)).await;
    assert_eq!(claimed.len(), 1, "{rule}: one row");
    assert_eq!(claimed[0].key, first.key, "{rule}: the key");
    assert_eq!(claimed[0].body, first.body, "{rule}: the body, byte for byte, of the first enqueue");
    assert_eq!(claimed[0].enqueued_at, at(1500), "{rule}: the enqueue time");
    assert_eq!(claimed[0].fence.attempt, 1, "{rule}: the first claim is attempt 1");
    assert!(!claimed[0].may_have_landed, "{rule}: a first claim has not landed before");
}

/// A claim takes due rows once: until the lease ends, a second claim does
/// not take them.
async fn a_claim_leases_its_rows(outbox: &impl Outbox) {
    let rule = "a claim leases its rows";
    enqueue(outbox, &[event(1, "a"), event(1, "b")], secs(0)).await;
    assert_eq!(claim(outbox, limits(10, 0), secs(0)).await, [], "{rule}: a total of 0 takes nothing");
    assert_eq!(claim(outbox, limits(0, 10), secs(0)).await, [], "{rule}: a share of 0 takes nothing");
    let first = claim(outbox, limits(10, 10), secs(0)).await;
    assert_eq!(ids(&first), strings(&["a", "b"]), "{rule}: both due rows");
    assert_eq!(claim(outbox, limits(10, 10), secs(1)).await, [], "{rule}: leased rows are not claimed again");
    let counts = outbox.counts().await.expect("counts");
    assert_eq!((counts.pending, counts.claimed), (0, 2), "{rule}: counts while claimed");
    enqueue(outbox, &[event(1, "c")], secs(2)).await;
    assert_eq!(ids(&claim(outbox, limits(10, 10), secs(2)).await), strings(&["c"]), "{rule}: only the new row");
}

/// One claim takes at most one share of each account, so a backlog does
/// not hold back a quiet account.
async fn claims_are_fair_between_accounts(outbox: &impl Outbox) {
    let rule = "claims are fair between accounts";
    let backlog: Vec<_> = (0..20).map(|i| event(1, &format!("busy-{i:02}"))).collect();
    enqueue(outbox, &backlog, secs(0)).await;
    enqueue(outbox, &[event(2, "quiet-0")], secs(1)).await;

    let first = claim(outbox, limits(5, 8), secs(2)).await;
    let expected = strings(&["busy-00", "busy-01", "busy-02", "busy-03", "busy-04", "quiet-0"]);
    assert_eq!(ids(&first), expected, "{rule}: one share of the backlog (its oldest rows) and the quiet account");

    enqueue(outbox, &[event(2, "quiet-1"), event(3, "new-0")], secs(3)).await;
    let second = claim(outbox, limits(1, 10), secs(3)).await;
    assert_eq!(
        ids(&second),
        strings(&["busy-05", "quiet-1", "new-0"]),
        "{rule}: a share of 1 takes each account's oldest due row"
    );
    let third = claim(outbox, limits(100, 100), secs(3)).await;
    assert_eq!(third.len(), 14, "{rule}: the rest of the backlog when the limits allow");
    assert!(third.iter().all(|c| c.key.account == AccountId::new(1)), "{rule}: only the backlog was left: {third:?}");
}

/// When more accounts have due rows than a claim holds, the accounts whose
/// oldest due row is oldest go first; rows not due yet do not count.
async fn claims_go_to_the_oldest_due_rows_first(outbox: &impl Outbox) {
    let rule = "claims go to the oldest due rows first";
    // Account 40's first row waits for a retry until second 100: it is the
    // oldest row, but not due, so account 40 goes last.
    enqueue(outbox, &[event(40, "d-0")], secs(0)).await;
    let retried = claim(outbox, limits(1, 1), secs(0)).await;
    let retry = Fate::RetryAt { at: secs(100), reason: rejected("503"), may_have_landed: false };
    assert_eq!(settle(outbox, &[(retried[0].fence, retry)], secs(0)).await.applied, 1, "{rule}: the retry");
    enqueue(outbox, &[event(30, "c-0"), event(30, "c-1")], secs(1)).await;
    enqueue(outbox, &[event(10, "a-0"), event(10, "a-1"), event(10, "a-2")], secs(2)).await;
    enqueue(outbox, &[event(20, "b-0")], secs(3)).await;
    enqueue(outbox, &[event(40, "d-1")], secs(4)).await;

    let first = claim(outbox, limits(2, 3), secs(5)).await;
    assert_eq!(ids(&first), strings(&["c-0", "c-1", "a-0"]), "{rule}: account 30's share, then part of 10's");
    let second = claim(outbox, limits(2, 3), secs(5)).await;
    assert_eq!(ids(&second), strings(&["a-1", "a-2", "b-0"]), "{rule}: then 10's share before 20");
    let third = claim(outbox, limits(2, 3), secs(5)).await;
    assert_eq!(ids(&third), strings(&["d-1"]), "{rule}: account 40's due row last");
    for c in first.iter().chain(&second).chain(&third) {
        delivered(outbox, c.fence, secs(6)).await;
    }
    assert_eq!(claim(outbox, limits(2, 3), secs(99)).await, [], "{rule}: the retry is not due before second 100");
    let last = claim(outbox, limits(2, 3), secs(100)).await;
    assert_eq!(ids(&last), strings(&["d-0"]), "{rule}: the retry once due");
}

/// A claim that skips accounts takes none of their rows, and its limits go
/// to the other accounts in the usual order.
async fn a_claim_skipping_accounts_leaves_their_rows(outbox: &impl Outbox) {
    let rule = "a claim skipping accounts leaves their rows";
    enqueue(outbox, &[event(1, "a-0"), event(1, "a-1")], secs(0)).await;
    enqueue(outbox, &[event(2, "b-0"), event(2, "b-1")], secs(1)).await;
    enqueue(outbox, &[event(3, "c-0"), event(3, "c-1")], secs(2)).await;
    let claimed = outbox.claim_skipping(limits(1, 2), &[AccountId::new(1)], LEASE, secs(3)).await.expect("claim");
    assert_eq!(ids(&claimed), strings(&["b-0", "c-0"]), "{rule}: account 1 left out, its place to 3");
    let claimed = outbox
        .claim_skipping(limits(5, 10), &[AccountId::new(1), AccountId::new(3)], LEASE, secs(3))
        .await
        .expect("claim");
    assert_eq!(ids(&claimed), strings(&["b-1"]), "{rule}: only account 2 left");
    assert_eq!(ids(&claim(outbox, limits(5, 10), secs(3)).await), strings(&["a-0", "a-1", "c-1"]), "{rule}: then all");
}

/// A row whose lease ended is claimed again with the next attempt number;
/// before the end it is not.
async fn an_ended_lease_is_claimed_again(outbox: &impl Outbox) {
    let rule = "an ended lease is claimed again";
    enqueue(outbox, &[event(1, "a")], secs(0)).await;
    let first = claim(outbox, limits(1, 1), secs(0)).await;
    assert_eq!(first.len(), 1, "{rule}: the first claim");
    assert_eq!(claim(outbox, limits(1, 1), secs(29)).await, [], "{rule}: the lease (30 s) holds at 29 s");
    let second = claim(outbox, limits(1, 1), secs(31)).await;
    assert_eq!(second.len(), 1, "{rule}: the lease ended at 30 s, so 31 s claims again");
    assert_eq!(second[0].fence.row, first[0].fence.row, "{rule}: the same row");
    assert_eq!(second[0].fence.attempt, 2, "{rule}: the next attempt");
    assert!(!second[0].may_have_landed, "{rule}: a lease that ended is no evidence of a send");
    assert_eq!(second[0].body, first[0].body, "{rule}: the same body");
    assert_eq!(state_of(outbox, "a").await, Some((RowState::Claimed, 2)), "{rule}: the row");
}

/// A settle whose fence is no longer the row's claim is counted as stale
/// and changes nothing; the current one applies, even after its lease ended
/// if no one claimed the row again.
async fn a_stale_settle_is_counted_and_not_applied(outbox: &impl Outbox) {
    let rule = "a stale settle is counted and not applied";
    enqueue(outbox, &[event(1, "a"), event(1, "b")], secs(0)).await;
    let first = claim(outbox, limits(10, 10), secs(0)).await;
    let fence = |claimed: &[Claimed], id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    let (a1, b1) = (fence(&first, "a"), fence(&first, "b"));

    let second = claim(outbox, limits(10, 10), secs(31)).await;
    assert_eq!(second.len(), 2, "{rule}: both leases ended and were claimed again");
    let a2 = fence(&second, "a");
    let stale = [
        (a1, Fate::Dead { reason: rejected("late"), may_have_landed: false }),
        (a2, Fate::Delivered { confirmed_by_duplicate: false }),
    ];
    assert_eq!(
        settle(outbox, &stale, secs(32)).await,
        Settled { applied: 1, stale: vec![a1] },
        "{rule}: one stale of two"
    );
    assert_eq!(state_of(outbox, "a").await, Some((RowState::Delivered, 2)), "{rule}: the newer claim's settle");
    assert_eq!(
        settle(outbox, &[(a2, Fate::Dead { reason: rejected("twice"), may_have_landed: false })], secs(33)).await,
        Settled { applied: 0, stale: vec![a2] },
        "{rule}: a settled attempt cannot be settled again"
    );
    assert_eq!(state_of(outbox, "a").await.map(|s| s.0), Some(RowState::Delivered), "{rule}: still delivered");

    let b2 = fence(&second, "b");
    assert_eq!(
        settle(outbox, &[(b1, Fate::Delivered { confirmed_by_duplicate: false })], secs(34)).await,
        Settled { applied: 0, stale: vec![b1] },
        "{rule}: b's first claim is stale"
    );
    assert_eq!(state_of(outbox, "b").await, Some((RowState::Claimed, 2)), "{rule}: b is still claimed");
    // b's second lease ended at 61 s and no one claimed it again: its fence
    // is still the row's.
    assert_eq!(
        settle(outbox, &[(b2, Fate::Delivered { confirmed_by_duplicate: false })], secs(70)).await,
        Settled { applied: 1, stale: vec![] },
        "{rule}: the current fence applies after its lease ended"
    );
    let missing = Fence { row: a2.row.max(b2.row) + 1_000_000, attempt: 1 };
    assert_eq!(
        settle(outbox, &[(missing, Fate::Delivered { confirmed_by_duplicate: false })], secs(71)).await,
        Settled { applied: 0, stale: vec![missing] },
        "{rule}: a row that is not there"
    );
    assert_eq!(settle(outbox, &[], secs(72)).await, Settled::default(), "{rule}: nothing to settle");
}

/// A transient failure makes the row pending again from its retry time,
/// with its reason; it is not claimed before.
async fn a_retry_is_not_claimed_before_it_is_due(outbox: &impl Outbox) {
    let rule = "a retry is not claimed before it is due";
    enqueue(outbox, &[event(1, "a")], secs(0)).await;
    let first = claim(outbox, limits(1, 1), secs(0)).await;
    let retry = Fate::RetryAt { at: secs(60), reason: rejected("HubSpot answered 503"), may_have_landed: false };
    assert_eq!(settle(outbox, &[(first[0].fence, retry)], secs(1)).await.applied, 1, "{rule}: applied");
    let rows = outbox.list(&RowFilter::default(), 10).await.expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, RowState::Pending, "{rule}: pending again");
    assert_eq!(rows[0].due_at, Some(secs(60)), "{rule}: due at its retry time");
    assert_eq!(
        rows[0].last_error.as_deref(),
        Some(rejected("HubSpot answered 503").to_string().as_str()),
        "{rule}: with its reason"
    );
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(60)), "{rule}: next_due");
    assert_eq!(claim(outbox, limits(1, 1), secs(59)).await, [], "{rule}: not claimed at 59 s (past the lease, too)");
    let second = claim(outbox, limits(1, 1), secs(60)).await;
    assert_eq!(second.len(), 1, "{rule}: claimed once due");
    assert_eq!(second[0].fence.attempt, 2, "{rule}: as the second attempt");
}

/// A dead letter stays dead until requeued; a requeue takes dead rows only,
/// by account, by id or all, keeps their attempts, and makes them due at
/// its `now`.
async fn a_requeued_dead_letter_keeps_its_attempts(outbox: &impl Outbox) {
    let rule = "a requeued dead letter keeps its attempts";
    let events = [event(1, "a"), event(1, "b"), event(2, "c"), event(2, "d"), event(3, "e")];
    enqueue(outbox, &events, secs(0)).await;
    let claimed = claim(outbox, limits(10, 10), secs(0)).await;
    for c in &claimed {
        if c.key.event_id == "e" {
            delivered(outbox, c.fence, secs(1)).await;
        } else {
            dead(outbox, c.fence, secs(1)).await;
        }
    }
    assert_eq!(claim(outbox, limits(10, 10), secs(100)).await, [], "{rule}: dead rows are not claimed");
    let rows = outbox.list(&RowFilter { state: Some(RowState::Dead), ..RowFilter::default() }, 10).await.expect("list");
    assert_eq!(rows.len(), 4, "{rule}: four dead letters");
    assert!(
        rows.iter().all(|r| r.last_error == Some(rejected("bad token").to_string()) && r.due_at.is_none()),
        "{rule}: with their reason, never due: {rows:?}"
    );

    let by_account =
        RowFilter { account: Some(AccountId::new(2)), state: Some(RowState::Pending), ..RowFilter::default() };
    assert_eq!(
        outbox.requeue_dead(&by_account, secs(200)).await.expect("requeue"),
        2,
        "{rule}: account 2's dead letters (the filter's state is ignored)"
    );
    let by_id = RowFilter { event_id: Some("a".into()), ..RowFilter::default() };
    assert_eq!(outbox.requeue_dead(&by_id, secs(200)).await.expect("requeue"), 1, "{rule}: one by id");
    assert_eq!(
        outbox
            .requeue_dead(&RowFilter { account: Some(AccountId::new(3)), ..RowFilter::default() }, secs(200))
            .await
            .expect("requeue"),
        0,
        "{rule}: account 3's row is delivered, not dead"
    );
    assert_eq!(state_of(outbox, "e").await, Some((RowState::Delivered, 1)), "{rule}: the delivered row is untouched");
    assert_eq!(state_of(outbox, "b").await, Some((RowState::Dead, 1)), "{rule}: the other dead letter stays");
    assert_eq!(state_of(outbox, "c").await, Some((RowState::Pending, 1)), "{rule}: requeued, its attempts kept");

    assert_eq!(claim(outbox, limits(10, 10), secs(199)).await, [], "{rule}: due at the requeue's time, not before");
    let again = claim(outbox, limits(10, 10), secs(200)).await;
    assert_eq!(ids(&again), strings(&["a", "c", "d"]), "{rule}: the requeued rows");
    assert!(
        again.iter().all(|c| c.fence.attempt == 2 && !c.may_have_landed),
        "{rule}: attempt 2, and dead letters that never landed have not: {again:?}"
    );
    assert_eq!(outbox.requeue_dead(&RowFilter::default(), secs(300)).await.expect("requeue"), 1, "{rule}: all");
}

/// The retention's purge removes delivered rows settled before its time and
/// never a dead letter.
async fn purge_delivered_keeps_dead_letters(outbox: &impl Outbox) {
    let rule = "purge_delivered keeps dead letters";
    enqueue(outbox, &[event(1, "delivered"), event(1, "dead"), event(1, "late")], secs(0)).await;
    let claimed = claim(outbox, limits(3, 3), secs(0)).await;
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    delivered(outbox, fence("delivered"), secs(10)).await;
    dead(outbox, fence("dead"), secs(10)).await;
    delivered(outbox, fence("late"), secs(20)).await;
    assert_eq!(outbox.purge_delivered(secs(15)).await.expect("purge"), 1, "{rule}: the delivered row before 15 s");
    assert_eq!(state_of(outbox, "delivered").await, None, "{rule}: gone");
    assert_eq!(state_of(outbox, "dead").await.map(|s| s.0), Some(RowState::Dead), "{rule}: the dead letter stays");
    assert_eq!(state_of(outbox, "late").await.map(|s| s.0), Some(RowState::Delivered), "{rule}: settled at 20 s");
    assert_eq!(enqueue(outbox, &[event(1, "delivered")], secs(30)).await, [Enqueued::Added], "{rule}: its key is free");
}

/// Whether a row may have landed: not after a claim, nor after a lease that
/// ended; set by `sending` for the current claim only; kept by a claim after
/// it; then as a settlement says (a definite refusal clears it, a retry
/// that may have landed keeps it), also through a dead letter's re-queue.
async fn may_have_landed_is_set_by_sending_and_by_settlements_alone(outbox: &impl Outbox) {
    let rule = "may have landed is set by sending and by settlements alone";
    let landed =
        |claimed: &[Claimed]| claimed.iter().map(|c| (c.key.event_id.clone(), c.may_have_landed)).collect::<Vec<_>>();
    let flag = |id: &str, value: bool| (id.to_owned(), value);
    enqueue(outbox, &[event(1, "a"), event(1, "b")], secs(0)).await;
    let first = claim(outbox, limits(10, 10), secs(0)).await;
    assert_eq!(landed(&first), [flag("a", false), flag("b", false)], "{rule}: fresh rows");
    let (a1, b1) = (first[0].fence, first[1].fence);
    assert_eq!(outbox.sending(&[a1]).await.expect("sending"), Settled { applied: 1, stale: vec![] }, "{rule}: a");
    let row = |id: &str| {
        let filter = RowFilter { event_id: Some(id.into()), ..RowFilter::default() };
        async move { outbox.list(&filter, 1).await.expect("list").remove(0).may_have_landed }
    };
    assert!(row("a").await, "{rule}: a is marked");
    assert!(!row("b").await, "{rule}: b is not");
    // Both leases end: a was sent and may have landed, b never was.
    let second = claim(outbox, limits(10, 10), secs(31)).await;
    assert_eq!(landed(&second), [flag("a", true), flag("b", false)], "{rule}: a claim keeps the flags");
    let (a2, b2) = (second[0].fence, second[1].fence);
    assert_eq!(outbox.sending(&[a1, b1]).await.expect("sending").stale, [a1, b1], "{rule}: stale fences mark nothing");
    assert!(!row("b").await, "{rule}: b is still not marked");
    let not_landed = Fate::RetryAt { at: secs(40), reason: rejected("429"), may_have_landed: false };
    let may_have = Fate::Dead { reason: rejected("bad request"), may_have_landed: true };
    settle(outbox, &[(b2, not_landed), (a2, may_have)], secs(32)).await;
    assert!(!row("b").await, "{rule}: a settlement that proves nothing landed");
    assert!(row("a").await, "{rule}: a dead letter that may have landed");
    outbox.requeue_dead(&RowFilter::default(), secs(50)).await.expect("requeue");
    let third = claim(outbox, limits(10, 10), secs(50)).await;
    assert_eq!(landed(&third), [flag("a", true), flag("b", false)], "{rule}: a re-queue keeps the flag");
    let (a3, b3) = (third[0].fence, third[1].fence);
    outbox.sending(&[a3, b3]).await.expect("sending");
    let refused = Fate::Dead { reason: rejected("bad token"), may_have_landed: false };
    settle(outbox, &[(a3, refused.clone()), (b3, refused)], secs(51)).await;
    assert!(!row("a").await && !row("b").await, "{rule}: a refusal proves the attempt did not land");
}

/// A renewed lease holds past its first end; a renewal of a stale fence
/// changes nothing.
async fn a_renewed_lease_is_not_claimed_again(outbox: &impl Outbox) {
    let rule = "a renewed lease is not claimed again";
    enqueue(outbox, &[event(1, "a"), event(1, "b")], secs(0)).await;
    let first = claim(outbox, limits(10, 10), secs(0)).await;
    let (a1, b1) = (first[0].fence, first[1].fence);
    let renewed = outbox.renew(&[a1], LEASE, secs(20)).await.expect("renew");
    assert_eq!(renewed, Settled { applied: 1, stale: vec![] }, "{rule}: a renewed");
    let second = claim(outbox, limits(10, 10), secs(31)).await;
    assert_eq!(ids(&second), strings(&["b"]), "{rule}: only b's lease ended at 30 s");
    assert_eq!(outbox.renew(&[b1], LEASE, secs(32)).await.expect("renew").stale, [b1], "{rule}: b's old fence");
    assert_eq!(outbox.next_due().await.expect("next due"), Some(secs(50)), "{rule}: a's lease ends at 50 s");
    assert_eq!(ids(&claim(outbox, limits(10, 10), secs(50)).await), strings(&["a"]), "{rule}: then a");
}

/// A purge removes delivered and dead rows settled strictly before its
/// time, and never a pending or claimed row.
async fn purge_removes_only_rows_settled_before(outbox: &impl Outbox) {
    let rule = "purge removes only rows settled before";
    let events = [event(1, "delivered"), event(1, "dead"), event(1, "claimed"), event(2, "retry")];
    enqueue(outbox, &events, secs(0)).await;
    enqueue(outbox, &[event(2, "pending")], secs(0)).await;
    let claimed = claim(outbox, limits(3, 3), secs(0)).await;
    let retried = claim(outbox, limits(1, 1), secs(0)).await;
    assert_eq!(ids(&retried), strings(&["retry"]));
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    delivered(outbox, fence("delivered"), secs(10)).await;
    dead(outbox, fence("dead"), secs(20)).await;
    let retry = Fate::RetryAt { at: secs(5000), reason: rejected("429"), may_have_landed: false };
    settle(outbox, &[(retried[0].fence, retry)], secs(10)).await;

    assert_eq!(outbox.purge(secs(10)).await.expect("purge"), 0, "{rule}: settled at 10 s is not before 10 s");
    assert_eq!(outbox.purge(at(10_001)).await.expect("purge"), 1, "{rule}: the delivered row");
    assert_eq!(state_of(outbox, "delivered").await, None, "{rule}: gone");
    assert_eq!(state_of(outbox, "dead").await.map(|s| s.0), Some(RowState::Dead), "{rule}: dead at 20 s stays");
    assert_eq!(outbox.purge(secs(1_000_000)).await.expect("purge"), 1, "{rule}: then the dead letter");
    let counts = outbox.counts().await.expect("counts");
    assert_eq!(
        (counts.pending, counts.claimed, counts.delivered, counts.dead),
        (2, 1, 0, 0),
        "{rule}: pending, retrying and claimed rows stay: {counts:?}"
    );
}

/// `counts`, `depth` and `account_counts` follow the rows through their
/// states.
async fn counts_follow_the_rows(outbox: &impl Outbox) {
    let rule = "counts follow the rows";
    assert_eq!(outbox.counts().await.expect("counts"), OutboxCounts::default(), "{rule}: empty");
    assert_eq!(outbox.depth().await.expect("depth"), OutboxDepth::default(), "{rule}: empty");
    assert_eq!(outbox.account_counts(secs(0)).await.expect("account_counts"), [], "{rule}: empty");
    enqueue(outbox, &[event(5, "delivered"), event(5, "dead")], secs(1)).await;
    enqueue(outbox, &[event(9, "claimed"), event(9, "pending")], secs(2)).await;
    enqueue(outbox, &[event(7, "done")], secs(3)).await;
    let claimed = claim(outbox, limits(1, 10), secs(3)).await;
    assert_eq!(ids(&claimed), strings(&["delivered", "claimed", "done"]));
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    delivered(outbox, fence("delivered"), secs(4)).await;
    delivered(outbox, fence("done"), secs(4)).await;
    let dead_row = claim(outbox, limits(1, 1), secs(4)).await;
    assert_eq!(ids(&dead_row), strings(&["dead"]));
    dead(outbox, dead_row[0].fence, secs(5)).await;

    let counts = outbox.counts().await.expect("counts");
    assert_eq!(
        counts,
        OutboxCounts { pending: 1, claimed: 1, delivered: 2, dead: 1, oldest_undelivered: Some(secs(2)) },
        "{rule}: one of each, two delivered; the oldest undelivered was enqueued at 2 s"
    );
    assert_eq!(
        outbox.depth().await.expect("depth"),
        OutboxDepth { undelivered: 2, oldest_undelivered: Some(secs(2)) },
        "{rule}: the depth"
    );
    let accounts = outbox.account_counts(secs(5)).await.expect("account_counts");
    let undelivered: Vec<_> = accounts.iter().map(|a| (a.account.get(), a.undelivered(), a.dead)).collect();
    assert_eq!(
        undelivered,
        [(5, 0, 1), (9, 2, 0)],
        "{rule}: account 7 has neither undelivered nor dead rows, nor one delivered since 5 s"
    );
}

fn account(account: u64) -> AccountCounts {
    AccountCounts::none(AccountId::new(account))
}

/// `account_counts` shows, by account, each one's pending, claimed and dead
/// rows, those delivered since the time asked, when its oldest undelivered
/// row was enqueued and its pause; a paused account without rows too.
async fn account_counts_show_each_account(outbox: &impl Outbox) {
    let rule = "account_counts show each account";
    enqueue(outbox, &[event(1, "early"), event(1, "late"), event(1, "dead")], secs(1)).await;
    enqueue(outbox, &[event(2, "claimed"), event(2, "pending")], secs(2)).await;
    let claimed = claim(outbox, limits(3, 4), secs(3)).await;
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    delivered(outbox, fence("early"), secs(4)).await;
    delivered(outbox, fence("late"), secs(10)).await;
    dead(outbox, fence("dead"), secs(10)).await;
    assert!(outbox.pause(AccountId::new(3), "asked by an operator", secs(11)).await.expect("pause"));
    let pending = claimed.iter().find(|c| c.key.event_id == "pending");
    assert!(pending.is_none(), "{rule}: account 2's second row waits: {claimed:?}");

    let accounts = outbox.account_counts(secs(10)).await.expect("account_counts");
    assert_eq!(
        accounts,
        [
            AccountCounts { dead: 1, delivered: 1, ..account(1) },
            AccountCounts { pending: 1, claimed: 1, oldest_undelivered: Some(secs(2)), ..account(2) },
            AccountCounts {
                paused: Some(Pause { since: secs(11), reason: "asked by an operator".into() }),
                ..account(3)
            },
        ],
        "{rule}: one delivered since 10 s"
    );
    let since_start = outbox.account_counts(secs(0)).await.expect("account_counts");
    assert_eq!(since_start[0].delivered, 2, "{rule}: both delivered since 0 s");
}

/// `dead_reasons` groups dead letters by their reason, the largest group
/// first, each with its oldest row and that row's body; of one account, or
/// all, at most the limit.
async fn dead_letters_are_grouped_by_reason(outbox: &impl Outbox) {
    let rule = "dead letters are grouped by reason";
    assert_eq!(outbox.dead_reasons(None, 10).await.expect("dead_reasons"), [], "{rule}: none");
    let events = [event(1, "a"), event(2, "b"), event(1, "c"), event(2, "d"), event(1, "ok")];
    enqueue(outbox, &events, secs(0)).await;
    let claimed = claim(outbox, limits(10, 10), secs(0)).await;
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    let refused = |message: &str| Fate::Dead { reason: rejected(message), may_have_landed: false };
    let outcomes = [
        (fence("a"), refused("bad token")),
        (fence("b"), refused("bad token")),
        (fence("c"), refused("no template")),
        (fence("d"), refused("bad token")),
        (fence("ok"), Fate::Delivered { confirmed_by_duplicate: false }),
    ];
    settle(outbox, &outcomes, secs(1)).await;

    let groups = outbox.dead_reasons(None, 10).await.expect("dead_reasons");
    let counted: Vec<_> = groups.iter().map(|g| (g.reason.as_str(), g.rows, g.sample.key.event_id.as_str())).collect();
    let (bad_token, no_template) = (rejected("bad token").to_string(), rejected("no template").to_string());
    assert_eq!(counted, [(bad_token.as_str(), 3, "a"), (no_template.as_str(), 1, "c")], "{rule}: largest first");
    assert_eq!(groups[0].sample_body, event(1, "a").body, "{rule}: the sample's body as enqueued");
    assert_eq!(
        (groups[0].sample.state, groups[0].sample.last_error.as_deref()),
        (RowState::Dead, Some(bad_token.as_str())),
        "{rule}: the sample is a dead letter of its reason"
    );
    let of_two = outbox.dead_reasons(Some(AccountId::new(2)), 10).await.expect("dead_reasons");
    let counted: Vec<_> = of_two.iter().map(|g| (g.reason.as_str(), g.rows, g.sample.key.event_id.as_str())).collect();
    assert_eq!(counted, [(bad_token.as_str(), 2, "b")], "{rule}: of one account");
    assert_eq!(outbox.dead_reasons(None, 1).await.expect("dead_reasons").len(), 1, "{rule}: the limit");
}

/// `requeue_dead` and `drop_dead` take dead rows only, by row, by reason,
/// by account, or all; a dropped row is gone and its key free; a requeued
/// row is claimed again as its next attempt, and its old claim's fence is
/// stale.
async fn requeue_and_drop_take_only_the_dead_rows_filtered(outbox: &impl Outbox) {
    let rule = "requeue and drop take only the dead rows filtered";
    let events = [event(1, "a"), event(1, "b"), event(1, "c"), event(2, "d"), event(2, "e"), event(2, "f")];
    enqueue(outbox, &events, secs(0)).await;
    let claimed = claim(outbox, limits(3, 6), secs(0)).await;
    let fence = |id: &str| claimed.iter().find(|c| c.key.event_id == id).expect(id).fence;
    let refused = |message: &str| Fate::Dead { reason: rejected(message), may_have_landed: false };
    let outcomes = [
        (fence("a"), refused("bad token")),
        (fence("b"), refused("bad token")),
        (fence("c"), refused("no template")),
        (fence("d"), refused("bad token")),
        (fence("e"), Fate::Delivered { confirmed_by_duplicate: false }),
    ];
    settle(outbox, &outcomes, secs(1)).await;
    enqueue(outbox, &[event(2, "g")], secs(2)).await;
    // Rows in every state: f claimed, g pending, e delivered, a–d dead.
    let bad_token = Some(rejected("bad token").to_string());
    let everything = RowFilter::default();

    let row_a = RowFilter { row: Some(fence("a").row), ..RowFilter::default() };
    assert_eq!(outbox.requeue_dead(&row_a, secs(3)).await.expect("requeue"), 1, "{rule}: one row");
    assert_eq!(state_of(outbox, "a").await, Some((RowState::Pending, 1)), "{rule}: a is pending");
    let again = claim(outbox, limits(10, 10), secs(3)).await;
    assert_eq!(ids(&again), strings(&["a", "g"]), "{rule}: the requeued row and the pending one");
    let a = again.iter().find(|c| c.key.event_id == "a").expect("a");
    assert_eq!(a.fence.attempt, 2, "{rule}: the requeued row's next attempt");
    let stale = settle(outbox, &[(fence("a"), Fate::Delivered { confirmed_by_duplicate: false })], secs(4)).await;
    assert_eq!(stale, Settled { applied: 0, stale: vec![fence("a")] }, "{rule}: the dead claim's fence is stale");
    delivered(outbox, a.fence, secs(4)).await;

    let reason_of_two = RowFilter { reason: bad_token.clone(), account: Some(AccountId::new(2)), ..everything.clone() };
    assert_eq!(outbox.drop_dead(&reason_of_two).await.expect("drop"), 1, "{rule}: account 2's bad tokens");
    assert_eq!(state_of(outbox, "d").await, None, "{rule}: d is gone");
    assert_eq!(enqueue(outbox, &[event(2, "d")], secs(5)).await, [Enqueued::Added], "{rule}: its key is free");

    let reason = RowFilter { reason: bad_token.clone(), ..everything.clone() };
    assert_eq!(outbox.requeue_dead(&reason, secs(5)).await.expect("requeue"), 1, "{rule}: b, the last bad token");
    assert_eq!(state_of(outbox, "b").await, Some((RowState::Pending, 1)), "{rule}: b is pending");
    assert_eq!(state_of(outbox, "c").await, Some((RowState::Dead, 1)), "{rule}: another reason stays dead");

    let account_two = RowFilter { account: Some(AccountId::new(2)), ..everything.clone() };
    assert_eq!(outbox.drop_dead(&account_two).await.expect("drop"), 0, "{rule}: account 2 has no dead row left");
    assert_eq!(outbox.drop_dead(&everything).await.expect("drop"), 1, "{rule}: all dead rows: c");
    assert_eq!(state_of(outbox, "c").await, None, "{rule}: c is gone");
    let counts = outbox.counts().await.expect("counts");
    assert_eq!(
        (counts.pending, counts.claimed, counts.delivered, counts.dead),
        (2, 2, 2, 0),
        "{rule}: every row not dead stays: b and d pending, f and g claimed, a and e delivered"
    );
}

/// A paused account's rows are not claimed, nor count for `next_due`,
/// until it is resumed; its claims under way settle as usual; a pause is
/// listed with its time and reason, and a second pause keeps the first.
async fn a_paused_account_is_not_claimed_until_resumed(outbox: &impl Outbox) {
    let rule = "a paused account is not claimed until resumed";
    enqueue(outbox, &[event(1, "under way"), event(1, "waits"), event(2, "other")], secs(0)).await;
    let under_way = claim(outbox, limits(1, 1), secs(0)).await;
    assert_eq!(ids(&under_way), strings(&["under way"]));
    assert!(outbox.pause(AccountId::new(1), "install revoked", secs(1)).await.expect("pause"), "{rule}: paused");
    assert!(!outbox.pause(AccountId::new(1), "again", secs(2)).await.expect("pause"), "{rule}: paused already");
    let pause = Pause { since: secs(1), reason: "install revoked".into() };
    assert_eq!(outbox.paused().await.expect("paused"), [(AccountId::new(1), pause)], "{rule}: the first pause");

    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(0)), "{rule}: account 2's row is due");
    let claimed = claim(outbox, limits(10, 10), secs(2)).await;
    assert_eq!(ids(&claimed), strings(&["other"]), "{rule}: only the account not paused");
    delivered(outbox, claimed[0].fence, secs(2)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), None, "{rule}: the paused account's rows are not due");
    let back = Fate::RetryAt { at: secs(3), reason: rejected("install revoked"), may_have_landed: false };
    let settled = settle(outbox, &[(under_way[0].fence, back)], secs(3)).await;
    assert_eq!(settled.applied, 1, "{rule}: a claim under way settles");
    assert_eq!(claim(outbox, limits(10, 10), secs(100)).await, [], "{rule}: nothing of the paused account");
    assert_eq!(state_of(outbox, "waits").await, Some((RowState::Pending, 0)), "{rule}: its rows stay pending");

    assert!(outbox.resume(AccountId::new(1)).await.expect("resume"), "{rule}: resumed");
    assert!(!outbox.resume(AccountId::new(1)).await.expect("resume"), "{rule}: not paused any more");
    assert_eq!(outbox.paused().await.expect("paused"), [], "{rule}: no pause left");
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(0)), "{rule}: due again");
    let resumed = claim(outbox, limits(10, 10), secs(100)).await;
    assert_eq!(ids(&resumed), strings(&["under way", "waits"]), "{rule}: both rows once resumed");
    let given_back = resumed.iter().find(|c| c.key.event_id == "under way").expect("under way");
    assert_eq!(given_back.fence.attempt, 2, "{rule}: the claim after the give-back is the next attempt");
}

/// `next_due` is the earliest pending due time or lease end, `None` when
/// there is neither.
async fn next_due_is_the_earliest_due_time_or_lease_end(outbox: &impl Outbox) {
    let rule = "next_due is the earliest due time or lease end";
    assert_eq!(outbox.next_due().await.expect("next_due"), None, "{rule}: empty");
    enqueue(outbox, &[event(1, "a")], secs(5)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(5)), "{rule}: due when enqueued");
    let claimed = claim(outbox, limits(1, 1), secs(6)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(36)), "{rule}: the lease's end");
    enqueue(outbox, &[event(2, "b")], secs(7)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(7)), "{rule}: the earlier pending row");
    let b = claim(outbox, limits(1, 1), secs(8)).await;
    let retry = Fate::RetryAt { at: secs(20), reason: rejected("503"), may_have_landed: false };
    settle(outbox, &[(b[0].fence, retry)], secs(8)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), Some(secs(20)), "{rule}: the retry before the lease");
    delivered(outbox, claimed[0].fence, secs(9)).await;
    let b = claim(outbox, limits(1, 1), secs(20)).await;
    dead(outbox, b[0].fence, secs(21)).await;
    assert_eq!(outbox.next_due().await.expect("next_due"), None, "{rule}: delivered and dead rows are never due");
}

/// `list` takes rows by state, account and id, oldest first, at most its
/// limit, and shows each row's fields.
async fn list_filters_and_orders(outbox: &impl Outbox) {
    let rule = "list filters and orders";
    for (i, account) in [3u64, 1, 2, 1].into_iter().enumerate() {
        enqueue(outbox, &[event(account, &format!("e{i}"))], secs(i as u64)).await;
    }
    let all = outbox.list(&RowFilter::default(), 100).await.expect("list");
    let order: Vec<_> = all.iter().map(|r| r.key.event_id.as_str()).collect();
    assert_eq!(order, ["e0", "e1", "e2", "e3"], "{rule}: oldest first");
    assert!(all.windows(2).all(|w| w[0].row < w[1].row), "{rule}: row ids grow with enqueue order");
    assert_eq!(all[1].key, key(1, "1001", "e1"));
    assert_eq!((all[1].state, all[1].attempts, all[1].enqueued_at), (RowState::Pending, 0, secs(1)));
    assert_eq!((all[1].due_at, all[1].last_error.as_deref()), (Some(secs(1)), None));

    let limited = outbox.list(&RowFilter::default(), 2).await.expect("list");
    assert_eq!(limited, all[..2], "{rule}: the limit keeps the oldest");
    let account =
        outbox.list(&RowFilter { account: Some(AccountId::new(1)), ..RowFilter::default() }, 100).await.expect("list");
    assert_eq!(account, [all[1].clone(), all[3].clone()], "{rule}: by account");

    let claimed = claim(outbox, limits(1, 1), secs(10)).await;
    assert_eq!(ids(&claimed), strings(&["e0"]));
    let state = RowFilter { state: Some(RowState::Claimed), ..RowFilter::default() };
    let rows = outbox.list(&state, 100).await.expect("list");
    assert_eq!(rows.len(), 1, "{rule}: by state");
    assert_eq!((rows[0].row, rows[0].attempts, rows[0].due_at), (all[0].row, 1, Some(secs(40))), "{rule}: claimed");
    delivered(outbox, claimed[0].fence, secs(11)).await;
    let done = RowFilter {
        state: Some(RowState::Delivered),
        event_id: Some("e0".into()),
        account: Some(AccountId::new(3)),
        ..RowFilter::default()
    };
    let rows = outbox.list(&done, 100).await.expect("list");
    assert_eq!(rows.len(), 1, "{rule}: by state, account and id");
    assert_eq!(rows[0].due_at, None, "{rule}: a delivered row is not due");
    let none = RowFilter { account: Some(AccountId::new(2)), event_id: Some("e0".into()), ..RowFilter::default() };
    assert_eq!(outbox.list(&none, 100).await.expect("list"), [], "{rule}: the filters combine");
}
