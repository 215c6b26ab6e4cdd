//! `examples/service` and the `timeline-sandbox` binary, for the tests that
//! run them as processes.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The target folder of this test binary's profile (`target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).expect("the test binary sits in target/<profile>/deps").to_path_buf()
}

/// Builds `args` (a package's binary or example) with cargo, in this test
/// binary's target folder and profile.
fn cargo_build(args: &[&str]) {
    let mut command = Command::new(env!("CARGO"));
    command.arg("build").args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir().file_name().is_some_and(|name| name == "release") {
        command.arg("--release");
    }
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build {args:?} failed");
}

/// Builds the example service with the Postgres and Redis backends.
pub fn build_service() -> PathBuf {
    cargo_build(&["-p", "hubspot-timeline", "--example", "service", "--features", "postgres,redis"]);
    profile_dir().join("examples/service")
}

/// Builds the `timeline-sandbox` binary.
pub fn build_sandbox() -> PathBuf {
    cargo_build(&["-p", "timeline-sandbox", "--bin", "timeline-sandbox"]);
    profile_dir().join("timeline-sandbox")
}

/// Sends `signal` (`libc::SIGTERM`, `libc::SIGKILL`, …) to `child`.
pub fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill only sends a signal to a child this test owns.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

/// Waits for `child` to exit, at most `limit` (a hang guard).
pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let give_up = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("a process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let mut running =
        Running(command.stdout(Stdio::piped()).stderr(Stdio::inherit()).stdin(Stdio::null()).spawn().unwrap());
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let listening = line.split_whitespace().last().unwrap_or_default().to_owned();
    assert!(listening.starts_with("http://127.0.0.1:"), "the service's first line was {line:?}");
    (running, listening)
}

/// Posts the registration `id` of `account` to the service at `listening`
/// and checks that it was accepted (202).
pub async fn register(listening: &str, account: u64, id: &str) {
    let body = format!(
        r#"{{"registrationId": "{id}", "email": "{id}@example.com", "webinar": "Q4", "registeredAt": "2026-12-01T09:15:00Z"}}"#
    );
    let answer = reqwest::Client::new()
        .post(format!("{listening}/accounts/{account}/registrations"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202, "the service refused registration {id}");
}
