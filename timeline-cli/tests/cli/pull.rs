//! `timeline templates pull`.

use std::collections::BTreeMap;
use std::time::Duration;

use timeline_cli::canonical_json;
use timeline_sandbox::wire::TimelineEventTemplate;

use crate::common::{run, sandbox, scratch, stderr, timeline};

#[tokio::test]
async fn pull_writes_every_template_and_a_second_pull_gives_the_same_bytes() {
    let sandbox = sandbox(Duration::ZERO).await;
    let out = scratch("pull");
    let pull = || {
        let mut command = timeline();
        command.args(["templates", "pull", "--app-id", "42", "--out"]).arg(&out).args(["--base-url", sandbox.url()]);
        command
    };
    let first = run(&mut pull()).await;
    assert!(first.status.success(), "{}", stderr(&first));

    let read_all = || -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(&out)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap())
            })
            .collect()
    };
    let files = read_all();
    let held = sandbox.templates();
    assert_eq!(
        files.keys().cloned().collect::<Vec<_>>(),
        held.iter().map(|t| format!("{}.json", t.id)).collect::<Vec<_>>()
    );
    for template in &held {
        let bytes = &files[&format!("{}.json", template.id)];
        let written: TimelineEventTemplate = serde_json::from_slice(bytes).unwrap();
        assert_eq!(&written, template);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text, canonical_json::pretty(serde_json::from_str(&text).unwrap()), "keys are sorted");
    }

    let second = run(&mut pull()).await;
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stderr(&second).contains("2 templates, 0 changed"), "{}", stderr(&second));
    assert_eq!(read_all(), files);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pull_without_credentials_says_so() {
    let out = scratch("pull-no-credentials");
    let output = run(timeline()
        .env_remove("HUBSPOT_ACCESS_TOKEN")
        .args(["templates", "pull", "--app-id", "1", "--out"])
        .arg(&out)
        .args(["--base-url", "http://127.0.0.1:9"]))
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no credentials"), "{}", stderr(&output));
}

#[tokio::test]
async fn pull_check_passes_on_matching_files_and_prints_a_diff_and_exits_1_on_drift() {
    let sandbox = sandbox(Duration::ZERO).await;
    let out = scratch("pull-check");
    let command = |extra: &[&str]| {
        let mut command = timeline();
        command.args(["templates", "pull", "--app-id", "42", "--out"]).arg(&out).args(["--base-url", sandbox.url()]);
        command.args(extra);
        command
    };
    let pulled = run(&mut command(&[])).await;
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    let same = run(&mut command(&["--check"])).await;
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("the 2 templates of app 42 match the files in"), "{stdout}");

    // Key order and spacing do not count; a changed label, a missing file and an extra one do.
    let pet = out.join("1001298.json");
    let compact = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&pet).unwrap()).unwrap(),
    )
    .unwrap();
    std::fs::write(&pet, &compact).unwrap();
    assert_eq!(run(&mut command(&["--check"])).await.status.code(), Some(0));
    std::fs::write(&pet, compact.replace("\"Pet name\"", "\"Name of the pet\"")).unwrap();
    std::fs::remove_file(out.join("1004521.json")).unwrap();
    std::fs::write(out.join("1000001.json"), r#"{"id": "1000001", "name": "Gone", "objectType": "deals"}"#).unwrap();
    std::fs::write(out.join("notes.json"), "{}").unwrap();
    let before: Vec<_> =
        std::fs::read_dir(&out).unwrap().map(|entry| std::fs::read(entry.unwrap().path()).unwrap()).collect();
    let drift = run(&mut command(&["--check"])).await;
    assert_eq!(drift.status.code(), Some(1), "{}", stderr(&drift));
    let diff = String::from_utf8_lossy(&drift.stdout);
    assert!(diff.contains(&format!("--- {}\n+++ app 42, template 1001298\n", pet.display())), "{diff}");
    assert!(diff.contains("-      \"label\": \"Name of the pet\",\n+      \"label\": \"Pet name\",\n"), "{diff}");
    assert!(diff.contains("+++ app 42, template 1004521\n@@ line 1 @@\n+{\n"), "{diff}");
    assert!(diff.contains("+++ app 42: no such template\n@@ line 1 @@\n-{\n"), "{diff}");
    assert!(diff.contains("-  \"name\": \"Gone\",\n"), "{diff}");
    assert!(!diff.contains("notes.json"), "only <id>.json files are template files: {diff}");
    assert!(stderr(&drift).contains("3 of the app's templates and the files in"), "{}", stderr(&drift));
    let after: Vec<_> =
        std::fs::read_dir(&out).unwrap().map(|entry| std::fs::read(entry.unwrap().path()).unwrap()).collect();
    assert_eq!(before, after, "--check writes nothing");
    sandbox.shutdown().await;
}
