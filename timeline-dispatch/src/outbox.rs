//! The [`Outbox`]: where emitted events wait until they are delivered or
//! dead, keyed by account, event type and id.
//!
//! # A row's life
//!
//! [`enqueue`](Outbox::enqueue) adds a row as *pending* (due now), unless a
//! row with the same [`EventKey`] exists, in whatever state, until
//! [`purge`](Outbox::purge) removes it: emitting the same event twice is
//! accepted once, and a delivered event is not sent again within the
//! retention of delivered rows.
//!
//! [`claim`](Outbox::claim) takes due pending rows (and rows whose lease ran
//! out) for one delivery attempt: it adds one to the row's attempt number and
//! leases it until `now + lease`. Every later change names the row and the
//! attempt it claimed ([`Fence`]); a change whose attempt is no longer the
//! row's (the lease ran out and another dispatcher claimed it again) is not
//! applied and is named as stale, so a slow dispatcher never overwrites a
//! newer claim. [`renew`](Outbox::renew) extends the lease of claims still
//! being worked on, so leases can be short: a dead dispatcher's rows come
//! back soon.
//!
//! # May have landed
//!
//! A row records whether any attempt of it **may have reached HubSpot**
//! ([`Claimed::may_have_landed`]). [`sending`](Outbox::sending) sets it just
//! before a request with the row goes out, so a crash while the request is in
//! flight leaves it set; [`settle`](Outbox::settle) then stores what the
//! answer proved (the flag of a [`Fate`]). A claim, a lease running
//! out, a give-back or a crash before sending never set it. A redelivery of
//! a row with the flag set counts HubSpot's "already in use" (an app event's
//! 409) as delivered; without it, that answer means another event holds the
//! id, and the row is dead.
//!
//! [`settle`](Outbox::settle) ends an attempt: *delivered*, *pending* again
//! from a given time (a transient failure, with its reason), or *dead* (a
//! permanent failure, with its reason). Dead rows stay until
//! [`requeue_dead`](Outbox::requeue_dead) makes them pending again or
//! [`purge`](Outbox::purge) removes them; delivered rows until
//! [`purge_delivered`](Outbox::purge_delivered) (the dispatcher's retention)
//! or [`purge`](Outbox::purge) removes them. Nothing reads a delivered row's
//! body again: the outboxes of this crate drop it at delivery, keeping the
//! key alone for the retention (an event's body often holds personal data).
//!
//! # Operating an outbox
//!
//! An operator (the `timeline outbox` command, a console) sees each
//! account's rows ([`account_counts`](Outbox::account_counts)), the dead
//! letters grouped by their reason with a sample
//! ([`dead_reasons`](Outbox::dead_reasons)), requeues or drops dead letters
//! by row, reason, account or id ([`requeue_dead`](Outbox::requeue_dead),
//! [`drop_dead`](Outbox::drop_dead)), and pauses an account
//! ([`pause`](Outbox::pause), [`resume`](Outbox::resume)): no claim takes a
//! paused account's rows, which stay pending (or claimed, when a lease of
//! theirs ran out) until it is resumed; its claims under way end normally.
//! A pause is stored in the outbox, so every dispatcher of a shared outbox
//! holds the account's rows back. The dispatcher pauses an account itself
//! when its install is revoked.
//!
//! # Fair claims
//!
//! One claim takes at most [`ClaimLimits::per_account`] rows of any one
//! account (its oldest due rows, in enqueue order) and at most
//! [`ClaimLimits::total`] rows in all; when more accounts have due rows than
//! fit, the accounts whose oldest due row is oldest go first. So an account
//! with a large backlog takes one share per claim, not the whole claim.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use timeline_core::AccountId;

use crate::Error;
use crate::fate::Fate;

/// The future an [`Outbox`] method returns.
pub type OutboxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The id of an outbox row, given by the outbox.
pub type RowId = i64;

pub use timeline_core::EventKind;

/// What makes an event unique in an outbox: emitting an event with the key
/// of a row already there adds nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventKey {
    /// The account (HubSpot's hub id).
    pub account: AccountId,
    /// The API the event goes to.
    pub kind: EventKind,
    /// The event type: the template id of a [`EventKind::Timeline`] event,
    /// the event type name of an [`EventKind::AppEvent`].
    pub event_type: String,
    /// The event's id, as sent (for a derived id: the account's).
    pub event_id: String,
}

/// An event to add to an outbox: encoded for its account already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its account, kind, type and id.
    pub key: EventKey,
    /// The JSON input exactly as it goes in a batch request's `inputs`.
    pub body: Vec<u8>,
}

