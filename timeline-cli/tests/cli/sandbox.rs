//! `timeline sandbox`: the sandbox as a process, serving the templates of a folder.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{run, scratch, stderr, templates, timeline};

#[tokio::test]
async fn the_sandbox_command_serves_a_template_folder_that_pull_reads_back() {
    let dir = scratch("sandbox");
    let held = dir.join("held");
    std::fs::create_dir_all(&held).unwrap();
    for template in templates() {
        std::fs::write(held.join(format!("{}.json", template.id)), timeline_cli::pull::render(&template)).unwrap();
    }
    let mut sandbox = timeline()
        .args(["sandbox", "--port", "0", "--rate-limit", "0", "--templates"])
        .arg(&held)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap()).read_line(&mut first_line).await.unwrap();
    let url = first_line.trim().strip_prefix("timeline sandbox listening on ").expect("the URL comes first").to_owned();

    let pulled = dir.join("pulled");
    let output =
        run(timeline().args(["templates", "pull", "--app-id", "7", "--base-url", &url, "--out"]).arg(&pulled)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    for template in templates() {
        let name = format!("{}.json", template.id);
        assert_eq!(std::fs::read(pulled.join(&name)).unwrap(), std::fs::read(held.join(&name)).unwrap(), "{name}");
    }
    sandbox.kill().await.unwrap();
}
