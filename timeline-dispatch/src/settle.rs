//! From a batch's outcomes to the outbox's settlements: what each claimed
//! row becomes after one attempt.

use std::time::SystemTime;

use timeline_core::{FailureReason, Outcome, RetryPolicy};

use crate::outbox::{Fence, Settlement};
use crate::sink::Fate;

/// What the rows of one batch become, with the fate each reports and how
/// many were 429s.
pub(crate) struct Settlements {
    pub(crate) outcomes: Vec<(Fence, Settlement)>,
    pub(crate) fates: Vec<(Fence, Fate)>,
    pub(crate) rate_limited: u64,
}

/// Maps the outcome of each claimed row (by its fence) to its settlement:
///
/// - created (also "already in use" for a row that may have landed before)
///   → delivered;
/// - a failure that may have landed or is retryable (5xx, 429, transport, a
///   call that stopped before sending: `NotSent`) → pending again after the
///   backoff of its attempt number, keeping its id; when `returned` (the
///   dispatcher stopped the batch), due now instead;
/// - any other failure (validation, a template mismatch, an id in use by
///   another event, a revoked install) → dead, with the reason.
///
/// Each settlement carries whether the row may have landed: the failure's
/// own [`may_have_landed`](timeline_core::Failure::may_have_landed), which
/// counts the row's earlier attempts.
pub(crate) fn settlements(
    outcomes: Vec<(Fence, Outcome)>,
    returned: bool,
    backoff: &RetryPolicy,
    now: SystemTime,
) -> Settlements {
    let mut rate_limited = 0;
    let fates: Vec<(Fence, Fate)> = outcomes
        .into_iter()
        .map(|(fence, outcome)| {
            let fate = match outcome {
                Outcome::Created(created) => Fate::Delivered { confirmed_by_duplicate: created.confirmed_by_duplicate },
                Outcome::Failed(failure) => {
                    rate_limited += u64::from(matches!(*failure.reason, FailureReason::RateLimited { .. }));
                    let may_have_landed = failure.may_have_landed;
                    if !may_have_landed && !failure.reason.is_retryable() {
                        Fate::Dead { reason: failure.reason, may_have_landed }
                    } else if returned {
                        Fate::Returned { may_have_landed }
                    } else {
                        Fate::RetryScheduled {
                            at: now + backoff.backoff(fence.attempt),
                            reason: failure.reason,
                            may_have_landed,
                        }
                    }
                }
            };
            (fence, fate)
        })
        .collect();
    let outcomes = fates.iter().map(|(fence, fate)| (*fence, fate.settlement(now))).collect();
    Settlements { outcomes, fates, rate_limited }
}
