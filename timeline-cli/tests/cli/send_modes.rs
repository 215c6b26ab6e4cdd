//! `timeline send --dry-run`, `-` (standard input) and `--json`.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use timeline_sandbox::Sandbox;

use crate::common::{run, sandbox, stderr, templates, timeline};
use crate::send::{folder_with_template, lines, send_command};

/// The line numbers recorded in the failures file at `path`.
fn failed_lines(path: &Path) -> Vec<u64> {
    let failures = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    failures
        .lines()
        .map(|record| serde_json::from_str::<serde_json::Value>(record).unwrap()["line"].as_u64().unwrap())
        .collect()
}

/// Runs `timeline send --template dir/1001298.json - ARGS` in `dir` with `input` on its standard input.
async fn send_stdin(dir: &Path, url: &str, args: &[&str], input: &str) -> Output {
    let mut child = timeline()
        .current_dir(dir)
        .arg("send")
        .arg("--template")
        .arg(dir.join("1001298.json"))
        .arg("-")
        .args(["--checkpoint-every", "4", "--rate-limit", "100000", "--no-progress", "--base-url", url])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A command that refuses its arguments exits without reading: the pipe
    // may close before the input is written.
    if let Err(error) = stdin.write_all(input.as_bytes()).await {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing the input: {error}");
    }
    drop(stdin);
    child.wait_with_output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_checks_every_line_and_sends_nothing_not_even_for_oauth() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-dry-run");
    std::fs::write(dir.join("events.ndjson"), lines(1..=20) + "{not json\n").unwrap();
    let output = run(send_command(&dir, sandbox.url(), 5)
        .arg("--dry-run")
        .env_remove("HUBSPOT_ACCESS_TOKEN")
        .env("HUBSPOT_CLIENT_ID", "id")
        .env("HUBSPOT_CLIENT_SECRET", "secret")
        .env("HUBSPOT_REFRESH_TOKEN", "refresh"))
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout} {}", stderr(&output));
    assert!(stdout.contains("21 lines checked (dry run, nothing sent): 19 events would be sent, 2 failed"), "{stdout}");
    assert!(stderr(&output).contains("dry run"), "{}", stderr(&output));
    let stats = sandbox.stats();
    assert_eq!((stats.requests, stats.tokens_issued), (0, 0), "{stats:?}");
    assert_eq!(failed_lines(&dir.join("events.ndjson.dry-run.failed.ndjson")), [17, 21]);
    assert!(!dir.join("events.ndjson.checkpoint").exists(), "a dry run writes no checkpoint");
    assert!(!dir.join("events.ndjson.failed.ndjson").exists(), "a dry run leaves the real failures file alone");

    // The real run afterwards starts from line 1 and stores what the dry run passed.
    let real = run(&mut send_command(&dir, sandbox.url(), 5)).await;
    assert_eq!(real.status.code(), Some(1), "{}", stderr(&real));
    assert_eq!(sandbox.stats().inputs_received, 19);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_input_is_sent_without_a_checkpoint_and_json_prints_one_summary_object() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-stdin");
    let output = send_stdin(&dir, sandbox.url(), &["--json"], &lines(11..=20)).await;
    assert_eq!(output.status.code(), Some(1), "line 17 fails: {}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("stdout is one JSON object ({error}): {:?}", output.stdout));
    assert_eq!(
        summary,
        serde_json::json!({
            "lines": 10, "created": 9, "failed": 1, "resumed_at": 0,
            "failures": "stdin.failed.ndjson", "checkpoint": null, "dry_run": false
        })
    );
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored.len(), 9, "{stored:?}");
    assert_eq!(sandbox.received("1001298", "adoption-20"), 1);
    assert_eq!(failed_lines(&dir.join("stdin.failed.ndjson")), [7], "line 17 of the events is line 7 of the pipe");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|name| !name.contains("checkpoint")), "{left:?}");

    // A dry run from standard input, with --json: its own failures file, nothing sent.
    let before = sandbox.stats().requests;
    let dry = send_stdin(&dir, sandbox.url(), &["--json", "--dry-run"], &lines(1..=3)).await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let summary: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["failures"], "stdin.dry-run.failed.ndjson");
    assert_eq!((summary["lines"].as_u64(), summary["created"].as_u64()), (Some(3), Some(3)));
    assert_eq!(sandbox.stats().requests, before);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_input_refuses_resume_options_before_reading_or_sending() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-stdin-refused");
    for refused in [&["--checkpoint", "events.checkpoint"][..], &["--restart"]] {
        let output = send_stdin(&dir, sandbox.url(), refused, &lines(1..=3)).await;
        assert_eq!(output.status.code(), Some(2), "{refused:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("standard input (`-`) cannot be resumed"), "{}", stderr(&output));
    }
    assert_eq!(sandbox.stats().requests, 0);
    sandbox.shutdown().await;
}

/// `send` with OAuth credentials renews on HubSpot's 2026-03 OAuth API,
/// on v1 when `HUBSPOT_OAUTH_API=v1`, and refuses an API it does not know.
#[tokio::test(flavor = "multi_thread")]
async fn oauth_renews_on_the_2026_03_api_unless_the_environment_names_v1() {
    let sandbox = Sandbox::builder()
        .templates(templates())
        .oauth_client("cli-client-id", "cli-client-secret")
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let oauth_send = |name: &str, api: Option<&str>| {
        let dir = folder_with_template(name);
        std::fs::write(dir.join("events.ndjson"), lines(1..=5)).unwrap();
        let mut command = send_command(&dir, sandbox.url(), 5);
        command
            .env_remove("HUBSPOT_ACCESS_TOKEN")
            .env("HUBSPOT_CLIENT_ID", "cli-client-id")
            .env("HUBSPOT_CLIENT_SECRET", "cli-client-secret")
            .env("HUBSPOT_REFRESH_TOKEN", "cli-refresh-token");
        if let Some(api) = api {
            command.env("HUBSPOT_OAUTH_API", api);
        }
        command
    };

    let default = run(&mut oauth_send("send-oauth-default", None)).await;
    assert_eq!(default.status.code(), Some(0), "{}", stderr(&default));
    let stats = sandbox.stats();
    assert_eq!(
        (stats.token_request_2026_03_count("refresh_token"), stats.token_request_count("refresh_token")),
        (1, 1)
    );

    let v1 = run(&mut oauth_send("send-oauth-v1", Some("v1"))).await;
    assert_eq!(v1.status.code(), Some(0), "{}", stderr(&v1));
    let stats = sandbox.stats();
    assert_eq!(
        (stats.token_request_2026_03_count("refresh_token"), stats.token_request_count("refresh_token")),
        (1, 2),
        "the second run renewed on v1"
    );

    let unknown = run(&mut oauth_send("send-oauth-unknown", Some("v3"))).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("HUBSPOT_OAUTH_API") && stderr(&unknown).contains("2026-03"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(sandbox.stats().token_request_count("refresh_token"), 2, "nothing sent");
    sandbox.shutdown().await;
}
