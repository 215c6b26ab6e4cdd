//! A HubSpot slower than the ack wait: `status: PENDING` (a v3 batch's in
//! a `207`, which HubSpot's API lists and its Node client takes; a single
//! input's in a `202`), and status routes that follow the events to their
//! end.

use std::time::Duration;

use serde_json::json;

use crate::common::{
    ACCOUNT, BATCH, OTHER_TOKEN, PET, SINGLE, Setup, TOKEN, assert_matches_schema, pet, start, wait_for,
};

#[tokio::test]
async fn a_slow_hubspot_gets_a_pending_answer_with_a_status_link_that_later_says_delivered() {
    let setup =
        Setup { ack_wait: Some(Duration::from_millis(20)), latency: Duration::from_millis(1500), ..Setup::default() };
    let harness = start(setup).await;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("p-1"), pet("p-2")] })).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_eq!(answer["status"], "PENDING");
    assert_matches_schema("timeline-v3.json", "BatchResponseTimelineEventResponseWithErrors", &answer);
    assert_eq!(answer["results"][1]["id"], "p-2", "a pending answer names every input");
    let batch_link = answer["links"]["status"].as_str().unwrap().to_owned();
    assert_eq!(batch_link, format!("{}/relay/v1/events/status", harness.url));

    let (status, single) = harness.post(SINGLE, Some(TOKEN), &pet("p/3 x")).await;
    assert_eq!((status, &single["status"]), (202, &json!("PENDING")), "{single:#}");
    let link = single["links"]["status"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("{}/relay/v1/events/{PET}/p%2F3%20x", harness.url));
    let (status, now) = harness.get(&link, TOKEN).await;
    assert_eq!(status, 200, "{now:#}");
    assert!(now["status"] == "PENDING" || now["status"] == "DELIVERED", "{now:#}");

    wait_for("the single event to be delivered", || async {
        harness.get(&link, TOKEN).await.1["status"] == "DELIVERED"
    })
    .await;
    assert_eq!(harness.sandbox.received(PET, "p/3 x"), 1);
    let (status, hidden) = harness.get(&link, OTHER_TOKEN).await;
    assert_eq!(status, 404, "another account's caller does not see it: {hidden:#}");
    assert_matches_schema("timeline-v3.json", "Error", &hidden);

    let asked = json!({ "inputs": [{"eventType": PET, "id": "p-1"}, {"eventType": PET, "id": "p-2"}, {"eventType": PET, "id": "never"}] });
    wait_for("the batch to be delivered", || async {
        let (_, statuses) = harness.post("/relay/v1/events/status", Some(TOKEN), &asked).await;
        statuses["results"][0]["status"] == "DELIVERED" && statuses["results"][1]["status"] == "DELIVERED"
    })
    .await;
    let (status, statuses) = harness.post("/relay/v1/events/status", Some(TOKEN), &asked).await;
    assert_eq!(status, 200);
    assert_eq!(statuses["results"][2]["status"], "NOT_FOUND", "{statuses:#}");
    assert_eq!(harness.sandbox.events_in(ACCOUNT).len(), 3);
}
