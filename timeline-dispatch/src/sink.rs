//! Where the dispatcher reports what became of each delivery attempt: a
//! [`Sink`] the user gives (a callback or a channel).

use crate::fate::Fate;
use crate::outbox::{EventKey, RowId};

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

/// Receives a [`DispatchOutcome`] for every attempt the dispatcher ends.
///
/// Called from the dispatcher's task once the outbox has recorded the
/// outcome, and only then: an outcome the outbox did not apply (another
/// dispatcher had claimed the row again) is not reported. It must not block
/// (hand the outcome to a channel or a task for slow work), and must not
/// panic: a panic stops the dispatcher, whose `flush` and `shutdown` then
/// fail with [`Error::Died`](crate::Error::Died). Implemented for closures `Fn(&DispatchOutcome)` and for
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
