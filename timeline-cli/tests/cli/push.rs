//! `timeline templates push`: templates created and updated from files, a
//! change HubSpot refuses refused before any write, and `--dry-run`.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::Sandbox;

use crate::common::{run, sandbox, scratch, stderr, templates, timeline};

/// `timeline templates push FILES… ARGS` against `sandbox`.
async fn push(sandbox: &Sandbox, files: &[PathBuf], args: &[&str]) -> Output {
    run(timeline().args(["templates", "push", "--app-id", "42", "--base-url", sandbox.url()]).args(files).args(args))
        .await
}

/// The pet template's file as `pull` writes it, changed by `edit`, at `dir/1001298.json`.
fn pet_file(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut value = serde_json::to_value(&templates()[0]).unwrap();
    edit(&mut value);
    let path = dir.join("1001298.json");
    std::fs::write(&path, timeline_cli::canonical_json::pretty(value)).unwrap();
    path
}

/// A file defining a new template, without an id.
fn new_file(dir: &Path) -> PathBuf {
    let path = dir.join("signed-up.json");
    let definition = json!({"name": "Signed up", "objectType": "contacts", "headerTemplate": "Signed up on {{plan}}",
        "tokens": [{"name": "plan", "label": "Plan", "type": "string"}]});
    std::fs::write(&path, definition.to_string()).unwrap();
    path
}

/// A change to the pet template: a new name, a relabelled token, a new option, a new token.
fn edited_pet(value: &mut Value) {
    value["name"] = "Pet adopted (v2)".into();
    value["tokens"][0]["label"] = "Name of the pet".into();
    value["tokens"][3]["options"].as_array_mut().unwrap().push(json!({"label": "Poodle", "value": "poodle"}));
    value["tokens"].as_array_mut().unwrap().push(json!({"name": "shelter", "label": "Shelter", "type": "string"}));
}

#[tokio::test]
async fn push_creates_a_template_without_an_id_and_updates_one_with_an_id() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = scratch("push");
    let files = [pet_file(&dir, edited_pet), new_file(&dir)];
    let output = push(&sandbox, &files, &[]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout} {}", stderr(&output));
    assert!(stdout.contains("updated template 1001298 from"), "{stdout}");
    assert!(stdout.contains("add token `shelter`, change token `petName`, change token `breed`"), "{stdout}");
    assert!(stdout.contains("created template"), "{stdout}");

    let held = sandbox.templates();
    assert_eq!(held.len(), 3, "{held:?}");
    let pet = held.iter().find(|template| template.id == "1001298").unwrap();
    assert_eq!(pet.name, "Pet adopted (v2)");
    assert_eq!(pet.tokens[0].label, "Name of the pet");
    let names: Vec<&str> = pet.tokens.iter().map(|token| token.name.as_str()).collect();
    assert_eq!(names, ["petName", "petAge", "adoptedOn", "breed", "shelter"]);
    assert!(pet.tokens[3].options.iter().any(|option| option.value == "poodle"), "{:?}", pet.tokens[3]);
    let created = held.iter().find(|template| template.name == "Signed up").unwrap();
    assert_eq!((created.object_type.as_str(), created.tokens.len()), ("contacts", 1));
    assert_eq!(created.header_template.as_deref(), Some("Signed up on {{plan}}"));
    assert!(stdout.contains(&format!("created template {} (\"Signed up\")", created.id)), "{stdout}");

    // The same file again: nothing left to do, and no write.
    let requests = sandbox.stats().requests;
    let again = push(&sandbox, &files[..1], &[]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing to push"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(sandbox.stats().requests, requests + 1, "only the list of templates");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_change_hubspot_refuses_is_refused_before_any_write() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = scratch("push-refused");
    let before = sandbox.templates();
    let moved = pet_file(&dir, |value| value["objectType"] = "deals".into());
    let retyped = dir.join("build.json");
    let mut build = serde_json::to_value(&templates()[1]).unwrap();
    build["tokens"][1]["type"] = "string".into();
    std::fs::write(&retyped, build.to_string()).unwrap();
    let output = push(&sandbox, &[new_file(&dir), moved.clone(), retyped], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("nothing was pushed"), "{message}");
    assert!(message.contains("template 1001298 is on contacts, the file says deals"), "{message}");
    assert!(message.contains("cannot change a template's object type"), "{message}");
    assert!(
        message.contains("token `build.number` of template 1004521 is a number token, the file says string"),
        "{message}"
    );
    assert_eq!(sandbox.stats().requests, 1, "the list of templates, and no write");
    assert_eq!(sandbox.templates(), before, "the app is unchanged");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let sandbox = sandbox(Duration::ZERO).await;
    let dir = scratch("push-dry-run");
    let before = sandbox.templates();
    let output = push(&sandbox, &[pet_file(&dir, edited_pet), new_file(&dir)], &["--dry-run"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout} {}", stderr(&output));
    assert!(stdout.contains("would update template 1001298 from"), "{stdout}");
    assert!(stdout.contains("change its name, header or detail template"), "{stdout}");
    assert!(stdout.contains("would create template \"Signed up\" (contacts, 1 tokens) from"), "{stdout}");
    assert_eq!(sandbox.stats().requests, 1, "the list of templates, and no write");
    assert_eq!(sandbox.templates(), before);
    sandbox.shutdown().await;
}
