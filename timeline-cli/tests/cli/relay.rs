//! `timeline relay`: the relay as a process in front of a sandbox, with a
//! SQLite outbox; it prints where it listens, serves, and exits 0 on SIGTERM;
//! with `--migrate`, it takes the files `timeline migrate` writes and sends
//! their templates' v3 events as app events.

use std::process::Stdio;

use serde_json::json;
use timeline_sandbox::Sandbox;

use crate::common::{run, scratch, start_relay, stderr, templates, timeline};

/// The account of the relay's tokens file, and its token.
const ACCOUNT: u64 = 101;
const ACCOUNT_TOKEN: &str = "relay-cli-token";

/// Posts a v3 batch of `input` to the relay at `url` with `token`.
async fn post_batch(url: &str, token: &str, input: serde_json::Value) -> reqwest::Response {
    let request = reqwest::Client::new().post(format!("{url}/integrators/timeline/v3/events/batch/create"));
    request.bearer_auth(token).json(&json!({ "inputs": [input] })).send().await.unwrap()
}

/// A sandbox that knows [`ACCOUNT`]'s token, and a tokens file in `dir` naming it.
async fn sandbox_and_tokens(dir: &std::path::Path) -> (Sandbox, std::path::PathBuf) {
    let sandbox =
        Sandbox::builder().templates(templates()).account_token(ACCOUNT, ACCOUNT_TOKEN).no_rate_limit().start().await;
    let tokens = dir.join("tokens.json");
    std::fs::write(&tokens, json!({ ACCOUNT.to_string(): ACCOUNT_TOKEN }).to_string()).unwrap();
    (sandbox.unwrap(), tokens)
}

#[tokio::test]
async fn the_relay_command_serves_a_v3_batch_and_exits_0_on_sigterm() {
    let dir = scratch("relay");
    let (sandbox, tokens) = sandbox_and_tokens(&dir).await;
    let (relay, url) = start_relay(
        timeline()
            .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox"])
            .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
            .arg("--tokens")
            .arg(&tokens)
            .stderr(Stdio::piped()),
    )
    .await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let input =
        json!({"eventTemplateId": "1001298", "id": "cli-relay-1", "objectId": "5", "tokens": {"petName": "Rex"}});
    let answer = post_batch(&url, ACCOUNT_TOKEN, input).await;
    assert_eq!(answer.status().as_u16(), 201);
    assert_eq!(sandbox.events_in(ACCOUNT).len(), 1);
    assert_eq!(sandbox.received("1001298", "cli-relay-1"), 1);
    let http = reqwest::Client::new();
    let console = http.get(format!("{url}/admin")).send().await.unwrap();
    assert_eq!(console.status().as_u16(), 404, "no TIMELINE_ADMIN_TOKEN: no console");
    let metrics = http.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200, "without a console /metrics is open");
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("timeline_dispatch_delivered_total 1"), "{metrics}");

    let pid = relay.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let output = relay.wait_with_output().await.unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "timeline relay stopped: 0 delivered while stopping, 0 given back unsent; the outbox holds 0 pending"
        ),
        "the stop says what it left: {said}"
    );
}

#[tokio::test]
async fn the_relay_command_with_an_app_id_asks_hubspot_for_templates_and_checks_inputs_at_the_edge() {
    let dir = scratch("relay-app-id");
    let (sandbox, tokens) = sandbox_and_tokens(&dir).await;
    let relay_command = || {
        let mut command = timeline();
        command
            .args([
                "relay",
                "--listen",
                "127.0.0.1:0",
                "--hubspot-base-url",
                sandbox.url(),
                "--app-id",
                "1",
                "--outbox",
            ])
            .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
            .arg("--tokens")
            .arg(&tokens)
            .env_remove("HUBSPOT_DEVELOPER_KEY")
            .stderr(Stdio::piped());
        command
    };
    let refused = run(&mut relay_command()).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("HUBSPOT_DEVELOPER_KEY"), "{}", stderr(&refused));

    let (relay, url) = start_relay(relay_command().env("HUBSPOT_DEVELOPER_KEY", "developer-key")).await;
    let input =
        json!({"eventTemplateId": "1001298", "id": "cli-relay-3", "objectId": "5", "tokens": {"petAge": "three"}});
    let answer = post_batch(&url, ACCOUNT_TOKEN, input).await;
    assert_eq!(answer.status().as_u16(), 207, "{}", answer.text().await.unwrap());
    assert_eq!(sandbox.stats().inputs_received, 0, "refused at the edge against the template HubSpot gave");
    let pid = relay.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(relay.wait_with_output().await.unwrap().status.success());
}

