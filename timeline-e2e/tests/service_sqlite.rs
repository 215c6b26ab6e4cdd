//! The example service (`examples/service`) as a process on its SQLite
//! outbox, against the `timeline-sandbox` binary: a registration is answered
//! 202 and stored in the sandbox, a bad body 400 with a JSON error, and
//! SIGTERM stops the service with exit status 0.
//!
//! The test builds both binaries first (`cargo build`, in the same target
//! folder, so after the first run that is quick).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod service_binary;

use service_binary::{build_sandbox, build_service, signal, start, wait_exit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_accepts_a_registration_delivers_it_and_stops_on_sigterm() {
    let (sandbox_bin, service_bin) = (build_sandbox(), build_service());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();

    let (mut sandbox, sandbox_url) = start(
        Command::new(sandbox_bin)
            .args(["--port", "0", "--templates"])
            .arg(root.join("examples/service/timeline"))
            .args(["--account-token", "101=tok-101", "--account-token", "102=tok-102"]),
    );

    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    std::fs::write(&tokens, r#"{"101": "tok-101", "102": "tok-102"}"#).unwrap();
    let (mut service, service_url) = start(
        Command::new(service_bin)
            .args(["--listen", "127.0.0.1:0", "--hubspot-base-url", &sandbox_url, "--outbox"])
            .arg(format!("sqlite:{}", dir.path().join("outbox.sqlite").display()))
            .arg("--tokens")
            .arg(&tokens),
    );

    let http = reqwest::Client::new();
    let registration = serde_json::json!({
        "registrationId": "r-1", "email": "a@b.co", "webinar": "Q2 roadmap", "registeredAt": "2026-05-04T09:15:00Z"
    });
    let answer =
        http.post(format!("{service_url}/accounts/101/registrations")).json(&registration).send().await.unwrap();
    assert_eq!(answer.status(), 202);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["eventId"], "reg-101-r-1");

    let bad =
        http.post(format!("{service_url}/accounts/101/registrations")).body(r#"{"email": 3}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let error: serde_json::Value = bad.json().await.unwrap();
    assert!(error["error"].is_string(), "{error}");

    // The event reaches the sandbox, in account 101.
    let give_up = Instant::now() + Duration::from_secs(60);
    let stored = loop {
        let events: serde_json::Value =
            http.get(format!("{sandbox_url}/_sandbox/events?account=101")).send().await.unwrap().json().await.unwrap();
        let results = events["results"].as_array().cloned().unwrap_or_default();
        if !results.is_empty() || Instant::now() > give_up {
            break results;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["id"], "reg-101-r-1");
    assert_eq!(stored[0]["eventTemplateId"], "1009001");
    assert_eq!(stored[0]["tokens"]["webinar"], "Q2 roadmap");

    signal(&service.0, libc::SIGTERM);
    let status = wait_exit(&mut service.0, Duration::from_secs(30));
    assert!(status.success(), "the service exited with {status}");
    signal(&sandbox.0, libc::SIGTERM);
    wait_exit(&mut sandbox.0, Duration::from_secs(30));
}
