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
