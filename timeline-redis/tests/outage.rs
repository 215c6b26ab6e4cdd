//! What the Redis budget does when Redis goes away mid-run and comes back,
//! under each [`OnUnreachable`] policy, and when its script is flushed.

mod common;

use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;

use common::*;
use hubspot_timeline::budget::{RateBudget, RateLimit};
use timeline_redis::{OnUnreachable, RedisRateBudget};
use timeline_testkit::RedisServer;

const ACCOUNT: AccountId = AccountId::new(9_000_001);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_wait_no_permit_is_handed_out_while_redis_is_down_and_sends_resume_after() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox(100, Duration::from_secs(1)).await;
    let budget = Arc::new(
        RedisRateBudget::builder()
            .url(redis.url())
            .limit(RateLimit::new(100, Duration::from_secs(1)))
            .on_unreachable(OnUnreachable::Wait)
            .build()
            .await
            .unwrap(),
    );
    let app = replica(&sandbox, &[ACCOUNT], Arc::clone(&budget) as Arc<dyn RateBudget>);
    let report = app.send_all(visits(ACCOUNT, 0, 3)).await.unwrap();
    assert_eq!(report.created_count(), 3);

    redis.stop();
    let sending = tokio::spawn({
        let app = app.clone();
        async move { app.send_all(visits(ACCOUNT, 3, 5)).await }
    });
    // Long enough for many tries of the budget (its backoff starts at 50 ms).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!sending.is_finished(), "the sends wait for Redis");
    assert!(budget.is_unreachable());
    assert_eq!(sandbox.account_stats(ACCOUNT).requests, 3, "no request went out while Redis was down");

    redis.start_again();
    let report = tokio::time::timeout(Duration::from_secs(60), sending).await.expect("sends resume").unwrap().unwrap();
    assert_eq!(report.created_count(), 5, "{:?}", report.failed());
    assert!(!budget.is_unreachable());
    assert_eq!(sandbox.account_stats(ACCOUNT).inputs_stored, 8);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_local_share_permits_go_on_at_the_share_of_the_limit_while_redis_is_down() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    // Two replicas share 8 per 500 ms: alone, one paces 4 per 500 ms, which
    // is what the sandbox allows; the whole limit would earn 429s.
    let window = Duration::from_millis(500);
    let sandbox = sandbox(4, window).await;
    let budget = Arc::new(
        RedisRateBudget::builder()
            .url(redis.url())
            .limit(RateLimit::new(8, window))
            .on_unreachable(OnUnreachable::LocalShare { replicas: 2 })
            .build()
            .await
            .unwrap(),
    );
    let app = replica(&sandbox, &[ACCOUNT], Arc::clone(&budget) as Arc<dyn RateBudget>);
    let report = app.send_all(visits(ACCOUNT, 0, 2)).await.unwrap();
    assert_eq!(report.created_count(), 2);
    assert!(!budget.is_unreachable());
    tokio::time::sleep(window).await;

    redis.stop();
    let report = app.send_all(visits(ACCOUNT, 2, 12)).await.unwrap();
    assert_eq!(report.created_count(), 12, "{:?}", report.failed());
    assert!(budget.is_unreachable(), "the permits came from the local share");
    let own = sandbox.account_stats(ACCOUNT);
    assert_eq!(own.status_count(429), 0, "the share kept inside 4 per window: {own:?}");
    assert_eq!(own.requests, 14);

    redis.start_again();
    // The budget tries Redis again at most once a second; the connection
    // may need a try or two to come back.
    for next in 14..44 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let report = app.send_all(visits(ACCOUNT, next, 1)).await.unwrap();
        assert_eq!(report.created_count(), 1);
        if !budget.is_unreachable() {
            break;
        }
    }
    assert!(!budget.is_unreachable(), "permits come from Redis again");
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let logged: u64 =
        redis::cmd("ZCARD").arg("hubspot-timeline:budget:{9000001}:log").query_async(&mut connection).await.unwrap();
    assert!(logged >= 1, "the last permit is in the restarted server's log");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permits_keep_coming_after_the_script_cache_is_flushed() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let budget = RedisRateBudget::builder()
        .url(redis.url())
        .limit(RateLimit::new(1_000, Duration::from_secs(10)))
        .build()
        .await
        .unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    for round in 0..3 {
        for _ in 0..5 {
            drop(budget.acquire(ACCOUNT).await);
        }
        let flushed: String = redis::cmd("SCRIPT").arg("FLUSH").query_async(&mut admin).await.unwrap();
        assert_eq!(flushed, "OK", "round {round}");
    }
    drop(budget.acquire(ACCOUNT).await);
    assert!(!budget.is_unreachable());
    let logged: u64 =
        redis::cmd("ZCARD").arg("hubspot-timeline:budget:{9000001}:log").query_async(&mut admin).await.unwrap();
    assert_eq!(logged, 16, "every permit is in the account's log");
}
