//! `rediss://`: the budget hands out permits over TLS from a server whose
//! certificate chains to the CA it was given; a server signed by another CA,
//! and plaintext to a TLS-only server, are refused at build.

mod common;

use std::time::Duration;
use timeline_core::AccountId;

use hubspot_timeline::budget::{RateBudget, RateLimit};
use redis::TlsCertificates;
use timeline_redis::RedisRateBudget;
use timeline_testkit::{RedisServer, TestCertificates};

const ACCOUNT: AccountId = AccountId::new(9_000_011);

#[tokio::test]
async fn a_budget_over_tls_hands_out_permits_logged_in_the_server() {
    let certificates = TestCertificates::new();
    let Some(redis) = RedisServer::start_tls(&certificates) else { return };
    assert!(redis.url().starts_with("rediss://"), "{}", redis.url());
    let budget = RedisRateBudget::builder()
        .url(redis.url())
        .ca_file(certificates.ca_file())
        .limit(RateLimit::new(10, Duration::from_secs(10)))
        .build()
        .await
        .expect("a TLS connection verified against the CA");
    for _ in 0..3 {
        drop(budget.acquire(ACCOUNT).await.expect("a permit"));
    }
    let root_cert = Some(std::fs::read(certificates.ca_file()).unwrap());
    let client = redis::Client::build_with_tls(redis.url(), TlsCertificates { client_tls: None, root_cert }).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let logged: u64 = redis::cmd("ZCARD")
        .arg(format!("hubspot-timeline:budget:{{{ACCOUNT}}}:log"))
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(logged, 3, "the permits are in the account's log on the TLS server");
}

#[tokio::test]
async fn a_server_signed_by_another_ca_is_refused() {
    let certificates = TestCertificates::new();
    let Some(redis) = RedisServer::start_tls(&certificates) else { return };
    let other_ca = TestCertificates::new();
    for ca_file in [Some(other_ca.ca_file()), None] {
        let mut builder = RedisRateBudget::builder().url(redis.url());
        if let Some(ca_file) = &ca_file {
            builder = builder.ca_file(ca_file);
        }
        let refused = builder.build().await.expect_err("an untrusted certificate is refused");
        assert!(matches!(refused, timeline_redis::Error::Redis(_)), "{refused:?}");
        let said = refused.to_string();
        assert!(said.contains("certificate"), "the error says the certificate is not trusted: {said}");
    }
}

#[tokio::test]
async fn plaintext_to_a_tls_only_server_is_refused() {
    let certificates = TestCertificates::new();
    let Some(redis) = RedisServer::start_tls(&certificates) else { return };
    let plaintext = format!("redis://127.0.0.1:{}", redis.port());
    let refused = RedisRateBudget::builder().url(plaintext).build().await.expect_err("plaintext is refused");
    assert!(matches!(refused, timeline_redis::Error::Redis(_)), "{refused:?}");
}

#[tokio::test]
async fn a_ca_file_goes_with_a_tls_url_only() {
    let certificates = TestCertificates::new();
    let refused = RedisRateBudget::builder()
        .url("redis://127.0.0.1:1")
        .ca_file(certificates.ca_file())
        .build()
        .await
        .expect_err("a CA file without TLS is refused");
    assert!(matches!(&refused, timeline_redis::Error::Config(message) if message.contains("rediss://")), "{refused:?}");
    let missing = RedisRateBudget::builder()
        .url("rediss://127.0.0.1:1")
        .ca_file(certificates.ca_file().with_extension("missing"))
        .build()
        .await
        .expect_err("a missing CA file is refused");
    assert!(matches!(missing, timeline_redis::Error::CaFile { .. }), "{missing:?}");
}
