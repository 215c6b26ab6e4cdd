//! Per-input errors: 207 answers mapped to the right events, and a batch
//! refused whole split until only the bad inputs fail.

mod common;

use common::*;
use hubspot_timeline::SendAll;
use hubspot_timeline::send::FailureReason;

fn with_bad_breeds(count: usize, bad: &[usize]) -> Vec<PetAdopted> {
    let mut events = adoptions(count);
    for &index in bad {
        events[index].breed = Breed::Poodle;
    }
    events
}

#[tokio::test]
async fn multi_status_errors_go_to_the_events_they_name() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(25).build().unwrap();
    let bad = [0, 13, 24, 25, 61];
    let events = with_bad_breeds(70, &bad);
    let report = events.iter().send_all(&client).await.unwrap();

    assert_eq!(report.created_count(), 65);
    let failed: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(failed, bad);
    for failure in report.failed() {
        assert_eq!(failure.id.as_deref(), Some(events[failure.index].adoption_id.as_str()));
        let FailureReason::Validation { category, message, context, .. } = &*failure.reason else {
            panic!("{failure:?}")
        };
        assert_eq!(category, "VALIDATION_ERROR");
        assert!(message.contains("breed"), "{message}");
        assert_eq!(context["id"], [events[failure.index].adoption_id.clone()]);
        assert!(!failure.reason.may_have_landed());
    }
    assert_eq!(sandbox.stats().status_count(207), 3);
    let good: Vec<PetAdopted> =
        events.iter().enumerate().filter(|(index, _)| !bad.contains(index)).map(|(_, event)| event.clone()).collect();
    assert_stored_exactly(&sandbox, &good);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_batch_refused_whole_is_split_until_only_bad_inputs_fail() {
    let sandbox = sandbox().reject_invalid_batches(true).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(32).build().unwrap();
    let bad = [5, 6, 30, 40];
    let events = with_bad_breeds(64, &bad);
    let report = events.iter().send_all(&client).await.unwrap();

    assert_eq!(report.created_count(), 60);
    let failed: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(failed, bad);
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::Validation { .. }), "{failure:?}");
    }
    let good: Vec<PetAdopted> =
        events.iter().enumerate().filter(|(index, _)| !bad.contains(index)).map(|(_, event)| event.clone()).collect();
    assert_stored_exactly(&sandbox, &good);
    assert!(sandbox.stats().status_count(400) >= 2);
    sandbox.shutdown().await;
}
