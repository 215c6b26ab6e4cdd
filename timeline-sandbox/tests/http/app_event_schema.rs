//! The sandbox's app-event answers validate against the schemas of
//! HubSpot's `timeline-2026-03.json`.

use serde_json::{Value, json};

use crate::common::{
    APP_EVENT, WEBINAR, app_batch, app_builder, assert_matches_schema, post_json, schema_validator, status_and_json,
    webinar,
};

/// The 2026-03 timeline file.
const FILE: &str = "timeline-2026-03.json";

/// The validator of `#/components/schemas/{name}` of the 2026-03 file.
fn validator(name: &str) -> jsonschema::Validator {
    schema_validator(FILE, name)
}

/// Checks `instance` against the schema `name`.
fn assert_matches(name: &str, instance: &Value) {
    assert_matches_schema(FILE, name, instance);
}

#[tokio::test]
async fn occurrence_answers_match_their_schemas() {
    let sandbox = app_builder().start().await.unwrap();
    let mut full = webinar("schema-full");
    full["extraData"] = json!({"seat": {"row": 3}});
    full["timelineIFrame"] =
        json!({"linkLabel": "Open", "headerLabel": "Recording", "url": "https://x.test", "width": 800, "height": 600});
    full["domain"] = json!("example.com");
    let (status, batch) = status_and_json(app_batch(&sandbox, vec![full, webinar("schema-2")]).await).await;
    assert_eq!(status, 200);
    assert_matches("BatchResponseAppEventOccurrence", &batch);
    assert_matches("AppEventOccurrence", &batch["results"][0]);

    let (status, single) = status_and_json(post_json(&sandbox, APP_EVENT, &webinar("schema-single")).await).await;
    assert_eq!(status, 201);
    assert_matches("AppEventOccurrence", &single);

    let resolve = json!({"developerSymbol": WEBINAR, "projectName": "p"});
    assert_matches("ExternalAppEventResolutionRequest", &resolve);
    let (status, resolved) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/2026-03/types/projects", &resolve).await).await;
    assert_eq!(status, 200);
    assert_matches("AppEventResolutionResponse", &resolved);

    let url = format!("{}/_sandbox/app-events", sandbox.url());
    let (_, stored) = status_and_json(crate::common::client().get(url).send().await.unwrap()).await;
    for occurrence in stored["results"].as_array().unwrap() {
        assert_matches("AppEventOccurrence", occurrence);
    }
}

#[tokio::test]
async fn error_answers_match_the_error_schema() {
    let sandbox = app_builder().start().await.unwrap();
    let mut bad = webinar("bad");
    bad["properties"]["seats"] = json!("many");
    let (status, invalid) = status_and_json(app_batch(&sandbox, vec![bad.clone()]).await).await;
    assert_eq!(status, 400);
    assert_matches("Error", &invalid);
    let (status, single) = status_and_json(post_json(&sandbox, APP_EVENT, &bad).await).await;
    assert_eq!(status, 400);
    assert_matches("Error", &single);

    assert_eq!(app_batch(&sandbox, vec![webinar("taken")]).await.status().as_u16(), 200);
    let (status, conflict) = status_and_json(app_batch(&sandbox, vec![webinar("taken")]).await).await;
    assert_eq!(status, 409);
    assert_matches("Error", &conflict);

    let unknown = json!({"developerSymbol": "none", "projectName": "p"});
    let (status, not_found) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/2026-03/types/projects", &unknown).await).await;
    assert_eq!(status, 404);
    assert_matches("Error", &not_found);
}

#[test]
fn the_schema_check_catches_a_wrong_shape() {
    let batch = validator("BatchResponseAppEventOccurrence");
    let result = json!({"eventTypeName": "t", "id": "1", "properties": {}});
    let answer = json!({"status": "COMPLETE", "results": [result], "startedAt": "2026-05-04T09:15:00Z",
                        "completedAt": "2026-05-04T09:15:01Z"});
    assert!(batch.is_valid(&answer));
    let mut no_completed = answer.clone();
    no_completed.as_object_mut().unwrap().remove("completedAt");
    assert!(!batch.is_valid(&no_completed));
    let mut v3_shaped = answer;
    v3_shaped["results"][0] = json!({"eventTemplateId": "1", "id": "1", "tokens": {}});
    assert!(!batch.is_valid(&v3_shaped));
    assert!(
        !validator("AppEventOccurrence").is_valid(&json!({"eventTypeName": "t", "id": "1", "properties": {"n": 1}}))
    );
}
