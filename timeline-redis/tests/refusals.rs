//! Answers of Redis that are refusals, not outages, fail the permit with
//! their own [`timeline_redis::Error`] instead of waiting: NOPERM, OOM, a failed
//! script at once, READONLY once the failover grace has passed (and a
//! failover that settles within it hands the permit out). A client's
//! events then fail unsent, with the budget's words.

mod common;

use std::sync::Arc;
use std::time::Duration;
use timeline_core::AccountId;

use hubspot_timeline::budget::{RateBudget, RateLimit};
use hubspot_timeline::send::FailureReason;
use timeline_redis::RedisRateBudget;
use timeline_testkit::{RedisServer, assert_hides};

use common::admin;

const ACCOUNT: AccountId = AccountId::new(9_000_007);

/// The budget's refusal, as the client sees it: a [`timeline_redis::Error`] inside
/// the budget's boxed error.
async fn refusal(budget: &RedisRateBudget) -> timeline_redis::Error {
    let error = budget.acquire(ACCOUNT).await.err().expect("the budget refuses");
    match error.downcast::<timeline_redis::Error>() {
        Ok(refusal) => *refusal,
        Err(error) => panic!("not the budget's error: {error:?}"),
    }
}

async fn budget(url: String) -> RedisRateBudget {
    RedisRateBudget::builder().url(url).limit(RateLimit::new(100, Duration::from_secs(10))).build().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_the_scripts_permission_fails_the_permit_and_the_send() {
    let Some(redis) = RedisServer::start() else { return };
    let mut admin = admin(&redis.url()).await;
    let _: () = redis::cmd("ACL")
        .arg(&["SETUSER", "limited", "on", ">limited-secret", "~*", "+@all", "-evalsha", "-eval"])
        .query_async(&mut admin)
        .await
        .unwrap();
    let url = format!("redis://limited:limited-secret@127.0.0.1:{}", redis.port());
    let budget = Arc::new(budget(url).await);
    let refused = refusal(&budget).await;
    assert!(
        matches!(&refused, timeline_redis::Error::NoPermission { detail } if detail.contains("NOPERM")),
        "{refused:?}"
    );
    assert_hides(&refused, "limited-secret");
    assert!(!budget.is_unreachable(), "a refusal is not an outage");

    // Through an app: the account's events fail unsent, with the budget's words.
    let sandbox = common::sandbox(100, Duration::from_secs(10)).await;
    let app = common::replica(&sandbox, &[ACCOUNT], Arc::clone(&budget) as Arc<dyn RateBudget>);
    let report = app.send_all(common::visits(ACCOUNT, 0, 3)).await.expect("the call ends with a report");
    assert_eq!(report.failed_count(), 3, "{report:?}");
    for failure in report.failed() {
        let FailureReason::NotSent { cause } = &*failure.reason else { panic!("{failure:?}") };
        assert!(cause.contains("NOPERM") && !cause.contains("limited-secret"), "{cause}");
        assert!(!failure.may_have_landed);
    }
    assert_eq!(sandbox.events().len(), 0, "nothing was sent");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn redis_out_of_memory_fails_the_permit() {
    let Some(redis) = RedisServer::start() else { return };
    let budget = budget(redis.url()).await;
    budget.acquire(ACCOUNT).await.expect("a permit while there is memory");
    let mut admin = admin(&redis.url()).await;
    let _: () =
        redis::cmd("CONFIG").arg(&["SET", "maxmemory-policy", "noeviction"]).query_async(&mut admin).await.unwrap();
    let _: () = redis::cmd("CONFIG").arg(&["SET", "maxmemory", "1"]).query_async(&mut admin).await.unwrap();
    let refused = refusal(&budget).await;
    assert!(matches!(&refused, timeline_redis::Error::OutOfMemory { detail } if detail.contains("OOM")), "{refused:?}");

    let _: () = redis::cmd("CONFIG").arg(&["SET", "maxmemory", "0"]).query_async(&mut admin).await.unwrap();
    budget.acquire(ACCOUNT).await.expect("a permit again once there is memory");
}

#[tokio::test]
async fn a_failing_script_fails_the_permit() {
    let Some(redis) = RedisServer::start() else { return };
    let budget = budget(redis.url()).await;
    let mut admin = admin(&redis.url()).await;
    let log = format!("hubspot-timeline:budget:{{{ACCOUNT}}}:log");
    let _: () = redis::cmd("SET").arg(&log).arg("not a sorted set").query_async(&mut admin).await.unwrap();
    let refused = refusal(&budget).await;
    assert!(
        matches!(&refused, timeline_redis::Error::Script { detail } if detail.contains("WRONGTYPE")),
        "{refused:?}"
    );
    let _: () = redis::cmd("DEL").arg(&log).query_async(&mut admin).await.unwrap();
    budget.acquire(ACCOUNT).await.expect("a permit again once the key is the budget's");
}

/// Makes the server on `port` a replica of the one on `primary_port`.
async fn make_replica(admin: &mut redis::aio::MultiplexedConnection, primary_port: u16) {
    let _: () = redis::cmd("REPLICAOF").arg("127.0.0.1").arg(primary_port).query_async(admin).await.unwrap();
}

/// How many READONLY answers the server has given.
async fn read_only_answers(admin: &mut redis::aio::MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO").arg("errorstats").query_async(admin).await.unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("errorstat_READONLY:count="))
        .map_or(0, |count| count.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_fails_the_permit_after_the_failover_grace() {
    let (Some(replica), Some(primary)) = (RedisServer::start(), RedisServer::start()) else { return };
    let budget =
        RedisRateBudget::builder().url(replica.url()).failover_grace(Duration::from_millis(300)).build().await.unwrap();
    make_replica(&mut admin(&replica.url()).await, primary.port()).await;
    let refused = refusal(&budget).await;
    let timeline_redis::Error::ReadOnly { waited, detail } = &refused else { panic!("{refused:?}") };
    assert!(*waited >= Duration::from_millis(300), "tried for the grace: {waited:?}");
    assert!(detail.contains("READONLY"), "{detail}");
    assert!(!budget.is_unreachable(), "a replica is not an outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_that_settles_within_the_grace_hands_the_permit_out() {
    let (Some(server), Some(primary)) = (RedisServer::start(), RedisServer::start()) else { return };
    let budget = Arc::new(
        RedisRateBudget::builder().url(server.url()).failover_grace(Duration::from_secs(300)).build().await.unwrap(),
    );
    let mut admin = admin(&server.url()).await;
    make_replica(&mut admin, primary.port()).await;
    let asking = tokio::spawn({
        let budget = Arc::clone(&budget);
        async move { budget.acquire(ACCOUNT).await.map(drop).map_err(|error| error.to_string()) }
    });
    while read_only_answers(&mut admin).await == 0 {
        tokio::task::yield_now().await;
    }
    assert!(!asking.is_finished(), "the permit waits while the server is a replica");
    let _: () = redis::cmd("REPLICAOF").arg(&["NO", "ONE"]).query_async(&mut admin).await.unwrap();
    asking.await.unwrap().expect("the permit comes once the server is a primary again");
    assert!(budget.acquire(ACCOUNT).await.is_ok());
}
