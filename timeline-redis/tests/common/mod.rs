//! Shared pieces of the Redis budget tests: an event type, a sandbox whose
//! accounts are under a short rolling window, and apps (simulated replicas)
//! holding valid tokens of every account.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;
use timeline_core::Client;

use chrono::Utc;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::RateBudget;
use hubspot_timeline::send::RetryPolicy;
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{App, TimelineEvent};
use timeline_sandbox::Sandbox;

pub const CLIENT_ID: &str = "replica-client-id";
pub const CLIENT_SECRET: &str = "replica-client-secret";

/// A visit to a contact's page.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
pub struct PageVisited {
    #[timeline(object_id)]
    pub contact_id: u64,
    #[timeline(id)]
    pub visit_id: String,
    pub page: String,
}

fn template() -> TimelineEventTemplate {
    serde_json::from_str(
        r#"{"id":"1001298","name":"Page visited","objectType":"contacts","tokens":[
            {"name":"page","label":"Page","type":"string"}]}"#,
    )
    .expect("a valid template")
}

/// A sandbox whose accounts may make `max` requests in any `window`.
pub async fn sandbox(max: u32, window: Duration) -> Sandbox {
    Sandbox::builder()
        .template(template())
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .rate_limit(timeline_sandbox::RateLimit::new(max, window))
        .start()
        .await
        .unwrap()
}

/// Retries after a few milliseconds, with fixed jitter.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(20)
        .with_initial_backoff(Duration::from_millis(2))
        .with_max_backoff(Duration::from_millis(20))
        .with_jitter(|| 1.0)
}

/// An app of `sandbox` paced by `budget`, holding valid tokens of
/// `accounts`, sending one event per request.
pub fn replica(sandbox: &Sandbox, accounts: &[AccountId], budget: Arc<dyn RateBudget>) -> App {
    let store = Arc::new(MemoryTokenStore::new());
    for &account in accounts {
        let grant = sandbox.grant(account);
        let expires_at = Utc::now() + chrono::Duration::seconds(grant.expires_in);
        store.insert(account, AccountTokens::new(grant.access_token, expires_at, grant.refresh_token));
    }
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(store)
        .client(Client::builder().base_url(sandbox.url()).retry(fast_retry()).batch_size(1).max_in_flight(16))
        .rate_budget(budget)
        .build()
        .unwrap()
}

/// `count` visits of `account`, numbered from `first`, ids naming the account.
pub fn visits(account: AccountId, first: usize, count: usize) -> Vec<(AccountId, PageVisited)> {
    (first..first + count)
        .map(|n| {
            let visit = PageVisited {
                contact_id: account.get() * 1_000 + n as u64,
                visit_id: format!("{account}-{n}"),
                page: format!("/page/{n}"),
            };
            (account, visit)
        })
        .collect()
}

/// A plain connection to `url`, for setting a server up.
pub async fn admin(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap()
}
