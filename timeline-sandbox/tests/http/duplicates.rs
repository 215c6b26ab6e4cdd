//! A repeated (template, id): replaced, accepted when identical, or refused
//! with HubSpot's "already in use"; and the receive counts that see it.

use serde_json::{Value, json};
use timeline_sandbox::DuplicateIds;

use crate::common::{PET, batch, builder, pet, post_json, start, status_and_json};

const ID_IN_USE: &str = "Event ID already in use, please choose a new unique ID";
const SINGLE: &str = "/integrators/timeline/v3/events";

/// `pet(id)` with another pet name.
fn renamed(id: &str) -> Value {
    let mut input = pet(id);
    input["tokens"]["petName"] = json!("Max");
    input
}

/// `pet(id)` aimed at a contact by email instead of `objectId`, with no timestamp.
fn by_email(id: &str) -> Value {
    let mut input = pet(id);
    input.as_object_mut().unwrap().remove("objectId");
    input["email"] = json!("ann@example.com");
    input
}

/// Asserts that `error` is HubSpot's "already in use" refusal of `id`.
fn assert_id_in_use(error: &Value, id: &str) {
    assert_eq!(error["status"], "error", "{error}");
    assert_eq!(error["category"], "VALIDATION_ERROR", "{error}");
    assert_eq!(error["message"], ID_IN_USE, "{error}");
    assert_eq!(error["context"]["id"], json!([id]), "{error}");
}

fn result_ids(body: &Value) -> Vec<&str> {
    body["results"].as_array().unwrap().iter().map(|result| result["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn by_default_an_identical_resend_is_answered_as_created_and_stored_once() {
    let sandbox = start().await;
    let (status, first) = status_and_json(batch(&sandbox, vec![pet("same"), by_email("mail")]).await).await;
    assert_eq!(status, 201);
    let stored_before = sandbox.events();

    let (status, again) = status_and_json(batch(&sandbox, vec![pet("same"), by_email("mail")]).await).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(result_ids(&again), ["same", "mail"]);
    assert_eq!(again["results"], first["results"], "the answer is the stored event, createdAt included");
    assert_eq!(sandbox.events(), stored_before);
    assert_eq!(sandbox.received(PET, "same"), 2);
    assert_eq!(sandbox.received(PET, "mail"), 2);
    let stats = sandbox.stats();
    assert_eq!((stats.inputs_stored, stats.inputs_identical, stats.inputs_rejected), (2, 2, 0));
}

#[tokio::test]
async fn by_default_the_same_id_with_other_content_is_refused_and_the_stored_event_stays() {
    let sandbox = start().await;
    batch(&sandbox, vec![pet("same"), by_email("mail")]).await;
    let mut other_target = by_email("mail");
    other_target["objectId"] = sandbox.event(PET, "mail").unwrap().object_id.unwrap().into();
    let mut other_timestamp = pet("stamped");
    other_timestamp["timestamp"] = json!("2026-05-04T09:15:00.000Z");
    batch(&sandbox, vec![other_timestamp.clone()]).await;
    other_timestamp["timestamp"] = json!("2026-05-04T09:15:01.000Z");
    let mut other_extra = pet("same");
    other_extra["extraData"] = json!({"note": "vaccinated"});

    let inputs = vec![renamed("same"), pet("new"), other_target, other_timestamp, other_extra];
    let (status, body) = status_and_json(batch(&sandbox, inputs).await).await;
    assert_eq!(status, 207, "{body}");
    assert_eq!(result_ids(&body), ["new"]);
    assert_eq!(body["numErrors"], 4);
    for (error, id) in body["errors"].as_array().unwrap().iter().zip(["same", "mail", "stamped", "same"]) {
        assert_id_in_use(error, id);
    }
    assert_eq!(sandbox.event(PET, "same").unwrap().tokens["petName"], "Rex");
    assert_eq!(sandbox.events().len(), 4);
    assert_eq!(sandbox.stats().inputs_rejected, 4);
}

#[tokio::test]
async fn replace_stores_a_resend_over_the_old_event() {
    let sandbox = builder().duplicate_ids(DuplicateIds::Replace).start().await.unwrap();
    batch(&sandbox, vec![pet("same")]).await;
    let (status, body) = status_and_json(batch(&sandbox, vec![renamed("same")]).await).await;

    assert_eq!(status, 201, "{body}");
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].tokens["petName"], "Max");
    assert_eq!(sandbox.stats().inputs_stored, 2);
    assert_eq!(sandbox.received(PET, "same"), 2);
}

