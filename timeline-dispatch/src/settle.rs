//! From a batch's outcomes to the outbox's settlements: what each claimed
//! row becomes after one attempt.

use std::sync::Arc;
use std::time::SystemTime;

use timeline_core::{FailureReason, Outcome, RetryPolicy};

use crate::outbox::{Fence, Settlement};
use crate::sink::Fate;

/// What the rows of one batch become, in batch order, with the fate each
/// reports and how many were 429s.
pub(crate) struct Settlements {
    pub(crate) outcomes: Vec<(Fence, Settlement)>,
    pub(crate) fates: Vec<Fate>,
    pub(crate) rate_limited: u64,
}

/// Maps the outcomes of sending `rows` (in batch order; an outcome's index
/// is its row's position) to settlements:
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
/// counts the row's earlier attempts. A row the outcomes do not account for
/// is retried as one that may have landed (its fate is not known).
pub(crate) fn settlements(
    rows: &[Fence],
    outcomes: Vec<Outcome>,
    returned: bool,
    backoff: &RetryPolicy,
    now: SystemTime,
) -> Settlements {
    let mut fates: Vec<Option<Fate>> = vec![None; rows.len()];
    let mut rate_limited = 0;
    for outcome in outcomes {
        let Some(slot) = fates.get_mut(outcome.index()) else { continue };
        *slot = Some(match outcome {
            Outcome::Created(created) => Fate::Delivered { confirmed_by_duplicate: created.confirmed_by_duplicate },
            Outcome::Failed(failure) => {
                rate_limited += u64::from(matches!(*failure.reason, FailureReason::RateLimited { .. }));
                let may_have_landed = failure.may_have_landed;
                let attempt = rows[failure.index].attempt;
                if !may_have_landed && !failure.reason.is_retryable() {
                    Fate::Dead { reason: failure.reason, may_have_landed }
                } else if returned {
                    Fate::Returned { may_have_landed }
                } else {
                    Fate::RetryScheduled { at: now + backoff.backoff(attempt), reason: failure.reason, may_have_landed }
                }
            }
        });
    }
    let fates: Vec<Fate> = fates
        .into_iter()
        .zip(rows)
        .map(|(fate, row)| {
            fate.unwrap_or_else(|| Fate::RetryScheduled {
                at: now + backoff.backoff(row.attempt),
                reason: Arc::new(FailureReason::InFlight { cause: "the answer did not account for the event".into() }),
                may_have_landed: true,
            })
        })
        .collect();
    let outcomes = rows.iter().zip(&fates).map(|(row, fate)| (*row, fate.settlement(now))).collect();
    Settlements { outcomes, fates, rate_limited }
}
