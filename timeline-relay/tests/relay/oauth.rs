//! OAuth through the relay: a token answer that passes is saved in the
//! relay's token store, and the relay delivers that account's events with
//! it, renewing it once it expired.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{BATCH, CLIENT, Setup, pet, start, wait_for};

/// An account the relay is given no token of.
const INSTALLED: u64 = 303;

/// The form of an authorization-code exchange with `code`.
fn exchange(code: &str) -> String {
    format!(
        "grant_type=authorization_code&client_id={CLIENT}&client_secret={CLIENT}&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback&code={code}"
    )
}

/// Posts `form` to the token endpoint under `base`; the status and the body.
async fn token_call(base: &str, form: String) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{base}/oauth/v1/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, serde_json::from_str(&answer.text().await.unwrap()).unwrap())
}

#[tokio::test]
async fn an_install_through_the_relay_is_saved_and_its_events_are_delivered_after_the_access_token_expired() {
    let harness = start(Setup { access_token_ttl: Some(Duration::from_secs(2)), ..Setup::default() }).await;
    let sandbox_url = harness.sandbox.url().trim_end_matches('/').to_owned();

    let (direct_status, direct) = token_call(&sandbox_url, exchange(&harness.sandbox.authorization_code(404))).await;
    let (status, granted) = token_call(&harness.url, exchange(&harness.sandbox.authorization_code(INSTALLED))).await;
    assert_eq!((status, direct_status), (200, 200), "{granted:#}");
    let keys = |answer: &Value| answer.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&granted), keys(&direct), "HubSpot's answer, unchanged: {granted:#}");
    assert_eq!((&granted["token_type"], &granted["expires_in"]), (&direct["token_type"], &direct["expires_in"]));
    let access_token = granted["access_token"].as_str().unwrap().to_owned();
    let saved = harness.store.get(INSTALLED).expect("the tokens are saved in the relay's store");
    assert_eq!(saved.access_token, access_token);
    assert_eq!(Some(saved.refresh_token.as_str()), granted["refresh_token"].as_str());

    let (status, answer) = harness.post(BATCH, Some(&access_token), &json!({ "inputs": [pet("installed-1")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.sandbox.events_in(INSTALLED).len(), 1);

    let template = "/integrators/timeline/v3/1/event-templates";
    wait_for("the access token to expire at HubSpot", || async {
        harness.call(&sandbox_url, Method::GET, template, Some(&access_token), None).await.0 == 401
    })
    .await;
    // The caller renews its own access token at HubSpot; the relay learns its account by introspection.
    let form = format!(
        "grant_type=refresh_token&client_id={CLIENT}&client_secret={CLIENT}&refresh_token={}",
        saved.refresh_token
    );
    let (status, renewed) = token_call(&sandbox_url, form).await;
    assert_eq!(status, 200, "{renewed:#}");
    let renewed = renewed["access_token"].as_str().unwrap();
    let (status, answer) = harness.post(BATCH, Some(renewed), &json!({ "inputs": [pet("installed-2")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.sandbox.events_in(INSTALLED).len(), 2);
    let stats = harness.sandbox.account_stats(INSTALLED);
    let renewals = stats.token_request_count("refresh_token");
    assert!(renewals >= 2, "the caller's renewal, and the relay's own: {stats:#?}");
    assert_ne!(harness.store.get(INSTALLED).unwrap().access_token, access_token, "the relay renewed the stored tokens");
}

#[tokio::test]
async fn a_token_answer_of_the_2026_03_path_is_saved_for_the_account_it_names() {
    let harness = start(Setup::default()).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/oauth/2026-03/token", harness.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(exchange(&harness.sandbox.authorization_code(INSTALLED)))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let granted: Value = answer.json().await.unwrap();
    assert_eq!(granted["hub_id"], INSTALLED, "{granted:#}");
    let saved = harness.store.get(INSTALLED).expect("the tokens are saved");
    assert_eq!(Some(saved.access_token.as_str()), granted["access_token"].as_str());
    let stats = harness.sandbox.account_stats(INSTALLED);
    assert_eq!(stats.introspection_requests, 0, "the answer names its account: {stats:#?}");

    let (status, answer) =
        harness.post(BATCH, Some(&saved.access_token), &json!({ "inputs": [pet("installed-3")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.sandbox.events_in(INSTALLED).len(), 1);
}

#[tokio::test]
async fn a_token_answer_granted_to_another_app_passes_unchanged_and_is_not_saved() {
    let harness = start(Setup { app_client: Some("another-app"), ..Setup::default() }).await;
    let (status, granted) = token_call(&harness.url, exchange(&harness.sandbox.authorization_code(INSTALLED))).await;
    assert_eq!(status, 200, "{granted:#}");
    assert!(granted["refresh_token"].is_string(), "HubSpot's answer, unchanged: {granted:#}");
    assert!(harness.store.get(INSTALLED).is_none(), "another app's tokens are not the relay's to keep");
}

/// An account installed through the relay, revoked, then installed again.
const REINSTALLED: u64 = 808;

#[tokio::test]
async fn an_install_through_the_relay_resumes_an_account_paused_for_its_revoked_install() {
    let harness = start(Setup { access_token_ttl: Some(Duration::from_secs(2)), ..Setup::default() }).await;
    let sandbox_url = harness.sandbox.url().trim_end_matches('/').to_owned();
    let (status, granted) = token_call(&harness.url, exchange(&harness.sandbox.authorization_code(REINSTALLED))).await;
    assert_eq!(status, 200, "{granted:#}");
    let stored = granted["access_token"].as_str().unwrap().to_owned();
    harness.sandbox.revoke(REINSTALLED);
    let template = "/integrators/timeline/v3/1/event-templates";
    wait_for("the stored access token to expire at HubSpot", || async {
        harness.call(&sandbox_url, Method::GET, template, Some(&stored), None).await.0 == 401
    })
    .await;

    // The caller has a token of its own; the relay delivers with the stored ones, whose renewal is refused.
    let caller = harness.sandbox.grant(REINSTALLED).access_token;
    let (status, answer) = harness.post(BATCH, Some(&caller), &json!({ "inputs": [pet("revoked-1")] })).await;
    assert_eq!((status, &answer["status"]), (207, &json!("PENDING")), "{answer:#}");
    wait_for("the account to be paused for its revoked install", || async {
        let paused = harness.relay.dispatcher().outbox().paused().await.unwrap();
        paused.iter().any(|(account, pause)| account.get() == REINSTALLED && pause.reason == "install revoked")
    })
    .await;

    let (status, _) = token_call(&harness.url, exchange(&harness.sandbox.authorization_code(REINSTALLED))).await;
    assert_eq!(status, 200);
    wait_for("the held event to be delivered", || async { harness.sandbox.events_in(REINSTALLED).len() == 1 }).await;
    assert!(harness.relay.dispatcher().outbox().paused().await.unwrap().is_empty(), "resumed");
}
