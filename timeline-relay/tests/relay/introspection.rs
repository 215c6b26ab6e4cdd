//! Bearer tokens the relay was not given: one HubSpot takes names its
//! account (asked once however many requests bring it, then remembered);
//! one it does not gets HubSpot's 401, and nothing is stored.

use chrono::{Duration, Utc};
use serde_json::json;
use timeline_core::AccountTokens;

use crate::common::{BATCH, Setup, pet, start};

/// An account the relay is given no token of.
const LEARNED: u64 = 505;
/// An account whose install is revoked.
const REVOKED: u64 = 606;
/// An account the relay's app holds no tokens of.
const UNKNOWN_TO_THE_APP: u64 = 707;

#[tokio::test]
async fn a_token_hubspot_takes_is_learned_by_introspection_and_its_events_land_in_its_account() {
    let harness = start(Setup::default()).await;
    let installed = harness.sandbox.grant(LEARNED);
    let expires_at = Utc::now() + Duration::seconds(installed.expires_in);
    harness.store.insert(LEARNED, AccountTokens::new(installed.access_token, expires_at, installed.refresh_token));
    let caller = harness.sandbox.grant(LEARNED).access_token;

    let mut burst = tokio::task::JoinSet::new();
    for n in 0..8 {
        let body = json!({ "inputs": [pet(&format!("learned-{n}"))] });
        let request = reqwest::Client::new().post(format!("{}{BATCH}", harness.url)).bearer_auth(&caller);
        burst.spawn(request.header("content-type", "application/json").body(body.to_string()).send());
    }
    while let Some(answer) = burst.join_next().await {
        let answer = answer.unwrap().unwrap();
        assert_eq!(answer.status().as_u16(), 201, "{}", answer.text().await.unwrap());
    }
    let (status, answer) = harness.post(BATCH, Some(&caller), &json!({ "inputs": [pet("learned-8")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.sandbox.events_in(LEARNED).len(), 9);
    let stats = harness.sandbox.account_stats(LEARNED);
    assert_eq!(stats.introspection_requests, 1, "asked once for the whole burst, then remembered");
}

#[tokio::test]
async fn a_token_hubspot_does_not_take_gets_401_and_nothing_is_stored() {
    let harness = start(Setup::default()).await;
    let (status, answer) = harness.post(BATCH, Some("nobody-knows-me"), &json!({ "inputs": [pet("refused-1")] })).await;
    assert_eq!(status, 401, "{answer:#}");
    assert_eq!((&answer["status"], &answer["category"]), (&json!("error"), &json!("INVALID_AUTHENTICATION")));
    assert!(harness.rows().await.is_empty(), "nothing stored");
    assert_eq!(harness.sandbox.stats().introspection_requests, 1, "HubSpot was asked");
    assert!(harness.sandbox.events().is_empty());

    let revoked = harness.sandbox.grant(REVOKED).access_token;
    harness.sandbox.revoke(REVOKED);
    let (status, answer) = harness.post(BATCH, Some(&revoked), &json!({ "inputs": [pet("refused-2")] })).await;
    assert_eq!(status, 401, "HubSpot calls the token inactive: {answer:#}");
    assert_eq!(answer["category"], "INVALID_AUTHENTICATION");
    assert!(harness.rows().await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn an_account_the_app_holds_no_tokens_of_gets_its_events_delivered_with_the_callers_token() {
    let harness = start(Setup::default()).await;
    let caller = harness.sandbox.grant(UNKNOWN_TO_THE_APP).access_token;
    let (status, answer) = harness.post(BATCH, Some(&caller), &json!({ "inputs": [pet("lent-1")] })).await;
    assert_eq!(status, 201, "delivered within the ack wait: {answer:#}");
    assert_eq!(harness.sandbox.events_in(UNKNOWN_TO_THE_APP).len(), 1);
    let lent = harness.store.get(UNKNOWN_TO_THE_APP).expect("the caller's token is kept for the account");
    assert_eq!((lent.access_token.as_str(), lent.refresh_token.as_str()), (caller.as_str(), ""));

    let installed = harness.sandbox.grant(LEARNED);
    let expires_at = Utc::now() + Duration::seconds(installed.expires_in);
    let own = AccountTokens::new(installed.access_token, expires_at, installed.refresh_token);
    harness.store.insert(LEARNED, own.clone());
    let caller = harness.sandbox.grant(LEARNED).access_token;
    let (status, answer) = harness.post(BATCH, Some(&caller), &json!({ "inputs": [pet("own-1")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.store.get(LEARNED), Some(own), "tokens that renew themselves are never replaced");
}
