//! [`Fate`]: how one delivery attempt of one event ended, as the outbox
//! records it and the sink hears it.

use std::sync::Arc;
use std::time::SystemTime;

use timeline_core::FailureReason;

/// How one delivery attempt of one event ended: what the dispatcher gives
/// [`Outbox::settle`](crate::Outbox::settle) and then, once the outbox has
/// applied it, reports to the [`Sink`](crate::Sink).
///
/// A failure carries the client's typed [`FailureReason`], so a sink can
/// tell a revoked install ([`FailureReason::InstallRevoked`]) or an id held
/// by another event ([`FailureReason::DuplicateId`]) from the rest; an outbox
/// stores its text. Each failure also says whether the event may have
/// reached HubSpot: then its next attempt counts "already in use" as
/// delivered.
///
/// ```
/// use std::sync::Arc;
/// use std::time::SystemTime;
/// use timeline_core::FailureReason;
/// use timeline_dispatch::Fate;
///
/// let reason = Arc::new(FailureReason::Server { status: 503, attempts: 3 });
/// let fate = Fate::RetryAt { at: SystemTime::now(), reason, may_have_landed: true };
/// assert!(matches!(fate, Fate::RetryAt { may_have_landed: true, .. }));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// HubSpot stored the event; `confirmed_by_duplicate` when it answered
    /// "already in use" for an event an earlier attempt may have sent.
    Delivered {
        /// The event was stored by an earlier attempt.
        confirmed_by_duplicate: bool,
    },
    /// A transient failure, or an attempt the dispatcher stopped at a
    /// shutdown's deadline (its reason is then
    /// [`NotSent`](FailureReason::NotSent) or
    /// [`InFlight`](FailureReason::InFlight), and `at` is the stop): the row
    /// is pending again, due at `at`. Also an attempt whose account's
    /// install is revoked ([`InstallRevoked`](FailureReason::InstallRevoked)):
    /// the dispatcher paused the account ([`Outbox::pause`](crate::Outbox::pause),
    /// reason [`INSTALL_REVOKED`](crate::INSTALL_REVOKED)), and the row, due
    /// at `at`, waits pending until the account is resumed.
    RetryAt {
        /// When the next attempt is due.
        at: SystemTime,
        /// Why this attempt failed.
        reason: Arc<FailureReason>,
        /// Whether this or an earlier attempt may have stored it: the row's
        /// [`may_have_landed`](crate::Claimed::may_have_landed) from now on.
        may_have_landed: bool,
    },
    /// A permanent failure: the row is a dead letter, kept until it is
    /// requeued or purged.
    Dead {
        /// Why.
        reason: Arc<FailureReason>,
        /// As for [`RetryAt`](Fate::RetryAt) (kept for a requeue).
        may_have_landed: bool,
    },
}
