//! The throwaway server starts, serves its own databases, and stops on drop.

use sqlx::{Connection, PgConnection};
use timeline_testkit::{PgServer, TestDb};

#[tokio::test]
async fn a_server_serves_databases_and_stops_on_drop() {
    let Some(server) = PgServer::start() else { return };
    let url = server.create_database("one").await;
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let (name,): (String,) = sqlx::query_as("SELECT current_database()").fetch_one(&mut conn).await.unwrap();
    assert_eq!(name, "one");
    let (address,): (String,) = sqlx::query_as("SELECT host(inet_server_addr())").fetch_one(&mut conn).await.unwrap();
    assert_eq!(address, "127.0.0.1");
    conn.close().await.unwrap();

    // A second database of the same name is a fresh one.
    sqlx::query("CREATE TABLE t (x int)").execute(&mut PgConnection::connect(&url).await.unwrap()).await.unwrap();
    let url = server.create_database("one").await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let (tables,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_tables WHERE tablename = 't'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(tables, 0);
    conn.close().await.unwrap();

    let port_url = server.url("postgres");
    drop(server);
    assert!(PgConnection::connect(&port_url).await.is_err(), "the server still answers after drop");
}

#[tokio::test]
async fn tests_share_a_server_with_a_database_each() {
    let Some(first) = TestDb::new("testkit::first").await else { return };
    let second = TestDb::new("testkit::second").await.expect("a server runs already");
    assert_eq!(first.server().port(), second.server().port());
    assert_ne!(first.name(), second.name());
    let pool = first.pool().await;
    sqlx::query("CREATE TABLE only_in_first (x int)").execute(&pool).await.unwrap();
    let pool = second.pool().await;
    let (tables,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 0);
}

#[tokio::test]
async fn a_tls_server_takes_verified_tls_connections_and_refuses_plaintext() {
    let certificates = timeline_testkit::TestCertificates::new();
    let Some(server) = PgServer::start_tls(&certificates) else { return };
    let url = server.create_database("encrypted").await;
    assert!(url.contains("sslmode=verify-full"), "{url}");
    let mut conn = PgConnection::connect(&url).await.expect("a verified TLS connection");
    let (ssl,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(&mut conn).await.unwrap();
    assert!(ssl, "the connection is encrypted");
    conn.close().await.unwrap();

    server.create_role("app", "app-password").await;
    let with_password = format!("postgres://app:app-password@127.0.0.1:{}/encrypted?sslmode=require", server.port());
    PgConnection::connect(&with_password).await.expect("a role logs in with its password").close().await.unwrap();
    let wrong_password = with_password.replace("app-password", "not-it");
    assert!(PgConnection::connect(&wrong_password).await.is_err(), "a wrong password is refused");

    let plaintext = format!("postgres://postgres@127.0.0.1:{}/encrypted?sslmode=disable", server.port());
    let refused = PgConnection::connect(&plaintext).await.expect_err("plaintext is refused");
    assert!(refused.to_string().contains("no encryption"), "{refused}");
}