#[tokio::test]
async fn the_relay_command_sends_v3_events_as_the_app_events_timeline_migrate_wrote() {
    let dir = scratch("relay-migrate");
    let template = dir.join("pet-adopted.json");
    std::fs::write(&template, serde_json::to_string(&templates()[0]).unwrap()).unwrap();
    let app_events = dir.join("app-events");
    std::fs::create_dir_all(&app_events).unwrap();
    let written = app_events.join("pet_adopted-hsmeta.json");
    let migrated = run(timeline().arg("migrate").arg(&template).arg("-o").arg(&written)).await;
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let definition = timeline_template::definition::read(&written).unwrap();
    let sandbox = Sandbox::builder()
        .templates(templates())
        .app_event_type(definition)
        .account_token(ACCOUNT, ACCOUNT_TOKEN)
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let tokens = dir.join("tokens.json");
    std::fs::write(&tokens, json!({ ACCOUNT.to_string(): ACCOUNT_TOKEN }).to_string()).unwrap();
    let relay_command = |migrate: &[std::ffi::OsString]| {
        let mut command = timeline();
        command
            .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox"])
            .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
            .arg("--tokens")
            .arg(&tokens)
            .args(migrate)
            .stderr(Stdio::piped());
        command
    };

    // The file says which template it came from: given another, the relay refuses to start.
    let mismatched = [std::ffi::OsString::from("--migrate"), format!("1004521={}", written.display()).into()];
    let refused = run(&mut relay_command(&mismatched)).await;
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("was migrated from template 1001298"), "{}", stderr(&refused));

    // A folder of such files: each carries its template id.
    let (relay, url) = start_relay(&mut relay_command(&["--migrate".into(), app_events.into()])).await;
    let input = json!({"eventTemplateId": "1001298", "id": "cli-migrated-1", "objectId": "5",
                       "tokens": {"petName": "Rex", "breed": "beagle"}});
    let answer = post_batch(&url, ACCOUNT_TOKEN, input).await;
    assert_eq!(answer.status().as_u16(), 201);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(answer["results"][0]["eventTemplateId"], "1001298", "a v3 answer: {answer}");
    let stored = sandbox.app_event("pet_adopted", "cli-migrated-1").expect("stored as an occurrence");
    assert_eq!((stored.properties["petName"].as_str(), stored.properties["breed"].as_str()), ("Rex", "beagle"));
    assert!(sandbox.events_in(ACCOUNT).is_empty(), "nothing on the v3 side");

    let pid = relay.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let output = relay.wait_with_output().await.unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn the_relay_command_serves_its_console_with_the_admin_tokens_of_its_environment() {
    let dir = scratch("relay-console");
    let sandbox = Sandbox::builder().templates(templates()).no_rate_limit().start().await.unwrap();
    let (admin, reader) = ("cli-admin-5d1e0b7a93c2", "cli-reader-8f24c6e1d0a7");
    let (_relay, url) = start_relay(
        timeline()
            .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox"])
            .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
            .env("TIMELINE_ADMIN_TOKEN", admin)
            .env("TIMELINE_ADMIN_READ_TOKEN", reader),
    )
    .await;
    assert!(url.starts_with("http://127.0.0.1:"), "the first line stays the address: {url}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (token, status) in [(admin, 200), (reader, 200), ("wrong", 401)] {
        let page = http.get(format!("{url}/admin")).bearer_auth(token).send().await.unwrap();
        assert_eq!(page.status().as_u16(), status, "{token}");
        let metrics = http.get(format!("{url}/metrics")).bearer_auth(token).send().await.unwrap();
        assert_eq!(metrics.status().as_u16(), status, "/metrics takes the console's tokens: {token}");
    }
    let login = http.get(format!("{url}/admin/login")).send().await.unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "on loopback the cookie is not Secure: {cookie}"
    );
}

