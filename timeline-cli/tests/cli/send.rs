//! `timeline send`: 10 000 lines, killed partway, resumed, nothing lost or
//! duplicated, bad lines reported; a changed events file refused until
//! `--restart`, a grown one resumed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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
        (7_777, "encoding"),          // no target
        (9_999, "validation"),        // an email the sandbox refuses
    ])
}

pub(crate) fn line(number: u64) -> String {
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

/// Lines `numbers` of the events file, each with its newline.
pub(crate) fn lines(numbers: std::ops::RangeInclusive<u64>) -> String {
    numbers.map(|number| line(number) + "\n").collect()
}

fn write_events(path: &Path) {
    std::fs::write(path, lines(1..=LINES)).unwrap();
}

/// A scratch folder holding the pet template's file.
pub(crate) fn folder_with_template(name: &str) -> PathBuf {
    let dir = scratch(name);
    let template = crate::common::templates().remove(0);
    std::fs::write(dir.join("1001298.json"), timeline_cli::pull::render(&template)).unwrap();
    dir
}

/// `timeline send` of `dir/events.ndjson`, checkpointing every `checkpoint_every` lines.
pub(crate) fn send_command(dir: &Path, url: &str, checkpoint_every: u64) -> tokio::process::Command {
    let mut command = timeline();
    command
        .arg("send")
        .arg("--template")
        .arg(dir.join("1001298.json"))
        .arg(dir.join("events.ndjson"))
        .args(["--checkpoint-every", &checkpoint_every.to_string(), "--batch-size", "100", "--max-in-flight", "2"])
        .args(["--rate-limit", "100000", "--no-progress", "--base-url", url]);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn send_resumes_after_a_kill_without_losing_or_duplicating_and_reports_bad_lines() {
    let sandbox = sandbox(Duration::from_millis(40)).await;
    let dir = folder_with_template("send");
    write_events(&dir.join("events.ndjson"));
    let checkpoint_path = dir.join("events.ndjson.checkpoint");

    // First run: killed once at least two chunks are done.
    let mut child = send_command(&dir, sandbox.url(), 500).spawn().unwrap();
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
    let output = run(&mut send_command(&dir, sandbox.url(), 500)).await;
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
    let expected: BTreeSet<String> =
        (1..=LINES).filter(|number| !bad.contains_key(number)).map(|number| format!("adoption-{number}")).collect();
    assert_eq!(stored_set, expected.iter().collect());
    // Only the chunk under way when the first run was killed may have been
    // delivered twice; every line before the checkpoint reached HubSpot once.
    let in_flight_at_kill = at_kill.lines + 1..=at_kill.lines + 500;
    let mut delivered_again = 0;
    for number in (1..=LINES).filter(|number| !bad.contains_key(number) || *number == 9_999) {
        let received = sandbox.received("1001298", &format!("adoption-{number}"));
        match received {
            1 => {}
            2 if in_flight_at_kill.contains(&number) => delivered_again += 1,
            _ => panic!("line {number} reached the sandbox {received} times (killed after line {})", at_kill.lines),
        }
    }
    assert!(delivered_again <= 500, "{delivered_again}");

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

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_events_file_is_refused_until_restart_sends_it_from_line_one() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-changed");
    let (events, checkpoint_path) = (dir.join("events.ndjson"), dir.join("events.ndjson.checkpoint"));
    std::fs::write(&events, lines(1..=20)).unwrap();
    let first = run(&mut send_command(&dir, sandbox.url(), 5)).await;
    assert_eq!(first.status.code(), Some(1), "line 17 fails: {}", stderr(&first));
    assert_eq!(sandbox.stats().inputs_received, 19);

    // Line 3 edited after it was sent.
    let edited = lines(1..=20).replace("\"pet 3\"", "\"pet three\"");
    assert_ne!(edited, lines(1..=20));
    std::fs::write(&events, &edited).unwrap();
    let checkpoint_before = std::fs::read(&checkpoint_path).unwrap();
    let refused = run(&mut send_command(&dir, sandbox.url(), 5)).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains(&format!("{} changed since its checkpoint was written", events.display())), "{message}");
    assert!(message.contains("lines 1 to 20, already sent) are not what they were"), "{message}");
    assert!(message.contains("pass --restart"), "{message}");
    assert_eq!(sandbox.stats().inputs_received, 19, "a refused run sends nothing");
    assert_eq!(std::fs::read(&checkpoint_path).unwrap(), checkpoint_before, "a refused run keeps the checkpoint");

    // --restart: every line again, from line 1, with a new failures file.
    let restarted = run(send_command(&dir, sandbox.url(), 5).arg("--restart")).await;
    let stdout = String::from_utf8_lossy(&restarted.stdout);
    assert_eq!(restarted.status.code(), Some(1), "{stdout} {}", stderr(&restarted));
    assert!(!stderr(&restarted).contains("resuming"), "{}", stderr(&restarted));
    // Line 3 now holds other content under an id HubSpot already stored: a
    // conflict, reported; the other lines are identical resends, stored once.
    assert!(stdout.contains("20 lines done: 18 events stored, 2 failed"), "{stdout}");
    assert_eq!(sandbox.stats().inputs_received, 38);
    assert_eq!(sandbox.event("1001298", "adoption-3").unwrap().tokens["petName"], "pet 3");
    let failures = std::fs::read_to_string(dir.join("events.ndjson.failed.ndjson")).unwrap();
    let failed_lines: Vec<u64> = failures
        .lines()
        .map(|record| serde_json::from_str::<serde_json::Value>(record).unwrap()["line"].as_u64().unwrap())
        .collect();
    assert_eq!(failed_lines, [3, 17], "{failures}");
    assert!(failures.lines().next().unwrap().contains(r#""kind":"duplicate_id""#), "{failures}");

    // The new checkpoint resumes the edited file.
    let again = run(&mut send_command(&dir, sandbox.url(), 5)).await;
    assert!(stderr(&again).contains("resuming after line 20"), "{}", stderr(&again));
    assert_eq!(sandbox.stats().inputs_received, 38);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_events_file_that_only_grew_resumes_and_sends_just_the_new_lines() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-grown");
    let events = dir.join("events.ndjson");
    std::fs::write(&events, lines(1..=10)).unwrap();
    let first = run(&mut send_command(&dir, sandbox.url(), 4)).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(sandbox.stats().inputs_received, 10);

    std::fs::write(&events, lines(1..=15)).unwrap();
    let resumed = run(&mut send_command(&dir, sandbox.url(), 4)).await;
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(resumed.status.code(), Some(0), "{stdout} {}", stderr(&resumed));
    let appended = lines(11..=15).len();
    assert!(
        stderr(&resumed).contains(&format!(
            "resuming after line 10 ({}); {appended} bytes were appended since",
            dir.join("events.ndjson.checkpoint").display()
        )),
        "{}",
        stderr(&resumed)
    );
    assert!(stdout.contains("15 lines done: 15 events stored, 0 failed"), "{stdout}");
    assert_eq!(sandbox.stats().inputs_received, 15, "only the appended lines are sent");
    let stored: BTreeSet<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, (1..=15).map(|number| format!("adoption-{number}")).collect());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_without_a_fingerprint_is_refused_with_the_restart_advice() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = folder_with_template("send-old-checkpoint");
    std::fs::write(dir.join("events.ndjson"), lines(1..=3)).unwrap();
    let offset = lines(1..=2).len();
    std::fs::write(
        dir.join("events.ndjson.checkpoint"),
        format!(r#"{{"templateId": "1001298", "lines": 2, "offset": {offset}, "failuresBytes": 0, "created": 2, "failed": 0}}"#),
    )
    .unwrap();
    let output = run(&mut send_command(&dir, sandbox.url(), 5)).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no fingerprint of the events file"), "{}", stderr(&output));
    assert!(stderr(&output).contains("pass --restart"), "{}", stderr(&output));
    assert_eq!(sandbox.stats().inputs_received, 0);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_limit_stops_the_run_before_unsent_lines_and_a_rerun_continues() {
    let limited = timeline_sandbox::Sandbox::builder()
        .templates(crate::common::templates())
        .no_rate_limit()
        .daily_limit(3)
        .start()
        .await
        .unwrap();
    let dir = folder_with_template("send-daily");
    let checkpoint_path = dir.join("events.ndjson.checkpoint");
    std::fs::write(dir.join("events.ndjson"), lines(1..=30)).unwrap();
    let stopped = run(&mut send_command(&dir, limited.url(), 5)).await;
    assert_eq!(stopped.status.code(), Some(2), "{}", stderr(&stopped));
    let message = stderr(&stopped);
    assert!(message.contains("daily request limit is reached"), "{message}");
    assert!(message.contains("stopped before line 16") && message.contains("rerun"), "{message}");
    let checkpoint = Checkpoint::load(&checkpoint_path).unwrap().unwrap();
    assert_eq!((checkpoint.lines, checkpoint.created, checkpoint.failed), (15, 15, 0));
    assert_eq!(limited.stats().requests, 4, "three chunks sent, one refused, none after it");
    let failures = std::fs::read_to_string(dir.join("events.ndjson.failed.ndjson")).unwrap_or_default();
    assert!(!failures.contains("rate_limited"), "unsent lines are not failures: {failures}");

    // The next day (a sandbox with its limit to spend): the run continues at line 16.
    let next_day = sandbox(Duration::ZERO).await;
    let resumed = run(&mut send_command(&dir, next_day.url(), 5)).await;
    assert!(stderr(&resumed).contains("resuming after line 15"), "{}", stderr(&resumed));
    assert_eq!(resumed.status.code(), Some(1), "line 17 fails: {}", stderr(&resumed));
    let stored: BTreeSet<String> = next_day.events().into_iter().map(|event| event.id).collect();
    let expected: BTreeSet<String> = (16..=30).filter(|n| *n != 17).map(|n| format!("adoption-{n}")).collect();
    assert_eq!(stored, expected);
    let last = Checkpoint::load(&checkpoint_path).unwrap().unwrap();
    assert_eq!((last.lines, last.created, last.failed), (30, 29, 1));
    limited.shutdown().await;
    next_day.shutdown().await;
}