/// What [`Outbox::enqueue`] did with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new pending row.
    Added,
    /// A row with the same key was there already (pending, claimed,
    /// delivered or dead); nothing was added.
    AlreadyThere,
}

/// How much one [`Outbox::claim`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLimits {
    /// At most this many rows of one account.
    pub per_account: usize,
    /// At most this many rows in all.
    pub total: usize,
}

/// A row claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The row and the attempt this claim is: what a later change names.
    pub fence: Fence,
    /// Its account, kind, type and id.
    pub key: EventKey,
    /// The JSON input, as enqueued.
    pub body: Vec<u8>,
    /// When it was enqueued.
    pub enqueued_at: SystemTime,
    /// Whether an earlier attempt may have reached HubSpot (see the
    /// [module documentation](self)): HubSpot's "already in use" for it then
    /// means delivered.
    pub may_have_landed: bool,
}

/// A row and the attempt that claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fence {
    /// The row.
    pub row: RowId,
    /// The claim's attempt number: 1 for the first claim.
    pub attempt: u32,
}

/// What [`Outbox::settle`] (or [`Outbox::renew`], [`Outbox::sending`])
/// applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    /// Changes applied.
    pub applied: usize,
    /// The fences of the changes not applied because a newer claim owns the
    /// row (or the row is gone), in the order given.
    pub stale: Vec<Fence>,
}

impl Settled {
    /// What a change of the claims `fences` named applied, given the claims
    /// it changed (`changed`, in any order): each of `fences` is applied
    /// once, and a fence named again, or not changed, is stale.
    ///
    /// ```
    /// use timeline_dispatch::{Fence, Settled};
    /// let (a, b) = (Fence { row: 1, attempt: 1 }, Fence { row: 2, attempt: 3 });
    /// let settled = Settled::from_changed([a, b, a], [a]);
    /// assert_eq!(settled, Settled { applied: 1, stale: vec![b, a] });
    /// ```
    pub fn from_changed(fences: impl IntoIterator<Item = Fence>, changed: impl IntoIterator<Item = Fence>) -> Settled {
        let mut changed: std::collections::HashSet<Fence> = changed.into_iter().collect();
        let mut settled = Settled::default();
        for fence in fences {
            if changed.remove(&fence) {
                settled.applied += 1;
            } else {
                settled.stale.push(fence);
            }
        }
        settled
    }
}

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    /// Waiting for a claim, due at its next-attempt time.
    Pending,
    /// Claimed, under a lease.
    Claimed,
    /// Delivered; kept until purged so a re-emit is not sent again.
    Delivered,
    /// A permanent failure.
    Dead,
}

impl RowState {
    /// The name an outbox stores: `pending`, `claimed`, `delivered`, `dead`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Claimed => "claimed",
            RowState::Delivered => "delivered",
            RowState::Dead => "dead",
        }
    }

    /// The state [`as_str`](Self::as_str) names, or `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(RowState::Pending),
            "claimed" => Some(RowState::Claimed),
            "delivered" => Some(RowState::Delivered),
            "dead" => Some(RowState::Dead),
            _ => None,
        }
    }
}

/// One row as [`Outbox::list`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSummary {
    /// The row.
    pub row: RowId,
    /// Its account, kind, type and id.
    pub key: EventKey,
    /// Its state.
    pub state: RowState,
    /// Claims so far.
    pub attempts: u32,
    /// When it was enqueued.
    pub enqueued_at: SystemTime,
    /// When a pending row is due, or a claimed row's lease ends.
    pub due_at: Option<SystemTime>,
    /// The reason of the last failure (a retry's or the dead letter's).
    pub last_error: Option<String>,
    /// Whether an attempt may have reached HubSpot.
    pub may_have_landed: bool,
}

/// Which rows [`Outbox::list`], [`Outbox::requeue_dead`] and
/// [`Outbox::drop_dead`] take: those that every field given matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFilter {
    /// Only this state.
    pub state: Option<RowState>,
    /// Only this account.
    pub account: Option<AccountId>,
    /// Only this event id.
    pub event_id: Option<String>,
    /// Only this row.
    pub row: Option<RowId>,
    /// Only rows whose last failure's reason is exactly this text (a dead
    /// letter's reason, as [`DeadReason::reason`] gives it).
    pub reason: Option<String>,
}

/// Rows per state, and the age of the oldest pending one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Pending rows (due or not).
    pub pending: u64,
    /// Claimed rows.
    pub claimed: u64,
    /// Delivered rows not purged yet.
    pub delivered: u64,
    /// Dead letters.
    pub dead: u64,
    /// When the oldest pending or claimed row was enqueued.
    pub oldest_undelivered: Option<SystemTime>,
}

