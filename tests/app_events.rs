//! App events over HTTP against the sandbox: their own endpoint and batches,
//! atomic 400s isolated, 409s after a lost answer (created) and on a first
//! send (a conflict), 409s that name no id (found by splitting), streams
//! mixing v3 and app events, the `/v4/` paths and the single-event endpoint.

mod common;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use common::*;
use hubspot_timeline::events::by_hand::{IdText, TokenWriter};
use hubspot_timeline::events::{EventKind, Target, TokenKind, TokenSpec};
use hubspot_timeline::send::{AnyEvent, FailureReason, Outcome, Resent};
use hubspot_timeline::templates::AppEventsApi;
use hubspot_timeline::{EncodeError, SendAll, TimelineEvent};
use timeline_sandbox::{Fault, Faults, Sandbox, SandboxBuilder};

/// The event type `webinar_registered` of `tests/data/app-events` (whose
/// `shipment_sent` is on custom objects).
const WEBINAR_REGISTERED: &str = "webinar_registered";

/// A registration for a webinar: an app event on contacts. Implemented by
/// hand rather than derived from its definition, so that a test can send
/// a `webinarType` that is not one of the options (which the derive refuses
/// at compile time) and see HubSpot refuse it.
#[derive(Debug, Clone)]
struct Registered {
    contact_id: u64,
    registration_id: String,
    webinar_name: String,
    webinar_type: &'static str,
}

impl TimelineEvent for Registered {
    const EVENT_TYPE: &'static str = WEBINAR_REGISTERED;
    const KIND: EventKind = EventKind::AppEvent;
    const TOKENS: &'static [TokenSpec] = &[
        TokenSpec { name: "webinarName", kind: TokenKind::String },
        TokenSpec { name: "webinarType", kind: TokenKind::Enumeration },
    ];
    const OBJECT_TYPE: Option<&'static str> = Some("contacts");

    fn target(&self) -> Target<'_> {
        Target { object_id: Some(self.contact_id.into()), ..Target::default() }
    }

    fn event_id(&self) -> Option<IdText<'_>> {
        Some(self.registration_id.as_str().into())
    }

    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        tokens.token("webinarName", &self.webinar_name)?;
        tokens.token("webinarType", self.webinar_type)
    }
}

/// Registration number `n`, valid.
fn registration(n: usize) -> Registered {
    Registered {
        contact_id: 7000 + n as u64,
        registration_id: format!("registration-{n}"),
        webinar_name: format!("Webinar {n}"),
        webinar_type: if n.is_multiple_of(2) { "ama" } else { "demo" },
    }
}

fn registrations(count: usize) -> Vec<Registered> {
    (0..count).map(registration).collect()
}

/// The sandbox of the common tests, with the app-event types of `tests/data/app-events`.
fn app_event_sandbox() -> SandboxBuilder {
    sandbox().app_events_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/app-events"))
}

/// The ids of the stored occurrences, each once, and whether any is stored twice.
fn stored_occurrence_ids(sandbox: &Sandbox) -> BTreeSet<String> {
    let stored = sandbox.app_events();
    let ids: BTreeSet<String> = stored.iter().map(|occurrence| occurrence.id.clone()).collect();
    assert_eq!(ids.len(), stored.len(), "an occurrence is stored twice");
    ids
}

fn ids(events: &[Registered]) -> BTreeSet<String> {
    events.iter().map(|event| event.registration_id.clone()).collect()
}

