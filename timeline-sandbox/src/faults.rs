//! Seeded, reproducible fault injection: error answers, delays and connections
//! closed after the events were stored.

use std::time::Duration;

/// What the sandbox does with one request, instead of or on top of its normal answer.
///
/// Faults apply to the HubSpot API routes (`/integrators/…`), before
/// authentication and rate limiting; the OAuth and `/_sandbox` routes never
/// fail on purpose (the token endpoint's 429s come from
/// [`crate::Sandbox::throttle_token_endpoint`] instead).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer normally.
    Pass,
    /// Answer with this status (such as 500, 502, 503, 504, 429 or 423) and
    /// HubSpot's error body for it; nothing is stored. A 429 carries the
    /// `TEN_SECONDLY_ROLLING` rate-limit body.
    Status(u16),
    /// Like [`Fault::Status`], with a `Retry-After` header of the duration in
    /// whole seconds (rounded up).
    StatusRetryAfter(u16, Duration),
    /// Answer normally after this extra delay.
    Delay(Duration),
    /// Handle the request normally (a batch is stored), then close the TCP
    /// connection without sending any answer: the "did it land?" case.
    CloseAfterStore,
}

/// A reproducible plan of faults: a schedule for the first requests, then a
/// random share of faults drawn from a seeded generator.
///
/// The n-th request that reaches the API routes gets the n-th entry of the
/// schedule; once the schedule is used up, each request draws one number and
/// gets the first fault whose cumulative share covers it (or [`Fault::Pass`]).
/// The same seed and the same sequence of requests give the same faults.
///
/// ```
/// use std::time::Duration;
/// use timeline_sandbox::{Fault, Faults};
///
/// let faults = Faults::seeded(42)
///     .schedule([Fault::Status(503), Fault::Pass, Fault::CloseAfterStore])
///     .share(0.2, Fault::Status(502))
///     .share(0.1, Fault::StatusRetryAfter(429, Duration::from_secs(1)));
/// # let _ = faults;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    seed: u64,
    schedule: Vec<Fault>,
    shares: Vec<(f64, Fault)>,
}

impl Faults {
    /// No faults at all (the default).
    pub fn none() -> Self {
        Faults::default()
    }

    /// An empty plan whose random draws come from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Faults { seed, ..Faults::default() }
    }

    /// Gives `fault` to this share of requests (clamped to 0..=1). Shares add
    /// up in the order given; past a total of 1 the later ones never happen.
    pub fn share(mut self, share: f64, fault: Fault) -> Self {
        let share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
        self.shares.push((share, fault));
        self
    }

    /// Appends faults given one per request, in order, before any random draw.
    pub fn schedule(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.schedule.extend(faults);
        self
    }

    /// The seed of the random draws.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// Hands out the faults of a [`Faults`] plan, one per request.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    plan: Faults,
    rng: fastrand::Rng,
    position: usize,
}

impl FaultInjector {
    /// Starts the plan from its first request.
    pub(crate) fn new(plan: Faults) -> Self {
        let rng = fastrand::Rng::with_seed(plan.seed);
        FaultInjector { plan, rng, position: 0 }
    }

    /// The fault for the next request.
    pub(crate) fn next_fault(&mut self) -> Fault {
        let position = self.position;
        self.position += 1;
        if let Some(fault) = self.plan.schedule.get(position) {
            return fault.clone();
        }
        if self.plan.shares.is_empty() {
            return Fault::Pass;
        }
        let draw = self.rng.f64();
        let mut covered = 0.0;
        for (share, fault) in &self.plan.shares {
            covered += share;
            if draw < covered {
                return fault.clone();
            }
        }
        Fault::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(plan: Faults, count: usize) -> Vec<Fault> {
        let mut injector = FaultInjector::new(plan);
        (0..count).map(|_| injector.next_fault()).collect()
    }

    #[test]
    fn the_schedule_comes_first_then_the_shares() {
        let plan = Faults::seeded(3).schedule([Fault::Pass, Fault::Status(500)]).share(1.0, Fault::Status(503));
        assert_eq!(draw(plan, 4), [Fault::Pass, Fault::Status(500), Fault::Status(503), Fault::Status(503)]);
    }

    #[test]
    fn shares_are_clamped_and_past_a_total_of_one_never_happen() {
        let plan = Faults::seeded(9).share(2.0, Fault::Status(502)).share(0.5, Fault::Status(504));
        assert!(draw(plan, 50).iter().all(|fault| *fault == Fault::Status(502)));
        let nothing = Faults::seeded(9).share(f64::NAN, Fault::Status(502)).share(-1.0, Fault::Status(504));
        assert!(draw(nothing, 50).iter().all(|fault| *fault == Fault::Pass));
    }

    #[test]
    fn a_share_gives_about_that_share_and_the_seed_fixes_which() {
        let plan = || Faults::seeded(42).share(0.25, Fault::CloseAfterStore);
        let first = draw(plan(), 2_000);
        assert_eq!(first, draw(plan(), 2_000));
        let closed = first.iter().filter(|fault| **fault == Fault::CloseAfterStore).count();
        assert!((400..600).contains(&closed), "{closed}");
    }
}
