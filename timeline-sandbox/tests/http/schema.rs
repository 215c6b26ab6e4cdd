//! The sandbox's answers validate against HubSpot's OpenAPI schemas.

use serde_json::{Value, json};

use crate::common::{
    PET, TOKEN, assert_matches_schema, batch, client, pet, post_json, schema_validator, start, status_and_json,
};

/// Checks `instance` against `#/components/schemas/{name}` of the OpenAPI file.
fn assert_matches(name: &str, instance: &Value) {
    assert_matches_schema("timeline-v3.json", name, instance);
}

#[tokio::test]
async fn event_answers_match_their_schemas() {
    let sandbox = start().await;
    let mut full = pet("schema-full");
    full["extraData"] = json!({"a": [1, 2]});
    full["timelineIFrame"] =
        json!({"linkLabel": "Open", "headerLabel": "Log", "url": "https://x.test", "width": 800, "height": 600});
    let (status, created) = status_and_json(batch(&sandbox, vec![full, pet("schema-2")]).await).await;
    assert_eq!(status, 201);
    assert!(created.get("errors").is_none());
    assert_matches("BatchResponseTimelineEventResponse", &created);

    let mut bad = pet("schema-bad");
    bad["tokens"]["breed"] = json!("poodle");
    let (status, partial) = status_and_json(batch(&sandbox, vec![pet("schema-3"), bad]).await).await;
    assert_eq!(status, 207);
    assert_matches("BatchResponseTimelineEventResponseWithErrors", &partial);
    assert_matches("StandardError", &partial["errors"][0]);

    let (status, single) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/v3/events", &pet("s")).await).await;
    assert_eq!(status, 201);
    assert_matches("TimelineEventResponse", &single);

    let url = format!("{}/integrators/timeline/v3/events/{PET}/schema-full", sandbox.url());
    let (status, fetched) = status_and_json(client().get(url).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_matches("TimelineEventResponse", &fetched);
}

#[tokio::test]
async fn error_answers_match_the_error_schema() {
    let sandbox = crate::common::builder().reject_invalid_batches(true).start().await.unwrap();
    let mut bad = pet("e");
    bad["tokens"]["petAge"] = json!("x");
    let (status, whole) = status_and_json(batch(&sandbox, vec![bad.clone()]).await).await;
    assert_eq!(status, 400);
    assert_matches("Error", &whole);

    let (status, single) = status_and_json(post_json(&sandbox, "/integrators/timeline/v3/events", &bad).await).await;
    assert_eq!(status, 400);
    assert_matches("Error", &single);

    let url = format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url());
    let (status, unauthorized) =
        status_and_json(client().post(&url).json(&json!({"inputs": []})).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_matches("Error", &unauthorized);

    let malformed = client().post(&url).bearer_auth(TOKEN).body("{").send().await.unwrap();
    let (status, malformed) = status_and_json(malformed).await;
    assert_eq!(status, 400);
    assert_matches("Error", &malformed);

    let missing = format!("{}/integrators/timeline/v3/events/{PET}/none", sandbox.url());
    let (status, not_found) = status_and_json(client().get(missing).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert_matches("Error", &not_found);
}

#[tokio::test]
async fn template_and_token_answers_match_their_schemas() {
    let sandbox = start().await;
    let base = format!("{}/integrators/timeline/v3/1/event-templates", sandbox.url());
    let get =
        |url: String| async move { status_and_json(client().get(url).bearer_auth(TOKEN).send().await.unwrap()).await };

    let (status, list) = get(base.clone()).await;
    assert_eq!(status, 200);
    assert_matches("CollectionResponseTimelineEventTemplateNoPaging", &list);

    let create = json!({"name": "Signed up", "objectType": "contacts", "headerTemplate": "Hi",
        "tokens": [{"name": "plan", "label": "Plan", "type": "enumeration", "options": [{"label": "Pro", "value": "pro"}]}]});
    let response = client().post(&base).bearer_auth(TOKEN).json(&create).send().await.unwrap();
    let (status, created) = status_and_json(response).await;
    assert_eq!(status, 201);
    assert_matches("TimelineEventTemplate", &created);
    let id = created["id"].as_str().unwrap();

    let (status, fetched) = get(format!("{base}/{id}")).await;
    assert_eq!(status, 200);
    assert_matches("TimelineEventTemplate", &fetched);

    let update = json!({"id": id, "name": "Signed up!", "tokens": created["tokens"]});
    let response = client().put(format!("{base}/{id}")).bearer_auth(TOKEN).json(&update).send().await.unwrap();
    let (status, updated) = status_and_json(response).await;
    assert_eq!(status, 200);
    assert_matches("TimelineEventTemplate", &updated);

    let token = json!({"name": "seats", "label": "Seats", "type": "number", "options": []});
    let response = client().post(format!("{base}/{id}/tokens")).bearer_auth(TOKEN).json(&token).send().await.unwrap();
    let (status, token) = status_and_json(response).await;
    assert_eq!(status, 200);
    assert_matches("TimelineEventTemplateToken", &token);

    let update = json!({"label": "Seat count", "options": []});
    let response =
        client().put(format!("{base}/{id}/tokens/seats")).bearer_auth(TOKEN).json(&update).send().await.unwrap();
    let (status, token) = status_and_json(response).await;
    assert_eq!(status, 200);
    assert_matches("TimelineEventTemplateToken", &token);
}

#[test]
fn the_schema_check_catches_a_wrong_shape() {
    let validator = schema_validator("timeline-v3.json", "TimelineEventResponse");
    assert!(!validator.is_valid(&json!({"id": "x", "tokens": {}})));
    assert!(validator.is_valid(&json!({"id": "x", "objectType": "contacts", "eventTemplateId": "1", "tokens": {}})));
}
