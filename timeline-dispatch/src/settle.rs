//! From a batch's outcomes to the fates the outbox records: what each
//! claimed row becomes after one attempt.

use std::time::SystemTime;

use timeline_core::{FailureReason, Outcome, RetryPolicy};

use crate::fate::Fate;
use crate::outbox::Fence;

/// What the rows of one batch become, and how many were 429s.
pub(crate) struct Fates {
    pub(crate) fates: Vec<(Fence, Fate)>,
    pub(crate) rate_limited: u64,
}

/// Maps the outcome of each claimed row (by its fence) to its fate:
///
/// - created (also "already in use" for a row that may have landed before)
///   → delivered;
/// - a failure that may have landed or is retryable (5xx, 429, transport, a
///   call that stopped before sending: `NotSent`) → pending again after the
///   backoff of its attempt number, keeping its id; when `returned` (the
///   dispatcher stopped the batch), due now instead;
/// - a revoked install → pending again, due now when its account is
///   `paused` (it waits for the account's resume), else after the backoff;
/// - any other failure (validation, a template mismatch, an id in use by
///   another event) → dead, with the reason.
///
/// Each fate carries whether the row may have landed: the failure's
/// own [`may_have_landed`](timeline_core::Failure::may_have_landed), which
/// counts the row's earlier attempts.
pub(crate) fn fates(
    outcomes: Vec<(Fence, Outcome)>,
    returned: bool,
    paused: bool,
    backoff: &RetryPolicy,
    now: SystemTime,
) -> Fates {
    let mut rate_limited = 0;
    let fates: Vec<(Fence, Fate)> = outcomes
        .into_iter()
        .map(|(fence, outcome)| {
            let fate = match outcome {
                Outcome::Created(created) => Fate::Delivered { confirmed_by_duplicate: created.confirmed_by_duplicate },
                Outcome::Failed(failure) => {
                    rate_limited += u64::from(matches!(*failure.reason, FailureReason::RateLimited { .. }));
                    let may_have_landed = failure.may_have_landed;
                    let revoked = matches!(*failure.reason, FailureReason::InstallRevoked { .. });
                    if revoked {
                        let at = if paused || returned { now } else { now + backoff.backoff(fence.attempt) };
                        Fate::RetryAt { at, reason: failure.reason, may_have_landed }
                    } else if !may_have_landed && !failure.reason.is_retryable() {
                        Fate::Dead { reason: failure.reason, may_have_landed }
                    } else {
                        let at = if returned { now } else { now + backoff.backoff(fence.attempt) };
                        Fate::RetryAt { at, reason: failure.reason, may_have_landed }
                    }
                }
            };
            (fence, fate)
        })
        .collect();
    Fates { fates, rate_limited }
}

/// Whether any of `outcomes` failed because the account's install is
/// revoked.
pub(crate) fn install_revoked(outcomes: &[(Fence, Outcome)]) -> bool {
    outcomes.iter().any(|(_, outcome)| {
        matches!(outcome, Outcome::Failed(failure) if matches!(*failure.reason, FailureReason::InstallRevoked { .. }))
    })
}
