//! Valid inputs through the relay: stored once in their account, answered
//! as HubSpot answers, ids derived for inputs without one.

use serde_json::{Value, json};

use crate::common::{
    ACCOUNT, APP_EVENT_BATCH, BATCH, OTHER_ACCOUNT, PET, SINGLE, Setup, TOKEN, assert_matches_schema, pet, start,
    webinar,
};

#[tokio::test]
async fn a_v3_batch_is_stored_once_in_its_account_and_answered_201_in_hubspots_shape() {
    let harness = start(Setup { checked: true, ..Setup::default() }).await;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("b-1"), pet("b-2")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_matches_schema("timeline-v3.json", "BatchResponseTimelineEventResponse", &answer);
    assert_eq!(answer["status"], "COMPLETE");
    let ids: Vec<&Value> = answer["results"].as_array().unwrap().iter().map(|result| &result["id"]).collect();
    assert_eq!(ids, ["b-1", "b-2"]);
    assert_eq!(answer["results"][0]["objectType"], "contacts");
    assert_eq!(answer["results"][0]["tokens"]["breed"], "lab");

    let stored: Vec<String> = harness.sandbox.events_in(ACCOUNT).into_iter().map(|event| event.id).collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.contains(&"b-1".to_owned()) && stored.contains(&"b-2".to_owned()), "{stored:?}");
    assert!(harness.sandbox.events_in(OTHER_ACCOUNT).is_empty());
    assert_eq!((harness.sandbox.received(PET, "b-1"), harness.sandbox.received(PET, "b-2")), (1, 1));

    let (status, single) = harness.post(SINGLE, Some(TOKEN), &pet("s-1")).await;
    assert_eq!(status, 201, "{single:#}");
    assert_matches_schema("timeline-v3.json", "TimelineEventResponse", &single);
    assert_eq!(single["id"], "s-1");
    assert_eq!(harness.sandbox.received(PET, "s-1"), 1);
}

#[tokio::test]
async fn app_events_are_answered_as_hubspot_answers_them_on_both_spellings_of_the_path() {
    let harness = start(Setup { checked: true, ..Setup::default() }).await;
    let (status, answer) = harness.post(APP_EVENT_BATCH, Some(TOKEN), &json!({ "inputs": [webinar("w-1")] })).await;
    assert_eq!(status, 200, "{answer:#}");
    assert_matches_schema("timeline-2026-03.json", "BatchResponseAppEventOccurrence", &answer);
    assert_eq!(answer["results"][0]["id"], "w-1");

    let (status, single) = harness.post("/integrators/timeline/v4/events", Some(TOKEN), &webinar("w-2")).await;
    assert_eq!(status, 201, "{single:#}");
    assert_matches_schema("timeline-2026-03.json", "AppEventOccurrence", &single);
    for id in ["w-1", "w-2"] {
        assert_eq!(harness.sandbox.app_event_received("webinar_registered", id), 1, "{id}");
    }
    assert_eq!(harness.sandbox.app_events_in(ACCOUNT).len(), 2);
}

#[tokio::test]
async fn a_client_retry_of_an_input_without_an_id_is_one_event() {
    let harness = start(Setup::default()).await;
    let mut input = pet("unused");
    input.as_object_mut().unwrap().remove("id");
    let body = json!({ "inputs": [input] });
    let (first_status, first) = harness.post(BATCH, Some(TOKEN), &body).await;
    let (again_status, again) = harness.post(BATCH, Some(TOKEN), &body).await;
    assert_eq!((first_status, again_status), (201, 201), "{first:#}\n{again:#}");
    let id = first["results"][0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("tl3-"), "a derived id for the account: {id}");
    assert_eq!(again["results"][0]["id"], id.as_str());
    assert_eq!(harness.sandbox.received(PET, &id), 1, "the retry is not sent again");
    assert_eq!(harness.sandbox.events_in(ACCOUNT).len(), 1);
    assert_eq!(harness.rows().await.len(), 1);
}

#[tokio::test]
async fn the_relay_says_it_is_live_and_ready_without_a_token() {
    let harness = start(Setup::default()).await;
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let answer = reqwest::get(format!("{}{path}", harness.url)).await.unwrap();
        let (status, body) = crate::common::status_and_json(answer).await;
        assert_eq!((status, &body["status"]), (200, &json!(expected)), "{path}: {body:#}");
    }
}
