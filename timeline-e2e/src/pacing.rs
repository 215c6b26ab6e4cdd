//! How much of a rolling-window rate limit a run used, from the times its
//! requests were answered.
//!
//! Two figures, both `1.0` for a client that sends exactly `limit` requests
//! in every window:
//! - the steady share counts the requests answered in the whole windows
//!   after the first (which holds the opening burst) and before the last
//!   (which holds the tail), against `limit` per window; a client sending at
//!   a constant rate `r` gets `r × window / limit`;
//! - the whole-run share divides every request by the most the limit allows
//!   between the first and the last answer, `limit × (⌊span / window⌋ + 1)`,
//!   so a few requests spilling into one more window weigh heavily in a
//!   short run.

use std::time::{Duration, Instant};

/// Answer times, one per request, in the order they arrived.
pub fn steady_share(answers: &[Instant], limit: u32, window: Duration) -> Option<f64> {
    let (first, last) = (*answers.first()?, *answers.last()?);
    let whole_windows = ((last - first).as_secs_f64() / window.as_secs_f64()).floor();
    if whole_windows < 2.0 {
        return None;
    }
    let counted = answers
        .iter()
        .map(|at| (*at - first).as_secs_f64() / window.as_secs_f64())
        .filter(|windows| (1.0..whole_windows).contains(windows))
        .count();
    Some(counted as f64 / ((whole_windows - 1.0) * f64::from(limit)))
}

/// All `accepted` requests against the most the limit allows over the span of `answers`.
pub fn whole_run_share(answers: &[Instant], accepted: u64, limit: u32, window: Duration) -> Option<f64> {
    let span = *answers.last()? - *answers.first()?;
    let windows = (span.as_secs_f64() / window.as_secs_f64()).floor() + 1.0;
    Some(accepted as f64 / (f64::from(limit) * windows))
}
