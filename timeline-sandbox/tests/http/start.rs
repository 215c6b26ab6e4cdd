//! What `start` refuses, and the defaults it starts with.

use serde_json::json;
use timeline_sandbox::wire::TimelineEventTemplate;
use timeline_sandbox::{Sandbox, StartError};

fn template(id: &str, token_name: &str) -> TimelineEventTemplate {
    serde_json::from_value(json!({"id": id, "name": "T", "objectType": "contacts",
        "tokens": [{"name": token_name, "label": "L", "type": "string"}]}))
    .unwrap()
}

async fn refusal(builder: timeline_sandbox::SandboxBuilder) -> String {
    match builder.start().await {
        Err(StartError::Template(problem)) => problem,
        Err(other) => panic!("unexpected error {other}"),
        Ok(sandbox) => panic!("started at {}", sandbox.url()),
    }
}

#[tokio::test]
async fn templates_need_an_id_a_unique_id_and_valid_tokens() {
    assert!(refusal(Sandbox::builder().template(template("", "a"))).await.contains("no id"));
    let twice = Sandbox::builder().templates([template("1", "a"), template("1", "b")]);
    assert!(refusal(twice).await.contains("twice"));
    assert!(refusal(Sandbox::builder().template(template("2", "bad name"))).await.contains("bad name"));
    assert!(refusal(Sandbox::builder().templates_from_dir("/nonexistent/dir")).await.contains("/nonexistent/dir"));
}

#[tokio::test]
async fn the_default_sandbox_listens_on_loopback_with_no_templates() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    assert!(sandbox.addr().ip().is_loopback());
    assert_eq!(sandbox.url(), format!("http://{}", sandbox.addr()));
    assert!(sandbox.templates().is_empty());
    let response = reqwest::Client::new()
        .post(format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url()))
        .bearer_auth("t")
        .json(&json!({"inputs": [{"eventTemplateId": "1", "objectId": "1", "tokens": {}}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 207);
    assert_eq!(response.headers()["x-hubspot-ratelimit-max"], "110");
    assert_eq!(response.headers()["x-hubspot-ratelimit-interval-milliseconds"], "10000");
}

#[tokio::test]
async fn debug_output_shows_no_tokens_or_client_secret() {
    let builder = Sandbox::builder().access_tokens(["token-s3cret"]).oauth_client("client-id", "client-s3cret");
    let shown = format!("{builder:?}");
    assert!(shown.contains("client-id") && !shown.contains("s3cret"), "{shown}");
    let sandbox = builder.start().await.unwrap();
    let shown = format!("{sandbox:?}");
    assert!(shown.contains("1 token(s)") && !shown.contains("s3cret"), "{shown}");
}
