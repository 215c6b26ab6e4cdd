//! Inputs HubSpot itself refuses (the relay has no definitions to check
//! them against): HubSpot's refusal comes back in the answer when it comes
//! within the ack wait, and the status route says dead, with the reason.

use serde_json::json;

use crate::common::{BATCH, PET, Setup, TOKEN, assert_matches_schema, pet, start};

#[tokio::test]
async fn an_input_hubspot_refuses_is_answered_207_with_hubspots_error_and_is_dead() {
    let harness = start(Setup::default()).await;
    let mut refused = pet("poodle-1");
    refused["tokens"]["breed"] = json!("poodle");
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("lab-1"), refused] })).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_matches_schema("timeline-v3.json", "BatchResponseTimelineEventResponseWithErrors", &answer);
    assert_eq!(answer["results"][0]["id"], "lab-1");
    assert_eq!(answer["numErrors"], 1);
    let error = &answer["errors"][0];
    assert_eq!((&error["category"], &error["context"]["id"]), (&json!("VALIDATION_ERROR"), &json!(["poodle-1"])));
    assert_eq!(error["errors"][0]["in"], "tokens.breed", "HubSpot's own detail: {error:#}");
    assert_eq!(harness.sandbox.received(PET, "poodle-1"), 1, "it went to HubSpot once");

    let link = format!("{}/relay/v1/events/{PET}/poodle-1", harness.url);
    let (status, dead) = harness.get(&link, TOKEN).await;
    assert_eq!((status, &dead["status"]), (200, &json!("DEAD")), "{dead:#}");
    assert!(dead["reason"].as_str().unwrap().contains("breed"), "{dead:#}");
}
