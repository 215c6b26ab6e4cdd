//! `timeline relay`: the relay as a process in front of a sandbox, with a
//! SQLite outbox; it prints where it listens, serves, and exits 0 on SIGTERM.

use std::process::Stdio;

use serde_json::json;
use timeline_sandbox::Sandbox;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{scratch, templates, timeline};

/// The account of the relay's tokens file, and its token.
const ACCOUNT: u64 = 101;
const ACCOUNT_TOKEN: &str = "relay-cli-token";

#[tokio::test]
async fn the_relay_command_serves_a_v3_batch_and_exits_0_on_sigterm() {
    let dir = scratch("relay");
    let sandbox = Sandbox::builder()
        .templates(templates())
        .account_token(ACCOUNT, ACCOUNT_TOKEN)
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let tokens = dir.join("tokens.json");
    std::fs::write(&tokens, json!({ ACCOUNT.to_string(): ACCOUNT_TOKEN }).to_string()).unwrap();
    let mut relay = timeline()
        .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox"])
        .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
        .arg("--tokens")
        .arg(&tokens)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(relay.stdout.take().unwrap()).read_line(&mut first_line).await.unwrap();
    let url = first_line.trim().strip_prefix("listening on ").expect("the address comes first").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first_line}");

    let input =
        json!({"eventTemplateId": "1001298", "id": "cli-relay-1", "objectId": "5", "tokens": {"petName": "Rex"}});
    let answer = reqwest::Client::new()
        .post(format!("{url}/integrators/timeline/v3/events/batch/create"))
        .bearer_auth(ACCOUNT_TOKEN)
        .json(&json!({ "inputs": [input] }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    assert_eq!(sandbox.events_in(ACCOUNT).len(), 1);
    assert_eq!(sandbox.received("1001298", "cli-relay-1"), 1);

    let pid = relay.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let output = relay.wait_with_output().await.unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
}
