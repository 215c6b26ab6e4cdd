//! The `/_sandbox` routes and the Rust handle agree, and reset clears both.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use timeline_sandbox::Stats;

use crate::common::{PET, batch, client, pet, start};

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
async fn receive_counts_include_refused_inputs_are_visible_over_http_and_reset_clears_them() {
    let sandbox = start().await;
    let mut bad = pet("bad");
    bad["tokens"]["petAge"] = "x".into();
    let mut unknown_template = pet("elsewhere");
    unknown_template["eventTemplateId"] = "999".into();
    let mut no_id = pet("none");
    no_id.as_object_mut().unwrap().remove("id");
    batch(&sandbox, vec![pet("one"), bad.clone(), unknown_template, no_id]).await;
    batch(&sandbox, vec![pet("one"), bad]).await;

    let expected = BTreeMap::from([
        ((PET.to_owned(), "bad".to_owned()), 2),
        ((PET.to_owned(), "one".to_owned()), 2),
        (("999".to_owned(), "elsewhere".to_owned()), 1),
    ]);
    assert_eq!(sandbox.received_counts(), expected);
    assert_eq!(sandbox.received(PET, "one"), 2);
    assert_eq!(sandbox.received(PET, "never-sent"), 0);
    let received: Value =
        client().get(format!("{}/_sandbox/received", sandbox.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        received,
        json!({"results": [
            {"eventTemplateId": PET, "id": "bad", "count": 2},
            {"eventTemplateId": PET, "id": "one", "count": 2},
            {"eventTemplateId": "999", "id": "elsewhere", "count": 1},
        ]})
    );

    let reset = client().post(format!("{}/_sandbox/reset", sandbox.url())).send().await.unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert!(sandbox.received_counts().is_empty());
}

#[tokio::test]
async fn shutdown_stops_answering() {
    let sandbox = start().await;
    let url = format!("{}/_sandbox/stats", sandbox.url());
    assert!(client().get(&url).send().await.unwrap().status().is_success());
    sandbox.shutdown().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
