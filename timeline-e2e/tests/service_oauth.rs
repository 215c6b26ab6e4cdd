//! `examples/service` renews an account's OAuth tokens on HubSpot's 2026-03
//! OAuth API, on v1 when `HUBSPOT_OAUTH_API=v1`, and refuses to start on an
//! API it does not know. Its tokens file holds an access token that has
//! expired, so the first event needs a renewal.
//!
//! The test builds the service first (`cargo build`, in the same target
//! folder).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use timeline_sandbox::Sandbox;

mod service_binary;

const ACCOUNT: u64 = 7101;
const CLIENT_ID: &str = "service-oauth-client";
const CLIENT_SECRET: &str = "service-oauth-secret-3a2b";
/// The hang guard of the wait for an event.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_renews_on_the_oauth_api_the_environment_names() {
    let binary = service_binary::build_service();
    let sandbox = Sandbox::builder()
        .templates_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/service/timeline"))
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let service = |name: &str, api: Option<&str>| {
        let grant = sandbox.grant(ACCOUNT);
        let tokens = dir.path().join(format!("{name}.json"));
        let expired = r#""expiresAt": "2026-01-01T00:00:00Z""#;
        let file = format!(
            r#"{{"{ACCOUNT}": {{"accessToken": "{}", "refreshToken": "{}", {expired}}}}}"#,
            grant.access_token, grant.refresh_token
        );
        std::fs::write(&tokens, file).unwrap();
        let outbox = format!("sqlite:{}", dir.path().join(format!("{name}.sqlite")).display());
        let mut command = Command::new(&binary);
        command
            .args(["--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox", &outbox])
            .arg("--tokens")
            .arg(&tokens)
            .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
            .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
            .env_remove("HUBSPOT_OAUTH_API")
            .stdin(Stdio::null());
        if let Some(api) = api {
            command.env("HUBSPOT_OAUTH_API", api);
        }
        command
    };

    let refused = service("unknown", Some("v3")).output().unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "the service started on an unknown OAuth API");
    assert!(said.contains("HUBSPOT_OAUTH_API") && said.contains("2026-03"), "{said}");

    for (run, (name, api)) in [("default", None), ("v1", Some("v1"))].into_iter().enumerate() {
        let (_running, listening) = service_binary::start(&mut service(name, api));
        service_binary::register(&listening, ACCOUNT, &format!("r-{name}")).await;
        let give_up = Instant::now() + DELIVERY_LIMIT;
        while sandbox.events_in(ACCOUNT).len() <= run {
            assert!(Instant::now() < give_up, "the {name} run's event did not reach the sandbox");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_2026_03_count("refresh_token"), 1, "the default run renewed on 2026-03");
    assert_eq!(stats.token_request_count("refresh_token"), 2, "and the v1 run on v1");
    sandbox.shutdown().await;
}
