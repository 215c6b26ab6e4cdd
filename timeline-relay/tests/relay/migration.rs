//! A relay whose app sends the pet template as the app event `pet_adopted`
//! (`AppBuilder::migrate`, as `timeline relay --migrate` sets it up): v3
//! callers, HubSpot's official Node client among them, get v3 answers while
//! HubSpot holds app-event occurrences and no v3 event; an input the app
//! event cannot take gets a v3-shaped per-input error at the edge and never
//! enters the outbox.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use timeline_testkit::{OfficialClient, OfficialClients};

use crate::common::{ACCOUNT, BATCH, PET, Setup, TOKEN, pet, start, wait_for};

const BATCHES: usize = 4;
const INPUTS_PER_BATCH: usize = 8;

/// A pet input with a token the app event has no property for.
fn stray(id: &str) -> Value {
    let mut input = pet(id);
    input["tokens"]["petColour"] = json!("brown");
    input
}

/// Valid pet inputs, every other one without an `id` (the relay derives
/// it), and in the first batch one [`stray`] input.
fn batches() -> Value {
    let batches: Vec<Vec<Value>> = (0..BATCHES)
        .map(|batch| {
            let mut inputs: Vec<Value> = (0..INPUTS_PER_BATCH)
                .map(|n| {
                    let mut input = json!({
                        "eventTemplateId": PET,
                        "objectId": "5120345",
                        "timestamp": "2026-05-04T09:15:00.000Z",
                        "tokens": {"petName": format!("node {batch}-{n}"), "petAge": "3",
                                   "adoptedOn": "1777886100000", "breed": "lab"}
                    });
                    if n % 2 == 0 {
                        input["id"] = json!(format!("node-{batch}-{n}"));
                    }
                    input
                })
                .collect();
            if batch == 0 {
                inputs.insert(3, stray("stray-1"));
            }
            inputs
        })
        .collect();
    json!(batches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_node_client_sends_v3_batches_that_land_as_app_event_occurrences() {
    let Some(clients) = OfficialClients::install() else { return };
    let harness = start(Setup { migrate: true, ..Setup::default() }).await;
    let (url, batches) = (harness.url.clone(), batches().to_string());
    let outcomes =
        tokio::task::spawn_blocking(move || clients.send_batches(OfficialClient::Node, &url, TOKEN, &batches, 2))
            .await
            .unwrap();
    assert_eq!(outcomes.len(), BATCHES, "{outcomes:?}");
    assert!(outcomes.iter().all(|outcome| outcome.message.is_none()), "no batch raised: {outcomes:?}");
    assert_eq!((outcomes[0].status, outcomes[0].refused_ids.as_slice()), (Some(207), &["stray-1".to_owned()][..]));
    assert!(outcomes[1..].iter().all(|outcome| outcome.status == Some(201)), "{outcomes:?}");

    let sent = BATCHES * INPUTS_PER_BATCH;
    wait_for("the occurrences", || async { harness.sandbox.app_events_in(ACCOUNT).len() >= sent }).await;
    let stored = harness.sandbox.app_events_in(ACCOUNT);
    let names: BTreeSet<&str> = stored.iter().map(|occurrence| occurrence.properties["petName"].as_str()).collect();
    assert_eq!((stored.len(), names.len()), (sent, sent), "one occurrence per valid input");
    let first = stored.iter().find(|occurrence| occurrence.id == "node-0-0").expect("an input's own id is kept");
    assert_eq!(first.event_type_name, "pet_adopted");
    assert_eq!(first.object_id.as_deref(), Some("5120345"));
    let properties: Vec<(&str, &str)> =
        first.properties.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    assert_eq!(
        properties,
        [("adoptedOn", "1777886100000"), ("breed", "lab"), ("petAge", "3"), ("petName", "node 0-0")]
    );
    assert!(harness.sandbox.events_in(ACCOUNT).is_empty(), "nothing on the v3 side");
    assert_eq!(harness.sandbox.app_event_received("pet_adopted", "stray-1"), 0);
    let rows = harness.rows().await;
    assert_eq!(rows.len(), sent, "the stray input never entered the outbox");
    assert!(rows.iter().all(|row| row.key.event_id != "stray-1"));
}

#[tokio::test]
async fn an_input_with_a_token_the_app_event_lacks_gets_a_v3_error_at_the_edge() {
    let harness = start(Setup { migrate: true, ..Setup::default() }).await;
    let (status, answer) =
        harness.post(BATCH, Some(TOKEN), &json!({"inputs": [pet("good-1"), stray("stray-2")]})).await;
    assert_eq!(status, 207, "{answer}");
    let [error] = answer["errors"].as_array().unwrap().as_slice() else { panic!("one error: {answer}") };
    assert_eq!(error["category"], "VALIDATION_ERROR");
    assert_eq!(error["context"]["id"], json!(["stray-2"]));
    assert_eq!(error["errors"][0]["in"], "tokens.petColour");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("token `petColour` of template 1001298 has no property"), "{message}");
    let [result] = answer["results"].as_array().unwrap().as_slice() else { panic!("one result: {answer}") };
    assert_eq!((result["id"].as_str(), result["eventTemplateId"].as_str()), (Some("good-1"), Some(PET)));
    assert_eq!(result["objectType"], "contacts", "the v3 answer's object type, from the app event");
    assert_eq!(harness.rows().await.len(), 1, "only the good input is stored");
    wait_for("the good occurrence", || async { harness.sandbox.app_event("pet_adopted", "good-1").is_some() }).await;
    assert!(harness.sandbox.events_in(ACCOUNT).is_empty());
    assert_eq!(harness.sandbox.app_event_received("pet_adopted", "stray-2"), 0);
}