/// The undelivered rows: what a dispatcher reads once a second for its
/// bound on undelivered rows and its depth gauges, so it costs about the
/// undelivered rows, never the delivered ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Pending and claimed rows.
    pub undelivered: u64,
    /// When the oldest of them was enqueued.
    pub oldest_undelivered: Option<SystemTime>,
}

/// One account's rows, as an operator sees them
/// ([`Outbox::account_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCounts {
    /// The account.
    pub account: AccountId,
    /// Its pending rows (due or not).
    pub pending: u64,
    /// Its claimed rows.
    pub claimed: u64,
    /// Its dead letters.
    pub dead: u64,
    /// Its rows delivered at or after the time the call named (of those
    /// the retention keeps).
    pub delivered: u64,
    /// When its oldest pending or claimed row was enqueued.
    pub oldest_undelivered: Option<SystemTime>,
    /// Its pause, while it is paused.
    pub paused: Option<Pause>,
}

impl AccountCounts {
    /// The counts of `account` with no rows and no pause, to fill in.
    ///
    /// ```
    /// use timeline_dispatch::AccountCounts;
    /// let counts = AccountCounts { dead: 2, ..AccountCounts::none(101.into()) };
    /// assert_eq!((counts.pending, counts.dead, counts.paused), (0, 2, None));
    /// ```
    pub fn none(account: AccountId) -> Self {
        AccountCounts { account, pending: 0, claimed: 0, dead: 0, delivered: 0, oldest_undelivered: None, paused: None }
    }

    /// Its pending and claimed rows.
    ///
    /// ```
    /// use timeline_dispatch::AccountCounts;
    /// let counts = AccountCounts { pending: 3, claimed: 2, dead: 1, ..AccountCounts::none(101.into()) };
    /// assert_eq!(counts.undelivered(), 5);
    /// ```
    pub fn undelivered(&self) -> u64 {
        self.pending + self.claimed
    }
}

/// Why and since when an account is paused ([`Outbox::pause`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// When it was paused.
    pub since: SystemTime,
    /// Why, in words.
    pub reason: String,
}

/// The reason a dispatcher pauses an account whose install is revoked
/// (HubSpot refused its refresh token): its rows wait, pending, until an
/// operator resumes it (once the account installed the app again).
pub const INSTALL_REVOKED: &str = "install revoked";

/// The dead letters that share a reason ([`Outbox::dead_reasons`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadReason {
    /// The reason: the dead letters' last failure, as stored.
    pub reason: String,
    /// How many dead letters have it.
    pub rows: u64,
    /// The oldest of them.
    pub sample: RowSummary,
    /// Its body: the JSON input as enqueued.
    pub sample_body: Vec<u8>,
}

/// When a lease of `lease` taken at `now` ends, for an outbox's
/// [`claim_skipping`](Outbox::claim_skipping) and [`renew`](Outbox::renew);
/// an error for a lease that ends past the clock's range.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let now = SystemTime::UNIX_EPOCH;
/// assert_eq!(timeline_dispatch::outbox::lease_end(now, Duration::from_secs(30)).unwrap(), now + Duration::from_secs(30));
/// assert!(timeline_dispatch::outbox::lease_end(now, Duration::MAX).is_err());
/// ```
pub fn lease_end(now: SystemTime, lease: Duration) -> Result<SystemTime, Error> {
    now.checked_add(lease)
        .ok_or_else(|| Error::outbox_message(format!("a lease of {lease:?} ends past the clock's range")))
}

