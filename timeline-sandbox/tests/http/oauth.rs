//! OAuth with accounts: one-use codes per account, refresh for the token's
//! account, token metadata, revoked installs and a throttled token endpoint.

use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::wire::AccessTokenResponse;
use timeline_sandbox::{DEFAULT_ACCOUNT, RateLimit, Sandbox};

use crate::common::{builder, client, pet_as, status_and_json};

async fn token_request(sandbox: &Sandbox, form: &[(&str, &str)]) -> reqwest::Response {
    client().post(format!("{}/oauth/v1/token", sandbox.url())).form(form).send().await.unwrap()
}

async fn exchange(sandbox: &Sandbox, code: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "https://app.example.com/oauth/callback"),
        ("client_id", "cid"),
        ("client_secret", "secret"),
    ];
    token_request(sandbox, &form).await
}

async fn refresh(sandbox: &Sandbox, refresh_token: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "cid"),
        ("client_secret", "secret"),
    ];
    token_request(sandbox, &form).await
}

async fn lookup(sandbox: &Sandbox, token: &str) -> (u16, Value) {
    let url = format!("{}/oauth/v1/access-tokens/{token}", sandbox.url());
    status_and_json(client().get(url).send().await.unwrap()).await
}

fn remaining(response: &reqwest::Response) -> Option<&str> {
    response.headers().get("x-hubspot-ratelimit-remaining").map(|value| value.to_str().unwrap())
}

/// Checks a 400 `invalid_grant` answer with this HubSpot `status`.
fn assert_invalid_grant(status: u16, body: &Value, hubspot_status: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(body["status"], hubspot_status, "{body}");
    assert!(body["error_description"].as_str().is_some_and(|text| !text.is_empty()), "{body}");
    assert!(body["message"].as_str().is_some_and(|text| !text.is_empty()), "{body}");
}

#[tokio::test]
async fn an_authorization_code_is_exchanged_once_for_its_accounts_tokens() {
    let sandbox = builder().oauth_client("cid", "secret").start().await.unwrap();
    let code = sandbox.authorization_code(101);
    let other_code = sandbox.authorization_code(102);
    assert_ne!(code, other_code);

    let (status, body) = status_and_json(exchange(&sandbox, &code).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hub_id"], 101);
    assert_eq!(
        (&body["token_type"], &body["token_use"], &body["expires_in"]),
        (&json!("bearer"), &json!("access_token"), &json!(1800))
    );
    let issued: AccessTokenResponse = serde_json::from_value(body).unwrap();
    assert!(issued.refresh_token.is_some());
    assert_eq!(pet_as(&sandbox, &issued.access_token, "via-code").await.status().as_u16(), 201);
    assert_eq!(sandbox.events_in(101).len(), 1);

    let (status, body) = status_and_json(exchange(&sandbox, &code).await).await;
    assert_invalid_grant(status, &body, "BAD_AUTH_CODE");
    let (status, body) = status_and_json(exchange(&sandbox, "never-issued").await).await;
    assert_invalid_grant(status, &body, "BAD_AUTH_CODE");

    let (status, body) = status_and_json(exchange(&sandbox, &other_code).await).await;
    assert_eq!((status, &body["hub_id"]), (200, &json!(102)));

    let stats = sandbox.stats();
    assert_eq!((stats.token_request_count("authorization_code"), stats.tokens_issued), (4, 2));
    let first = sandbox.account_stats(101);
    assert_eq!((first.token_request_count("authorization_code"), first.tokens_issued), (1, 1));
    assert_eq!(first.requests, 2, "its code exchange and its batch");
}

#[tokio::test]
async fn a_refreshed_token_shares_its_accounts_window() {
    let sandbox = builder()
        .oauth_client("cid", "secret")
        .rate_limit(RateLimit::new(3, Duration::from_secs(60)))
        .start()
        .await
        .unwrap();
    let grant = sandbox.grant(101);
    assert_eq!(grant.expires_in, 1800);
    assert_eq!(sandbox.stats().tokens_issued + sandbox.stats().token_requests.len() as u64, 0, "grant is no request");
    let other = sandbox.grant(102);
    assert_eq!(pet_as(&sandbox, &grant.access_token, "1").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, &grant.access_token, "2").await.status().as_u16(), 201);

    let (status, body) = status_and_json(refresh(&sandbox, &grant.refresh_token).await).await;
    assert_eq!((status, &body["hub_id"]), (200, &json!(101)), "{body}");
    let renewed: AccessTokenResponse = serde_json::from_value(body).unwrap();
    assert_ne!(renewed.access_token, grant.access_token);
    assert_eq!(renewed.refresh_token.as_deref(), Some(grant.refresh_token.as_str()));

    let third = pet_as(&sandbox, &renewed.access_token, "3").await;
    assert_eq!((third.status().as_u16(), remaining(&third)), (201, Some("0")), "the renewed token kept the window");
    assert_eq!(pet_as(&sandbox, &renewed.access_token, "4").await.status().as_u16(), 429);
    assert_eq!(pet_as(&sandbox, &grant.access_token, "5").await.status().as_u16(), 429, "the old token is still 101's");
    assert_eq!(pet_as(&sandbox, &other.access_token, "6").await.status().as_u16(), 201);

    let stats = sandbox.stats();
    assert_eq!((stats.token_request_count("refresh_token"), stats.tokens_issued), (1, 1));
    assert_eq!(sandbox.account_stats(101).status_count(429), 2);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_an_invalid_grant_once_accounts_are_registered() {
    let sandbox = builder().oauth_client("cid", "secret").account(101).start().await.unwrap();
    let (status, body) = status_and_json(refresh(&sandbox, "made-up").await).await;
    assert_invalid_grant(status, &body, "BAD_REFRESH_TOKEN");

    let open = builder().oauth_client("cid", "secret").start().await.unwrap();
    let (status, body) = status_and_json(refresh(&open, "made-up").await).await;
    assert_eq!((status, &body["hub_id"]), (200, &json!(DEFAULT_ACCOUNT)), "as before accounts existed");
}

#[tokio::test]
async fn access_token_metadata_has_hubspots_shape() {
    let sandbox = builder().app_id(4242).account_token(102, "tok-b").start().await.unwrap();
    let grant = sandbox.grant(101);
    let (status, mut body) = lookup(&sandbox, &grant.access_token).await;
    assert_eq!(status, 200, "{body}");
    let expires_in = body.as_object_mut().unwrap().remove("expires_in").unwrap().as_u64().unwrap();
    assert!((1..=1800).contains(&expires_in), "{expires_in}");
    assert_eq!(
        body,
        json!({
            "token": grant.access_token,
            "hub_id": 101,
            "app_id": 4242,
            "scopes": ["timeline"],
            "token_type": "access",
            "user": "sandbox@example.com",
            "hub_domain": "account-101.example.com",
            "user_id": 1,
        })
    );
    let (status, body) = lookup(&sandbox, "tok-b").await;
    assert_eq!((status, &body["hub_id"], &body["hub_domain"]), (200, &json!(102), &json!("account-102.example.com")));

    let (status, body) = lookup(&sandbox, "not-a-token").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string() && body["category"].is_string(), "{body}");
    assert_eq!(sandbox.stats().access_token_lookups, 3);
    assert_eq!(sandbox.account_stats(101).access_token_lookups, 1);

    let expiring = builder().access_token_ttl(Duration::ZERO).start().await.unwrap();
    let expired = expiring.grant(101);
    assert_eq!(lookup(&expiring, &expired.access_token).await.0, 404);
    let open = builder().start().await.unwrap();
    let (status, body) = lookup(&open, "any-token").await;
    assert_eq!((status, &body["hub_id"]), (200, &json!(DEFAULT_ACCOUNT)), "without registration any token is valid");
}

