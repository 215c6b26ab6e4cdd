//! Retries against injected faults: every retryable status and every fault
//! ends with each event stored exactly once; final answers are not retried.

mod common;

use std::time::Duration;

use common::*;
use hubspot_timeline::send::{FailureReason, RetryPolicy, Timeouts};
use hubspot_timeline::{Error, SendAll};
use timeline_sandbox::{DuplicateIds, Fault, Faults};

/// Sends 300 events through `faults`; faults that answer before the events
/// are handled must not make any input reach the sandbox twice.
async fn survives(faults: Faults, exercised: impl Fn(&timeline_sandbox::Stats) -> u64) {
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(10).build().unwrap();
    let events = adoptions(300);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 300);
    assert_stored_exactly(&sandbox, &events);
    if sandbox.stats().connections_closed == 0 {
        assert_delivered_once(&sandbox, &events);
    }
    let stats = sandbox.stats();
    assert!(exercised(&stats) > 0, "the fault never happened: {stats:?}");
    assert!(stats.requests > 30, "no request was retried: {stats:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn every_retryable_status_is_retried_without_loss_or_duplicates() {
    for (seed, status) in [423u16, 429, 477, 502, 503, 504, 521].into_iter().enumerate() {
        // A 423 waits 2 s (HubSpot's lock); fewer of them keep the test short.
        let share = if status == 423 { 0.05 } else { 0.3 };
        survives(Faults::seeded(seed as u64).share(share, Fault::Status(status)), |stats| stats.status_count(status))
            .await;
    }
}

/// Under `Reject`, a resend of a stored input is refused as "already in
/// use": each one the client counts as created, confirmed by the duplicate,
/// is an input the sandbox received again, and no other is.
#[tokio::test]
async fn connections_closed_after_storing_are_retried_without_duplicates() {
    let faults = Faults::seeded(11).share(0.3, Fault::CloseAfterStore);
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(10).build().unwrap();
    let events = adoptions(300);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_stored_exactly(&sandbox, &events);
    let again = redelivered(&sandbox, &events);
    assert!(again > 0 && sandbox.stats().connections_closed > 0, "no answer was lost after storing");
    assert_eq!(report.confirmed_by_duplicate_count(), again);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_mix_of_every_fault() {
    let faults = Faults::seeded(42)
        .share(0.08, Fault::Status(503))
        .share(0.08, Fault::Status(502))
        .share(0.08, Fault::CloseAfterStore)
        .share(0.08, Fault::StatusRetryAfter(429, Duration::ZERO))
        .share(0.08, Fault::Delay(Duration::from_millis(5)));
    survives(faults, |stats| stats.faults_injected).await;
}

#[tokio::test]
async fn other_statuses_are_final() {
    let sandbox = sandbox().faults(Faults::seeded(1).schedule([Fault::Status(500)])).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(5).build().unwrap();
    let report = adoptions(10).send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 5);
    assert_eq!(report.failed().len(), 5);
    for failure in report.failed() {
        assert_eq!(*failure.reason, FailureReason::Server { status: 500, attempts: 1 });
    }
    assert_eq!(sandbox.stats().requests, 2);
    sandbox.shutdown().await;
}

/// Once HubSpot says the daily limit is spent (its `Daily-Remaining` header
/// at 0, or a daily-limit 429), the rest of the call fails unsent instead of
/// spending a request per batch; a daily 429 is never retried.
#[tokio::test]
async fn the_daily_limit_stops_the_call_sending() {
    let sandbox = sandbox().daily_limit(1).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(5).max_in_flight(1).build().unwrap();
    let report = adoptions(15).send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 5);
    assert_eq!(sandbox.stats().requests, 1, "the first answer said none of the daily limit remains");

    let report = adoptions(15).send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 0);
    assert_eq!(report.failed_count(), 15);
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::RateLimited { daily: true, .. }), "{failure:?}");
        assert!(!failure.may_have_landed);
    }
    assert_eq!(sandbox.stats().requests, 2, "one daily 429, no retry, no request after it");
    assert_eq!(sandbox.stats().status_count(429), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let faults = Faults::seeded(1).schedule([Fault::StatusRetryAfter(503, Duration::from_secs(30))]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let patient_enough_for_backoff = fast_retry().with_max_elapsed(Duration::from_secs(5));
    let client = client_builder(&sandbox).retry(patient_enough_for_backoff).build().unwrap();
    let report = adoptions(3).send_all(&client).await.unwrap();
    for failure in report.failed() {
        assert_eq!(*failure.reason, FailureReason::Server { status: 503, attempts: 1 });
    }
    assert_eq!(report.failed().len(), 3, "a 30 s Retry-After does not fit a 5 s retry budget");
    assert_eq!(sandbox.stats().requests, 1);

    let faults = Faults::seeded(1).schedule([Fault::StatusRetryAfter(429, Duration::from_secs(1))]);
    sandbox.set_faults(faults);
    let started = std::time::Instant::now();
    let report = adoptions(3).send_all(&client).await.unwrap();
    let waited = started.elapsed();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(sandbox.stats().requests, 3);
    // A lower bound only: the retry cannot have started before the server's
    // Retry-After, whatever the machine's load (the backoff alone is 1 ms).
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}, before the 1 s Retry-After");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_batch_out_of_retries_fails_alone() {
    let faults = Faults::seeded(3).schedule([Fault::Status(503), Fault::Status(503), Fault::Status(503)]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox)
        .batch_size(4)
        .max_in_flight(1)
        .retry(fast_retry().with_max_attempts(3))
        .build()
        .unwrap();
    let report = adoptions(12).send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 8);
    let failed: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(failed, [0, 1, 2, 3]);
    assert_eq!(*report.failed()[0].reason, FailureReason::Server { status: 503, attempts: 3 });
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_is_a_transport_failure_that_may_have_landed() {
    let sandbox = sandbox().faults(Faults::seeded(5).schedule([Fault::CloseAfterStore])).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(4).max_in_flight(1).retry(RetryPolicy::never()).build().unwrap();
    let events = adoptions(8);
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 4);
    assert_eq!(report.may_have_landed().count(), 4);
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::Transport { attempts: 1, may_have_landed: true, .. }));
    }
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_attempt_over_its_time_limit_is_retried() {
    let faults = Faults::seeded(9).schedule([Fault::Delay(Duration::from_secs(1))]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let timeouts = Timeouts::default().with_attempt(Duration::from_millis(150));
    let client = client_builder(&sandbox).timeouts(timeouts).build().unwrap();
    let events = adoptions(5);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(sandbox.stats().requests, 2);
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_overall_time_limit_stops_the_call() {
    let sandbox = sandbox().latency(Duration::from_secs(1)).start().await.unwrap();
    let timeouts = Timeouts::default().with_overall(Duration::from_millis(100));
    let client = client_builder(&sandbox).timeouts(timeouts).build().unwrap();
    let stopped = adoptions(5).send_all(&client).await.unwrap_err();
    assert_eq!(*stopped.cause(), Error::Deadline(Duration::from_millis(100)));
    let report = stopped.report();
    assert_eq!((report.total(), report.failed_count(), report.may_have_landed_count()), (5, 5, 5));
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::InFlight { .. }), "{failure:?}");
    }
    sandbox.shutdown().await;
}