#[tokio::test]
async fn reject_refuses_even_an_identical_resend() {
    let sandbox = builder().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    batch(&sandbox, vec![pet("same")]).await;
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("same"), pet("other")]).await).await;

    assert_eq!(status, 207, "{body}");
    assert_eq!(result_ids(&body), ["other"]);
    assert_id_in_use(&body["errors"][0], "same");
    assert_eq!(sandbox.events().len(), 2);
}

#[tokio::test]
async fn a_repeat_inside_one_batch_is_a_repeat_of_the_earlier_input() {
    let accepting = start().await;
    let (status, body) =
        status_and_json(batch(&accepting, vec![pet("twice"), pet("twice"), renamed("twice")]).await).await;
    assert_eq!(status, 207, "{body}");
    assert_eq!(result_ids(&body), ["twice", "twice"]);
    assert_eq!(body["results"][0], body["results"][1]);
    assert_id_in_use(&body["errors"][0], "twice");
    assert_eq!(accepting.events().len(), 1);
    assert_eq!(accepting.event(PET, "twice").unwrap().tokens["petName"], "Rex");
    assert_eq!(accepting.received(PET, "twice"), 3);

    let rejecting = builder().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let (status, body) = status_and_json(batch(&rejecting, vec![pet("twice"), pet("twice")]).await).await;
    assert_eq!(status, 207, "{body}");
    assert_id_in_use(&body["errors"][0], "twice");

    let replacing = builder().duplicate_ids(DuplicateIds::Replace).start().await.unwrap();
    let (status, _) = status_and_json(batch(&replacing, vec![pet("twice"), renamed("twice")]).await).await;
    assert_eq!(status, 201);
    assert_eq!(replacing.event(PET, "twice").unwrap().tokens["petName"], "Max");
}

#[tokio::test]
async fn under_whole_batch_refusal_an_id_in_use_refuses_the_batch_and_stores_nothing() {
    let sandbox = builder().reject_invalid_batches(true).start().await.unwrap();
    batch(&sandbox, vec![pet("kept")]).await;
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("fresh"), renamed("kept")]).await).await;

    assert_eq!(status, 400, "{body}");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    let detail = &body["errors"][0];
    assert_eq!(detail["in"], "inputs[1].id");
    assert_eq!(detail["message"], ID_IN_USE);
    assert_eq!(detail["context"]["id"], json!(["kept"]));
    assert!(sandbox.event(PET, "fresh").is_none());
    assert_eq!(sandbox.event(PET, "kept").unwrap().tokens["petName"], "Rex");
}

#[tokio::test]
async fn the_single_create_route_answers_400_with_hubspots_body() {
    let sandbox = start().await;
    let (status, created) = status_and_json(post_json(&sandbox, SINGLE, &pet("one")).await).await;
    assert_eq!(status, 201);
    let (status, again) = status_and_json(post_json(&sandbox, SINGLE, &pet("one")).await).await;
    assert_eq!((status, &again), (201, &created));

    let (status, refused) = status_and_json(post_json(&sandbox, SINGLE, &renamed("one")).await).await;
    assert_eq!(status, 400);
    assert_id_in_use(&refused, "one");
    assert!(refused["correlationId"].as_str().is_some_and(|id| !id.is_empty()), "{refused}");
    assert_eq!(sandbox.event(PET, "one").unwrap().tokens["petName"], "Rex");
    assert_eq!(sandbox.received(PET, "one"), 3);
}

#[tokio::test]
async fn ids_with_a_uuid_placeholder_never_repeat() {
    let sandbox = builder().duplicate_ids(DuplicateIds::Reject).start().await.unwrap();
    let (status, first) = status_and_json(batch(&sandbox, vec![pet("run-{{uuid}}"), pet("run-{{uuid}}")]).await).await;
    let (status_again, _) = status_and_json(batch(&sandbox, vec![pet("run-{{uuid}}")]).await).await;

    assert_eq!((status, status_again), (201, 201), "{first}");
    assert_ne!(first["results"][0]["id"], first["results"][1]["id"]);
    assert_eq!(sandbox.events().len(), 3);
    assert_eq!(sandbox.received(PET, "run-{{uuid}}"), 3);
}
