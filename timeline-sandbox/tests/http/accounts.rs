//! Accounts: tokens belong to one, each has its own rate-limit window, daily
//! count, events and counts, and event ids stay unique across accounts.

use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::{DEFAULT_ACCOUNT, DuplicateIds, RateLimit, Stats};

use crate::common::{PET, batch_as, builder, client, pet, pet_as};

const BATCH: &str = "/integrators/timeline/v3/events/batch/create";

fn remaining(response: &reqwest::Response) -> Option<&str> {
    response.headers().get("x-hubspot-ratelimit-remaining").map(|value| value.to_str().unwrap())
}

async fn get_json(sandbox: &timeline_sandbox::Sandbox, path: &str) -> (u16, Value) {
    let response = client().get(format!("{}{path}", sandbox.url())).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn ids(events: &[timeline_sandbox::wire::TimelineEventResponse]) -> Vec<&str> {
    events.iter().map(|event| event.id.as_str()).collect()
}

#[tokio::test]
async fn each_account_has_its_own_window_shared_by_all_its_tokens() {
    let sandbox = builder()
        .rate_limit(RateLimit::new(3, Duration::from_secs(60)))
        .account_token(101, "tok-a")
        .account_token(101, "tok-a2")
        .account_token(102, "tok-b")
        .start()
        .await
        .unwrap();
    let first = pet_as(&sandbox, "tok-a", "a-1").await;
    assert_eq!((first.status().as_u16(), remaining(&first)), (201, Some("2")));
    let second = pet_as(&sandbox, "tok-a2", "a-2").await;
    assert_eq!((second.status().as_u16(), remaining(&second)), (201, Some("1")), "the second token shares the window");
    assert_eq!(pet_as(&sandbox, "tok-a", "a-3").await.status().as_u16(), 201);
    let refused = pet_as(&sandbox, "tok-a2", "a-4").await;
    assert_eq!((refused.status().as_u16(), remaining(&refused)), (429, Some("0")));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");

    let other = pet_as(&sandbox, "tok-b", "b-1").await;
    assert_eq!((other.status().as_u16(), remaining(&other)), (201, Some("2")), "account 102 is still served");

    let (a, b) = (sandbox.account_stats(101), sandbox.account_stats(102));
    assert_eq!((a.requests, a.status_count(201), a.status_count(429), a.rate_limited), (4, 3, 1, 1));
    assert_eq!((b.requests, b.status_count(201), b.status_count(429), b.inputs_stored), (1, 1, 0, 1));
    assert_eq!(a.inputs_stored, 3);
    let all = sandbox.stats();
    assert_eq!((all.requests, all.status_count(429), all.rate_limited), (5, 1, 1));
}

#[tokio::test]
async fn the_daily_limit_counts_per_account() {
    let sandbox = builder()
        .no_rate_limit()
        .daily_limit(2)
        .account_token(101, "tok-a")
        .account_token(101, "tok-a2")
        .account_token(102, "tok-b")
        .start()
        .await
        .unwrap();
    assert_eq!(pet_as(&sandbox, "tok-a", "1").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, "tok-a2", "2").await.status().as_u16(), 201);
    let refused = pet_as(&sandbox, "tok-a", "3").await;
    assert_eq!(refused.status().as_u16(), 429);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["policyName"], "DAILY");
    let other = pet_as(&sandbox, "tok-b", "4").await;
    assert_eq!(other.status().as_u16(), 201);
    assert_eq!(other.headers()["x-hubspot-ratelimit-daily-remaining"], "1");
}

