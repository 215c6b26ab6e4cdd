//! From a batch's answer to the outbox's settlements: what each claimed row
//! becomes after one request.

use std::time::SystemTime;

use timeline_core::{FailureReason, RetryPolicy, SendError, SendReport};

use crate::outbox::{Fence, Settlement};
use crate::sink::Fate;

/// What the rows of one batch become, in batch order, with the fate each
/// reports and whether it was a 429.
pub(crate) struct Settlements {
    pub(crate) outcomes: Vec<(Fence, Settlement)>,
    pub(crate) fates: Vec<Fate>,
    pub(crate) rate_limited: u64,
}

/// Maps the result of sending `rows` (in batch order) to settlements:
///
/// - created (also "already in use" for a redelivery) → delivered;
/// - a failure that may have landed or is retryable (5xx, 429, transport,
///   a call stopped before sending: `NotSent`) → pending again after the
///   backoff of its attempt number, keeping its id, so its next attempt is
///   a redelivery;
/// - any other failure (validation, a template mismatch, an id in use by
///   another event, a revoked install) → dead, with the reason.
///
/// A `SendError` (the whole call stopped) is mapped through its report: each
/// event's fate there decides. An event the report does not account for is
/// retried.
pub(crate) fn settlements(
    rows: &[Fence],
    result: Result<SendReport, SendError>,
    backoff: &RetryPolicy,
    now: SystemTime,
) -> Settlements {
    let (report, stopped) = match result {
        Ok(report) => (report, None),
        Err(error) => {
            let (cause, report) = error.into_parts();
            (report, Some(cause.to_string()))
        }
    };
    let mut fates: Vec<Option<Fate>> = vec![None; rows.len()];
    let mut rate_limited = 0;
    for created in report.created() {
        if let Some(fate) = fates.get_mut(created.index) {
            *fate = Some(Fate::Delivered { confirmed_by_duplicate: created.confirmed_by_duplicate });
        }
    }
    for failure in report.failed() {
        let Some(slot) = fates.get_mut(failure.index) else { continue };
        let attempt = rows[failure.index].attempt;
        rate_limited += u64::from(matches!(*failure.reason, FailureReason::RateLimited { .. }));
        *slot = Some(if failure.may_have_landed || failure.reason.is_retryable() {
            Fate::RetryScheduled { at: now + backoff.backoff(attempt), reason: failure.reason.to_string() }
        } else {
            Fate::Dead { reason: failure.reason.to_string() }
        });
    }
    let unaccounted = stopped.unwrap_or_else(|| "the answer did not account for the event".to_owned());
    let fates: Vec<Fate> = fates
        .into_iter()
        .zip(rows)
        .map(|(fate, row)| {
            fate.unwrap_or_else(|| Fate::RetryScheduled {
                at: now + backoff.backoff(row.attempt),
                reason: unaccounted.clone(),
            })
        })
        .collect();
    let outcomes = rows.iter().zip(&fates).map(|(row, fate)| (*row, settlement(fate, now))).collect();
    Settlements { outcomes, fates, rate_limited }
}

/// The outbox's settlement of `fate`.
pub(crate) fn settlement(fate: &Fate, now: SystemTime) -> Settlement {
    match fate {
        Fate::Delivered { .. } => Settlement::Delivered,
        Fate::RetryScheduled { at, reason } => Settlement::RetryAt { at: *at, reason: reason.clone() },
        Fate::Dead { reason } => Settlement::Dead { reason: reason.clone() },
        Fate::Returned => {
            Settlement::RetryAt { at: now, reason: "the dispatcher stopped while the event was being sent".to_owned() }
        }
    }
}
