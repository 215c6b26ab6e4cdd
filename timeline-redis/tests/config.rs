//! The builder refuses a bad configuration before it connects, and keeps the
//! URL's password out of its `Debug`.

use std::time::Duration;

use hubspot_timeline::budget::RateLimit;
use timeline_redis::RedisRateBudget;

#[tokio::test]
async fn a_bad_configuration_is_refused_before_connecting() {
    let refused = [
        RedisRateBudget::builder().build().await.map(drop),
        RedisRateBudget::builder().url("not a url").build().await.map(drop),
        RedisRateBudget::builder()
            .url("redis://127.0.0.1:1")
            .limit(RateLimit::new(0, Duration::from_secs(1)))
            .build()
            .await
            .map(drop),
        RedisRateBudget::builder().url("redis://127.0.0.1:1").prefix("").build().await.map(drop),
        RedisRateBudget::builder()
            .url("redis://127.0.0.1:1")
            .on_unreachable(timeline_redis::OnUnreachable::LocalShare { replicas: 0 })
            .build()
            .await
            .map(drop),
    ];
    for (case, result) in refused.into_iter().enumerate() {
        assert!(matches!(result, Err(timeline_redis::Error::Config(_))), "case {case}: {result:?}");
    }
    let builder = RedisRateBudget::builder().url("redis://:hunter2@127.0.0.1:6379");
    assert!(!format!("{builder:?}").contains("hunter2"), "the URL's password stays out of Debug");
}
