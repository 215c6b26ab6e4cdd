//! Three apps (simulated replicas, each its own budget and Redis connection)
//! sending for the same accounts: with one Redis budget they stay inside
//! each account's window in the sandbox; with a budget each, they do not.

mod common;

use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;

use common::*;
use hubspot_timeline::budget::{LocalRateBudget, RateBudget, RateLimit};
use timeline_redis::RedisRateBudget;
use timeline_testkit::RedisServer;

const MAX: u32 = 5;
const WINDOW: Duration = Duration::from_millis(500);
const ACCOUNTS: [AccountId; 3] = [AccountId::new(8_000_001), AccountId::new(8_000_002), AccountId::new(8_000_003)];
const REPLICAS: usize = 3;
/// Per account and replica: 6 requests, so each account's 18 requests need
/// more than three windows, and each replica alone could fill a window.
const VISITS: usize = 6;

/// Sends every replica's visits of every account at once; each report must
/// hold every visit created.
async fn send_from_every_replica(budgets: Vec<Arc<dyn RateBudget>>) -> timeline_sandbox::Sandbox {
    let sandbox = sandbox(MAX, WINDOW).await;
    let tasks: Vec<_> = budgets
        .into_iter()
        .enumerate()
        .map(|(replica_index, budget)| {
            let app = replica(&sandbox, &ACCOUNTS, budget);
            let events: Vec<_> =
                ACCOUNTS.iter().flat_map(|&account| visits(account, replica_index * VISITS, VISITS)).collect();
            tokio::spawn(async move { app.send_all(events).await })
        })
        .collect();
    for task in tasks {
        let report = task.await.unwrap().unwrap();
        assert_eq!(report.created_count(), ACCOUNTS.len() * VISITS, "{:?}", report.failed());
    }
    sandbox
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_one_redis_budget_stay_inside_every_window() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mut budgets: Vec<Arc<dyn RateBudget>> = Vec::new();
    for _ in 0..REPLICAS {
        let budget =
            RedisRateBudget::builder().url(redis.url()).limit(RateLimit::new(MAX, WINDOW)).build().await.unwrap();
        budgets.push(Arc::new(budget));
    }
    let sandbox = send_from_every_replica(budgets).await;
    let stats = sandbox.stats();
    assert_eq!(stats.rate_limited, 0, "no account went over its window: {stats:?}");
    for account in ACCOUNTS {
        let own = sandbox.account_stats(account);
        assert_eq!(own.status_count(429), 0, "account {account}");
        assert_eq!(own.requests, (REPLICAS * VISITS) as u64, "account {account}: one request per visit, none retried");
        assert_eq!(own.inputs_stored, (REPLICAS * VISITS) as u64, "account {account}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_with_a_budget_each_go_over_the_window() {
    let budgets: Vec<Arc<dyn RateBudget>> = (0..REPLICAS)
        .map(|_| Arc::new(LocalRateBudget::new(RateLimit::new(MAX, WINDOW)).unwrap()) as Arc<dyn RateBudget>)
        .collect();
    let sandbox = send_from_every_replica(budgets).await;
    let stats = sandbox.stats();
    assert!(stats.rate_limited > 0, "three budgets of the whole limit each earn 429s: {stats:?}");
    sandbox.shutdown().await;
}
