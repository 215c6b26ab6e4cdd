//! Two `timeline relay` processes behind one base URL's worth of clients,
//! sharing one Postgres outbox and one Redis budget: HubSpot (the sandbox,
//! holding each account to a tight rolling limit) answers no 429, and every
//! event lands once, in its account. Each relay alone would pace its own
//! requests to the limit, and the two together would send twice as many.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use timeline_sandbox::{RateLimit, Sandbox};

use crate::common::{scratch, start_relay, templates, timeline};

const ACCOUNTS: [(u64, &str); 2] = [(401, "replica-token-401"), (402, "replica-token-402")];
/// Each account's requests per second, at the sandbox and in the relays' budget.
const LIMIT: u32 = 2;
/// Requests each client sends, one input each, spread so that the relays
/// deliver small batches often.
const REQUESTS_PER_ACCOUNT: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_sharing_a_postgres_outbox_and_a_redis_budget_earn_no_429() {
    let Some(db) = timeline_testkit::TestDb::new("timeline-cli relay replicas").await else { return };
    let Some(redis) = timeline_testkit::RedisServer::start() else { return };
    let dir = scratch("relay-replicas");
    let limit = RateLimit::new(LIMIT, Duration::from_secs(1));
    let mut sandbox = Sandbox::builder().templates(templates()).rate_limit(limit);
    for (account, token) in ACCOUNTS {
        sandbox = sandbox.account_token(account, token);
    }
    let sandbox = sandbox.start().await.unwrap();
    let tokens = dir.join("tokens.json");
    let file: serde_json::Map<String, serde_json::Value> =
        ACCOUNTS.iter().map(|(account, token)| (account.to_string(), json!(token))).collect();
    std::fs::write(&tokens, serde_json::Value::Object(file).to_string()).unwrap();

    let mut relays = Vec::new();
    for _ in 0..2 {
        relays.push(
            start_relay(
                timeline()
                    .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url()])
                    .args(["--outbox", db.url(), "--budget", &redis.url(), "--rate-limit", &format!("{LIMIT}/1000")])
                    .args(["--ack-wait-ms", "0", "--tokens"])
                    .arg(&tokens)
                    .stderr(Stdio::null())
                    .kill_on_drop(true),
            )
            .await,
        );
    }

    let urls: Vec<String> = relays.iter().map(|(_, url)| url.clone()).collect();
    let clients = ACCOUNTS.map(|(account, token)| {
        let urls = urls.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0..REQUESTS_PER_ACCOUNT {
                // Every other request to the other relay, as a load balancer would.
                let url = &urls[n % urls.len()];
                let input = json!({"eventTemplateId": "1001298", "id": format!("{account}-{n}"), "objectId": "5",
                                   "tokens": {"petName": format!("pet {n}")}});
                let answer = http
                    .post(format!("{url}/integrators/timeline/v3/events/batch/create"))
                    .bearer_auth(token)
                    .json(&json!({ "inputs": [input] }))
                    .send()
                    .await
                    .unwrap();
                assert!(answer.status().is_success(), "{account}-{n}: {}", answer.status());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    for client in clients {
        client.await.unwrap();
    }
    let give_up = tokio::time::Instant::now() + Duration::from_secs(90);
    while ACCOUNTS.iter().any(|(account, _)| sandbox.events_in(*account).len() < REQUESTS_PER_ACCOUNT) {
        assert!(tokio::time::Instant::now() < give_up, "every event lands");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (account, _) in ACCOUNTS {
        let stored = sandbox.events_in(account);
        assert_eq!(stored.len(), REQUESTS_PER_ACCOUNT, "account {account}: each event once");
        assert!(stored.iter().all(|event| event.id.starts_with(&account.to_string())), "account {account}: its own");
        let stats = sandbox.account_stats(account);
        assert!(stats.requests >= 3, "account {account}: the relays sent several requests ({})", stats.requests);
        assert_eq!(stats.status_count(429), 0, "account {account}: the two relays paced together: {stats:?}");
    }
    for (mut relay, _) in relays {
        relay.start_kill().unwrap();
        relay.wait().await.unwrap();
    }
}
