//! Requests the relay does not serve itself go to HubSpot unchanged and
//! come back unchanged, counted in the caller's account and paced by its
//! budget; unknown timeline paths get the relay's own 404.

use reqwest::Method;
use serde_json::{Value, json};
use timeline_sandbox::{Fault, Faults, RateLimit};

use crate::common::{ACCOUNT, APP_ID, BATCH, OTHER_ACCOUNT, PET, Setup, TOKEN, pet, start, wait_for};

#[tokio::test]
async fn template_and_token_metadata_calls_come_back_as_hubspot_answers_them_counted_in_their_account() {
    let harness = start(Setup::default()).await;
    let sandbox_url = harness.sandbox.url().trim_end_matches('/').to_owned();
    let template = format!("/integrators/timeline/v3/{APP_ID}/event-templates/{PET}");
    let direct = harness.call(&sandbox_url, Method::GET, &template, Some(TOKEN), None).await;
    let relayed = harness.call(&harness.url, Method::GET, &template, Some(TOKEN), None).await;
    assert_eq!(direct.0, 200, "{}", direct.1);
    assert_eq!(relayed, direct, "the template comes back unchanged");
    assert_eq!(harness.sandbox.account_stats(ACCOUNT).requests, 2, "the direct call and the forwarded one");
    assert_eq!(harness.sandbox.account_stats(OTHER_ACCOUNT).requests, 0);

    let query = format!("/integrators/timeline/v3/{APP_ID}/event-templates?hapikey=developer-key");
    let direct = harness.call(&sandbox_url, Method::GET, &query, None, None).await;
    let relayed = harness.call(&harness.url, Method::GET, &query, None, None).await;
    assert_eq!(direct.0, 200, "{}", direct.1);
    assert_eq!(relayed, direct, "the query goes along");

    let metadata = format!("/oauth/v1/access-tokens/{TOKEN}");
    let direct = harness.call(&sandbox_url, Method::GET, &metadata, None, None).await;
    let relayed = harness.call(&harness.url, Method::GET, &metadata, None, None).await;
    assert_eq!(direct.0, 200, "{}", direct.1);
    assert_eq!(relayed, direct, "token metadata comes back unchanged");
    let metadata: Value = serde_json::from_str(&relayed.1).unwrap();
    assert_eq!(metadata["hub_id"], ACCOUNT);
    assert_eq!(harness.sandbox.account_stats(ACCOUNT).access_token_lookups, 2);

    let created = json!({
        "name": "Webinar attended",
        "objectType": "contacts",
        "headerTemplate": "Attended {{webinarName}}",
        "tokens": [{"name": "webinarName", "label": "Webinar", "type": "string"}],
    });
    let templates = format!("/integrators/timeline/v3/{APP_ID}/event-templates");
    let (status, answer) = harness.call(&harness.url, Method::POST, &templates, Some(TOKEN), Some(&created)).await;
    assert_eq!(status, 201, "{answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let stored = harness.sandbox.templates().into_iter().find(|template| template.name == "Webinar attended");
    assert_eq!(stored.map(|template| template.id), answer["id"].as_str().map(str::to_owned), "the body went along");

    let missing = "/integrators/timeline/v3/events/1001298/never-sent";
    let direct = harness.call(&sandbox_url, Method::GET, missing, Some(TOKEN), None).await;
    let relayed = harness.call(&harness.url, Method::GET, missing, Some(TOKEN), None).await;
    assert_eq!((relayed.0, direct.0), (404, 404), "HubSpot's own 404 comes back: {}", relayed.1);
}

#[tokio::test]
async fn a_timeline_path_hubspot_does_not_have_is_refused_by_the_relay_without_asking_hubspot() {
    let harness = start(Setup::default()).await;
    let (status, body) =
        harness.call(&harness.url, Method::GET, "/integrators/timeline/v3/nothing", Some(TOKEN), None).await;
    assert_eq!(status, 404, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((&body["status"], &body["category"]), (&json!("error"), &json!("OBJECT_NOT_FOUND")), "{body:#}");
    assert_eq!(harness.sandbox.stats().requests, 0, "HubSpot was not asked");

    let (status, body) =
        harness.call(&harness.url, Method::GET, "/integrators/timeline/v3/events", Some(TOKEN), None).await;
    assert_eq!(status, 405, "a method the relay's own path does not take: {body}");
}

#[tokio::test]
async fn a_forwarded_body_is_streamed_to_hubspot_whole_whatever_the_relays_body_limit() {
    let harness = start(Setup { max_body_bytes: Some(1_000), ..Setup::default() }).await;
    let templates = format!("/integrators/timeline/v3/{APP_ID}/event-templates");
    let header = format!("Attended {{{{webinarName}}}} {}", "x".repeat(20_000));
    let large = json!({
        "name": "Long header",
        "objectType": "contacts",
        "headerTemplate": header,
        "tokens": [{"name": "webinarName", "label": "Webinar", "type": "string"}],
    });
    let (status, body) = harness.call(&harness.url, Method::POST, &templates, Some(TOKEN), Some(&large)).await;
    assert_eq!(status, 201, "the relay's limit is for the events it stores: {body}");
    let stored = harness.sandbox.templates().into_iter().find(|template| template.name == "Long header").unwrap();
    assert_eq!(stored.header_template.as_deref(), Some(header.as_str()), "the whole body went along");

    let (status, body) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet(&"x".repeat(2_000))] })).await;
    assert_eq!(status, 413, "{body:#}");
}

