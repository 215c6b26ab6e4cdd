//! `examples/service` as a binary, for the tests that run it as a process.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The target folder of this test binary's profile (`target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).expect("the test binary sits in target/<profile>/deps").to_path_buf()
}

/// Builds the example service with the Postgres and Redis backends.
pub fn build_service() -> PathBuf {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "-p", "hubspot-timeline", "--example", "service", "--features", "postgres,redis"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir().file_name().is_some_and(|name| name == "release") {
        command.arg("--release");
    }
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build of the service failed");
    profile_dir().join("examples/service")
}

/// A running service, killed when dropped (a failed assertion included).
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` (the service) and reads the URL its first line says it
/// listens on.
pub fn start(command: &mut Command) -> (Running, String) {
    let mut running = Running(command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap());
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let listening = line.split_whitespace().last().unwrap_or_default().to_owned();
    assert!(listening.starts_with("http://127.0.0.1:"), "the service's first line was {line:?}");
    (running, listening)
}

/// Posts the registration `id` of `portal` to the service at `listening`
/// and checks that it was accepted (202).
pub async fn register(listening: &str, portal: u64, id: &str) {
    let body = format!(
        r#"{{"registrationId": "{id}", "email": "{id}@example.com", "webinar": "Q4", "registeredAt": "2026-12-01T09:15:00Z"}}"#
    );
    let answer = reqwest::Client::new()
        .post(format!("{listening}/portals/{portal}/registrations"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202, "the service refused registration {id}");
}
