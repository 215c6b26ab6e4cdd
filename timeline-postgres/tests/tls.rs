//! Postgres over TLS: an outbox on a pool from [`timeline_postgres::connect`]
//! enqueues and claims over a verified connection; a server signed by
//! another CA, and plaintext to a TLS-only server, are refused; and no
//! refusal (a wrong password, an unreachable server, a failed handshake, a
//! URL that does not parse) shows the password.

mod common;

use std::time::Duration;

use sqlx::postgres::PgSslMode;
use timeline_dispatch::{ClaimLimits, Outbox};
use timeline_postgres::{Error, PgOutbox, connect, connect_options};
use timeline_testkit::{PgServer, TestCertificates, assert_hides};

const PASSWORD: &str = "s3cret-outbox-password";

/// A TLS-only server with the database `app`, its certificates, and the
/// role `app` whose password is [`PASSWORD`].
async fn tls_server() -> Option<(PgServer, TestCertificates)> {
    let certificates = TestCertificates::new();
    let server = PgServer::start_tls(&certificates)?;
    server.create_database("app").await;
    server.create_role("app", PASSWORD).await;
    Some((server, certificates))
}

/// The URL of `app` on `server` as the role `app`, with `password` and `query`.
fn url(server: &PgServer, password: &str, query: &str) -> String {
    format!("postgres://app:{password}@127.0.0.1:{}/app?{query}", server.port())
}

#[tokio::test]
async fn an_outbox_enqueues_and_claims_over_verified_tls() {
    let Some((server, certificates)) = tls_server().await else { return };
    let ca = certificates.ca_file();
    let pool =
        connect(&url(&server, PASSWORD, "sslmode=verify-full"), Some(&ca), 4).await.expect("a verified connection");
    let (ssl,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(&pool).await.unwrap();
    assert!(ssl, "the pool's connections are encrypted");
    let outbox = PgOutbox::new(pool);
    outbox.migrate().await.unwrap();
    let now = common::at(0);
    outbox.enqueue(&[common::event(7, "over-tls")], now).await.unwrap();
    let claimed = outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), now).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].key.event_id, "over-tls");

    // The URL's own parameter does the same as the CA file.
    let in_url = url(&server, PASSWORD, &format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    connect(&in_url, None, 1).await.expect("sslrootcert in the URL");
}

#[test]
fn a_ca_file_turns_verification_on() {
    let ca = std::path::Path::new("/nowhere/ca.pem");
    for (mode, verified) in
        [("prefer", PgSslMode::VerifyFull), ("require", PgSslMode::VerifyFull), ("verify-ca", PgSslMode::VerifyCa)]
    {
        let options = connect_options(&format!("postgres://app@db/app?sslmode={mode}"), Some(ca)).unwrap();
        assert_eq!(format!("{:?}", options.get_ssl_mode()), format!("{verified:?}"), "sslmode={mode}");
    }
    let refused = connect_options("postgres://app@db/app?sslmode=disable", Some(ca)).unwrap_err();
    assert!(matches!(refused, Error::CaFileWithoutVerification("disable")), "{refused:?}");
}

#[tokio::test]
async fn a_server_signed_by_another_ca_is_refused_without_the_password() {
    let Some((server, _certificates)) = tls_server().await else { return };
    let other = TestCertificates::new();
    let refused =
        connect(&url(&server, PASSWORD, "sslmode=verify-full"), Some(&other.ca_file()), 1).await.expect_err("refused");
    assert!(matches!(refused, Error::Refused { .. }), "{refused:?}");
    let said = refused.to_string();
    assert!(said.contains("certificate") && said.contains("127.0.0.1"), "{said}");
    assert_hides(&refused, PASSWORD);
}

#[tokio::test]
async fn plaintext_to_a_tls_only_server_is_refused() {
    let Some((server, _certificates)) = tls_server().await else { return };
    let refused = connect(&url(&server, PASSWORD, "sslmode=disable"), None, 1).await.expect_err("refused");
    assert!(refused.to_string().contains("no encryption"), "{refused}");
    assert_hides(&refused, PASSWORD);
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_it() {
    let Some((server, certificates)) = tls_server().await else { return };
    let wrong = "wrong-outbox-password";
    let refused = connect(&url(&server, wrong, "sslmode=verify-full"), Some(&certificates.ca_file()), 1)
        .await
        .expect_err("refused");
    assert!(refused.to_string().contains("password authentication failed"), "{refused}");
    assert_hides(&refused, wrong);
}

#[tokio::test]
async fn an_unreachable_server_or_a_bad_url_is_refused_without_the_password() {
    let Some((server, _certificates)) = tls_server().await else { return };
    let port = server.port();
    drop(server);
    let unreachable = format!("postgres://app:{PASSWORD}@127.0.0.1:{port}/app");
    assert_hides(&connect(&unreachable, None, 1).await.expect_err("nothing listens"), PASSWORD);
    let bad = format!("postgres://app:{PASSWORD}@127.0.0.1:not-a-port/app");
    assert_hides(&connect(&bad, None, 1).await.expect_err("not a URL"), PASSWORD);
}
