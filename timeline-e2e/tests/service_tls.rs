//! `examples/service` with every backend over verified TLS: its Postgres
//! outbox and token store (`sslmode=verify-full`, `--postgres-ca-file`) and
//! its Redis budget (`rediss://`, `--redis-ca-file`) on throwaway servers
//! that take TLS only, with certificates of a CA made in the test. An event
//! posted to it reaches the sandbox. A wrong password stops it at start
//! with an error that names the refusal and not the password.
//!
//! The test builds the service first (`cargo build`, in the same target
//! folder). It needs `postgres` (Debian `postgresql`) and `redis-server`
//! (Debian `redis-server`); without them it skips, except under `CI=true`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use timeline_sandbox::Sandbox;
use timeline_testkit::{PgServer, RedisServer, TestCertificates};

mod service_binary;

const ACCOUNT: u64 = 7001;
const PASSWORD: &str = "s3cret-service-password";
/// The hang guard of the wait for the event.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

/// What the service is started with, besides its outbox's URL.
struct Setup<'a> {
    binary: &'a Path,
    sandbox: &'a Sandbox,
    redis_url: String,
    ca: &'a Path,
    tokens: &'a Path,
}

impl Setup<'_> {
    /// The service, with its outbox and token store at `postgres_url`.
    fn service(&self, postgres_url: &str) -> Command {
        let mut command = Command::new(self.binary);
        command
            .args(["--listen", "127.0.0.1:0", "--hubspot-base-url", self.sandbox.url()])
            .args(["--outbox", postgres_url, "--token-store", postgres_url, "--budget", &self.redis_url])
            .arg("--tokens")
            .arg(self.tokens)
            .arg("--postgres-ca-file")
            .arg(self.ca)
            .arg("--redis-ca-file")
            .arg(self.ca)
            .stdin(Stdio::null());
        command
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_delivers_with_every_backend_over_verified_tls() {
    let certificates = TestCertificates::new();
    let (Some(postgres), Some(redis)) = (PgServer::start_tls(&certificates), RedisServer::start_tls(&certificates))
    else {
        return; // the message names the missing package
    };
    let binary = service_binary::build_service();
    let sandbox = Sandbox::builder()
        .templates_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/service/timeline"))
        .start()
        .await
        .unwrap();
    postgres.create_database("service").await;
    postgres.create_role("service", PASSWORD).await;
    let url = |password: &str| {
        format!("postgres://service:{password}@127.0.0.1:{}/service?sslmode=verify-full", postgres.port())
    };
    let ca = certificates.ca_file();
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    std::fs::write(&tokens, format!(r#"{{"{ACCOUNT}": "service-tls-token"}}"#)).unwrap();
    let setup = Setup { binary: &binary, sandbox: &sandbox, redis_url: redis.url(), ca: &ca, tokens: &tokens };

    let wrong_password = "wrong-service-password";
    let refused = setup.service(&url(wrong_password)).output().unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "the service started with a wrong password");
    assert!(said.contains("password authentication failed") && !said.contains(wrong_password), "{said}");

    let (running, listening) = service_binary::start(&mut setup.service(&url(PASSWORD)));

    service_binary::register(&listening, ACCOUNT, "r-tls").await;
    let give_up = Instant::now() + DELIVERY_LIMIT;
    while sandbox.events().is_empty() {
        assert!(Instant::now() < give_up, "the event did not reach the sandbox within {DELIVERY_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sandbox.events().len(), 1);
    drop(running);
    sandbox.shutdown().await;
}
