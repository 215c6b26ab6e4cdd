//! Where the dispatcher reports what became of each delivery attempt: a
//! [`Sink`] the user gives (a callback or a channel).

use std::time::SystemTime;

use crate::outbox::{EventKey, RowId};

/// What became of one attempt to deliver one event.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
        reason: String,
    },
    /// A permanent failure: the row is a dead letter.
    Dead {
        /// Why.
        reason: String,
    },
    /// The dispatcher stopped while the attempt was under way (a shutdown's
    /// deadline): the row is pending again, due now, and its next attempt
    /// counts as a redelivery.
    Returned,
}

/// Receives a [`DispatchOutcome`] for every attempt the dispatcher ends.
///
/// Called from the dispatcher's task after the outbox has recorded the
/// outcome; it must not block (hand the outcome to a channel or a task for
/// slow work). Implemented for closures `Fn(&DispatchOutcome)` and for
/// tokio's unbounded channel sender (outcomes sent after the receiver is
/// gone are dropped: the outbox holds the truth).
///
/// ```
/// use timeline_dispatch::{DispatchOutcome, Fate, Sink};
/// let log = |outcome: &DispatchOutcome| {
///     if let Fate::Dead { reason } = &outcome.fate {
///         eprintln!("event {} of account {} is dead: {reason}", outcome.key.event_id, outcome.key.portal);
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