#[tokio::test]
async fn app_events_land_once_each_on_the_app_event_endpoint() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).app_event_batch_size(7).build().unwrap();
    let events = registrations(30);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 30);
    assert!(report.created().iter().all(|created| created.event_type == WEBINAR_REGISTERED));
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    for event in &events {
        assert_eq!(sandbox.app_event_received(WEBINAR_REGISTERED, &event.registration_id), 1);
    }
    let stored = sandbox.app_event(WEBINAR_REGISTERED, "registration-3").unwrap();
    assert_eq!(stored.properties["webinarName"], "Webinar 3");
    assert_eq!(stored.object_id.as_deref(), Some("7003"));
    assert!(sandbox.events().is_empty(), "nothing went to the v3 endpoint");
    assert_eq!(sandbox.stats().status_count(200), 5, "batches of at most 7: 7, 7, 7, 7, 2");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn one_bad_input_among_many_fails_alone_with_its_reason_and_the_rest_land() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mut events = registrations(25);
    events[11].webinar_type = "workshop";
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 24);
    let [failure] = report.failed() else { panic!("one failure: {:?}", report.failed()) };
    assert_eq!(failure.index, 11);
    assert!(!failure.may_have_landed, "a refused atomic batch stores nothing");
    let FailureReason::Validation { details, .. } = &*failure.reason else { panic!("{failure:?}") };
    assert!(!details.is_empty(), "{failure:?}");
    assert!(
        details.iter().all(|detail| detail.in_.as_deref().is_some_and(|at| at.contains("webinarType"))),
        "only the bad input's details: {details:?}"
    );
    let mut expected = ids(&events);
    expected.remove("registration-11");
    assert_eq!(stored_occurrence_ids(&sandbox), expected);
    assert_eq!(sandbox.app_event_received(WEBINAR_REGISTERED, "registration-11"), 1, "named, so not sent again");
    assert_eq!(sandbox.stats().status_count(400), 1, "the 400 named the input: no splitting needed");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_batch_of_bad_inputs_fails_each_of_them_and_stores_nothing_of_them() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mut events = registrations(6);
    for event in &mut events[2..5] {
        event.webinar_type = "workshop";
    }
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.failed().iter().map(|failure| failure.index).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(report.created().iter().map(|created| created.index).collect::<Vec<_>>(), [0, 1, 5]);
    assert_eq!(stored_occurrence_ids(&sandbox).len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_409_after_a_lost_answer_is_created() {
    let faults = Faults::seeded(1).schedule([Fault::CloseAfterStore]);
    let sandbox = app_event_sandbox().faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let events = registrations(5);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.confirmed_by_duplicate_count(), 5, "{:?}", report.created());
    assert_eq!(sandbox.stats().connections_closed, 1);
    assert_eq!(sandbox.stats().status_count(409), 1, "the retry met the stored batch");
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    for event in &events {
        assert_eq!(sandbox.app_event_received(WEBINAR_REGISTERED, &event.registration_id), 2);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_409_on_a_first_send_is_a_conflict_and_nothing_is_claimed_created() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mut holder = registration(100);
    holder.registration_id = "registration-2".into();
    assert!(matches!(client.send(&holder).await.unwrap(), Outcome::Created(_)));

    let events = registrations(6);
    let report = events.iter().send_all(&client).await.unwrap();
    let [failure] = report.failed() else { panic!("one conflict: {:?}", report.failed()) };
    assert_eq!(failure.index, 2);
    assert!(matches!(*failure.reason, FailureReason::DuplicateId { .. }), "{failure:?}");
    assert!(!failure.may_have_landed);
    assert_eq!(report.created_count(), 5);
    assert_eq!(report.confirmed_by_duplicate_count(), 0);
    assert!(report.created().iter().all(|created| created.id != "registration-2"));
    let kept = sandbox.app_event(WEBINAR_REGISTERED, "registration-2").unwrap();
    assert_eq!(kept.properties["webinarName"], "Webinar 100", "the other event keeps its id");
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_resent_input_that_meets_a_409_is_created() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let events = registrations(4);
    events[..2].iter().send_all(&client).await.unwrap();
    let again: Vec<_> = events.iter().map(Resent).collect();
    let report = again.send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 4);
    assert_eq!(report.confirmed_by_duplicate_count(), 2);
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_409_naming_no_id_is_narrowed_down_by_splitting() {
    let sandbox = app_event_sandbox().app_event_conflicts_name_ids(false).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mut holder = registration(100);
    holder.registration_id = "registration-9".into();
    client.send(&holder).await.unwrap();

    let events = registrations(16);
    let report = events.iter().send_all(&client).await.unwrap();
    let [failure] = report.failed() else { panic!("one conflict: {:?}", report.failed()) };
    assert_eq!(failure.index, 9);
    assert!(matches!(*failure.reason, FailureReason::DuplicateId { .. }), "{failure:?}");
    assert_eq!(report.created_count(), 15);
    assert_eq!(report.confirmed_by_duplicate_count(), 0);
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    assert!(sandbox.stats().status_count(409) > 1, "found by splitting: {:?}", sandbox.stats());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_then_a_409_naming_no_id_is_created_for_every_input() {
    let faults = Faults::seeded(1).schedule([Fault::CloseAfterStore]);
    let sandbox = app_event_sandbox().app_event_conflicts_name_ids(false).faults(faults).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let events = registrations(4);
    let report = events.iter().send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 4);
    assert_eq!(report.confirmed_by_duplicate_count(), 4);
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&events));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_mixed_stream_sends_each_kind_to_its_own_api() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).batch_size(4).app_event_batch_size(3).build().unwrap();
    let adoptions = adoptions(10);
    let registrations = registrations(10);
    let mixed: Vec<AnyEvent<'_>> = adoptions
        .iter()
        .zip(&registrations)
        .flat_map(|(adoption, registration)| [AnyEvent::new(adoption), AnyEvent::new(registration)])
        .collect();
    let report = mixed.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 20);
    for created in report.created() {
        let expected = if created.index % 2 == 0 { "1001298" } else { WEBINAR_REGISTERED };
        assert_eq!(created.event_type, expected, "{created:?}");
    }
    let v3: BTreeSet<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(v3, adoptions.iter().map(|event| event.adoption_id.clone()).collect());
    assert_delivered_once(&sandbox, &adoptions);
    assert_eq!(stored_occurrence_ids(&sandbox), ids(&registrations));
    for event in &registrations {
        assert_eq!(sandbox.app_event_received(WEBINAR_REGISTERED, &event.registration_id), 1);
    }
    assert_eq!(sandbox.stats().inputs_stored, 20, "each of the two kinds stored once");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn send_batch_sends_one_request_per_kind() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let mixed = vec![AnyEvent::new(adoption(1)), AnyEvent::new(registration(1)), AnyEvent::new(registration(2))];
    let report = client.send_batch(mixed).await.unwrap();
    assert_eq!(report.created_count(), 3);
    let stats = sandbox.stats();
    assert_eq!(stats.requests, 2, "{stats:?}");
    assert_eq!((stats.status_count(200), stats.status_count(201)), (1, 1), "{stats:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn send_of_one_app_event_uses_the_single_event_endpoint() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let Outcome::Created(created) = client.send(&registration(1)).await.unwrap() else { panic!("created") };
    assert_eq!(created.object_id.as_deref(), Some("7001"), "from the 201's occurrence");
    assert_eq!(sandbox.stats().status_count(201), 1, "the single endpoint answers 201, the batch one 200");

    let mut bad = registration(2);
    bad.webinar_type = "workshop";
    let Outcome::Failed(failure) = client.send(&bad).await.unwrap() else { panic!("refused") };
    assert!(matches!(*failure.reason, FailureReason::Validation { .. }), "{failure:?}");
    let Outcome::Failed(failure) = client.send(&registration(1)).await.unwrap() else { panic!("a conflict") };
    assert!(matches!(*failure.reason, FailureReason::DuplicateId { .. }), "{failure:?}");
    let Outcome::Created(created) = client.send(Resent(&registration(1))).await.unwrap() else { panic!("created") };
    assert!(created.confirmed_by_duplicate);
    assert_eq!(stored_occurrence_ids(&sandbox).len(), 1);
    sandbox.shutdown().await;
}