#[tokio::test]
async fn once_an_account_is_registered_tokens_of_no_account_are_refused() {
    let sandbox = builder().account_token(101, "tok-a").start().await.unwrap();
    let refused = pet_as(&sandbox, "stranger", "x").await;
    assert_eq!(refused.status().as_u16(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    assert_eq!(pet_as(&sandbox, "tok-a", "y").await.status().as_u16(), 201);
    assert_eq!(ids(&sandbox.events_in(101)), ["y"]);
    assert_eq!(sandbox.stats().status_count(401), 1);
    assert_eq!(sandbox.account_stats(101).status_count(401), 0, "the stranger's 401 is no account's");

    let no_token = builder().account(202).start().await.unwrap();
    assert_eq!(pet_as(&no_token, "anything", "z").await.status().as_u16(), 401, "account() registers too");
}

#[tokio::test]
async fn without_registration_any_token_is_accepted_for_the_default_account_as_before() {
    let sandbox = builder().rate_limit(RateLimit::new(1, Duration::from_secs(60))).start().await.unwrap();
    assert_eq!(pet_as(&sandbox, "one", "1").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, "two", "2").await.status().as_u16(), 201, "unregistered tokens keep their own window");
    assert_eq!(pet_as(&sandbox, "one", "3").await.status().as_u16(), 429);
    assert_eq!(ids(&sandbox.events_in(DEFAULT_ACCOUNT)), ["1", "2"]);
    assert_eq!(sandbox.events_in(DEFAULT_ACCOUNT), sandbox.events());
    let default = sandbox.account_stats(DEFAULT_ACCOUNT);
    assert_eq!((default.requests, default.status_count(201), default.status_count(429)), (3, 2, 1));
    assert_eq!(default, sandbox.stats());
}

#[tokio::test]
async fn events_and_stats_are_inspected_per_account_over_http() {
    let sandbox = builder().account_token(101, "tok-a").account_token(102, "tok-b").start().await.unwrap();
    let http = client();
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("a-1"), pet("a-2")]).await, 201);
    assert_eq!(batch_as(&http, &sandbox, "tok-b", vec![pet("b-1")]).await, 201);

    let (status, events) = get_json(&sandbox, "/_sandbox/events?account=101").await;
    assert_eq!(status, 200);
    assert_eq!(events, json!({"results": serde_json::to_value(sandbox.events_in(101)).unwrap()}));
    let shown: Vec<&str> = events["results"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(shown, ["a-1", "a-2"]);
    let (_, events) = get_json(&sandbox, "/_sandbox/events?account=102").await;
    assert_eq!(events["results"].as_array().unwrap().len(), 1);
    let (_, events) = get_json(&sandbox, "/_sandbox/events?account=999").await;
    assert_eq!(events, json!({"results": []}));
    let (_, events) = get_json(&sandbox, "/_sandbox/events").await;
    assert_eq!(events["results"].as_array().unwrap().len(), 3);

    let (status, stats) = get_json(&sandbox, "/_sandbox/stats?account=101").await;
    assert_eq!(status, 200);
    let stats: Stats = serde_json::from_value(stats).unwrap();
    assert_eq!(stats, sandbox.account_stats(101));
    assert_eq!((stats.requests, stats.inputs_received, stats.inputs_stored), (1, 2, 2));
    let (_, all) = get_json(&sandbox, "/_sandbox/stats").await;
    assert_eq!(serde_json::from_value::<Stats>(all).unwrap(), sandbox.stats());
    let (_, unseen) = get_json(&sandbox, "/_sandbox/stats?account=999").await;
    assert_eq!(serde_json::from_value::<Stats>(unseen).unwrap(), Stats::default());

    let (status, body) = get_json(&sandbox, "/_sandbox/events?account=abc").await;
    assert_eq!((status, &body["category"]), (400, &json!("VALIDATION_ERROR")));
    let (status, _) = get_json(&sandbox, "/_sandbox/stats?account=-1").await;
    assert_eq!(status, 400);

    sandbox.reset();
    assert_eq!(sandbox.account_stats(101), Stats::default());
    assert!(sandbox.events_in(101).is_empty());
    assert_eq!(pet_as(&sandbox, "tok-a", "after-reset").await.status().as_u16(), 201, "accounts survive a reset");
}

#[tokio::test]
async fn an_id_is_unique_across_accounts_and_an_event_is_read_by_its_account_only() {
    let sandbox = builder().account_token(101, "tok-a").account_token(102, "tok-b").start().await.unwrap();
    let http = client();
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("shared")]).await, 201);
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("shared")]).await, 201, "an identical re-send is created");

    let response = http
        .post(format!("{}{BATCH}", sandbox.url()))
        .bearer_auth("tok-b")
        .json(&json!({"inputs": [pet("shared")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 207);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "Event ID already in use, please choose a new unique ID");
    assert!(sandbox.events_in(102).is_empty());
    assert_eq!(ids(&sandbox.events_in(101)), ["shared"]);
    assert_eq!(sandbox.account_stats(102).inputs_rejected, 1);

    let read = |token: &'static str| {
        http.get(format!("{}/integrators/timeline/v3/events/{PET}/shared", sandbox.url())).bearer_auth(token).send()
    };
    assert_eq!(read("tok-a").await.unwrap().status().as_u16(), 200);
    assert_eq!(read("tok-b").await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn a_replacing_resend_moves_the_event_to_the_account_that_sent_it() {
    let sandbox = builder()
        .duplicate_ids(DuplicateIds::Replace)
        .account_token(101, "tok-a")
        .account_token(102, "tok-b")
        .start()
        .await
        .unwrap();
    let http = client();
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("moved")]).await, 201);
    assert_eq!(batch_as(&http, &sandbox, "tok-b", vec![pet("moved")]).await, 201);
    assert!(sandbox.events_in(101).is_empty());
    assert_eq!(ids(&sandbox.events_in(102)), ["moved"]);
    assert_eq!(sandbox.events().len(), 1);
}