/// Where a dispatcher keeps events until they are delivered or dead; see the
/// [module documentation](self) for a row's life and the fairness of claims.
///
/// Every method is atomic: it does all it is asked, or fails and does
/// nothing. Times are wall-clock times of the caller (`now` is passed in, so
/// tests drive time by data); a shared outbox's implementation may use its
/// database's clock instead, and says so.
pub trait Outbox: Send + Sync + 'static {
    /// Adds `events` (as pending, due now) except those whose key is there
    /// already; says which, in order. An event is durable once this returns
    /// `Ok` (for a durable outbox).
    fn enqueue<'a>(&'a self, events: &'a [NewEvent], now: SystemTime) -> OutboxFuture<'a, Vec<Enqueued>>;

    /// Claims due pending rows and rows whose lease ended by `now`, within
    /// `limits` and fairly between accounts, leasing them until `now + lease`;
    /// [`claim_skipping`](Self::claim_skipping) with no account left out. A
    /// [paused](Self::pause) account's rows are never claimed.
    fn claim(&self, limits: ClaimLimits, lease: Duration, now: SystemTime) -> OutboxFuture<'_, Vec<Claimed>> {
        self.claim_skipping(limits, &[], lease, now)
    }

    /// As [`claim`](Self::claim), leaving out the accounts `skip` names (the
    /// dispatcher's accounts whose batches are all under way): no row of
    /// theirs is claimed or locked, and the claim's limits go to the others.
    fn claim_skipping<'a>(
        &'a self,
        limits: ClaimLimits,
        skip: &'a [AccountId],
        lease: Duration,
        now: SystemTime,
    ) -> OutboxFuture<'a, Vec<Claimed>>;

    /// Ends the attempts `outcomes` name, each only if its fence is still
    /// the row's current claim.
    fn settle<'a>(&'a self, outcomes: &'a [(Fence, Fate)], now: SystemTime) -> OutboxFuture<'a, Settled>;

    /// Extends to `now + lease` the leases of the claims `fences` name that
    /// are still their rows' current claims.
    fn renew<'a>(&'a self, fences: &'a [Fence], lease: Duration, now: SystemTime) -> OutboxFuture<'a, Settled>;

    /// Records that the claims `fences` name are about to be sent: their
    /// rows [may have landed](Claimed::may_have_landed) from now on, until a
    /// settlement says otherwise. Durable once it returns `Ok`.
    fn sending<'a>(&'a self, fences: &'a [Fence]) -> OutboxFuture<'a, Settled>;

    /// The earliest time a pending row is due or a lease ends, or `None`
    /// when there is neither; rows of [paused](Self::pause) accounts left
    /// out.
    fn next_due(&self) -> OutboxFuture<'_, Option<SystemTime>>;

    /// Rows per state.
    fn counts(&self) -> OutboxFuture<'_, OutboxCounts>;

    /// The undelivered rows, at a cost that does not grow with the delivered
    /// and dead ones (the dispatcher asks once a second). The default reads
    /// [`counts`](Self::counts); an outbox that keeps many delivered rows
    /// should answer from an index of its undelivered rows instead.
    fn depth(&self) -> OutboxFuture<'_, OutboxDepth> {
        Box::pin(async move {
            let counts = self.counts().await?;
            Ok(OutboxDepth {
                undelivered: counts.pending + counts.claimed,
                oldest_undelivered: counts.oldest_undelivered,
            })
        })
    }

    /// Each account's rows, by account: those with a pending, claimed or
    /// dead row, a row delivered at or after `delivered_since`, or a pause.
    /// Meant for an operator: it may read every undelivered and dead row.
    fn account_counts(&self, delivered_since: SystemTime) -> OutboxFuture<'_, Vec<AccountCounts>>;

    /// The dead letters (of `account` only, when given) grouped by their
    /// reason, each group with its oldest row as a sample; the groups with
    /// most rows first (then by reason), at most `limit` of them.
    fn dead_reasons(&self, account: Option<AccountId>, limit: usize) -> OutboxFuture<'_, Vec<DeadReason>>;

    /// At most `limit` rows that `filter` takes, oldest first.
    fn list<'a>(&'a self, filter: &'a RowFilter, limit: usize) -> OutboxFuture<'a, Vec<RowSummary>>;

    /// Makes the dead rows `filter` takes (its `state` is ignored) pending
    /// again, due at `now`, with their attempt numbers kept (their next
    /// claim is the next attempt); returns how many.
    fn requeue_dead<'a>(&'a self, filter: &'a RowFilter, now: SystemTime) -> OutboxFuture<'a, u64>;

    /// Removes the dead rows `filter` takes (its `state` is ignored), never
    /// a row in another state; returns how many. Their keys are free again.
    fn drop_dead<'a>(&'a self, filter: &'a RowFilter) -> OutboxFuture<'a, u64>;

    /// Pauses `account` for `reason` from `now` on: no claim takes its rows
    /// until [`resume`](Self::resume). Returns `false` (and keeps the first
    /// pause's time and reason) when it was paused already.
    fn pause<'a>(&'a self, account: AccountId, reason: &'a str, now: SystemTime) -> OutboxFuture<'a, bool>;

    /// Lets claims take `account`'s rows again; returns whether it was
    /// paused.
    fn resume(&self, account: AccountId) -> OutboxFuture<'_, bool>;

    /// The paused accounts, by account.
    fn paused(&self) -> OutboxFuture<'_, Vec<(AccountId, Pause)>>;

    /// Removes delivered and dead rows settled before `before`; returns how many.
    fn purge(&self, before: SystemTime) -> OutboxFuture<'_, u64>;

    /// Removes delivered rows settled before `before` (dead letters stay);
    /// returns how many. The dispatcher calls it for its retention.
    fn purge_delivered(&self, before: SystemTime) -> OutboxFuture<'_, u64>;
}
