//! Where the dispatcher reports what became of each delivery attempt: a
//! [`Sink`] the user gives (a callback or a channel).

use std::sync::Arc;
use std::time::SystemTime;

use timeline_core::FailureReason;

use crate::outbox::{EventKey, RowId, Settlement};

/// What became of one attempt to deliver one event.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchOutcome {
    /// The outbox row.
    pub row: RowId,
    /// The attempt (1 for the first).
    pub attempt: u32,
    /// The event's account, kind, type and id.
    pub key: EventKey,
    /// What became of it.
    pub fate: Fate,
}

/// The end of one delivery attempt.
///
/// A failure carries the client's typed [`FailureReason`], so a sink can
/// tell a revoked install ([`FailureReason::InstallRevoked`]) or an id held
/// by another event ([`FailureReason::DuplicateId`]) from the rest, and
/// whether the event may have reached HubSpot (then its next attempt counts
/// "already in use" as delivered).
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// HubSpot stored the event; `confirmed_by_duplicate` when it answered
    /// "already in use" for an event an earlier attempt may have sent.
    Delivered {
        /// The event was stored by an earlier attempt.
        confirmed_by_duplicate: bool,
    },
    /// A transient failure: the row is pending again, due at `at`.
    RetryScheduled {
        /// When the next attempt is due.
        at: SystemTime,
        /// Why this attempt failed.
        reason: Arc<FailureReason>,
        /// Whether this or an earlier attempt may have stored it.
        may_have_landed: bool,
    },
    /// A permanent failure: the row is a dead letter.
    Dead {
        /// Why.
        reason: Arc<FailureReason>,
        /// Whether an earlier attempt may have stored it.
        may_have_landed: bool,
    },
    /// The dispatcher stopped while the attempt was under way (a shutdown's
    /// deadline): the row is pending again, due now.
    Returned {
        /// Whether its request had gone out (or an earlier one had): only
        /// then does its next attempt count "already in use" as delivered.
        may_have_landed: bool,
    },
}

impl Fate {
    /// What the outbox records for this fate at `now`.
    pub(crate) fn settlement(&self, now: SystemTime) -> Settlement {
        match self {
            Fate::Delivered { .. } => Settlement::Delivered,
            Fate::RetryScheduled { at, reason, may_have_landed } => {
                Settlement::RetryAt { at: *at, reason: reason.to_string(), may_have_landed: *may_have_landed }
            }
            Fate::Dead { reason, may_have_landed } => {
                Settlement::Dead { reason: reason.to_string(), may_have_landed: *may_have_landed }
            }
            Fate::Returned { may_have_landed } => Settlement::RetryAt {
                at: now,
                reason: "the dispatcher stopped while the event was being sent".to_owned(),
                may_have_landed: *may_have_landed,
            },
        }
    }
}

/// Receives a [`DispatchOutcome`] for every attempt the dispatcher ends.
///
/// Called from the dispatcher's task once the outbox has recorded the
/// outcome, and only then: an outcome the outbox did not apply (another
/// dispatcher had claimed the row again) is not reported. It must not block
/// (hand the outcome to a channel or a task for slow work), and must not
/// panic: a panic stops the dispatcher, whose `flush` and `shutdown` then
/// fail with [`Died`](crate::Died). Implemented for closures `Fn(&DispatchOutcome)` and for
/// tokio's unbounded channel sender (outcomes sent after the receiver is
/// gone are dropped: the outbox holds the truth).
///
/// ```
/// use timeline_dispatch::{DispatchOutcome, Fate, Sink};
/// let log = |outcome: &DispatchOutcome| {
///     if let Fate::Dead { reason, .. } = &outcome.fate {
///         eprintln!("event {} of account {} is dead: {reason}", outcome.key.event_id, outcome.key.account);
///     }
/// };
/// fn takes(_: impl Sink) {}
/// takes(log);
/// ```
pub trait Sink: Send + Sync + 'static {
    /// Takes one outcome.
    fn outcome(&self, outcome: &DispatchOutcome);
}

impl<F: Fn(&DispatchOutcome) + Send + Sync + 'static> Sink for F {
    fn outcome(&self, outcome: &DispatchOutcome) {
        self(outcome)
    }
}

impl Sink for tokio::sync::mpsc::UnboundedSender<DispatchOutcome> {
    fn outcome(&self, outcome: &DispatchOutcome) {
        // A receiver that is gone no longer wants outcomes; the outbox keeps the rows' states.
        let _ = self.send(outcome.clone());
    }
}
