//! `timeline send` of app-event lines, checked against a `*-hsmeta.json`
//! definition and sent to the app-event API with the ids the library
//! derives.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use timeline_core::{DerivedId, Target};
use timeline_sandbox::Sandbox;

use crate::common::{run, scratch, stderr, timeline};

const DEFINITION: &str = r#"{
  "uid": "webinar_registered",
  "type": "app-event",
  "config": {
    "name": "Webinar registered",
    "objectType": "CONTACT",
    "headerTemplate": "Registered for {{webinarName}}",
    "detailTemplate": "",
    "properties": [
      { "name": "webinarName", "label": "Webinar name", "type": "string" },
      { "name": "seats", "label": "Seats", "type": "number" },
      { "name": "webinarType", "label": "Webinar type", "type": "enumeration",
        "options": [{ "value": "ama", "label": "AMA" }, { "value": "demo", "label": "Demo" }] }
    ]
  }
}"#;

const LINES: u64 = 40;

/// Line `number`: odd lines bring an id, even ones get a derived one; a few are bad.
fn line(number: u64) -> String {
    let mut value = serde_json::json!({
        "objectId": (7000 + number).to_string(),
        "timestamp": 1_777_886_100_000u64 + number,
        "properties": {"webinarName": format!("Webinar {number}"), "seats": number, "webinarType": "ama"},
    });
    if number % 2 == 1 {
        value["id"] = format!("registration-{number}").into();
    }
    match number {
        5 => value["properties"]["webinarType"] = "workshop".into(),
        6 => value["properties"]["webinarNmae"] = "typo".into(),
        9 => {
            let properties = value.as_object_mut().unwrap().remove("properties").unwrap();
            value["tokens"] = properties;
        }
        12 => {
            value.as_object_mut().unwrap().remove("objectId");
            value["email"] = "not-an-email".into();
        }
        _ => {}
    }
    value.to_string()
}

fn folder(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("app-events")).unwrap();
    std::fs::write(dir.join("app-events/webinar-registered-hsmeta.json"), DEFINITION).unwrap();
    let lines: String = (1..=LINES).map(|number| line(number) + "\n").collect();
    std::fs::write(dir.join("events.ndjson"), lines).unwrap();
    dir
}

fn send(dir: &Path, url: &str) -> tokio::process::Command {
    let mut command = timeline();
    command
        .arg("send")
        .arg("--template")
        .arg(dir.join("app-events/webinar-registered-hsmeta.json"))
        .arg(dir.join("events.ndjson"))
        .args(["--rate-limit", "100000", "--no-progress", "--json", "--base-url", url]);
    command
}

/// The id the library derives for line `number` (an even, good one).
fn derived_id(number: u64) -> String {
    let object_id = (7000 + number).to_string();
    let target = Target { object_id: Some(object_id.as_str().into()), ..Target::default() };
    let at = chrono::DateTime::from_timestamp_millis(1_777_886_100_000 + number as i64).unwrap();
    let mut id = DerivedId::app_event("webinar_registered", &target, Some(at));
    id.token("webinarName", &format!("Webinar {number}"));
    id.token("seats", &number.to_string());
    id.token("webinarType", "ama");
    id.finish(None, None)
}

fn failed_lines(path: &Path) -> Vec<(u64, String)> {
    let failures = std::fs::read_to_string(path).unwrap();
    failures
        .lines()
        .map(|record| {
            let record: serde_json::Value = serde_json::from_str(record).unwrap();
            (record["line"].as_u64().unwrap(), record["kind"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn app_event_lines_are_checked_against_their_definition_and_sent_as_occurrences() {
    let dir = folder("send-app-events");
    let sandbox = Sandbox::builder().app_events_from_dir(dir.join("app-events")).no_rate_limit().start().await.unwrap();
    let output = run(&mut send(&dir, sandbox.url())).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "failed lines give exit code 1: {stdout} {}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((summary["created"].as_u64(), summary["failed"].as_u64()), (Some(36), Some(4)), "{summary}");

    let failed = failed_lines(&dir.join("events.ndjson.failed.ndjson"));
    let mut kinds: Vec<(u64, &str)> = failed.iter().map(|(line, kind)| (*line, kind.as_str())).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [(5, "template_mismatch"), (6, "template_mismatch"), (9, "unreadable_line"), (12, "validation")],
        "an option that is not one, an unknown property, v3 `tokens`, an email HubSpot refuses"
    );

    let stored = sandbox.app_events();
    let ids: BTreeSet<String> = stored.iter().map(|occurrence| occurrence.id.clone()).collect();
    assert_eq!(ids.len(), stored.len(), "an occurrence is stored twice");
    let expected: BTreeSet<String> = (1..=LINES)
        .filter(|number| ![5, 6, 9, 12].contains(number))
        .map(|number| if number % 2 == 1 { format!("registration-{number}") } else { derived_id(number) })
        .collect();
    assert_eq!(ids, expected, "the ids the library derives");
    let occurrence = sandbox.app_event("webinar_registered", &derived_id(8)).unwrap();
    assert_eq!(occurrence.properties["seats"], "8");
    assert!(sandbox.events().is_empty(), "nothing went to the v3 endpoint");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_of_app_event_lines_checks_them_with_the_definition_and_sends_nothing() {
    let dir = folder("send-app-events-dry-run");
    let sandbox = Sandbox::builder().no_rate_limit().start().await.unwrap();
    let output = run(send(&dir, sandbox.url()).arg("--dry-run")).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout} {}", stderr(&output)));
    assert_eq!((summary["created"].as_u64(), summary["failed"].as_u64()), (Some(36), Some(4)), "{summary}");
    assert_eq!(sandbox.stats().requests, 0);
    sandbox.shutdown().await;
}
