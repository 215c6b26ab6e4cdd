//! Event create, batch create and get, and how events are stored.

use serde_json::{Value, json};

use crate::common::{DEAL, PET, TOKEN, batch, client, pet, post_json, start, status_and_json};

#[tokio::test]
async fn a_valid_batch_is_stored_and_answered_with_201() {
    let sandbox = start().await;
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("a-1"), pet("a-2")]).await).await;

    assert_eq!(status, 201);
    assert_eq!(body["status"], "COMPLETE");
    assert!(body.get("errors").is_none() && body.get("numErrors").is_none());
    let ids: Vec<&str> = body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a-1", "a-2"]);
    assert_eq!(body["results"][0]["objectType"], "contacts");
    assert_eq!(body["results"][0]["tokens"]["petAge"], "3");
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["a-1", "a-2"]);
}

#[tokio::test]
async fn a_partly_invalid_batch_stores_the_valid_inputs_and_answers_207() {
    let sandbox = start().await;
    let mut bad = pet("bad-1");
    bad["tokens"]["breed"] = json!("poodle");
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("good-1"), bad, pet("good-2")]).await).await;

    assert_eq!(status, 207);
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["results"].as_array().unwrap().len(), 2);
    let error = &body["errors"][0];
    assert_eq!(error["status"], "error");
    assert_eq!(error["category"], "VALIDATION_ERROR");
    assert_eq!(error["context"]["id"], json!(["bad-1"]));
    assert_eq!(error["errors"][0]["in"], "tokens.breed");
    assert!(error["message"].as_str().unwrap().contains("poodle"), "{error}");
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["good-1", "good-2"]);
    let stats = sandbox.stats();
    assert_eq!((stats.inputs_received, stats.inputs_stored, stats.inputs_rejected), (3, 2, 1));
}

#[tokio::test]
async fn the_same_id_under_two_templates_is_two_events() {
    let sandbox = start().await;
    let deal = json!({"eventTemplateId": DEAL, "id": "shared", "objectId": "77", "tokens": {"amount": "10"}});
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("shared"), deal]).await).await;

    assert_eq!(status, 201);
    assert_eq!(body["results"][1]["objectType"], "deals");
    assert_eq!(sandbox.events().len(), 2);
}

#[tokio::test]
async fn an_input_without_id_gets_a_generated_one_and_uuid_placeholders_are_filled() {
    let sandbox = start().await;
    let mut no_id = pet("x");
    no_id.as_object_mut().unwrap().remove("id");
    let (status, body) = status_and_json(batch(&sandbox, vec![no_id.clone(), no_id, pet("run-{{uuid}}")]).await).await;

    assert_eq!(status, 201);
    let ids: Vec<&str> = body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| !id.is_empty()));
    assert_ne!(ids[0], ids[1]);
    assert!(ids[2].starts_with("run-") && !ids[2].contains("{{"), "{}", ids[2]);
    assert_eq!(sandbox.events().len(), 3);
}

#[tokio::test]
async fn an_email_finds_or_creates_a_contact_whose_object_id_is_returned() {
    let sandbox = start().await;
    let by_email = |id: &str, email: &str| {
        let mut input = pet(id);
        input.as_object_mut().unwrap().remove("objectId");
        input["email"] = json!(email);
        input
    };
    let (_, body) = status_and_json(
        batch(&sandbox, vec![by_email("e-1", "ann@example.com"), by_email("e-2", "bob@example.com")]).await,
    )
    .await;
    let (_, again) = status_and_json(batch(&sandbox, vec![by_email("e-3", "Ann@Example.com")]).await).await;

    let first = body["results"][0]["objectId"].as_str().unwrap();
    let second = body["results"][1]["objectId"].as_str().unwrap();
    assert_ne!(first, second);
    assert_eq!(again["results"][0]["objectId"], first);
}