/// The account installed through the relay in the shared-backends test.
#[cfg(all(feature = "postgres", feature = "redis"))]
const INSTALLED: u64 = 303;
/// The OAuth client of the relay's app at the sandbox.
#[cfg(all(feature = "postgres", feature = "redis"))]
const CLIENT: &str = "relay-cli-client";
/// The key the relay encrypts the stored tokens with.
#[cfg(all(feature = "postgres", feature = "redis"))]
const TOKEN_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[cfg(all(feature = "postgres", feature = "redis"))]
#[tokio::test]
async fn the_relay_command_keeps_tokens_in_postgres_and_paces_in_redis() {
    let Some(db) = timeline_testkit::TestDb::new("timeline-cli relay shared backends").await else {
        return;
    };
    let Some(redis) = timeline_testkit::RedisServer::start() else {
        return;
    };
    let dir = scratch("relay-shared");
    let sandbox =
        Sandbox::builder().templates(templates()).oauth_client(CLIENT, CLIENT).no_rate_limit().start().await.unwrap();
    let (relay, url) = start_relay(
        timeline()
            .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox"])
            .arg(format!("sqlite:{}", dir.join("outbox.sqlite").display()))
            .args(["--token-store", db.url(), "--budget", &redis.url()])
            .env("HUBSPOT_CLIENT_ID", CLIENT)
            .env("HUBSPOT_CLIENT_SECRET", CLIENT)
            .env("TIMELINE_TOKEN_KEY", TOKEN_KEY)
            .stderr(Stdio::piped()),
    )
    .await;

    let code = sandbox.authorization_code(INSTALLED);
    let form = format!("grant_type=authorization_code&client_id={CLIENT}&client_secret={CLIENT}&code={code}");
    let answer = reqwest::Client::new()
        .post(format!("{url}/oauth/v1/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let granted: serde_json::Value = answer.json().await.unwrap();
    let access_token = granted["access_token"].as_str().unwrap();

    let pool = db.pool().await;
    let cipher = timeline_postgres::TokenCipher::from_hex(TOKEN_KEY).unwrap();
    let store = timeline_postgres::PgTokenStore::new(pool.clone()).encrypted(cipher);
    let (saved, _) = store.get(INSTALLED).await.unwrap().expect("the relay saved the install's tokens in Postgres");
    assert_eq!(saved.access_token, access_token);
    let plain = timeline_postgres::PgTokenStore::new(pool).get(INSTALLED).await;
    assert!(
        plain.is_err() || plain.unwrap().is_none_or(|(tokens, _)| tokens.access_token != access_token),
        "encrypted"
    );

    let input =
        json!({"eventTemplateId": "1001298", "id": "cli-relay-2", "objectId": "5", "tokens": {"petName": "Rex"}});
    let answer = post_batch(&url, access_token, input).await;
    assert_eq!(answer.status().as_u16(), 201, "{}", answer.text().await.unwrap());
    assert_eq!(sandbox.events_in(INSTALLED).len(), 1);

    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut connection).await.unwrap();
    assert!(keys.iter().any(|key| key.contains(&INSTALLED.to_string())), "the account's window is in Redis: {keys:?}");

    let pid = relay.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let output = relay.wait_with_output().await.unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
}
