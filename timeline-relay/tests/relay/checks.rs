//! Edge checks against the definitions: invalid inputs get HubSpot's own
//! answers at once and never enter the outbox.

use serde_json::json;

use crate::common::{APP_EVENT_BATCH, BATCH, PET, Setup, TOKEN, assert_matches_schema, pet, start, webinar};

#[tokio::test]
async fn an_invalid_v3_input_gets_207_with_its_error_and_only_the_valid_ones_are_stored() {
    let harness = start(Setup { checked: true, ..Setup::default() }).await;
    let mut bad = pet("bad-1");
    bad["tokens"]["breed"] = json!("poodle");
    let (status, answer) =
        harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("ok-1"), bad, pet("ok-2")] })).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_matches_schema("timeline-v3.json", "BatchResponseTimelineEventResponseWithErrors", &answer);
    assert_eq!(answer["numErrors"], 1);
    assert_eq!(answer["errors"][0]["context"]["id"], json!(["bad-1"]));
    assert_eq!(answer["errors"][0]["errors"][0]["in"], "tokens.breed");
    let delivered: Vec<_> = answer["results"].as_array().unwrap().iter().map(|result| result["id"].clone()).collect();
    assert_eq!(delivered, [json!("ok-1"), json!("ok-2")]);

    let stored: Vec<String> = harness.rows().await.into_iter().map(|row| row.key.event_id).collect();
    assert_eq!(stored, ["ok-1", "ok-2"], "the invalid input never enters the outbox");
    assert_eq!(harness.sandbox.received(PET, "bad-1"), 0);
    assert_eq!(harness.sandbox.received(PET, "ok-2"), 1);
}

#[tokio::test]
async fn an_invalid_app_event_batch_gets_400_and_nothing_is_stored() {
    let harness = start(Setup { checked: true, ..Setup::default() }).await;
    let mut bad = webinar("w-bad");
    bad["properties"]["webinarType"] = json!("party");
    let (status, answer) =
        harness.post(APP_EVENT_BATCH, Some(TOKEN), &json!({ "inputs": [webinar("w-ok"), bad] })).await;
    assert_eq!(status, 400, "{answer:#}");
    assert_matches_schema("timeline-2026-03.json", "Error", &answer);
    assert_eq!(answer["category"], "VALIDATION_ERROR");
    assert_eq!(answer["context"]["ids"], json!(["w-bad"]));
    assert!(harness.rows().await.is_empty(), "an app-event batch is atomic: nothing is stored");
    assert_eq!(harness.sandbox.app_event_received("webinar_registered", "w-ok"), 0);
}
