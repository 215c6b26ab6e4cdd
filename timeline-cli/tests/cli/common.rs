//! Templates, a sandbox holding them, scratch folders and the binary.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use timeline_sandbox::Sandbox;
use timeline_sandbox::wire::TimelineEventTemplate;

/// The bearer token the binary sends.
pub const TOKEN: &str = "cli-test-token";

/// A contacts template with every token kind, and a deals template with awkward token names.
pub fn templates() -> Vec<TimelineEventTemplate> {
    let pet = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
        "headerTemplate": "{{petName}} adopted", "tokens": [
        {"name": "petName", "label": "Pet name", "type": "string"},
        {"name": "petAge", "label": "Pet age", "type": "number"},
        {"name": "adoptedOn", "label": "Adopted on", "type": "date"},
        {"name": "breed", "label": "Breed", "type": "enumeration", "options": [
            {"label": "Golden retriever", "value": "golden-retriever"}, {"label": "Beagle", "value": "beagle"},
            {"label": "Mixed", "value": "mixed"}]}]}"#;
    let build = r#"{"id": "1004521", "name": "build finished", "objectType": "deals", "tokens": [
        {"name": "type", "label": "Type", "type": "string"},
        {"name": "build.number", "label": "Build", "type": "number"},
        {"name": "id2", "label": "Second id", "type": "string"},
        {"name": "stage", "label": "Stage", "type": "enumeration", "options": [
            {"label": "1st", "value": "1"}, {"label": "Self", "value": "self"}]}]}"#;
    [pet, build].into_iter().map(|json| serde_json::from_str(json).expect("a valid template")).collect()
}

/// A sandbox holding [`templates`], without a rate limit, answering after `latency`.
pub async fn sandbox(latency: Duration) -> Sandbox {
    Sandbox::builder()
        .templates(templates())
        .no_rate_limit()
        .latency(latency)
        .start()
        .await
        .expect("the sandbox starts")
}

/// An empty scratch folder under the target directory, unique to `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = target_dir().join("cli-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch folder is created");
    dir
}

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    workspace_root().join("target")
}

/// The workspace's folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is in the workspace").to_owned()
}

/// The `timeline` binary, with the sandbox's token and no other credentials.
pub fn timeline() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_timeline"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HUBSPOT_ACCESS_TOKEN", TOKEN)
        .kill_on_drop(true);
    command
}

/// Starts `timeline relay` as `command` says and returns it with the URL it
/// prints first (`listening on http://HOST:PORT`).
pub async fn start_relay(command: &mut tokio::process::Command) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut relay = command.stdout(std::process::Stdio::piped()).spawn().expect("the relay starts");
    let mut first_line = String::new();
    tokio::io::BufReader::new(relay.stdout.take().unwrap()).read_line(&mut first_line).await.unwrap();
    let url = first_line.trim().strip_prefix("listening on ").expect("the address comes first").to_owned();
    (relay, url)
}

/// Runs `command` to the end.
pub async fn run(command: &mut tokio::process::Command) -> Output {
    command.output().await.expect("the binary runs")
}

/// The text of stderr, for assertion messages.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
