//! `/metrics` in Prometheus' text format: the dispatcher's counters, the
//! relay's requests and answer times, each account's rows; behind the
//! console's tokens when there is a console.

use serde_json::json;

use crate::common::{BATCH, TOKEN, pet};
use crate::console::{READER, dead_letter};

#[tokio::test]
async fn metrics_show_the_relays_requests_and_each_accounts_rows_to_a_console_token() {
    let harness = crate::console::with_console_and(|setup| setup.metrics = true).await;
    dead_letter(&harness, "rex-1").await;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("ok-1")] })).await;
    assert_eq!(status, 201, "{answer:#}");

    let metrics = format!("{}/metrics", harness.url);
    let refused = reqwest::Client::new().get(&metrics).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let answer = reqwest::Client::new().get(&metrics).bearer_auth(READER).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = answer.text().await.unwrap();
    for expected in [
        "timeline_relay_requests_total{route=\"/integrators/timeline/v3/events/batch/create\",status=\"201\"}",
        "timeline_relay_answer_seconds_bucket{route=\"/integrators/timeline/v3/events/batch/create\",le=\"",
        "timeline_dispatch_delivered_total",
        "timeline_dispatch_failed_total",
        "timeline_relay_account_dead{account=\"101\"} 1",
        "timeline_relay_account_undelivered{account=\"other\"} 0",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(!text.contains(READER) && !text.contains(TOKEN), "no secret in the metrics");
}