#[tokio::test]
async fn a_revoked_install_gets_401_and_invalid_grant_while_others_go_on() {
    let sandbox = builder().oauth_client("cid", "secret").account_token(101, "tok-a").start().await.unwrap();
    let revoked = sandbox.grant(101);
    let unused_code = sandbox.authorization_code(101);
    let kept = sandbox.grant(102);
    sandbox.revoke(101);

    for token in ["tok-a", revoked.access_token.as_str()] {
        let (status, body) = status_and_json(pet_as(&sandbox, token, "refused").await).await;
        assert_eq!((status, &body["category"]), (401, &json!("INVALID_AUTHENTICATION")));
    }
    let (status, body) = status_and_json(refresh(&sandbox, &revoked.refresh_token).await).await;
    assert_invalid_grant(status, &body, "BAD_REFRESH_TOKEN");
    let (status, body) = status_and_json(exchange(&sandbox, &unused_code).await).await;
    assert_invalid_grant(status, &body, "BAD_AUTH_CODE");
    assert_eq!(lookup(&sandbox, &revoked.access_token).await.0, 404);
    assert_eq!(sandbox.account_stats(101).status_count(401), 2);

    assert_eq!(pet_as(&sandbox, &kept.access_token, "kept").await.status().as_u16(), 201);
    assert_eq!(refresh(&sandbox, &kept.refresh_token).await.status().as_u16(), 200);
    assert!(sandbox.events_in(101).is_empty());

    let reinstall = sandbox.authorization_code(101);
    let (status, body) = status_and_json(exchange(&sandbox, &reinstall).await).await;
    assert_eq!((status, &body["hub_id"]), (200, &json!(101)), "a new install works again");
}

#[tokio::test]
async fn a_throttled_token_endpoint_answers_429_with_retry_after_then_200() {
    let sandbox = builder().oauth_client("cid", "secret").start().await.unwrap();
    let grant = sandbox.grant(101);
    sandbox.throttle_token_endpoint(2, Duration::from_millis(1_500));
    for _ in 0..2 {
        let throttled = refresh(&sandbox, &grant.refresh_token).await;
        assert_eq!(throttled.status().as_u16(), 429);
        assert_eq!(throttled.headers()["retry-after"], "2");
        let body: Value = throttled.json().await.unwrap();
        assert_eq!((&body["errorType"], &body["status"]), (&json!("RATE_LIMIT"), &json!("error")), "{body}");
    }
    assert_eq!(refresh(&sandbox, &grant.refresh_token).await.status().as_u16(), 200);

    sandbox.throttle_token_endpoint(1, Duration::ZERO);
    let throttled = exchange(&sandbox, &sandbox.authorization_code(101)).await;
    assert_eq!((throttled.status().as_u16(), &throttled.headers()["retry-after"]), (429, &"1".parse().unwrap()));

    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("refresh_token"), 3, "429s are token requests too");
    assert_eq!(stats.token_request_count("authorization_code"), 1);
    assert_eq!((stats.status_count(429), stats.tokens_issued, stats.rate_limited), (3, 1, 0));
    assert_eq!(sandbox.account_stats(101).status_count(429), 3);
}