#[tokio::test]
async fn hubspot_closing_the_connection_gets_a_hubspot_shaped_502_that_hides_the_query() {
    let harness = start(Setup::default()).await;
    harness.sandbox.set_faults(Faults::none().schedule([Fault::CloseAfterStore]));
    let path = format!("/integrators/timeline/v3/{APP_ID}/event-templates?hapikey=developer-key-secret");
    let (status, body) = harness.call(&harness.url, Method::GET, &path, None, None).await;
    assert_eq!(status, 502, "{body}");
    assert!(!body.contains("developer-key-secret"), "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((&body["status"], &body["category"]), (&json!("error"), &json!("BAD_GATEWAY")), "{body:#}");
}

#[tokio::test]
async fn forwarded_calls_and_event_batches_of_one_account_share_its_pacing_and_earn_no_429() {
    let limit = RateLimit::new(3, std::time::Duration::from_secs(1));
    let harness = start(Setup { rate_limit: Some(limit), ..Setup::default() }).await;
    let template = format!("{}/integrators/timeline/v3/{APP_ID}/event-templates/{PET}", harness.url);
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..8 {
        burst.spawn(reqwest::Client::new().get(template.clone()).bearer_auth(TOKEN).send());
    }
    for n in 0..4 {
        let body = json!({ "inputs": [pet(&format!("paced-{n}-a")), pet(&format!("paced-{n}-b"))] });
        let request = reqwest::Client::new().post(format!("{}{BATCH}", harness.url)).bearer_auth(TOKEN);
        burst.spawn(request.header("content-type", "application/json").body(body.to_string()).send());
    }
    while let Some(answer) = burst.join_next().await {
        let answer = answer.unwrap().unwrap();
        let status = answer.status().as_u16();
        assert!((200..=202).contains(&status), "{status}: {}", answer.text().await.unwrap());
    }
    wait_for("every event delivered", || async { harness.sandbox.events_in(ACCOUNT).len() == 8 }).await;
    let stats = harness.sandbox.account_stats(ACCOUNT);
    assert_eq!((stats.status_count(429), stats.rate_limited), (0, 0), "{stats:#?}");
    assert!(stats.requests >= 9, "8 forwarded calls and the batches: {stats:#?}");
}
