//! v3 events sent as app events by configuration (`AppBuilder::migrate`),
//! over HTTP to a sandbox: `App::send_all` and `send_all` through an
//! account client deliver occurrences with the tokens as properties and
//! nothing to the v3 API, while the report speaks of the v3 events; an
//! input the app-event type cannot take fails alone, unsent; a retry after
//! a lost answer is not a second occurrence; an event without an id keeps
//! the id the library derives for it.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use hubspot_timeline::accounts::MemoryTokenStore;
use hubspot_timeline::events::{EventKind, event_id_for_account};
use hubspot_timeline::send::{AnyEvent, FailureReason, PreparedInput};
use hubspot_timeline::templates::Definition;
use hubspot_timeline::{App, Client, SendAll};
use timeline_sandbox::{Fault, Faults, Sandbox, SandboxBuilder};

const CLIENT_ID: &str = "migration-client-id";
const CLIENT_SECRET: &str = "migration-client-secret-7e1f";

/// `templates()`'s `1001298` as `timeline migrate` writes it.
const PET_ADOPTED: &str = r#"{"uid": "pet_adopted", "type": "app-event", "x-eventTemplateId": "1001298",
  "config": {"name": "Pet adopted", "objectType": "CONTACT", "properties": [
    {"name": "petName", "label": "Pet name", "type": "string"},
    {"name": "petAge", "label": "Pet age", "type": "number"},
    {"name": "breed", "label": "Breed", "type": "enumeration", "options": [
      {"value": "golden-retriever", "label": "Golden retriever"}, {"value": "beagle", "label": "Beagle"}]}]}}"#;

/// `templates()`'s `1004521` as `timeline migrate` writes it.
const BUILD_FINISHED: &str = r#"{"uid": "build_finished", "type": "app-event",
  "config": {"name": "Build finished", "objectType": "DEAL", "properties": [
    {"name": "buildNumber", "label": "Build", "type": "string"},
    {"name": "durationSeconds", "label": "Duration", "type": "number"}]}}"#;

fn definition(text: &str) -> Definition {
    hubspot_timeline::templates::definition::parse(text).unwrap()
}

/// A sandbox with the v3 templates, both app-event types and the app's OAuth client.
fn migration_sandbox() -> SandboxBuilder {
    Sandbox::builder()
        .templates(templates())
        .app_event_type(definition(PET_ADOPTED))
        .app_event_type(definition(BUILD_FINISHED))
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .no_rate_limit()
}

/// An app of `sandbox` whose accounts 101 and 202 hold valid tokens, sending
/// both v3 templates as app events.
fn migrating_app(sandbox: &Sandbox) -> App {
    let store = MemoryTokenStore::new();
    store_granted(sandbox, &store, [101, 202]);
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(Client::builder().base_url(sandbox.url()).retry(fast_retry()))
        .migrate("1001298", definition(PET_ADOPTED))
        .migrate("1004521", definition(BUILD_FINISHED))
        .build()
        .unwrap()
}

#[tokio::test]
async fn app_send_all_delivers_v3_events_as_occurrences_and_reports_the_v3_events() {
    let sandbox = migration_sandbox().start().await.unwrap();
    let app = migrating_app(&sandbox);
    let events = adoptions(12);
    let report = app.send_all(events.iter().enumerate().map(|(n, event)| ([101, 202][n % 2], event))).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 12);
    for created in report.created() {
        assert_eq!(created.event_type, "1001298", "the report speaks of the v3 template");
        assert_eq!(created.id, events[created.index].adoption_id, "the v3 event's id");
    }
    assert!(sandbox.events().is_empty(), "nothing went to the v3 API");
    for (account, parity) in [(101, 0), (202, 1)] {
        let stored = sandbox.app_events_in(account);
        let ids: BTreeSet<String> = stored.iter().map(|occurrence| occurrence.id.clone()).collect();
        let expected: BTreeSet<String> =
            events.iter().skip(parity).step_by(2).map(|event| event.adoption_id.clone()).collect();
        assert_eq!(ids, expected);
    }
    let stored = sandbox.app_event("pet_adopted", "adoption-3").unwrap();
    assert_eq!(stored.event_type_name, "pet_adopted");
    assert_eq!(stored.object_id.as_deref(), Some("5003"));
    let properties: Vec<(&str, &str)> =
        stored.properties.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    assert_eq!(properties, [("breed", "golden-retriever"), ("petAge", "3"), ("petName", "Pet 3")]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_input_the_app_event_cannot_take_fails_alone_unsent_while_the_rest_lands() {
    let sandbox = migration_sandbox().start().await.unwrap();
    let app = migrating_app(&sandbox);
    let stray = br#"{"eventTemplateId":"1001298","tokens":{"petName":"Rex","petColour":"brown"},"objectId":"51","id":"stray-1"}"#;
    let mut events: Vec<AnyEvent<'_>> = adoptions(6).into_iter().map(AnyEvent::new).collect();
    events.insert(2, AnyEvent::new(PreparedInput::new(EventKind::Timeline, "1001298", "stray-1", stray.to_vec())));
    let report = events.send_all(&app.account(101)).await.unwrap();
    assert_eq!(report.created_count(), 6);
    let [failure] = report.failed() else { panic!("one failure: {:?}", report.failed()) };
    assert_eq!((failure.index, failure.id.as_deref(), failure.event_type.as_str()), (2, Some("stray-1"), "1001298"));
    assert!(!failure.may_have_landed);
    let FailureReason::NotMigrated { event_type_name, problems } = &*failure.reason else {
        panic!("{failure:?}");
    };
    assert_eq!(event_type_name, "pet_adopted");
    assert_eq!(problems[0].in_.as_deref(), Some("tokens.petColour"));
    assert!(
        failure.reason.to_string().contains("token `petColour` of template 1001298 has no property"),
        "{failure:?}"
    );
    assert_eq!(sandbox.app_event_received("pet_adopted", "stray-1"), 0, "the bad input was never sent");
    assert_eq!(sandbox.app_events_in(101).len(), 6);
    assert!(sandbox.events().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_is_not_a_second_occurrence() {
    let faults = Faults::seeded(1).schedule([Fault::CloseAfterStore]);
    let sandbox = migration_sandbox().faults(faults).start().await.unwrap();
    let app = migrating_app(&sandbox);
    let events = adoptions(5);
    let report = events.iter().send_all(&app.account(101)).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert!(report.created().iter().all(|created| created.confirmed_by_duplicate), "{:?}", report.created());
    assert_eq!(sandbox.stats().connections_closed, 1);
    let stored: BTreeSet<String> = sandbox.app_events_in(101).into_iter().map(|occurrence| occurrence.id).collect();
    let expected: BTreeSet<String> = events.iter().map(|event| event.adoption_id.clone()).collect();
    assert_eq!(stored, expected);
    assert_eq!(sandbox.app_events_in(101).len(), 5, "one occurrence per event");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_event_without_an_id_keeps_the_id_the_library_derives_for_its_account() {
    let sandbox = migration_sandbox().start().await.unwrap();
    let app = migrating_app(&sandbox);
    let build = BuildFinished { deal_id: 42, build_number: 7, duration_seconds: 12.5 };
    let report = [&build].send_all(&app.account(202)).await.unwrap();
    let expected = event_id_for_account(&build, 202).unwrap();
    assert_eq!(report.created()[0].id, expected);
    let stored = sandbox.app_event("build_finished", &expected).expect("stored under the derived id");
    assert_eq!(stored.properties["durationSeconds"], "12.5");
    assert_eq!(stored.object_id.as_deref(), Some("42"));
    sandbox.shutdown().await;
}
