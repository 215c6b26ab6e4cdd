//! The `timeline-sandbox` binary: it prints its URL, loads templates, answers
//! and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::{PET, pet};

/// Kills the child if a test fails before it stops it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Running, String) {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/templates");
    let mut child = Command::new(env!("CARGO_BIN_EXE_timeline-sandbox"))
        .args(["--port", "0", "--templates", templates])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("timeline-sandbox listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    (Running(child), url)
}

#[tokio::test]
async fn the_binary_serves_its_templates_and_stops_on_sigterm() {
    let (mut running, url) = start(&["--access-token", "bin-token"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let http = reqwest::Client::new();

    let templates: Value = http
        .get(format!("{url}/integrators/timeline/v3/1/event-templates?hapikey=k"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(templates["results"].as_array().unwrap().len(), 2);

    let post = |token: &'static str| {
        http.post(format!("{url}/integrators/timeline/v3/events/batch/create"))
            .bearer_auth(token)
            .json(&json!({"inputs": [pet("from-binary")]}))
            .send()
    };
    assert_eq!(post("other").await.unwrap().status().as_u16(), 401);
    assert_eq!(post("bin-token").await.unwrap().status().as_u16(), 201);
    let events: Value = http.get(format!("{url}/_sandbox/events")).send().await.unwrap().json().await.unwrap();
    assert_eq!(events["results"][0]["eventTemplateId"], PET);

    let pid = running.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = running.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(http.get(format!("{url}/_sandbox/stats")).send().await.is_err());
}

#[tokio::test]
async fn the_duplicate_ids_option_chooses_the_behaviour_and_receive_counts_are_served() {
    let (_running, url) = start(&["--duplicate-ids", "reject"]);
    let http = reqwest::Client::new();
    let post = || {
        http.post(format!("{url}/integrators/timeline/v3/events/batch/create"))
            .bearer_auth("any")
            .json(&json!({"inputs": [pet("once")]}))
            .send()
    };
    assert_eq!(post().await.unwrap().status().as_u16(), 201);
    let refused: Value = post().await.unwrap().json().await.unwrap();
    assert_eq!(refused["errors"][0]["message"], "Event ID already in use, please choose a new unique ID");
    let received: Value = http.get(format!("{url}/_sandbox/received")).send().await.unwrap().json().await.unwrap();
    assert_eq!(received, json!({"results": [{"eventTemplateId": PET, "id": "once", "count": 2}]}));

    let output =
        Command::new(env!("CARGO_BIN_EXE_timeline-sandbox")).args(["--duplicate-ids", "sometimes"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("accept-identical") && stderr.contains("replace"), "{stderr}");
}

#[tokio::test]
async fn account_tokens_register_accounts_with_their_own_events() {
    let (_running, url) = start(&["--account-token", "101=tok-a", "--account-token", "102=tok-b"]);
    let http = reqwest::Client::new();
    let post = |token: &'static str, id: &'static str| {
        http.post(format!("{url}/integrators/timeline/v3/events/batch/create"))
            .bearer_auth(token)
            .json(&json!({"inputs": [pet(id)]}))
            .send()
    };
    assert_eq!(post("tok-a", "from-a").await.unwrap().status().as_u16(), 201);
    assert_eq!(post("tok-b", "from-b").await.unwrap().status().as_u16(), 201);
    assert_eq!(post("stranger", "refused").await.unwrap().status().as_u16(), 401);
    let events: Value =
        http.get(format!("{url}/_sandbox/events?account=102")).send().await.unwrap().json().await.unwrap();
    assert_eq!(events["results"].as_array().unwrap().len(), 1);
    assert_eq!(events["results"][0]["id"], "from-b");
    let info: Value =
        http.get(format!("{url}/oauth/v1/access-tokens/tok-a")).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["hub_id"], 101);

    for bad in ["101", "x=tok", "101="] {
        let output =
            Command::new(env!("CARGO_BIN_EXE_timeline-sandbox")).args(["--account-token", bad]).output().unwrap();
        assert!(!output.status.success(), "{bad}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--account-token"), "{bad}");
    }
}

#[test]
fn the_binary_refuses_a_bad_template_directory() {
    let output = Command::new(env!("CARGO_BIN_EXE_timeline-sandbox"))
        .args(["--port", "0", "--templates", "/nonexistent/templates"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/templates"));
}

#[tokio::test]
async fn the_binary_serves_app_events_with_its_options() {
    let app_events = crate::common::APP_EVENTS;
    let (_running, url) = start(&[
        "--app-events",
        app_events,
        "--app-id",
        "77",
        "--max-app-event-batch-inputs",
        "2",
        "--app-event-conflicts-without-ids",
        "--app-event-project",
        "webinars",
    ]);
    let http = reqwest::Client::new();
    let batch = |inputs: Vec<Value>| {
        http.post(format!("{url}/integrators/timeline/2026-03/events/batch"))
            .bearer_auth("t")
            .json(&json!({ "inputs": inputs }))
            .send()
    };
    let webinar = crate::common::webinar;
    assert_eq!(batch(vec![webinar("b-1")]).await.unwrap().status().as_u16(), 200);
    let three = vec![webinar("b-2"), webinar("b-3"), webinar("b-4")];
    assert_eq!(batch(three).await.unwrap().status().as_u16(), 400);
    let conflict: Value = batch(vec![webinar("b-1")]).await.unwrap().json().await.unwrap();
    assert!(!conflict.to_string().contains("b-1"), "{conflict:#}");

    let resolve = |project: &str| {
        http.post(format!("{url}/integrators/timeline/2026-03/types/projects"))
            .bearer_auth("t")
            .json(&json!({"developerSymbol": "webinar_registered", "projectName": project}))
            .send()
    };
    let resolved: Value = resolve("webinars").await.unwrap().json().await.unwrap();
    assert_eq!(resolved["fullyQualifiedName"], "app77-webinar_registered");
    assert_eq!(resolve("other").await.unwrap().status().as_u16(), 404);
    let stored: Value = http.get(format!("{url}/_sandbox/app-events")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stored["results"].as_array().unwrap().len(), 1);
}
