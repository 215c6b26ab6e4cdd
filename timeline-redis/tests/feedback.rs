//! HubSpot's answers seen by one replica's permit hold for every replica:
//! a 429 blocks the account for all, and a `Remaining` count fills the log.

use std::time::Duration;
use timeline_core::AccountId;

use http::{HeaderMap, HeaderValue};
use hubspot_timeline::budget::{RateBudget, RateLimit, RateLimitHeaders};
use redis::aio::MultiplexedConnection;
use timeline_redis::RedisRateBudget;
use timeline_testkit::RedisServer;

const ACCOUNT: AccountId = AccountId::new(9_100_001);
const LOG: &str = "hubspot-timeline:budget:{9100001}:log";
const BLOCKED: &str = "hubspot-timeline:budget:{9100001}:blocked";

async fn budget(redis: &RedisServer, max: u32) -> RedisRateBudget {
    RedisRateBudget::builder()
        .url(redis.url())
        .limit(RateLimit::new(max, Duration::from_secs(10)))
        .build()
        .await
        .unwrap()
}

/// The log's size, once the permits' feedback (applied in the background)
/// has made it at least `least`.
async fn logged_at_least(connection: &mut MultiplexedConnection, least: u64) -> u64 {
    let mut logged = 0;
    for _ in 0..200 {
        logged = redis::cmd("ZCARD").arg(LOG).query_async(connection).await.unwrap();
        if logged >= least {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    logged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_replica_blocks_the_account_for_another() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (first, second) = (budget(&redis, 10).await, budget(&redis, 10).await);
    let mut connection = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let mut permit = first.acquire(ACCOUNT).await.unwrap();
    permit.saturate(Some(Duration::from_secs(30)));
    drop(permit);
    assert_eq!(logged_at_least(&mut connection, 10).await, 10, "the window is full as of the 429");
    let blocked_for: i64 = redis::cmd("PTTL").arg(BLOCKED).query_async(&mut connection).await.unwrap();
    assert!(blocked_for > 29_000, "blocked for the Retry-After: {blocked_for} ms");
    let waiting = tokio::time::timeout(Duration::from_millis(300), second.acquire(ACCOUNT)).await;
    assert!(waiting.is_err(), "the other replica hands out no permit while the account is blocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remaining_count_above_the_log_fills_it_for_every_replica() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (first, second) = (budget(&redis, 6).await, budget(&redis, 6).await);
    let mut connection = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let mut permit = first.acquire(ACCOUNT).await.unwrap();
    // HubSpot counted 5 of 6 (requests of a process outside the budget).
    let mut headers = HeaderMap::new();
    headers.insert("x-hubspot-ratelimit-max", HeaderValue::from(6));
    headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(1));
    headers.insert("x-hubspot-ratelimit-interval-milliseconds", HeaderValue::from(10_000));
    permit.observe(&RateLimitHeaders::from_headers(&headers));
    drop(permit);
    assert_eq!(logged_at_least(&mut connection, 5).await, 5, "the log holds what HubSpot counted");
    drop(second.acquire(ACCOUNT).await);
    let waiting = tokio::time::timeout(Duration::from_millis(300), second.acquire(ACCOUNT)).await;
    assert!(waiting.is_err(), "the sixth request filled the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_reads_how_full_the_shared_window_is_without_taking_any_of_it() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (first, second) = (budget(&redis, 10).await, budget(&redis, 10).await);
    let empty = second.usage(ACCOUNT).await.unwrap().unwrap();
    assert_eq!((empty.used, empty.max, empty.window), (0, 10, Duration::from_secs(10)));
    let permits = [first.acquire(ACCOUNT).await.unwrap(), first.acquire(ACCOUNT).await.unwrap()];
    let usage = second.usage(ACCOUNT).await.unwrap().unwrap();
    assert_eq!((usage.used, usage.max), (2, 10), "the other replica's requests count");
    assert_eq!(second.usage(ACCOUNT).await.unwrap().unwrap().used, 2, "asking takes nothing");
    drop(permits);
}
