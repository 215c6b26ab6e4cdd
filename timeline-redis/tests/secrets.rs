//! The URL's password shows in no error of the budget's (`Display`, `Debug`
//! or any `source()`), nor in the `Debug` of the budget or its builder:
//! whether the URL does not parse, the password is wrong, Redis is
//! unreachable or its TLS certificate is not trusted.

mod common;

use timeline_redis::RedisRateBudget;
use timeline_testkit::{RedisServer, TestCertificates, assert_hides};

use common::admin;

const PASSWORD: &str = "s3cret-budget-password";

async fn refusal(url: String) -> timeline_redis::Error {
    let builder = RedisRateBudget::builder().url(url);
    assert!(!format!("{builder:?}").contains(PASSWORD), "the builder's Debug shows the password");
    builder.build().await.expect_err("the budget is not built")
}

#[tokio::test]
async fn a_url_that_does_not_parse_is_refused_without_its_password() {
    let refused = refusal(format!("redis://:{PASSWORD}@127.0.0.1:not-a-port")).await;
    assert_hides(&refused, PASSWORD);
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_it_and_the_right_one_stays_hidden() {
    let Some(redis) = RedisServer::start() else { return };
    let right = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port());
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "requirepass", PASSWORD])
        .query_async(&mut admin(&redis.url()).await)
        .await
        .unwrap();
    let wrong_password = "wrong-budget-password";
    let refused = refusal(format!("redis://:{wrong_password}@127.0.0.1:{}", redis.port())).await;
    assert_hides(&refused, wrong_password);

    let budget = RedisRateBudget::builder().url(right).build().await.expect("the right password is taken");
    assert!(!format!("{budget:?}").contains(PASSWORD), "the budget's Debug shows the password");
}

#[tokio::test]
async fn an_unreachable_server_is_refused_without_the_password() {
    let Some(mut redis) = RedisServer::start() else { return };
    redis.stop();
    let refused = refusal(format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port())).await;
    assert_hides(&refused, PASSWORD);
}

#[tokio::test]
async fn a_refused_tls_handshake_is_refused_without_the_password() {
    let certificates = TestCertificates::new();
    let Some(redis) = RedisServer::start_tls(&certificates) else { return };
    let refused = refusal(format!("rediss://:{PASSWORD}@127.0.0.1:{}", redis.port())).await;
    assert_hides(&refused, PASSWORD);
}
