//! `examples/service` as a binary, for the tests that run it as a process.

use std::path::{Path, PathBuf};
use std::process::Command;

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
