//! `timeline send`: 10 000 lines, killed partway, resumed, nothing lost or
//! duplicated, bad lines reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use timeline_cli::send::checkpoint::Checkpoint;

use crate::common::{run, sandbox, scratch, stderr, timeline};

const LINES: u64 = 10_000;

/// The bad lines (1-based) and the kind of failure each must get.
fn bad_lines() -> BTreeMap<u64, &'static str> {
    BTreeMap::from([
        (17, "template_mismatch"),    // unknown token
        (1_234, "template_mismatch"), // number token that is not a number
        (4_321, "template_mismatch"), // not an option
        (6_000, "unreadable_line"),   // not JSON
        (7_777, "template_mismatch"), // no target
        (9_999, "validation"),        // an email the sandbox refuses
    ])
}

fn line(number: u64) -> String {
    let breed = ["golden-retriever", "beagle", "mixed"][(number % 3) as usize];
    let good = serde_json::json!({
        "id": format!("adoption-{number}"),
        "objectId": (number % 50 + 1).to_string(),
        "timestamp": 1_777_886_100_000u64 + number,
        "tokens": {"petName": format!("pet {number}"), "petAge": number % 15, "adoptedOn": "2026-05-04", "breed": breed},
    });
    let mut value = good.clone();
    match number {
        17 => value["tokens"]["petAgee"] = 3.into(),
        1_234 => value["tokens"]["petAge"] = "three".into(),
        4_321 => value["tokens"]["breed"] = "poodle".into(),
        6_000 => return "{not json".to_owned(),
        7_777 => {
            value.as_object_mut().unwrap().remove("objectId");
        }
        9_999 => {
            value.as_object_mut().unwrap().remove("objectId");
            value["email"] = "not-an-email".into();
        }
        _ => {}
    }
    value.to_string()
}

fn write_events(path: &Path) {
    let text: String = (1..=LINES).map(|number| line(number) + "\n").collect();
    std::fs::write(path, text).unwrap();
}

fn send_command(dir: &Path, url: &str) -> tokio::process::Command {
    let mut command = timeline();
    command
        .arg("send")
        .arg("--template")
        .arg(dir.join("1001298.json"))
        .arg(dir.join("events.ndjson"))
        .args(["--checkpoint-every", "500", "--batch-size", "100", "--max-in-flight", "2"])
        .args(["--rate-limit", "100000", "--no-progress", "--base-url", url]);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn send_resumes_after_a_kill_without_losing_or_duplicating_and_reports_bad_lines() {
    let sandbox = sandbox(Duration::from_millis(40)).await;
    let dir = scratch("send");
    let template = crate::common::templates().remove(0);
    std::fs::write(dir.join("1001298.json"), timeline_cli::pull::render(&template)).unwrap();
    write_events(&dir.join("events.ndjson"));
    let checkpoint_path = dir.join("events.ndjson.checkpoint");

    // First run: killed once at least two chunks are done.
    let mut child = send_command(&dir, sandbox.url()).spawn().unwrap();
    let at_kill = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the first run ended ({status}) before it could be stopped");
        }
        if let Ok(Some(checkpoint)) = Checkpoint::load(&checkpoint_path)
            && checkpoint.lines >= 1_000
        {
            child.kill().await.unwrap();
            break Checkpoint::load(&checkpoint_path).unwrap().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(at_kill.lines < LINES, "the run was stopped partway: {at_kill:?}");

    // Second run: resumes and finishes.
    let output = run(&mut send_command(&dir, sandbox.url())).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "failed lines give exit code 1: {stdout} {}", stderr(&output));
    assert!(stderr(&output).contains(&format!("resuming after line {}", at_kill.lines)), "{}", stderr(&output));
    let bad = bad_lines();
    let good = LINES - bad.len() as u64;
    assert!(stdout.contains(&format!("{LINES} lines done: {good} events stored, {} failed", bad.len())), "{stdout}");

    // At the sandbox: every good line once, no bad one.
    let stored: Vec<String> = sandbox
        .events()
        .into_iter()
        .filter(|event| event.event_template_id == "1001298")
        .map(|event| event.id)
        .collect();
    let stored_set: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(stored.len(), stored_set.len());
    let expected: BTreeSet<String> =
        (1..=LINES).filter(|number| !bad.contains_key(number)).map(|number| format!("adoption-{number}")).collect();
    assert_eq!(stored_set, expected.iter().collect());

    // The failures file: each bad line exactly once, with its kind and a reason.
    let failures = std::fs::read_to_string(dir.join("events.ndjson.failed.ndjson")).unwrap();
    let records: Vec<serde_json::Value> = failures.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let reported: BTreeMap<u64, &str> =
        records.iter().map(|record| (record["line"].as_u64().unwrap(), record["kind"].as_str().unwrap())).collect();
    assert_eq!(records.len(), bad.len(), "{failures}");
    assert_eq!(reported, bad);
    let reason_of = |number: u64| {
        records.iter().find(|record| record["line"] == number).unwrap()["reason"].as_str().unwrap().to_owned()
    };
    assert!(reason_of(17).contains("no token `petAgee`"), "{}", reason_of(17));
    assert!(reason_of(4_321).contains("poodle"), "{}", reason_of(4_321));
    assert!(reason_of(9_999).contains("not-an-email"), "{}", reason_of(9_999));

    let last = Checkpoint::load(&checkpoint_path).unwrap().unwrap();
    assert_eq!((last.lines, last.created, last.failed), (LINES, good, bad.len() as u64));
    sandbox.shutdown().await;
}