/// A loopback proxy in front of `sandbox` that forwards every request as it
/// is and writes down each one's path.
async fn recording_proxy(sandbox: &Sandbox) -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::body::{Body, to_bytes};
    use axum::extract::{Request, State};
    use axum::response::Response;

    let paths = Arc::new(Mutex::new(Vec::new()));
    let upstream = sandbox.url().trim_end_matches('/').to_owned();
    let forward = |State((upstream, paths)): State<(String, Arc<Mutex<Vec<String>>>)>, request: Request| async move {
        let path = request.uri().path_and_query().map_or("/".to_owned(), ToString::to_string);
        paths.lock().unwrap().push(request.uri().path().to_owned());
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        let answer = reqwest::Client::new()
            .request(parts.method, format!("{upstream}{path}"))
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .unwrap();
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
    };
    let app = axum::Router::new().fallback(forward).with_state((upstream, Arc::clone(&paths)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, paths)
}

#[tokio::test]
async fn each_api_option_sends_to_its_paths() {
    let sandbox = app_event_sandbox().start().await.unwrap();
    let (proxy, paths) = recording_proxy(&sandbox).await;
    for (api, version) in [(AppEventsApi::default(), "2026-03"), (AppEventsApi::V4, "v4")] {
        paths.lock().unwrap().clear();
        let client = client_builder(&sandbox).base_url(&proxy).app_events_api(api).build().unwrap();
        let events: Vec<_> = (0..3).map(|n| registration(n + 10 * version.len())).collect();
        let report = events.iter().send_all(&client).await.unwrap();
        assert_eq!(report.created_count(), 3);
        client.send(&registration(100 + version.len())).await.unwrap();
        client.send(&adoption(version.len())).await.unwrap();
        let batch = format!("/integrators/timeline/{version}/events/batch");
        let single = format!("/integrators/timeline/{version}/events");
        let v3 = "/integrators/timeline/v3/events/batch/create".to_owned();
        assert_eq!(*paths.lock().unwrap(), [batch, single, v3]);
    }
    assert_eq!(stored_occurrence_ids(&sandbox).len(), 8);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_app_event_on_a_custom_object_names_its_object_type() {
    struct Shipped(&'static str);
    impl TimelineEvent for Shipped {
        const EVENT_TYPE: &'static str = "shipment_sent";
        const KIND: EventKind = EventKind::AppEvent;
        const TOKENS: &'static [TokenSpec] = &[TokenSpec { name: "carrier", kind: TokenKind::String }];
        fn target(&self) -> Target<'_> {
            Target { object_id: Some("88".into()), object_type: Some(Cow::Borrowed(self.0)), ..Target::default() }
        }
        fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
            tokens.token("carrier", "DHL")
        }
    }
    let sandbox = app_event_sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let report = [Shipped("p_shipments"), Shipped("p_parcels")].send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 2, "{:?}", report.failed());
    assert_ne!(report.created()[0].id, report.created()[1].id, "the object type is part of the derived id");
    let stored = sandbox.app_events();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].object_type_fully_qualified_name.as_deref(), Some("p_shipments"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_app_event_type_resolves_to_its_fully_qualified_name() {
    let sandbox = app_event_sandbox().app_event_project("webinars").start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let resolved = client.resolve_app_event_type(WEBINAR_REGISTERED, "webinars").await.unwrap();
    assert_eq!(Some(resolved.fully_qualified_name), sandbox.app_event_type_name(WEBINAR_REGISTERED));
    assert_eq!(resolved.developer_qualified_symbol.project_name, "webinars");
    let unknown = client.resolve_app_event_type(WEBINAR_REGISTERED, "other-project").await.unwrap_err();
    assert!(matches!(unknown, hubspot_timeline::Error::Api { status: 404, .. }), "{unknown}");
    sandbox.shutdown().await;
}
