//! `Client::deliver`: inputs already encoded for an account, each with the
//! caller's tag, through the send engine over HTTP to a sandbox; every tag
//! comes back with its outcome, "already in use" is judged by whether the
//! input may have landed before, and a stop signal ends the call with every
//! input accounted for.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use hubspot_timeline::Error;
use hubspot_timeline::events::{EncodedInput, EventKind};
use hubspot_timeline::send::{FailureReason, Outcome, PreparedInput};
use timeline_sandbox::{DuplicateIds, Fault, Faults};

/// Adoption `n` as a durable queue would keep it.
fn prepared(n: usize, may_have_landed: bool) -> PreparedInput {
    let encoded = EncodedInput::new(&adoption(n)).unwrap();
    PreparedInput::new(EventKind::Timeline, "1001298", encoded.id(), encoded.json().to_vec())
        .with_may_have_landed(may_have_landed)
}

#[tokio::test]
async fn every_tag_comes_back_with_its_outcome_in_input_order() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(7).build().unwrap();
    let inputs: Vec<(String, PreparedInput)> = (0..30).map(|n| (format!("row-{n}"), prepared(n, false))).collect();
    let delivery = client.deliver(inputs).await;
    assert!(delivery.stopped.is_none(), "{:?}", delivery.stopped);
    let tags: Vec<&str> = delivery.outcomes.iter().map(|(tag, _)| tag.as_str()).collect();
    let expected: Vec<String> = (0..30).map(|n| format!("row-{n}")).collect();
    assert_eq!(tags, expected);
    assert!(delivery.outcomes.iter().all(|(_, outcome)| matches!(outcome, Outcome::Created(_))));
    assert_stored_exactly(&sandbox, &adoptions(30));
    assert_eq!(sandbox.stats().requests, 5, "batches of seven: nothing re-chunked");
    sandbox.shutdown().await;
}

/// Another event holds the ids already: an input that may have landed takes
/// "already in use" for its own earlier attempt; one that never went out
/// fails with `DuplicateId`.
#[tokio::test]
async fn already_in_use_is_delivered_only_for_an_input_that_may_have_landed() {
    let sandbox = sandbox().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let first = client.deliver([(0, prepared(0, false)), (1, prepared(1, false))]).await;
    assert!(first.outcomes.iter().all(|(_, outcome)| matches!(outcome, Outcome::Created(_))));

    let again = client.deliver([("landed", prepared(0, true)), ("never sent", prepared(1, false))]).await;
    let [(_, landed), (_, never_sent)] = &again.outcomes[..] else { panic!("{:?}", again.outcomes) };
    assert!(matches!(landed, Outcome::Created(created) if created.confirmed_by_duplicate), "{landed:?}");
    let Outcome::Failed(failure) = never_sent else { panic!("{never_sent:?}") };
    assert!(matches!(&*failure.reason, FailureReason::DuplicateId { .. }), "{failure:?}");
    assert!(!failure.may_have_landed);
    sandbox.shutdown().await;
}

/// The stop signal ends a call whose first request hangs in the sandbox
/// (stopped once the sandbox has it): the inputs in flight
/// fail as ones that may have landed, those not sent yet as not sent, and
/// the step before sending ran once, for the batch that went out.
#[tokio::test]
async fn a_stop_accounts_for_every_input_and_tells_sent_from_unsent() {
    let faults = Faults::seeded(1).schedule([Fault::Delay(Duration::from_secs(30))]);
    let sandbox = sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(2).max_in_flight(1).build().unwrap();
    let steps = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&steps);
    let inputs: Vec<(usize, PreparedInput)> = (0..4).map(|n| (n, prepared(n, false))).collect();
    let delivery = client
        .deliver(inputs)
        .before_send(move |tags| {
            assert_eq!(tags, [0, 1], "the first batch's tags");
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(()) })
        })
        .stop_when(async {
            // Once the first request has reached the sandbox, which holds it.
            while sandbox.stats().requests == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
    assert_eq!(delivery.stopped, Some(Error::Stopped));
    assert_eq!(steps.load(Ordering::SeqCst), 1);
    let landed: Vec<(usize, bool)> = delivery
        .outcomes
        .iter()
        .map(|(tag, outcome)| match outcome {
            Outcome::Failed(failure) => (*tag, failure.may_have_landed),
            Outcome::Created(created) => panic!("{created:?}"),
        })
        .collect();
    assert_eq!(landed, [(0, true), (1, true), (2, false), (3, false)]);
    sandbox.shutdown().await;
}
