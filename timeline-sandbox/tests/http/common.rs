//! Templates, a client and small helpers shared by the HTTP tests.

use serde_json::{Value, json};
use timeline_sandbox::{Sandbox, SandboxBuilder};

/// The contact template `1001298` (tokens petName, petAge, adoptedOn, breed).
pub const PET: &str = "1001298";
/// The deal template `1004521` (token amount).
pub const DEAL: &str = "1004521";
/// A bearer token for tests that accept any.
pub const TOKEN: &str = "test-token";

/// A builder holding the test templates.
pub fn builder() -> SandboxBuilder {
    Sandbox::builder().templates_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/templates"))
}

/// A started sandbox with the test templates and defaults.
pub async fn start() -> Sandbox {
    builder().start().await.unwrap()
}

/// A valid pet input with this id.
pub fn pet(id: &str) -> Value {
    json!({
        "eventTemplateId": PET,
        "id": id,
        "objectId": "5120345",
        "tokens": {"petName": "Rex", "petAge": "3", "adoptedOn": "1777886100000", "breed": "lab"}
    })
}

/// An HTTP client with no pooling surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Posts `inputs` to batch create with the test token.
pub async fn batch(sandbox: &Sandbox, inputs: Vec<Value>) -> reqwest::Response {
    post_json(sandbox, "/integrators/timeline/v3/events/batch/create", &json!({ "inputs": inputs })).await
}

/// Posts a JSON body with the test token.
pub async fn post_json(sandbox: &Sandbox, path: &str, body: &Value) -> reqwest::Response {
    client().post(format!("{}{path}", sandbox.url())).bearer_auth(TOKEN).json(body).send().await.unwrap()
}

/// Reads a response's status and JSON body.
pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap();
    (status, body)
}

/// Posts a batch of one pet event with id `id` to batch create with `token`.
pub async fn pet_as(sandbox: &Sandbox, token: &str, id: &str) -> reqwest::Response {
    client()
        .post(format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url()))
        .bearer_auth(token)
        .json(&json!({ "inputs": [pet(id)] }))
        .send()
        .await
        .unwrap()
}

/// Posts `inputs` to batch create with `token` on `http`, and returns the status.
pub async fn batch_as(http: &reqwest::Client, sandbox: &Sandbox, token: &str, inputs: Vec<Value>) -> u16 {
    http.post(format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url()))
        .bearer_auth(token)
        .json(&json!({ "inputs": inputs }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The directory of the test app-event definitions: `webinar_registered`
/// (CONTACT: webinarName, seats, startsOn, webinarType), `deal_won` (DEAL:
/// amount) and `shipment_sent` (custom objects: carrier).
pub const APP_EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/app-events");
/// The contact app-event type.
pub const WEBINAR: &str = "webinar_registered";
/// The path of one app-event occurrence.
pub const APP_EVENT: &str = "/integrators/timeline/2026-03/events";
/// The path of an app-event batch.
pub const APP_EVENT_BATCH: &str = "/integrators/timeline/2026-03/events/batch";

/// A builder holding the test templates and app-event types.
pub fn app_builder() -> SandboxBuilder {
    builder().app_events_from_dir(APP_EVENTS)
}

/// A valid webinar occurrence with this id.
pub fn webinar(id: &str) -> Value {
    json!({
        "eventTypeName": WEBINAR,
        "id": id,
        "objectId": "5120345",
        "timestamp": "2026-05-04T09:15:00Z",
        "properties": {"webinarName": "Q2 roadmap", "seats": "40", "startsOn": "1777886100000", "webinarType": "ama"}
    })
}

/// Posts `inputs` to the app-event batch route with `token`.
pub async fn app_batch_as(sandbox: &Sandbox, token: &str, inputs: Vec<Value>) -> reqwest::Response {
    client()
        .post(format!("{}{APP_EVENT_BATCH}", sandbox.url()))
        .bearer_auth(token)
        .json(&json!({ "inputs": inputs }))
        .send()
        .await
        .unwrap()
}

/// Posts `inputs` to the app-event batch route with the test token.
pub async fn app_batch(sandbox: &Sandbox, inputs: Vec<Value>) -> reqwest::Response {
    app_batch_as(sandbox, TOKEN, inputs).await
}

pub use timeline_testkit::openapi::{assert_matches_schema, schema_validator};
