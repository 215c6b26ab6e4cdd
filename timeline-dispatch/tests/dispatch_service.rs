//! The example service (`examples/service`) as a process, against the
//! `timeline-sandbox` binary: a registration is answered 202 and stored in
//! the sandbox, a bad body 400 with a JSON error, and SIGTERM stops the
//! service with exit status 0.
//!
//! The test builds both binaries first (`cargo build`, in the same target
//! folder, so after the first run that is quick).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The target folder of this test binary's profile (`target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).expect("the test binary sits in target/<profile>/deps").to_path_buf()
}

/// Builds `args` (a package's binary or example) with cargo.
fn cargo_build(args: &[&str]) {
    let mut command = Command::new(env!("CARGO"));
    command.arg("build").args(args).current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    if profile_dir().file_name().is_some_and(|name| name == "release") {
        command.arg("--release");
    }
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build {args:?} failed");
}

/// Starts `command` and reads the URL at the end of its first stdout line.
fn start(mut command: Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).stdin(Stdio::null()).spawn().expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().last().unwrap_or_default().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "the first line was {line:?}");
    (child, url)
}

fn sigterm(child: &Child) {
    // SAFETY: kill only sends a signal to the child this test owns.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

/// Waits for `child` to exit, at most `limit` (a hang guard).
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let give_up = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("the process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_accepts_a_registration_delivers_it_and_stops_on_sigterm() {
    cargo_build(&["-p", "timeline-sandbox", "--bin", "timeline-sandbox"]);
    cargo_build(&["-p", "hubspot-timeline", "--example", "service", "--features", "dispatch"]);
    let bin = profile_dir();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();

    let mut sandbox = Command::new(bin.join("timeline-sandbox"));
    sandbox.args(["--port", "0", "--templates"]).arg(root.join("examples/service/timeline")).args([
        "--portal-token",
        "101=tok-101",
        "--portal-token",
        "102=tok-102",
    ]);
    let (mut sandbox, sandbox_url) = start(sandbox);

    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    std::fs::write(&tokens, r#"{"101": "tok-101", "102": "tok-102"}"#).unwrap();
    let mut service = Command::new(bin.join("examples/service"));
    service
        .args(["--listen", "127.0.0.1:0", "--hubspot-base-url", &sandbox_url, "--outbox"])
        .arg(format!("sqlite:{}", dir.path().join("outbox.sqlite").display()))
        .arg("--tokens")
        .arg(&tokens);
    let (mut service, service_url) = start(service);

    let http = reqwest::Client::new();
    let registration = serde_json::json!({
        "registrationId": "r-1", "email": "a@b.co", "webinar": "Q2 roadmap", "registeredAt": "2026-05-04T09:15:00Z"
    });
    let answer =
        http.post(format!("{service_url}/portals/101/registrations")).json(&registration).send().await.unwrap();
    assert_eq!(answer.status(), 202);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["eventId"], "reg-101-r-1");

    let bad =
        http.post(format!("{service_url}/portals/101/registrations")).body(r#"{"email": 3}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let error: serde_json::Value = bad.json().await.unwrap();
    assert!(error["error"].is_string(), "{error}");

    // The event reaches the sandbox, in account 101.
    let give_up = Instant::now() + Duration::from_secs(60);
    let stored = loop {
        let events: serde_json::Value =
            http.get(format!("{sandbox_url}/_sandbox/events?portal=101")).send().await.unwrap().json().await.unwrap();
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

    sigterm(&service);
    let status = wait(&mut service, Duration::from_secs(30));
    assert!(status.success(), "the service exited with {status}");
    sigterm(&sandbox);
    wait(&mut sandbox, Duration::from_secs(30));
}