#[tokio::test]
async fn single_create_answers_201_with_the_event_and_get_finds_it() {
    let sandbox = start().await;
    let (status, created) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/v3/events", &pet("one")).await).await;
    assert_eq!(status, 201);
    assert_eq!(created["id"], "one");
    assert_eq!(created["objectType"], "contacts");

    let url = format!("{}/integrators/timeline/v3/events/{PET}/one", sandbox.url());
    let (status, fetched) = status_and_json(client().get(&url).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(fetched, created);

    let missing = format!("{}/integrators/timeline/v3/events/{PET}/nope", sandbox.url());
    let (status, error) = status_and_json(client().get(&missing).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert_eq!(error["category"], "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn an_invalid_single_create_answers_400_with_the_input_id_in_context() {
    let sandbox = start().await;
    let mut bad = pet("single-bad");
    bad["tokens"]["petAge"] = json!("three");
    let (status, body) = status_and_json(post_json(&sandbox, "/integrators/timeline/v3/events", &bad).await).await;

    assert_eq!(status, 400);
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert_eq!(body["context"]["id"], json!(["single-bad"]));
    assert_eq!(body["errors"][0]["in"], "tokens.petAge");
    assert!(sandbox.events().is_empty());
}

#[tokio::test]
async fn malformed_json_and_bodies_that_are_not_batches_get_400() {
    let sandbox = start().await;
    let url = format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url());
    for body in ["{\"inputs\": [", "[]", "{\"events\": []}", "{\"inputs\": {}}", "{\"inputs\": []}"] {
        let response = client()
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, error) = status_and_json(response).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["category"], "VALIDATION_ERROR", "{body}");
        assert!(error["correlationId"].as_str().is_some_and(|id| !id.is_empty()));
    }
    assert_eq!(sandbox.stats().inputs_received, 0);
}

#[tokio::test]
async fn too_many_inputs_get_400_and_too_large_bodies_get_413() {
    let sandbox = crate::common::builder().max_batch_inputs(3).max_body_bytes(2_000).start().await.unwrap();
    let (status, error) =
        status_and_json(batch(&sandbox, (0..4).map(|i| pet(&format!("m-{i}"))).collect()).await).await;
    assert_eq!(status, 400);
    assert!(error["message"].as_str().unwrap().contains('3'));

    let mut large = pet("large");
    large["extraData"] = json!({ "blob": "x".repeat(3_000) });
    let (status, error) = status_and_json(batch(&sandbox, vec![large]).await).await;
    assert_eq!(status, 413);
    assert_eq!(error["category"], "VALIDATION_ERROR");

    let (status, _) = status_and_json(batch(&sandbox, (0..3).map(|i| pet(&format!("ok-{i}"))).collect()).await).await;
    assert_eq!(status, 201);
    assert_eq!(sandbox.events().len(), 3);
}

#[tokio::test]
async fn the_whole_batch_mode_refuses_a_batch_with_any_invalid_input() {
    let sandbox = crate::common::builder().reject_invalid_batches(true).start().await.unwrap();
    let mut bad = pet("bad");
    bad["tokens"]["adoptedOn"] = json!("yesterday");
    let (status, body) = status_and_json(batch(&sandbox, vec![pet("good"), bad]).await).await;

    assert_eq!(status, 400);
    assert_eq!(body["category"], "VALIDATION_ERROR");
    let detail = &body["errors"][0];
    assert_eq!(detail["in"], "inputs[1].tokens.adoptedOn");
    assert_eq!(detail["context"]["id"], json!(["bad"]));
    assert!(sandbox.events().is_empty());

    let (status, _) = status_and_json(batch(&sandbox, vec![pet("good")]).await).await;
    assert_eq!(status, 201);
    assert_eq!(sandbox.events().len(), 1);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_hubspots_error_body() {
    let sandbox = start().await;
    let response = client().get(format!("{}/crm/v3/nothing", sandbox.url())).send().await.unwrap();
    let (status, body): (u16, Value) = status_and_json(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["category"], "OBJECT_NOT_FOUND");

    let response = client().get(format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url())).send().await;
    let (status, body) = status_and_json(response.unwrap()).await;
    assert_eq!(status, 405);
    assert_eq!(body["category"], "METHOD_NOT_ALLOWED");
}
