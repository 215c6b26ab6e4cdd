//! `send_all`, `send` and `send_batch` against the sandbox over HTTP.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use hubspot_timeline::SendAll;
use hubspot_timeline::events::EncodedInput;
use hubspot_timeline::send::{AnyEvent, FailureReason, Outcome, SendAllStream};

async fn send_and_check(count: usize, batch_size: usize) {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(batch_size).build().unwrap();
    let events = adoptions(count);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.total(), count);
    assert_eq!(report.created_count(), count);
    let indices: Vec<usize> = report.created().iter().map(|created| created.index).collect();
    assert_eq!(indices, (0..count).collect::<Vec<_>>());
    for created in report.created() {
        assert_eq!(created.id, events[created.index].adoption_id);
        assert_eq!(created.object_id.as_deref(), Some(events[created.index].contact_id.to_string().as_str()));
    }
    assert_stored_exactly(&sandbox, &events);
    let stats = sandbox.stats();
    assert_eq!(stats.requests, count.div_ceil(batch_size) as u64);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn one_event() {
    send_and_check(1, 100).await;
}

#[tokio::test]
async fn one_full_batch() {
    send_and_check(100, 100).await;
}

#[tokio::test]
async fn one_batch_and_one_more() {
    send_and_check(101, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events() {
    send_and_check(10_000, 100).await;
}

#[tokio::test]
async fn borrowed_slices_iterators_and_streams() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(7).build().unwrap();
    let events = adoptions(30);

    let from_slice = events[..10].send_all(&client).await.unwrap();
    let from_iter = events[10..20].iter().filter(|_| true).send_all(&client).await.unwrap();
    let from_stream = futures_util::stream::iter(events[20..].to_vec()).send_all(&client).await.unwrap();
    for report in [&from_slice, &from_iter, &from_stream] {
        assert!(report.is_complete());
        assert_eq!(report.created_count(), 10);
    }
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn mixed_event_types_in_one_call() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(4).build().unwrap();
    let builds: Vec<BuildFinished<f64>> =
        (0..5).map(|n| BuildFinished { deal_id: 9000 + n, build_number: n as u32, duration_seconds: 1.5 }).collect();
    let adoptions = adoptions(5);

    let erased: Vec<AnyEvent<'_>> =
        adoptions.iter().map(AnyEvent::new).chain(builds.iter().map(AnyEvent::new)).collect();
    let report = erased.send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 10);
    assert_eq!(report.created()[7].event_type, "1004521");

    let encoded: Vec<EncodedInput> = vec![
        EncodedInput::new(&BuildFinished { deal_id: 1, build_number: 77, duration_seconds: 3u32 }).unwrap(),
        EncodedInput::new(&adoption(99)).unwrap(),
    ];
    let report = encoded.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());

    assert_eq!(stored_ids(&sandbox, "1001298").len(), 6);
    assert_eq!(stored_ids(&sandbox, "1004521").len(), 6);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn counts_only_with_a_callback_per_outcome() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(10).max_in_flight(3).build().unwrap();
    let mut events = adoptions(50);
    events[17].breed = Breed::Poodle;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let report = events
        .send_all(&client)
        .keep_created(false)
        .on_outcome(move |outcome| sink.lock().unwrap().push(outcome.index()))
        .await
        .unwrap();
    assert_eq!(report.total(), 50);
    assert_eq!(report.created_count(), 49);
    assert!(report.created().is_empty());
    assert_eq!(report.failed().len(), 1);
    assert_eq!(report.failed()[0].index, 17);
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn send_and_send_batch() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(2).build().unwrap();

    let outcome = client.send(&adoption(1)).await.unwrap();
    let Outcome::Created(created) = outcome else { panic!("{outcome:?}") };
    assert_eq!(created.id, "adoption-1");

    let mut bad = adoption(2);
    bad.breed = Breed::Poodle;
    let outcome = client.send(&bad).await.unwrap();
    let Outcome::Failed(failure) = outcome else { panic!("{outcome:?}") };
    assert!(matches!(*failure.reason, FailureReason::Validation { .. }), "{failure:?}");

    let report = client.send_batch(&adoptions(5)).await.unwrap();
    assert_eq!(report.created_count(), 5);
    assert_eq!(sandbox.stats().requests, 3, "send_batch is one request whatever the batch size");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn encoding_failures_are_reported_and_never_sent() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let builds = [
        BuildFinished { deal_id: 1, build_number: 1, duration_seconds: 2.0 },
        BuildFinished { deal_id: 2, build_number: 2, duration_seconds: f64::NAN },
        BuildFinished { deal_id: 3, build_number: 3, duration_seconds: 4.0 },
    ];
    let report = builds.send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 2);
    let failure = &report.failed()[0];
    assert_eq!((failure.index, failure.id.as_deref()), (1, None));
    assert!(matches!(*failure.reason, FailureReason::Encoding(_)), "{failure:?}");
    assert!(!failure.reason.may_have_landed());
    assert_eq!(sandbox.stats().inputs_received, 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn oversized_inputs_fail_alone_and_bodies_stay_under_the_limit() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).max_request_bytes(1_000).build().unwrap();
    let mut events = adoptions(40);
    events[3].pet_name = "x".repeat(2_000);
    let report = events.send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 39);
    assert!(matches!(*report.failed()[0].reason, FailureReason::TooLarge { limit: 1_000, .. }));
    assert!(sandbox.stats().requests > 1, "the events are split by bytes");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn events_are_pulled_lazily_a_bounded_distance_ahead_of_outcomes() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let sandbox = sandbox().start().await.unwrap();
    let (batch_size, in_flight) = (10, 3);
    let client = client_builder(&sandbox).batch_size(batch_size).max_in_flight(in_flight).build().unwrap();
    let settled = Arc::new(AtomicUsize::new(0));
    let furthest_ahead = Arc::new(AtomicUsize::new(0));
    let (settled_in_iter, ahead_in_iter) = (Arc::clone(&settled), Arc::clone(&furthest_ahead));
    let events = (0..2_000).map(move |n| {
        let ahead = n - settled_in_iter.load(Ordering::SeqCst);
        ahead_in_iter.fetch_max(ahead, Ordering::SeqCst);
        adoption(n)
    });
    let counter = Arc::clone(&settled);
    let report = events
        .send_all(&client)
        .keep_created(false)
        .on_outcome(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
    assert_eq!(report.created_count(), 2_000);
    let ahead = furthest_ahead.load(Ordering::SeqCst);
    assert!(ahead <= batch_size * (in_flight + 1), "{ahead} events were pulled ahead of their outcomes");
    assert_eq!(sandbox.events().len(), 2_000);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_slow_stream_is_not_held_back_waiting_for_a_full_batch() {
    use std::time::Duration;

    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(100).build().unwrap();
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<PetAdopted>();
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    });
    let sending = tokio::spawn({
        let client = client.clone();
        async move { events.send_all(&client).await }
    });

    for event in adoptions(3) {
        sender.send(event).unwrap();
    }
    let arrived = tokio::time::timeout(Duration::from_secs(30), async {
        while sandbox.events().len() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(arrived.is_ok(), "the three events were held back while the stream stayed open");

    sender.send(adoption(3)).unwrap();
    drop(sender);
    let report = sending.await.unwrap().unwrap();
    assert_eq!(report.created_count(), 4);
    assert_stored_exactly(&sandbox, &adoptions(4));
    sandbox.shutdown().await;
}
