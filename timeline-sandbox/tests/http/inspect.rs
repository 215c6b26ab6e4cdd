//! The `/_sandbox` routes and the Rust handle agree, and reset clears both.

use serde_json::Value;
use timeline_sandbox::Stats;

use crate::common::{batch, client, pet, start};

#[tokio::test]
async fn stored_events_and_stats_are_visible_over_http_and_reset_clears_them() {
    let sandbox = start().await;
    let mut bad = pet("bad");
    bad["tokens"]["petAge"] = "x".into();
    batch(&sandbox, vec![pet("one"), pet("two"), bad]).await;

    let events: Value =
        client().get(format!("{}/_sandbox/events", sandbox.url())).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> =
        events["results"].as_array().unwrap().iter().map(|event| event["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["one", "two"]);
    assert_eq!(events["results"][0], serde_json::to_value(&sandbox.events()[0]).unwrap());

    let stats: Stats =
        client().get(format!("{}/_sandbox/stats", sandbox.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats, sandbox.stats());
    assert_eq!((stats.requests, stats.status_count(207), stats.inputs_received), (1, 1, 3));
    assert_eq!((stats.inputs_stored, stats.inputs_rejected), (2, 1));

    let reset = client().post(format!("{}/_sandbox/reset", sandbox.url())).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert!(sandbox.events().is_empty());
    assert_eq!(sandbox.stats(), Stats::default());

    batch(&sandbox, vec![pet("three")]).await;
    sandbox.reset();
    assert!(sandbox.events().is_empty());
    assert_eq!(sandbox.templates().len(), 2);
}

#[tokio::test]
async fn shutdown_stops_answering() {
    let sandbox = start().await;
    let url = format!("{}/_sandbox/stats", sandbox.url());
    assert!(client().get(&url).send().await.unwrap().status().is_success());
    sandbox.shutdown().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
