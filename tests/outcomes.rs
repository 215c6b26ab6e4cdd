//! Outcomes that never lie: "may have landed" is sticky across attempts, every
//! way a call ends accounts for every event, bisection stops at batch-level
//! causes, template creates are not repeated, and reports stay small.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::send::{FailureReason, Outcome, Resent, Timeouts};
use hubspot_timeline::wire::TimelineEventTemplateCreateRequest;
use hubspot_timeline::{Error, SendAll};
use timeline_sandbox::{DuplicateIds, Fault, Faults};

#[tokio::test]
async fn an_input_that_may_have_landed_stays_so_through_later_503s() {
    let faults = Faults::seeded(1).schedule([Fault::CloseAfterStore, Fault::Status(503), Fault::Status(503)]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).retry(fast_retry().with_max_attempts(3)).build().unwrap();
    let events = adoptions(4);
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.failed_count(), 4);
    for failure in report.failed() {
        assert_eq!(*failure.reason, FailureReason::Server { status: 503, attempts: 3 });
        assert!(failure.may_have_landed, "the first attempt stored it: {failure:?}");
    }
    assert_eq!(report.may_have_landed_count(), 4);
    assert_eq!(sandbox.events().len(), 4, "the first attempt did store them");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_500_after_the_body_was_sent_may_have_stored() {
    let sandbox = sandbox().faults(Faults::seeded(1).schedule([Fault::Status(500)])).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let report = adoptions(3).send_all(&client).await.unwrap();
    assert_eq!(report.may_have_landed_count(), 3);
    assert!(report.failed().iter().all(|failure| failure.may_have_landed && failure.reason.may_have_landed()));
    let shared = &report.failed()[0].reason;
    assert!(report.failed().iter().all(|failure| Arc::ptr_eq(&failure.reason, shared)), "one reason for the batch");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_error_mid_call_keeps_the_report_of_what_came_before() {
    let faults = Faults::seeded(1).schedule([Fault::Pass, Fault::Pass, Fault::Status(401)]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(5).max_in_flight(1).build().unwrap();
    let stopped = adoptions(40).send_all(&client).await.unwrap_err();
    assert!(matches!(stopped.cause(), Error::AuthenticationRefused { status: 401, .. }), "{stopped}");
    let report = stopped.report();
    assert_eq!(report.created_count(), 10);
    assert_eq!(report.created().iter().map(|created| created.index).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert!(report.total() < 40, "the call stopped taking events: {}", report.total());
    assert_eq!(report.failed_count(), report.total() - 10);
    assert_eq!(report.may_have_landed_count(), 0, "a 401 stores nothing");
    for failure in report.failed() {
        let refused = matches!(*failure.reason, FailureReason::Rejected { status: 401, .. });
        let unsent = matches!(*failure.reason, FailureReason::NotSent { .. });
        assert!(refused == (10..15).contains(&failure.index) && (refused || unsent), "{failure:?}");
    }
    assert_eq!(sandbox.events().len(), 10);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_deadline_tells_events_in_flight_from_events_never_sent() {
    let sandbox = sandbox().latency(Duration::from_millis(50)).start().await.unwrap();
    let client = client_builder(&sandbox)
        .batch_size(5)
        .max_in_flight(3)
        .rate_limit(RateLimit::new(1, Duration::from_secs(60)))
        .timeouts(Timeouts::default().with_overall(Duration::from_millis(600)))
        .build()
        .unwrap();
    let stopped = adoptions(15).send_all(&client).await.unwrap_err();
    assert_eq!(*stopped.cause(), Error::Deadline(Duration::from_millis(600)));
    let report = stopped.report();
    assert_eq!((report.total(), report.created_count(), report.failed_count()), (15, 5, 10));
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::NotSent { .. }), "{failure:?}");
        assert!(!failure.may_have_landed);
    }
    assert_eq!(sandbox.stats().requests, 1, "the other batches waited for the rate limit");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_dropped_call_still_reports_every_event_it_took() {
    let sandbox = sandbox().latency(Duration::from_secs(2)).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(4).max_in_flight(2).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let tally = Arc::clone(&seen);
    let call = adoptions(8).send_all(&client).on_outcome(move |outcome| tally.lock().unwrap().push(outcome.clone()));
    assert!(tokio::time::timeout(Duration::from_millis(300), call).await.is_err(), "the call ended too soon");
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut indices: Vec<usize> = seen.iter().map(Outcome::index).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..8).collect::<Vec<_>>());
    for outcome in seen.iter() {
        let Outcome::Failed(failure) = outcome else { panic!("nothing was answered: {outcome:?}") };
        assert!(matches!(*failure.reason, FailureReason::InFlight { .. }) && failure.may_have_landed, "{failure:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn events_that_do_not_fit_one_request_are_each_reported_unsent() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).max_request_bytes(600).build().unwrap();
    let stopped = client.send_batch(adoptions(6)).await.unwrap_err();
    assert!(matches!(stopped.cause(), Error::Config { message, .. } if message.contains("do not fit")), "{stopped}");
    let report = stopped.report();
    assert_eq!(report.failed_count(), report.total());
    assert!(report.total() >= 2, "the call took events until one did not fit: {}", report.total());
    let indices: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(indices, (0..report.total()).collect::<Vec<_>>(), "every event taken has its outcome");
    assert!(report.failed().iter().all(|failure| matches!(*failure.reason, FailureReason::NotSent { .. })));
    assert_eq!(sandbox.stats().requests, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_batch_level_refusal_is_not_split_down_to_single_inputs() {
    let sandbox = sandbox().faults(Faults::seeded(1).share(1.0, Fault::Status(400))).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(16).build().unwrap();
    let report = adoptions(16).send_all(&client).await.unwrap();
    assert_eq!(report.failed_count(), 16);
    assert!(report.failed().iter().all(|failure| matches!(*failure.reason, FailureReason::Validation { .. })));
    assert_eq!(sandbox.stats().requests, 3, "the batch and its two halves, not 31 requests");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_body_too_large_for_the_server_is_split() {
    let probe = sandbox().start().await.unwrap();
    let one_batch = {
        let mut body = Vec::new();
        hubspot_timeline::encode_input(&adoption(0), &mut body).unwrap();
        body.len()
    };
    probe.shutdown().await;
    // Ten inputs, then both halves of five, are over the limit; pairs fit.
    let sandbox = sandbox().max_body_bytes(one_batch * 3).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(10).build().unwrap();
    let events = adoptions(10);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_stored_exactly(&sandbox, &events);
    assert!(sandbox.stats().status_count(413) >= 3, "{:?}", sandbox.stats());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_template_create_is_not_repeated_after_it_may_have_landed() {
    let request: TimelineEventTemplateCreateRequest =
        serde_json::from_str(r#"{"name":"Deploy","objectType":"contacts","headerTemplate":"Deployed","tokens":[]}"#)
            .unwrap();
    for fault in [Fault::CloseAfterStore, Fault::Status(502)] {
        let sandbox = sandbox().faults(Faults::seeded(1).schedule([fault.clone()])).start().await.unwrap();
        let client = client_builder(&sandbox).developer_key("key").build().unwrap();
        let before = sandbox.templates().len();
        let error = client.templates(42).create(&request).await.unwrap_err();
        let Error::Unconfirmed(message) = &error else { panic!("{fault:?}: {error:?}") };
        assert!(message.contains("may exist"), "{message}");
        assert_eq!(sandbox.stats().requests, 1, "{fault:?}: the create was repeated");
        if fault == Fault::CloseAfterStore {
            assert_eq!(sandbox.templates().len(), before + 1, "the unanswered create did make a template");
        }
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_report_lists_a_bounded_number_of_failures_and_counts_them_all() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mut events = adoptions(10);
    for event in &mut events {
        event.breed = Breed::Poodle;
    }
    let report = events.send_all(&client).max_failures(3).await.unwrap();
    assert_eq!((report.failed_count(), report.failed().len(), report.failures_omitted()), (10, 3, 7));
    assert!(!report.is_complete());
    sandbox.shutdown().await;
}

/// HubSpot refuses a repeated id with "Event ID already in use"; under the
/// sandbox's `Reject` every repeat gets that answer.
fn rejecting_repeats() -> timeline_sandbox::SandboxBuilder {
    sandbox().duplicate_ids(DuplicateIds::Reject)
}

#[tokio::test]
async fn id_in_use_after_a_lost_answer_is_created_confirmed_by_the_duplicate() {
    for whole_batch_refusals in [false, true] {
        let faults = Faults::seeded(1).schedule([Fault::CloseAfterStore]);
        let sandbox =
            rejecting_repeats().reject_invalid_batches(whole_batch_refusals).faults(faults).start().await.unwrap();
        let client = client_builder(&sandbox).build().unwrap();
        let events = adoptions(4);
        let report = events.iter().send_all(&client).await.unwrap();
        assert!(report.is_complete(), "{:?}", report.failed());
        assert_eq!(report.confirmed_by_duplicate_count(), 4);
        assert!(report.created().iter().all(|created| created.confirmed_by_duplicate));
        assert_stored_exactly(&sandbox, &events);
        assert_eq!(redelivered(&sandbox, &events), 4, "the retry did reach the sandbox again");
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn id_in_use_for_an_input_never_sent_before_is_a_conflict() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    assert!(adoptions(2).send_all(&client).await.unwrap().is_complete());
    let mut other = adoptions(2);
    other[1].pet_name = "Another pet".into();
    let report = other.send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 1, "an identical resend is accepted");
    let failure = &report.failed()[0];
    assert_eq!(failure.index, 1);
    assert!(matches!(&*failure.reason, FailureReason::DuplicateId { message } if message.contains("already in use")));
    assert!(!failure.may_have_landed, "{failure:?}");
    assert_eq!(sandbox.event("1001298", "adoption-1").unwrap().tokens["petName"], "Pet 1", "the first one stays");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_input_marked_resent_counts_id_in_use_as_created() {
    let sandbox = rejecting_repeats().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let events = adoptions(3);
    assert!(events.iter().send_all(&client).await.unwrap().is_complete());
    let report = events.iter().map(Resent).send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.confirmed_by_duplicate_count(), 3);
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.failed_count(), 3, "without the mark, a repeat is a conflict");
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_403_fails_its_batch_for_good_and_the_call_goes_on() {
    let faults = Faults::seeded(1).schedule([Fault::Status(403)]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(5).max_in_flight(1).build().unwrap();
    let report = adoptions(15).send_all(&client).await.expect("a 403 is not an error of the call");
    assert_eq!((report.created_count(), report.failed_count()), (10, 5));
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::Rejected { status: 403, .. }), "{failure:?}");
        assert!(failure.index < 5 && !failure.may_have_landed && !failure.reason.is_retryable(), "{failure:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_403_to_a_template_call_is_an_api_error() {
    let sandbox = sandbox().faults(Faults::seeded(1).schedule([Fault::Status(403)])).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let error = client.templates(42).list().await.unwrap_err();
    assert!(matches!(error, Error::Api { status: 403, .. }), "{error:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn what_a_resend_can_fix_is_retryable_and_what_it_cannot_is_not() {
    let faults = Faults::seeded(1).schedule([Fault::Status(503), Fault::Status(503)]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).retry(fast_retry().with_max_attempts(2)).build().unwrap();
    let mut events = adoptions(2);
    events[1].breed = Breed::Poodle;
    let outage = events[..1].send_all(&client).await.unwrap();
    assert_eq!(*outage.failed()[0].reason, FailureReason::Server { status: 503, attempts: 2 });
    assert!(outage.failed()[0].reason.is_retryable());
    let invalid = events[1..].send_all(&client).await.unwrap();
    assert!(matches!(*invalid.failed()[0].reason, FailureReason::Validation { .. }), "{invalid:?}");
    assert!(!invalid.failed()[0].reason.is_retryable());
    sandbox.shutdown().await;
}
